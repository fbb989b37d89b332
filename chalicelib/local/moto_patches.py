"""Where moto behaves unlike AWS in a way the product relies on, the local stack corrects it.

Cognito (``cognito_like_a_pool``): moto sends nothing. A real pool sends a new account's
temporary password (the invitation), sends it again on ``RESEND``, and sends the code of a
forgotten password, and the code that confirms the phone number of a citizen who signs
up; here each is written to the outbox (``MINSHENG_OUTBOX_DIR``: an email as ``.eml``, a
text under ``sms/``) and kept in ``SENT``. moto accepts any forgotten-password or sign-up
code, lacks ResendConfirmationCode, and gives every user the same authenticator secret;
here each user gets a secret of their own and every code (TOTP, forgotten password,
sign-up) is checked; a confirmed sign-up's phone number is verified, as the pool marks it.

DynamoDB applies each write's condition atomically. moto checks the condition and writes
the item in Python, with no lock, so two threads of the moto server can both pass the
same condition. Serialising DynamoDB calls restores the guarantee every optimistic-locking
write here depends on (two racing writers: one wins). Stream reads take the same lock: a
transaction that fails puts back the stream records it wrote, and no reader sees them in
between.

Some corrections are shortcuts, with the same answers: moto's Query sorts the whole table
at each call to keep one partition or one index key (``fast_queries`` hands moto's query
only the items it can keep); moto's UpdateItem and TransactWriteItems walk and copy more
than the product's plain writes need (``fast_updates``, ``atomic_transactions``)."""

from __future__ import annotations

import functools
import re
import threading
import weakref
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


def fast_updates() -> None:
    """moto answers every UpdateItem (and every Update of a TransactWriteItems) by parsing
    the expression, deep copying its syntax tree and walking it through ten validators,
    two of which gather every action again at each node: a statistics counter's ``ADD #c0
    :c0, ... SET updated_at = :at`` of thirty counters costs thousands of node visits, and
    each attribute set re-sums the whole item's size. The shapes the product sends (ADD of
    a number to an absent or number attribute, SET to a value placeholder, REMOVE, of
    top-level attributes) are applied here straight to the item, with moto's own steps
    around them: the same key lookup and condition (moto's evaluator), the same sums
    (``DynamoType.__add__``), the same new item and stream records. Anything else, and
    any update moto would refuse or might refuse (an undefined name or value, a key
    attribute, a reserved word, two actions on one attribute, a type moto rejects, an
    item that could reach the size limit), goes to moto's own code, with its errors.
    tests/unit/test_moto_patches.py runs generated updates through both."""
    from moto.dynamodb.models import DynamoDBBackend

    original = DynamoDBBackend.update_item
    if getattr(original, "_minsheng", False):
        return

    def update_item(
        self: Any,
        table_name: str,
        key: dict[str, dict[str, Any]],
        update_expression: str,
        expression_attribute_names: dict[str, Any],
        expression_attribute_values: dict[str, Any],
        attribute_updates: dict[str, Any] | None = None,
        expected: dict[str, Any] | None = None,
        condition_expression: str | None = None,
        return_values_on_condition_check_failure: str | None = None,
    ) -> Any:
        actions = None if attribute_updates or expected else _actions(update_expression)
        if actions is not None:
            item = _fast_update(
                self,
                table_name,
                key,
                actions,
                expression_attribute_names,
                expression_attribute_values,
                condition_expression,
                return_values_on_condition_check_failure,
            )
            if item is not _MOTO:
                return item
        return original(
            self,
            table_name,
            key,
            update_expression,
            expression_attribute_names,
            expression_attribute_values,
            attribute_updates=attribute_updates,
            expected=expected,
            condition_expression=condition_expression,
            return_values_on_condition_check_failure=return_values_on_condition_check_failure,
        )

    update_item._minsheng = True  # type: ignore[attr-defined]
    update_item.original = original  # type: ignore[attr-defined]
    DynamoDBBackend.update_item = update_item  # type: ignore[method-assign]


_MOTO = object()  # the update is left to moto
_NAME = re.compile(r"#[A-Za-z0-9_]+|[A-Za-z][A-Za-z0-9_]*")
_VALUE = re.compile(r":[A-Za-z0-9_]+")
_CLAUSES = ("ADD", "SET", "REMOVE", "DELETE")


