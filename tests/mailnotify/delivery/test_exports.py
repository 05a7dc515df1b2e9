"""The package's public face: everything in ``__all__`` exists, and nothing public is hidden."""

from __future__ import annotations

import types

import mailnotify.delivery as delivery


def test_all_names_exist_and_nothing_else_is_public() -> None:
    public = {
        name
        for name, value in vars(delivery).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(delivery.__all__)
    assert len(delivery.__all__) == len(set(delivery.__all__))
