"""CONTRACT §2: GET and PUT /api/users/me/notifications, one test per rule."""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlmodel import SQLModel
from starlette.testclient import TestClient

from mailnotify import accounts
from mailnotify.config import Settings
from mailnotify.db import reading, writing
from mailnotify.errors import ApiError
from mailnotify.models import ApiToken
from mailnotify.subscriptions.settings import get_settings, update_settings
from tests.conftest import Account, MakeUser

URL = "/api/users/me/notifications"
HOOK = "https://hooks.example.com/mail"
DEFAULTS = {
    "notification_url": None,
    "email_overquota_callback": False,
    "domain_create_callback": False,
    "notification_email": None,
    "email_overquota_email": False,
    "webhook_status": {
        "state": "healthy",
        "failing_since": None,
        "disabled_at": None,
        "last_success_at": None,
    },
}


def settings_of(client: TestClient, account: Account) -> dict[str, object]:
    response = client.get(URL, headers=account.headers)
    assert response.status_code == 200, response.text
    resource: dict[str, object] = response.json()["resources"][0]
    return resource


def put(client: TestClient, account: Account, body: object) -> httpx.Response:
    response: httpx.Response = client.put(URL, json=body, headers=account.headers)
    return response


def put_ok(client: TestClient, account: Account, body: dict[str, object]) -> dict[str, object]:
    response = put(client, account, body)
    assert response.status_code == 200, response.text
    resource: dict[str, object] = response.json()["resources"][0]
    return resource


