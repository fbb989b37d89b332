"""Early warning (未诉先办): when a topic word or a category rises in one town or street.

The method, stated once (docs/concepts/derived-data.md repeats it): for each place (a town
or street) and each topic word and each category, ``k`` is the number of distinct citizens
who raised it there this ISO week (so far), and ``rate`` the mean of the same count over the
8 weeks before, floored at ``RATE_FLOOR`` (a place with no history is not certain to stay
at nothing). The week is unusually high when ``k >= MIN_CITIZENS`` and the Poisson upper
tail ``P(X >= k | rate)`` is below ``P_VALUE``. Each (week, place, word or category) raises
one alert at most. Pure: no AWS, no settings.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from chalicelib.core.domain.periods import week_of
from chalicelib.core.domain.records import frozen

BASELINE_WEEKS = 8
MIN_CITIZENS = 5
P_VALUE = 0.01
RATE_FLOOR = 0.5

WORD = "word"
CATEGORY = "category"
DIMENSIONS = (WORD, CATEGORY)


def poisson_upper_tail(k: int, rate: float) -> float:
    """P(X >= k) for X ~ Poisson(rate), summed in log space (no scipy)."""
    if k <= 0:
        return 1.0
    if rate <= 0:
        return 0.0
    below = 0.0
    for i in range(k):
        below += math.exp(i * math.log(rate) - rate - math.lgamma(i + 1))
    return max(0.0, 1.0 - below)


@frozen
class Finding:
    """One unusually high count: what rose, where, in which week, against which history."""

    week: str
    place: str  # the town's or street's department id
    dimension: str  # WORD or CATEGORY
    key: str  # the word, or the category's code
    citizens: int  # distinct citizens this week
    baseline: tuple[int, ...]  # the BASELINE_WEEKS weeks before, oldest first
    rate: float
    p_value: float

    @property
    def alert_id(self) -> str:
        """Stable, so a finding made again (every hour) is the same alert: the week, then
        a digest of the place and what rose."""
        text = "\0".join((self.week, self.place, self.dimension, self.key))
        return f"{self.week}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def assess(
    week: str, place: str, dimension: str, key: str, citizens: int, baseline: Sequence[int]
) -> Finding | None:
    """The finding when this week's ``citizens`` is unusually high against ``baseline``
    (the weeks before, missing weeks counted as 0), else None."""
    if citizens < MIN_CITIZENS:
        return None
    history = [*baseline][-BASELINE_WEEKS:]
    history = [0] * (BASELINE_WEEKS - len(history)) + history
    rate = max(sum(history) / BASELINE_WEEKS, RATE_FLOOR)
    p = poisson_upper_tail(citizens, rate)
    if p >= P_VALUE:
        return None
    return Finding(week, place, dimension, key, citizens, tuple(history), rate, p)


def previous_weeks(week_now: datetime, count: int = BASELINE_WEEKS) -> list[str]:
    """The ``count`` ISO weeks before the week of ``week_now``, oldest first."""
    return [week_of(week_now - timedelta(weeks=n)) for n in range(count, 0, -1)]


@frozen
class Place:
    id: str
    name: str

    @property
    def short(self) -> str:
        """The name as people say it: 寨里镇 → 寨里, 般阳路街道 → 般阳路."""
        return self.name.removesuffix("街道").removesuffix("镇").removesuffix("乡")


def place_of(address: str | None, text: str, places: Iterable[Place]) -> str | None:
    """The town or street an appeal is about: the first one its address names, else the
    first its title and content name (in full, then as people say it); None when none."""
    known = list(places)
    for where in (address or "", text):
        for names in ((p.name for p in known), (p.short for p in known)):
            hits = [
                (where.find(name), place.id)
                for name, place in zip(names, known, strict=True)
                if len(name) >= 2 and name in where
            ]
            if hits:
                return min(hits)[1]
    return None
