"""The Chinese segmenter every text feature shares (hot topics, the knowledge base's
search): rjieba, taught the district's own place names and category keywords once per
process. Imported only by the functions that segment (rjieba ships in a layer)."""

from __future__ import annotations

import threading
from functools import lru_cache

WORD_FREQ = 2000  # high enough for district words to win over the general dictionary
# Teaching the words changes rjieba's one dictionary: two threads doing it at once (the
# local stack's server and pump, the rebuild's scan segments) fail with "Already borrowed".
_teaching = threading.Lock()


def segmenter() -> object:
    with _teaching:
        return _taught()


@lru_cache(maxsize=1)
def _taught() -> object:
    import rjieba

    from chalicelib.data import district

    data = district()
    for unit in data["towns_and_streets"]:
        rjieba.add_word(unit["name"], WORD_FREQ, None)
        rjieba.add_word(unit["name"].removesuffix("街道").removesuffix("镇"), WORD_FREQ, None)
    for category in data["categories"]:
        for keyword in category.get("keywords", []):
            rjieba.add_word(keyword, WORD_FREQ, None)
    return rjieba
