"""Reading a JSON request body at a bounded cost, and refusing what no encoder takes."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from mailnotify.errors import ApiError, FieldError, validation_failed

# Room well above a full usage batch of 10 000 reports, the largest valid body.
MAX_BODY = 16 * 2**20
# Every JSON value but the first follows a ",", ":" or "[" (counted inside strings too,
# which only overestimates): a bound on what parsing a body may build, checked before
# parsing. It leaves room above the largest valid body, a full usage batch.
MAX_VALUES = 500_000
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
ESCAPED_SURROGATE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = "must not contain a lone surrogate (invalid Unicode)"


def body_error(description: str) -> ApiError:
    """A 422 on the body as a whole."""
    return validation_failed([FieldError("body", description)])


def join_path(prefix: str, name: str) -> str:
    """The dotted path of ``name`` inside ``prefix``."""
    return f"{prefix}.{name}" if prefix else name


def count_values(raw: bytes) -> int:
    """How many JSON values ``raw`` may hold at most, but for the first (see MAX_VALUES)."""
    return raw.count(b",") + raw.count(b":") + raw.count(b"[")


def _clean(text: str) -> str | None:
    """``text`` with each lone surrogate replaced, or None when it has none."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    return None


def without_lone_surrogates(value: Any, where: str, found: list[FieldError]) -> Any:
    """A copy of ``value`` where every lone surrogate (which ``\\ud800`` escapes make and
    no encoder takes) is replaced, and each string or key holding one named in ``found``."""
    if isinstance(value, str):
        cleaned = _clean(value)
        if cleaned is None:
            return value
        found.append(FieldError(where or "body", _LONE_SURROGATE))
        return cleaned
    if isinstance(value, list):
        return [
            without_lone_surrogates(item, join_path(where, str(i)), found)
            for i, item in enumerate(value)
        ]
    if isinstance(value, dict):
        copy: dict[str, Any] = {}
        for key, item in value.items():
            cleaned = _clean(key)
            name = key if cleaned is None else cleaned
            if cleaned is not None:
                found.append(FieldError(join_path(where, name), _LONE_SURROGATE))
            copy[name] = without_lone_surrogates(item, join_path(where, name), found)
        return copy
    return value


def parse_body(raw: bytes) -> tuple[object, list[FieldError]]:
    """The JSON value of ``raw`` and its lone-surrogate failures; a 422 if it is no JSON.

    Its cost is bounded before anything is built: at most ``MAX_VALUES`` values.
    """
    if 1 + count_values(raw) > MAX_VALUES:
        raise body_error(f"must hold at most {MAX_VALUES} JSON values")
    if not ESCAPED_SURROGATE_BYTES.search(raw):
        # orjson reads the bytes without a decoded copy and holds the interpreter lock
        # for a fraction of json's time; anything it refuses (bad UTF-8, NaN, huge
        # integers, deep nesting) takes the careful path below, which says why.
        try:
            return orjson.loads(raw), []
        except orjson.JSONDecodeError:
            pass
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise body_error("must be UTF-8 encoded") from None
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        raise body_error("must be valid JSON") from None
    found: list[FieldError] = []
    if _ESCAPED_SURROGATE.search(text):
        body = without_lone_surrogates(body, "", found)
    return body, found
