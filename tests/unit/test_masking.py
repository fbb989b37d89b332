"""Free-text masking: what it hides, what it keeps, and that no generated number survives."""

from __future__ import annotations

import datetime as dt
import re
import sys
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.core.domain.masking import coarse_address, coarse_location, mask_text

CJK = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF), max_size=12)
# What a number is written with besides its digits: spaces (the ideographic one too), dots,
# dashes (ASCII, full-width, em), the middle dot.
SEPARATORS = (" ", "\u3000", "\u00a0", ".", "．", "-", "－", "—", "·")
# Text around a number: Chinese, punctuation and separators, never a digit.
AROUND = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF),
        st.sampled_from((*SEPARATORS, "：", "，", "。", "（", "）")),
    ),
    max_size=12,
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_check_character(first17: str) -> str:
    """GB 11643's check character: ISO 7064 MOD 11-2 over the first 17 digits."""
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


@st.composite
def id_card_numbers(draw: st.DrawFn) -> str:
    """A resident id card number as issued: area code, a real birth date, sequence, check."""
    area = draw(st.integers(110000, 659999))
    born = draw(st.dates(dt.date(1900, 1, 1), dt.date(2025, 12, 31)))
    sequence = draw(st.integers(0, 999))
    first17 = f"{area}{born:%Y%m%d}{sequence:03d}"
    return first17 + id_check_character(first17)


def wide(text: str) -> str:
    """ASCII digits and + as their full-width forms."""
    return text.translate({ord(c): 0xFF10 + int(c) for c in "0123456789"} | {ord("+"): "＋"})


@st.composite
def written_mobiles(draw: st.DrawFn) -> tuple[str, str]:
    """(the 11 digits, the number as someone might write it): with or without +86 or 86,
    its digits grouped 3-4-4 or anywhere, by a space, U+3000, a dot or a dash, in ASCII or
    full-width digits (all or some)."""
    digits = f"1{draw(st.integers(3, 9))}{draw(st.integers(0, 10**9 - 1)):09d}"
    separator = draw(st.sampled_from(("", *SEPARATORS)))
    anywhere = st.lists(st.integers(1, 10), max_size=4).map(set)
    cuts = draw(st.one_of(st.just({3, 7}), anywhere))
    written = "".join(
        (separator if i in cuts else "") + (wide(d) if draw(st.booleans()) else d)
        for i, d in enumerate(digits)
    )
    if draw(st.booleans()):
        written = draw(st.sampled_from(("+86", "86", "＋８６"))) + separator + written
    return digits, written


