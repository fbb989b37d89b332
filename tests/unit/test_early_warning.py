"""The early-warning detector (未诉先办): the Poisson upper tail, what counts as unusually
high, the weeks it compares, the place an appeal is about."""

from __future__ import annotations

import math
from datetime import datetime

import pytest

from chalicelib.core.domain.clock import TZ
from chalicelib.figures.domain import warnings as w

PLACES = [w.Place("zhaili-town", "寨里镇"), w.Place("banyanglu-street", "般阳路街道")]


def tail_by_definition(k: int, rate: float) -> float:
    return 1 - sum(math.exp(-rate) * rate**i / math.factorial(i) for i in range(k))


@pytest.mark.parametrize(("k", "rate"), [(1, 0.5), (5, 0.5), (6, 1.0), (6, 6.0), (12, 6.0)])
def test_the_tail_is_the_poisson_upper_tail(k: int, rate: float) -> None:
    assert w.poisson_upper_tail(k, rate) == pytest.approx(tail_by_definition(k, rate), abs=1e-12)


def test_the_tail_at_the_edges() -> None:
    assert w.poisson_upper_tail(0, 3.0) == 1.0
    assert w.poisson_upper_tail(3, 0.0) == 0.0


def test_six_citizens_after_eight_quiet_weeks_is_a_finding() -> None:
    finding = w.assess("2026-W49", "zhaili-town", w.WORD, "噪音", 6, [0] * 8)
    assert finding is not None
    assert finding.rate == w.RATE_FLOOR  # no history: the floor, not zero
    assert finding.p_value < w.P_VALUE
    assert finding.baseline == (0,) * 8


def test_steady_traffic_is_no_finding() -> None:
    assert w.assess("2026-W49", "zhaili-town", w.WORD, "噪音", 6, [6] * 8) is None
    assert w.assess("2026-W49", "zhaili-town", w.WORD, "噪音", 9, [5, 7, 6, 6, 4, 8, 6, 6]) is None


def test_fewer_than_five_citizens_never_alert_however_rare() -> None:
    assert w.assess("2026-W49", "zhaili-town", w.WORD, "噪音", 4, [0] * 8) is None
    assert w.assess("2026-W49", "zhaili-town", w.WORD, "噪音", 5, [0] * 8) is not None


def test_the_threshold_is_strict() -> None:
    # rate 2: P(X >= 7) = 0.0045 < 0.01, P(X >= 6) = 0.0166 >= 0.01
    assert w.assess("2026-W49", "p", w.WORD, "x", 7, [2] * 8) is not None
    assert w.assess("2026-W49", "p", w.WORD, "x", 6, [2] * 8) is None


def test_missing_weeks_count_as_none() -> None:
    short = w.assess("2026-W49", "p", w.WORD, "x", 6, [1, 1])
    assert short is not None and short.baseline == (0,) * 6 + (1, 1)


def test_the_alert_id_is_stable_per_week_place_and_topic() -> None:
    a = w.assess("2026-W49", "zhaili-town", w.WORD, "噪音", 6, [0] * 8)
    b = w.assess("2026-W49", "zhaili-town", w.WORD, "噪音", 9, [0] * 8)
    c = w.assess("2026-W50", "zhaili-town", w.WORD, "噪音", 6, [0] * 8)
    d = w.assess("2026-W49", "zhaili-town", w.CATEGORY, "噪音", 6, [0] * 8)
    assert a and b and c and d
    assert a.alert_id == b.alert_id and a.alert_id.startswith("2026-W49-")
    assert len({a.alert_id, c.alert_id, d.alert_id}) == 3


def test_the_eight_weeks_before_a_fake_now() -> None:
    now = datetime(2026, 12, 7, 10, 0, tzinfo=TZ)  # Monday of 2026-W50
    assert w.previous_weeks(now) == [f"2026-W{n}" for n in range(42, 50)]
    new_year = datetime(2027, 1, 5, 0, 30, tzinfo=TZ)  # 2027-W01
    assert w.previous_weeks(new_year)[-2:] == ["2026-W52", "2026-W53"]


