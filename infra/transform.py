"""The packaged template as CloudFormation reads it, and CloudFormation's limits on it.

``aws cloudformation package`` uploads ``deployment.zip`` and the layers to the artifacts
bucket and writes their ``s3://`` addresses into the template; CloudFormation then runs the
SAM transform (``AWS::Serverless-2016-10-31``) and creates what it expands to. ``packaged``
does the first step without uploading, ``expand`` the second with the same translator
(aws-sam-translator), so the tests and ``make package`` can see the resources and sizes a
real deployment meets.

    python -m infra.transform build/prod/template.json build/prod/core-template.json
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
MAX_RESOURCES = 500
MAX_TEMPLATE_BYTES_IN_REQUEST = 51_200  # a template passed inline, without --s3-bucket
MAX_TEMPLATE_BYTES_IN_S3 = 1_000_000  # a template CloudFormation reads from S3
MAX_PARAMETERS = 200
MAX_OUTPUTS = 200
MAX_MAPPINGS = 200

ARTIFACTS_BUCKET = "artifacts-bucket"
_LOCAL_URIS = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
}


def packaged(template: dict[str, Any], bucket: str = ARTIFACTS_BUCKET) -> dict[str, Any]:
    """``template`` with each local artifact (``./deployment.zip``, the layers' zips) at an
    ``s3://`` address, as ``aws cloudformation package --s3-bucket`` writes it."""
    result = copy.deepcopy(template)
    for name, resource in result["Resources"].items():
        prop = _LOCAL_URIS.get(resource["Type"])
        uri = resource.get("Properties", {}).get(prop) if prop else None
        if isinstance(uri, str) and not uri.startswith("s3://"):
            resource["Properties"][prop] = f"s3://{bucket}/{name}/{Path(uri).name}"
    return result


def expand(template: dict[str, Any], region: str = "us-east-1") -> dict[str, Any]:
    """The SAM transform of a packaged template (no AWS call: managed policies are not
    looked up, and the template names none)."""
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    class NoManagedPolicies:
        def load(self) -> dict[str, str]:
            return {}

    translator = Translator(
        NoManagedPolicies(), Parser(), boto_session=boto3.Session(region_name=region)
    )
    return dict(translator.translate(copy.deepcopy(template), parameter_values={}))


def size(template: dict[str, Any]) -> int:
    """Bytes of the template as ``aws cloudformation package`` writes it (JSON, indented
    as the CLI does: the figure CloudFormation's limits are measured against)."""
    return len(json.dumps(template, indent=4, ensure_ascii=False).encode("utf-8"))


@dataclass(frozen=True)
class Figures:
    packaged_bytes: int
    expanded_bytes: int
    resources: int
    parameters: int
    outputs: int

    def problems(self) -> list[str]:
        """What CloudFormation would refuse (with the template uploaded to S3, as the
        deploy commands do it)."""
        found = []
        if self.resources > MAX_RESOURCES:
            found.append(f"{self.resources} resources (CloudFormation allows {MAX_RESOURCES})")
        for label, value in (("packaged", self.packaged_bytes), ("expanded", self.expanded_bytes)):
            if value > MAX_TEMPLATE_BYTES_IN_S3:
                found.append(f"{label} template {value} bytes (at most {MAX_TEMPLATE_BYTES_IN_S3})")
        if self.parameters > MAX_PARAMETERS:
            found.append(f"{self.parameters} parameters (at most {MAX_PARAMETERS})")
        if self.outputs > MAX_OUTPUTS:
            found.append(f"{self.outputs} outputs (at most {MAX_OUTPUTS})")
        return found


def figures(template: dict[str, Any]) -> tuple[Figures, dict[str, Any]]:
    """The sizes and counts of ``template`` once packaged and expanded, and the expansion."""
    ready = packaged(template)
    expanded = expand(ready)
    return (
        Figures(
            packaged_bytes=size(ready),
            expanded_bytes=size(expanded),
            resources=len(expanded["Resources"]),
            parameters=len(expanded.get("Parameters", {})),
            outputs=len(expanded.get("Outputs", {})),
        ),
        expanded,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.transform", description=__doc__)
    parser.add_argument("templates", nargs="+", type=Path)
    parser.add_argument("--write", action="store_true", help="write <name>.expanded.json beside")
    args = parser.parse_args(argv)
    failed = False
    for path in args.templates:
        counted, expanded = figures(json.loads(path.read_text("utf-8")))
        print(
            f"{path}: {path.stat().st_size:,} bytes as built, {counted.packaged_bytes:,} packaged, "
            f"{counted.expanded_bytes:,} after the SAM transform; {counted.resources} resources "
            f"(limit {MAX_RESOURCES}), {counted.parameters} parameters, {counted.outputs} outputs"
        )
        if args.write:
            out = path.with_suffix(".expanded.json")
            out.write_text(json.dumps(expanded, indent=1, ensure_ascii=False) + "\n", "utf-8")
        for problem in counted.problems():
            print(f"  over CloudFormation's limit: {problem}", file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
