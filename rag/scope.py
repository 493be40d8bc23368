"""Document scope: which statements a question is about, from filters and from the names it uses.

An archive question is often about some statements only: `--where country=Kenya --where year=2024`, or
"What did Kenya say about climate finance in 2024?". `Catalogue` holds the metadata of the indexed
documents (their records, `index.metadata`) and turns a where-clause, and the values of the declared
fields that a question names in words, into a `Scope`: the where-clause and the doc ids it resolves to.
Retrieval is then scoped to those ids, so dense search, BM25 and citations all stay inside it.
Names are matched against the values actually present in the index, never a list written here: a
value matches by itself and by the short forms derived from it by `aliases` (the part before a
parenthesis or a comma, the name after "Republic of", a person's surname). A scope that resolves to
no document is reported as such, never widened.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from index.countries import code_of, demonyms_in, names_of
from index.errors import InputError
from index.model import MetaValue
from index.store import DocumentInfo

Where = tuple[tuple[str, tuple[str, ...]], ...]  # (field, accepted values): any value of a field, every field
Origin = Literal["filter", "question", "filter+question"]
ACCEPTED_CACHE = 4096  # (field, values asked for) pairs whose matching stored values a catalogue remembers


@dataclass(frozen=True)
class ScopePolicy:
    """Which metadata fields a question may name in words, and how names are recognised."""

    named_fields: tuple[str, ...] = ("country", "speaker", "year")  # columns a question names ("Kenya", "2024")
    person_fields: tuple[str, ...] = ("speaker",)  # a person is also named by surname ("Ruto")
    label_fields: tuple[str, ...] = ("country", "year")  # how an answer across statements names each one
    order_fields: tuple[str, ...] = ("year", "date")  # statements compared over time go in this order
    min_alias_chars: int = 4  # shorter derived forms ("US", "Al") name too many things
    # Values of one field named in a row ("in 2019 and in 2023", "Kenya or Ghana") are all in scope; a
    # later one separated by other words ("What did Kenya say about Somalia") is the topic, not the scope.
    joining_words: frozenset[str] = frozenset({"and", "or", "in", "both", "versus", "vs", "between", "the", "of"})
    # A name right after one of these is the question's grammatical subject ("What mission to Haiti did Kenya
    # offer"), whoever was named first; without one, the first name is.
    subject_after: frozenset[str] = frozenset({"did", "does", "do", "has", "have", "had", "was", "is", "were",
                                               "will", "would", "can", "could"})


@dataclass(frozen=True)
class Scope:
    """The statements an answer is confined to: the where-clause, where it came from, and its doc ids."""

    where: Where
    doc_ids: tuple[str, ...]
    origin: Origin
    missing: tuple[tuple[str, str], ...] = ()  # (field, value) the question named that no document has

    @property
    def empty(self) -> bool:
        return not self.doc_ids

    def describe(self) -> str:
        """'country=Kenya, year=2024 (1 statement)' for the CLI and the UI."""
        parts = [f"{key}={'|'.join(values)}" for key, values in self.where]
        parts += [f"{key}={value}" for key, value in self.missing]
        count = len(self.doc_ids)
        return f"{', '.join(parts)} ({count} {'statement' if count == 1 else 'statements'})"

    def to_dict(self) -> dict[str, Any]:
        where: dict[str, list[str]] = {key: list(values) for key, values in self.where}
        for key, value in self.missing:
            where.setdefault(key, []).append(value)
        return {"where": where, "from": self.origin, "documents": len(self.doc_ids)}


def parse_where(items: Iterable[str] | Mapping[str, Any] | None) -> Where:
    """`["country=Kenya", "year=2024"]` (CLI) or `{"country": "Kenya"}` / `{"year": [2019, 2023]}` (API)."""
    found: dict[str, list[str]] = {}
    if isinstance(items, Mapping):
        for key, value in items.items():
            values = value if isinstance(value, list | tuple) else [value]
            found.setdefault(str(key).strip(), []).extend(str(v).strip() for v in values)
    else:
        for item in items or []:
            key, sep, value = str(item).partition("=")
            if not sep or not key.strip() or not value.strip():
                raise InputError(f"--where takes key=value (e.g. --where country=Kenya), got '{item}'")
            found.setdefault(key.strip(), []).append(value.strip())
    return tuple((key, tuple(dict.fromkeys(v for v in values if v))) for key, values in found.items() if key)


def aliases(value: MetaValue, person: bool = False, min_chars: int = 4) -> set[str]:
    """The forms a question may use for a metadata value (see `_alias_forms`)."""
    return set(_alias_forms(value, person, min_chars))


@lru_cache(maxsize=8192)  # an archive has a few thousand distinct names; every question looks them up again
def _alias_forms(value: MetaValue, person: bool = False, min_chars: int = 4) -> frozenset[str]:
    """The forms a question may use for a metadata value, lower-cased: the value itself, the part before a
    parenthesis or comma ("Iran (Islamic Republic of)" -> "iran"), the name after the last " of "
    ("Federative Republic of Brazil" -> "brazil"), a country's other names (`index.countries.names_of`), and
    for a person the name without honorifics and the surname ("Mr. William Ruto" -> "william ruto", "ruto")."""
    text = " ".join(str(value).split())
    forms = {text, re.split(r"\s*[(,]", text)[0]}
    if " of " in text and not person:
        forms.add(re.sub(r"^the\s+", "", text.rsplit(" of ", 1)[1], flags=re.IGNORECASE))
    if not person:  # a country by its other names: "Russia" for "Russian Federation", "Türkiye" for "Turkey"
        code = _country_code(text)
        forms |= names_of(code) if code else set()
    if person:
        words = [w for w in text.split() if not w.endswith(".")]
        forms.add(" ".join(words))
        if len(words) > 1:
            forms.add(words[-1])
    return frozenset(f.lower() for f in forms if f and (f == text or len(f) >= min_chars))


def _country_code(value: str) -> str | None:
    """The ISO code of a country name as stored, also with a qualifier ("Iran (Islamic Republic of)")."""
    return code_of(value) or code_of(re.split(r"\s*[(,]", value)[0])


def value_matches(wanted: str, value: MetaValue, person: bool = False) -> bool:
    """A filter value matches a stored value when equal, or equal to one of its short forms (ignoring case)."""
    want = " ".join(wanted.split()).lower()
    return want == str(value).lower() or want in _alias_forms(value, person)


@dataclass(frozen=True)
class _Named:
    start: int
    end: int
    field: str
    value: str = ""  # the stored value it stands for, when the question writes it otherwise (a demonym)


class Catalogue:
    """The indexed documents' metadata, for resolving filters and finding the names a question uses."""

    def __init__(self, documents: Sequence[DocumentInfo], policy: ScopePolicy = ScopePolicy()) -> None:
        self.policy = policy
        self.meta = {d.doc_id: d.meta for d in documents}
        self._ids = sorted(self.meta)
        self._forms = self._name_forms()
        self._countries = self._country_values()
        # Derived once per catalogue (it never changes; a changed index gets a new one): every question
        # resolves its scope against them, and at archive size recomputing them cost ~20 ms a question.
        self._values: dict[str, list[str]] = {}
        self._accepted: dict[tuple[str, tuple[str, ...]], frozenset[MetaValue]] = {}
        self._name_fields: tuple[str, ...] | None = None
        self._by_value: dict[str, dict[MetaValue, list[str]]] = {}

    def _name_forms(self) -> dict[str, dict[str, set[str]]]:
        """field -> lower-cased form -> the stored values (as text) it names (the forms a question may use)."""
        forms: dict[str, dict[str, set[str]]] = {}
        for meta in self.meta.values():
            for field in self.policy.named_fields:
                value = meta.get(field)
                if value is None or value == "":
                    continue
                person = field in self.policy.person_fields
                for form in _alias_forms(value, person, self.policy.min_alias_chars):
                    forms.setdefault(field, {}).setdefault(form, set()).add(str(value))
        return forms

    def _country_values(self) -> dict[str, tuple[str, str]]:
        """ISO code -> (field, stored value) for the values of the named fields that are countries, so a
        demonym can name them ("the Kenyan President" names country=Kenya)."""
        found: dict[str, tuple[str, str]] = {}
        for meta in self.meta.values():
            for field in self.policy.named_fields:
                value = meta.get(field)
                if field in self.policy.person_fields or not isinstance(value, str) or not value:
                    continue
                code = _country_code(value)
                if code:
                    found.setdefault(code, (field, value))
        return found

    def name_fields(self) -> tuple[str, ...]:
        """The declared fields whose values are names rather than numbers (country, speaker, not year)."""
        if self._name_fields is None:
            self._name_fields = tuple(f for f in self.policy.named_fields
                                      if not all(v.isdigit() for v in self.values(f)))
        return self._name_fields

    def values(self, field: str) -> list[str]:
        if field not in self._values:
            self._values[field] = sorted({str(m[field]) for m in self.meta.values() if field in m})
        return list(self._values[field])

    def resolve(self, where: Where, within: Sequence[str] | None = None) -> tuple[str, ...]:
        """The doc ids (sorted) whose metadata matches every field of `where`, inside `within` when given."""
        matching: set[str] | None = None
        for field, wanted in where:  # each field's matching documents, from the values it accepts
            by_value = self._documents_by_value(field)
            found = {d for value in self._accepted_values(field, wanted) for d in by_value.get(value, ())}
            matching = found if matching is None else matching & found
        ids = within if within else self._ids
        return tuple(ids) if matching is None else tuple(d for d in ids if d in matching)

    def _documents_by_value(self, field: str) -> dict[MetaValue, list[str]]:
        """Each stored value of `field` -> the documents holding it (built once per field)."""
        if field not in self._by_value:
            index: dict[MetaValue, list[str]] = {}
            for doc_id in self._ids:
                if field in self.meta[doc_id]:
                    index.setdefault(self.meta[doc_id][field], []).append(doc_id)
            self._by_value[field] = index
        return self._by_value[field]

    def _accepted_values(self, field: str, wanted: tuple[str, ...]) -> frozenset[MetaValue]:
        """The stored values of `field` that one of `wanted` names (each distinct value checked once)."""
        key = (field, wanted)
        if key not in self._accepted:
            if len(self._accepted) >= ACCEPTED_CACHE:  # filters typed by users: keep the memory bounded
                self._accepted.clear()
            person = field in self.policy.person_fields
            present = {m[field] for m in self.meta.values() if field in m}
            self._accepted[key] = frozenset(v for v in present if any(value_matches(w, v, person) for w in wanted))
        return self._accepted[key]

    def check_fields(self, where: Where) -> None:
        """Refuse a field no document has, naming those that exist."""
        known = sorted({k for m in self.meta.values() for k in m})
        for field, _ in where:
            if field not in known:
                raise InputError(f"No indexed document has the metadata field '{field}'. Fields: "
                                 f"{', '.join(known) or 'none'}; add some with: "
                                 "speechqa ingest DIR --metadata FILE.csv")

    def named_in(self, question: str, skip: Iterable[str] = ()) -> tuple[Where, tuple[tuple[str, str], ...]]:
        """The values of the declared fields that `question` names, and the numbers it gives after "in"
        for a numeric field that no document has (a year outside the archive)."""
        chosen = self._chosen(question, set(skip))
        where: list[tuple[str, tuple[str, ...]]] = []
        for field in self.policy.named_fields:
            spans = [s for s in chosen if s.field == field]
            if spans:  # as the question writes them: "Kenya" resolves to "Kenya" and "Republic of Kenya"
                written = {(s.value or question[s.start : s.end]).lower(): s.value or question[s.start : s.end]
                           for s in spans}
                where.append((field, tuple(written.values())))
        return tuple(where), self._missing_numbers(question, {f for f, _ in where} | set(skip))

    def _chosen(self, question: str, skip: set[str]) -> list[_Named]:
        """The spans that set the scope: the first name (country or speaker) and those joined to it, since a
        later name is the topic ("What did Ruto say about Haiti"); each numeric field's first value and
        those joined to it ("in 2019 and in 2023")."""
        spans = self._spans(question, skip)
        names = set(self.name_fields())
        named = [s for s in spans if s.field in names]
        lead = next((i for i, s in enumerate(named) if self._after_auxiliary(question, s)), 0)
        chosen = self._joined(question, named[lead:])
        for field in self.policy.named_fields:
            if field not in names:
                chosen += self._joined(question, [s for s in spans if s.field == field])
        return sorted(chosen, key=lambda s: s.start)

    def _after_auxiliary(self, question: str, span: _Named) -> bool:
        before = re.findall(r"\w+", question[: span.start].lower())[-2:]
        return bool(before) and (before[-1] in self.policy.subject_after or (
            before[-1] == "the" and len(before) == 2 and before[0] in self.policy.subject_after))

    def unnamed(self, question: str, skip: Iterable[str] = ()) -> str:
        """`question` without what its scope now answers, for retrieval and the answer checks: a name becomes
        "the speaker" ("What did Kenya say" asks what the speaker said) and "in 2023" goes. Otherwise the
        name would look like a third party the text never quotes, and the year like a date to find."""
        names = set(self.name_fields())
        out = question
        for span in sorted(self._chosen(question, set(skip)), key=lambda s: -s.start):
            if span.value:  # a demonym goes: "the Kenyan President" is "the President" of the statement asked
                out = out[: span.start] + out[span.end :]
            elif span.field in names:
                out = out[: span.start] + "the speaker" + out[span.end :]
            else:
                start = re.search(r"(?:\b(?:in|during|of)\s+)?$", out[: span.start], re.IGNORECASE)
                out = out[: start.start() if start else span.start] + out[span.end :]
        return re.sub(r"\s+([?.,!])", r"\1", re.sub(r"\b(?:and|or)\s*([?.!]|$)", r"\1", " ".join(out.split())))

    def _spans(self, question: str, skip: set[str]) -> list[_Named]:
        lowered = question.lower()
        found: list[_Named] = []
        for field, forms in self._forms.items():
            if field in skip:
                continue
            for form in forms:
                if form not in lowered:
                    continue
                for m in re.finditer(rf"(?<![\w-]){re.escape(form)}(?![\w-])", lowered):
                    if question[m.start()].isupper() or question[m.start()].isdigit():  # names are capitalised
                        found.append(_Named(m.start(), m.end(), field))
        for start, end, country in demonyms_in(question):
            code = code_of(country)
            if code in self._countries and self._countries[code][0] not in skip:
                field, value = self._countries[code]
                found.append(_Named(start, end, field, value))
        found.sort(key=lambda s: (s.start - s.end, s.start))  # longest first: "Papua New Guinea" over "Guinea"
        kept: list[_Named] = []
        for span in found:
            if all(span.end <= k.start or span.start >= k.end for k in kept):
                kept.append(span)
        return sorted(kept, key=lambda s: s.start)

    def _joined(self, question: str, spans: list[_Named]) -> list[_Named]:
        """The first named value of a field and those joined to it by "and", "or", commas."""
        chosen = spans[:1]
        for span in spans[1:]:
            between = re.findall(r"\w+", question[chosen[-1].end : span.start].lower())
            if any(w not in self.policy.joining_words for w in between):
                break
            chosen.append(span)
        return chosen

    def _missing_numbers(self, question: str, named: set[str]) -> tuple[tuple[str, str], ...]:
        missing: list[tuple[str, str]] = []
        for field in self.policy.named_fields:
            present = self.values(field)
            if field in named or not present or not all(v.isdigit() for v in present):
                continue
            width = {len(v) for v in present}
            for m in re.finditer(r"\b(?:in|during)\s+(\d+)\b", question, re.IGNORECASE):
                if len(m.group(1)) in width and m.group(1) not in present:
                    missing.append((field, m.group(1)))
        return tuple(missing)

    def scope(self, question: str, doc_ids: Sequence[str] | None, where: Where, skip_named: Iterable[str] = ()
              ) -> Scope | None:
        """The scope of a question: its filters, and what it names in words where no filter sets that field.

        None when neither applies, or when what the question names covers every document anyway."""
        if where:
            self.check_fields(where)
        given = {f for f, _ in where}
        named, missing = self.named_in(question, {*given, *skip_named})
        if not where and not named and not missing:
            return None
        combined = where + named
        ids = () if missing else self.resolve(combined, doc_ids)
        if doc_ids and not where and not ids:
            return None  # asked of chosen documents, names none of them matches are topics ("South Africa")
        if not where and not missing and len(ids) == len(doc_ids or self.meta):
            return None  # naming the only speaker of a one-speech index changes nothing
        origin: Origin = "filter+question" if where and (named or missing) else ("filter" if where else "question")
        return Scope(combined, ids, origin, missing)

    def order_key(self, doc_id: str) -> tuple[str, ...]:
        """Date order of a document, from the first declared order field it has."""
        meta = self.meta.get(doc_id, {})
        return tuple(str(meta.get(f, "")).zfill(10) for f in self.policy.order_fields) + (doc_id,)

    def label(self, doc_id: str) -> str:
        """'Kenya (2024)': the label fields a document has, the first plain and the rest in brackets."""
        meta = self.meta.get(doc_id, {})
        parts = [str(meta[f]) for f in self.policy.label_fields if meta.get(f) not in (None, "")]
        if not parts:
            return ""
        return parts[0] + (f" ({', '.join(parts[1:])})" if parts[1:] else "")


def no_match_message(scope: Scope) -> str:
    """What the user reads when a scope holds no statement: what was asked for, and how to see what exists."""
    asked = ", ".join([f"{k}={'|'.join(v)}" for k, v in scope.where] + [f"{k}={v}" for k, v in scope.missing])
    return (f"No indexed statement matches {asked}, so I cannot answer from it. "
            "See what the index holds with: speechqa docs --where KEY=VALUE")
