from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="NotificationSettings")


@_attrs_define
class NotificationSettings:
    """Account-level notification settings. Every field is always present.

    Attributes:
        notification_url (None | str): Webhook endpoint that receives enabled notifications as JSON POST requests.

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
        email_overquota_callback (bool): Enable or disable webhooks for mailbox quota events across all managed
            mailboxes.
            When enabled, an `email_overquota` webhook is sent when a mailbox crosses a
            warning or critical quota threshold, and when it returns below the recovery
            threshold.
        domain_create_callback (bool): Enable or disable webhooks when a managed domain is created and activated. The
            webhook is sent to `notification_url` with `action_type: domain_create` and carries
            the domain name, the postmaster code and, when available, the postmaster token.
        notification_email (None | str): Email address that receives account-level notification emails. This is the
            customer or manager notification recipient, not the mailbox owner.

            Required when enabling `email_overquota_email`, unless an email address is
            already configured. `null` clears it.
             Example: ops@example.com.
        email_overquota_email (bool): Enable or disable account-level email notifications for mailbox quota events
            across
            all managed mailboxes: when a mailbox becomes almost full, reaches a critical
            threshold, or returns below the recovery threshold. Events can refer to storage
            space or message count. Setting this to false stops only the extra customer or
            manager notification; mailbox users keep receiving their built-in quota warnings.
    """

    notification_url: None | str
    email_overquota_callback: bool
    domain_create_callback: bool
    notification_email: None | str
    email_overquota_email: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        notification_url: None | str
        notification_url = self.notification_url

        email_overquota_callback = self.email_overquota_callback

        domain_create_callback = self.domain_create_callback

        notification_email: None | str
        notification_email = self.notification_email

        email_overquota_email = self.email_overquota_email

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "notification_url": notification_url,
                "email_overquota_callback": email_overquota_callback,
                "domain_create_callback": domain_create_callback,
                "notification_email": notification_email,
                "email_overquota_email": email_overquota_email,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_notification_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        notification_url = _parse_notification_url(d.pop("notification_url"))

        email_overquota_callback = d.pop("email_overquota_callback")

        domain_create_callback = d.pop("domain_create_callback")

        def _parse_notification_email(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        notification_email = _parse_notification_email(d.pop("notification_email"))

        email_overquota_email = d.pop("email_overquota_email")

        notification_settings = cls(
            notification_url=notification_url,
            email_overquota_callback=email_overquota_callback,
            domain_create_callback=domain_create_callback,
            notification_email=notification_email,
            email_overquota_email=email_overquota_email,
        )

        notification_settings.additional_properties = d
        return notification_settings

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
