"""Duplicate matching: the same category close by, or many shared words; nearby first."""

from __future__ import annotations

from chalicelib.work_orders.domain import similarity

HERE = {"lat": 36.64, "lng": 117.97}
NEAR = {"lat": 36.642, "lng": 117.971}  # about 240 m
EDGE = {"lat": 36.6445, "lng": 117.97}  # about 500 m north


def test_distance_is_great_circle_metres() -> None:
    assert similarity.distance_m(HERE, HERE) == 0
    near = similarity.distance_m(HERE, NEAR)
    assert near is not None and 230 < near < 250
    assert similarity.distance_m(HERE, None) is None
    assert similarity.distance_m(HERE, {"lat": "x", "lng": 1}) is None


def test_same_category_nearby_matches_another_category_does_not() -> None:
    hit = similarity.match("roads", HERE, [], "b", "roads", NEAR, [])
    assert hit is not None and hit.nearby and hit.reasons()[0].startswith("同类别，相距约 2")
    assert similarity.match("roads", HERE, [], "b", "noise", NEAR, []) is None
    assert similarity.match(None, HERE, [], "b", None, NEAR, []) is None
    edge = similarity.distance_m(HERE, EDGE)
    assert edge is not None and 499 < edge < 501
    assert (
        similarity.match("roads", HERE, [], "c", "roads", {"lat": 36.646, "lng": 117.97}, [])
        is None
    )


def test_three_shared_words_match_in_the_first_appeals_order() -> None:
    words = ["路灯", "照明", "缺失", "夜间"]
    hit = similarity.match("roads", None, words, "b", "noise", None, ["夜间", "缺失", "照明"])
    assert hit is not None and hit.shared_words == ("照明", "缺失", "夜间")
    assert hit.reasons() == ["共同词：照明、缺失、夜间"]
    assert similarity.match("roads", None, words, "b", "noise", None, ["路灯", "照明"]) is None


def test_nearby_first_then_by_shared_words() -> None:
    wordy = similarity.Match("w", None, ("a", "b", "c", "d"))
    fewer = similarity.Match("f", None, ("a", "b", "c"))
    close = similarity.Match("c", 100.0, ())
    closer = similarity.Match("cc", 20.0, ())
    ranked = similarity.rank([fewer, close, wordy, closer])
    assert [m.appeal_id for m in ranked] == ["cc", "c", "w", "f"]
