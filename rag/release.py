"""Releasing an LLM's reply while it streams: whole sentences only, and only once verified and on the question.

`ClaimGate` collects streamed pieces and lets a sentence go once it is complete with its markers (the
last one may still grow, and a marker may be half-written: "[P"). `Shown` holds the verified sentences
until, together, they answer the question, then streams their words; a sentence shown is never
withdrawn, because the final answer keeps every sentence `Shown` released.
"""

from __future__ import annotations

from collections.abc import Iterator

from rag.claims import Claim, split_claims
from rag.verify import Asked, Checked, answers

_OPENERS, _CLOSERS = "[(【［〔〖⟦（", "])】］〕〗⟧）"


class ClaimGate:
    """Collects streamed pieces and releases each sentence once it is complete, with its markers."""

    def __init__(self) -> None:
        self.buffer, self.released = "", 0

    def feed(self, piece: str) -> list[Claim]:
        self.buffer += piece
        if _inside_brackets(self.buffer):  # a marker may be half-written: "[P"
            return []
        claims = split_claims(self.buffer)[:-1]  # the last sentence may still grow or get its marker
        return self._release(claims)

    def close(self) -> list[Claim]:
        return self._release(split_claims(self.buffer))

    def _release(self, claims: list[Claim]) -> list[Claim]:
        ready = claims[self.released:]
        self.released += len(ready)
        return ready


def _inside_brackets(text: str) -> bool:
    opened = max(text.rfind(c) for c in _OPENERS)
    return opened > max(text.rfind(c) for c in _CLOSERS)


class Shown:
    """Kept sentences wait until, together, they answer the question; from then on each shows at once."""

    def __init__(self, asked: Asked) -> None:
        self.asked, self.checked, self.kept, self.released = asked, list[Checked](), list[Checked](), 0

    def add(self, result: Checked) -> Iterator[str]:
        self.checked.append(result)
        if not result.kept or any(c.claim.text == result.claim.text for c in self.kept):
            return
        self.kept.append(result)
        if not answers(self.asked, self.kept):
            return
        for c in self.kept[self.released:]:
            words = c.claim.text.split(" ")
            yield from (w if self.released == 0 and i == 0 else " " + w for i, w in enumerate(words))
            self.released += 1
