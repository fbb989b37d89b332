"""``make package STAGE=prod``: the deployable template, zip and layer, with only the package
registry reachable (no AWS account or credentials).

1. A staging copy of the project holds what Lambda runs: ``app.py``, ``chalicelib/``
   without the local stack, the stage config, and ``vendor/`` with ``requirements.txt``
   installed for Lambda's platform, without what the Python runtime already provides.
2. ``chalice package`` turns it into a SAM template and ``deployment.zip``.
3. ``infra.template.assemble`` completes the template (tables, queues, bucket, pool,
   roles, stream mappings, alarms, authorizer).

    python -m infra.package prod build/prod
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# The Lambda Python runtime ships these (boto3 and what it needs); a copy in the zip would
# only add megabytes, and a different urllib3 than botocore was tested with.
RUNTIME_PROVIDED = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"}
)


# Packages only some functions import go into layers attached to those functions alone:
# the others neither carry nor load them. rjieba (the Chinese segmenter, 3.6 MB zipped) is
# used by the topics consumers and by knowledge-base search in the API; tantivy (the search
# index, 5.2 MB zipped, one abi3 wheel) by that search alone; openpyxl (0.3 MB zipped) by
# the export consumer alone.
@dataclass(frozen=True)
class Layer:
    id: str
    zip: str
    packages: tuple[str, ...]
    functions: tuple[str, ...]
    # The optional part the layer serves (None: the core).
    feature: str | None = None


LAYER_LIST = (
    Layer(
        "SegmenterLayer",
        "segmenter-layer.zip",
        ("rjieba",),
        ("AppealTopics", "SupportTopics", "APIHandler"),
    ),
    Layer("SearchLayer", "search-layer.zip", ("tantivy",), ("APIHandler",), feature="knowledge"),
    # openpyxl (with et-xmlfile) writes export files: the export consumer alone.
    Layer(
        "SpreadsheetLayer",
        "spreadsheet-layer.zip",
        ("openpyxl", "et-xmlfile"),
        ("BuildExports",),
    ),
)
LAYERS: dict[str, tuple[str, ...]] = {
    package: layer.functions for layer in LAYER_LIST for package in layer.packages
}
LAYER_ID = "SegmenterLayer"
LAYER_ZIP = "segmenter-layer.zip"

LAMBDA_PLATFORM = ["--platform", "manylinux2014_x86_64", "--platform", "manylinux_2_17_x86_64"]
PYTHON_VERSION = "3.11"
# Only for Chalice to import the app while packaging: the template sets every one of these
# from the stack's own resources.
PACKAGING_PLACEHOLDER = "set-by-the-stack"


def runtime_requirements() -> list[str]:
    """``requirements.txt`` without comments and without what the runtime provides."""
    wanted = []
    for line in (ROOT / "requirements.txt").read_text("utf-8").splitlines():
        spec = line.split("#", 1)[0].strip()
        if not spec:
            continue
        name = spec.split("==", 1)[0].split("[", 1)[0].strip().lower().replace("_", "-")
        if name not in RUNTIME_PROVIDED and name not in LAYERS:
            wanted.append(spec)
    return wanted


def layer_requirements(layer: Layer | None = None) -> list[str]:
    """The pinned requirements of one layer (of every layer without one)."""
    wanted = set(layer.packages) if layer else set(LAYERS)
    specs = []
    for line in (ROOT / "requirements.txt").read_text("utf-8").splitlines():
        spec = line.split("#", 1)[0].strip()
        if spec and spec.split("==", 1)[0].strip().lower() in wanted:
            specs.append(spec)
    return specs


def _pip_install(target: Path, specs: list[str]) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-compile",
            "--only-binary=:all:",
            *LAMBDA_PLATFORM,
            "--python-version",
            PYTHON_VERSION,
            "--implementation",
            "cp",
            "--target",
            str(target),
            *specs,
        ],
        check=True,
    )
    for junk in target.glob("bin"):
        shutil.rmtree(junk)


def build_layer(out_dir: Path, layer: Layer) -> Path:
    """A layer zip: Lambda puts a layer's ``python/`` folder on the import path."""
    root = out_dir / "layer"
    if root.exists():
        shutil.rmtree(root)
    _pip_install(root / "python", layer_requirements(layer))
    archive = shutil.make_archive(str(out_dir / layer.zip.removesuffix(".zip")), "zip", root)
    shutil.rmtree(root)
    return Path(archive)


def stage_project(staging: Path, dependencies: bool, stage: str = "prod") -> None:
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    shutil.copy2(ROOT / "app.py", staging / "app.py")
    shutil.copytree(
        ROOT / "chalicelib",
        staging / "chalicelib",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "local"),
    )
    (staging / ".chalice").mkdir()
    config = json.loads((ROOT / ".chalice" / "config.json").read_text("utf-8"))
    # Any stage name: a stage the config does not list is packaged as prod is.
    stage_config = copy.deepcopy(config["stages"].get(stage) or config["stages"]["prod"])
    stage_config["environment_variables"]["MINSHENG_STAGE"] = stage
    config["stages"][stage] = stage_config
    (staging / ".chalice" / "config.json").write_text(json.dumps(config, indent=2), "utf-8")
    # Chalice would resolve requirements itself and pull botocore in through pynamodb.
    (staging / "requirements.txt").write_text("", "utf-8")
    if dependencies:
        _pip_install(staging / "vendor", runtime_requirements())


