"""Schema keywords whose errors never quote the instance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from connexion.json_schema import resolve_refs

from mailnotify.addresses import AddressPolicy
from mailnotify.schema_keywords import QUIET_KEYWORDS
from mailnotify.validation import _RequestValidator, format_checker

BIG = "x" * 1_000_000
MANY = [{"a": BIG[:100]}] * 20_000
CASES: list[tuple[dict[str, Any], object]] = [
    ({"type": "object"}, MANY),
    ({"type": "string"}, MANY),
    ({"enum": ["on", "off"]}, BIG),
    ({"maxItems": 10}, MANY),
    ({"minItems": 30_000}, MANY),
    ({"maxLength": 10}, BIG),
    ({"minLength": 2_000_000}, BIG),
    ({"maxProperties": 1}, dict.fromkeys(map(str, range(20_000)), BIG[:10])),
    ({"minProperties": 30_000}, dict.fromkeys(map(str, range(20_000)), BIG[:10])),
    ({"pattern": "^[a-z]{1,5}$"}, BIG),
    ({"format": "email"}, BIG),
    ({"format": "date-time"}, BIG),
    ({"properties": {}, "additionalProperties": False}, dict.fromkeys(map(str, range(20_000)))),
]


@pytest.mark.parametrize(("schema", "instance"), CASES, ids=[str(next(iter(s))) for s, _ in CASES])
def test_defect_2_an_error_on_a_huge_value_does_not_quote_it(
    schema: dict[str, Any], instance: object
) -> None:
    validator = _RequestValidator(schema, format_checker=format_checker(AddressPolicy()))
    errors = list(validator.iter_errors(instance))
    assert errors, "the value breaks the rule"
    assert all(len(error.message) < 100 for error in errors)


@pytest.mark.parametrize(
    ("schema", "instance", "valid"),
    [
        ({"type": "string", "nullable": True}, None, True),
        ({"type": "string"}, None, False),
        ({"enum": [1, "a"]}, True, False),
        ({"enum": [True]}, True, True),
        ({"enum": ["a"], "nullable": True}, None, True),
        ({"pattern": "^a$"}, "a\n", False),
        ({"maxLength": 2}, "\U0001f600\U0001f600", True),
        (
            {"properties": {"a": {}}, "additionalProperties": {"type": "integer"}},
            {"a": "x", "b": 1},
            True,
        ),
        ({"properties": {"a": {}}, "additionalProperties": {"type": "integer"}}, {"b": "x"}, False),
    ],
)
def test_quiet_keywords_keep_jsonschemas_rules(
    schema: dict[str, Any], instance: object, valid: bool
) -> None:
    validator = _RequestValidator(schema, format_checker=format_checker(AddressPolicy()))
    assert validator.is_valid(instance) is valid


# Keywords whose jsonschema errors quote only the schema, names or small numbers.
_NEVER_QUOTE_THE_INSTANCE = {
    "$ref",
    "allOf",
    "items",
    "properties",
    "required",
    "minimum",
    "maximum",
    "nullable",
    "readOnly",
    "writeOnly",
    "description",
    "default",
    "example",
    "x-extensible-enum",
}


def test_every_keyword_of_the_request_schemas_is_quiet() -> None:
    with Path("openapi.yaml").open(encoding="utf-8") as handle:
        spec = resolve_refs(yaml.safe_load(handle))
    used: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("schema"), dict):
                collect(node["schema"])
            for key, value in node.items():
                if key != "responses":
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    def collect(schema: dict[str, Any]) -> None:
        used.update(schema)
        subs = [schema.get("items"), schema.get("additionalProperties")]
        subs += [*schema.get("properties", {}).values(), *schema.get("allOf", [])]
        for sub in subs:
            if isinstance(sub, dict):
                collect(sub)

    walk(spec["paths"])
    assert used - _NEVER_QUOTE_THE_INSTANCE - set(QUIET_KEYWORDS) == set()
