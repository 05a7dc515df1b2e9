"""Reading a JSON body at a bounded cost."""

from __future__ import annotations

import pytest

from mailnotify.errors import ApiError, FieldError
from mailnotify.json_body import MAX_VALUES, parse_body


def test_defect_2_a_body_with_too_many_values_is_refused_before_parsing() -> None:
    raw = ("[" + ",".join(["{}"] * MAX_VALUES) + "]").encode()
    with pytest.raises(ApiError) as refused:
        parse_body(raw)
    assert refused.value.errors == (
        FieldError("body", f"must hold at most {MAX_VALUES} JSON values"),
    )
    # Separators inside strings only make the bound stricter, never laxer.
    body, _ = parse_body(b'{"a": "' + b"," * 1000 + b'"}')
    assert body == {"a": "," * 1000}


def test_lone_surrogates_are_replaced_and_named() -> None:
    body, found = parse_body(b'{"a": ["ok", "\\ud800"], "\\udc00": 1, "b": "\\ud83d\\ude00"}')
    assert body == {"a": ["ok", "\ufffd"], "\ufffd": 1, "b": "\U0001f600"}
    assert [error.field for error in found] == ["a.1", "\ufffd"]