def packaging_environment(stage: str) -> dict[str, str]:
    from chalicelib.core.config import deployed_fields, env_name

    env = {k: v for k, v in os.environ.items() if not k.startswith(("MINSHENG_", "AWS_ENDPOINT"))}
    env.update({env_name(f): f"{PACKAGING_PLACEHOLDER}-{f}" for f in deployed_fields()})
    env["MINSHENG_REPORT_SENDER"] = f"{PACKAGING_PLACEHOLDER}@example.invalid"
    env["MINSHENG_STAGE"] = stage
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # Chalice builds ARNs for the region; no call is made.
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    return env


def chalice_package(staging: Path, stage: str, out: Path) -> dict[str, Any]:
    chalice = Path(sys.executable).with_name("chalice")
    command = [str(chalice)] if chalice.exists() else [sys.executable, "-m", "chalice"]
    subprocess.run(
        [*command, "--project-dir", str(staging), "package", "--stage", stage, str(out)],
        check=True,
        env=packaging_environment(stage),
        stdout=subprocess.DEVNULL,
    )
    return dict(json.loads((out / "sam.json").read_text("utf-8")))


CORE_TEMPLATE = "core-template.json"
# The core without the user pool (Accounts=issuer decided): for a region without SES and
# without Cognito user pools, where everyone signs in at the district's own issuer.
ISSUER_TEMPLATE = "core-issuer-template.json"


def build(stage: str, out_dir: Path, dependencies: bool = True) -> Path:
    """Writes ``template.json`` (every optional part, each behind its parameter),
    ``core-template.json`` (the core alone: no resource of any part),
    ``core-issuer-template.json`` (the core without the user pool) and ``deployment.zip``
    into ``out_dir``; returns the full template's path."""
    from app import app
    from chalicelib.core.config import FEATURES
    from infra.template import assemble, without_pool

    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = out_dir / "project"
    chalice_out = out_dir / "chalice"
    stage_project(staging, dependencies, stage)
    if chalice_out.exists():
        shutil.rmtree(chalice_out)
    sam = chalice_package(staging, stage, chalice_out)
    if dependencies:
        for layer in LAYER_LIST:
            build_layer(out_dir, layer)
    path = out_dir / "template.json"
    for name, parts in (("template.json", frozenset(FEATURES)), (CORE_TEMPLATE, frozenset())):
        template = assemble(sam, stage, app, parts)
        add_layers(template, parts)
        (out_dir / name).write_text(
            json.dumps(template, indent=1, ensure_ascii=False) + "\n", "utf-8"
        )
        if name == CORE_TEMPLATE:
            (out_dir / ISSUER_TEMPLATE).write_text(
                json.dumps(without_pool(template), indent=1, ensure_ascii=False) + "\n", "utf-8"
            )
    shutil.move(str(chalice_out / "deployment.zip"), out_dir / "deployment.zip")
    shutil.rmtree(chalice_out)
    shutil.rmtree(staging)
    return path


def add_layers(template: dict[str, Any], parts: frozenset[str] | None = None) -> None:
    """The layer resources, and a reference to each on the functions that need it (a
    part's layer on its condition; none for a part the template leaves out)."""
    from infra.parts import Selection, mark, simplify

    selection = Selection(parts if parts is not None else frozenset())
    resources = template["Resources"]
    for layer in LAYER_LIST:
        if parts is not None and not selection.has(layer.feature):
            continue
        condition = selection.condition(layer.feature) if parts is not None else None
        resources[layer.id] = mark(
            {
                "Type": "AWS::Serverless::LayerVersion",
                "Properties": {
                    "Description": "Packages only some functions use: " + ", ".join(layer.packages),
                    "ContentUri": f"./{layer.zip}",
                    "CompatibleRuntimes": [f"python{PYTHON_VERSION}"],
                    "RetentionPolicy": "Delete",
                },
            },
            condition,
        )
        reference = {"Ref": layer.id}
        for function in layer.functions:
            resources[function]["Properties"].setdefault("Layers", []).append(
                selection.when(layer.feature, reference) if condition else reference
            )
    simplify(resources)


def stage_name(value: str) -> str:
    """A deployed stage's name as an argument (any name a stack may take), else an error."""
    from chalicelib.core.config import LOCAL_STAGES, STAGE_PATTERN

    if not STAGE_PATTERN.fullmatch(value) or value in LOCAL_STAGES:
        raise argparse.ArgumentTypeError(
            f"{value!r}: lower-case letters, digits and hyphens, starting with a letter, at "
            f"most 20 characters, not {' or '.join(sorted(LOCAL_STAGES))}"
        )
    return value


def _ensure_environment(stage: str) -> None:
    """This process imports the app to read its routes: give it the packaging values."""
    os.environ.update(packaging_environment(stage))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.package", description=__doc__)
    parser.add_argument("stage", type=stage_name, help="dev, prod or any other stage name")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument(
        "--no-dependencies",
        action="store_true",
        help="leave vendor/ empty (a template to lint; the zip cannot run)",
    )
    args = parser.parse_args(argv)
    _ensure_environment(args.stage)
    path = build(args.stage, args.out_dir, dependencies=not args.no_dependencies)
    size = (path.parent / "deployment.zip").stat().st_size
    print(f"template: {path} ({path.stat().st_size:,} bytes)")
    core = path.parent / CORE_TEMPLATE
    print(f"core:     {core} ({core.stat().st_size:,} bytes)")
    issuer = path.parent / ISSUER_TEMPLATE
    print(f"issuer:   {issuer} ({issuer.stat().st_size:,} bytes)")
    print(f"zip:      {path.parent / 'deployment.zip'} ({size / 1_000_000:.2f} MB)")
    for layer in LAYER_LIST:
        built = path.parent / layer.zip
        if built.exists():
            print(f"layer:    {built} ({built.stat().st_size / 1_000_000:.2f} MB, {layer.id})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
