"""API tokens: format, parsing and constant-time matching."""

from __future__ import annotations

from mailnotify import tokens


def test_issued_tokens_parse_back_and_match_only_their_hash() -> None:
    issued = tokens.issue()
    presented = tokens.parse(issued.token)
    assert presented is not None
    assert presented.token_id == issued.token_id
    assert tokens.matches(presented, issued.secret_hash)
    other = tokens.issue()
    assert not tokens.matches(presented, other.secret_hash)
    assert issued.token_id not in issued.secret_hash


def test_secrets_carry_32_random_bytes() -> None:
    issued = {tokens.issue().token for _ in range(200)}
    assert len(issued) == 200
    assert all(len(t.split("_", 2)[2]) == 43 for t in issued)


def test_malformed_tokens_do_not_parse() -> None:
    for token in (
        "",
        "mn_",
        "mn_short_x",
        "xx_0123456789abcdef_secret",
        "mn_0123456789abcdef-secret",
        "mn_0123456789abcdef_",
        "mn_" + "a" * 200,
    ):
        assert tokens.parse(token) is None
