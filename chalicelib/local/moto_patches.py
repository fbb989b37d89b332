"""Where moto behaves unlike AWS in a way the product relies on, the local stack corrects it.

DynamoDB applies each write's condition atomically. moto checks the condition and writes
the item in Python, with no lock, so two threads of the moto server can both pass the
same condition. Serialising DynamoDB calls restores the guarantee every optimistic-locking
write here depends on (two racing writers: one wins)."""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.RLock()
_applied = False


def serialise_dynamodb() -> None:
    global _applied
    if _applied:
        return
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.call_action

    def call_action(self: Any) -> Any:
        with _lock:
            return original(self)

    DynamoHandler.call_action = call_action  # type: ignore[method-assign]
    _applied = True
