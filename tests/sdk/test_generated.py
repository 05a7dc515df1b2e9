"""sdk/mailnotify_sdk/_generated: exactly what the pinned generator makes of openapi.yaml."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).parents[2]
GENERATED = ROOT / "sdk" / "mailnotify_sdk" / "_generated"


def tree(directory: Path) -> dict[str, bytes]:
    """Relative path -> content of every file under ``directory``, bytecode aside."""
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_regenerating_changes_nothing(tmp_path: Path) -> None:
    fresh = tmp_path / "_generated"
    subprocess.run(
        [ROOT / "scripts" / "generate-sdk", fresh], check=True, capture_output=True, timeout=120
    )
    expected, committed = tree(fresh), tree(GENERATED)
    assert sorted(expected) == sorted(committed), "files differ: run scripts/generate-sdk"
    changed = [name for name in expected if expected[name] != committed[name]]
    assert changed == [], "generated files differ: run scripts/generate-sdk, never edit them"
