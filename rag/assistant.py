"""The composition root and the assistant every face uses.

`build_assistant(settings)` is the one place that chooses the store, embedder, retriever and
generators; the CLI, the Gradio app and the evaluation harness all call it, tests build parts
directly. `Assistant.ask` and `Assistant.stream` validate the question, condense follow-ups,
retrieve, abstain when the statement does not address the question, and generate a cited answer.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Literal

from index.countries import demonyms_of
from index.errors import IndexMissingError, InputError
from index.manifest import SCHEMA_VERSION
from index.model import Document
from index.paragraphs import part_numbers, printed_labels
from index.store import DocumentInfo, VectorStore
from index.text import tokenize
from rag import across
from rag.answer import Answer, Citation
from rag.answerability import asks_country, names_other_country, paragraph_references
from rag.chain import ParagraphRetriever, retrieval_chain
from rag.generate import Draft, Generator, Timed, abstain, says_something, stream_words
from rag.metadata import metadata_draft
from rag.policy import AnswerPolicy, Profile, after_generation, before_generation, names_held, profile
from rag.question import ABOUT_DOCUMENT, Query, Turn, analyse, is_injection, own_topic, without_demonym, without_name
from rag.retrieve import HybridRetriever, ParagraphHit, Retriever
from rag.scope import Catalogue, Scope, ScopePolicy, no_match_message, parse_where
from rag.settings import GeneratorName, Settings, validate_question

PROFILE_CACHE = 4096  # documents whose profiles (vocabulary, own names) are kept
READ_AHEAD = 4096  # documents `read_ahead` reads: what every per-document cache holds (the archive fits)
READ_AHEAD_BATCH = 32


def confidence(hits: Sequence[ParagraphHit]) -> float:
    """How well the best body paragraphs match: dense similarity and word coverage, 0..1.

    The heading (paragraph 0) is left out: it resembles every question about the statement a little,
    and metadata questions are answered from it before this check.
    """
    return max((h.relevance for h in [h for h in hits if h.paragraph != 0][:3]), default=0.0)


def parse_history(history: Sequence[object] | None) -> list[Turn]:
    """Accept [{"role", "content"}] dicts (CLI, API) or Turns; anything else is an InputError."""
    turns = []
    for i, item in enumerate(history or []):
        if isinstance(item, Turn):
            turns.append(item)
            continue
        if not isinstance(item, dict) or item.get("role") not in ("user", "assistant") or not isinstance(
                item.get("content"), str):
            raise InputError(f"history item {i + 1} must be {{\"role\": \"user\"|\"assistant\", \"content\": str}}")
        turns.append(Turn(item["role"], item["content"]))
    return turns


class Assistant:
    """Answers questions over one index; built by `build_assistant`, never copied or changed in place
    (`variant` gives another assistant over the same index with another policy or retriever)."""

    def __init__(self, store: VectorStore, retriever: Retriever, generators: dict[str, Generator],
                 top_k: int = 5, policy: AnswerPolicy = AnswerPolicy(),
                 default_generator: GeneratorName = "extractive", scope_policy: ScopePolicy = ScopePolicy()) -> None:
        self.store, self.retriever, self.generators = store, retriever, generators
        self.scope_policy = scope_policy  # which metadata a question may name (rag.scope)
        self.top_k, self.policy, self.default_generator = top_k, policy, default_generator
        self._known: set[str] | None = None
        self._profiles: dict[tuple[str, str], Profile] = {}
        self._read: set[tuple[str, str]] = set()  # (doc_id, hash) of the documents read ahead, or handed over so
        self._catalogue: tuple[set[str], Catalogue] | None = None  # rag.scope, for the documents known then

    def variant(self, policy: AnswerPolicy | None = None, retriever: Retriever | None = None) -> Assistant:
        """Another assistant over the same index and generators, with another policy or retriever."""
        return Assistant(self.store, retriever or self.retriever, self.generators, self.top_k,
                         policy or self.policy, self.default_generator, self.scope_policy)

    def documents(self) -> list[DocumentInfo]:
        return self.store.documents()

    def read_ahead(self, stop: Callable[[], bool] = lambda: False) -> int:
        """Read every document ahead of questions, up to `READ_AHEAD`: its text, its profile, what the
        generators need from it (word weights) and its chunk vectors, so that the first question about a
        statement costs what later ones do. A document already read at its current version (here, or by the
        assistant of the view before, `hand_over`) is skipped. `stop` is asked between batches (a newer view
        of the index replaces this one). Returns the number of documents read."""
        documents = self.store.documents()
        self._known = {d.doc_id for d in documents}
        ids = [d.doc_id for d in documents[:READ_AHEAD] if (d.doc_id, d.hash) not in self._read]
        for start in range(0, len(ids), READ_AHEAD_BATCH):
            if stop():
                return start
            batch = ids[start:start + READ_AHEAD_BATCH]
            read = [self.document(doc_id) for doc_id in batch]
            for document in read:
                self._profile(document.doc_id)
                for generator in self.generators.values():
                    generator.prepare(document)
            self.store.warm(batch)
            self._read.update((d.doc_id, d.hash) for d in read)
        return len(ids)

    def hand_over(self, successor: Assistant, versions: Mapping[str, str]) -> int:
        """Give `successor`, the assistant of a newer view of the same index, what this one has read of the
        documents that view holds unchanged (`versions`: doc_id -> hash): their records, profiles and chunk
        vectors. A changed document (same id, another hash) and a removed one are not handed over, so the
        successor reads them afresh. The generators are shared and keep their own caches by (doc_id, hash).
        Returns the number of documents handed over whole, which `successor.read_ahead` then skips."""
        read = {d for d, h in self._read.copy() if versions.get(d) == h}  # first: the caches hold at least these
        profiles = {k: p for k, p in self._profiles.copy().items() if versions.get(k[0]) == k[1]}
        successor._profiles.update(profiles)
        records = self._hand_records(successor, versions)
        vectors = self.store.hand_over(successor.store, versions)
        whole = read & records & vectors & {d for d, _ in profiles}
        successor._read.update((d, versions[d]) for d in whole)
        return len(whole)

    def _hand_records(self, successor: Assistant, versions: Mapping[str, str]) -> set[str]:
        old, new = self.retriever, successor.retriever
        if old is new:  # a retriever with its own view of the documents serves both (`rag.library.renewed`)
            return set(versions)
        if isinstance(old, HybridRetriever) and isinstance(new, HybridRetriever):
            return old.hand_over(new, versions)
        return set()

    def document(self, doc_id: str) -> Document:
        return self.retriever.get_document(doc_id)

    def ask(self, question: str, history: Sequence[object] | None = None, doc_ids: Sequence[str] | None = None,
            k: int | None = None, generator: GeneratorName | None = None, id: str | None = None,
            where: Iterable[str] | Mapping[str, object] | None = None) -> Answer:
        final = None
        for item in self.stream(question, history, doc_ids, k, generator, id, where):
            if isinstance(item, Answer):
                final = item
        assert final is not None  # stream always ends with the Answer (internal invariant)
        return final

    def stream(self, question: str, history: Sequence[object] | None = None, doc_ids: Sequence[str] | None = None,
               k: int | None = None, generator: GeneratorName | None = None, id: str | None = None,
               where: Iterable[str] | Mapping[str, object] | None = None) -> Iterator[str | Answer]:
        """Yield answer text pieces as they come, then the finished Answer.

        `where` (["country=Kenya"] or {"country": "Kenya"}) and the names the question uses confine the
        answer to some statements (`rag.scope`); the Answer's `scope` says which."""
        started = time.perf_counter()
        turns = parse_history(history)
        query = analyse(validate_question(question), turns)
        chosen = self._generator(generator or self.default_generator)
        deadline = started + chosen.budget_s if isinstance(chosen, Timed) else None  # one budget per answer
        if chosen.condenses and query.is_follow_up and not is_injection(query.original):
            # the LLM rewrites follow-ups (within the budget); the rule-based form is the default
            query = chosen.condense(query, turns, deadline)
        scope = self._scope(doc_ids)
        found, query = self._archive_scope(query, scope, where)
        scope = list(found.doc_ids) if found is not None else scope
        if found is None and scope and len(scope) == 1:
            query = self._without_own_name(query, scope[0])
        depth = k or self.top_k
        hits: list[ParagraphHit] = []
        pieces: Iterator[str | Draft] | None = None
        if found is not None and found.empty:  # say so rather than answer from other statements
            pieces = stream_words(Draft(no_match_message(found), (), True, "scope_empty"))
        elif (several := self._edge_of_which(query, scope)) is not None:  # "How does the statement end?" of many
            pieces = stream_words(Draft(WHICH_DOCUMENT.format(several), (), True, "needs_document"))
        else:
            hits, pieces = self._across(query, found, scope, depth)
        if pieces is None:
            labelled = self._label_boost(query, scope) or self._edge_label(query, scope)
            hits = self._retrieve(query, scope, 2 * depth if query.wants_list else depth, labelled)  # lists span more
            if len(hits) > 1 and all((h.doc_id, h.paragraph) in labelled for h in hits):
                query = replace(query, wants_list=True)  # a numbered paragraph with its lettered items: all of them
            named = bool(hits) and all((h.doc_id, h.paragraph) in labelled for h in hits)
            pieces = self._generate(query, hits, scope, chosen, named, deadline)
        retrieved = time.perf_counter()
        draft: Draft | None = None
        for piece in pieces:
            if isinstance(piece, Draft):
                draft = piece
            else:
                yield piece
        assert draft is not None  # generators end with a Draft (internal invariant)
        done = time.perf_counter()
        timings = {"retrieve": (retrieved - started) * 1000, "generate": (done - retrieved) * 1000,
                   "total": (done - started) * 1000}
        yield Answer(query.original, draft.answer, draft.abstained, self._calibrated(draft.citations, hits), timings,
                     id, _retrieved(hits, draft), draft.reason if draft.abstained else None, draft.report, found)

    def _calibrated(self, citations: Sequence[Citation], hits: Sequence[ParagraphHit]) -> tuple[Citation, ...]:
        """Each citation scored with the chance that its paragraph answers, from the paragraph's raw relevance
        (the heading, or a statement's words about itself, cited for a question about the document counts as
        a full match)."""
        relevance = {(h.doc_id, h.paragraph): h.relevance for h in hits}
        found = [relevance[(c.doc_id, c.paragraph)] for c in citations if (c.doc_id, c.paragraph) in relevance]
        # a paragraph the answer brought in beyond retrieval (the items a cited paragraph announces) is as
        # sure as what brought it; a statement's own words about itself, like its heading, are a full match
        brought = max(found, default=1.0)
        result = []
        for c in citations:
            raw = 1.0 if c.paragraph == 0 else relevance.get((c.doc_id, c.paragraph), brought)
            result.append(replace(c, score=self.policy.chance(raw), relevance=raw))
        return tuple(result)

    def catalogue(self) -> Catalogue:
        """The indexed documents' metadata (`rag.scope`), rebuilt when the known documents change."""
        known = self._known_ids(refresh=False)
        if self._catalogue is None or self._catalogue[0] is not known:
            self._catalogue = (known, Catalogue(self.store.documents(), self.scope_policy))
        return self._catalogue[1]

    def _archive_scope(self, query: Query, scope: list[str] | None,
                       where: Iterable[str] | Mapping[str, object] | None) -> tuple[Scope | None, Query]:
        """Filters and the names the question uses, as doc ids inside `scope` (None: nothing to confine), and
        the query without the names the scope answers (`Catalogue.unnamed`)."""
        catalogue, clause = self.catalogue(), parse_where(where)
        skip = catalogue.name_fields() if across.asks_which(query.original) else ()  # names there are topics
        found = catalogue.scope(query.standalone, scope, clause, skip)
        if found is None or found.origin == "filter":
            return found, query
        return found, replace(query, standalone=catalogue.unnamed(query.standalone, {*skip, *(f for f, _ in clause)}))

    def _without_own_name(self, query: Query, doc_id: str) -> Query:
        """Asked of one statement, its own country's name or demonym ("How does Estonia's statement ...",
        "the Swiss statement") points at every paragraph alike: retrieval and the checks read the question
        without it."""
        profile = self._profile(doc_id)
        if not profile.country:
            return query
        standalone = without_name(query.standalone, profile.country)
        for demonym in demonyms_of(standalone, profile.code) if profile.code else ():  # "the Swiss statement"
            standalone = without_demonym(standalone, demonym)
        own = frozenset(tokenize(query.standalone)) - frozenset(tokenize(standalone))
        return replace(query, standalone=standalone, own_name=own)

    def _across(self, query: Query, found: Scope | None, scope: list[str] | None, depth: int
                ) -> tuple[list[ParagraphHit], Iterator[str | Draft] | None]:
        """One cited sentence per statement for "which countries ..." and comparisons (`rag.across`)."""
        mode = across.mode_for(query, found, len(scope) if scope else len(self._known_ids(refresh=False)))
        if mode is None:
            return [], None
        def retrieve(ids: Sequence[str] | None, n: int) -> list[ParagraphHit]:
            return self._retrieve(query, list(ids or []) or None, n, {})

        hits, draft = across.compose(mode, query, found, retrieve, self.generators["extractive"],
                                     self.retriever.get_document, self.catalogue(), self.policy.abstain_threshold)
        return hits, stream_words(draft if draft is not None else abstain("no_evidence"))

    def _generator(self, name: GeneratorName) -> Generator:
        generator = self.generators.get(name)
        if generator is None:
            raise InputError(f"The '{name}' generator is not configured; set SPEECHQA_LLM_BASE_URL and "
                             "SPEECHQA_LLM_MODEL, or use the extractive generator")
        return generator

    def _scope(self, doc_ids: Sequence[str] | None) -> list[str] | None:
        known = self._known_ids(refresh=False)
        if not known or any(d not in known for d in doc_ids or []):
            known = self._known_ids(refresh=True)  # something may have been ingested since
        if not known:
            raise IndexMissingError("Nothing is ingested yet. Run: speechqa ingest (the bundled speech) "
                                    "or speechqa ingest PATH")
        for doc_id in doc_ids or []:
            if doc_id not in known:
                raise IndexMissingError(f"Unknown document '{doc_id}'. Known: {', '.join(sorted(known)[:10])}; "
                                        "list them with: speechqa docs")
        return list(doc_ids) if doc_ids else None

    def _known_ids(self, refresh: bool) -> set[str]:
        """The indexed doc ids, read once (a question should not list thousands of documents)."""
        if refresh or self._known is None:
            self._known = {d.doc_id for d in self.store.documents()}
        return self._known

    def _retrieve(self, query: Query, scope: list[str] | None, k: int,
                  labelled: dict[tuple[str, int], float]) -> list[ParagraphHit]:
        """The k best body paragraphs, and the heading too when it ranks among them (it answers only
        metadata questions, so it must not take a body paragraph's place)."""
        boost = self._topic_boost(query, scope) | self._part_boost(query, scope) | labelled
        retriever = ParagraphRetriever(hybrid=self.retriever, k=max(k, len(labelled)) + 1, doc_ids=scope,
                                       boost=boost)
        hits = list(retrieval_chain(retriever).invoke({"query": query})["hits"])
        named = [h for h in hits if (h.doc_id, h.paragraph) in labelled]
        if named:  # "operative paragraph 4": that paragraph (with its lettered items) is the evidence
            return named
        return hits if any(h.paragraph == 0 for h in hits[:k]) else hits[:k]

    def _topic_boost(self, query: Query, scope: list[str] | None) -> dict[tuple[str, int], float]:
        """For a follow-up, the paragraphs the previous answer quoted are what 'that' refers to."""
        if not query.context_text:
            return {}
        found = self.retriever.lexical_search(query.context_text, 2, scope)
        boost = {key: self.policy.follow_up_boost / (rank + 1) for rank, (key, _) in enumerate(found)}
        if found:  # a conversation moves on through the text: the neighbours of what was quoted come next
            (doc_id, number), _ = found[0]
            for near in (number - 1, number + 1):
                if near > 0:
                    boost.setdefault((doc_id, near), self.policy.neighbour_boost)
        if own_topic(query.original):  # its own words ("Whom does the Council commend in it?") find their paragraph
            for rank, (key, _) in enumerate(self.retriever.lexical_search(query.original, 2, scope)):
                boost[key] = max(boost.get(key, 0.0), self.policy.own_words_boost / (rank + 1))
        return boost

    def _part_boost(self, query: Query, scope: list[str] | None) -> dict[tuple[str, int], float]:
        """"According to the preamble": the paragraphs before the resolution's first numbered one (its
        "operative part": the numbered ones and their items) come first; "at the end of the resolution" its
        last paragraphs, "at the outset" its first ones. The answer still has to match."""
        part = _PART.search(query.original)
        if part is None or not scope or len(scope) != 1:
            return {}
        document = self.document(scope[0])
        texts = [p.text for p in document.paragraphs]
        edge = _edge(part)
        if edge is not None:
            ends = range(max(1, len(texts) - EDGE + 1), len(texts) + 1) if edge == "end" else range(1, EDGE + 1)
            numbers = [n for n in ends if n <= len(texts)]
        else:
            numbers = part_numbers(texts, part.group(0).lower().startswith("preamb"))
        return {(document.doc_id, n): self.policy.part_boost for n in numbers}

    def _label_boost(self, query: Query, scope: list[str] | None) -> dict[tuple[str, int], float]:
        """"Operative paragraph 4" names a paragraph by the document's own numbering: that one answers."""
        cited = paragraph_references(query.original)
        if not cited or not scope or len(scope) != 1:
            return {}
        document = self.document(scope[0])
        labels = printed_labels([p.text for p in document.paragraphs])
        boost: dict[tuple[str, int], float] = {}
        for label in cited:
            for printed, number in labels.items():  # "11" brings its items "11(a)", "11(b)" ...
                if printed == label or printed.startswith(label + "("):
                    boost[(document.doc_id, number)] = self.policy.label_boost
        return boost

    def _edge_of_which(self, query: Query, scope: list[str] | None) -> int | None:
        """How many documents a question that asks only where "the statement" ends or begins could mean, when
        nothing chooses one (no scope, several indexed); None when it asks something else or one is chosen.
        Their last paragraphs have nothing in common for retrieval to find: the user picks the document."""
        asked = _edge_asked(query)
        if asked is None or asked[1] or (scope and len(scope) == 1):
            return None  # not an edge, or something there ("the principles it invokes at the end"), or one chosen
        several = len(scope) if scope else len(self._known_ids(refresh=False))
        return several if several > 1 else None

    def _edge_label(self, query: Query, scope: list[str] | None) -> dict[tuple[str, int], float]:
        """"How does the statement end?", "How does he open his speech?": a question that asks only where the
        text ends or begins names its last or first paragraph, whatever that one says."""
        asked = _edge_asked(query)
        if asked is None:
            return {}
        edge, rest = asked
        known = self._known_ids(refresh=False)
        only = scope[0] if scope and len(scope) == 1 else next(iter(known)) if not scope and len(known) == 1 else None
        if only is None or rest - self._profile(only).identity:
            return {}  # none chosen, or it asks about something there ("the principles it invokes at the end")
        document = self.document(only)
        body = [p.number for p in document.paragraphs if says_something(p.text)]  # not "Thank you, Mr. President."
        return {(document.doc_id, body[-1] if edge == "end" else body[0]): self.policy.label_boost} if body else {}

    def _generate(self, query: Query, hits: list[ParagraphHit], scope: list[str] | None,
                  generator: Generator, named: bool = False, deadline: float | None = None
                  ) -> Iterator[str | Draft]:
        if query.metadata:
            draft = self._metadata(query, hits, scope)
            if draft is not None:
                yield from stream_words(draft)
                return
        profiles = [self._profile(d) for d in dict.fromkeys(h.doc_id for h in hits)]
        reason = before_generation(query, hits, profiles, confidence(hits), self.policy, named)
        if reason is not None:
            yield from stream_words(abstain(reason))
            return
        if isinstance(generator, Timed) and deadline is not None:
            yield from generator.stream_until(deadline, query, hits, self.retriever.get_document)
            return
        if not generator.composes_first:
            yield from generator.stream(query, hits, self.retriever.get_document)  # verified as it streams
            return
        draft = generator.generate(query, hits, self.retriever.get_document)
        reason = after_generation(query, draft, self.policy)
        if reason is not None and not draft.abstained and reason.startswith(("needs_date", "needs_quantity")):
            draft, reason = self._runner_up(query, hits, generator, profiles, draft, reason)
        yield from stream_words(abstain(reason) if reason else draft)

    def _runner_up(self, query: Query, hits: list[ParagraphHit], generator: Generator, profiles: list[Profile],
                   draft: Draft, reason: str) -> tuple[Draft, str | None]:
        """The best passage lacks the date or the number tied to what is asked: one of the next passages
        that has it, and holds every name the question gives, answers instead."""
        cited = {(c.doc_id, c.paragraph) for c in draft.citations}
        body = [h for h in hits if h.paragraph != 0][:RETRY_DEPTH]
        for hit in (h for h in body if (h.doc_id, h.paragraph) not in cited):
            other = generator.generate(query, [hit], self.retriever.get_document)
            if (not other.abstained and after_generation(query, other, self.policy) is None
                    and names_held(query, other, profiles)):
                return other, None
        return draft, reason

    def _profile(self, doc_id: str) -> Profile:
        """What a document says about itself (vocabulary, own names), kept per document version."""
        document = self.document(doc_id)
        key = (doc_id, document.hash)
        if key not in self._profiles:
            if len(self._profiles) >= PROFILE_CACHE:
                self._profiles.pop(next(iter(self._profiles)))
            self._profiles[key] = profile(document, self.policy)
        return self._profiles[key]

    def _metadata(self, query: Query, hits: list[ParagraphHit], scope: list[str] | None) -> Draft | None:
        doc_id = scope[0] if scope and len(scope) == 1 else (hits[0].doc_id if hits else None)
        if doc_id is None:
            docs = self.store.documents()
            doc_id = docs[0].doc_id if len(docs) == 1 else None
        if doc_id is None:
            return None
        if query.metadata_number and query.metadata_number not in {str(int(n)) for n in self._profile(doc_id).numbers}:
            return None  # "When was resolution 264 adopted?" of another resolution's text: its body may say
        draft = metadata_draft(query, self.document(doc_id))
        if draft is not None and not draft.abstained and asks_country(query.original) and not names_other_country(
                [c.quote for c in draft.citations], query.original):
            return abstain("needs_country")  # "which countries voted in favour" of a line naming only abstainers
        if draft is None and query.metadata in UNKNOWN_ABSTAINS:
            # a text that does not say who spoke, when or at which session: the body cannot be trusted to
            # answer by a guess (a name it quotes, a date it recalls)
            return abstain(f"metadata_unknown: {query.metadata}")
        return draft