def normalised(text: str) -> str:
    """Digits as ASCII (NFKC), and every separator between them gone."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s.\-—·]", "", text)


def test_each_kind_of_personal_data_is_masked() -> None:
    cases = {
        "电话13812341234": "电话138****1234",
        "电话 +86 138-1234-1234": "电话 138****1234",
        "座机0533-2345678": "座机0533******78",
        "身份证370302199001011234": "身份证370***********1234",
        "身份证37030219900101123X": "身份证370***********123X",
        "卡号6222021234567890123": "卡号6222***********0123",
        "邮箱zhang.san@example.com": "邮箱z***@example.com",
        "车牌鲁C12345": "车牌鲁C*****",
        "新能源京AD12345": "新能源京A******",
        "住华光路123号3单元401室": "住华光路***号*单元***室",
        "住3-2-401": "住*-*-***",
    }
    for text, masked in cases.items():
        assert mask_text(text) == masked, text


def test_ordinary_text_is_left_alone() -> None:
    for text in (
        "东门路灯不亮已有三天",
        "2026-11-28 晚上施工噪音",
        "12:30 到 14:00",
        "公交 3 路",
        "",
    ):
        assert mask_text(text) == text


@given(CJK, st.integers(3, 9), st.integers(0, 10**9 - 1), CJK)
def test_no_mobile_number_survives(before: str, second: int, rest: int, after: str) -> None:
    number = f"1{second}{rest:09d}"
    masked = mask_text(f"{before}{number}{after}") or ""
    assert number not in masked
    assert number[-4:] in masked


@given(AROUND, written_mobiles(), AROUND)
def test_no_mobile_number_survives_however_written(
    before: str, mobile: tuple[str, str], after: str
) -> None:
    digits, written = mobile
    masked = mask_text(f"{before}{written}{after}") or ""
    assert re.search(r"\d{11}", normalised(masked)) is None, masked
    assert masked == f"{before}{digits[:3]}****{digits[-4:]}{after}"


def test_numbers_written_with_dots_ideographic_spaces_or_full_width_digits_are_masked() -> None:
    cases = {
        "电话 138.1234.1234": "电话 138****1234",
        "电话138\u30001234\u30001234": "电话138****1234",
        "电话１３８１２３４１２３４": "电话138****1234",
        "电话 ＋８６　１３８－１２３４－１２３４。": "电话 138****1234。",
        "电话 1381 234 1234": "电话 138****1234",
        "身份证３７０３０２１９９００１０１１２３４": "身份证370***********1234",
        "卡号6222.0212.3456.7890": "卡号6222***********7890",
        "座机0533．2345678": "座机0533******78",
    }
    for text, masked in cases.items():
        assert mask_text(text) == masked, text


def test_full_width_digits_and_separators_no_rule_takes_stay_as_written() -> None:
    for text in (
        "３路车 ２０２６－１１－２８ 早上",
        "时间 2026.11.28 13:45",
        "2026-11-28 14:00 到 16:00",
        "水费 12.50 元，面积 3.5 平方米",
        "第　１２　期",
    ):
        assert mask_text(text) == text


@given(CJK, id_card_numbers(), CJK)
def test_an_id_card_number_is_masked_by_the_id_rule(before: str, number: str, after: str) -> None:
    assert len(number) == 18
    masked = mask_text(f"{before}{number}{after}")
    # The id rule keeps the first 3 and last 4 (the bank card rule would keep 4 and 4).
    assert masked == f"{before}{number[:3]}{'*' * 11}{number[-4:]}{after}"


def test_coarse_location_keeps_the_street_and_about_a_kilometre() -> None:
    assert coarse_address("和平街道华光路123号") == "和平街道"
    assert coarse_address("华光路123号") == "华光路"
    assert coarse_address("123号院") is None
    assert coarse_address(None) is None
    coarse = coarse_location({"lat": 36.80123, "lng": 118.05456, "address": "湖田镇王家村5号"})
    assert coarse == {"lat": 36.8, "lng": 118.05, "address": "湖田镇"}


def test_a_providers_error_text_loses_its_recipient() -> None:
    from chalicelib.core.domain.masking import without_recipient

    text = "Invalid parameter: PhoneNumber Reason: +12025550123 is not valid"
    assert "2025550123" not in without_recipient(text, "+12025550123")
    assert "Invalid parameter: PhoneNumber" in without_recipient(text, "+12025550123")
    text = "Address blacklisted: Li.Si@Example.com (also li.si@example.com)"
    masked = without_recipient(text, "li.si@example.com")
    assert "li.si@" not in masked.lower() and "l***@example.com" in masked.lower()
    assert without_recipient("Throttling: rate exceeded", "") == "Throttling: rate exceeded"


def test_every_unusual_digit_and_space_reads_as_unicodedata_has_it() -> None:
    """The normal form turns each decimal digit \\d matches beyond 0-9 into its value and each
    other space into a space, without loading unicodedata: every code point is checked."""
    from chalicelib.core.domain import masking

    everything = "".join(chr(point) for point in range(sys.maxunicode + 1))
    unusual = masking._unusual().findall(everything)
    marks = set(masking._DASHES + masking._DOTS + masking._PLUSES)
    checked = 0
    for char in unusual:
        if char in marks:
            continue
        digit = unicodedata.decimal(char, None)
        expected = " " if digit is None else str(digit)
        assert masking._normal(char) == expected, hex(ord(char))
        checked += 1
    assert checked > 600  # the Nd digits of every script, and the Unicode spaces
