"""Where moto behaves unlike AWS in a way the product relies on, the local stack corrects it.

DynamoDB applies each write's condition atomically. moto checks the condition and writes
the item in Python, with no lock, so two threads of the moto server can both pass the
same condition. Serialising DynamoDB calls restores the guarantee every optimistic-locking
write here depends on (two racing writers: one wins). Stream reads take the same lock: a
transaction that fails puts back the stream records it wrote, and no reader sees them in
between."""

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
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    for handler in (DynamoHandler, DynamoDBStreamsHandler):
        handler.call_action = _serialised(handler.call_action)  # type: ignore[method-assign]
    _applied = True


def _serialised(original: Any) -> Any:
    def call_action(self: Any) -> Any:
        with _lock:
            return original(self)

    return call_action


def atomic_transactions() -> None:
    """moto applies a TransactWriteItems one operation at a time and, to roll back, deep
    copies every table it names, once per transaction: the cost grows with the table, and
    a counter table grows with every stream record. This takes moto's very steps, in its
    order and with its errors, and keeps only what undoing them needs: each named item as
    it was (a copy for an update, which changes the item in place), where a deleted item
    stood, and how long each table's stream was. Any failure (a condition, a validation
    error, an item too large, two operations on one item, anything raised) puts those
    back: all or nothing, as moto's copies do (and also after an entry of two operations,
    where moto keeps what the entries before it wrote), at the cost of the items named.
    tests/unit/test_moto_patches.py runs generated transactions through both."""
    from moto.dynamodb.models import DynamoDBBackend

    original = DynamoDBBackend.transact_write_items
    if getattr(original, "_minsheng", False):
        return

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        _transact_write_items(self, transact_items)

    transact_write_items._minsheng = True  # type: ignore[attr-defined]
    transact_write_items.original = original  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


class _Undo:
    """What a transaction changed, to put back: items (newest last) and stream lengths."""

    def __init__(self) -> None:
        # (container, key, the item before or None, the container's keys before a delete)
        self.items: list[tuple[dict[Any, Any], Any, Any, list[Any] | None]] = []
        self.streams: dict[int, tuple[Any, list[Any], int]] = {}

    def stream(self, table: Any) -> None:
        shard = table.stream_shard
        if shard is not None and id(shard) not in self.streams:
            self.streams[id(shard)] = (shard, shard.items, len(shard.items))

    def item(self, table: Any, hash_value: Any, range_value: Any, op_type: str) -> None:
        import copy

        container: dict[Any, Any] = table.items
        key = hash_value
        if table.range_key_attr is not None:
            if hash_value not in container:  # a read creates the partition's dict
                self.items.append((container, hash_value, None, None))
            container = container[hash_value]
            key = range_value
        before = container.get(key)
        order = list(container) if before is not None and op_type == "Delete" else None
        if before is not None and op_type == "Update":  # moto updates the item in place
            before = copy.deepcopy(before)
        self.items.append((container, key, before, order))

    def rollback(self) -> None:
        for container, key, before, order in reversed(self.items):
            if before is None:
                container.pop(key, None)
            elif order is None or key in container:
                container[key] = before
            else:  # deleted: back where it stood
                restored = {k: before if k == key else container[k] for k in order}
                container.clear()
                container.update(restored)
        for shard, records, length in self.streams.values():
            del records[length:]
            shard.items = records


