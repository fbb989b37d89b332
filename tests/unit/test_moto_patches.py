"""The local stack's fast writing of DynamoDB items is moto's own serializer, byte for
byte, on every kind of attribute value."""

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
