"""The masks character for character: each rule of ``mask_text`` on a value of its own,
the names an appeal records, phone numbers of each length and the coarse address. The
properties (tests/unit/test_masking.py) say what never shows; these pin what does, which
is what a mutant of ``chalicelib/core/domain/masking.py`` changes (``make mutants``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.core.domain import masking
from chalicelib.core.domain.masking import (
    coarse_address,
    coarse_location,
    mask_name,
    mask_phone,
    mask_text,
    without_recipient,
)


@pytest.fixture(autouse=True)
def _rules_built_here() -> Iterator[None]:
    """The compiled rules are cached per process: built again for these tests, so what
    they check is the masking code as it is now, not as an earlier test first built it."""
    masking._rules.cache_clear()
    masking._date.cache_clear()
    yield
    masking._rules.cache_clear()
    masking._date.cache_clear()


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("联系 zhang.san@example.com 或", "联系 z***@example.com 或"),
        ("身份证110101199003071234。", "身份证110***********1234。"),
        ("卡号6222 0212 3456 7890 123", "卡号6222*************** 123"),
        ("电话13812345678", "电话138****5678"),
        ("打+86 138-1234-5678", "打138****5678"),
        ("座机0533-1234567", "座机0533******67"),
        ("号码1234567", "号码1****67"),
        ("车牌鲁C12345停", "车牌鲁C*****停"),  # a plate keeps its province and letter only
        ("新能源鲁AD12345", "新能源鲁A******"),
        ("幸福小区3号楼2单元501室", "幸福小区*号楼*单元***室"),
        ("12-3-401", "**-*-***"),
        ("2026-11-26来过", "2026-11-26来过"),  # a date is no door
        ("五号楼", "五号楼"),
    ],
)
def test_each_rule_masks_exactly_its_part(text: str, masked: str) -> None:
    assert mask_text(text) == masked


def test_the_names_recorded_are_masked_longest_first() -> None:
    # None and blanks are skipped; one character is no name to look for
    names: list[Any] = ["王五", "张王五", None, "", " 李 ", "赵"]
    masked = mask_text("张王五说王五来了，李和赵也来了", names=names)
    assert masked == "张**说王*来了，李和赵也来了"
    assert mask_text("李四和李四光", names=["李四"]) == "李*和李*光"
    assert mask_text("", names=["李四"]) == ""
    assert mask_text(None) is None


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("138-1234-5678", "138****5678"),
        ("0533 12345678", "053*****5678"),  # 11 digits or more: the first 3 stay
        ("6123456", "6**3456"),  # fewer: the first one
        ("1234", "****"),
        ("", ""),
        (None, None),
    ],
)
def test_phone_numbers_keep_at_most_their_first_three_and_last_four_digits(
    phone: str | None, masked: str | None
) -> None:
    assert mask_phone(phone) == masked


def test_names_keep_the_family_name() -> None:
    assert mask_name("欧阳修") == "欧**"
    assert mask_name("张") == "张*"
    assert mask_name(None) is None


@pytest.mark.parametrize(
    ("address", "coarse"),
    [
        ("般阳路12号幸福村", "般阳路"),  # the village comes after a number: the road it is on
        ("12村", None),
        ("松龄路街道幸福社区3号", "松龄路街道"),
        ("3号楼", None),
        ("  ", None),
    ],
)
def test_the_coarse_address_is_the_area_or_the_road_never_a_number(
    address: str, coarse: str | None
) -> None:
    assert coarse_address(address) == coarse


def test_the_coarse_location_rounds_the_point_to_about_a_kilometre() -> None:
    assert coarse_location({"lat": 36.81234, "lng": 117.97567, "address": "般阳路1号"}) == {
        "lat": 36.81,
        "lng": 117.98,
        "address": "般阳路",
    }
    assert coarse_location({"lat": None, "lng": 118.0}) == {"lng": 118.0, "address": None}
    assert coarse_location(None) is None


def test_a_providers_error_names_its_recipient_masked_as_what_it_is() -> None:
    # A number as a number (not as an address), an address in whatever case the provider
    # wrote it, a recipient that is neither as stars, an empty text as empty
    sms = "Invalid parameter: PhoneNumber +8613812345678 is opted out"
    assert without_recipient(sms, "+8613812345678") == (
        "Invalid parameter: PhoneNumber 861******5678 is opted out"
    )
    mail = "Address blacklisted: ZHANG.SAN@EXAMPLE.COM"
    assert (
        without_recipient(mail, "zhang.san@example.com") == "Address blacklisted: z***@example.com"
    )
    assert without_recipient("Email address is not verified: ops", "ops") == (
        "Email address is not verified: ***"
    )
    assert without_recipient("", "ops") == ""


def test_a_short_number_is_all_stars() -> None:
    # A five-digit service number keeps none of its digits (it kept all five)
    assert mask_phone("12345") == "*****"
    assert mask_phone("123456") == "1*3456"
