from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.webhook_status import WebhookStatus


T = TypeVar("T", bound="NotificationSettingsUpdate")


@_attrs_define
class NotificationSettingsUpdate:
    """The fields to change. Omitted fields keep their current value.

    Attributes:
        notification_url (None | str | Unset): Webhook endpoint that receives enabled notifications as JSON POST
            requests.

            - Must be an absolute `https://` URL with a host name or an IPv4 address, and no
              `user:password@` part; at most 2048 characters. Path, query and fragment use
              only the characters RFC 3986 allows there (`format: uri`).
            - The host must be public: `localhost` and private, loopback or link-local
              address literals are refused here (an operator allow-list can open ranges).
              A host name is resolved when a webhook is sent: if any of its addresses is
              not public, that delivery fails without being sent.
            - Required when enabling `email_overquota_callback` or `domain_create_callback`,
              unless a valid URL is already configured.

            Used for mailbox quota webhooks (`email_overquota`) and domain creation webhooks
            (`domain_create`). `null` clears it.
             Example: https://hooks.example.com/mail.
        email_overquota_callback (bool | Unset): Enable or disable webhooks for mailbox quota events across all managed
            mailboxes.
            When enabled, an `email_overquota` webhook is sent when a mailbox crosses a
            warning or critical quota threshold, and when it returns below the recovery
            threshold.
        domain_create_callback (bool | Unset): Enable or disable webhooks when a managed domain is created and
            activated. The
            webhook is sent to `notification_url` with `action_type: domain_create` and carries
            the domain name, the postmaster code and, when available, the postmaster token.
        notification_email (None | str | Unset): Email address that receives account-level notification emails. This is
            the
            customer or manager notification recipient, not the mailbox owner.

            Required when enabling `email_overquota_email`, unless an email address is
            already configured. `null` clears it.
             Example: ops@example.com.
        email_overquota_email (bool | Unset): Enable or disable account-level email notifications for mailbox quota
            events across
            all managed mailboxes: when a mailbox becomes almost full, reaches a critical
            threshold, or returns below the recovery threshold. Events can refer to storage
            space or message count. Setting this to false stops only the extra customer or
            manager notification; mailbox users keep receiving their built-in quota warnings.
        webhook_status (WebhookStatus | Unset): The health of `notification_url`, read-only. An endpoint whose webhook
            delivery
            fails for good, after no success for the operator's `MAILNOTIFY_DISABLE_AFTER`
            (default 5 days), is `disabled`: later webhooks are recorded `skipped`, and
            `notification_email` (when set) is told. Saving `notification_url` (even the same
            value) or a successful test ping makes it `healthy` again. The action switches
            stay as they were set.
             Example: {'state': 'healthy', 'failing_since': None, 'disabled_at': None, 'last_success_at':
            '2026-11-24T10:00:00Z'}.
    """

    notification_url: None | str | Unset = UNSET
    email_overquota_callback: bool | Unset = UNSET
    domain_create_callback: bool | Unset = UNSET
    notification_email: None | str | Unset = UNSET
    email_overquota_email: bool | Unset = UNSET
    webhook_status: WebhookStatus | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        notification_url: None | str | Unset
        if isinstance(self.notification_url, Unset):
            notification_url = UNSET
        else:
            notification_url = self.notification_url

        email_overquota_callback = self.email_overquota_callback

        domain_create_callback = self.domain_create_callback

        notification_email: None | str | Unset
        if isinstance(self.notification_email, Unset):
            notification_email = UNSET
        else:
            notification_email = self.notification_email

        email_overquota_email = self.email_overquota_email

        webhook_status: dict[str, Any] | Unset = UNSET
        if not isinstance(self.webhook_status, Unset):
            webhook_status = self.webhook_status.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if notification_url is not UNSET:
            field_dict["notification_url"] = notification_url
        if email_overquota_callback is not UNSET:
            field_dict["email_overquota_callback"] = email_overquota_callback
        if domain_create_callback is not UNSET:
            field_dict["domain_create_callback"] = domain_create_callback
        if notification_email is not UNSET:
            field_dict["notification_email"] = notification_email
        if email_overquota_email is not UNSET:
            field_dict["email_overquota_email"] = email_overquota_email
        if webhook_status is not UNSET:
            field_dict["webhook_status"] = webhook_status

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.webhook_status import WebhookStatus  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_notification_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        notification_url = _parse_notification_url(d.pop("notification_url", UNSET))

        email_overquota_callback = d.pop("email_overquota_callback", UNSET)

        domain_create_callback = d.pop("domain_create_callback", UNSET)

        def _parse_notification_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        notification_email = _parse_notification_email(d.pop("notification_email", UNSET))

        email_overquota_email = d.pop("email_overquota_email", UNSET)

        _webhook_status = d.pop("webhook_status", UNSET)
        webhook_status: WebhookStatus | Unset
        if isinstance(_webhook_status, Unset):
            webhook_status = UNSET
        else:
            webhook_status = WebhookStatus.from_dict(_webhook_status)

        notification_settings_update = cls(
            notification_url=notification_url,
            email_overquota_callback=email_overquota_callback,
            domain_create_callback=domain_create_callback,
            notification_email=notification_email,
            email_overquota_email=email_overquota_email,
            webhook_status=webhook_status,
        )

        return notification_settings_update
