"""mailnotify.spec_documents: openapi.yaml served as written, as JSON and as YAML."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from mailnotify.app import base_path
from mailnotify.config import CHECKOUT_SPEC_PATH as SPEC_PATH


def source() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    return document


def test_the_json_spec_is_openapi_yaml_with_its_refs_and_servers(client: TestClient) -> None:
    # Regression: Connexion's copy inlined every $ref and replaced the servers.
    served = client.get("/api/openapi.json")
    assert served.status_code == 200
    assert served.headers["content-type"] == "application/json"
    assert served.json() == source()
    assert '"$ref":"#/components/schemas/NotificationSettings"' in served.text


def test_the_yaml_spec_is_the_file_byte_for_byte(client: TestClient) -> None:
    served = client.get("/api/openapi.yaml")
    assert served.status_code == 200
    assert served.headers["content-type"] == "application/yaml"
    assert served.content == SPEC_PATH.read_bytes()


def test_head_answers_the_length_without_the_body(client: TestClient) -> None:
    answer = client.head("/api/openapi.json")
    assert answer.status_code == 200
    assert answer.content == b""
    assert int(answer.headers["content-length"]) == len(client.get("/api/openapi.json").content)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_other_methods_are_405_with_allow(client: TestClient, method: str) -> None:
    answer = client.request(method, "/api/openapi.yaml")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, HEAD"
    assert answer.json() == {"message": "Method not allowed", "errors": []}


def test_swagger_ui_loads_the_served_spec(client: TestClient) -> None:
    page = client.get("/api/ui/")
    assert page.status_code == 200
    assert 'url: "/api/openapi.json"' in page.text


def test_the_base_path_is_the_first_servers_path_with_default_variables() -> None:
    assert base_path(source()) == "/api"
    spec = {
        "servers": [
            {
                "url": "{scheme}://{host}/{prefix}/api/",
                "variables": {
                    "scheme": {"default": "https"},
                    "host": {"default": "mail.example.com"},
                    "prefix": {"default": "v1"},
                },
            }
        ]
    }
    assert base_path(spec) == "/v1/api"
    assert base_path({"servers": [{"url": "/api"}]}) == "/api"