@functools.lru_cache(maxsize=512)
def _actions(expression: str | None) -> tuple[tuple[str, str, str | None], ...] | None:
    """The expression's actions, ``(clause, name, value placeholder)`` in moto's order (the
    expression's), if it has only the shapes the fast path takes: clauses ADD, SET and
    REMOVE at most once each, of top-level names (``#placeholder`` or plain) set to or
    added a ``:placeholder``; else None."""
    if not expression or not set(expression) <= _CHARACTERS:
        return None
    tokens: list[str] = re.findall(r"[A-Za-z0-9_#:]+|[=,]", expression)
    actions: list[tuple[str, str, str | None]] = []
    seen: set[str] = set()
    at = 0

    def take(pattern: re.Pattern[str] | str) -> str | None:
        nonlocal at
        token = tokens[at] if at < len(tokens) else None
        if token is None or not (
            token == pattern if isinstance(pattern, str) else pattern.fullmatch(token)
        ):
            return None
        at += 1
        return token

    while at < len(tokens):
        clause = tokens[at]
        at += 1
        if clause not in _CLAUSES[:3] or clause in seen:
            return None
        seen.add(clause)
        while True:
            name = take(_NAME)
            if name is None or name.upper() in _CLAUSES:
                return None
            value = None
            if clause != "REMOVE":
                if clause == "SET" and take("=") is None:
                    return None
                value = take(_VALUE)
                if value is None:
                    return None
            actions.append((clause, name, value))
            if take(",") is None:
                break
    return tuple(actions) or None


_CHARACTERS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_#:=, \n")


def _fast_update(
    backend: Any,
    table_name: str,
    key: dict[str, Any],
    actions: tuple[tuple[str, str, str | None], ...],
    names: dict[str, str] | None,
    values: dict[str, Any] | None,
    condition: str | None,
    return_values_on_condition_check_failure: str | None,
) -> Any:
    """moto 5.2.5's ``DynamoDBBackend.update_item`` for ``actions``, or ``_MOTO`` (having
    changed nothing) where moto's validation or execution would differ from the plain
    steps below."""
    import copy

    from moto.dynamodb.comparisons import create_condition_expression_parser, get_expected
    from moto.dynamodb.exceptions import ConditionalCheckFailed
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.parsing.reserved_keywords import ReservedKeywords

    table = backend.get_table(table_name)
    if all([table.hash_key_attr in key, table.range_key_attr in key]):
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr])
    elif table.hash_key_attr in key:
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = None
    else:
        hash_value = DynamoType(key)
        range_value = None
    item = table.get_item(hash_value, range_value)

    # What moto's validators and executors would check, checked first.
    keyword = ReservedKeywords.get_reserved_keywords()
    given = names or {}
    attrs = item.attrs if item is not None else {}
    writes: list[tuple[str, str, Any]] = []  # (clause, attribute, its new value)
    try:
        for clause, token, placeholder in actions:
            name = given[token] if token.startswith("#") else token
            if not token.startswith("#") and token.upper() in keyword:
                return _MOTO
            if {name, given.get(token, token)} & set(table.table_key_attrs):
                return _MOTO
            if placeholder is None:
                writes.append((clause, name, None))
                continue
            value = DynamoType(values[placeholder])  # type: ignore[index]
            if clause == "ADD":
                existing = attrs.get(name, DynamoType({"N": "0"}))
                if value.type != "N" or existing.type != "N":
                    return _MOTO
                value = existing + value
            elif any(
                (d["AttributeName"] == token and d["AttributeType"] != value.type)
                for d in table.attr
            ) or (not value.value and value.type in ["S", "B"] and token in table.attribute_keys):
                return _MOTO
            writes.append((clause, name, value))
        if len({name for _, name, _ in writes}) < len(writes):
            return _MOTO
        # The item's size as moto's LimitedSizeDict sums it at each attribute set: below
        # the limit even if nothing were removed or replaced, no set can exceed it.
        if item is None:
            start = [table.hash_key_attr, hash_value]
            if range_value:
                start += [table.range_key_attr, range_value]
        else:
            start = [*item.attrs.keys(), *item.attrs.values()]
        size = sum(map(_size, start))
        size += sum(_size(name) + value.size() for _, name, value in writes if value is not None)
        if size > 405000:
            return _MOTO
    except Exception:  # whatever moto makes of it, with its own error
        return _MOTO

    if not get_expected({}).expr(item):
        raise ConditionalCheckFailed
    if not create_condition_expression_parser(condition, names, values).parse().expr(item):
        if return_values_on_condition_check_failure == "ALL_OLD" and item is not None:
            raise ConditionalCheckFailed(item=item.to_json()["Attributes"])
        raise ConditionalCheckFailed
    orig_item = copy.deepcopy(item)
    if item is None:
        data = {table.hash_key_attr: {hash_value.type: hash_value.value}}
        if range_value:
            data[table.range_key_attr] = {range_value.type: range_value.value}
        table.put_item(data)
        item = table.get_item(hash_value, range_value)
    for _clause, name, value in writes:
        if value is None:
            item.attrs.pop(name, None)
        else:  # the size checked above, as LimitedSizeDict.__setitem__ would
            dict.__setitem__(item.attrs, name, value)
    if table.stream_shard is not None:
        table.stream_shard.add(orig_item, item)
    return item


def _size(part: Any) -> int:
    """A key's or value's size as moto's LimitedSizeDict counts it."""
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.utilities import bytesize

    return int(part.size()) if type(part) is DynamoType else int(bytesize(str(part)))


