"""openapi.yaml is valid OpenAPI 3.0 and lints clean: Redocly recommended-strict, Spectral."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import OpenAPIV30SpecValidator

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "openapi.yaml"
BIN = REPO / "node_modules" / ".bin"
REDOCLY = BIN / "redocly"
SPECTRAL = BIN / "spectral"


def load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        document: dict[str, Any] = yaml.safe_load(handle)
    return document


def test_spec_is_openapi_3_0() -> None:
    # Connexion 3.3 refuses 3.1 (CONTRACT §1).
    assert str(load(SPEC)["openapi"]).startswith("3.0.")


def test_spec_passes_openapi_spec_validator() -> None:
    errors = [str(error) for error in OpenAPIV30SpecValidator(load(SPEC)).iter_errors()]
    assert errors == []


def test_openapi_spec_validator_catches_a_broken_spec() -> None:
    broken = load(SPEC)
    del broken["paths"]["/users/me/notifications"]["get"]["responses"]
    assert list(OpenAPIV30SpecValidator(broken).iter_errors())


def node_tool(name: str) -> Path:
    """A pinned npm tool; fails in CI (scripts/install-system installs it), skips elsewhere."""
    tool = BIN / name
    if not tool.exists():
        message = f"{tool} is missing: run scripts/install-system (npm ci)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    if shutil.which("node") is None:
        pytest.fail(f"node is not installed; {name} needs it")
    return tool


def redocly(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the pinned Redocly CLI from the repository root, offline."""
    node_tool("redocly")
    environ = {
        **os.environ,
        "REDOCLY_TELEMETRY": "off",
        "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
        "NO_COLOR": "1",
    }
    return subprocess.run(
        [str(REDOCLY), *args],
        cwd=REPO,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def lint(path: Path) -> tuple[int, dict[str, Any]]:
    done = redocly("lint", "--format", "json", str(path))
    report: dict[str, Any] = json.loads(done.stdout)
    return done.returncode, report


def test_redocly_is_the_pinned_version() -> None:
    pinned = json.loads((REPO / "package.json").read_text())["devDependencies"]["@redocly/cli"]
    assert redocly("--version").stdout.strip() == pinned


def test_redocly_extends_recommended_strict() -> None:
    # Strict: every warning of the recommended set is an error.
    assert load(REPO / "redocly.yaml")["extends"] == ["recommended-strict"]


def test_spec_lints_clean_with_redocly_recommended_strict() -> None:
    returncode, report = lint(SPEC)
    problems = [
        f"{p['severity']} {p['ruleId']}: {p['message']} at {p['location'][0]['pointer']}"
        for p in report["problems"]
    ]
    assert report["totals"] == {"errors": 0, "warnings": 0, "ignored": 0}, problems
    assert returncode == 0


def test_redocly_catches_a_broken_spec(tmp_path: Path) -> None:
    broken = load(SPEC)
    operation = broken["paths"]["/users/me/notifications"]["get"]
    del operation["operationId"]
    for status in [s for s in operation["responses"] if s.startswith("4")]:
        del operation["responses"][status]
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken), encoding="utf-8")
    _, report = lint(path)
    rules = {p["ruleId"] for p in report["problems"]}
    # Both are warnings in the recommended set, errors in recommended-strict.
    assert {"operation-operationId", "operation-4xx-response"} <= rules, rules
    assert {p["severity"] for p in report["problems"]} == {"error"}


def spectral(path: Path) -> list[dict[str, Any]]:
    """Spectral's findings for ``path`` under the repository's ruleset (``spectral:oas``)."""
    done = subprocess.run(
        [str(node_tool("spectral")), "lint", "--format", "json", "--quiet", str(path)],
        cwd=REPO,
        env={**os.environ, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # --quiet leaves only the report; an empty report is "[]" (or nothing, when clean).
    findings: list[dict[str, Any]] = json.loads(done.stdout or "[]")
    return findings


def test_spectral_uses_the_oas_ruleset() -> None:
    assert load(REPO / ".spectral.yaml") == {"extends": ["spectral:oas"]}


def test_spectral_is_the_pinned_version() -> None:
    pinned = json.loads((REPO / "package.json").read_text())["devDependencies"]
    done = subprocess.run(
        [str(node_tool("spectral")), "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == pinned["@stoplight/spectral-cli"]


def test_spec_lints_clean_with_spectral_oas() -> None:
    findings = spectral(SPEC)
    assert findings == [], [f"{f['code']}: {f['message']} at {f['path']}" for f in findings]


def test_spectral_catches_a_broken_spec(tmp_path: Path) -> None:
    broken = load(SPEC)
    del broken["paths"]["/users/me/notifications"]["get"]["operationId"]
    broken["info"].pop("contact")
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken), encoding="utf-8")
    codes = {f["code"] for f in spectral(path)}
    assert {"operation-operationId", "info-contact"} <= codes, codes
