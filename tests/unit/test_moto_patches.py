"""The local stack's corrections and shortcuts to moto: the fast writing of DynamoDB items
is moto's own serializer, byte for byte, on every kind of attribute value; the fast
TransactWriteItems (with the fast updates) does what moto's does (the tables, their
streams and the errors after the same generated transactions), all or nothing; the fast
UpdateItem does what moto's does after the same generated updates; the fast Query answers
what moto's answers to the same generated queries, and hands its items to moto in the
querying thread only."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.local import moto_patches

ITEM: dict[str, Any] = {
    "id": {"S": "20261126-ABCDEFGH"},
    "empty": {"S": ""},
    "title": {"S": "<script>alert(1)</script> 路灯不亮"},
    "version": {"N": "3"},
    "score": {"N": "4.50"},
    "blob": {"B": b"\x00\xffminsheng"},
    "tags": {"SS": ["东门", "路口"]},
    "counts": {"NS": ["1", "2.5"]},
    "blobs": {"BS": [b"a", b"\x01"]},
    "public": {"BOOL": False},
    "flag": {"BOOL": True},
    "gone": {"NULL": True},
    "timeline": {
        "L": [
            {"M": {"type": {"S": "submitted"}, "data": {"M": {}}, "note": {"NULL": True}}},
            {"M": {"nested": {"L": [{"N": "1"}, {"L": []}, {"M": {"deep": {"S": "x"}}}]}}},
        ]
    },
}
ODD: dict[str, Any] = {
    "unknown_member": {"X": "1"},  # not a member of AttributeValue: the generic path
    "empty_key": {"M": {"": {"S": "v"}}},
    "none_member": {"S": None, "N": "1"},
    "map_with_none": {"M": {"a": None, "b": {"S": "b"}}},
    "list_with_none": {"L": [None, {"S": "s"}]},
}


def _body(operation: str, result: dict[str, Any], generic: bool) -> str:
    from moto.core.serialize import (
        BaseJSONSerializer,
        XFormedAttributePicker,
        get_serializer_class,
    )
    from moto.core.utils import get_service_model

    moto_patches.fast_attribute_values()
    patched = BaseJSONSerializer._serialize_type_structure
    model = get_service_model("dynamodb")
    cls = get_serializer_class("dynamodb", "json")
    serializer = cls(
        operation_model=model.operation_model(operation),
        pretty_print=False,
        value_picker=XFormedAttributePicker(response_transformers={}),
    )
    if generic:
        BaseJSONSerializer._serialize_type_structure = patched.generic  # type: ignore[attr-defined,method-assign]
    try:
        return str(serializer.serialize(result)["body"])
    finally:
        BaseJSONSerializer._serialize_type_structure = patched  # type: ignore[method-assign]


@pytest.mark.parametrize(
    ("operation", "result"),
    [
        ("GetItem", {"Item": ITEM}),
        ("GetItem", {"Item": ODD}),
        (
            "Query",
            {
                "Items": [ITEM, ODD, ITEM],
                "Count": 3,
                "ScannedCount": 3,
                "LastEvaluatedKey": {"id": {"S": "a"}, "created_at": {"S": "2026"}},
            },
        ),
        ("PutItem", {"Attributes": ITEM}),
    ],
)
def test_fast_item_writing_equals_the_generic_serializer(
    operation: str, result: dict[str, Any]
) -> None:
    assert _body(operation, result, generic=False) == _body(operation, result, generic=True)


def test_plain_items_take_the_fast_path_and_odd_ones_the_generic() -> None:
    import base64

    from moto.core.utils import get_service_model

    shape = get_service_model("dynamodb").shape_for("AttributeValue")

    def encode(value: bytes) -> str:
        return base64.b64encode(value).decode()

    generic = moto_patches._GENERIC
    for name, value in ITEM.items():
        assert moto_patches._attribute_value(value, shape, encode) is not generic, name
    for name in ("unknown_member", "empty_key"):
        assert moto_patches._attribute_value(ODD[name], shape, encode) is generic, name


def test_every_user_pool_signs_with_the_one_published_key_imported_once() -> None:
    import boto3
    from joserfc import jwk
    from moto import mock_aws
    from moto.cognitoidp.models import cognitoidp_backends
    from moto.utilities.utils import load_resource

    moto_patches.one_signing_key()
    with mock_aws():
        cognito = boto3.client("cognito-idp", region_name="us-east-1")
        ids = [cognito.create_user_pool(PoolName=f"p{i}")["UserPool"]["Id"] for i in range(2)]
        pools = cognitoidp_backends["123456789012"]["us-east-1"].user_pools
        first, second = (pools[i].json_web_key for i in ids)
    assert first is second
    published = jwk.RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))
    assert first.as_dict(private=True) == published.as_dict(private=True)


def test_a_put_then_an_invalid_update_writes_nothing() -> None:
    import boto3
    from botocore.exceptions import ClientError
    from moto import mock_aws

    moto_patches.atomic_transactions()
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        _table(ddb, "t", TABLES["h"])
        ddb.put_item(TableName="t", Item={"id": {"S": "b"}, "name": {"S": "text"}})
        with pytest.raises(ClientError) as failed:
            ddb.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": "t", "Item": {"id": {"S": "a"}}}},
                    {
                        "Update": {
                            "TableName": "t",
                            "Key": {"id": {"S": "b"}},
                            "UpdateExpression": "ADD #n :one",
                            "ExpressionAttributeNames": {"#n": "name"},
                            "ExpressionAttributeValues": {":one": {"N": "1"}},
                        }
                    },
                ]
            )
        items = ddb.scan(TableName="t")["Items"]
    assert failed.value.response["Error"]["Code"] == "ValidationException"
    assert items == [{"id": {"S": "b"}, "name": {"S": "text"}}]


# The differential test: the same generated transactions through moto's TransactWriteItems
# and the local stack's, each against tables of its own, compared after every transaction.
BIG = "x" * 410_000  # over DynamoDB's 400 KB per item
TABLES: dict[str, dict[str, Any]] = {
    "h": {
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    },
    "hr": {
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
    },
}
# A condition: its expression and the names and values it uses.
CONDITIONS: list[tuple[str, dict[str, str], dict[str, Any]]] = [
    ("attribute_exists(#k)", {"#k": "KEY"}, {}),
    ("attribute_not_exists(#k)", {"#k": "KEY"}, {}),
    ("#n = :one", {"#n": "n"}, {":one": {"N": "1"}}),
    ("#n < :ten", {"#n": "n"}, {":ten": {"N": "10"}}),
    ("attribute_not_exists(#s) OR #s = :s", {"#s": "s"}, {":s": {"S": "v"}}),
]
# An update: some fail moto's validation whatever the item (a key attribute, too large),
# some depending on it (ADD to a string, arithmetic on a missing number).
UPDATES: list[tuple[str, dict[str, str], dict[str, Any]]] = [
    ("SET #s = :s", {"#s": "s"}, {":s": {"S": "v"}}),
    ("ADD #n :one", {"#n": "n"}, {":one": {"N": "1"}}),
    ("ADD #s :one", {"#s": "s"}, {":one": {"N": "1"}}),
    ("SET #n = #n + :one", {"#n": "n"}, {":one": {"N": "1"}}),
    ("REMOVE #s", {"#s": "s"}, {}),
    ("SET #k = :s", {"#k": "KEY"}, {":s": {"S": "v"}}),
    ("SET #b = :b", {"#b": "b"}, {":b": {"S": BIG}}),
]


def _table(ddb: Any, name: str, schema: dict[str, Any], stream: str | None = None) -> None:
    """An on-demand table of ``schema`` (``TABLES``' shape), with a stream of that view."""
    spec = {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": stream}}
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST", **(spec if stream else {}), **schema
    )


def _key(table: str, choice: int) -> dict[str, Any]:
    if table == "h":
        return {"id": {"S": "abcd"[choice]}}
    return {"pk": {"S": "pq"[choice % 2]}, "sk": {"S": "12"[choice // 2 % 2]}}


def _with(op: dict[str, Any], expression: tuple[str, dict[str, str], dict[str, Any]]) -> None:
    """Merges an expression's names and values into the operation's."""
    _, names, values = expression
    key_name = next(iter(TABLES[op["TableName"]]["KeySchema"]))["AttributeName"]
    for placeholder, name in names.items():
        op.setdefault("ExpressionAttributeNames", {})[placeholder] = (
            key_name if name == "KEY" else name
        )
    for placeholder, value in values.items():
        op.setdefault("ExpressionAttributeValues", {})[placeholder] = value


def _operations() -> Any:
    from hypothesis import strategies as st

    @st.composite
    def operation(draw: Any) -> dict[str, Any]:
        kind = draw(st.sampled_from(["Put", "Update", "Delete", "ConditionCheck"]))
        table = draw(st.sampled_from(sorted(TABLES)))
        key = _key(table, draw(st.integers(0, 3)))
        op: dict[str, Any] = {"TableName": table}
        if kind == "Put":
            item = dict(key)
            if draw(st.booleans()):
                item["n"] = {"N": str(draw(st.integers(0, 2)))}
            string = draw(st.sampled_from([None, "v", "v", "w", BIG]))
            if string is not None:
                item["s"] = {"S": string}
            op["Item"] = item
        else:
            op["Key"] = key
        if kind == "Update":
            update = draw(st.sampled_from(UPDATES))
            op["UpdateExpression"] = update[0]
            _with(op, update)
        condition = draw(st.sampled_from([None, *CONDITIONS]))
        if kind == "ConditionCheck" and condition is None:
            condition = CONDITIONS[0]
        if condition is not None:
            clashes = any(
                op.get("ExpressionAttributeValues", {}).get(p, v) != v
                for p, v in condition[2].items()
            )
            if not clashes:
                op["ConditionExpression"] = condition[0]
                _with(op, condition)
                if draw(st.booleans()):
                    op["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        return {kind: op}

    return st.lists(st.lists(operation(), min_size=1, max_size=4), min_size=1, max_size=5)


def _state(backend: Any, prefix: str, tables: Any = TABLES) -> dict[str, Any]:
    """The tables as moto holds them: their items, in moto's own order (partitions and the
    items in each), and their stream records (but for the random event id and the time)."""
    state: dict[str, Any] = {}
    for name in tables:
        table = backend.tables[prefix + name]
        records = [dict(r.record, eventID=None) for r in table.stream_shard.items]
        for record in records:
            # The record's size counts the time's digits: it varies with the time.
            record["dynamodb"] = dict(
                record["dynamodb"], ApproximateCreationDateTime=None, SizeBytes=None
            )
        state[name] = {
            "items": [
                (
                    str(partition),
                    [(str(r), i.to_json()) for r, i in items.items()]
                    if table.range_key_attr
                    else items.to_json(),
                )
                for partition, items in table.items.items()
            ],
            "stream": records,
        }
    return state


def _run_engine(
    ddb: Any,
    engine: Any,
    prefix: str,
    seeds: list[Any],
    transactions: list[Any],
    update_item: Any = None,
) -> Any:
    """Fresh tables named ``prefix...``, the seed items, then every transaction through
    ``engine`` (its updates through ``update_item``, if given): what each answered, and
    the tables after each."""
    from botocore.exceptions import ClientError
    from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends

    backend = dynamodb_backends["123456789012"]["us-east-1"]
    for name, schema in TABLES.items():
        _table(ddb, prefix + name, schema, "NEW_AND_OLD_IMAGES")
    for table, item in seeds:
        ddb.put_item(TableName=prefix + table, Item=item)
    patched = DynamoDBBackend.transact_write_items
    patched_update = DynamoDBBackend.update_item
    DynamoDBBackend.transact_write_items = engine  # type: ignore[method-assign]
    DynamoDBBackend.update_item = update_item or patched_update  # type: ignore[method-assign]
    observed: list[Any] = []
    try:
        for transaction in transactions:
            named = [
                {kind: dict(op, TableName=prefix + op["TableName"])}
                for entry in transaction
                for kind, op in entry.items()
            ]
            try:
                ddb.transact_write_items(TransactItems=named)
                answer: Any = "ok"
            except ClientError as error:
                answer = (
                    error.response["Error"]["Code"],
                    error.response["Error"]["Message"].replace(prefix, ""),
                    error.response.get("CancellationReasons"),
                )
            observed.append((answer, _state(backend, prefix)))
    finally:
        DynamoDBBackend.transact_write_items = patched  # type: ignore[method-assign]
        DynamoDBBackend.update_item = patched_update  # type: ignore[method-assign]
        for name in TABLES:
            ddb.delete_table(TableName=prefix + name)
    return observed


def _seeds() -> Any:
    from hypothesis import strategies as st

    return st.lists(
        st.tuples(st.sampled_from(sorted(TABLES)), st.integers(0, 3), st.integers(0, 2)).map(
            lambda t: (t[0], {**_key(t[0], t[1]), "n": {"N": str(t[2])}, "s": {"S": "v"}})
        ),
        max_size=6,
    )


def test_the_fast_transactions_do_what_moto_does_on_generated_transactions() -> None:
    import itertools

    import boto3
    from hypothesis import HealthCheck, given, settings
    from moto import mock_aws
    from moto.dynamodb.models import DynamoDBBackend

    moto_patches.atomic_transactions()
    moto_patches.fast_updates()
    fast = DynamoDBBackend.transact_write_items
    moto = fast.original  # type: ignore[attr-defined]
    fast_update = DynamoDBBackend.update_item
    moto_update = fast_update.original  # type: ignore[attr-defined]
    runs = itertools.count()

    @settings(
        max_examples=150,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(seeds=_seeds(), transactions=_operations())
    def same(seeds: list[Any], transactions: list[Any]) -> None:
        run = next(runs)
        expected = _run_engine(ddb, moto, f"moto{run}-", seeds, transactions, moto_update)
        actual = _run_engine(ddb, fast, f"fast{run}-", seeds, transactions, fast_update)
        for number, (want, got) in enumerate(zip(expected, actual, strict=True)):
            shown = f"seeds {seeds}, transaction {number} of {transactions}"
            shown = shown.replace(BIG, "x...(410 KB)")
            assert got[0] == want[0], f"the answers differ: {shown}"
            assert got[1] == want[1], f"the tables differ after: {shown}"

    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        same()


def test_an_entry_of_two_operations_writes_nothing_either() -> None:
    """moto raises at such an entry and keeps what the entries before it wrote; the fast
    path puts them back."""
    import boto3
    from moto import mock_aws
    from moto.dynamodb.exceptions import TransactWriteSingleOpException
    from moto.dynamodb.models import dynamodb_backends

    moto_patches.atomic_transactions()
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        _table(ddb, "h", TABLES["h"])
        backend = dynamodb_backends["123456789012"]["us-east-1"]
        with pytest.raises(TransactWriteSingleOpException):
            backend.transact_write_items(
                [
                    {"Put": {"TableName": "h", "Item": {"id": {"S": "a"}}}},
                    {
                        "Put": {"TableName": "h", "Item": {"id": {"S": "b"}}},
                        "Delete": {"TableName": "h", "Key": {"id": {"S": "c"}}},
                    },
                ]
            )
        assert ddb.scan(TableName="h")["Items"] == []


def test_stream_reads_wait_for_the_dynamodb_call_under_way() -> None:
    """A failed transaction writes stream records and takes them back within its call: a
    stream read in between would hand out records of writes that never happened."""
    import threading

    import boto3
    from moto import mock_aws

    moto_patches.serialise_dynamodb()
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        streams = boto3.client("dynamodbstreams", region_name="us-east-1")
        _table(ddb, "h", TABLES["h"], "KEYS_ONLY")
        arn = ddb.describe_table(TableName="h")["Table"]["LatestStreamArn"]
        done = threading.Event()
        reader = threading.Thread(target=lambda: (streams.list_streams(), done.set()))
        with moto_patches._lock:  # a DynamoDB call under way
            reader.start()
            assert not done.wait(0.3)
        assert done.wait(10)
        reader.join()
        assert streams.describe_stream(StreamArn=arn)["StreamDescription"]["StreamArn"] == arn


def test_queue_attributes_once_answers_as_moto_does() -> None:
    """Given a queue with messages in flight, delayed and expired, when its attributes are
    asked for by name and messages are received, then the corrected moto answers what moto
    itself answers, expired messages stay unreceived, and an unknown name is refused."""
    import boto3
    from moto import mock_aws
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sqs.models import SQSBackend, sqs_backends

    names = [
        "MessageRetentionPeriod",
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
        "VisibilityTimeout",
        "QueueArn",
    ]
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="q", Attributes={"MessageRetentionPeriod": "60"})[
            "QueueUrl"
        ]
        for i in range(12):
            sqs.send_message(QueueUrl=url, MessageBody=str(i), DelaySeconds=30 if i < 2 else 0)
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3, VisibilityTimeout=300)
        backend = sqs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
        queue = backend.get_queue("q")
        stale = list(queue._messages)[-1]
        stale.sent_timestamp -= 120_000  # sent two minutes ago: past its retention

        moto_patches.queue_attributes_once()
        corrected = {n: backend.get_queue_attributes("q", [n]) for n in names}
        together = backend.get_queue_attributes("q", names)
        valid_now = backend.is_message_valid_based_on_retention_period("q", stale)
        with pytest.MonkeyPatch.context() as mp:
            for name in ("get_queue_attributes", "is_message_valid_based_on_retention_period"):
                mp.setattr(SQSBackend, name, getattr(SQSBackend, name)._original)
            assert corrected == {n: backend.get_queue_attributes("q", [n]) for n in names}
            assert together == backend.get_queue_attributes("q", names)
            assert valid_now is backend.is_message_valid_based_on_retention_period("q", stale)
        assert valid_now is False
        assert together["ApproximateNumberOfMessages"] == 7  # 12, 2 delayed, 3 in flight
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        assert stale.body not in [m["Body"] for m in received]
        with pytest.raises(sqs.exceptions.ClientError, match="InvalidAttributeName"):
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Nope"])


# The differential test of the fast UpdateItem: generated update expressions (the shapes
# the fast path takes, with every kind of whitespace, and shapes or cases it leaves to
# moto) and items, through moto's update_item and the fast one, each against tables of its
# own; the answers or errors, the items (with their attributes' order) and the stream
# records compared after every update.
UPDATE_TABLES: dict[str, dict[str, Any]] = {
    "h": TABLES["h"],
    "hr": {
        **TABLES["hr"],
        "AttributeDefinitions": [
            *TABLES["hr"]["AttributeDefinitions"],
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "by-g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    },
}
HALF = "y" * 200_000  # two of them and an item is past the limit
# Names as placeholders (KEY: the table's hash key) and plain: keys of one table and not
# the other, an index key (g), reserved words (name, count, SET), an undefined one (#zz).
UPDATE_NAMES = {
    **{"#n": "n", "#s": "s", "#g": "g", "#k": "KEY", "#t": "updated_at", "#b": "b", "#c": "c3"}
}
GOOD_PATHS = {  # (one clause's attributes are not another's: moto refuses two actions on one)
    "ADD": ["#n", "n", "c1", "#c"],
    "SET": ["#t", "updated_at", "#s", "s", "c2", "g"],  # g: an index's key in table hr
    "REMOVE": ["#b", "b", "c4", "gone"],
}
BAD_PATHS = ["#zz", "#k", "#g", "id", "pk", "sk", "name", "count", "at", "c1", "s", "b"]
UPDATE_VALUES: dict[str, Any] = {
    ":one": {"N": "1"},
    ":ten": {"N": "10"},
    ":half": {"N": "0.50"},
    ":neg": {"N": "-3"},
    ":odd": {"N": "1e2"},
    ":s": {"S": "v"},
    ":e": {"S": ""},
    ":set": {"SS": ["a", "b"]},
    ":map": {"M": {"a": {"N": "1"}, "l": {"L": [{"S": "x"}]}}},
    ":big": {"S": HALF},
}
NUMBERS = [":one", ":ten", ":half", ":neg"]
VALUE_NAMES = [*UPDATE_VALUES, ":zz"]
# Shapes the fast path leaves to moto, whatever the item.
OTHER_ACTIONS = [
    ("SET", "#n = #n + :one"),
    ("SET", "#n = if_not_exists(#n, :one)"),
    ("SET", "m.a = :one"),
    ("SET", "l[0] = :s"),
    ("REMOVE", "m.a"),
    ("REMOVE", "l[0]"),
    ("set", "#s = :s"),
    ("add", "#n :one"),
]


def _updates() -> Any:
    from hypothesis import strategies as st

    gap = st.sampled_from(["", " ", "  ", "\n", " \n"])
    space = st.sampled_from([" ", "  ", "\n", " \n "])

    def now_and_then(one_in: int) -> Any:
        return st.sampled_from([False] * (one_in - 1) + [True])

    @st.composite
    def mostly(draw: Any, good: list[str], bad: list[str]) -> str:
        return str(draw(st.sampled_from(bad if draw(now_and_then(12)) else good)))

    @st.composite
    def action(draw: Any, clause: str, path: str) -> str:
        if draw(now_and_then(30)):
            return draw(st.sampled_from([a for c, a in OTHER_ACTIONS if c.upper() == clause]))
        if clause == "REMOVE":
            return str(path)
        good = NUMBERS if clause == "ADD" else [":s", ":one", ":e", ":set", ":map", ":big"]
        value = draw(mostly(good, VALUE_NAMES))
        if clause == "ADD":
            return f"{path}{draw(space)}{value}"
        return f"{path}{draw(gap)}={draw(gap)}{value}"

    @st.composite
    def clause(draw: Any, keyword: str) -> str:
        if keyword == "DELETE":
            return f"DELETE{draw(space)}#s{draw(space)}:set"
        paths = draw(
            st.lists(
                mostly(GOOD_PATHS[keyword], BAD_PATHS),
                min_size=1,
                max_size=3,
                unique_by=lambda path: UPDATE_NAMES.get(path, path),  # mostly one action each
            )
        )
        actions = [draw(action(keyword, path)) for path in paths]
        if keyword in ("ADD", "SET") and draw(now_and_then(30)):
            keyword = keyword.lower()
        separator = draw(gap) + "," + draw(gap)
        return f"{keyword}{draw(space)}{separator.join(actions)}"

    @st.composite
    def update(draw: Any) -> dict[str, Any]:
        table = draw(st.sampled_from(sorted(UPDATE_TABLES)))
        keywords = draw(st.permutations(["ADD", "SET", "REMOVE"]))[: draw(st.integers(1, 3))]
        if draw(now_and_then(10)):  # a clause twice, or DELETE
            keywords.append(draw(st.sampled_from(["ADD", "SET", "REMOVE", "DELETE"])))
        clauses = [draw(clause(keyword)) for keyword in keywords]
        expression = draw(gap) + draw(space).join(clauses) + draw(gap)
        op: dict[str, Any] = {"table": table, "key": _key(table, draw(st.integers(0, 3)))}
        op["expression"] = expression
        key_name = next(iter(UPDATE_TABLES[table]["KeySchema"]))["AttributeName"]
        op["names"] = (
            None
            if draw(now_and_then(20))
            else {p: key_name if n == "KEY" else n for p, n in UPDATE_NAMES.items()}
        )
        op["values"] = None if draw(now_and_then(20)) else dict(UPDATE_VALUES)
        condition = draw(st.sampled_from([None, None, *CONDITIONS]))
        if condition is not None:
            op["condition"] = condition[0]
            if op["names"] is not None:
                op["names"].update(
                    {p: key_name if n == "KEY" else n for p, n in condition[1].items()}
                )
            if op["values"] is not None:
                op["values"].update(condition[2])
            if draw(st.booleans()):
                op["return_old"] = "ALL_OLD"
        return op

    return st.lists(update(), min_size=2, max_size=6)


def _update_seeds() -> Any:
    from hypothesis import strategies as st

    @st.composite
    def seed(draw: Any) -> tuple[str, dict[str, Any]]:
        table = draw(st.sampled_from(sorted(UPDATE_TABLES)))
        item = dict(_key(table, draw(st.integers(0, 3))))
        n = draw(
            st.sampled_from([None, {"N": "2"}, {"N": "1.5"}, {"N": "-0"}, {"S": "x"}, {"N": "7"}])
        )
        s = draw(st.sampled_from([None, {"S": "v"}, {"SS": ["a"]}, {"N": "4"}]))
        b = draw(st.sampled_from([None, None, {"S": HALF}]))
        for name, value in (("n", n), ("s", s), ("b", b)):
            if value is not None:
                item[name] = value
        return table, item

    return st.lists(seed(), min_size=1, max_size=8)


def _run_updates(
    ddb: Any, engine: Any, prefix: str, seeds: list[Any], updates: list[dict[str, Any]]
) -> list[Any]:
    """Fresh tables named ``prefix...``, the seed items, then every update through
    ``engine`` (an ``update_item``): what each answered, and the tables after each."""
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends["123456789012"]["us-east-1"]
    for name, schema in UPDATE_TABLES.items():
        _table(ddb, prefix + name, schema, "NEW_AND_OLD_IMAGES")
    for table, item in seeds:
        ddb.put_item(TableName=prefix + table, Item=item)
    observed: list[Any] = []
    try:
        for op in updates:
            try:
                item = engine(
                    backend,
                    prefix + op["table"],
                    op["key"],
                    op["expression"],
                    op["names"],
                    op["values"],
                    condition_expression=op.get("condition"),
                    return_values_on_condition_check_failure=op.get("return_old"),
                )
                answer: Any = ("ok", item.to_json(), list(item.attrs))
            except Exception as error:  # moto's errors, and what it lets through
                answer = (type(error).__name__, str(error), getattr(error, "description", None))
            orders = [
                [list(i.attrs) for i in backend.tables[prefix + name].all_items()]
                for name in UPDATE_TABLES
            ]
            observed.append((answer, _state(backend, prefix, UPDATE_TABLES), orders))
    finally:
        for name in UPDATE_TABLES:
            ddb.delete_table(TableName=prefix + name)
    return observed


def _rare_updates() -> list[dict[str, Any]]:
    """Cases the generated ones meet seldom: an index key set to an empty string or to
    another type, and the statistics counters' update of thirty counters, twice."""
    from collections import Counter

    from chalicelib.figures.store import statistics

    counters = Counter({f"c{i}": i - 3 for i in range(30)})
    stats = statistics._add("p", "2", counters, "2026-11-01T00:00:00Z")["Update"]
    ops = [
        {"expression": "SET g = :e", "names": {}, "values": UPDATE_VALUES},
        {"expression": "SET g = :one", "names": {}, "values": UPDATE_VALUES},
        {"expression": "SET g = :s", "names": {}, "values": UPDATE_VALUES},
    ]
    ops += [
        {
            "expression": stats["UpdateExpression"],
            "names": stats["ExpressionAttributeNames"],
            "values": stats["ExpressionAttributeValues"],
        }
    ] * 2
    return [{"table": "hr", "key": _key("hr", 1), **op} for op in ops]


def test_the_fast_updates_do_what_moto_does_on_generated_updates() -> None:
    import itertools

    import boto3
    from hypothesis import HealthCheck, example, given, settings
    from moto import mock_aws
    from moto.dynamodb.models import DynamoDBBackend

    moto_patches.fast_updates()
    fast = DynamoDBBackend.update_item
    moto = fast.original  # type: ignore[attr-defined]
    runs = itertools.count()
    taken = {"fast": 0, "moto": 0}
    fast_update = moto_patches._fast_update

    def counted(*args: Any) -> Any:
        done = fast_update(*args)
        taken["moto" if done is moto_patches._MOTO else "fast"] += 1
        return done

    @settings(
        max_examples=200,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @example(seeds=[("hr", {**_key("hr", 1), "g": {"S": "x"}})], updates=_rare_updates())
    @given(seeds=_update_seeds(), updates=_updates())
    def same(seeds: list[Any], updates: list[dict[str, Any]]) -> None:
        run = next(runs)
        expected = _run_updates(ddb, moto, f"moto{run}-", seeds, updates)
        actual = _run_updates(ddb, fast, f"fast{run}-", seeds, updates)
        for number, (want, got) in enumerate(zip(expected, actual, strict=True)):
            shown = f"seeds {seeds}, update {number} of {updates}".replace(HALF, "y...")
            assert got[0] == want[0], f"the answers differ: {shown}"
            assert got[1:] == want[1:], f"the tables differ after: {shown}"

    with mock_aws(), pytest.MonkeyPatch.context() as mp:
        mp.setattr(moto_patches, "_fast_update", counted)
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        same()
    # Both paths were taken, the fast one often: the comparison compared something.
    assert taken["fast"] > 200 and taken["moto"] > 100, taken


def test_the_products_updates_take_the_fast_path() -> None:
    """The statistics counters' update, the knowledge and limits counters', and PynamoDB's
    SET and REMOVE, as the stores send them."""
    from collections import Counter

    from chalicelib.figures.store import statistics

    counters = statistics._add("pk", "sk", Counter({f"c{i}": i + 1 for i in range(30)}), "t")
    expressions = [
        counters["Update"]["UpdateExpression"],
        "ADD n :one SET updated_at = :at",
        "ADD n :one SET expires_at = :expires",
        "SET #0 = :0, #1 = :1 REMOVE #2, #3",
        "SET #s = :sending, #at = :now, #err = :none ADD attempts :one",
    ]
    for expression in expressions:
        assert moto_patches._actions(expression) is not None, expression
    assert len(moto_patches._actions(counters["Update"]["UpdateExpression"]) or ()) == 31


# The differential test of the fast Query: generated tables (a range key of strings or of
# numbers, a hash-only one; GSIs with and without a range key, an LSI; items in several
# partitions, some without an index's attributes) and generated queries (the table or an
# index, every key condition on the range key, Limit, both directions, a filter, a
# projection, COUNT, an unknown index), each paginated to the end through moto's own
# Table.query and the fast one over the same items: the pages or errors compared.
def _index(name: str, hash_attr: str, range_attr: str | None, projection: str) -> Any:
    schema = [{"AttributeName": hash_attr, "KeyType": "HASH"}]
    if range_attr:
        schema.append({"AttributeName": range_attr, "KeyType": "RANGE"})
    shown: dict[str, Any] = {"ProjectionType": projection}
    if projection == "INCLUDE":
        shown["NonKeyAttributes"] = ["v"]
    return {"IndexName": name, "KeySchema": schema, "Projection": shown}


def _attributes(**types: str) -> list[dict[str, str]]:
    return [{"AttributeName": name, "AttributeType": kind} for name, kind in types.items()]


QUERY_TABLES: dict[str, dict[str, Any]] = {
    "hr": {  # pk, sk: strings
        **TABLES["hr"],
        "AttributeDefinitions": _attributes(pk="S", sk="S", g="S", gr="N", h="N", l="S"),
        "GlobalSecondaryIndexes": [
            _index("by-g", "g", "gr", "ALL"),
            _index("by-h", "h", None, "KEYS_ONLY"),  # no range key: the table's orders it
        ],
        "LocalSecondaryIndexes": [_index("by-l", "pk", "l", "INCLUDE")],
    },
    "n": {  # pk, sk: numbers
        "KeySchema": TABLES["hr"]["KeySchema"],
        "AttributeDefinitions": _attributes(pk="N", sk="N", g="N", gr="S", h="S"),
        "GlobalSecondaryIndexes": [
            _index("by-g", "g", "gr", "INCLUDE"),
            _index("by-h", "h", None, "ALL"),
        ],
    },
    "h": {  # id only
        **TABLES["h"],
        "AttributeDefinitions": _attributes(id="S", g="S", gr="N"),
        "GlobalSecondaryIndexes": [
            _index("by-g", "g", None, "ALL"),
            _index("by-gr", "g", "gr", "ALL"),
        ],
    },
}
# Few partitions (and index hash values), more sort values, of each type, so that keys
# meet and tie: "a" begins "ab", 1 is 1.0, 2.5 lies between; the queries ask mostly for
# values the items have, now and then for others.
HASHES = {"S": ["a", "ab", "b"], "N": ["1", "2.5", "-3"]}
RANGES = {"S": ["a", "ab", "abc", "b", "ba", "c"], "N": ["1", "2", "2.5", "10", "-3", "0.5"]}
QUERY_ASKED = {
    "S": [*HASHES["S"] * 4, *RANGES["S"], "", "z", "c"],
    "N": [*HASHES["N"] * 3, *RANGES["N"], "1.0", "0", "11"],
}
# Hash values DynamoDB refuses and moto compares (never equal): moto's path on a table.
ODD_HASHES = [{"SS": ["a"]}, {"M": {"a": {"S": "a"}}}]
HASH_ATTRIBUTES = {"pk", "g", "h"}  # (id: the hash-only table has more partitions)


def _types(table: str) -> dict[str, str]:
    return {
        a["AttributeName"]: a["AttributeType"] for a in QUERY_TABLES[table]["AttributeDefinitions"]
    }


def _query_items(table: str) -> Any:
    from hypothesis import strategies as st

    types = _types(table)

    @st.composite
    def item(draw: Any) -> dict[str, Any]:
        attrs: dict[str, Any] = {}
        for name, kind in [*types.items(), ("v", "N"), ("w", "S")]:
            is_key = name in ("pk", "sk", "id")
            if is_key or draw(st.sampled_from([True, True, False])):
                values = HASHES if name in HASH_ATTRIBUTES else RANGES
                attrs[name] = {kind: draw(st.sampled_from(values[kind]))}
        return attrs

    keys = [k["AttributeName"] for k in QUERY_TABLES[table]["KeySchema"]]
    return st.lists(
        item(), min_size=4, max_size=24, unique_by=lambda i: tuple(str(i[k]) for k in keys)
    )


def _queries(table: str) -> Any:
    from hypothesis import strategies as st

    schema = QUERY_TABLES[table]
    types = _types(table)
    indexes = {
        i["IndexName"]: [k["AttributeName"] for k in i["KeySchema"]]
        for i in [
            *schema.get("GlobalSecondaryIndexes", []),
            *schema.get("LocalSecondaryIndexes", []),
        ]
    }
    keys = [k["AttributeName"] for k in schema["KeySchema"]]

    def asked(kind: str, odd: list[Any] | None = None) -> Any:
        return st.sampled_from([{kind: value} for value in QUERY_ASKED[kind]] + (odd or []))

    @st.composite
    def query(draw: Any) -> dict[str, Any]:
        index = draw(st.sampled_from([*[None, *sorted(indexes)] * 3, "nope"]))
        hash_attr, *range_attr = indexes.get(index, keys) if index else keys
        request: dict[str, Any] = {"TableName": table}
        if index:
            request["IndexName"] = index
        names = {"#h": hash_attr}
        values = {":h": draw(asked(types[hash_attr], ODD_HASHES * 2))}
        condition = "#h = :h"
        comparison = draw(
            st.sampled_from([None, None, None, "=", "<", "<=", ">", ">=", "BETWEEN", "begins_with"])
        )
        if range_attr and comparison:
            names["#r"] = range_attr[0]
            kind = types[range_attr[0]]
            values[":r"] = draw(asked(kind if comparison != "begins_with" else "S"))
            if comparison == "BETWEEN":
                values[":r2"] = draw(asked(kind))
                condition += " AND #r BETWEEN :r AND :r2"
            elif comparison == "begins_with":
                condition += " AND begins_with(#r, :r)"
            else:
                condition += f" AND #r {comparison} :r"
        request["KeyConditionExpression"] = condition
        limit = draw(st.sampled_from([None, None, 1, 2, 3]))
        if limit:
            request["Limit"] = limit
        if draw(st.booleans()):
            request["ScanIndexForward"] = False
        kept = draw(
            st.sampled_from(
                [None, None, None, "#v > :v", "attribute_exists(#w)", "attribute_not_exists(#v)"]
            )
        )
        if kept:
            request["FilterExpression"] = kept
            names["#v" if "#v" in kept else "#w"] = "v" if "#v" in kept else "w"
            if ":v" in kept:
                values[":v"] = {"N": "2"}
        shape = draw(st.sampled_from([None, None, "projection", "COUNT"]))
        if shape == "projection":
            request["ProjectionExpression"] = "#w, #h"
            names["#w"] = "w"
        elif shape == "COUNT":
            request["Select"] = "COUNT"
        request["ExpressionAttributeNames"] = names
        request["ExpressionAttributeValues"] = values
        return request

    return st.lists(query(), min_size=2, max_size=8)


def _pages(ddb: Any, request: dict[str, Any]) -> list[Any]:
    """Every page of the query, following LastEvaluatedKey, or the error that ended it."""
    from botocore.exceptions import ClientError

    pages: list[Any] = []
    start: dict[str, Any] | None = None
    for _ in range(40):
        try:
            page = ddb.query(**request, **({"ExclusiveStartKey": start} if start else {}))
        except ClientError as error:
            pages.append((error.response["Error"]["Code"], error.response["Error"]["Message"]))
            break
        except Exception as error:  # what moto lets through
            pages.append((type(error).__name__, str(error)))
            break
        start = page.get("LastEvaluatedKey")
        pages.append((page.get("Items"), page["Count"], page["ScannedCount"], start))
        if not start:
            break
    return pages


def _both_paths(ddb: Any, request: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    """The query's pages through moto's own ``Table.query`` and through the fast path."""
    from moto.dynamodb.models.table import Table

    fast = Table.query
    answers = []
    for engine in (fast.original, fast):  # type: ignore[attr-defined]
        Table.query = engine  # type: ignore[method-assign]
        try:
            answers.append(_pages(ddb, request))
        finally:
            Table.query = fast  # type: ignore[method-assign]
    return answers[0], answers[1]


def test_the_fast_queries_do_what_moto_does_on_generated_queries() -> None:
    import itertools

    import boto3
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from moto import mock_aws

    moto_patches.fast_queries()
    runs = itertools.count()
    taken = {"fast": 0, "moto": 0, "pages": 0}
    candidates = moto_patches._query_candidates

    def counted(*args: Any) -> Any:
        found = candidates(*args)
        taken["moto" if found is None else "fast"] += 1
        return found

    @st.composite
    def case(draw: Any) -> tuple[str, list[Any], list[Any]]:
        table = draw(st.sampled_from(sorted(QUERY_TABLES)))
        return table, draw(_query_items(table)), draw(_queries(table))

    @settings(
        max_examples=120,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(case=case())
    def same(case: tuple[str, list[Any], list[Any]]) -> None:
        table, items, queries = case
        name = f"q{next(runs)}-{table}"
        _table(ddb, name, QUERY_TABLES[table])
        try:
            puts = [{"PutRequest": {"Item": item}} for item in items]
            ddb.batch_write_item(RequestItems={name: puts})
            for request in queries:
                request = dict(request, TableName=name)
                by_moto, by_fast = _both_paths(ddb, request)
                taken["pages"] += len(by_fast)
                assert by_fast == by_moto, f"{request} over {items}"
        finally:
            ddb.delete_table(TableName=name)

    with mock_aws(), pytest.MonkeyPatch.context() as mp:
        mp.setattr(moto_patches, "_query_candidates", counted)
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        same()
    # The fast path answered most queries, moto's some (a set or a map as a table's hash
    # key), over many pages.
    assert taken["fast"] > 400 and taken["moto"] > 15 and taken["pages"] > 500, taken


def test_a_query_under_way_leaves_other_threads_the_whole_table() -> None:
    """The items a query hands moto stand for the table's in the querying thread only: in
    another thread meanwhile (the moto server answers each request in its own), a scan and
    the table's items are the whole table; once the query is done, in its thread too."""
    import threading

    import boto3
    from moto import mock_aws
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.dynamo_type import DynamoType

    moto_patches.fast_queries()
    inside, release = threading.Event(), threading.Event()

    class Held:
        """A filter that holds the query inside moto's Table.query."""

        def expr(self, item: Any) -> bool:
            inside.set()
            return release.wait(10)

    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        _table(ddb, "hr", TABLES["hr"])
        for choice in range(4):
            ddb.put_item(TableName="hr", Item=_key("hr", choice))
        table = dynamodb_backends["123456789012"]["us-east-1"].tables["hr"]
        found: list[Any] = []

        def query() -> None:
            items, _, _ = table.query(
                DynamoType({"S": "p"}), None, [], None, None, True, None, filter_expression=Held()
            )
            found.extend(items)

        querying = threading.Thread(target=query)
        querying.start()
        try:
            assert inside.wait(10)
            meanwhile = len(table.all_items()), ddb.scan(TableName="hr")["Count"]
        finally:
            release.set()
            querying.join(10)
        assert meanwhile == (4, 4), meanwhile
        assert [(i.hash_key.value, i.range_key.value) for i in found] == [("p", "1"), ("p", "2")]
        assert len(table.all_items()) == 4


def test_the_models_made_per_call_are_not_kept_alive_and_the_rest_are_tracked() -> None:
    import gc
    import weakref

    import boto3
    from moto import mock_aws
    from moto.dynamodb.models.dynamo_type import Item
    from moto.s3.models import FakeKey
    from moto.sqs.models import Message

    moto_patches.untracked_instances()
    moto_patches.untracked_instances()  # applied once
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        _table(ddb, "t", TABLES["h"])
        ddb.put_item(TableName="t", Item={"id": {"S": "a"}, "n": {"N": "1"}})
        tracked = len(Item.instances_tracked)  # type: ignore[attr-defined]
        read = [Item(hash_key=None, range_key=None, attrs={"id": {"S": "x"}})]
        seen = weakref.ref(read[0])
        for _ in range(50):
            assert ddb.get_item(TableName="t", Key={"id": {"S": "a"}})["Item"]["n"] == {"N": "1"}
            ddb.query(
                TableName="t",
                KeyConditionExpression="id = :a",
                ExpressionAttributeValues={":a": {"S": "a"}},
            )
        assert len(Item.instances_tracked) == tracked  # type: ignore[attr-defined]
        del read
        gc.collect()
        assert seen() is None  # nothing else holds a made item
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="q")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="m")
        assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "m"
        assert Message.instances_tracked == []  # type: ignore[attr-defined]
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="tracked-bucket")
        s3.put_object(Bucket="tracked-bucket", Key="k", Body=b"x")
        assert s3.get_object(Bucket="tracked-bucket", Key="k")["Body"].read() == b"x"
        assert any(key.name == "k" for key in FakeKey.instances_tracked)  # type: ignore[attr-defined]


def test_a_range_query_weighs_only_the_items_in_the_key_s_range_and_pages_as_moto() -> None:
    """Against the 1 MB page limit moto weighs every candidate of the partition (a walk of
    all its attributes), DynamoDB only the items in the key's range: the fast path weighs
    those alone, once each, and its pages over items large enough to reach the limit are
    moto's, on the table and on an index, in both directions."""
    import boto3
    from moto import mock_aws
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    moto_patches.fast_queries()
    fast = Table.query
    big = "x" * 150_000  # seven in range reach the 1 MB limit
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        _table(ddb, "due", QUERY_TABLES["hr"])
        for n in range(40):
            in_range = n % 4 == 0  # sk 'a…' for ten of them, 'b…' for the rest
            ddb.put_item(
                TableName="due",
                Item={
                    "pk": {"S": "open"},
                    "sk": {"S": f"{'a' if in_range else 'b'}{n:03}"},
                    "g": {"S": "shard"},
                    "gr": {"N": str(n if in_range else 1000 + n)},
                    "body": {"S": big},
                    "timeline": {"L": [{"M": {"at": {"S": str(i)}}} for i in range(30)]},
                },
            )
        requests = [
            {"KeyConditionExpression": "pk = :p AND sk < :b", "Values": {":b": {"S": "b"}}},
            {
                "KeyConditionExpression": "pk = :p AND begins_with(sk, :b)",
                "Values": {":b": {"S": "a"}},
            },
            {
                "IndexName": "by-g",
                "KeyConditionExpression": "g = :g AND gr <= :b",
                "Values": {":b": {"N": "999"}},
            },
        ]
        weighed: list[int] = []
        original_size = DynamoType.size

        def counted(self: Any) -> int:
            weighed.append(1)
            return int(original_size(self))

        for request in requests:
            for forward in (True, False):
                values = {":p": {"S": "open"}, ":g": {"S": "shard"}, **request["Values"]}
                asked = {
                    "TableName": "due",
                    "KeyConditionExpression": request["KeyConditionExpression"],
                    "ExpressionAttributeValues": {
                        k: v for k, v in values.items() if k in request["KeyConditionExpression"]
                    },
                    "ScanIndexForward": forward,
                }
                if "IndexName" in request:
                    asked["IndexName"] = request["IndexName"]
                answers = []
                for engine in (fast.original, fast):  # type: ignore[attr-defined]
                    Table.query = engine  # type: ignore[method-assign]
                    weighed.clear()
                    try:
                        with pytest.MonkeyPatch.context() as mp:
                            mp.setattr(DynamoType, "size", counted)
                            answers.append((_pages(ddb, asked), len(weighed)))
                    finally:
                        Table.query = fast  # type: ignore[method-assign]
                (moto_pages, moto_weighed), (fast_pages, fast_weighed) = answers
                assert fast_pages == moto_pages, asked
                assert sum(count for _, count, _, _ in fast_pages) == 10
                assert len(fast_pages) >= 2  # the limit was reached: the pages are moto's
                # moto weighs all 40 candidates on every page (twice the kept ones); the fast
                # path the ten in range, once a page.
                assert fast_weighed * 3 < moto_weighed, (fast_weighed, moto_weighed)


def test_an_index_s_grouping_is_kept_between_reads_and_made_again_after_any_write() -> None:
    """Consecutive index queries share one grouping of the table's items (the sweep's eight
    shard queries went through the whole table each); every kind of write to the table
    (PutItem, UpdateItem in place, DeleteItem, BatchWriteItem, TransactWriteItems, an
    action the grouping does not know) makes it again, and the answers are moto's after
    each."""
    import gc
    import weakref

    import boto3
    from moto import mock_aws

    moto_patches.fast_queries()

    def both(ddb: Any, shard: str) -> list[Any]:
        asked = {
            "TableName": "due",
            "IndexName": "by-g",
            "KeyConditionExpression": "g = :g",
            "ExpressionAttributeValues": {":g": {"S": shard}},
        }
        by_moto, by_fast = _both_paths(ddb, asked)
        assert by_fast == by_moto, shard
        return [item["sk"]["S"] for page in by_fast for item in page[0] or []]

    def item(sk: str, shard: str) -> dict[str, Any]:
        return {"pk": {"S": "p"}, "sk": {"S": sk}, "g": {"S": shard}, "gr": {"N": "1"}}

    def grouping() -> Any:
        from moto.dynamodb.models import dynamodb_backends

        table = dynamodb_backends["123456789012"]["us-east-1"].tables["due"]
        kept = moto_patches._groups.get(table, {}).get(("by-g", ("g",)))
        return kept[1] if kept else None

    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        _table(ddb, "due", QUERY_TABLES["hr"])
        for n in range(6):
            ddb.put_item(TableName="due", Item=item(f"s{n}", str(n % 2)))
        assert both(ddb, "0") == ["s0", "s2", "s4"]
        first = grouping()
        assert both(ddb, "1") == ["s1", "s3", "s5"] and grouping() is first  # no write: kept

        ddb.update_item(  # in place: the item moves to shard 1
            TableName="due",
            Key={"pk": {"S": "p"}, "sk": {"S": "s0"}},
            UpdateExpression="SET g = :g",
            ExpressionAttributeValues={":g": {"S": "1"}},
        )
        assert both(ddb, "0") == ["s2", "s4"] and both(ddb, "1") == ["s0", "s1", "s3", "s5"]
        assert grouping() is not first
        ddb.put_item(TableName="due", Item=item("s2", "1"))
        assert both(ddb, "0") == ["s4"]
        ddb.delete_item(TableName="due", Key={"pk": {"S": "p"}, "sk": {"S": "s4"}})
        assert both(ddb, "0") == []
        ddb.batch_write_item(RequestItems={"due": [{"PutRequest": {"Item": item("s9", "0")}}]})
        assert both(ddb, "0") == ["s9"]
        ddb.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": "due",
                        "Key": {"pk": {"S": "p"}, "sk": {"S": "s9"}},
                        "UpdateExpression": "REMOVE g",
                    }
                }
            ]
        )
        assert both(ddb, "0") == []
        ddb.update_table(  # an action the grouping does not know counts against every table
            TableName="due", BillingMode="PAY_PER_REQUEST"
        )
        before = grouping()
        assert both(ddb, "1") == ["s0", "s1", "s2", "s3", "s5"] and grouping() is not before
        from moto.dynamodb.models import dynamodb_backends

        table = weakref.ref(dynamodb_backends["123456789012"]["us-east-1"].tables["due"])
    gc.collect()
    assert table() is None  # the reset table took its groupings and their items with it
