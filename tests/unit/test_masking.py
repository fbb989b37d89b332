"""Free-text masking: what it hides, what it keeps, and that no generated number survives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.core.domain.masking import coarse_address, coarse_location, mask_text

CJK = st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF), max_size=12)


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


@given(CJK, st.integers(110000, 659999), st.integers(0, 10**8 - 1), st.sampled_from("0123456789X"))
def test_no_id_card_number_survives(before: str, area: int, birth: int, check: str) -> None:
    number = f"{area}19{birth:08d}{check}"
    assert number not in (mask_text(f"{before}{number}") or "")


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
