"""Rebuild the derived data (counters, marks, hot topics, supporters, deflected answers and
the ranking snapshots) from the tables they are derived from, after a restore or a
migration left the stats table empty, stale or belonging to another moment.

One implementation: each appeal goes through the statistics consumers' own functions as
the stream record that inserted it would (``old`` nothing, ``new`` the appeal as it is
now): replaying a whole timeline adds what every record of it added, in the periods of
each event. Each support goes through the supports consumer's function, each helpful answer
into the counters the knowledge base writes.

- **Idempotent**: a run first deletes every derived item (keeping the stream consumers'
  dedup markers and the report log), then counts.
- **Resumable**: the checkpoint (a JSON file) names the run and the scan segments done; a
  run started again with it continues where it stopped, and each appeal, support or answer
  counts once within a run (its dedup marker is named for the run), even one of a segment
  cut off halfway.
- **Parallel**: each table is scanned in ``segments`` segments at once.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from chalicelib.core.config import settings
from chalicelib.core.domain import clock
from chalicelib.core.domain.periods import current_and_previous, periods_of_iso
from chalicelib.core.observability import logger
from chalicelib.core.services.activity import AppealChange
from chalicelib.core.store import reference
from chalicelib.figures.domain.statistics import KNOWLEDGE
from chalicelib.figures.services import rankings, statistics
from chalicelib.figures.store import derived
from chalicelib.figures.store import statistics as statistics_store

SEGMENTS = 4
# The steps of a run, in order; each but the first is one scan in segments.
STEPS = ("clear", "appeals", "supports", "helpful")


@dataclass
class Checkpoint:
    run: str
    segments: int
    done: dict[str, list[int]] = field(default_factory=dict)  # step -> segments done
    snapshot_periods: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    finished: bool = False

    def is_done(self, step: str, segment: int) -> bool:
        return segment in self.done.get(step, [])


class _Saved:
    """The checkpoint, written to its file (whole, then renamed) after every segment."""

    def __init__(self, path: Path | None, checkpoint: Checkpoint) -> None:
        self.path, self.checkpoint, self.lock = path, checkpoint, threading.Lock()

    def segment_done(self, step: str, segment: int, counts: Counter[str]) -> None:
        with self.lock:
            self.checkpoint.done.setdefault(step, []).append(segment)
            for name, n in counts.items():
                self.checkpoint.counts[name] = self.checkpoint.counts.get(name, 0) + n
            self.save()

    def save(self) -> None:
        if self.path is None:
            return
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(json.dumps(asdict(self.checkpoint), indent=2) + "\n", "utf-8")
        partial.replace(self.path)


def load_checkpoint(path: Path | None, segments: int) -> Checkpoint:
    """The unfinished run a checkpoint file names, or a new run."""
    if path is not None and path.exists():
        data = json.loads(path.read_text("utf-8"))
        if not data.get("finished"):
            return Checkpoint(**data)
    return Checkpoint(run=uuid.uuid4().hex[:12], segments=segments)


def _appeals(run: str, segment: int, total: int) -> Counter[str]:
    counts: Counter[str] = Counter()
    for page in derived.scan_segment(settings().appeals_table, segment, total):
        changes = [
            AppealChange(
                appeal_id=str(item["id"]),
                sequence=f"rebuild-{run}-{item['id']}",
                old=None,
                new=item,
            )
            for item in page
        ]
        failed = statistics.count_changes(changes)
        if failed:
            raise RuntimeError(f"{len(failed)} appeals could not be counted (first {failed[0]})")
        for change in changes:
            statistics.count_topics(change)
        counts["appeals"] += len(changes)
    return counts


def _supports(run: str, segment: int, total: int) -> Counter[str]:
    counts: Counter[str] = Counter()
    at = clock.iso(clock.now())
    for page in derived.scan_segment(settings().supports_table, segment, total):
        for item in page:
            appeal_id, citizen_id = str(item["appeal_id"]), str(item["citizen_id"])
            sequence = f"rebuild-{run}-{appeal_id}-{citizen_id}"
            derived.count_supporter("rebuild-supporters", sequence, appeal_id, at)
            statistics.count_support(appeal_id, citizen_id, str(item["at"]), sequence)
            counts["supports"] += 1
    return counts


def _helpful(run: str, segment: int, total: int) -> Counter[str]:
    counts: Counter[str] = Counter()
    if not settings().feature_on("knowledge") or not settings().knowledge_table:
        return counts
    at = clock.iso(clock.now())
    for page in derived.helpful_answers(segment, total):
        for item in page:
            key = str(item["sk"])
            sequence = f"rebuild-{run}-{item['pk']}-{key}"
            periods = periods_of_iso(str(item["at"]))
            derived.count_deflected("rebuild-deflected", sequence, KNOWLEDGE, key, periods, at)
            counts["helpful_answers"] += 1
    return counts


def _in_segments(saved: _Saved, step: str, work: Callable[[int, int], Counter[str]]) -> None:
    total = saved.checkpoint.segments

    def one(segment: int) -> None:
        if saved.checkpoint.is_done(step, segment):
            return
        counts = work(segment, total)
        saved.segment_done(step, segment, counts)

    with ThreadPoolExecutor(max_workers=total) as pool:
        for _ in pool.map(one, range(total)):
            pass


def rebuild(
    checkpoint_file: Path | None = None,
    segments: int = SEGMENTS,
    progress: Callable[[str], Any] = lambda _line: None,
) -> Checkpoint:
    """Recompute every derived figure; see the module's docstring. Returns the finished
    checkpoint (its counts say how many items each step read)."""
    checkpoint = load_checkpoint(checkpoint_file, segments)
    saved = _Saved(checkpoint_file, checkpoint)
    saved.save()
    run = checkpoint.run
    periods: set[str] = set(checkpoint.snapshot_periods)

    def clear(segment: int, total: int) -> Counter[str]:
        deleted, found = derived.clear_segment(segment, total)
        with saved.lock:
            periods.update(found)
            checkpoint.snapshot_periods = sorted(periods)
        return Counter({"derived_items_deleted": deleted})

    steps: dict[str, Callable[[int, int], Counter[str]]] = {
        "clear": clear,
        "appeals": lambda s, t: _appeals(run, s, t),
        "supports": lambda s, t: _supports(run, s, t),
        "helpful": lambda s, t: _helpful(run, s, t),
    }
    for step in STEPS:
        progress(f"{step}: {checkpoint.segments} segments")
        _in_segments(saved, step, steps[step])
    # The snapshots: those there were, and the ones the refresh keeps up to date.
    now = clock.now()
    departments = {d.id: d.name for d in reference.list_departments() if d.active}
    wanted = sorted(set(checkpoint.snapshot_periods) | set(current_and_previous(now)))
    for period in wanted:
        for name, snapshot in rankings.build_boards(period, departments).items():
            statistics_store.put_snapshot(period, name, snapshot, clock.iso(now))
    rankings.clear_cache()
    checkpoint.counts["snapshot_periods"] = len(wanted)
    checkpoint.finished = True
    saved.save()
    logger.info("derived data rebuilt", extra={"run": run, "counts": checkpoint.counts})
    return checkpoint
