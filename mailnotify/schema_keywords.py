"""Draft 4 keywords whose errors never quote the instance.

jsonschema builds each error's message from ``repr(instance)``: one ``maxItems`` error
on a batch of 24 000 reports is a 16 MB string, built in one call that holds the
interpreter lock for tens of milliseconds. The contract's descriptions come from the
keyword, its value and the instance (``validation._describe``), never the message, so
these checks keep jsonschema's rules and name only the keyword.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from typing import Any

from jsonschema.exceptions import ValidationError

Keyword = Callable[[Any, Any, Any, dict[str, Any]], Iterator[ValidationError]]


def _null_allowed(instance: Any, schema: dict[str, Any]) -> bool:
    # OpenAPI 3.0's ``nullable`` (and Swagger's ``x-nullable``), as Connexion reads them.
    return instance is None and bool(schema.get("nullable") or schema.get("x-nullable"))


def _type(
    validator: Any, types: Any, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    names = [types] if isinstance(types, str) else types
    if not _null_allowed(instance, schema) and not any(
        validator.is_type(instance, n) for n in names
    ):
        yield ValidationError("type")


def _equal(one: Any, other: Any) -> bool:
    # JSON's true is not its 1, though Python's True == 1.
    return bool(one == other) and isinstance(one, bool) == isinstance(other, bool)


def _enum(
    validator: Any, enums: Any, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    if not _null_allowed(instance, schema) and not any(_equal(e, instance) for e in enums):
        yield ValidationError("enum")


def _sized(kind: str, keyword: str, too_long: bool) -> Keyword:
    def check(
        validator: Any, bound: Any, instance: Any, _schema: dict[str, Any]
    ) -> Iterator[ValidationError]:
        if validator.is_type(instance, kind):
            size = len(instance)
            if size > bound if too_long else size < bound:
                yield ValidationError(keyword)

    return check


def _format(
    validator: Any, name: Any, instance: Any, _schema: dict[str, Any]
) -> Iterator[ValidationError]:
    checker = validator.format_checker
    if checker is None or name not in checker.checkers:
        return
    # FormatChecker.check would quote the instance in its FormatError.
    function, raises = checker.checkers[name]
    try:
        conforms = function(instance)
    except raises as cause:
        yield ValidationError("format", cause=cause)
        return
    if not conforms:
        yield ValidationError("format")


def _additional_properties(
    validator: Any, allowed: Any, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    known = schema.get("properties", {})
    patterns = "|".join(schema.get("patternProperties", {}))
    extras = [
        name
        for name in instance
        if name not in known and not (patterns and re.search(patterns, name))
    ]
    if validator.is_type(allowed, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], allowed, path=extra)
    elif not allowed and extras:
        yield ValidationError("additionalProperties")


@functools.lru_cache(maxsize=256)
def anchored(pattern: str) -> re.Pattern[str]:
    """``pattern`` compiled with ECMA's ``$``: Python's also matches before a final newline."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _pattern(
    validator: Any, pattern: str, instance: Any, _schema: dict[str, Any]
) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not anchored(pattern).search(instance):
        yield ValidationError("pattern")


QUIET_KEYWORDS: dict[str, Keyword] = {
    "type": _type,
    "enum": _enum,
    "maxItems": _sized("array", "maxItems", too_long=True),
    "minItems": _sized("array", "minItems", too_long=False),
    "maxLength": _sized("string", "maxLength", too_long=True),
    "minLength": _sized("string", "minLength", too_long=False),
    "maxProperties": _sized("object", "maxProperties", too_long=True),
    "minProperties": _sized("object", "minProperties", too_long=False),
    "format": _format,
    "additionalProperties": _additional_properties,
    "pattern": _pattern,
}