def fast_queries() -> None:
    """moto answers every Query by listing and sorting the whole table
    (``Table.all_items``: a sort over DynamoType comparisons), then keeping one partition,
    or, on an index, the items of its key, which it sorts again by the index's key and the
    table's. The SLA sweep's due-index queries and every partition read paid for the whole
    table. Here moto's own ``Table.query`` runs with, in place of that sorted list, only the
    items it can keep: a table query's partition (``items[hash_key]``), an index query's
    items that have every hash-key value it asks for (one unsorted pass). moto filters and
    sorts them as before (the partition by range key, an index's candidates by the index's
    key and then the table's, an order without ties), so the answers, pages and errors are
    moto's. Without hash-key values, on an unknown index, or for a hash key that is not a
    string, number or binary: moto's own path. tests/unit/test_moto_patches.py runs
    generated queries through both."""
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler

    original = Table.query
    if getattr(original, "_minsheng", False):
        return
    all_items = Table.all_items
    item_size = Item.size

    def all_items_or_candidates(self: Any) -> Any:
        chosen = getattr(_candidates, "tables", None)
        entry = chosen.get(id(self)) if chosen else None
        if entry is not None and entry[0] is self:
            return list(entry[1])
        return all_items(self)

    def query(
        self: Any,
        hash_key: Any,
        range_comparison: str | None,
        range_objs: list[Any],
        limit: int,
        exclusive_start_key: dict[str, Any],
        scan_index_forward: bool,
        projection_expressions: list[list[str]] | None,
        index_name: str | None = None,
        consistent_read: bool = False,
        filter_expression: Any = None,
        hash_key_conditions: list[tuple[str, Any]] | None = None,
        range_key_conditions: list[tuple[str, str, list[Any]]] | None = None,
        **filter_kwargs: Any,
    ) -> Any:
        def moto() -> Any:
            return original(
                self,
                hash_key,
                range_comparison,
                range_objs,
                limit,
                exclusive_start_key,
                scan_index_forward,
                projection_expressions,
                index_name,
                consistent_read,
                filter_expression,
                hash_key_conditions=hash_key_conditions,
                range_key_conditions=range_key_conditions,
                **filter_kwargs,
            )

        candidates = _query_candidates(self, hash_key, index_name, hash_key_conditions)
        if candidates is None:
            return moto()
        outside: dict[int, int] = {}
        if range_comparison and not filter_kwargs:
            found = _out_of_range(
                self, candidates, index_name, range_comparison, range_objs, range_key_conditions
            )
            if found is None:
                return moto()
            outside = dict.fromkeys(found, 0)
        tables = _candidates.__dict__.setdefault("tables", {})
        before = tables.get(id(self))
        tables[id(self)] = (self, candidates)
        sizes = getattr(_candidates, "sizes", None)
        _candidates.sizes = outside  # and each item's size, the first time moto asks
        try:
            return moto()
        finally:
            _candidates.sizes = sizes
            if before is None:
                del tables[id(self)]
            else:
                tables[id(self)] = before

    def size(self: Any) -> int:
        memo = getattr(_candidates, "sizes", None)
        if memo is None:
            return int(item_size(self))
        found = memo.get(id(self))
        if found is None:
            found = memo[id(self)] = item_size(self)
        return int(found)

    query._minsheng = True  # type: ignore[attr-defined]
    query.original = original  # type: ignore[attr-defined]
    query.candidates = _query_candidates  # type: ignore[attr-defined]
    Table.query = query  # type: ignore[method-assign]
    Table.all_items = all_items_or_candidates  # type: ignore[method-assign]
    Item.size = size  # type: ignore[method-assign]
    DynamoHandler.call_action = _reads_and_writes(DynamoHandler.call_action)  # type: ignore[method-assign]


# Per thread (the moto server answers each request in a thread of its own): the table whose
# query is under way -> (the table, the items its all_items stands for during the query).
_candidates = threading.local()


def _query_candidates(
    table: Any, hash_key: Any, index_name: str | None, conditions: list[tuple[str, Any]] | None
) -> list[Any] | None:
    """The items moto's ``Table.query`` could keep, in any order, or None for moto's path."""
    if not index_name:
        if hash_key is None or getattr(hash_key, "type", None) not in ("S", "N", "B"):
            return None  # (a set or a map cannot be looked up; moto compares it)
        partition = table.items.get(hash_key)
        if partition is None:
            return []
        return list(partition.values()) if table.range_key_attr else [partition]
    if not conditions or index_name not in {i.name for i in table.all_indexes()}:
        return None
    wanted = list(dict(conditions).items())  # as moto reads them: the last one per name
    groups = _index_groups(table, index_name, tuple(name for name, _ in wanted))
    if groups is not None:
        try:
            return list(groups.get(tuple(value for _, value in wanted), ()))
        except TypeError:  # a value that does not hash (a map, a list): the pass below
            pass
    found: list[Any] = []
    for partition in table.items.values():
        for item in partition.values() if table.range_key_attr else (partition,):
            attrs = item.attrs
            for name, value in wanted:
                present = attrs.get(name)
                if not present or present != value:
                    break
            else:
                found.append(item)
    return found