def _transact_write_items(backend: Any, transact_items: list[dict[str, Any]]) -> None:
    """moto 5.2.5's ``DynamoDBBackend.transact_write_items``, step for step, with an
    :class:`_Undo` in place of its table copies."""
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    undo = _Undo()
    for entry in transact_items:
        _, op = next(iter(entry.items()))
        table_name = op.get("TableName")
        if table_name and table_name in backend.tables:
            undo.stream(backend.tables[table_name])
    target_items: set[tuple[str, str]] = set()
    errors: list[tuple[Any, Any, Any]] = []  # (Code, Message, Item)
    try:
        for entry in transact_items:
            original_item: dict[str, Any] | None = None
            if len(list(entry.keys())) > 1:
                raise TransactWriteSingleOpException
            try:
                op_type, op = next(iter(entry.items()))
                if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                    raise ValueError("Unsupported transaction operation")
                table_name = op["TableName"]
                condition = op.get("ConditionExpression")
                names = op.get("ExpressionAttributeNames")
                values = op.get("ExpressionAttributeValues")
                if op_type == "Put":
                    attrs = op["Item"]
                    table = backend.get_table(table_name)
                    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                    if table.range_key_attr is not None:
                        key[table.range_key_attr] = attrs[table.range_key_attr]
                else:
                    key = op["Key"]
                marker = (str(table_name), str(dict(sorted(key.items()))))
                if marker in target_items:
                    raise MultipleTransactionsException()
                target_items.add(marker)
                # What get_item looks at first, with the same errors; then the item as it is.
                table = backend.get_table(table_name)
                hash_value, range_value = backend.get_keys_value(table, key)
                undo.item(table, hash_value, range_value, op_type)
                current = backend.get_item(table_name, key)
                if condition is not None and not get_filter_expression(
                    condition, names, values
                ).expr(current):
                    if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                        original_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original_item)
                if op_type == "Put":
                    backend.put_item(
                        table_name,
                        op["Item"],
                        condition_expression=condition,
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )
                elif op_type == "Delete":
                    backend.delete_item(
                        table_name,
                        key,
                        condition_expression=condition,
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )
                elif op_type == "Update":
                    backend.update_item(
                        table_name,
                        key,
                        update_expression=op["UpdateExpression"],
                        condition_expression=condition,
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )
                errors.append((None, None, None))
            except (MultipleTransactionsException, MockValidationException):
                raise
            except ConditionalCheckFailed as e:
                errors.append(("ConditionalCheckFailed", str(e.message), original_item))
            except Exception as e:
                errors.append((type(e).__name__, str(e), original_item))
    except BaseException:
        undo.rollback()
        raise
    if any(code is not None for code, _, _ in errors):
        undo.rollback()
        raise TransactionCanceledException(errors)


def fast_attribute_values() -> None:
    """moto writes every DynamoDB response through its generic, model-driven serializer,
    which looks each of an AttributeValue's ten members up through half a dozen alias
    rules: most of the time of a read or a query goes there, the more so the longer an
    appeal's timeline. moto's items are already plain ``{"S": ...}`` / ``{"M": {...}}``
    dicts, so this writes them out directly, with the serializer's own rules (strings
    as ``str``, blobs in base64, ``None`` members left out, members in the model's
    order). Anything else, or any key the model does not name, takes the generic path."""
    from moto.core.serialize import BaseJSONSerializer

    original = BaseJSONSerializer._serialize_type_structure
    if getattr(original, "_minsheng", False):
        return

    def _serialize_type_structure(
        self: Any, serialized: Any, value: Any, shape: Any, key: str
    ) -> None:
        if key and shape.name == "AttributeValue" and isinstance(value, dict):
            plain = _attribute_value(value, shape, self._base64)
            if plain is not _GENERIC:
                serialized[self.get_serialized_name(shape, key)] = plain
                return
        original(self, serialized, value, shape, key)

    _serialize_type_structure._minsheng = True  # type: ignore[attr-defined]
    _serialize_type_structure.generic = original  # type: ignore[attr-defined]
    BaseJSONSerializer._serialize_type_structure = _serialize_type_structure  # type: ignore[method-assign]


_GENERIC = object()
_SCALARS = {"S": "string", "N": "string", "B": "blob", "NULL": "boolean", "BOOL": "boolean"}
_SETS = {"SS": "string", "NS": "string", "BS": "blob"}
_plans: dict[int, tuple[str, ...] | None] = {}


def _plan(shape: Any) -> tuple[str, ...] | None:
    """The AttributeValue members in the model's order, if the model is the one the fast
    path knows (no serialization names, the member types below); else None."""
    if id(shape) not in _plans:
        known = True
        for name, member in shape.members.items():
            if member.serialization.get("name", name) != name:
                known = False
            elif name in _SCALARS:
                known = known and member.type_name == _SCALARS[name]
            elif name in _SETS:
                known = known and member.type_name == "list"
                known = known and member.member.type_name == _SETS[name]
            elif name == "M":
                known = known and member.type_name == "map"
                known = known and member.value.name == "AttributeValue"
            elif name == "L":
                known = known and member.type_name == "list"
                known = known and member.member.name == "AttributeValue"
            else:
                known = False
        _plans[id(shape)] = tuple(shape.members) if known and not shape.is_document_type else None
    return _plans[id(shape)]


