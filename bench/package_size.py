"""Deployment zip: its size and its largest top-level packages (compressed and unpacked).
Builds the package for a stage unless given a zip.

    .venv/bin/python bench/package_size.py [--stage prod] [--zip build/prod/deployment.zip]
        [--json rows.json]
"""

from __future__ import annotations

import sys
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

from _harness import emit, parser, row

TARGET_MB = 6.0


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
    arguments = parser(__doc__)
    from infra.package import stage_name

    arguments.add_argument("--stage", default="prod", type=stage_name, help="any stage name")
    arguments.add_argument("--zip", type=Path, help="measure this zip instead of building one")
    arguments.add_argument("--top", type=int, default=12)
    args = arguments.parse_args()
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
    rows = [row("deployment zip", path.stat().st_size / 1e6, "MB", at_most=TARGET_MB)]
    layers = sorted(path.parent.glob("*-layer.zip"))
    for layer in layers:
        print(
            f"layer {layer.name}: {layer.stat().st_size / 1e6:.2f} MB (attached to its users only)"
        )
        rows.append(row(f"layer {layer.name}", layer.stat().st_size / 1e6, "MB", at_most=TARGET_MB))
    emit(rows, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
