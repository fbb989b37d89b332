"""``python -m chalicelib.local mail FILE.eml``: a letter to the mayor's mailbox of the running
local stack, stored in its inbox bucket as it is. The bucket announces it on the mailbox
queue and the event pump hands it to the app; the acknowledgement lands in the outbox.

The file is the letter as SES stores it, with the headers SES adds on top (its spam and
virus verdicts, and ``Authentication-Results: amazonses.com; …`` with SPF, DKIM and DMARC):
the app believes the sender only when they vouch for it, here as deployed. A letter
without them is set aside for an operator as ``unverified-sender``.
``chalicelib/local/sample_letter.eml`` passes; ``sample_letter_unverified.eml`` (the same
sender's name, sent from elsewhere: DMARC fails) is set aside."""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.local mail", description=__doc__)
    parser.add_argument(
        "files", nargs="+", type=Path, help="raw messages (.eml) as SES stores them"
    )
    parser.add_argument("--state-dir", default=os.environ.get("STATE_DIR", ".local"))
    args = parser.parse_args(argv)
    state = Path(args.state_dir) / "stack.json"
    if not state.exists():
        print(f"No running local stack ({state} is missing): start it with 'make run'.")
        return 1
    stack = json.loads(state.read_text("utf-8"))
    if "inbox_bucket" not in stack:
        print("The running local stack has no mailbox: restart it with 'make run'.")
        return 1

    import boto3
    from botocore.config import Config

    from chalicelib.channels.mailbox.integrations.mailbox import INBOX_PREFIX

    s3 = boto3.client(
        "s3",
        endpoint_url=stack["aws_endpoint"],
        region_name=stack["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(account_id_endpoint_mode="disabled"),
    )
    for path in args.files:
        if not path.is_file():
            print(f"{path}: no such file", file=sys.stderr)
            return 1
        key = f"{INBOX_PREFIX}{uuid.uuid4().hex}"
        s3.put_object(Bucket=stack["inbox_bucket"], Key=key, Body=path.read_bytes())
        print(f"{path} -> s3://{stack['inbox_bucket']}/{key} (to {stack['mailbox_address']})")
    print(f"Answers are written to {stack['outbox_dir']}; flagged letters: GET /mailbox/messages")
    return 0
