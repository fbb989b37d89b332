"""The reply quality check (答复质量): what a department is warned of before it sends a
reply. Advisory: a flagged reply can still be sent; the flags are kept on the reply's event
and counted for the center.

- ``unrelated``: the reply takes up too few of the appeal's words. The appeal's content
  words (segmented, no stop words, no names or numbers: the topic words) are looked for in
  the reply's text, each found whole or by one of its two-character parts (残疾证 is
  answered by 残疾人证); the share found below ``UNRELATED_BELOW`` flags the reply, unless
  the reply names its category's own terms (its keywords, the words of its name): citizens
  write 社保 and 摆摊 where the answer says 社会保险 and 占道经营. ``bench/reply_check.py``
  measured the threshold on the demo data (the knowledge base's questions against their own
  answers, against other categories' answers and against the simulator's stock reply).
- ``no_policy_reference``: a consultation (咨询) in a category that asks for one
  (``policy_reference`` in the reference data) answered without naming a policy: a
  《title》, an article (第…条), a document number (〔2024〕12号) or a knowledge-base article.
Pure: no AWS, no settings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from chalicelib.core.domain.records import frozen

UNRELATED_BELOW = 0.2
# An appeal with fewer content words than this says too little to judge a reply by.
MIN_APPEAL_WORDS = 2

UNRELATED = "unrelated"
NO_POLICY_REFERENCE = "no_policy_reference"
FLAGS = (UNRELATED, NO_POLICY_REFERENCE)
MESSAGES = {
    UNRELATED: "答复与诉求内容几乎没有共同的词语，请确认是否针对群众反映的问题作答",
    NO_POLICY_REFERENCE: "咨询类答复未引用政策依据（政策文件名称、条款、文号或知识库文章）",
}


@cache
def _policy() -> re.Pattern[str]:
    """Compiled on the first reply checked (about a millisecond): the department's other
    requests never pay for it."""
    return re.compile(
        r"《[^》]{2,}》"  # a title: 《淄博市城乡居民基本医疗保险实施办法》
        r"|第[一二三四五六七八九十百千零〇两\d]+条"  # an article: 第十二条
        r"|[〔\[［(（]\s*\d{4}\s*[〕\]］)）]\s*\d+\s*号"  # a document number: 〔2024〕12号
        r"|\bkb-[a-z0-9-]+"  # a knowledge-base article's id
        r"|/knowledge/articles/"  # or its link
    )


def has_policy_reference(text: str) -> bool:
    return bool(_policy().search(text or ""))


def _found(word: str, reply: str) -> bool:
    if word in reply:
        return True
    return len(word) > 2 and any(word[i : i + 2] in reply for i in range(len(word) - 1))


def overlap(appeal_words: Sequence[str], reply: str) -> float | None:
    """The share of the appeal's content words the reply takes up; None when the appeal has
    too few to judge by."""
    words = list(dict.fromkeys(appeal_words))
    if len(words) < MIN_APPEAL_WORDS:
        return None
    return sum(_found(w, reply) for w in words) / len(words)


@frozen
class Check:
    score: float | None
    flags: tuple[str, ...]
    policy_reference_required: bool

    def to_dict(self) -> dict[str, object]:
        return {
            "flags": [{"code": f, "message": MESSAGES[f]} for f in self.flags],
            "score": None if self.score is None else round(self.score, 3),
            "threshold": UNRELATED_BELOW,
            "policy_reference_required": self.policy_reference_required,
        }


def check(
    appeal_words: Sequence[str],
    reply: str,
    *,
    category_words: Sequence[str] = (),
    consultation: bool,
    policy: bool,
) -> Check:
    """The flags a reply earns (see the module): ``appeal_words`` the appeal's content
    words, ``reply`` the reply's text (its public text too), ``category_words`` the terms of
    the appeal's category, ``policy`` whether the category asks consultations for a policy
    reference."""
    score = overlap(appeal_words, reply)
    flags: list[str] = []
    on_topic = any(len(w) >= 2 and w in reply for w in category_words)
    if score is not None and score < UNRELATED_BELOW and not on_topic:
        flags.append(UNRELATED)
    required = consultation and policy
    if required and not has_policy_reference(reply):
        flags.append(NO_POLICY_REFERENCE)
    return Check(score, tuple(flags), required)
