"""SQS as the notifications use it: batches of ten, visibility as the retry clock, the
dead-letter queue moved back on request."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from chalicelib.core.integrations.aws import client

BATCH = 10  # SendMessageBatch and ReceiveMessage take ten at most


class QueueWriteFailed(RuntimeError):
    """Some messages of a batch were not accepted (the caller retries them all)."""


def send_all(queue_url: str, messages: Iterable[dict[str, Any]]) -> int:
    """Send every message (``id`` is each entry's id in its batch); raises when SQS refused
    any of them. Returns how many were sent."""
    sqs = client("sqs")
    pending = list(messages)
    sent = 0
    for start in range(0, len(pending), BATCH):
        chunk = pending[start : start + BATCH]
        entries = [
            {"Id": str(i), "MessageBody": json.dumps(m, ensure_ascii=False, sort_keys=True)}
            for i, m in enumerate(chunk)
        ]
        result = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        failed = result.get("Failed") or []
        if failed:
            raise QueueWriteFailed(f"{len(failed)} of {len(entries)} messages refused: {failed[0]}")
        sent += len(entries)
    return sent


def send_each(queue_url: str, messages: list[dict[str, Any]]) -> set[int]:
    """Send every message, ten a call; the positions of those SQS did not accept (every
    one of a call that failed), for the caller to retry."""
    sqs = client("sqs")
    refused: set[int] = set()
    for start in range(0, len(messages), BATCH):
        chunk = messages[start : start + BATCH]
        entries = [
            {"Id": str(i), "MessageBody": json.dumps(m, ensure_ascii=False, sort_keys=True)}
            for i, m in enumerate(chunk)
        ]
        try:
            result = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        except Exception:
            refused.update(range(start, start + len(chunk)))
            continue
        refused.update(start + int(f["Id"]) for f in result.get("Failed") or [])
    return refused


def hide_for(queue_url: str, receipt_handle: str, seconds: int) -> None:
    """Keep a received message out of sight for ``seconds``: when it is tried again."""
    client("sqs").change_message_visibility(
        QueueUrl=queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
    )


def move_all(
    source_url: str,
    target_url: str,
    limit: int,
    keep: Callable[[dict[str, Any]], bool] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Move up to ``limit`` messages from one queue to another (the dead-letter queue back
    to its source); each is sent before it is deleted, so none is lost. A message ``keep``
    refuses stays where it is (seen again once its visibility timeout ends). Returns the
    bodies moved and those left."""
    sqs = client("sqs")
    moved: list[dict[str, Any]] = []
    left: list[dict[str, Any]] = []
    while len(moved) + len(left) < limit:
        received = sqs.receive_message(
            QueueUrl=source_url,
            MaxNumberOfMessages=min(BATCH, limit - len(moved) - len(left)),
            VisibilityTimeout=60,
            WaitTimeSeconds=0,
        ).get("Messages", [])
        if not received:
            break
        going = []
        for message in received:
            body = json.loads(message["Body"])
            if keep is None or keep(body):
                going.append((message, body))
            else:
                left.append(body)
        if not going:
            continue
        send_all(target_url, [b for _, b in going])
        sqs.delete_message_batch(
            QueueUrl=source_url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, (m, _) in enumerate(going)
            ],
        )
        moved += [b for _, b in going]
    return moved, left
