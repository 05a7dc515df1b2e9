"""Issue 8 part 1: the built wheels are complete, with no checkout nearby.

The wheels are built once per session (offline, with the build tools of the dev
extras), from their sdists, and installed into an empty virtualenv whose processes
run from a temporary directory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import venv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conformance.live_server import free_port, wait_until_ready

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Built:
    """The distributions built from the checkout, and a virtualenv holding the wheels."""

    dist: Path
    venv: Path
    workdir: Path

    def wheel(self, name: str) -> Path:
        """The wheel of distribution ``name`` (underscored)."""
        (path,) = self.dist.glob(f"{name}-*.whl")
        return path

    def sdist(self, name: str) -> Path:
        """The sdist of distribution ``name`` (underscored)."""
        (path,) = self.dist.glob(f"{name}-*.tar.gz")
        return path

    def environ(self) -> dict[str, str]:
        """An environment that knows nothing of the checkout."""
        environ = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("MAILNOTIFY_", "PYTHON", "VIRTUAL_ENV"))
        }
        environ["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{environ.get('PATH', '')}"
        environ["MAILNOTIFY_DATABASE_URL"] = f"sqlite:///{self.workdir / 'mailnotify.db'}"
        environ["MAILNOTIFY_EMBEDDED_WORKER"] = "false"
        return environ

    def run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        """Run a command of the virtualenv from the working directory."""
        return subprocess.run(
            [str(self.venv / "bin" / argv[0]), *argv[1:]],
            cwd=self.workdir,
            env=self.environ(),
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )


def _pip(python: Path, *args: str, cwd: Path) -> None:
    subprocess.run(
        [str(python), "-m", "pip", "--disable-pip-version-check", "--quiet", *args],
        cwd=cwd,
        check=True,
        timeout=600,
    )


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Both distributions built, and their wheels installed into an empty virtualenv."""
    root = tmp_path_factory.mktemp("packaging")
    dist = root / "dist"
    for project in (REPO, REPO / "sdk"):
        # --no-isolation: the pinned build tools of the dev extras, no index needed.
        subprocess.run(
            [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(project)],
            cwd=root,
            check=True,
            capture_output=True,
            timeout=300,
        )
    env = root / "venv"
    venv.EnvBuilder(with_pip=True).create(env)
    workdir = root / "work"
    workdir.mkdir()
    wheels = sorted(str(p) for p in dist.glob("*.whl"))
    _pip(env / "bin" / "python", "install", "-c", str(REPO / "constraints.txt"), *wheels, cwd=root)
    return Built(dist, env, workdir)


@pytest.fixture
def served(built: Built) -> Iterator[str]:
    """``mailnotify serve`` from the installed wheel, on a free port; its base URL."""
    built.run("mailnotify", "db", "upgrade")
    port = free_port()
    log = (built.workdir / "serve.log").open("wb")
    process = subprocess.Popen(
        [str(built.venv / "bin" / "mailnotify"), "serve", "--port", str(port)],
        cwd=built.workdir,
        env=built.environ(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(url, process, built.workdir / "serve.log", timeout=60)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_installed_wheel_migrates_serves_and_answers_an_authenticated_get(
    built: Built, served: str
) -> None:
    created = json.loads(
        built.run("mailnotify", "users", "create", "--role", "customer", "--json").stdout
    )
    answer = httpx.get(
        f"{served}/api/users/me/notifications",
        headers={"X-Api-Token": created["token"]},
        timeout=10,
    )
    assert answer.status_code == 200
    assert answer.json()["resources"][0]["notification_url"] is None
    # The docs page comes with the installed distribution too.
    assert httpx.get(f"{served}/api/ui/", timeout=10).status_code == 200


def test_installed_wheel_runs_from_site_packages_without_a_top_level_handlers(
    built: Built,
) -> None:
    probe = (
        "import importlib.util, json, mailnotify.config, mailnotify.handlers, mailnotify_sdk;"
        "print(json.dumps({'spec': str(mailnotify.config.load_settings().spec_path),"
        " 'handlers': mailnotify.handlers.__file__,"
        " 'top_level': importlib.util.find_spec('handlers') is not None}))"
    )
    found = json.loads(built.run("python", "-c", probe).stdout)
    site = str(built.venv / "lib")
    assert found["spec"].startswith(site)
    assert found["handlers"].startswith(site)
    assert found["top_level"] is False


def test_wheel_spec_equals_openapi_yaml_byte_for_byte(built: Built) -> None:
    with zipfile.ZipFile(built.wheel("mailnotify")) as wheel:
        assert wheel.read("mailnotify/openapi.yaml") == (REPO / "openapi.yaml").read_bytes()
        names = set(wheel.namelist())
    assert {
        "mailnotify/migrations/env.py",
        "mailnotify/migrations/script.py.mako",
        "mailnotify/handlers/__init__.py",
        "mailnotify/py.typed",
    } <= names
    versions = {p.name for p in (REPO / "mailnotify/migrations/versions").glob("*.py")}
    assert {n.rpartition("/")[2] for n in names if "/migrations/versions/" in n} == versions
    assert not any(n.startswith("handlers/") for n in names)


def test_sdists_carry_what_their_wheels_are_built_from(built: Built) -> None:
    with tarfile.open(built.sdist("mailnotify")) as sdist:
        names = {n.partition("/")[2] for n in sdist.getnames()}
    assert {"openapi.yaml", "setup.py", "pyproject.toml", "handlers/__init__.py"} <= names
    assert "mailnotify/migrations/script.py.mako" in names
    with zipfile.ZipFile(built.wheel("mailnotify_sdk")) as wheel:
        assert "mailnotify_sdk/py.typed" in wheel.namelist()
        assert any(n.startswith("mailnotify_sdk/_generated/api/") for n in wheel.namelist())


def test_checkout_spec_is_the_top_level_file_when_the_package_has_none() -> None:
    # The editable install of the tests: the package folder holds no copy of the spec.
    from mailnotify.config import default_spec_path

    assert not (REPO / "mailnotify" / "openapi.yaml").exists()
    assert default_spec_path() == REPO / "openapi.yaml"