def errors_of(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 422, response.text
    errors: list[dict[str, str]] = response.json()["errors"]
    return errors


@pytest.mark.parametrize("role", ["customer", "manager"])
def test_customers_and_managers_may_call(
    client: TestClient, make_user: MakeUser, role: str
) -> None:
    user = make_user(role)
    assert settings_of(client, user) == DEFAULTS
    assert put_ok(client, user, {}) == DEFAULTS


def test_new_user_settings_are_the_defaults_with_every_field_present(
    client: TestClient, customer: Account
) -> None:
    assert settings_of(client, customer) == DEFAULTS


def test_rule_1_omitted_fields_keep_their_value_and_empty_body_changes_nothing(
    client: TestClient, customer: Account
) -> None:
    saved = put_ok(
        client,
        customer,
        {
            "notification_url": HOOK,
            "email_overquota_callback": True,
            "notification_email": "ops@example.com",
        },
    )
    assert put_ok(client, customer, {}) == saved
    after = put_ok(client, customer, {"domain_create_callback": True})
    assert after == {**saved, "domain_create_callback": True}
    assert settings_of(client, customer) == after


@pytest.mark.parametrize(
    "action", ["email_overquota_callback", "domain_create_callback", "email_overquota_email"]
)
def test_rule_2_a_boolean_switches_only_its_own_action(
    client: TestClient, customer: Account, action: str
) -> None:
    put_ok(client, customer, {"notification_url": HOOK, "notification_email": "ops@example.com"})
    before = settings_of(client, customer)
    on = put_ok(client, customer, {action: True})
    assert on == {**before, action: True}
    off = put_ok(client, customer, {action: False})
    assert off == before


@pytest.mark.parametrize(
    ("action", "destination"),
    [
        ("email_overquota_callback", "notification_url"),
        ("domain_create_callback", "notification_url"),
        ("email_overquota_email", "notification_email"),
    ],
)
def test_rule_3_enabling_an_action_needs_its_destination(
    client: TestClient, customer: Account, action: str, destination: str
) -> None:
    assert errors_of(put(client, customer, {action: True})) == [
        {"field": destination, "description": f"is required when enabling {action}"}
    ]
    assert settings_of(client, customer) == DEFAULTS
    value = HOOK if destination == "notification_url" else "ops@example.com"
    # In the same request...
    assert put_ok(client, customer, {action: True, destination: value})[action] is True
    # ...or already saved.
    put_ok(client, customer, {action: False})
    assert put_ok(client, customer, {action: True})[action] is True


def test_rule_4_destinations_stay_saved_when_every_action_is_off(
    client: TestClient, customer: Account
) -> None:
    put_ok(
        client,
        customer,
        {
            "notification_url": HOOK,
            "email_overquota_callback": True,
            "domain_create_callback": True,
            "notification_email": "ops@example.com",
            "email_overquota_email": True,
        },
    )
    off = put_ok(
        client,
        customer,
        {
            "email_overquota_callback": False,
            "domain_create_callback": False,
            "email_overquota_email": False,
        },
    )
    assert off["notification_url"] == HOOK
    assert off["notification_email"] == "ops@example.com"
    assert settings_of(client, customer) == off


def test_rule_5_null_clears_a_destination_unless_an_action_needs_it(
    client: TestClient, customer: Account
) -> None:
    put_ok(
        client,
        customer,
        {
            "notification_url": HOOK,
            "domain_create_callback": True,
            "notification_email": "ops@example.com",
        },
    )
    assert errors_of(put(client, customer, {"notification_url": None})) == [
        {
            "field": "notification_url",
            "description": "cannot be cleared while domain_create_callback is enabled",
        }
    ]
    assert put_ok(client, customer, {"notification_email": None})["notification_email"] is None
    # Switching the action off in the same request makes the clearing legal.
    cleared = put_ok(client, customer, {"notification_url": None, "domain_create_callback": False})
    assert cleared == DEFAULTS
    # Clearing while enabling is refused as a missing destination.
    assert errors_of(
        put(client, customer, {"notification_email": None, "email_overquota_email": True})
    ) == [
        {
            "field": "notification_email",
            "description": "is required when enabling email_overquota_email",
        }
    ]


def test_rule_6_invalid_requests_are_refused_whole_and_save_nothing(
    client: TestClient, customer: Account
) -> None:
    response = put(
        client,
        customer,
        {
            "notification_url": HOOK,
            "email_overquota_callback": True,
            "email_overquota_email": "true",
        },
    )
    assert errors_of(response) == [
        {"field": "email_overquota_email", "description": "must be a boolean"}
    ]
    assert settings_of(client, customer) == DEFAULTS
    # A rule-3 refusal also saves nothing of the valid fields beside it.
    errors_of(put(client, customer, {"notification_url": HOOK, "email_overquota_email": True}))
    assert settings_of(client, customer) == DEFAULTS


@pytest.mark.parametrize(
    ("url", "description"),
    [
        ("http://hooks.example.com/", "must be an absolute https URL"),
        ("hooks.example.com/path", "must be an absolute https URL"),
        ("https://", "must be an absolute https URL"),
        ("https:///path", "must be an absolute https URL"),
        ("ftp://hooks.example.com", "must be an absolute https URL"),
        ("https://hooks..example.com", "must be an absolute https URL"),
        ("https://hooks.example.com:99999/", "must be an absolute https URL"),
        ("https://hooks.example.com/a b", "must be an absolute https URL"),
        ("https://hooks.example.com/" + "a" * 2030, "must be at most 2048 characters"),
        ("https://user:pass@hooks.example.com/", "must not contain a user:password part"),
        ("https://localhost/hook", "must not point to a local or private address"),
        ("https://api.localhost/hook", "must not point to a local or private address"),
        ("https://127.0.0.1/hook", "must not point to a local or private address"),
        ("https://10.1.2.3/hook", "must not point to a local or private address"),
        ("https://192.168.1.1/hook", "must not point to a local or private address"),
        ("https://169.254.169.254/latest", "must not point to a local or private address"),
        ("https://100.64.0.1/", "must not point to a local or private address"),
        ("https://127.1/", "must not point to a local or private address"),
        ("https://2130706433/", "must not point to a local or private address"),
        ("https://0x7f.0.0.1/", "must not point to a local or private address"),
        ("https://0/", "must not point to a local or private address"),
    ],
)
def test_notification_url_must_be_an_absolute_public_https_url(
    client: TestClient, customer: Account, url: str, description: str
) -> None:
    assert errors_of(put(client, customer, {"notification_url": url})) == [
        {"field": "notification_url", "description": description}
    ]


@pytest.mark.parametrize(
    "url",
    [
        HOOK,
        "https://hooks.example.com",
        "https://hooks.example.com:8443/a/b?x=1&y=%20#frag",
        "https://8.8.8.8/hook",
        "https://xn--bcher-kva.example/",
    ],
)
def test_notification_url_accepts_public_https_urls(
    client: TestClient, customer: Account, url: str
) -> None:
    assert put_ok(client, customer, {"notification_url": url})["notification_url"] == url


def test_allow_list_opens_local_webhook_addresses(
    settings: Settings,
    engine: Engine,
    make_user: MakeUser,
) -> None:
    from mailnotify.app import create_app

    app = create_app(
        settings.model_copy(update={"webhook_allow_cidrs": "127.0.0.0/8"}), engine=engine
    )
    user = make_user("customer")
    with TestClient(app) as local_client:
        for url in ("https://127.0.0.1:8443/hook", "https://localhost/hook"):
            assert put_ok(local_client, user, {"notification_url": url})["notification_url"] == url
        assert errors_of(put(local_client, user, {"notification_url": "https://10.0.0.1/"}))


@pytest.mark.parametrize(
    "address",
    [
        "a@b",
        "no-at-sign",
        "two@@example.com",
        "sp ace@example.com",
        "x@" + "a" * 250 + ".com",
        "a@-bad-.com",
    ],
)
def test_notification_email_must_be_a_valid_address(
    client: TestClient, customer: Account, address: str
) -> None:
    errors = errors_of(put(client, customer, {"notification_email": address}))
    assert [e["field"] for e in errors] == ["notification_email"]


def test_notification_email_accepts_valid_addresses(client: TestClient, customer: Account) -> None:
    for address in ("ops@example.com", "first.last+tag@mail.example.co.uk", "o'neil@ex-ample.org"):
        assert (
            put_ok(client, customer, {"notification_email": address})["notification_email"]
            == address
        )


def test_rule_7_the_response_is_the_settings_as_saved(
    client: TestClient, customer: Account
) -> None:
    saved = put_ok(client, customer, {"notification_email": "ops@example.com"})
    assert saved == settings_of(client, customer)
    assert saved == {**DEFAULTS, "notification_email": "ops@example.com"}


def _hammer(times: int, work: Callable[[int], None]) -> list[BaseException]:
    failures: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run(worker: int) -> None:
        barrier.wait()
        try:
            for i in range(times):
                work(worker * times + i)
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def test_rule_7_concurrent_puts_touching_different_fields_both_persist(
    engine: Engine, customer: Account
) -> None:
    with reading(engine) as session:
        user_id = accounts.user_by_code(session=session, code=customer.code).id
    assert user_id is not None

    def work(n: int) -> None:
        field = "notification_email" if n < 40 else "notification_url"
        value = f"ops{n}@example.com" if n < 40 else f"https://hooks.example.com/{n}"
        with writing(engine) as session:
            update_settings(session=session, user_id=user_id, changes={field: value})

    assert _hammer(40, work) == []
    with reading(engine) as session:
        final = get_settings(session=session, user_id=user_id)
    assert final.notification_email == "ops39@example.com"
    assert final.notification_url == "https://hooks.example.com/79"


def test_rule_7_an_enabled_action_keeps_its_destination_under_concurrency(
    engine: Engine, customer: Account
) -> None:
    with writing(engine) as session:
        user_id = accounts.user_by_code(session=session, code=customer.code).id
        assert user_id is not None
        update_settings(session=session, user_id=user_id, changes={"notification_url": HOOK})

    def work(n: int) -> None:
        # One thread keeps enabling the webhook, the other keeps clearing then restoring the URL.
        changes = (
            {"email_overquota_callback": n % 2 == 0}
            if n < 60
            else {"notification_url": None if n % 2 else HOOK}
        )
        try:
            with writing(engine) as session:
                update_settings(session=session, user_id=user_id, changes=changes)
        except ApiError:
            pass  # refused by rule 3 or 5: the invariant below is what matters
        with reading(engine) as session:
            seen = get_settings(session=session, user_id=user_id)
        assert not (seen.email_overquota_callback and seen.notification_url is None)

    assert _hammer(60, work) == []


def test_rule_7_a_put_waits_for_a_concurrent_one_and_sees_its_result(
    engine: Engine, customer: Account
) -> None:
    with writing(engine) as session:
        user_id = accounts.user_by_code(session=session, code=customer.code).id
        assert user_id is not None
        update_settings(session=session, user_id=user_id, changes={"notification_url": HOOK})
    outcome: list[object] = []

    def enable() -> None:
        try:
            with writing(engine) as session:
                outcome.append(
                    update_settings(
                        session=session, user_id=user_id, changes={"email_overquota_callback": True}
                    )
                )
        except ApiError as exc:
            outcome.append(exc)

    with writing(engine) as clearing:
        update_settings(session=clearing, user_id=user_id, changes={"notification_url": None})
        racer = threading.Thread(target=enable)
        racer.start()
        racer.join(timeout=0.5)
        assert racer.is_alive(), "the second PUT must wait for the first one's lock"
    racer.join(timeout=30)
    assert len(outcome) == 1
    assert isinstance(outcome[0], ApiError)
    assert outcome[0].errors[0].field == "notification_url"


def test_tokens_are_random_stored_only_as_a_hash_and_shown_once(
    engine: Engine, make_user: MakeUser
) -> None:
    first, second = make_user("customer"), make_user("customer")
    assert first.token != second.token
    secret = first.token.split("_", 2)[2]
    assert len(secret) >= 43  # 32 random bytes, base64url
    with reading(engine) as session:
        rows = session.connection().execute(text("SELECT * FROM api_tokens")).all()
    dump = repr(rows)
    assert secret not in dump
    assert first.token not in dump
    assert all(len(row._mapping["secret_hash"]) == 64 for row in rows)
    assert SQLModel.metadata.tables[ApiToken.__tablename__].columns.keys() == [
        "id",
        "user_id",
        "secret_hash",
        "created_at",
        "revoked_at",
    ]


def test_a_put_waiting_for_another_processes_lock_does_not_stall_reads(
    client: TestClient, customer: Account, engine: Engine, database_url: str
) -> None:
    import time

    holder = threading.Event()
    release = threading.Event()

    def hold_the_write_lock() -> None:
        with writing(engine) as session:
            # Lock this customer's row (PostgreSQL) or the whole database (SQLite).
            user = accounts.user_by_code(session=session, code=customer.code)
            assert user.id is not None
            update_settings(session=session, user_id=user.id, changes={})
            holder.set()
            release.wait(10)

    blocker = threading.Thread(target=hold_the_write_lock)
    blocker.start()
    holder.wait(10)
    waiting_put = threading.Thread(
        target=lambda: put(client, customer, {"notification_email": "ops@example.com"})
    )
    waiting_put.start()
    time.sleep(0.2)
    started = time.monotonic()
    assert client.get("/healthz").status_code == 200
    assert client.get(URL, headers=customer.headers).status_code == 200
    assert time.monotonic() - started < 1.0
    release.set()
    blocker.join(10)
    waiting_put.join(10)
    assert settings_of(client, customer)["notification_email"] == "ops@example.com"
