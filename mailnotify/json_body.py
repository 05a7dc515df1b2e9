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
_ESCAPED_SURROGATE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = "must not contain a lone surrogate (invalid Unicode)"
# Above this size a body shaped like a batch is parsed an item at a time.
PIECEWISE = 256 * 2**10
# ``{"name": [`` at the start of a batch, and the gap between two of its objects.
_BATCH_HEAD = re.compile(rb'\s*\{\s*("[^"\\]*")\s*:\s*\[\s*')
_ITEM_GAP = re.compile(rb"\}\s*,\s*\{")
_WHITESPACE = b" \t\r\n"


def body_error(description: str) -> ApiError:
    """A 422 on the body as a whole."""
    return validation_failed([FieldError("body", description)])


def join_path(prefix: str, name: str) -> str:
    """The dotted path of ``name`` inside ``prefix``."""
    return f"{prefix}.{name}" if prefix else name


def _value_bound(raw: bytes) -> int:
    return 1 + raw.count(b",") + raw.count(b":") + raw.count(b"[")


def _clean(text: str) -> str | None:
    """``text`` with each lone surrogate replaced, or None when it has none."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    return None


def _without_lone_surrogates(value: Any, where: str, found: list[FieldError]) -> Any:
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
            _without_lone_surrogates(item, join_path(where, str(i)), found)
            for i, item in enumerate(value)
        ]
    if isinstance(value, dict):
        copy: dict[str, Any] = {}
        for key, item in value.items():
            cleaned = _clean(key)
            name = key if cleaned is None else cleaned
            if cleaned is not None:
                found.append(FieldError(join_path(where, name), _LONE_SURROGATE))
            copy[name] = _without_lone_surrogates(item, join_path(where, name), found)
        return copy
    return value


def _skip_back(raw: bytes, end: int, expected: int) -> int:
    """Where ``raw[:end]`` ends once trailing whitespace and then ``expected`` are
    dropped; -1 when the byte there is not ``expected``."""
    while end > 0 and raw[end - 1] in _WHITESPACE:
        end -= 1
    return end - 1 if end > 0 and raw[end - 1] == expected else -1


def _loads_batch(raw: bytes) -> object | None:
    """A body shaped ``{"name": [{...}, {...}, ...]}`` parsed one object at a time, or
    None when it is not of that shape (or a piece is no JSON: then the whole is parsed).

    One parse of a whole large body holds the interpreter lock throughout, and every
    other request (health probes included) waits for it; between pieces they do not.
    Splitting at each ``},{`` gap is safe to trust once every piece parses: a text that
    is ``[`` valid values joined by commas ``]`` has exactly those values as its items,
    so a gap inside a string shows as a piece that does not parse.
    """
    head = _BATCH_HEAD.match(raw)
    stop = _skip_back(raw, _skip_back(raw, len(raw), ord("}")), ord("]"))
    if head is None or stop < head.end():
        return None
    view = memoryview(raw)
    items: list[object] = []
    start = head.end()
    try:
        if stop > start:
            for gap in _ITEM_GAP.finditer(raw, start, stop):
                items.append(orjson.loads(view[start : gap.start() + 1]))
                start = gap.end() - 1
            items.append(orjson.loads(view[start:stop]))
        name = orjson.loads(head.group(1))
    except orjson.JSONDecodeError:
        return None
    return {name: items}


def parse_body(raw: bytes) -> tuple[object, list[FieldError]]:
    """The JSON value of ``raw`` and its lone-surrogate failures; a 422 if it is no JSON.

    Its cost is bounded before anything is built: at most ``MAX_VALUES`` values.
    """
    if _value_bound(raw) > MAX_VALUES:
        raise body_error(f"must hold at most {MAX_VALUES} JSON values")
    if not _ESCAPED_SURROGATE_BYTES.search(raw):
        # orjson reads the bytes without a decoded copy and holds the interpreter lock
        # for a fraction of json's time; anything it refuses (bad UTF-8, NaN, huge
        # integers, deep nesting) takes the careful path below, which says why.
        try:
            parsed = _loads_batch(raw) if len(raw) > PIECEWISE else None
            return (orjson.loads(raw) if parsed is None else parsed), []
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
        body = _without_lone_surrogates(body, "", found)
    return body, found
