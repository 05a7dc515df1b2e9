"""Schemathesis hooks for ``schemathesis run``, named by ``hooks`` in schemathesis.toml.

Registering at import is how Schemathesis loads a hooks module. Tokens come from
``MAILNOTIFY_TOKEN`` (a customer) and ``MAILNOTIFY_PLATFORM_TOKEN``; the seeded directory
from ``MAILNOTIFY_FUZZ_*`` (see ``positive.World``).
"""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis import Case, HookContext

from tests.conformance.auth import Tokens, token_auth
from tests.conformance.positive import World, adapt

schemathesis.auth(refresh_interval=None)(token_auth(Tokens.from_environ))


@schemathesis.hook
def before_call(context: HookContext, case: Case[Any], kwargs: dict[str, Any]) -> None:
    """Keep positive cases valid for the server's current state (see ``positive``)."""
    adapt(case, World.from_environ())
