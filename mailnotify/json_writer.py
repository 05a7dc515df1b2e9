"""The one JSON writer of every response body, success and error: orjson, compact."""

from __future__ import annotations

from typing import Any

import orjson
from connexion.jsonifier import Jsonifier


def dumps(value: object) -> bytes:
    """``value`` as compact UTF-8 JSON."""
    return orjson.dumps(value)


class OrjsonJsonifier(Jsonifier):  # type: ignore[misc]
    """Connexion's serializer of handler results, writing through ``dumps``.

    Reading request bodies stays Connexion's (the standard library's ``json``): the
    validators' view of a body must not change with the writer.
    """

    def dumps(self, data: Any, **_kwargs: Any) -> bytes:
        return dumps(data)