def _string(value: Any) -> Any:
    from enum import Enum

    if isinstance(value, Enum):
        value = value.value
    return str(value) if value not in [None, {}, []] else value


def _attribute_value(value: dict[str, Any], shape: Any, base64: Any) -> Any:
    members = _plan(shape)
    if members is None or not value.keys() <= set(members):
        return _GENERIC
    out: dict[str, Any] = {}
    for name in members:
        item = value.get(name)
        if item is None:
            continue
        if name in ("S", "N"):
            out[name] = _string(item)
        elif name == "B":
            out[name] = base64(item)
        elif name in ("NULL", "BOOL"):
            out[name] = item
        elif name in _SETS:
            if not isinstance(item, list):
                return _GENERIC
            out[name] = [base64(v) if name == "BS" else _string(v) for v in item]
        elif name == "M":
            if not isinstance(item, dict):
                return _GENERIC
            entries: dict[str, Any] = {}
            for sub_key, sub_value in item.items():
                if sub_value is None:
                    continue
                if not sub_key or not isinstance(sub_value, dict):
                    return _GENERIC
                entries[sub_key] = _attribute_value(sub_value, shape, base64)
                if entries[sub_key] is _GENERIC:
                    return _GENERIC
            out[name] = entries
        else:  # "L"
            if not isinstance(item, list):
                return _GENERIC
            elements: list[Any] = []
            for element in item:
                if element is None:
                    elements.append(None)
                    continue
                if not isinstance(element, dict):
                    return _GENERIC
                elements.append(_attribute_value(element, shape, base64))
                if elements[-1] is _GENERIC:
                    return _GENERIC
            out[name] = elements
    return out


class _KeyOnce:
    """``joserfc.jwk`` as moto's Cognito sees it, with each key it imports kept."""

    def __init__(self, jwk: Any) -> None:
        self._jwk = jwk
        self._keys: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._jwk, name)

    @property
    def RSAKey(self) -> Any:  # the name moto calls
        return self

    def import_key(self, data: Any, *args: Any, **kwargs: Any) -> Any:
        import json

        if args or kwargs:
            return self._jwk.RSAKey.import_key(data, *args, **kwargs)
        text = json.dumps(data, sort_keys=True)
        if text not in self._keys:
            self._keys[text] = self._jwk.RSAKey.import_key(data)
        return self._keys[text]


def one_signing_key() -> None:
    """moto signs the tokens of every user pool with the one key it publishes, and imports
    that key again (RSA checks, about 0.15 s) for each pool it creates. Import it once."""
    from moto.cognitoidp import models

    current = getattr(models, "jwk")  # noqa: B009 (not exported by name)
    if not isinstance(current, _KeyOnce):
        setattr(models, "jwk", _KeyOnce(current))  # noqa: B010


def revoke_tokens() -> None:
    """Cognito's RevokeToken, which moto lacks (the console calls it on sign-out): the
    refresh token no longer refreshes. As Cognito does, a token already revoked or unknown
    is no error, and a token of another app client is refused."""
    from moto.cognitoidp.exceptions import NotAuthorizedError
    from moto.cognitoidp.models import cognitoidp_backends
    from moto.cognitoidp.responses import CognitoIdpResponse
    from moto.core.responses import EmptyResult

    if getattr(CognitoIdpResponse, "revoke_token", None) is not None:
        return

    def revoke_token(self: Any) -> Any:
        token = self._get_param("Token")
        client_id = self._get_param("ClientId")
        for backends in cognitoidp_backends.values():
            for region, backend in backends.items():
                if region == "global":
                    continue
                for pool in backend.user_pools.values():
                    issued = pool.refresh_tokens.get(token)
                    if issued is None:
                        continue
                    if issued[0] != client_id:
                        raise NotAuthorizedError("the token was not issued to this client")
                    pool.refresh_tokens[token] = None
        return EmptyResult()

    CognitoIdpResponse.revoke_token = revoke_token  # type: ignore[attr-defined]


def apply_all() -> None:
    serialise_dynamodb()
    atomic_transactions()
    fast_attribute_values()
    one_signing_key()
    revoke_tokens()