_TEXT = r"(?:resolution|statement|speech|address|remarks|text|document)"
_PART = re.compile(r"\bpreamb(?:le|ular)\b|\boperative (?:part|paragraphs|section)\b|"
                   r"\b(?:at|towards|near) the (?:(?P<end>end|close)|(?P<start>beginning|start|outset|opening)) of "
                   rf"(?:the|this|its|his|her) {_TEXT}\b|"
                   r"\b(?:at|from) the (?P<outset>outset)\b|"
                   # "at the end?", "in its closing paragraphs", "How does the statement end?", "close his statement"
                   r"\b(?:at|towards|near) the (?:very )?(?P<end2>end|close)\b(?! of)|"
                   r"\b(?:its|his|her|the) (?P<end3>closing|concluding|final|last) (?:paragraphs?|words|remarks|lines|"
                   r"sentences?|part|section)\b|"
                   rf"\b{_TEXT} (?P<end4>ends?|closes?|concludes?|finish(?:es)?)\b|"
                   r"\b(?P<end5>close|closes|conclude|concludes|end|ends|finish|finishes) (?:his|her|its|the|this) "
                   rf"{_TEXT}\b|"
                   r"\b(?:its|his|her|the) (?P<start2>opening|first) (?:paragraphs?|words|remarks|lines|sentences?)\b|"
                   rf"\b{_TEXT} (?P<start3>begins?|opens?|starts?)\b|"
                   rf"\b(?P<start4>open|opens|begin|begins|start|starts) (?:his|her|its|the|this) {_TEXT}\b",
                   re.IGNORECASE)
