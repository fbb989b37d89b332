"""Which words of an appeal may become a public topic: never a person's name, whether the
segmenter tags it as a name, a place or a plain noun."""

from __future__ import annotations

import pytest

from chalicelib.figures.services.statistics import topic_words

# Compound surnames the segmenter does not tag as names (欧阳 and 长孙 come out as places,
# 钟离 and 轩辕 as nouns, 夏侯惇 as a place), and ones it does.
NAMED = [
    ("欧阳娜娜反映小区暖气不热", ("欧阳", "娜娜", "欧阳娜娜")),
    ("长孙无忌投诉楼上噪音", ("长孙", "无忌", "长孙无忌")),
    ("钟离春反映路灯不亮", ("钟离", "钟离春")),
    ("轩辕反映停车难", ("轩辕",)),
    ("夏侯惇说暖气不热", ("夏侯惇", "夏侯")),
    ("司马光反映积水", ("司马光", "司马")),
    ("上官婉儿投诉噪音", ("上官婉儿", "上官")),
    ("诸葛亮反映路灯", ("诸葛亮", "诸葛")),
    ("慕容复举报违章停车", ("慕容复", "慕容")),
    ("令狐冲反映停车难", ("令狐冲", "令狐")),
    ("宇文泰反映暖气不热", ("宇文泰", "宇文")),
    ("皇甫嵩反映路灯", ("皇甫嵩", "皇甫")),
    ("尉迟恭投诉噪音", ("尉迟恭", "尉迟")),
    ("公孙胜反映噪音", ("公孙胜", "公孙")),
    ("司徒雷登反映积水", ("司徒雷登", "司徒")),
    ("王强反映暖气不热", ("王强",)),
]


@pytest.mark.parametrize(("text", "names"), NAMED)
def test_person_names_never_become_topic_words(text: str, names: tuple[str, ...]) -> None:
    words = topic_words(text)
    assert words  # the rest of the appeal still counts
    assert not set(words) & set(names), words


def test_the_citizens_own_contact_name_never_becomes_a_topic_word() -> None:
    # a given name the segmenter takes for a place
    assert "建国" in topic_words("建国反映小区暖气不热")
    words = topic_words("建国反映小区暖气不热", names=["王建国"])
    assert "建国" not in words and "暖气" in words


def test_gates_and_directions_stay_out_without_eating_the_topic_beside_them() -> None:
    words = topic_words("小区西门积水严重，南门路灯不亮，东方小区暖气不热")
    assert {"积水", "暖气"} <= set(words)
    assert not {"西门", "南门", "东方"} & set(words)
