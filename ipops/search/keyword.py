"""The keyword index (tantivy). Text fields hold pre-analysed tokens (see `ipops.search.text`) split by
tantivy's whitespace tokenizer; filters and facets use raw fast fields."""

from __future__ import annotations

import shutil
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tantivy

from ipops.search import text
from ipops.search.documents import SearchDoc
from ipops.search.querylang import SENTENCE_WORDS, Node, Not, Term

TEXT_FIELDS = ("title", "body", "applicant")
FACETS = {  # facet name -> fast field
    "type": "ptype",
    "ipc": "sub",
    "applicant": "appl",
    "region": "region",
    "year": "year",
    "status": "status",
}
TOTAL = "_total"  # the aggregation that counts the matches
MAX_TERMS = 200  # distinct tokens of a long text used in a natural-language query


def schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_text_field("id", stored=True, tokenizer_name="raw", fast=True)
    for name in TEXT_FIELDS:
        b.add_text_field(f"{name}_w", tokenizer_name="whitespace")
        b.add_text_field(f"{name}_g", tokenizer_name="whitespace")
    for name in ("sub", "code", "appl", "ptype", "status", "region", "owner"):
        b.add_text_field(name, tokenizer_name="raw", fast=True)
    b.add_integer_field("year", fast=True, indexed=True)
    b.add_integer_field("date", fast=True, indexed=True)
    return b.build()


SCHEMA = schema()


BATCH = 500  # documents per analysis task
IN_FLIGHT = 8  # analysis tasks queued at most (bounded: the input may be the whole database)


def _texts(docs: list[SearchDoc]) -> list[str]:
    """The analysed texts of documents, three per document: title, abstract + first claim, applicants."""
    out: list[str] = []
    for doc in docs:
        out += (doc.title, f"{doc.abstract}\n{doc.claim}", " ".join(doc.applicants))
    return out


def analyse_texts(texts: list[str]) -> list[tuple[str, str]]:
    """The costly part of indexing (runs in worker processes when asked): words and bigrams of each text."""
    return text.analysed_many(texts)


def _document(doc: SearchDoc, fields: list[tuple[str, str]]) -> tantivy.Document:
    (title_w, title_g), (body_w, body_g), (appl_w, appl_g) = fields
    return tantivy.Document(
        id=doc.id,
        title_w=title_w,
        title_g=title_g,
        body_w=body_w,
        body_g=body_g,
        applicant_w=appl_w,
        applicant_g=appl_g,
        sub=doc.subclasses,
        code=doc.codes,
        appl=doc.applicants,
        owner=doc.owner_kinds,
        ptype=doc.patent_type or "-",
        status=doc.legal_status or "-",
        region=doc.region or "-",
        year=doc.year,
        date=doc.date,
    )


def documents(docs: list[SearchDoc], analysed: list[tuple[str, str]] | None = None) -> list[tantivy.Document]:
    """tantivy documents of search documents (`analysed`: `analyse_texts(_texts(docs))` if done already)."""
    fields = analysed if analysed is not None else analyse_texts(_texts(docs))
    return [_document(doc, fields[3 * i : 3 * i + 3]) for i, doc in enumerate(docs)]


@dataclass
class Filters:
    patent_type: str = ""
    legal_status: str = ""
    region: str = ""
    ipc: str = ""  # subclass
    applicant: str = ""  # exact normalised name
    owner_kind: str = ""
    year_from: int | None = None
    year_to: int | None = None

    def active(self) -> bool:
        return (
            any((self.patent_type, self.legal_status, self.region, self.ipc, self.applicant, self.owner_kind))
            or self.year_from is not None
            or self.year_to is not None
        )


@dataclass
class Hits:
    total: int
    hits: list[tuple[str, float]]  # (patent id, score or date)
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


FIELD_BOOST = {"title": 2.0, "body": 1.0, "applicant": 0.5}
GRAM_WEIGHT = 0.6  # bigram matches count a little less than word matches


