"""Reading a JSON body while it arrives: a batch's objects are parsed as they complete.

A usage batch (``{"reports": [{...}, {...}, ...]}``) is most of a large body. Parsed
whole, it needs the bytes and every parsed object in memory at once, and one parse
call holds the interpreter lock for the whole body. Here each object is parsed as soon
as its bytes have arrived and those bytes are dropped: memory is the parsed value plus
one chunk, and no call is longer than one object's parse.

Splitting at each ``},{`` gap is exact once a piece parses: a JSON object ends at the
brace that closes its first, so the first gap at which the piece parses is where the
object ends (a gap inside a string makes a piece that does not parse, and the piece is
extended to the next gap). A body of any other shape, or with a piece that never parses
within bounds, is read whole and parsed by ``parse_body`` (which says what is wrong).
"""

from __future__ import annotations

import json
import re

import orjson

from mailnotify.errors import FieldError
from mailnotify.json_body import (
    ESCAPED_SURROGATE_BYTES,
    MAX_BODY,
    MAX_VALUES,
    body_error,
    count_values,
    join_path,
    parse_body,
    without_lone_surrogates,
)

# ``{"name": [`` at the start of a batch, and the gap between two of its objects.
_BATCH_HEAD = re.compile(rb'\s*\{\s*("[^"\\]*")\s*:\s*\[\s*')
_ITEM_GAP = re.compile(rb"\}\s*,\s*\{")
_WHITESPACE = b" \t\r\n"
# Past these the body is not a batch of small objects: it is read whole.
_HEAD_ROOM = 1024
_MAX_PIECE = 16 * 2**10
_MAX_MISSES = 4
# Object by object is the slow way, taken when a chunk's objects do not parse as one
# run; a chunk of tiny objects would hold the event loop for tens of milliseconds.
_MAX_ONE_BY_ONE = 512


class BatchReader:
    """Feed it a body's chunks, then ``finish``: the parsed value and its lone-surrogate
    failures, or a 422 (``ApiError``) as ``parse_body`` would answer."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._size = 0
        self._values = 1
        self._head = b""
        self._name: str | None = None
        self._items: list[object] = []
        self._found: list[FieldError] = []
        self._streaming = True
        self._search = 0
        self._misses = 0

    @property
    def size(self) -> int:
        """Bytes fed so far."""
        return self._size

    def feed(self, chunk: bytes) -> None:
        """Take the next chunk; a 422 as soon as the body is over a bound."""
        self._size += len(chunk)
        if self._size > MAX_BODY:
            raise body_error(f"must be at most {MAX_BODY // 2**20} MiB")
        self._values += count_values(chunk)
        if self._values > MAX_VALUES:
            raise body_error(f"must hold at most {MAX_VALUES} JSON values")
        self._buffer += chunk
        if self._streaming:
            if self._name is None:
                self._read_head()
            if self._name is not None:
                self._read_items()

    def finish(self) -> tuple[object, list[FieldError]]:
        """The whole body's value and its lone-surrogate failures."""
        stop = _skip_back(self._buffer, _skip_back(self._buffer, len(self._buffer), b"}"), b"]")
        if self._streaming and self._name is not None and stop >= 0:
            if stop > 0 and (
                self._parse_run(stop) or self._parse_piece(bytes(self._buffer[:stop]))
            ):
                return {self._name: self._items}, self._found
            if stop == 0 and not self._items:
                return {self._name: []}, self._found
        return self._parse_whole()

    def _read_head(self) -> None:
        head = _BATCH_HEAD.match(self._buffer)
        if head is None:
            self._streaming = len(self._buffer) <= _HEAD_ROOM
            return
        try:
            name = orjson.loads(head.group(1))
        except orjson.JSONDecodeError:
            self._streaming = False
            return
        self._head, self._name = bytes(self._buffer[: head.end()]), name
        del self._buffer[: head.end()]

    def _read_items(self) -> None:
        # All the objects up to the last gap at once: one short call for a chunk's worth.
        last = _last_gap(self._buffer)
        if last is not None and self._parse_run(last[0] + 1):
            del self._buffer[: last[1]]
            self._search, self._misses = 0, 0
        # What that could not take goes object by object.
        for _ in range(_MAX_ONE_BY_ONE):
            gap = _ITEM_GAP.search(self._buffer, self._search)
            if gap is None:
                # A gap may begin at the last brace and end in a chunk still to come.
                brace = self._buffer.rfind(b"}", self._search)
                self._search = len(self._buffer) if brace < 0 else brace
                self._give_up_past(len(self._buffer))
                return
            if self._parse_piece(bytes(self._buffer[: gap.start() + 1])):
                del self._buffer[: gap.end() - 1]
                self._search, self._misses = 0, 0
            else:
                self._search = gap.end() - 1
                self._misses += 1
                self._give_up_past(gap.start())
                if not self._streaming:
                    return
        self._streaming = False

    def _give_up_past(self, piece: int) -> None:
        if piece > _MAX_PIECE or self._misses > _MAX_MISSES:
            self._streaming = False

    def _parse_run(self, end: int) -> bool:
        """Whether the buffer up to ``end`` is objects joined by commas, kept if so."""
        run = bytes(self._buffer[:end])
        if ESCAPED_SURROGATE_BYTES.search(run):
            return False
        try:
            values = orjson.loads(b"[" + run + b"]")
        except orjson.JSONDecodeError:
            return False
        if not all(isinstance(value, dict) for value in values):
            return False
        self._items += values
        return True

    def _parse_piece(self, piece: bytes) -> bool:
        """Whether ``piece`` is one JSON object, kept as the next item if so."""
        where = join_path(self._name or "", str(len(self._items)))
        try:
            if ESCAPED_SURROGATE_BYTES.search(piece):
                found: list[FieldError] = []
                value = without_lone_surrogates(json.loads(piece.decode()), where, found)
            else:
                value, found = orjson.loads(piece), []
        except (ValueError, RecursionError):  # orjson's error is a ValueError too
            return False
        if not isinstance(value, dict):
            return False
        self._items.append(value)
        self._found += found
        return True

    def _parse_whole(self) -> tuple[object, list[FieldError]]:
        # The objects already parsed go back as JSON in front of what is left: the
        # whole is then parsed as one, with parse_body's answers for what is wrong.
        parts = [self._head, *(json.dumps(item).encode() + b"," for item in self._items)]
        raw = b"".join([*parts, self._buffer])
        self._buffer = bytearray()
        value, found = parse_body(raw)
        return value, [*self._found, *found]


def _last_gap(buffer: bytearray) -> tuple[int, int] | None:
    """The last ``},{`` gap in ``buffer``: where its ``}`` and its ``{`` are."""
    brace = len(buffer)
    for _ in range(_MAX_MISSES * 16):  # a few nested objects per item, then a gap
        brace = buffer.rfind(b"{", 0, brace)
        comma = _skip_back(buffer, brace, b",")
        close = _skip_back(buffer, comma, b"}") if comma >= 0 else -1
        if brace < 0 or close >= 0:
            return None if brace < 0 else (close, brace)
    return None


def _skip_back(raw: bytearray, end: int, expected: bytes) -> int:
    """Where ``raw[:end]`` ends once trailing whitespace and then ``expected`` are
    dropped; -1 when the byte there is not ``expected``."""
    while end > 0 and raw[end - 1] in _WHITESPACE:
        end -= 1
    return end - 1 if end > 0 and raw[end - 1 : end] == expected else -1
