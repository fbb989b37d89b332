"""The settings a deployed stack gives its functions, read back from the stack: for the
one-off commands (``infra.rebuild_derived``, ``infra.migrate_owner_keys``) that run the
app's own code against a stack from an operator's machine."""

from __future__ import annotations

import os
from typing import Any


def stack_environment(stack: dict[str, Any], stage: str) -> None:
    """The settings a function of ``stack`` (a describe_stacks answer) is given, as far as
    the rebuild reads them: every table name it outputs, the parts that are on and the
    district settings."""
    from chalicelib.core.config import (
        FEATURES_VARIABLE,
        MAILBOX_ADDRESS,
        REPORT_SENDER,
        deployed_fields,
        env_name,
        settings,
    )
    from infra.parts import PARTS
    from infra.template import DISTRICT_SETTINGS, output_name
    from infra.template import MAILBOX_ADDRESS as MAILBOX_PARAMETER
    from infra.template import REPORT_SENDER as SENDER_PARAMETER

    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack.get("Parameters", [])}
    os.environ["MINSHENG_STAGE"] = stage
    for field in deployed_fields():
        if output_name(field) in outputs:  # a part that is off outputs none of its own
            os.environ[env_name(field)] = outputs[output_name(field)]
    on = [f for f, part in PARTS.items() if parameters.get(part.parameter, "on") == "on"]
    os.environ[FEATURES_VARIABLE] = ",".join(on) or "none"
    for variable, parameter in (
        (REPORT_SENDER, SENDER_PARAMETER),
        (MAILBOX_ADDRESS, MAILBOX_PARAMETER),
    ):
        if parameters.get(parameter):
            os.environ[variable] = parameters[parameter]
    for parameter, (variable, _default, _text) in DISTRICT_SETTINGS.items():
        if parameters.get(parameter):
            os.environ[variable] = parameters[parameter]
    settings.cache_clear()