class KeywordIndex:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        if path is not None:
            path.mkdir(parents=True, exist_ok=True)
            self.index = tantivy.Index(SCHEMA, path=str(path), reuse=True)
        else:
            self.index = tantivy.Index(SCHEMA)
        self.schema = SCHEMA

    @classmethod
    def create(cls, path: Path | None) -> KeywordIndex:
        if path is not None and path.exists():
            shutil.rmtree(path)
        return cls(path)

    # --- writing ----------------------------------------------------------------------------------
    def writer(self, heap_mb: int = 128, threads: int = 2) -> tantivy.IndexWriter:
        """A writer with `heap_mb` MB of indexing memory shared by `threads` indexing threads (tantivy
        writes a segment whenever a thread's share is full: more memory, fewer segments to merge)."""
        return self.index.writer(heap_size=heap_mb * 1_000_000, num_threads=threads)

    def add(
        self,
        docs: Iterable[SearchDoc],
        writer: tantivy.IndexWriter | None = None,
        pool: ProcessPoolExecutor | None = None,
    ) -> int:
        """Index documents (committed here unless a writer is given)."""
        return self.add_chunks([list(docs)], writer, pool)

    def add_chunks(
        self,
        chunks: Iterable[list[SearchDoc]],
        writer: tantivy.IndexWriter | None = None,
        pool: ProcessPoolExecutor | None = None,
    ) -> int:
        """Index chunks of documents as they come (a generator reading the database, say). With a process
        pool, text analysis runs in its workers, a bounded number of batches ahead of the writer."""
        own = writer is None
        w = writer or self.writer()
        n = 0
        pending: deque[tuple[list[SearchDoc], Future[list[tuple[str, str]]]]] = deque()
        for chunk in chunks:
            for start in range(0, len(chunk), BATCH):
                batch = chunk[start : start + BATCH]
                if pool is None:
                    n += self._write(w, batch, analyse_texts(_texts(batch)))
                    continue
                pending.append((batch, pool.submit(analyse_texts, _texts(batch))))
                while len(pending) > IN_FLIGHT:
                    done, future = pending.popleft()
                    n += self._write(w, done, future.result())
        while pending:
            done, future = pending.popleft()
            n += self._write(w, done, future.result())
        if own:
            w.commit()
            w.wait_merging_threads()
            self.index.reload()
        return n

    @staticmethod
    def _write(w: tantivy.IndexWriter, docs: list[SearchDoc], analysed: list[tuple[str, str]]) -> int:
        for document in documents(docs, analysed):
            w.add_document(document)
        return len(docs)

    def replace(self, docs: list[SearchDoc], deleted: Iterable[str]) -> None:
        w = self.writer()
        for pid in [*deleted, *(d.id for d in docs)]:
            w.delete_documents_by_term("id", pid)
        for document in documents(docs):
            w.add_document(document)
        w.commit()
        w.wait_merging_threads()
        self.index.reload()

    def ids(self) -> set[str]:
        searcher = self.index.searcher()
        result = searcher.search(tantivy.Query.all_query(), limit=max(searcher.num_docs, 1), count=False)
        return {searcher.doc(addr)["id"][0] for _score, addr in result.hits}

    def count(self) -> int:
        return int(self.index.searcher().num_docs)

    # --- queries ----------------------------------------------------------------------------------
    def _tq(self, name: str, value: Any) -> tantivy.Query:
        return tantivy.Query.term_query(self.schema, name, value)

    def _unit(self, term: Term) -> tantivy.Query | None:
        """One part of the query. Fielded or not, phrase or a word or a sentence."""
        q = tantivy.Query
        if term.field == "ipc":
            code = term.value.replace(" ", "").upper().strip("*")
            if len(code) <= 4:
                return self._tq("sub", code)
            return q.regex_query(self.schema, "code", _regex_prefix(code) + ".*")
        # without a prefix: titles and abstracts/claims (applicant names only through applicant:)
        fields: tuple[str, ...] = ("title", "body") if term.field is None else (term.field,)
        words = text.words(term.value)
        grams = text.grams(term.value)
        parts: list[tuple[tantivy.Occur, tantivy.Query]] = []
        if term.phrase or len(words) <= SENTENCE_WORDS:
            for name in fields:
                boost = FIELD_BOOST[name]
                alts = []
                if len(grams) > 1:
                    alts.append(q.phrase_query(self.schema, f"{name}_g", list[str | tuple[int, str]](grams)))
                elif grams:
                    alts.append(self._tq(f"{name}_g", grams[0]))
                if not term.phrase and len(words) == 1:
                    alts.append(self._tq(f"{name}_w", words[0]))
                for alt in alts:
                    parts.append((tantivy.Occur.Should, q.boost_query(alt, boost)))
        else:
            return self.natural(term.value, fields)
        if not parts:
            return None
        return q.boolean_query(parts)

    def to_query(self, node: Node) -> tantivy.Query:
        q = tantivy.Query
        if isinstance(node, Term):
            return self._unit(node) or q.empty_query()
        if isinstance(node, Not):
            return q.boolean_query(
                [(tantivy.Occur.Must, q.all_query()), (tantivy.Occur.MustNot, self.to_query(node.child))]
            )
        parts: list[tuple[tantivy.Occur, tantivy.Query]] = []
        positives = 0
        for child in node.children:
            if isinstance(child, Not):
                parts.append((tantivy.Occur.MustNot, self.to_query(child.child)))
            else:
                positives += 1
                parts.append(
                    (tantivy.Occur.Must if node.op == "and" else tantivy.Occur.Should, self.to_query(child))
                )
        if not positives:
            parts.append((tantivy.Occur.Must, q.all_query()))
        return q.boolean_query(parts)

    def natural(self, value: str, fields: tuple[str, ...] = ("title", "body")) -> tantivy.Query | None:
        """Any-word query over a long text (a need, a title used as a query), ranked by BM25."""
        q = tantivy.Query
        words = list(dict.fromkeys(text.words(value)))[:MAX_TERMS]
        grams = list(dict.fromkeys(text.grams(value)))[:MAX_TERMS]
        parts: list[tuple[tantivy.Occur, tantivy.Query]] = []
        for name in fields:
            boost = FIELD_BOOST[name]
            for w in words:
                parts.append((tantivy.Occur.Should, q.boost_query(self._tq(f"{name}_w", w), boost)))
            for g in grams:
                parts.append(
                    (tantivy.Occur.Should, q.boost_query(self._tq(f"{name}_g", g), boost * GRAM_WEIGHT))
                )
        return q.boolean_query(parts) if parts else None

    def _filtered(self, query: tantivy.Query, filters: Filters | None) -> tantivy.Query:
        if filters is None or not filters.active():
            return query
        q = tantivy.Query
        parts: list[tuple[tantivy.Occur, tantivy.Query]] = [(tantivy.Occur.Must, query)]
        for name, value in (
            ("ptype", filters.patent_type),
            ("status", filters.legal_status),
            ("region", filters.region),
            ("sub", filters.ipc.upper()),
            ("appl", filters.applicant),
            ("owner", filters.owner_kind),
        ):
            if value:
                parts.append((tantivy.Occur.Must, q.const_score_query(self._tq(name, value), 0.0)))
        if filters.year_from is not None or filters.year_to is not None:
            years = q.range_query(
                self.schema, "year", tantivy.FieldType.Integer, filters.year_from, filters.year_to
            )
            parts.append((tantivy.Occur.Must, q.const_score_query(years, 0.0)))
        return q.boolean_query(parts)

    def search(
        self,
        query: tantivy.Query,
        *,
        filters: Filters | None = None,
        limit: int = 20,
        offset: int = 0,
        sort: str = "relevance",
        facets: bool = False,
        facet_size: int = 10,
    ) -> Hits:
        searcher = self.index.searcher()
        full = self._filtered(query, filters)
        # With facets, the aggregation pass also counts the matches (every document has a year value), so
        # the ranking pass need not count them all: it may skip blocks that cannot reach the top.
        if sort == "date":
            result = searcher.search(
                full, limit=limit, offset=offset, order_by_field="date", count=not facets
            )
        else:
            result = searcher.search(full, limit=limit, offset=offset, count=not facets)
        hits = [(searcher.doc(addr)["id"][0], float(key)) for key, addr in result.hits]
        out = Hits(total=int(getattr(result, "count", 0) or 0), hits=hits)
        if facets:
            spec: dict[str, Any] = {
                name: {"terms": {"field": fast, "size": facet_size}} for name, fast in FACETS.items()
            }
            spec[TOTAL] = {"value_count": {"field": "year"}}
            raw = searcher.aggregate(full, spec)
            out.total = int(raw.get(TOTAL, {}).get("value") or 0)
            for name in FACETS:
                buckets = raw.get(name, {}).get("buckets", [])
                out.facets[name] = [
                    (str(b["key"]), int(b["doc_count"])) for b in buckets if str(b["key"]) not in ("-", "0")
                ]
        return out


def _regex_prefix(code: str) -> str:
    return "".join(c if c.isalnum() else "\\" + c for c in code)
