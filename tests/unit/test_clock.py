"""The product's zone is a fixed UTC+8: the same local times and offsets as the IANA zone
Asia/Shanghai on every day since 1992, and the same stored text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.core.domain import calendar, clock

IANA = ZoneInfo("Asia/Shanghai")


@given(
    st.datetimes(
        min_value=datetime(1992, 1, 1),
        max_value=datetime(2100, 1, 1),
    )
)
def test_the_fixed_offset_is_the_iana_zone_since_1992(moment: datetime) -> None:
    aware = moment.replace(tzinfo=UTC)
    local = aware.astimezone(clock.TZ)
    iana = aware.astimezone(IANA)
    assert local.replace(tzinfo=None) == iana.replace(tzinfo=None)
    assert local.utcoffset() == iana.utcoffset() == timedelta(hours=8)
    assert clock.iso(aware) == iana.isoformat(timespec="milliseconds")
    assert local.tzname() == iana.tzname() == "CST"


def test_before_1992_the_zone_had_summer_time_which_the_product_does_not_keep() -> None:
    # 1991-07-01 was in daylight saving time (UTC+9): the fixed zone would be an hour off,
    # which is why the test above starts in 1992. No stored time is that old.
    summer = datetime(1991, 7, 1, 12, tzinfo=UTC)
    assert summer.astimezone(IANA).utcoffset() == timedelta(hours=9)
    assert summer.astimezone(clock.TZ).utcoffset() == timedelta(hours=8)


def test_the_calendar_counts_in_the_same_zone() -> None:
    assert calendar.SHANGHAI is clock.TZ


def test_parse_iso_refuses_a_time_without_offset() -> None:
    with pytest.raises(ValueError, match="without offset"):
        clock.parse_iso("2026-12-07T10:00:00")
    assert clock.parse_iso("2026-12-07T02:00:00+00:00") == datetime(
        2026, 12, 7, 10, tzinfo=clock.TZ
    )
