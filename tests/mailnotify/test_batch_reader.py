"""Reading a body as it arrives gives exactly what parsing it whole gives."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailnotify.batch_reader import BatchReader
from mailnotify.errors import ApiError, FieldError
from mailnotify.json_body import MAX_BODY, MAX_VALUES, parse_body

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
# Strings full of what the reader looks for: gaps, brackets, quotes and escapes.
tricky = st.text(alphabet='{},[] "\\:x\n\ud800', max_size=12)
items = st.dictionaries(tricky | st.text(max_size=4), json_values | tricky, max_size=4)


def _read(raw: bytes, size: int) -> tuple[object, list[FieldError]]:
    reader = BatchReader()
    for start in range(0, len(raw), size):
        reader.feed(raw[start : start + size])
    return reader.finish()


def _whole(raw: bytes) -> object:
    try:
        return parse_body(raw)
    except ApiError as error:
        return error.errors


def _streamed(raw: bytes, size: int) -> object:
    try:
        return _read(raw, size)
    except ApiError as error:
        return error.errors


@given(
    key=tricky | st.text(max_size=6),
    batch=st.lists(items | json_values, max_size=6),
    indent=st.sampled_from([None, 1]),
    size=st.integers(1, 40),
    damage=st.sampled_from([b"", b"]", b"}", b",", b'"', b"\xff", b' , "x": 1}']),
)
def test_a_body_read_as_it_arrives_equals_the_whole_parse(
    key: str, batch: list[object], indent: int | None, size: int, damage: bytes
) -> None:
    raw = json.dumps({key: batch}, indent=indent).encode("utf-8", "surrogatepass")
    if damage:
        cut = len(raw) // 2
        raw = raw[:cut] + damage + raw[cut:]
    assert repr(_streamed(raw, size)) == repr(_whole(raw))


def test_a_large_batch_is_parsed_as_it_arrives() -> None:
    reports = [{"email_address": f"user{i}@example.com", "space": {"used": i}} for i in range(9000)]
    raw = json.dumps({"reports": reports}).encode()
    reader = BatchReader()
    for start in range(0, len(raw), 65536):
        reader.feed(raw[start : start + 65536])
        # Each object's bytes are dropped once it is parsed: one chunk at most is held.
        assert len(reader._buffer) <= 65536 + 200
    assert reader.finish() == ({"reports": reports}, [])


def test_lone_surrogates_in_a_streamed_batch_are_named_by_index() -> None:
    raw = b'{"reports": [{"a": 1}, {"b": "\\ud800"}, {"c": 3}]}'
    assert _read(raw, 7) == (
        {"reports": [{"a": 1}, {"b": "\ufffd"}, {"c": 3}]},
        [FieldError("reports.1.b", "must not contain a lone surrogate (invalid Unicode)")],
    )


@pytest.mark.parametrize(
    ("raw", "description"),
    [
        (b"[" + b"1," * 2 * MAX_VALUES + b"1]", f"must hold at most {MAX_VALUES} JSON values"),
        (b'{"a": "' + b"x" * 2 * MAX_BODY + b'"}', f"must be at most {MAX_BODY // 2**20} MiB"),
    ],
)
def test_defect_2_a_body_over_a_bound_is_refused_before_it_is_all_read(
    raw: bytes, description: str
) -> None:
    reader = BatchReader()

    def feed_all() -> None:
        for start in range(0, len(raw), 65536):
            reader.feed(raw[start : start + 65536])

    with pytest.raises(ApiError) as refused:
        feed_all()
    assert refused.value.errors == (FieldError("body", description),)
    assert reader.size < len(raw)


@pytest.mark.parametrize(
    "batch",
    [
        [{"a": "},{" * 10}] * 3000,  # gaps inside strings: more misses than allowed
        [{"a": "x" * 40_000}, {"b": 1}],  # an object larger than a piece may grow
        [{"a": [{"b": 1}, {"c": 2}]}] * 2000,  # gaps inside nested arrays
        [{"a": "\ud800"}] * 2000,  # lone surrogates in every object
        # tiny objects, and a gap inside a string now and then: too many to take one by one
        [{"a": "},{"} if i % 1000 == 0 else {} for i in range(50_000)],
    ],
)
def test_odd_batches_read_as_they_arrive_equal_the_whole_parse(batch: list[object]) -> None:
    raw = json.dumps({"reports": batch}).encode("utf-8", "surrogatepass")
    assert repr(_streamed(raw, 65536)) == repr(_whole(raw))
