"""``openapi.yaml`` served as written, as JSON and as YAML, next to the API.

Connexion's own copy inlines every ``$ref`` and rewrites ``servers``; generators then
lose every schema name. These documents are the file itself: the YAML byte for byte,
the JSON its parse.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from starlette.types import ASGIApp, Receive, Scope, Send

from mailnotify.errors import ApiError
from mailnotify.json_writer import dumps

_ALLOW = "GET, HEAD"


@dataclass(frozen=True, slots=True)
class SpecDocument:
    """One served form of the spec: its bytes and media type."""

    body: bytes
    media_type: str


def spec_documents(path: Path, base_path: str) -> dict[str, SpecDocument]:
    """URL path -> document, for the spec at ``path`` served under ``base_path``."""
    source = path.read_bytes()
    parsed: dict[str, Any] = yaml.safe_load(source)
    return {
        f"{base_path}/openapi.json": SpecDocument(dumps(parsed), "application/json"),
        # RFC 9512's media type for YAML.
        f"{base_path}/openapi.yaml": SpecDocument(source, "application/yaml"),
    }


class SpecDocumentsMiddleware:
    """Answer GET and HEAD of the spec's URLs; any other method is a 405."""

    def __init__(self, app: ASGIApp, *, documents: dict[str, SpecDocument]) -> None:
        self.app = app
        self.documents = documents

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        document = self.documents.get(scope.get("path", "")) if scope["type"] == "http" else None
        if document is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            raise ApiError(405, headers={"Allow": _ALLOW})
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", document.media_type.encode()),
                    (b"content-length", str(len(document.body)).encode()),
                ],
            }
        )
        body = b"" if scope["method"] == "HEAD" else document.body
        await send({"type": "http.response.body", "body": body})
