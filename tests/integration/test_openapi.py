"""The published OpenAPI document covers every route the app serves, and is valid."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import body


def test_every_route_is_documented(client: Any) -> None:
    from app import app

    document = body(client.http.get("/openapi.json"))
    served = {(path, method.lower()) for path, methods in app.routes.items() for method in methods}
    documented = {
        (path, method) for path, operations in document["paths"].items() for method in operations
    }
    assert served - documented == set(), "routes missing from /openapi.json"
    assert documented - served == set(), "documented routes the app does not serve"


def test_document_is_valid_openapi_3_1(client: Any) -> None:
    from openapi_spec_validator import validate

    document = body(client.http.get("/openapi.json"))
    validate(document)
    submit = document["paths"]["/appeals"]["post"]
    assert (
        submit["requestBody"]["content"]["application/json"]["schema"]["properties"]["content"][
            "maxLength"
        ]
        == 4000
    )
    assert {"201", "400", "401", "403"} <= set(submit["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in submit["parameters"])


def test_the_document_describes_every_webhook_event_with_its_schema(client: Any) -> None:
    from openapi_spec_validator import validate

    from chalicelib.notifications.domain import catalogue

    document = body(client.http.get("/openapi.json"))
    validate(document)
    assert set(document["webhooks"]) == set(catalogue.EVENTS)
    decided = document["webhooks"]["work_order.extension_decided"]["post"]
    content = decided["requestBody"]["content"]["application/json"]
    assert content["schema"]["properties"]["schema_version"] == {
        "const": "1",
        "description": "The body's format version (also in X-Minsheng-Schema-Version)",
    }
    assert content["schema"]["properties"]["data"]["required"] == ["approve", "days", "reply_due"]
    assert content["examples"]["example"]["value"]["data"]["approve"] is True
    headers = {p["name"] for p in decided["parameters"]}
    assert {"X-Minsheng-Signature", "X-Minsheng-Delivery", "X-Minsheng-Schema-Version"} <= headers


def test_a_response_is_listed_only_where_it_can_happen(client: Any) -> None:
    """A 422 (a key used again with another body) only on calls with a body and a key:
    the signed reads take neither."""
    document = body(client.http.get("/openapi.json"))
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            if method in ("get", "options"):
                assert "422" not in op["responses"], (method, path)
    inbound = document["paths"]["/webhooks/departments/{department_id}"]["post"]
    assert "422" in inbound["responses"]
    signed_read = document["paths"]["/department-systems/{department_id}/work-orders"]["get"]
    assert "401" in signed_read["responses"] and "422" not in signed_read["responses"]
