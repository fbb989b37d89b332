"""The reply quality check's rules (work_orders/domain/reply_quality.py), on the words the
product's segmenter finds: an unrelated reply is flagged and a related one is not; a
consultation in a category that asks for a policy reference is flagged without one."""

from __future__ import annotations

import pytest

from chalicelib.figures.services.statistics import topic_words
from chalicelib.work_orders.domain import reply_quality as rq

APPEAL = "小区门口路灯不亮，晚上出行不便"
RELATED = "经现场核查，小区门口路灯线路老化，已更换灯具，路灯恢复照明。"
UNRELATED = "您好，本年度城乡居民医保缴费期为9月至12月，可通过爱山东缴费。"
STOCK = "经核实，已安排人员现场处理，问题已解决。"


def check(reply: str, *, consultation: bool = False, policy: bool = False, terms=()) -> rq.Check:
    return rq.check(
        topic_words(APPEAL, limit=50),
        reply,
        category_words=terms,
        consultation=consultation,
        policy=policy,
    )


def test_an_unrelated_reply_is_flagged_and_a_related_one_is_not() -> None:
    related, unrelated, stock = check(RELATED), check(UNRELATED), check(STOCK)
    assert related.flags == () and related.score is not None
    assert related.score > rq.UNRELATED_BELOW
    assert unrelated.flags == (rq.UNRELATED,) and unrelated.score == 0
    assert stock.flags == (rq.UNRELATED,)
    assert unrelated.to_dict()["flags"][0]["code"] == "unrelated"
    assert unrelated.to_dict()["threshold"] == rq.UNRELATED_BELOW


def test_a_reply_in_the_category_s_own_terms_is_not_unrelated() -> None:
    # The citizen says 路灯, the answer 照明设施: the category's keyword 路灯 is not named,
    # but 照明 is one of its terms here.
    official = "该路段照明设施已纳入维修计划。"
    assert check(official).flags == (rq.UNRELATED,)
    assert check(official, terms=("照明", "井盖")).flags == ()


def test_two_character_parts_count() -> None:
    assert rq.overlap(["残疾证", "迁移"], "残疾人证随户籍迁移") == 1.0
    assert rq.overlap(["噪音", "施工"], "夜间施工已停止") == 0.5


def test_an_appeal_with_too_few_words_is_not_judged() -> None:
    assert rq.overlap(["路灯"], "无关的答复") is None
    assert rq.check(["路灯"], "无关", consultation=False, policy=False).flags == ()


@pytest.mark.parametrize(
    "reference",
    [
        "依据《淄博市城乡居民基本医疗保险实施办法》",
        "按照办法第十二条",
        "根据第3条规定",
        "详见淄政办发〔2024〕12号文件",
        "参见[2023]5号",
        "详见知识库文章 kb-medical-insurance-payment",
        "https://example.gov/knowledge/articles/kb-x",
    ],
)
def test_what_counts_as_a_policy_reference(reference: str) -> None:
    assert rq.has_policy_reference(reference)
    result = check(RELATED + reference, consultation=True, policy=True)
    assert rq.NO_POLICY_REFERENCE not in result.flags


def test_a_consultation_without_a_policy_reference_is_flagged_where_asked() -> None:
    assert check(RELATED, consultation=True, policy=True).flags == (rq.NO_POLICY_REFERENCE,)
    assert check(RELATED, consultation=True, policy=True).policy_reference_required
    assert check(RELATED, consultation=False, policy=True).flags == ()  # not a consultation
    assert check(RELATED, consultation=True, policy=False).flags == ()  # category does not ask
    assert not rq.has_policy_reference("按规定办理，第几条请咨询")
    assert not rq.has_policy_reference("《》")
