"""Build steps that pyproject.toml cannot say; the metadata lives there.

The checkout keeps ``openapi.yaml`` and ``handlers/`` at its top (the design card);
the distribution installs them as ``mailnotify/openapi.yaml`` and ``mailnotify.handlers``,
so that nothing generic lands in site-packages and the spec has one source.
"""

from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

SPEC = "openapi.yaml"


class BuildWithSpec(build_py):
    """build_py that also copies the top-level spec into the package."""

    def run(self) -> None:
        super().run()
        # An editable install reads the checkout's file (see Settings.spec_path).
        if not self.editable_mode:
            self.copy_file(SPEC, str(Path(self.build_lib) / "mailnotify" / SPEC))


handlers = ["mailnotify.handlers"] + [
    f"mailnotify.handlers.{name}" for name in find_packages("handlers")
]

setup(
    packages=find_packages(include=["mailnotify", "mailnotify.*"]) + handlers,
    package_dir={"mailnotify.handlers": "handlers"},
    cmdclass={"build_py": BuildWithSpec},
)
