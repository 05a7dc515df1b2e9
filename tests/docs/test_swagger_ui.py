"""The API docs: Swagger UI at /api/ui/ renders the spec in a real headless chromium.

Swagger UI is served from the connexion swagger-ui-bundle package, and chromium resolves
no host but 127.0.0.1, so a page that needed a CDN would render nothing here. Its
``deepLinking`` opens an operation from the URL fragment, which lets ``--dump-dom`` see an
expanded operation without driving the browser. Screenshots are kept in artifacts/.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
import yaml

from tests.conformance.live_server import REPO, LiveServer, live_server

ARTIFACTS = REPO / "artifacts"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    # Loopback only: any other host fails to resolve, so nothing leaves the machine.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--virtual-time-budget=15000",
)
WIDTH = 1280


def chromium_path() -> str:
    """Debian's chromium; fails in CI (scripts/install-system installs it), skips elsewhere."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        message = "chromium is not installed: run scripts/install-system"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One live server for the page's tests."""
    with live_server(tmp_path_factory.mktemp("docs")) as running:
        yield running


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"src", "href"} and value:
                self.urls.append(value)


def render(url: str, profile: Path, *mode: str) -> subprocess.CompletedProcess[str]:
    """Load ``url`` in headless chromium with a fresh profile, in ``mode``."""
    done = subprocess.run(
        [chromium_path(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *mode, url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    # Console errors and failed loads (an unreachable CDN, a missing asset) are logged here.
    assert "Failed to load resource" not in done.stderr, done.stderr
    assert "net::ERR_" not in done.stderr, done.stderr
    return done


def dump_dom(url: str, profile: Path) -> str:
    """The DOM after Swagger UI rendered ``url``."""
    return render(url, profile, "--dump-dom").stdout


def screenshot(url: str, profile: Path, name: str, height: int) -> Path:
    """A PNG of ``url`` kept in artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    path.unlink(missing_ok=True)
    render(url, profile, f"--window-size={WIDTH},{height}", f"--screenshot={path}")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (WIDTH, height)
    # A blank page of this size compresses to a few kilobytes; a rendered one does not.
    assert len(data) > 50_000, f"{path} looks blank ({len(data)} bytes)"
    return path


def test_page_uses_only_local_assets(server: LiveServer) -> None:
    page = httpx.get(f"{server.url}/api/ui/", timeout=10)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    parser = _Assets()
    parser.feed(page.text)
    assert any(url.endswith("swagger-ui-bundle.js") for url in parser.urls), parser.urls
    for url in parser.urls:
        assert not re.match(r"^(?:[a-z]+:)?//", url), f"external asset {url}"
        asset = httpx.get(f"{server.url}/api/ui/{url}", timeout=10)
        assert asset.status_code == 200, url
    assert '"/api/openapi.json"' in page.text
    assert "validatorUrl: null" in page.text  # no badge fetched from swagger.io


def test_served_spec_is_openapi_yaml(server: LiveServer) -> None:
    with (REPO / "openapi.yaml").open(encoding="utf-8") as handle:
        source = yaml.safe_load(handle)
    served = httpx.get(f"{server.url}/api/openapi.json", timeout=10)
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("application/json")
    # Everything as written: refs, servers and their variables, descriptions.
    assert served.json() == source
    as_yaml = httpx.get(f"{server.url}/api/openapi.yaml", timeout=10)
    assert as_yaml.status_code == 200
    assert yaml.safe_load(as_yaml.text) == source


def test_the_servers_default_url_reaches_the_live_server(server: LiveServer) -> None:
    # Generated clients start from the first server with its variables at their
    # defaults; pointed at this server's host, that URL must be the API.
    first = yaml.safe_load((REPO / "openapi.yaml").read_text(encoding="utf-8"))["servers"][0]
    variables = {name: v["default"] for name, v in first["variables"].items()}
    variables["host"] = server.url.removeprefix("http://")
    url = first["url"].format(**variables)
    answer = httpx.get(f"{url}/users/me/notifications", timeout=10)
    assert answer.status_code == 401
    assert answer.json() == {"message": "Unauthorized", "errors": []}


def test_both_settings_operations_render(server: LiveServer, tmp_path: Path) -> None:
    url = f"{server.url}/api/ui/"
    dom = dump_dom(url, tmp_path / "profile")
    blocks = re.findall(
        r'opblock-summary-method">([A-Z]+)<.*?data-path="([^"]+)"', dom, flags=re.DOTALL
    )
    assert ("GET", "/users/me/notifications") in blocks, blocks
    assert ("PUT", "/users/me/notifications") in blocks, blocks
    assert "Get notification settings" in dom
    assert "Update notification settings" in dom
    screenshot(url, tmp_path / "profile", "swagger-ui.png", 1400)


def test_put_operation_shows_its_errors(server: LiveServer, tmp_path: Path) -> None:
    url = f"{server.url}/api/ui/#/notifications/updateNotificationSettings"
    dom = dump_dom(url, tmp_path / "profile")
    codes = set(re.findall(r'class="response[^"]*" data-code="(\d{3})"', dom))
    assert {"200", "401", "403", "415", "422", "500"} <= codes, codes
    # The error examples: the first 422 example, and the fixed bodies of 401 and 403.
    for text in ("Validation failed", "Unauthorized", "Forbidden", "X-Request-Id"):
        assert text in dom, text
    assert "must be an absolute https URL" in dom or "is not valid" in dom
    screenshot(url, tmp_path / "profile", "swagger-ui-put.png", 4400)
