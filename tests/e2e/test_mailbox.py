"""The mayor's mailbox on the running local stack, as a person tries it from the README:
``python -m chalicelib.local mail`` stores the sample letter in the inbox bucket, S3 announces
it on the mailbox queue, the pump hands it to the app; the answer is in the outbox and the
appeal, with its photo, is in the operator's queue. The samples are letters as SES stores
them: the one SES verified is answered, the one it did not is set aside unanswered."""

from __future__ import annotations

import subprocess
import sys
import time
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import ROOT, RunningStack, wait_seconds

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local-stack")]

SAMPLE = ROOT / "chalicelib" / "local" / "sample_letter.eml"
UNVERIFIED = ROOT / "chalicelib" / "local" / "sample_letter_unverified.eml"


def post_letter(local_stack: RunningStack, path: Path) -> None:
    posted = subprocess.run(
        [sys.executable, "-m", "chalicelib.local", "mail", str(path), "--state-dir",
         str(local_stack.state_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=wait_seconds(60),
    )  # fmt: skip
    assert posted.returncode == 0, posted.stdout + posted.stderr


def test_a_letter_sent_to_the_local_stack_becomes_an_appeal_and_is_answered(
    local_stack: RunningStack,
) -> None:
    outbox = Path(local_stack.info["outbox_dir"])
    before = set(outbox.glob("mailbox-*.eml"))
    # When the sample letter is posted as the README says
    post_letter(local_stack, SAMPLE)
    # Then an answer with the case number arrives in the outbox
    deadline = time.monotonic() + wait_seconds(30)
    answers: set[Path] = set()
    while time.monotonic() < deadline and not answers:
        answers = set(outbox.glob("mailbox-*.eml")) - before
        time.sleep(0.3)
    assert answers, local_stack.events()[-5:]
    answer = message_from_bytes(next(iter(answers)).read_bytes(), policy=policy.default)
    subject = str(answer["Subject"])
    assert subject.startswith("Re: 般阳路东段下水道堵塞 [诉求编号 ")
    appeal_id = subject.rsplit(" ", 1)[-1].rstrip("]")
    assert answer["In-Reply-To"] == "<sample-letter-0001@example.com>"
    # And the operator reads the appeal with its photo
    operator = {"Authorization": f"Bearer {local_stack.sign_in('operator1')}"}
    shown = requests.get(
        f"{local_stack.api}/appeals/{appeal_id}", headers=operator, timeout=wait_seconds(10)
    )
    assert shown.status_code == 200, shown.text
    appeal = shown.json()
    assert appeal["channel"] == "mailbox" and appeal["contact"]["phone"] == "+8613812345678"
    (photo,) = appeal["photos"]
    assert requests.get(photo["url"], timeout=wait_seconds(10)).content.startswith(b"\x89PNG")


def test_a_letter_ses_did_not_verify_is_set_aside_unanswered(local_stack: RunningStack) -> None:
    outbox = Path(local_stack.info["outbox_dir"])
    before = set(outbox.glob("mailbox-*.eml"))
    operator = {"Authorization": f"Bearer {local_stack.sign_in('operator1')}"}
    # When the unverified sample (the sample sender's name, DMARC failing) is posted
    post_letter(local_stack, UNVERIFIED)
    # Then the center's list shows it set aside, with the reason
    deadline = time.monotonic() + wait_seconds(30)
    found: list[dict[str, str]] = []
    while time.monotonic() < deadline and not found:
        listed = requests.get(
            f"{local_stack.api}/mailbox/messages", headers=operator, timeout=wait_seconds(10)
        )
        assert listed.status_code == 200, listed.text
        found = [i for i in listed.json()["items"] if i["id"] == "sample-letter-0002@evil.example"]
        time.sleep(0.3)
    assert found, local_stack.events()[-5:]
    assert found[0]["reason"] == "unverified-sender" and found[0]["appeal_id"] is None
    # And nobody was answered
    assert set(outbox.glob("mailbox-*.eml")) == before
