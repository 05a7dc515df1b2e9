"""Which network addresses a webhook may reach: public ones, plus the operator's allow-list."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# is_global alone misses a few ranges that must never be reached from a shared service.
_NEVER_GLOBAL: tuple[Network, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "100.64.0.0/10",  # CGNAT
        "169.254.0.0/16",  # link-local, cloud metadata
        "192.0.0.0/24",
        "198.18.0.0/15",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "64:ff9b::/96",  # NAT64 forms of any IPv4 address
        "64:ff9b:1::/48",
        "2002::/16",  # 6to4 embeds an IPv4 address
        "fc00::/7",
        "fe80::/10",
        "ff00::/8",
    )
)


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        # IPv4-compatible ::a.b.c.d, deprecated but still routed by some stacks.
        if int(address) >> 32 == 0 and int(address) > 1:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    """Whether ``address`` is a global unicast address, in any of its forms."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return is_public(embedded)
    if not address.is_global or address.is_multicast or address.is_reserved:
        return False
    return not any(address in network for network in _NEVER_GLOBAL)


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Public addresses are allowed; the allow-list opens chosen other ranges."""

    allow: tuple[Network, ...] = ()

    @classmethod
    def from_networks(cls, networks: Iterable[Network]) -> AddressPolicy:
        """A policy that also admits ``networks``."""
        return cls(tuple(networks))

    def permits(self, address: IPAddress) -> bool:
        """Whether a webhook may connect to ``address``."""
        embedded = _embedded_ipv4(address)
        candidates = [address] if embedded is None else [address, embedded]
        if any(c in n for c in candidates for n in self.allow if c.version == n.version):
            return True
        return is_public(address)
