"""The traffic simulator: a realistic month of appeals through the real services, with a
simulated clock, so rankings and reports have something true to show.

Appeals arrive by day and hour on the district's channels and kinds; the platform center
accepts, rejects, merges and dispatches them; departments keep different habits (fast, slow,
returning a lot, poorly rated); citizens rate or ask for rework; the SLA sweep and the
auto-close run on the simulated clock. It writes through the same code paths as the API, so
the DynamoDB stream carries every change for the statistics consumers.

    SIMULATE_DAYS=30 SIMULATE_PER_DAY=60 make run   (the local stack, filled first)
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.core.domain import clock
from chalicelib.core.domain.principal import Principal, Role
from chalicelib.core.errors import DomainError
from chalicelib.data import district

# One appeal in this many is an emergency the center transfers at once (即时转办).
TRANSFER_EVERY = 45
# 回访: the share of unrated replies the center calls back, and of calls that reach the
# citizen; 差评审核: the share of low ratings a leader excludes, and of those taken back.
CALLBACK_SHARE = 0.7
CALLBACK_REACHED = 0.6
REVIEW_SHARE = 0.4
TAKE_BACK_SHARE = 0.25
SATISFACTION_OF = {5: "satisfied", 4: "basically_satisfied", 3: "basically_satisfied"}
# Of the work orders signed, the share the center presses (催办) later, and the share a
# leader comments on (批示). Drawn from a generator of their own, so that adding them left
# the rest of a seeded month as it was.
URGE_SHARE = 0.12
COMMENT_SHARE = 0.06


@dataclass(frozen=True)
class Habit:
    name: str
    sign_minutes: tuple[float, float]  # uniform range after dispatch
    contact_minutes: tuple[float, float]  # after signing
    reply_share: tuple[float, float]  # share of the reply time used
    return_rate: float
    scores: tuple[int, ...]  # drawn uniformly
    extension_rate: float


HABITS = {
    "fast": Habit("fast", (2, 10), (3, 12), (0.1, 0.6), 0.02, (5, 5, 5, 4, 4, 3), 0.02),
    "slow": Habit("slow", (8, 40), (10, 45), (0.5, 1.4), 0.05, (4, 3, 3, 4, 2, 5), 0.10),
    "returns": Habit("returns", (3, 15), (5, 20), (0.2, 0.8), 0.35, (4, 4, 3, 5, 3), 0.03),
    "poorly_rated": Habit(
        "poorly_rated", (3, 14), (5, 20), (0.3, 0.9), 0.05, (1, 2, 2, 3, 1, 4), 0.03
    ),
}
CHANNELS = {
    "app": 40,
    "wechat": 22,
    "web": 8,
    "hotline": 25,
    "mailbox": 3,
    "deputy": 2,
    "open311": 2,
}
KINDS = {"complaint": 45, "consultation": 35, "help": 12, "suggestion": 8}
# Arrivals by hour of day (07:00–22:59), busiest mid-morning and early evening.
HOURS = {
    7: 2,
    8: 6,
    9: 10,
    10: 10,
    11: 8,
    12: 4,
    13: 5,
    14: 7,
    15: 7,
    16: 6,
    17: 5,
    18: 5,
    19: 6,
    20: 5,
    21: 3,
    22: 1,
}
PLACES = ("东门", "北区", "3号楼", "路口", "菜市场旁", "幼儿园附近", "公交站", "老旧小区")
PHRASES = (
    "已经持续一周",
    "影响出行",
    "多次反映未解决",
    "晚上尤其明显",
    "老人孩子不方便",
    "周末更严重",
    "物业说不归他们管",
    "打电话没人接",
    "雨天更麻烦",
    "邻居也有同感",
    "",
)


def _weighted(rng: random.Random, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass
class Summary:
    appeals: int = 0
    actions: Counter[str] | None = None
    refused: int = 0

    def __post_init__(self) -> None:
        self.actions = Counter()


class Simulation:
    def __init__(
        self,
        start: datetime,
        days: int,
        per_day: int,
        seed: int,
        sweep_minutes: int,
        progress: Callable[[int, Summary], None] | None = None,
    ) -> None:
        self.rng = random.Random(seed)
        self.extra = random.Random(seed + 1)  # urges, comments, call-backs and reviews
        self.progress = progress
        self.start = start
        self.end = start + timedelta(days=days)
        self.per_day = per_day
        self.sweep_minutes = sweep_minutes
        self.now = start
        self.queue: list[tuple[datetime, int, Callable[[], None]]] = []
        self.counter = itertools.count()
        self.summary = Summary()
        data = district()
        self.categories = data["categories"]
        self.units = [u["id"] for u in data["towns_and_streets"]]
        departments = [d["id"] for d in data["departments"]]
        habits = list(HABITS)
        self.habit = {
            unit: HABITS[habits[i % len(habits)]]
            for i, unit in enumerate(sorted([*departments, *self.units]))
        }
        self.citizens = [Principal(f"sim-citizen-{i:04d}", Role.CITIZEN) for i in range(400)]
        self.operator = Principal("sim-operator", Role.OPERATOR)
        self.leader = Principal("sim-leader", Role.LEADER)
        self.returns = 0  # returns so far: every third is sent back (a rejected dispute)
        self.triaged = 0  # appeals triaged so far: every TRANSFER_EVERY-th is transferred
        self.recent: list[str] = []
        self.due: list[datetime] = []  # sweep actions' times, soonest first (a heap)

    # --- plumbing -----------------------------------------------------------------------

    def at(self, moment: datetime, action: Callable[[], None]) -> None:
        if moment < self.end:
            heapq.heappush(self.queue, (moment, next(self.counter), action))

    def later(self, minutes: float, action: Callable[[], None]) -> None:
        self.at(self.now + timedelta(minutes=minutes), action)

    def staff(self, department_id: str) -> Principal:
        return Principal(f"sim-staff-{department_id}", Role.DEPARTMENT, department_id=department_id)

    def act(self, name: str, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            result = fn(*args)
        except DomainError:
            self.summary.refused += 1  # raced by another step (e.g. auto-close): fine
            return None
        assert self.summary.actions is not None
        self.summary.actions[name] += 1
        return result

    def run(self) -> Summary:
        from chalicelib.work_orders.services import closing, sla

        for day in range((self.end - self.start).days):
            base = self.start + timedelta(days=day)
            for _ in range(self.per_day):
                hour = _weighted(self.rng, HOURS)
                moment = base.replace(hour=hour, minute=0, second=0, microsecond=0) + timedelta(
                    seconds=self.rng.randrange(3600)
                )
                if self.start <= moment:
                    self.at(moment, self.submit)
        moment = self.start
        while moment < self.end:
            moment += timedelta(minutes=self.sweep_minutes)
            self.at(moment, lambda: self.sweep(sla.sweep))
            if moment.minute < self.sweep_minutes:  # hourly
                self.at(moment, lambda: self.act("auto_close", closing.close_unrated))
        clock.set_clock(lambda: self.now)
        restore = self.watch_deadlines()
        day = 0
        try:
            while self.queue:
                self.now, _, action = heapq.heappop(self.queue)
                while self.progress and self.now >= self.start + timedelta(days=day + 1):
                    day += 1
                    self.progress(day, self.summary)
                action()
        finally:
            restore()
            clock.set_clock(None)
        return self.summary

    def watch_deadlines(self) -> Callable[[], None]:
        """Note the time of every sweep action (a warning or an overdue mark) the appeals
        are written with, so that a sweep with nothing due can be skipped; returns what
        undoes it."""
        from chalicelib.core.store import appeals as appeal_store

        name = "next_open_deadline"  # what the appeals store derives ``next_due`` with
        original: Callable[[Any], tuple[str, str] | None] = getattr(appeal_store, name)

        def watched(appeal: Any) -> tuple[str, str] | None:
            found = original(appeal)
            if found is not None:
                heapq.heappush(self.due, clock.parse_iso(found[1]))
            return found

        setattr(appeal_store, name, watched)

        def restore() -> None:
            setattr(appeal_store, name, original)

        return restore

    def sweep(self, run: Callable[[], Any]) -> None:
        """The SLA sweep at its time, when any work order was written with a sweep action
        due by now (a sweep with none due reads the due index and writes nothing: skipping
        it changes no appeal, and spares the local month most of its seeding time)."""
        if not self.due or self.due[0] > self.now:
            assert self.summary.actions is not None
            self.summary.actions["sla_sweep_idle"] += 1
            return
        while self.due and self.due[0] <= self.now:
            heapq.heappop(self.due)
        self.act("sla_sweep", run)

    # --- the story of one appeal ------------------------------------------------------------

    def submit(self) -> None:
        from chalicelib.intake.services import intake
        from chalicelib.work_orders.services import dispatch

        category = self.rng.choice(self.categories)
        kind = _weighted(self.rng, KINDS)
        keyword = self.rng.choice(category["keywords"])
        place = self.rng.choice(PLACES)
        title = f"{place}{keyword}问题"
        other = self.rng.choice(category["keywords"])
        content = (
            f"{self.rng.choice(self.units_names())}{place}{keyword}的问题，"
            f"{other}也有情况，{self.rng.choice(PHRASES)}。"
        )
        citizen = self.rng.choice(self.citizens)
        request = {
            "kind": kind,
            "title": title,
            "content": content,
            "category": category["code"],
            "channel": _weighted(self.rng, CHANNELS),
            "is_public": self.rng.random() < 0.3,
            "contact": {"name": "市民", "phone": f"138{self.rng.randrange(10**8):08d}"},
        }
        appeal = self.act("submit", intake.record_appeal, citizen, request)
        if appeal is None:
            return
        self.summary.appeals += 1
        appeal_id = appeal.id
        self.recent = [*self.recent[-50:], appeal_id]
        if dispatch.auto_dispatch(appeal_id, category["code"]):
            self.after_dispatch(appeal_id, str(category["default_department"]), citizen)
        else:
            self.later(self.rng.uniform(3, 45), lambda: self.triage(appeal_id, category, citizen))

    def units_names(self) -> list[str]:
        return [u["name"] for u in district()["towns_and_streets"]]

    def triage(self, appeal_id: str, category: dict[str, Any], citizen: Principal) -> None:
        from chalicelib.work_orders.services import dispatch

        roll = self.rng.random()
        self.triaged += 1
        if self.triaged % TRANSFER_EVERY == 0:
            # 即时转办: an emergency handed on at once.
            self.act(
                "transfer",
                dispatch.transfer_appeal,
                self.operator,
                appeal_id,
                {"to": "110", "note": "属紧急警情，已即时转110"},
            )
            return
        if roll < 0.03:
            self.act(
                "reject",
                dispatch.reject_appeal,
                self.operator,
                appeal_id,
                {"reason": "不属于受理范围", "reason_code": "out_of_scope"},
            )
            return
        others = [a for a in self.recent if a != appeal_id]
        if roll < 0.05 and others:
            self.act(
                "merge",
                dispatch.merge_appeal,
                self.operator,
                appeal_id,
                {"into": self.rng.choice(others)},
            )
            return
        target = category.get("default_department") or self.rng.choice(self.units)
        self.dispatch(appeal_id, target, citizen)

    def dispatch(
        self, appeal_id: str, department_id: str, citizen: Principal, note: str | None = None
    ) -> None:
        from chalicelib.work_orders.services import dispatch

        if (
            self.act(
                "dispatch",
                dispatch.dispatch_appeal,
                self.operator,
                appeal_id,
                {"department_id": department_id} | ({"note": note} if note else {}),
            )
            is not None
        ):
            self.after_dispatch(appeal_id, department_id, citizen)

    def after_dispatch(self, appeal_id: str, department_id: str, citizen: Principal) -> None:
        habit = self.habit[department_id]
        self.later(
            self.rng.uniform(*habit.sign_minutes),
            lambda: self.sign(appeal_id, department_id, citizen),
        )

    def sign(self, appeal_id: str, department_id: str, citizen: Principal) -> None:
        from chalicelib.work_orders.services import department_actions as actions

        staff, habit = self.staff(department_id), self.habit[department_id]
        if self.rng.random() < habit.return_rate:
            other = self.rng.choice([u for u in self.habit if u != department_id])
            if (
                self.act(
                    "return",
                    actions.return_work_order,
                    staff,
                    appeal_id,
                    # 派单异议 naming the unit the department holds responsible.
                    {"reason": "不属于本单位职责", "responsible": other},
                )
                is not None
            ):
                # 派单异议: the center upholds two returns in three (another department) and
                # rejects the third (back to the same one, saying why).
                self.returns += 1
                rejected = self.returns % 3 == 0
                target = department_id if rejected else other
                note = "经核实属本单位职责，请继续办理" if rejected else None
                self.later(
                    self.rng.uniform(20, 120),
                    lambda: self.dispatch(appeal_id, target, citizen, note),
                )
            return
        if self.act("sign", actions.sign_work_order, staff, appeal_id, {}) is None:
            return
        self.press(appeal_id)
        self.later(
            self.rng.uniform(*habit.contact_minutes),
            lambda: self.contact(appeal_id, department_id, citizen),
        )

    def press(self, appeal_id: str) -> None:
        """The center's 催办 some hours into a signed order, a leader's comment (批示): each
        refused, and counted so, once the order is answered."""
        from chalicelib.work_orders.services import dispatch, leaders

        if self.extra.random() < URGE_SHARE:
            self.later(
                self.extra.uniform(4 * 60, 72 * 60),
                lambda: self.act(
                    "urge", dispatch.urge_appeal, self.operator, appeal_id, {"note": "请加快办理"}
                ),
            )
        if self.extra.random() < COMMENT_SHARE:
            self.later(
                self.extra.uniform(60, 48 * 60),
                lambda: self.act(
                    "comment",
                    leaders.comment_on_appeal,
                    self.leader,
                    appeal_id,
                    {"text": "请相关单位高度重视，尽快解决群众诉求。"},
                ),
            )

    def contact(self, appeal_id: str, department_id: str, citizen: Principal) -> None:
        from chalicelib.work_orders.services import department_actions as actions
        from chalicelib.work_orders.services import dispatch

        staff, habit = self.staff(department_id), self.habit[department_id]
        # The appeal as written (its reply deadline): no second read.
        appeal = self.act(
            "contact",
            actions.record_contact,
            staff,
            appeal_id,
            {"method": self.rng.choice(["phone", "phone", "visit", "sms"])},
        )
        if appeal is None:
            return
        if self.rng.random() < habit.extension_rate:
            self.act(
                "extension",
                actions.request_extension,
                staff,
                appeal_id,
                {"days": self.rng.randint(1, 3), "reason": "需协调多部门"},
            )
            self.later(
                self.rng.uniform(30, 240),
                lambda: self.act(
                    "extension_decision",
                    dispatch.decide_extension,
                    self.operator,
                    appeal_id,
                    {"approve": self.rng.random() < 0.8},
                ),
            )
        window = (clock.parse_iso(appeal.deadlines["reply_due"]) - self.now).total_seconds()
        delay = max(10.0, window * self.rng.uniform(*habit.reply_share) / 60)
        title = appeal.title
        self.later(delay, lambda: self.reply(appeal_id, department_id, citizen, title))

    def reply(
        self, appeal_id: str, department_id: str, citizen: Principal, title: str = ""
    ) -> None:
        from chalicelib.work_orders.services import department_actions as actions

        staff = self.staff(department_id)
        done = self.act(
            "reply",
            actions.reply_to_appeal,
            staff,
            appeal_id,
            {
                # About the appeal itself (the reply check flags a stock answer).
                "content": f"经核实，您反映的“{title}”已安排人员现场处理，问题已解决。",
                "handler_name": "经办人",
                "handler_phone": "05335180000",
                "public_reply": "已处理完毕。",
            },
        )
        if done is None:
            return
        if self.rng.random() > 0.85:
            # Unrated: mostly called back by the center, else the hourly auto-close takes
            # it after 7 days
            if self.extra.random() < CALLBACK_SHARE:
                self.later(
                    self.extra.uniform(60, 48 * 60),
                    lambda: self.call_back(appeal_id, department_id, citizen, 1),
                )
            return
        self.later(
            self.rng.uniform(30, 72 * 60), lambda: self.rate(appeal_id, department_id, citizen)
        )

    def rate(self, appeal_id: str, department_id: str, citizen: Principal) -> None:
        from chalicelib.work_orders.services import rating

        score = self.rng.choice(self.habit[department_id].scores)
        rework = score <= 2 and self.rng.random() < 0.5
        result = self.act(
            "rework" if rework else "rate",
            rating.rate_appeal,
            citizen,
            appeal_id,
            {"score": score, "resolved": score >= 3, "rework": rework},
        )
        if result is not None and rework:
            self.after_dispatch(appeal_id, department_id, citizen)
        elif result is not None and score <= 2 and self.extra.random() < REVIEW_SHARE:
            self.later(self.extra.uniform(60, 5 * 24 * 60), lambda: self.review(appeal_id))

    def call_back(self, appeal_id: str, department_id: str, citizen: Principal, n: int) -> None:
        """回访: up to three calls; the answer reached is the rating (rework when
        dissatisfied, sometimes)."""
        from chalicelib.work_orders.services import callbacks

        if self.extra.random() >= CALLBACK_REACHED:
            done = self.act(
                "callback_missed",
                callbacks.callback_appeal,
                self.operator,
                appeal_id,
                {"reached": False, "note": "无人接听"},
            )
            if done is not None and n < 3:
                self.later(
                    self.extra.uniform(60, 24 * 60),
                    lambda: self.call_back(appeal_id, department_id, citizen, n + 1),
                )
            return
        score = self.extra.choice(self.habit[department_id].scores)
        satisfaction = SATISFACTION_OF.get(score, "dissatisfied")
        rework = satisfaction == "dissatisfied" and self.extra.random() < 0.3
        result = self.act(
            "callback_rework" if rework else "callback",
            callbacks.callback_appeal,
            self.operator,
            appeal_id,
            {
                "reached": True,
                "resolved": score >= 3,
                "satisfaction": satisfaction,
                "rework": rework,
            },
        )
        if result is not None and rework:
            self.after_dispatch(appeal_id, department_id, citizen)

    def review(self, appeal_id: str) -> None:
        """差评审核: a leader excludes a low rating; now and then takes that back."""
        from chalicelib.work_orders.services import callbacks

        reason = {"exclude": True, "reason": "评价针对政策本身，非承办单位职权"}
        done = self.act("review", callbacks.review_rating, self.leader, appeal_id, reason)
        if done is not None and self.extra.random() < TAKE_BACK_SHARE:
            undo = {"exclude": False, "reason": "经复核，评价涉及办理态度"}
            self.later(
                self.extra.uniform(60, 24 * 60),
                lambda: self.act(
                    "review_taken_back", callbacks.review_rating, self.leader, appeal_id, undo
                ),
            )


def simulate(
    end: datetime,
    days: int = 30,
    per_day: int = 200,
    seed: int = 12345,
    sweep_minutes: int = 15,
    progress: Callable[[int, Summary], None] | None = None,
) -> Summary:
    """Fill the configured stack with ``days`` of traffic ending at ``end``; ``progress``
    is told each simulated day that is over (its number from 1) and the summary so far."""
    start = (end - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    simulation = Simulation(start, days, per_day, seed, sweep_minutes, progress)
    simulation.end = end
    return simulation.run()