_ENDS = ("end", "end2", "end3", "end4", "end5")
_STARTS = ("start", "outset", "start2", "start3", "start4")


WHICH_DOCUMENT = ("This could be any of {} documents, and each ends and begins in its own words: choose one (the "
                  "Document menu, or --doc DOC_ID) and ask again.")


def _edge(part: re.Match[str]) -> Literal["start", "end"] | None:
    """Which end of the text a `_PART` match asks about, if it asks about one (not the preamble)."""
    if any(part.group(g) for g in _ENDS):
        return "end"
    return "start" if any(part.group(g) for g in _STARTS) else None


def _edge_asked(query: Query) -> tuple[Literal["start", "end"], set[str]] | None:
    """The end of the text a fresh question asks about ("How does the statement end?"), with its words beyond
    those that ask where the text ends or begins (none: it asks only that); None when it asks no end."""
    part = _PART.search(query.original)
    edge = _edge(part) if part is not None and not query.is_follow_up else None
    return None if edge is None else (edge, set(tokenize(query.standalone)) - ABOUT_DOCUMENT - _EDGE_WORDS)


# The words of a question that asks only where the text ends or begins ("How does the statement end?")
_EDGE_WORDS = frozenset(tokenize("end ends close closes closing conclude concludes concluding finish finishes final "
                                 "last begin begins open opens opening start starts first words lines paragraph "
                                 "paragraphs part section very"))
