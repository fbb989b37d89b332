"""The reply quality check's threshold, measured on the demo data: each knowledge-base
question (the articles' own variants and the held-out ones in bench/data/) stands for an
appeal, its article's answer for a related reply, and the answer of an article of another
category (one per question, seeded) for an unrelated one; the simulator's stock reply
(经核实，已安排人员现场处理，问题已解决。) is a third, generic set. Prints the distribution
of the overlap score for each set, and for each candidate threshold the false-flag rate
(related replies flagged) and the share of unrelated replies caught; then the rates at the
threshold in force (``reply_quality.UNRELATED_BELOW``) and of the policy-reference rule on
the articles' answers.

    .venv/bin/python bench/reply_check.py [--json PATH] [--seed N]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path

from _harness import ROOT

sys.path.insert(0, str(ROOT))

HELD_OUT = ROOT / "bench" / "data" / "knowledge_heldout.json"
STOCK_REPLY = "经核实，已安排人员现场处理，问题已解决。"
THRESHOLDS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)
FALSE_FLAG_TARGET = 0.05


Pair = tuple[str, str, str]  # appeal text, reply, the appeal's category


def pairs(seed: int) -> tuple[list[Pair], list[Pair]]:
    from chalicelib.knowledge.services.knowledge import demo_articles

    articles = {a["id"]: a for a in demo_articles()}
    rng = random.Random(seed)
    questions = [(q, a["id"]) for a in articles.values() for q in [a["title"], *a["questions"]]]
    held = json.loads(HELD_OUT.read_text("utf-8"))["variants"]
    questions += [(v["query"], v["article_id"]) for v in held if v["article_id"] in articles]
    related = [(q, articles[aid]["answer"], articles[aid]["category"]) for q, aid in questions]
    unrelated = []
    for q, aid in questions:
        others = [a for a in articles.values() if a["category"] != articles[aid]["category"]]
        unrelated.append((q, rng.choice(others)["answer"], articles[aid]["category"]))
    return related, unrelated


def judged(rows: list[Pair]) -> list[tuple[float, bool]]:
    """(overlap score, flagged unrelated) of each pair the check can judge, through the
    product's own functions (the words of the appeal and of its category)."""
    from chalicelib.figures.services.statistics import topic_words
    from chalicelib.work_orders.domain import reply_quality
    from chalicelib.work_orders.services.reply_quality import category_terms

    out = []
    for appeal, reply, category in rows:
        words = topic_words(appeal, limit=50)
        result = reply_quality.check(
            words,
            reply,
            category_words=category_terms(category),
            consultation=False,
            policy=False,
        )
        if result.score is not None:
            out.append((result.score, reply_quality.UNRELATED in result.flags))
    return out


def histogram(values: list[float]) -> str:
    buckets = Counter(min(int(v * 10), 9) for v in values)
    return "  ".join(f"{b / 10:.1f}–{(b + 1) / 10:.1f}: {buckets[b]:3d}" for b in range(10))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--seed", type=int, default=28)
    args = parser.parse_args()
    from moto import mock_aws

    with mock_aws():
        from _harness import provision

        provision()  # the reference district's categories, as the product reads them
        report(args)


def report(args: argparse.Namespace) -> None:
    from _harness import row

    from chalicelib.knowledge.services.knowledge import demo_articles
    from chalicelib.work_orders.domain.reply_quality import UNRELATED_BELOW, has_policy_reference

    related, unrelated = pairs(args.seed)
    generic = [(q, STOCK_REPLY, c) for q, _, c in related]
    sets = {"related": judged(related), "unrelated": judged(unrelated), "stock": judged(generic)}
    counted = {name: len(values) for name, values in sets.items()}
    print(
        f"{len(related)} appeals (knowledge-base questions); judged (≥ 2 content words): {counted}"
    )
    for name, values in sets.items():
        mean = sum(s for s, _ in values) / len(values)
        print(f"\n{name:9s} overlap score, mean {mean:.2f}\n  {histogram([s for s, _ in values])}")
    print("\nthreshold  false flags (related)  unrelated caught  stock caught   (score alone)")
    for t in THRESHOLDS:
        rates = {n: sum(s < t for s, _ in vals) / len(vals) for n, vals in sets.items()}
        related, caught, stock = rates["related"], rates["unrelated"], rates["stock"]
        print(f"  {t:<8g} {related:>10.1%} {caught:>20.1%} {stock:>14.1%}")
    chosen = {n: sum(f for _, f in vals) / len(vals) for n, vals in sets.items()}
    print(
        f"\nin force (score below {UNRELATED_BELOW:g} and none of the category's terms): "
        f"{chosen['related']:.1%} of related replies flagged (false flags), "
        f"{chosen['unrelated']:.1%} of unrelated and {chosen['stock']:.1%} of stock replies caught"
    )
    answers = [a["answer"] for a in demo_articles()]
    cited = sum(has_policy_reference(a) for a in answers) / len(answers)
    print(f"knowledge-base answers naming a policy (《…》, 第…条, 〔年〕号): {cited:.0%}")
    if args.json:
        rows = [
            row(
                "reply check false flags",
                chosen["related"] * 100,
                "%",
                at_most=FALSE_FLAG_TARGET * 100,
            ),
            row("reply check unrelated caught", chosen["unrelated"] * 100, "%", at_least=80),
        ]
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=2), "utf-8")


if __name__ == "__main__":
    main()
