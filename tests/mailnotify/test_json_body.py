"""Reading a JSON body at a bounded cost."""

from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailnotify.errors import ApiError, FieldError
from mailnotify.json_body import MAX_VALUES, PIECEWISE, _loads_batch, parse_body


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


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
# Strings full of what the splitter looks for: gaps, brackets, quotes and escapes.
tricky = st.text(alphabet='{},[] "\\:x\n', max_size=12)
items = st.dictionaries(tricky | st.text(max_size=4), json_values | tricky, max_size=4)


@given(
    key=tricky | st.text(max_size=6),
    batch=st.lists(items | json_values, max_size=6),
    indent=st.sampled_from([None, 1]),
)
def test_a_batch_parsed_in_pieces_equals_the_whole_parse(
    key: str, batch: list[object], indent: int | None
) -> None:
    raw = json.dumps({key: batch}, indent=indent).encode()
    pieces = _loads_batch(raw)
    # The pieces are trusted only when they give exactly what one parse gives.
    assert pieces is None or pieces == orjson.loads(raw)


def test_a_large_batch_is_parsed_in_pieces() -> None:
    reports = [{"email_address": f"user{i}@example.com", "space": {"used": i}} for i in range(9000)]
    raw = json.dumps({"reports": reports}).encode()
    assert len(raw) > PIECEWISE
    assert _loads_batch(raw) == {"reports": reports}
    assert parse_body(raw) == ({"reports": reports}, [])


@pytest.mark.parametrize(
    "raw",
    [
        b'{"reports": [{"a": 1}}]}',  # one brace too many in the last piece
        b'{"reports": [{"a": "},{"}, {"b": 2}]}',  # a gap inside a string
        b'{"reports": [{"a": 1}], "reports": [{"b": 2}]}',  # a second array
        b'{"reports": [{}, 1, {}]}',  # not objects only
        b'["reports"]',
    ],
)
def test_what_is_not_a_plain_batch_is_parsed_whole(raw: bytes) -> None:
    whole = _loads_batch(raw)
    assert whole is None or whole == orjson.loads(raw)
