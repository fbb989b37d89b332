"""Knowledge-base search quality on held-out question variants: questions written for this
benchmark (bench/data/knowledge_heldout.json), never loaded into the index, each naming
the article that answers it. The demo articles are loaded into an in-process moto table
and searched through the product's own path (the instance's cached tantivy index over the
district-taught segmenter). Prints the top-3 rate (target at least 90 %), the top-1 rate
and the mean reciprocal rank, and the index's build and query times on this machine.

    .venv/bin/python bench/knowledge_search.py [--json PATH] [--show-misses]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from _harness import ROOT, provision

HELD_OUT = ROOT / "bench" / "data" / "knowledge_heldout.json"
TOP3_TARGET = 0.90


def held_out() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = json.loads(HELD_OUT.read_text("utf-8"))["variants"]
    return rows


def rank_of(expected: str, found: list[str]) -> int | None:
    return found.index(expected) + 1 if expected in found else None


def evaluate(search: Any, rows: list[dict[str, str]]) -> dict[str, Any]:
    """Top-1, top-3 and MRR (over the first 10) of ``search(query) -> [article ids]``."""
    ranks = [rank_of(row["article_id"], search(row["query"])[:10]) for row in rows]
    n = len(rows)
    return {
        "queries": n,
        "top1": sum(1 for r in ranks if r == 1) / n,
        "top3": sum(1 for r in ranks if r is not None and r <= 3) / n,
        "mrr": sum(1 / r for r in ranks if r is not None) / n,
        "misses": [
            {"query": row["query"], "expected": row["article_id"], "rank": r}
            for row, r in zip(rows, ranks, strict=True)
            if r is None or r > 3
        ],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", type=Path, help="write the figures as JSON rows here")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()

    from moto import mock_aws

    with mock_aws():
        provision()
        from chalicelib.core.domain import clock
        from chalicelib.knowledge.services import knowledge_search
        from chalicelib.knowledge.services.knowledge import demo_articles, import_articles

        articles = demo_articles()
        import_articles(articles, clock.iso(clock.now()))
        ids = {a["id"] for a in articles}
        rows = held_out()
        unknown = [r["article_id"] for r in rows if r["article_id"] not in ids]
        if unknown:
            raise SystemExit(f"held-out variants name articles that are not loaded: {unknown}")
        indexed = {q for a in articles for q in [a["title"], *a["questions"]]}
        leaked = [r["query"] for r in rows if r["query"] in indexed]
        if leaked:
            raise SystemExit(f"held-out variants are in the index: {leaked}")
        today = clock.now().date()

        def search(query: str) -> list[str]:
            _terms, hits = knowledge_search.search(query, limit=10, today=today, public_only=False)
            return [h.article.id for h in hits]

        knowledge_search.invalidate()
        began = time.perf_counter()
        search("预热")  # the first search reads the articles and builds the index
        build_ms = (time.perf_counter() - began) * 1000
        timings = []
        for row in rows:
            began = time.perf_counter()
            search(row["query"])
            timings.append((time.perf_counter() - began) * 1000)
        figures = evaluate(search, rows)

    query_ms = statistics.median(timings)
    print(f"knowledge search: {len(articles)} articles, {figures['queries']} held-out variants")
    print(f"  top-3 rate   {figures['top3']:.1%}   (target ≥ {TOP3_TARGET:.0%})")
    print(f"  top-1 rate   {figures['top1']:.1%}")
    print(f"  MRR@10       {figures['mrr']:.3f}")
    print(
        f"  index build  {build_ms:.0f} ms (first search of an instance, segmenter load included)"
    )
    print(f"  query        {query_ms:.1f} ms median (warm index)")
    if args.show_misses:
        for miss in figures["misses"]:
            print(f"  miss: {miss['query']} -> {miss['expected']} (rank {miss['rank']})")
    if args.json:
        holds = figures["top3"] >= TOP3_TARGET
        out = [
            figure_row(
                "knowledge search top-3 rate (held out)", figures["top3"] * 100, "%", "≥ 90%", holds
            ),
            figure_row("knowledge search top-1 rate (held out)", figures["top1"] * 100, "%"),
            figure_row("knowledge search MRR@10 (held out)", figures["mrr"], "ratio"),
            figure_row("knowledge index build, first search", build_ms, "ms"),
            figure_row("knowledge search, warm query (median)", query_ms, "ms"),
        ]
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", "utf-8")
    return 0


def figure_row(
    figure: str, value: float, unit: str, target: str | None = None, holds: bool = True
) -> dict[str, Any]:
    """One figure for the ``make bench`` table. A figure without a target holds."""
    return {
        "figure": figure,
        "value": round(float(value), 4),
        "unit": unit,
        "baseline": None,
        "ratio": None,
        "target": target,
        "holds": holds,
    }


if __name__ == "__main__":
    sys.exit(main())
