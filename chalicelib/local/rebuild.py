"""``python -m chalicelib.local rebuild``: rebuild the derived data of the running local stack
from its tables, as ``python -m infra.rebuild_derived`` does for a deployed one (the same
code: chalicelib/figures/services/rebuild.py). The checkpoint is kept in the state
directory (``rebuild.json``)."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.local rebuild", description=__doc__)
    parser.add_argument("--state-dir", default=os.environ.get("STATE_DIR", ".local"))
    parser.add_argument("--segments", type=int, default=4, help="parallel scan segments")
    args = parser.parse_args(argv)
    state = Path(args.state_dir) / "stack.json"
    if not state.exists():
        print(f"No running local stack ({state} is missing): start it with 'make run'.")
        return 1
    stack = json.loads(state.read_text("utf-8"))
    from chalicelib.local.stack import PREFIX, _aws_environment

    _aws_environment(stack["aws_endpoint"])
    os.environ["MINSHENG_TABLE_PREFIX"] = PREFIX
    os.environ["MINSHENG_FEATURES"] = ",".join(stack["features"]) or "none"
    from chalicelib.core.config import settings

    settings.cache_clear()
    from chalicelib.figures.services import rebuild

    done = rebuild.rebuild(
        Path(args.state_dir) / "rebuild.json",
        args.segments,
        progress=lambda line: print(line, flush=True),
    )
    print(f"Rebuilt (run {done.run}):")
    for name, count in sorted(done.counts.items()):
        print(f"  {name}: {count}")
    print("The running stack serves the new figures within a minute (its boards' cache).")
    return 0