# The items of a table by their values of an index's hash-key attributes, made by the first
# query of a request that reads (``_reads_and_writes``) and kept until a request writes to
# the table: the SLA sweep's eight due-index shards are queried one after the other, and
# each query went through the whole table. Held by the table, weakly: a deleted or reset
# table takes its groupings (and the items they list) with it. table -> (index, names) ->
# (the table's writes then, the groups).
_groups: weakref.WeakKeyDictionary[Any, dict[tuple[str, tuple[str, ...]], Any]] = (
    weakref.WeakKeyDictionary()
)
_writes: dict[str, int] = {}  # table name -> writes begun and ended; "*": any table
_reading = threading.local()  # .on: the thread answers a request that only reads


def _writes_to(name: str) -> int:
    return _writes.get(name, 0) + _writes.get("*", 0)


def _index_groups(
    table: Any, index_name: str, names: tuple[str, ...]
) -> dict[Any, list[Any]] | None:
    """The table's items grouped by ``names``' values (items with all of them), or None
    outside a request that only reads (a backend called directly: no grouping is kept)."""
    if not getattr(_reading, "on", False):
        return None
    key = (index_name, names)
    writes = _writes_to(table.name)
    of_table = _groups.setdefault(table, {})
    kept = of_table.get(key)
    if kept is not None and kept[0] == writes:
        return kept[1]  # type: ignore[no-any-return]
    groups: dict[Any, list[Any]] = {}
    try:
        for partition in table.items.values():
            for item in partition.values() if table.range_key_attr else (partition,):
                attrs = item.attrs
                values = tuple(attrs.get(name) for name in names)
                if all(values):
                    groups.setdefault(values, []).append(item)
    except TypeError:  # an attribute value that does not hash: no grouping
        return None
    of_table[key] = (writes, groups)
    return groups


# The DynamoDB actions that change nothing (any other counts as a write: to the tables
# its request names, or to every table when it names none the way these do).
_READS = frozenset(
    {
        "GetItem",
        "BatchGetItem",
        "Query",
        "Scan",
        "TransactGetItems",
        "DescribeTable",
        "ListTables",
        "DescribeTimeToLive",
        "DescribeContinuousBackups",
        "ListTagsOfResource",
        "DescribeEndpoints",
        "DescribeLimits",
    }
)


def _written_tables(action: str, params: dict[str, Any]) -> list[str]:
    if action in ("PutItem", "UpdateItem", "DeleteItem") and "TableName" in params:
        return [str(params["TableName"])]
    if action == "BatchWriteItem" and isinstance(params.get("RequestItems"), dict):
        return [str(name) for name in params["RequestItems"]]
    if action == "TransactWriteItems" and isinstance(params.get("TransactItems"), list):
        named = [
            part.get("TableName")
            for entry in params["TransactItems"]
            if isinstance(entry, dict)
            for part in entry.values()
            if isinstance(part, dict)
        ]
        if all(isinstance(name, str) for name in named):
            return [str(name) for name in named]
    return ["*"]


def _reads_and_writes(original: Any) -> Any:
    """``DynamoHandler.call_action`` that tells the query path whether the request only
    reads (grouping allowed) and counts each write, before and after, against the tables
    it names (the groupings of those tables are then made again)."""

    def call_action(self: Any) -> Any:
        action = self._get_action()
        if action in _READS:
            before = getattr(_reading, "on", False)
            _reading.on = True
            try:
                return original(self)
            finally:
                _reading.on = before
        names = _written_tables(action, getattr(self, "params", None) or {})
        for name in names:
            _writes[name] = _writes.get(name, 0) + 1
        try:
            return original(self)
        finally:
            for name in names:
                _writes[name] += 1

    return call_action


def _out_of_range(
    table: Any,
    candidates: list[Any],
    index_name: str | None,
    comparison: str,
    values: list[Any],
    range_conditions: list[tuple[str, str, list[Any]]] | None,
) -> list[int] | None:
    """The ids of the candidates outside the key condition on the range key, compared as
    moto's ``Table.query`` compares them (the same attribute, ``DynamoType.compare``), or
    None for moto's path (several range keys, an index without one, a comparison that
    raises). moto weighs every candidate of the partition against the 1 MB page limit
    before comparing it, and the weight of an item is a walk through all its attributes:
    the SLA sweep's due-index queries weighed every open work order of their shard, each
    with its timeline, every fifteen minutes. DynamoDB counts only the items it reads, those
    in the key's range, so the candidates outside it weigh nothing here (they stay in
    moto's list: its pages and LastEvaluatedKey are as before)."""
    if range_conditions and len(range_conditions) > 1:
        return None
    name: str | None = range_conditions[-1][0] if range_conditions else None
    if index_name and not name:
        index = next(i for i in table.all_indexes() if i.name == index_name)
        ranges = [key for key in index.schema if key["KeyType"] == "RANGE"]
        if len(ranges) != 1:
            return None
        name = ranges[0]["AttributeName"]
    outside: list[int] = []
    try:
        for item in candidates:
            value = item.attrs.get(name) if name else None
            if value:
                inside = value.compare(comparison, values)
            else:
                inside = not index_name and item.range_key.compare(comparison, values)
            if not inside:
                outside.append(id(item))
    except Exception:  # moto's path raises it, in its own words
        return None
    return outside


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


