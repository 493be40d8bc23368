"""The composition root and the assistant every face uses.

`build_assistant(settings)` is the one place that chooses the store, embedder, retriever and
generators; the CLI, the Gradio app and the evaluation harness all call it, tests build parts
directly. `Assistant.ask` and `Assistant.stream` validate the question, condense follow-ups,
retrieve, abstain when the statement does not address the question, and generate a cited answer.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

from index.errors import IndexMismatchError, IndexMissingError, InputError
from index.lexical import tokenize
from index.model import Document
from index.sentences import split_sentences
from index.store import DocumentInfo, VectorStore
from rag.answer import Answer
from rag.answerability import (
    about_structure_only,
    absent_attribute,
    missing_names,
    only_acknowledged,
    reported_subject,
    satisfies,
    unfound_quotes,
)
from rag.chain import ParagraphRetriever, retrieval_chain
from rag.generate import Draft, Generator, Timed, abstain, stream_words
from rag.metadata import metadata_draft
from rag.question import Query, Turn, analyse, is_injection
from rag.retrieve import HybridRetriever, ParagraphHit
from rag.settings import GeneratorName, Settings, validate_question

FOLLOW_UP_BOOST = 0.5
VOCABULARY_CACHE = 256  # documents whose word sets are kept
NAME_MISS_DENSE = 0.45  # below this, a question naming something absent from the text is off topic
WEAK_DENSE, WEAK_WORDS = 0.28, 0.5  # below both, the question is about something else


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
    def __init__(self, store: VectorStore, retriever: HybridRetriever, generators: dict[str, Generator],
                 top_k: int = 5, abstain_threshold: float = 0.2, default_generator: GeneratorName = "extractive"
                 ) -> None:
        self.store, self.retriever, self.generators = store, retriever, generators
        self.top_k, self.abstain_threshold, self.default_generator = top_k, abstain_threshold, default_generator
        self._known: set[str] | None = None
        self._words: dict[tuple[str, str], frozenset[str]] = {}

    def documents(self) -> list[DocumentInfo]:
        return self.store.documents()

    def document(self, doc_id: str) -> Document:
        return self.retriever.get_document(doc_id)

    def ask(self, question: str, history: Sequence[object] | None = None, doc_ids: Sequence[str] | None = None,
            k: int | None = None, generator: GeneratorName | None = None, id: str | None = None) -> Answer:
        final = None
        for item in self.stream(question, history, doc_ids, k, generator, id):
            if isinstance(item, Answer):
                final = item
        assert final is not None  # stream always ends with the Answer (internal invariant)
        return final

    def stream(self, question: str, history: Sequence[object] | None = None, doc_ids: Sequence[str] | None = None,
               k: int | None = None, generator: GeneratorName | None = None, id: str | None = None
               ) -> Iterator[str | Answer]:
        """Yield answer text pieces as they come, then the finished Answer."""
        started = time.perf_counter()
        turns = parse_history(history)
        query = analyse(validate_question(question), turns)
        chosen = self.generators.get(generator or self.default_generator)
        deadline = started + chosen.budget_s if isinstance(chosen, Timed) else None  # one budget per answer
        # the LLM generator condenses follow-ups with the model (rag/llm.py); the rule-based form is the default
        if isinstance(chosen, Timed) and query.is_follow_up and not is_injection(query.original):
            query = chosen.condense(query, turns, deadline)
        scope = self._scope(doc_ids)
        depth = k or self.top_k
        hits = self._retrieve(query, scope, 2 * depth if query.wants_list else depth)  # a list spans more paragraphs
        retrieved = time.perf_counter()
        draft: Draft | None = None
        for piece in self._generate(query, hits, scope, generator or self.default_generator, deadline):
            if isinstance(piece, Draft):
                draft = piece
            else:
                yield piece
        assert draft is not None  # generators end with a Draft (internal invariant)
        done = time.perf_counter()
        timings = {"retrieve": (retrieved - started) * 1000, "generate": (done - retrieved) * 1000,
                   "total": (done - started) * 1000}
        yield Answer(query.original, draft.answer, draft.abstained, draft.citations, timings, id,
                     _retrieved(hits, draft), draft.report)

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

    def _retrieve(self, query: Query, scope: list[str] | None, k: int) -> list[ParagraphHit]:
        """The k best body paragraphs, and the heading too when it ranks among them (it answers only
        metadata questions, so it must not take a body paragraph's place)."""
        boost = self._topic_boost(query, scope)
        retriever = ParagraphRetriever(hybrid=self.retriever, k=k + 1, doc_ids=scope, boost=boost)
        hits = list(retrieval_chain(retriever).invoke({"query": query})["hits"])
        return hits if any(h.paragraph == 0 for h in hits[:k]) else hits[:k]

    def _topic_boost(self, query: Query, scope: list[str] | None) -> dict[tuple[str, int], float]:
        """For a follow-up, the paragraphs the previous answer quoted are what 'that' refers to."""
        if not query.context_text or self.retriever.lexical is None:
            return {}
        found = self.retriever.lexical.search(query.context_text, 2, scope)
        return {key: FOLLOW_UP_BOOST / (rank + 1) for rank, (key, _) in enumerate(found)}

    def _generate(self, query: Query, hits: list[ParagraphHit], scope: list[str] | None,
                  name: GeneratorName, deadline: float | None = None) -> Iterator[str | Draft]:
        if query.metadata:
            draft = self._metadata(query, hits, scope)
            if draft is not None:
                yield from stream_words(draft)
                return
        # "What are the main points?" asks about the statement's structure, which no passage matches closely
        structural = query.wants_points and not query.is_follow_up and about_structure_only(
            tokenize(query.original), self._vocabulary(hits))
        weak = not structural and (confidence(hits) < self.abstain_threshold or self._off_text(query, hits))
        if is_injection(query.original) or weak:
            yield from stream_words(abstain())
            return
        generator = self.generators.get(name)
        if generator is None:
            raise InputError(f"The '{name}' generator is not configured; set SPEECHQA_LLM_BASE_URL and "
                             "SPEECHQA_LLM_MODEL, or use the extractive generator")
        if isinstance(generator, Timed) and deadline is not None:
            yield from generator.stream_until(deadline, query, hits, self.retriever.get_document)
            return
        if not getattr(generator, "composes_first", False):
            yield from generator.stream(query, hits, self.retriever.get_document)  # verified as it streams
            return
        draft = generator.generate(query, hits, self.retriever.get_document)
        quoted = " ".join(c.quote for c in draft.citations)
        if not draft.abstained and not satisfies(query.expect, quoted, query.original):
            draft = abstain()  # e.g. "how many" answered by text that holds no number
        yield from stream_words(draft)

    def _off_text(self, query: Query, hits: list[ParagraphHit]) -> bool:
        """The retrieved text is near the question's topic but cannot answer it: a name it never
        mentions, an attribute it never speaks of ("the capital of Haiti"), a person it only thanks
        ("what did X say in her briefing"), or a quote it does not contain."""
        if _unknown_names(query, hits) or _weak_match(hits):
            return True
        body = [h for h in hits if h.paragraph != 0]
        sentences = [h.text[a:b] for h in body for a, b in split_sentences(h.text)]
        subject = reported_subject(query.standalone)
        if subject is not None and only_acknowledged(subject, sentences):
            return True
        if unfound_quotes(query.original, sentences):
            return True
        return absent_attribute(query.original, self._vocabulary(hits)) is not None

    def _vocabulary(self, hits: Sequence[ParagraphHit]) -> set[str]:
        """The words (as `tokenize` gives them) of the documents the hits come from, kept per document."""
        words: set[str] = set()
        for doc_id in dict.fromkeys(h.doc_id for h in hits):
            document = self.document(doc_id)
            key = (doc_id, document.hash)
            if key not in self._words:
                if len(self._words) >= VOCABULARY_CACHE:
                    self._words.pop(next(iter(self._words)))
                self._words[key] = frozenset(t for p in document.citable() for t in tokenize(p.text))
            words |= self._words[key]
        return words

    def _metadata(self, query: Query, hits: list[ParagraphHit], scope: list[str] | None) -> Draft | None:
        doc_id = scope[0] if scope and len(scope) == 1 else (hits[0].doc_id if hits else None)
        if doc_id is None:
            docs = self.store.documents()
            doc_id = docs[0].doc_id if len(docs) == 1 else None
        return metadata_draft(query, self.document(doc_id)) if doc_id else None


def _retrieved(hits: Sequence[ParagraphHit], draft: Draft) -> tuple[tuple[str, int, float], ...]:
    """The retrieved paragraphs, then any the generator brought in beyond them (the heading for a
    metadata answer, the sibling points of an enumeration), so every citation is a retrieved paragraph."""
    found = [(h.doc_id, h.paragraph, h.score) for h in hits]
    seen = {(d, p) for d, p, _ in found}
    extra = [(c.doc_id, c.paragraph, c.score) for c in draft.citations if (c.doc_id, c.paragraph) not in seen]
    return tuple(found + extra)


def _weak_match(hits: Sequence[ParagraphHit]) -> bool:
    """Neither the meaning nor the words match: no passage is semantically close and none holds half
    of the question's words ("Which football team does the ambassador support?" meets only "support")."""
    body = [h for h in hits if h.paragraph != 0][:3]
    dense = max((h.dense for h in body), default=0.0)
    return dense < WEAK_DENSE and max((h.lexical for h in body), default=0.0) < WEAK_WORDS


def _unknown_names(query: Query, hits: Sequence[ParagraphHit]) -> bool:
    """A name the retrieved text never mentions, with no strong semantic match either: off topic."""
    body = [h for h in hits if h.paragraph != 0]
    strong = max((h.dense for h in body), default=0.0) >= NAME_MISS_DENSE
    return not strong and bool(missing_names(query.standalone, [h.text for h in body]))


def build_assistant(settings: Settings) -> Assistant:
    """The composition root: settings in, a ready assistant out."""
    from index.chroma import open_store
    from index.fast_embed import query_embedder
    from index.lexical import load_or_build
    from rag.extractive import ExtractiveGenerator
    from rag.rerank import CrossEncoderReranker

    store = open_store(settings.index_dir, settings.chroma_url, settings.chroma_timeout_s)
    manifest = store.manifest()
    if manifest is not None and manifest.embedding_model != settings.embedding_model:
        raise IndexMismatchError(
            f"The index at {store.where} was built with embedding model '{manifest.embedding_model}' but "
            f"SPEECHQA_EMBEDDING_MODEL is '{settings.embedding_model}'. Rebuild it with: speechqa ingest --rebuild "
            "[PATH ...], or set SPEECHQA_EMBEDDING_MODEL back")
    embedder = query_embedder(settings.embedding_model)  # torch-free when the model allows
    docs = [(d.doc_id, d.hash) for d in store.documents()]
    lexical = load_or_build(docs, store.get_document, settings.index_dir / "lexical") if docs else None
    reranker = CrossEncoderReranker(settings.reranker) if settings.reranker else None  # loads on first use
    retriever = HybridRetriever(store, embedder, lexical, settings.retrieval, reranker=reranker)
    generators: dict[str, Generator] = {"extractive": ExtractiveGenerator()}
    if settings.llm_configured:
        from rag.llm import LLMGenerator

        generators["llm"] = LLMGenerator.from_settings(settings, embedder, fallback=generators["extractive"])
    return Assistant(store, retriever, generators, settings.top_k, settings.abstain_threshold, settings.generator)