def test_the_place_named_in_the_address_wins_over_the_text() -> None:
    assert w.place_of("淄川区寨里镇某村", "般阳路街道噪音", PLACES) == "zhaili-town"
    assert w.place_of(None, "般阳路街道有噪音，寨里镇也有", PLACES) == "banyanglu-street"
    assert w.place_of("", "寨里那边夜里施工噪音", PLACES) == "zhaili-town"  # as people say it
    assert w.place_of(None, "楼上噪音", PLACES) is None


class FakeStore:
    """The store's early-warning calls over dicts: counts per (week, place, dimension, key)
    and the alerts written (a second put of one id refused, as the conditional put is)."""

    def __init__(self, counts: dict[tuple[str, str, str, str], int]) -> None:
        self.counts = counts
        self.alerts: dict[str, dict[str, object]] = {}
        self.history_reads: list[tuple[str, str, str, str]] = []

    def week_counts(self, week: str, place: str, at_least: int = 1) -> dict[tuple[str, str], int]:
        return {
            (d, k): n
            for (w, p, d, k), n in self.counts.items()
            if (w, p) == (week, place) and n >= at_least
        }

    def counts_of(self, wanted):  # type: ignore[no-untyped-def]
        keys = list(wanted)
        self.history_reads += keys
        return {key: self.counts.get(key, 0) for key in keys}

    def put_alert(self, alert: dict[str, object]) -> bool:
        if alert["id"] in self.alerts:
            return False
        self.alerts[str(alert["id"])] = alert
        return True


@pytest.fixture
def detector(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The service's detector with a fake clock (Wednesday of 2026-W50), a fake store, the
    two places and leaders told into a list."""
    from chalicelib.core.domain import clock
    from chalicelib.figures.services import warnings as service

    told: list[tuple[str, str]] = []
    monkeypatch.setattr(service.reference, "places", lambda: [(p.id, p.name) for p in PLACES])
    monkeypatch.setattr(service.reference, "get_category", lambda code: None)
    from chalicelib.notifications.services import fan_out

    monkeypatch.setattr(fan_out, "tell_leaders", lambda t, s, at, data: told.append((t, s)) or 1)
    clock.set_clock(lambda: datetime(2026, 12, 9, 10, 0, tzinfo=TZ))

    def run(counts: dict[tuple[str, str, str, str], int]) -> tuple[dict[str, int], FakeStore]:
        fake = FakeStore(counts)
        for name in ("week_counts", "counts_of", "put_alert"):
            monkeypatch.setattr(service.store, name, getattr(fake, name))
        return service.detect(), fake

    yield run, told
    clock.set_clock(None)


def test_the_detector_raises_a_planted_rise_once_and_tells_the_leaders(detector) -> None:  # type: ignore[no-untyped-def]
    run, told = detector
    counts = {("2026-W50", "zhaili-town", w.WORD, "噪音"): 6}
    counts[("2026-W49", "zhaili-town", w.WORD, "路灯")] = 1  # another word, another week
    result, fake = run(counts)
    assert result == {"places": 2, "candidates": 1, "raised": 1}
    (alert,) = fake.alerts.values()
    assert (
        alert["place_name"] == "寨里镇" and alert["key"] == "噪音" and alert["week"] == "2026-W50"
    )
    assert alert["baseline"] == [0] * 8 and alert["citizens"] == 6
    # The 8 weeks before were read, for this word and place only
    assert sorted({k[0] for k in fake.history_reads}) == [f"2026-W{n}" for n in range(42, 50)]
    assert {k[1:] for k in fake.history_reads} == {("zhaili-town", w.WORD, "噪音")}
    assert told == [("appeal.alert", alert["id"])]
    # The next run of the same week (one more citizen since) raises nothing more
    from chalicelib.figures.services import warnings as service

    counts[("2026-W50", "zhaili-town", w.WORD, "噪音")] = 7
    assert service.detect()["raised"] == 0
    assert len(fake.alerts) == 1 and len(told) == 1


def test_the_detector_leaves_steady_traffic_and_small_counts_alone(detector) -> None:  # type: ignore[no-untyped-def]
    run, told = detector
    counts = {(f"2026-W{n}", "zhaili-town", w.WORD, "噪音"): 6 for n in range(42, 51)}
    counts[("2026-W50", "banyanglu-street", w.CATEGORY, "environment-noise")] = 4
    result, fake = run(counts)
    assert result == {"places": 2, "candidates": 1, "raised": 0}
    assert fake.alerts == {} and told == []