# What the local pool "sent": {"kind", "to", "medium", "username", "text", "code"}.
SENT: list[dict[str, Any]] = []
TOTP_WINDOW = 1  # steps of 30 s either side, as authenticator apps drift


def _outbox(medium: str, to: str, subject: str, text: str, name: str) -> None:
    import os
    import re
    from email.message import EmailMessage
    from pathlib import Path

    from chalicelib.core.domain import clock

    folder = os.environ.get("MINSHENG_OUTBOX_DIR")
    if not folder:
        return
    stamp = clock.now().strftime("%Y%m%dT%H%M%S")
    safe = re.sub(r"[^A-Za-z0-9@._-]", "_", f"{name}--{to}")
    if medium == "SMS":
        sms = Path(folder) / "sms"
        sms.mkdir(parents=True, exist_ok=True)
        (sms / f"{stamp}--{safe}.txt").write_text(f"To: {to}\n\n{text}\n", "utf-8")
        return
    message = EmailMessage()
    message["From"] = "no-reply@verificationemail.com"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(text, charset="utf-8", cte="8bit")
    Path(folder).mkdir(parents=True, exist_ok=True)
    (Path(folder) / f"{safe}.eml").write_bytes(message.as_bytes())


def _send(
    kind: str, user: Any, mediums: list[str], template: dict[str, str], code: str, **values: str
) -> None:
    """A message of the pool's to the user's email or phone (both if asked)."""
    attributes = user.attribute_lookup
    for medium in mediums:
        to = attributes.get("email") if medium == "EMAIL" else attributes.get("phone_number")
        if not to:
            continue
        text = template["EmailMessage" if medium == "EMAIL" else _sms_key(template)]
        text = text.replace("{####}", code)
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        subject = template.get("EmailSubject", "")
        entry = {"kind": kind, "to": to, "medium": medium, "username": user.username}
        SENT.append({**entry, "text": text, "code": code})
        _outbox(medium, to, subject, text, f"{kind}-{user.username}")


def _sms_key(template: dict[str, str]) -> str:
    return "SMSMessage" if "SMSMessage" in template else "SmsMessage"


def _temporary_password() -> str:
    import secrets
    import string

    alphabet = string.ascii_letters + string.digits
    while True:
        value = "".join(secrets.choice(alphabet) for _ in range(12))
        kinds = (str.isupper, str.islower, str.isdigit)
        if all(any(kind(c) for c in value) for kind in kinds):
            return value


def _invitation_template(pool: Any) -> dict[str, str]:
    from chalicelib.local.provision import INVITATION

    config = pool.extended_config.get("AdminCreateUserConfig") or {}
    return dict(config.get("InviteMessageTemplate") or INVITATION)


def _verification_template(pool: Any) -> dict[str, str]:
    from chalicelib.local.provision import VERIFICATION

    return dict(pool.extended_config.get("VerificationMessageTemplate") or VERIFICATION)


