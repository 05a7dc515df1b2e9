"""Webhook receivers: Standard Webhooks signatures, and the typed events they carry."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from ._exceptions import InvalidArgumentError, WebhookError
from ._generated.models import DomainCreateEvent, EmailOverquotaEvent, PingEvent


@dataclass(frozen=True, slots=True)
class UnknownEvent:
    """An event of an ``action_type`` this SDK does not know yet: answer 2xx, ignore it.

    New event types are additions (see "How this API evolves" in the spec), so a
    receiver built with this version must not refuse them.
    """

    id: str
    action_type: str
    data: Mapping[str, Any]


WebhookEvent: TypeAlias = EmailOverquotaEvent | DomainCreateEvent | PingEvent | UnknownEvent

TOLERANCE_SECONDS = 5 * 60
_SECRET_PREFIX = "whsec_"  # noqa: S105 (the prefix of every secret, not a secret)

# action_type -> the event's model; a test checks it against every event in openapi.yaml.
EVENTS: Mapping[
    str, Callable[[Mapping[str, Any]], EmailOverquotaEvent | DomainCreateEvent | PingEvent]
] = {
    "email_overquota": EmailOverquotaEvent.from_dict,
    "domain_create": DomainCreateEvent.from_dict,
    "ping": PingEvent.from_dict,
}


def verify_webhook(
    body: bytes | str, headers: Mapping[str, str], secret: str | Sequence[str]
) -> WebhookEvent:
    """The event of a webhook request, once its Standard Webhooks signature checks out.

    ``body`` is the raw request body, ``headers`` its headers (any case), ``secret`` the
    account's ``whsec_...`` signing secret, or several (while a rotated secret is being
    replaced: a signature by any one of them is accepted). Raises ``WebhookError`` when
    a header is missing, the timestamp is more than five minutes from now, no ``v1``
    signature matches, or the body is not an event. An event of an ``action_type`` this SDK does
    not know is an ``UnknownEvent``.
    """
    raw = _raw(body)
    if not isinstance(headers, Mapping):
        raise InvalidArgumentError("headers must be a mapping of header names to values")
    keys = [_key(one) for one in _secrets(secret)]
    lowered = {str(name).lower(): value for name, value in headers.items()}
    try:
        webhook_id = lowered["webhook-id"]
        timestamp = lowered["webhook-timestamp"]
        signatures = lowered["webhook-signature"]
    except KeyError as exc:
        raise WebhookError(f"missing header {exc.args[0]}") from None
    _check_timestamp(timestamp, now=time.time())
    expected = [_signature(key, webhook_id, timestamp, raw) for key in keys]
    given = list(_v1_signatures(signatures))
    if not any(hmac.compare_digest(e, g) for e in expected for g in given):
        raise WebhookError("no signature matches")
    return parse_webhook(raw)


def parse_webhook(body: bytes | str) -> WebhookEvent:
    """The typed event in a webhook body, chosen by its ``action_type``; no signature check.

    Fields the SDK does not know are kept in the model's ``additional_properties``, and
    open values (``event``, ``metric``) are plain strings. An ``action_type`` the SDK does
    not know gives an ``UnknownEvent``. Raises ``WebhookError`` for a body that is not a
    JSON object with a string ``id`` and ``action_type``, or that lacks a field of its
    event.
    """
    try:
        data = json.loads(_raw(body))
    except ValueError as exc:
        raise WebhookError("body is not JSON") from exc
    if not isinstance(data, dict):
        raise WebhookError("body is not a JSON object")
    action_type, event_id = data.get("action_type"), data.get("id")
    if not isinstance(action_type, str) or not isinstance(event_id, str):
        raise WebhookError("body has no string action_type and id: not an event")
    parse = EVENTS.get(action_type)
    if parse is None:
        return UnknownEvent(id=event_id, action_type=action_type, data=data)
    try:
        return parse(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise WebhookError(f"body is not a valid {action_type} event") from exc


def sign_webhook(
    body: bytes | str, secret: str, *, webhook_id: str, timestamp: int | None = None
) -> dict[str, str]:
    """The Standard Webhooks headers that sign ``body``, to test a receiver with."""
    raw = _raw(body)
    if not isinstance(webhook_id, str):
        raise InvalidArgumentError("webhook_id must be a str")
    if timestamp is not None and (not isinstance(timestamp, int) or isinstance(timestamp, bool)):
        raise InvalidArgumentError("timestamp must be an int of seconds")
    sent_at = str(int(time.time()) if timestamp is None else timestamp)
    signature = base64.b64encode(_signature(_key(secret), webhook_id, sent_at, raw)).decode()
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": sent_at,
        "webhook-signature": f"v1,{signature}",
    }


def _raw(body: bytes | str) -> bytes:
    if isinstance(body, str):
        return body.encode()
    if isinstance(body, bytes | bytearray | memoryview):
        return bytes(body)
    raise InvalidArgumentError(f"body must be the raw bytes or str, not {type(body).__name__}")


def _secrets(secret: str | Sequence[str]) -> list[str]:
    if isinstance(secret, str):
        return [secret]
    # Regression: None reached list() and raised a bare TypeError.
    if not isinstance(secret, Sequence) or isinstance(secret, bytes | bytearray):
        raise InvalidArgumentError(
            "secret must be the whsec_... signing secret, or a sequence of them"
        )
    if not secret:
        raise InvalidArgumentError("at least one webhook secret is needed")
    return list(secret)


def _key(secret: str) -> bytes:
    if not isinstance(secret, str):
        raise InvalidArgumentError("secret must be the whsec_... signing secret, a str")
    encoded = secret.removeprefix(_SECRET_PREFIX)
    try:
        # Extra padding is ignored, and makes unpadded secrets decode (as the reference does).
        key = base64.b64decode(encoded + "==")
    except binascii.Error:
        key = b""
    if not key:
        # A WebhookError, not ValueError: receivers catch one type for every rejection.
        raise WebhookError("the webhook secret must be whsec_ followed by base64")
    return key


def _signature(key: bytes, webhook_id: str, timestamp: str, body: bytes) -> bytes:
    signed = b".".join((webhook_id.encode(), timestamp.encode(), body))
    return hmac.new(key, signed, hashlib.sha256).digest()


def _check_timestamp(value: str, *, now: float) -> None:
    if not value.isascii() or not value.isdigit():
        raise WebhookError("webhook-timestamp is not a number of seconds")
    if abs(now - int(value)) > TOLERANCE_SECONDS:
        raise WebhookError("webhook-timestamp is more than five minutes from now")


def _v1_signatures(header: str) -> Iterator[bytes]:
    for entry in header.split():
        version, _, encoded = entry.partition(",")
        if version != "v1":
            continue
        try:
            yield base64.b64decode(encoded, validate=True)
        except binascii.Error:
            continue