EDGE = 3  # the paragraphs "at the end" or "at the outset" of a document
UNKNOWN_ABSTAINS = frozenset(["speaker", "date", "session", "vote", "meeting"])
RETRY_DEPTH = 3  # retrieved passages that may answer a date or quantity question the best one cannot


def _retrieved(hits: Sequence[ParagraphHit], draft: Draft) -> tuple[tuple[str, int, float], ...]:
    """The retrieved paragraphs, then any the generator brought in beyond them (the heading for a
    metadata answer, the sibling points of an enumeration), so every citation is a retrieved paragraph."""
    found = [(h.doc_id, h.paragraph, h.score) for h in hits]
    seen = {(d, p) for d, p, _ in found}
    extra = [(c.doc_id, c.paragraph, c.score) for c in draft.citations if (c.doc_id, c.paragraph) not in seen]
    return tuple(found + extra)


def build_assistant(settings: Settings) -> Assistant:
    """The composition root: settings in, a ready assistant out."""
    from index.chroma import open_store
    from index.fast_embed import query_embedder
    from index.lexical import load_or_build
    from rag.extractive import ExtractiveGenerator
    from rag.rerank import CrossEncoderReranker

    store = open_store(settings.index_dir, settings.chroma_url, settings.chroma_timeout_s)
    manifest = store.manifest()
    if manifest is not None:  # any chunker answers; the model and the schema must match before loading it
        manifest.check_compatible(replace(manifest, embedding_model=settings.embedding_model,
                                          schema=SCHEMA_VERSION), store.where)
    embedder = query_embedder(settings.embedding_model)  # torch-free when the model allows
    if manifest is not None:  # ... and the loaded model's dimension too
        manifest.check_compatible(replace(manifest, dimension=embedder.dimension), store.where)
    docs = [(d.doc_id, d.hash) for d in store.documents()]
    lexical = load_or_build(docs, store.get_document, settings.index_dir / "lexical") if docs else None
    reranker = CrossEncoderReranker(settings.reranker) if settings.reranker else None  # loads on first use
    retriever = HybridRetriever(store, embedder, lexical, settings.retrieval, reranker=reranker)
    generators: dict[str, Generator] = {"extractive": ExtractiveGenerator()}
    if settings.llm_configured:
        from rag.llm import LLMGenerator

        generators["llm"] = LLMGenerator.from_settings(settings, embedder, fallback=generators["extractive"])
    policy = AnswerPolicy(abstain_threshold=settings.abstain_threshold)
    scope = ScopePolicy(named_fields=settings.scope_fields)
    return Assistant(store, retriever, generators, settings.top_k, policy, settings.generator, scope)