def cognito_like_a_pool() -> None:
    from moto.cognitoidp import responses
    from moto.cognitoidp.exceptions import (
        CodeMismatchException,
        InvalidParameterException,
        NotAuthorizedError,
        ResourceNotFoundError,
        UserNotFoundError,
    )
    from moto.cognitoidp.models import CognitoIdpBackend, UserStatus
    from moto.core.exceptions import JsonRESTError

    if getattr(responses.CognitoIdpResponse.admin_create_user, "_minsheng", False):
        return

    class UnsupportedUserStateException(JsonRESTError):
        def __init__(self, message: str) -> None:
            super().__init__("UnsupportedUserStateException", message)

    def admin_create_user(self: Any) -> Any:
        from moto.core.responses import ActionResult

        pool_id = self._get_param("UserPoolId")
        username = self._get_param("Username")
        action = self._get_param("MessageAction")
        password = self._get_param("TemporaryPassword") or _temporary_password()
        mediums = self._get_param("DesiredDeliveryMediums") or ["SMS"]
        backend = self.backend
        pool = backend.describe_user_pool(pool_id)
        if action == "RESEND":
            # The account stays as it is (attributes, groups): a new temporary password.
            user = backend.admin_get_user(pool_id, username)
            if user.status is not UserStatus.FORCE_CHANGE_PASSWORD:
                raise UnsupportedUserStateException(
                    f"User {username} is not in FORCE_CHANGE_PASSWORD"
                )
            user.password = password
        else:
            user = backend.admin_create_user(
                pool_id, username, action, password, self._get_param("UserAttributes", [])
            )
        if action != "SUPPRESS":
            _send(
                "invitation",
                user,
                mediums,
                _invitation_template(pool),
                password,
                username=user.username,
            )
        return ActionResult({"User": user.to_json(extended=True)})

    admin_create_user._minsheng = True  # type: ignore[attr-defined]
    responses.CognitoIdpResponse.admin_create_user = admin_create_user  # type: ignore[method-assign]

    def _verified(user: Any) -> list[str]:
        attributes = user.attribute_lookup
        found = []
        if attributes.get("email") and attributes.get("email_verified") == "true":
            found.append("EMAIL")
        if attributes.get("phone_number") and attributes.get("phone_number_verified") == "true":
            found.append("SMS")
        return found

    def forgot_password(self: Any, client_id: str, username: str) -> Any:
        import secrets

        pool = next((p for p in self.user_pools.values() if client_id in p.clients), None)
        if pool is None:
            raise ResourceNotFoundError("Username/client id combination not found.")
        user = pool._get_user(username)
        if user is None:
            raise UserNotFoundError("Username/client id combination not found.")
        if user.status is UserStatus.FORCE_CHANGE_PASSWORD:
            raise NotAuthorizedError("User password cannot be reset in the current state.")
        mediums = _verified(user)
        if not mediums:
            raise InvalidParameterException(
                "Cannot reset password for the user as there is no registered/verified email "
                "or phone_number"
            )
        code = f"{secrets.randbelow(1_000_000):06d}"
        user.confirmation_code = code
        medium = mediums[0]
        _send("code", user, [medium], _verification_template(pool), code)
        to = user.attribute_lookup["email" if medium == "EMAIL" else "phone_number"]
        shown = to[:1] + "***" + to[to.find("@") :] if medium == "EMAIL" else "+*******" + to[-4:]
        return None, {
            "CodeDeliveryDetails": {
                "Destination": shown,
                "DeliveryMedium": medium,
                "AttributeName": "email" if medium == "EMAIL" else "phone_number",
            }
        }

    def confirm_forgot_password(
        self: Any, client_id: str, username: str, password: str, confirmation_code: str
    ) -> None:
        pool = next((p for p in self.user_pools.values() if client_id in p.clients), None)
        user = pool._get_user(username) if pool else None
        if pool is None or user is None:
            raise ResourceNotFoundError(client_id)
        if not user.confirmation_code or confirmation_code != user.confirmation_code:
            raise CodeMismatchException("Invalid verification code provided, please try again.")
        self._validate_password(pool.id, password)
        user.password = password
        user.confirmation_code = None
        if user.status is UserStatus.RESET_REQUIRED:
            user.status = UserStatus.CONFIRMED

    CognitoIdpBackend.forgot_password = forgot_password  # type: ignore[method-assign]
    CognitoIdpBackend.confirm_forgot_password = confirm_forgot_password  # type: ignore[method-assign]

    def _user_of(self: Any, access_token: str | None, session: str | None) -> Any:
        if session:
            if session not in self.sessions:
                raise NotAuthorizedError(session)
            username, pool = self.sessions[session]
            return self.admin_get_user(pool.id, username)
        for pool in self.user_pools.values():
            if access_token in pool.access_tokens:
                _, username = pool.access_tokens[access_token]
                return self.admin_get_user(pool.id, username)
        raise NotAuthorizedError(access_token)

    def _check_code(user: Any, code: str) -> None:
        import pyotp

        secret = getattr(user, "minsheng_totp_secret", None)
        if not secret or not pyotp.TOTP(secret).verify(str(code), valid_window=TOTP_WINDOW):
            raise CodeMismatchException("Invalid code received for user")

    def associate_software_token(self: Any, access_token: str, session: str) -> Any:
        import pyotp

        user = _user_of(self, access_token, session)
        user.minsheng_totp_secret = pyotp.random_base32(32)
        answer = {"SecretCode": user.minsheng_totp_secret}
        if session:
            answer["Session"] = session
        return answer

    def verify_software_token(
        self: Any, access_token: str, session: str, user_code: str, friendly_device_name: str
    ) -> Any:
        from moto.moto_api._internal import mock_random as random

        user = _user_of(self, access_token, session)
        _check_code(user, user_code)
        user.token_verified = True
        new_session = str(random.uuid4())
        self.sessions[new_session] = (user.username, self.describe_user_pool(user.user_pool_id))
        return {"Status": "SUCCESS", "Session": new_session}

    original_respond = CognitoIdpBackend.respond_to_auth_challenge

    def respond_to_auth_challenge(
        self: Any, session: str, client_id: str, challenge_name: str, responses_: dict[str, str]
    ) -> Any:
        if challenge_name == "SOFTWARE_TOKEN_MFA" and session in self.sessions:
            username, pool = self.sessions[session]
            _check_code(
                self.admin_get_user(pool.id, username),
                responses_.get("SOFTWARE_TOKEN_MFA_CODE", ""),
            )
        if challenge_name == "NEW_PASSWORD_REQUIRED" and session in self.sessions:
            # An account with an authenticator app (its password reset) is asked for the
            # code after the new password, as a real pool asks; moto signs it in at once.
            username, pool = self.sessions[session]
            user = self.admin_get_user(pool.id, username)
            if user.software_token_mfa_enabled and client_id in pool.clients:
                password = responses_.get("NEW_PASSWORD")
                if not password:
                    raise InvalidParameterException("NEW_PASSWORD is required")
                self._validate_password(pool.id, password)
                user.password = password
                user.status = UserStatus.CONFIRMED
                return {
                    "ChallengeName": "SOFTWARE_TOKEN_MFA",
                    "Session": session,
                    "ChallengeParameters": {},
                }
        return original_respond(self, session, client_id, challenge_name, responses_)

    CognitoIdpBackend.associate_software_token = associate_software_token  # type: ignore[method-assign]
    CognitoIdpBackend.verify_software_token = verify_software_token  # type: ignore[method-assign]
    CognitoIdpBackend.respond_to_auth_challenge = respond_to_auth_challenge  # type: ignore[method-assign,assignment]
    _sign_up_like_a_pool()


