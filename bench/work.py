"""What the reference apps and the load generator share: the path and the PUT schema."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PATH = "/api/users/me/notifications"
_REF = "#/components/schemas/"


def _inline(node: Any, schemas: Mapping[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_REF):
            return _inline(schemas[ref[len(_REF) :]], schemas)
        return {key: _inline(value, schemas) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(item, schemas) for item in node]
    return node


def update_schema() -> dict[str, Any]:
    """The PUT body's schema from openapi.yaml, with its references inlined."""
    # Imported here: the load generator shares this module and must stay light.
    from mailnotify.app import load_spec
    from mailnotify.config import load_settings

    spec = load_spec(load_settings({}))
    schemas = spec["components"]["schemas"]
    schema: dict[str, Any] = _inline(schemas["NotificationSettingsUpdate"], schemas)
    return schema
