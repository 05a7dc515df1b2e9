"""openapi.yaml as generators and clients in other ecosystems read it (issue 10)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.spec.test_openapi import SPEC, load

METHODS = ("get", "put", "post", "patch", "delete")
# Request bodies stay strict (CONTRACT §2 rule 6); everything a client receives is open.
REQUEST_SCHEMAS = {
    "NotificationSettingsUpdate",
    "DomainUpsert",
    "UsageBatch",
    "UsageReport",
    "Usage",
}


def spec() -> dict[str, Any]:
    return load(SPEC)


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec()["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: dict[str, Any] = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def refs_under(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from refs_under(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs_under(value)


def received_schemas() -> set[str]:
    """Every schema reachable from a response or a webhook body."""
    document = spec()
    schemas = document["components"]["schemas"]
    roots: list[object] = []
    for _, _, operation in operations():
        roots += [resolve(document, r) for r in operation["responses"].values()]
        for callback in operation.get("callbacks", {}).values():
            for item in callback.values():
                roots += [op["requestBody"] for op in item.values()]
    seen: set[str] = set()
    todo = [ref for root in roots for ref in refs_under(root)]
    while todo:
        ref = todo.pop()
        if not ref.startswith("#/components/schemas/"):
            todo += list(refs_under(resolve(document, {"$ref": ref})))
            continue
        name = ref.rsplit("/", 1)[1]
        if name not in seen:
            seen.add(name)
            todo += list(refs_under(schemas[name]))
    return seen


def closed_objects(node: object, where: str) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("additionalProperties") is False:
            yield where
        for key, value in node.items():
            yield from closed_objects(value, f"{where}.{key}")


def enums(node: object, where: str) -> Iterator[str]:
    if isinstance(node, dict):
        if "enum" in node and not where.endswith(".action_type"):
            yield where
        for key, value in node.items():
            yield from enums(value, f"{where}.{key}" if key != "properties" else where)


def test_responses_and_webhook_bodies_are_open() -> None:
    # Regression: additionalProperties: false made one new field break Go clients and
    # the SDK's verify_webhook.
    schemas = spec()["components"]["schemas"]
    received = received_schemas()
    assert {"NotificationSettings", "ErrorBody", "EmailOverquotaEvent", "DomainCreateEvent"} <= (
        received
    )
    closed = [w for name in received for w in closed_objects(schemas[name], name)]
    assert closed == []


def test_request_bodies_stay_strict() -> None:
    schemas = spec()["components"]["schemas"]
    for name in REQUEST_SCHEMAS:
        assert schemas[name]["additionalProperties"] is False, name
    assert not REQUEST_SCHEMAS & received_schemas()


def test_values_clients_receive_are_open_enums() -> None:
    # Regression: a closed enum made Java clients fail on a new metric or message.
    document = spec()
    schemas = document["components"]["schemas"]
    closed = [w for name in received_schemas() for w in enums(schemas[name], name)]
    assert closed == []
    open_values = {
        "ErrorBody.message",
        "EmailOverquotaEvent.event",
        "EmailOverquotaEvent.metric",
        "Domain.status",
    }
    for where in open_values:
        name, field = where.split(".")
        values = schemas[name]["properties"][field]["x-extensible-enum"]
        assert values, where


def test_no_schema_is_named_like_a_builtin_of_typescript_or_java() -> None:
    builtins = {"Error", "Object", "String", "Number", "Boolean", "Date", "Record", "Response"}
    assert not builtins & set(spec()["components"]["schemas"])


def test_every_callback_operation_has_an_operation_id() -> None:
    ids = []
    for _, _, operation in operations():
        for callback in operation.get("callbacks", {}).values():
            for item in callback.values():
                ids += [op.get("operationId") for op in item.values()]
    assert ids == ["emailOverquotaWebhook", "domainCreateWebhook", "pingWebhook"]


def test_the_first_server_is_absolute_with_defaults_for_its_variables() -> None:
    server = spec()["servers"][0]
    names = set(re.findall(r"\{([^}]+)\}", server["url"]))
    assert names == set(server["variables"])
    url = server["url"].format(**{n: v["default"] for n, v in server["variables"].items()})
    assert url == "http://127.0.0.1:8080/api"


@pytest.mark.parametrize("status", ["405", "503"])
def test_every_operation_documents_status(status: str) -> None:
    document = spec()
    header = {"405": "Allow", "503": "Retry-After"}[status]
    for path, method, operation in operations():
        response = resolve(document, operation["responses"][status])
        assert header in response["headers"], (path, method)
        example = response["content"]["application/json"]["example"]
        assert example["errors"] == [], (path, method)


# A test ping's 422 names the saved destination it lacks (CONTRACT §7: "No destination
# saved: 422 on it"), a field of the settings the operation reads, not of its request.
READ_FIELDS = {"sendTestNotification": {"notification_url", "notification_email"}}


def request_fields(document: dict[str, Any], operation: dict[str, Any]) -> set[str]:
    """The top-level names an operation takes: its parameters and body fields."""
    names = {resolve(document, p)["name"] for p in operation.get("parameters", [])}
    names |= READ_FIELDS.get(operation["operationId"], set())
    body = operation.get("requestBody")
    if body:
        schema = resolve(document, body["content"]["application/json"]["schema"])
        names |= set(schema.get("properties", {}))
    return names | {"body"}


def test_every_422_example_names_fields_of_its_operation() -> None:
    # Regression: one shared example named a field `name` that exists nowhere, and the
    # platform operations showed the settings' fields.
    document = spec()
    checked = 0
    for path, method, operation in operations():
        if "422" not in operation["responses"]:
            continue
        fields = request_fields(document, operation)
        examples = resolve(document, operation["responses"]["422"])["content"]["application/json"][
            "examples"
        ]
        for name, example in examples.items():
            for error in example["value"]["errors"]:
                top = error["field"].split(".")[0]
                known = top in fields or error["description"] == "is not a known field"
                assert known, (path, method, name, error["field"])
                checked += 1
    assert checked >= 10


def test_examples_have_the_real_forms() -> None:
    text = SPEC.read_text(encoding="utf-8")
    for secret in re.findall(r"whsec_[A-Za-z0-9+/=]+", text):
        assert len(secret) == len("whsec_") + 44, secret
    for event_id in set(re.findall(r"evt_[A-Za-z0-9_-]+", text)):
        assert re.fullmatch(r"evt_[0-9a-f]{13}[A-Za-z0-9_-]{22}", event_id), event_id
    for code in set(re.findall(r"\b(?:CU|MG|PM)[0-9A-F]{4,}\b", text)):
        assert re.fullmatch(r"(?:CU|MG|PM)[0-9A-F]{12}", code), code