def _sign_up_code(pool: Any, user: Any) -> dict[str, str] | None:
    """A new code for an unconfirmed user, sent to the phone number (or email) the pool
    verifies automatically; the delivery details as SignUp answers them, or None."""
    import secrets

    auto = pool.extended_config.get("AutoVerifiedAttributes") or []
    attributes = user.attribute_lookup
    if "phone_number" in auto and attributes.get("phone_number"):
        medium, name = "SMS", "phone_number"
    elif "email" in auto and attributes.get("email"):
        medium, name = "EMAIL", "email"
    else:
        return None
    code = f"{secrets.randbelow(1_000_000):06d}"
    user.minsheng_sign_up_code = code
    _send("sign-up", user, [medium], _verification_template(pool), code)
    to = attributes[name]
    shown = to[:1] + "***" + to[to.find("@") :] if medium == "EMAIL" else "+*******" + to[-4:]
    return {"Destination": shown, "DeliveryMedium": medium, "AttributeName": name}


def _sign_up_like_a_pool() -> None:
    from moto.cognitoidp import responses
    from moto.cognitoidp.exceptions import (
        CodeMismatchException,
        NotAuthorizedError,
        ResourceNotFoundError,
        UserNotFoundError,
    )
    from moto.cognitoidp.models import UserStatus
    from moto.core.responses import ActionResult, EmptyResult

    response = responses.CognitoIdpResponse
    if getattr(response.sign_up, "_minsheng", False):
        return

    def _pool_and_user(self: Any, client_id: str, username: str) -> tuple[Any, Any]:
        backend = self._get_region_agnostic_backend()._find_backend_for_clientid(client_id)
        pool = next((p for p in backend.user_pools.values() if client_id in p.clients), None)
        if pool is None:
            raise ResourceNotFoundError(client_id)
        user = pool._get_user(username)
        if user is None:
            raise UserNotFoundError("Username/client id combination not found.")
        return pool, user

    def sign_up(self: Any) -> Any:
        client_id = self._get_param("ClientId")
        attributes = self._get_param("UserAttributes", [])
        backend = self._get_region_agnostic_backend()._find_backend_for_clientid(client_id)
        client = next(
            (p.clients[client_id] for p in backend.user_pools.values() if client_id in p.clients),
            None,
        )
        writable = set((client.extended_config if client else {}).get("WriteAttributes") or [])
        refused = sorted({a["Name"] for a in attributes} - writable) if writable else []
        if refused:
            # As the pool refuses an attribute the app client may not write (above all
            # phone_number_verified: only the code verifies a number).
            raise NotAuthorizedError(
                f"A client attempted to write unauthorized attribute {refused[0]}"
            )
        user, _ = self._get_region_agnostic_backend().sign_up(
            client_id=client_id,
            username=self._get_param("Username"),
            password=self._get_param("Password"),
            attributes=attributes,
        )
        pool, _ = _pool_and_user(self, client_id, user.username)
        answer: dict[str, Any] = {"UserConfirmed": False, "UserSub": user.id}
        details = _sign_up_code(pool, user)
        if details:
            answer["CodeDeliveryDetails"] = details
        return ActionResult(answer)

    def confirm_sign_up(self: Any) -> Any:
        _pool, user = _pool_and_user(self, self._get_param("ClientId"), self._get_param("Username"))
        if user.status is not UserStatus.UNCONFIRMED:
            raise NotAuthorizedError("User cannot be confirmed. Current status is CONFIRMED")
        code = getattr(user, "minsheng_sign_up_code", None)
        if not code or self._get_param("ConfirmationCode") != code:
            raise CodeMismatchException("Invalid verification code provided, please try again.")
        user.minsheng_sign_up_code = None
        user.status = UserStatus.CONFIRMED
        # The code went to the phone (or email): the pool marks that attribute verified.
        verified = "phone_number_verified" if "phone_number" in user.attribute_lookup else None
        if verified:
            user.update_attributes([{"Name": verified, "Value": "true"}])
        return EmptyResult()

    def resend_confirmation_code(self: Any) -> Any:
        pool, user = _pool_and_user(self, self._get_param("ClientId"), self._get_param("Username"))
        if user.status is not UserStatus.UNCONFIRMED:
            raise NotAuthorizedError("User is already confirmed.")
        return ActionResult({"CodeDeliveryDetails": _sign_up_code(pool, user) or {}})

    sign_up._minsheng = True  # type: ignore[attr-defined]
    response.sign_up = sign_up  # type: ignore[method-assign]
    response.confirm_sign_up = confirm_sign_up  # type: ignore[method-assign]
    response.resend_confirmation_code = resend_confirmation_code  # type: ignore[attr-defined]


