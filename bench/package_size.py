"""Deployment zip: its size and its largest top-level packages (compressed and unpacked).
Builds the package for a stage unless given a zip.

    .venv/bin/python bench/package_size.py [--stage prod] [--zip build/prod/deployment.zip]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def top_level(path: Path) -> tuple[Counter[str], Counter[str]]:
    packed: Counter[str] = Counter()
    unpacked: Counter[str] = Counter()
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name = info.filename.split("/", 1)[0]
            packed[name] += info.compress_size
            unpacked[name] += info.file_size
    return packed, unpacked


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stage", default="prod", choices=["dev", "prod"])
    parser.add_argument("--zip", type=Path, help="measure this zip instead of building one")
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    if args.zip:
        path = args.zip
    else:
        from infra.package import _ensure_environment, build

        _ensure_environment(args.stage)
        out = Path(tempfile.mkdtemp(prefix="minsheng-package-"))
        path = build(args.stage, out).parent / "deployment.zip"
    packed, unpacked = top_level(path)
    print(f"deployment zip: {path.stat().st_size / 1e6:.2f} MB ({path})")
    print(f"unpacked:       {sum(unpacked.values()) / 1e6:.2f} MB")
    print(f"{'package':<32}{'zipped MB':>10}{'unpacked MB':>13}")
    for name, size in packed.most_common(args.top):
        print(f"{name:<32}{size / 1e6:>10.2f}{unpacked[name] / 1e6:>13.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
