"""Search over the knowledge base: the district-taught segmenter cuts Chinese into words, a
tantivy index in memory ranks articles by BM25, and the domain's boosts (category,
freshness) reorder them. Articles not in force are never returned.

The index is built from the article partition and kept per function instance, keyed by
the version stamp every article write bumps: a write through this instance drops it at
once; other instances look at the stamp (one small GetItem) when their copy is older than
``knowledge_cache_seconds`` and rebuild when it moved. tantivy and rjieba are imported
here only, when a search needs them (both ride in the layer the API function carries)."""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from chalicelib.core.domain.records import frozen
from chalicelib.knowledge.domain.knowledge import Article, adjusted_score
from chalicelib.knowledge.store import knowledge as store

# Field weights: a question variant or the title says what an article answers; single
# characters catch a word the segmenter cut differently in the question and the article.
FIELD_BOOSTS = {"title": 2.0, "questions": 2.0, "answer": 1.0, "chars": 0.25}
CANDIDATES = 200
WRITER_HEAP = 15_000_000  # tantivy's minimum per writer thread


@dataclass
class _Index:
    stamp: int
    checked: float  # when the stamp was last looked at (epoch seconds)
    searcher: Any
    schema: Any
    articles: list[Article]  # the document number is the position here


_lock = threading.Lock()
_cached: _Index | None = None


def invalidate() -> None:
    """Forget this instance's index (an article was written here): the next search reads
    the articles again."""
    global _cached
    with _lock:
        _cached = None


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    text = resources.files("chalicelib.data").joinpath("stopwords.txt").read_text("utf-8")
    words = {line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"}
    return frozenset(words | set("的了吗呢吧啊么怎请问我你他她它是在有和与及或"))


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _wordy(token: str) -> bool:
    return any(_is_cjk(ch) or ch.isalnum() for ch in token)


def tokens(text: str) -> list[str]:
    """Words of ``text`` for the index and for queries: the segmenter's search cut
    (long words and their parts), lower case, no stop words or punctuation."""
    from chalicelib.core.services.segmenter import segmenter

    normal = unicodedata.normalize("NFKC", text).lower()
    stop = _stop_words()
    cut = segmenter().cut_for_search(normal)  # type: ignore[attr-defined]
    return [t for t in (w.strip() for w in cut) if t and _wordy(t) and t not in stop]


def characters(text: str) -> list[str]:
    stop = _stop_words()
    return [ch for ch in unicodedata.normalize("NFKC", text) if _is_cjk(ch) and ch not in stop]


def build_index(articles: list[Article], stamp: int = 0) -> _Index:
    import tantivy

    builder = tantivy.SchemaBuilder()
    for name in FIELD_BOOSTS:
        # Text arrives already cut into words: tantivy splits on the spaces only.
        builder.add_text_field(name, stored=False, tokenizer_name="whitespace")
    builder.add_integer_field("n", stored=True, indexed=False)
    schema = builder.build()
    index = tantivy.Index(schema)  # in memory
    writer = index.writer(WRITER_HEAP, 1)
    for number, article in enumerate(articles):
        title, questions, answer = article.search_text()
        writer.add_document(
            tantivy.Document(
                n=number,
                title=" ".join(tokens(title)),
                questions=" ".join(tokens(questions)),
                answer=" ".join(tokens(answer)),
                chars=" ".join(characters(f"{title}\n{questions}\n{answer}")),
            )
        )
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return _Index(stamp, clock.now().timestamp(), index.searcher(), schema, articles)


def _index() -> _Index:
    global _cached
    now = clock.now().timestamp()
    with _lock:
        cached = _cached
        if cached is not None and now - cached.checked < settings().knowledge_cache_seconds:
            return cached
        # The stamp is read before the articles: a write landing in between moves the
        # stamp past the one kept, so the next check rebuilds.
        current = store.stamp()
        if cached is not None and cached.stamp == current:
            cached.checked = now
            return cached
        _cached = build_index(store.all_articles(), current)
        return _cached


def index_stamp() -> int:
    """The stamp of the index this instance searches now."""
    return _index().stamp


@frozen
class Hit:
    article: Article
    score: float


def search(
    query: str,
    *,
    limit: int,
    today: date,
    public_only: bool,
    category: str | None = None,
) -> tuple[list[str], list[Hit]]:
    """(the query's words, the best articles in force), best first."""
    return rank(
        _index(), query, limit=limit, today=today, public_only=public_only, category=category
    )


def rank(
    built: _Index,
    query: str,
    *,
    limit: int,
    today: date,
    public_only: bool,
    category: str | None = None,
) -> tuple[list[str], list[Hit]]:
    """``search`` over a given index (the benchmark builds one from the demo articles)."""
    import tantivy

    terms = list(dict.fromkeys(tokens(query)))
    chars = list(dict.fromkeys(characters(query)))
    if not terms and not chars:
        return terms, []
    if not built.articles:
        return terms, []
    clauses = []
    for name, boost in FIELD_BOOSTS.items():
        for term in chars if name == "chars" else terms:
            clauses.append(
                (
                    tantivy.Occur.Should,
                    tantivy.Query.boost_query(
                        tantivy.Query.term_query(built.schema, name, term), boost
                    ),
                )
            )
    found = built.searcher.search(
        tantivy.Query.boolean_query(clauses), min(CANDIDATES, len(built.articles))
    )
    hits = []
    for bm25, address in found.hits:
        article = built.articles[int(built.searcher.doc(address)["n"][0])]
        if not article.in_force(today) or (public_only and not article.public):
            continue
        hits.append(Hit(article, adjusted_score(float(bm25), article, today, category)))
    hits.sort(key=lambda h: (-h.score, h.article.id))
    return terms, hits[:limit]