def queue_attributes_once() -> None:
    """moto computes all of a queue's attributes (ApproximateNumberOfMessages walks every
    message) twice for each attribute asked for, and asks for the retention period once per
    message it receives: a receive cost grew with the square of the queue's length (a
    thousand queued notifications, most of the deliveries' time). Computed once per call,
    and the retention period read from the queue, the answers are the same."""
    from moto.sqs.models import SQSBackend

    if getattr(SQSBackend.get_queue_attributes, "_minsheng", False):
        return

    def get_queue_attributes(
        self: Any, queue_name: str, attribute_names: list[str]
    ) -> dict[str, Any]:
        if not attribute_names or "All" in attribute_names:
            return original(self, queue_name, attribute_names)
        queue = self.get_queue(queue_name)  # QueueDoesNotExist as before
        names = ["All", *queue.BASE_ATTRIBUTES, *queue.FIFO_ATTRIBUTES, *queue.KMS_ATTRIBUTES]
        invalid = next((name for name in attribute_names if name not in names), None)
        if invalid is not None:
            from moto.sqs.exceptions import InvalidAttributeName

            raise InvalidAttributeName(invalid)
        attributes = queue.attributes
        return {n: attributes[n] for n in attribute_names if attributes.get(n) is not None}

    def is_message_valid_based_on_retention_period(
        self: Any, queue_name: str, message: Any
    ) -> bool:
        from moto.core.utils import unix_time

        retention_period = int(self.get_queue(queue_name).message_retention_period)
        return bool(retention_period + message.sent_timestamp / 1000 > unix_time())

    original = SQSBackend.get_queue_attributes
    get_queue_attributes._minsheng = True  # type: ignore[attr-defined]
    # moto's own, for the test that compares the answers.
    get_queue_attributes._original = original  # type: ignore[attr-defined]
    is_message_valid_based_on_retention_period._original = (  # type: ignore[attr-defined]
        SQSBackend.is_message_valid_based_on_retention_period
    )
    SQSBackend.get_queue_attributes = get_queue_attributes  # type: ignore[method-assign]
    SQSBackend.is_message_valid_based_on_retention_period = (  # type: ignore[method-assign]
        is_message_valid_based_on_retention_period
    )


# The moto models made per call: every item moto reads, copies or writes (each query's
# and each stream record's copies included), the stream records, the queue messages and
# the stream shard iterators.
_UNTRACKED = (
    ("moto.dynamodb.models.dynamo_type", "Item"),
    ("moto.dynamodb.models.table", "StreamRecord"),
    ("moto.sqs.models", "Message"),
    ("moto.dynamodbstreams.models", "ShardIterator"),
)


def untracked_instances() -> None:
    """moto keeps every instance of its models in a list on the class
    (``instances_tracked``, which its dashboard's ``/moto-api/data.json`` lists), emptied
    only when its backends are reset, which a running stack never does. Every DynamoDB
    item moto ever made stayed in memory: not only the stored ones but each copy a read,
    a query or a stream record made. A month's history left millions of objects alive,
    so each full garbage collection, which walks them all, took longer as the month went
    on (a warm public-feed request paid 0.5 to 1 s when one fell in it, the bench's p99).
    Here the instances of the models moto makes per call (``_UNTRACKED``) are not added
    to that list; what moto keeps in its backends is kept as before, and every other
    model (S3's keys, which moto's reset closes through the list, among them) is tracked
    as before."""
    import importlib

    from moto.core.common_models import BaseModel

    original = BaseModel.__new__
    if getattr(original, "_minsheng", False):
        return
    untracked = frozenset(
        getattr(importlib.import_module(module), name) for module, name in _UNTRACKED
    )

    def __new__(cls: Any, *args: Any, **kwargs: Any) -> Any:
        if cls in untracked:
            return object.__new__(cls)
        return original(cls, *args, **kwargs)

    __new__._minsheng = True  # type: ignore[attr-defined]
    BaseModel.__new__ = staticmethod(__new__)  # type: ignore[assignment]


def apply_all() -> None:
    serialise_dynamodb()
    untracked_instances()
    queue_attributes_once()
    atomic_transactions()
    fast_updates()
    fast_queries()
    fast_attribute_values()
    one_signing_key()
    revoke_tokens()
    cognito_like_a_pool()
