"""Which network addresses a webhook may reach: public ones, plus the operator's allow-list."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# ``is_global`` alone misses ranges that must never be reached from a shared service, and its
# answers differ between Python releases; the IANA special-purpose ranges are listed here so
# the verdict does not depend on the interpreter.
_NEVER_GLOBAL: tuple[Network, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",  # "this network"; 0.0.0.0 reaches the local host on Linux
        "10.0.0.0/8",
        "100.64.0.0/10",  # CGNAT, also Alibaba's metadata service 100.100.100.200
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata 169.254.169.254
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",  # deprecated 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",  # reserved, and the broadcast address
        "::/8",  # unspecified, loopback, IPv4-compatible
        "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
        "64:ff9b::/96",  # NAT64 forms of any IPv4 address
        "64:ff9b:1::/48",
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments, Teredo among them
        "2001:db8::/32",
        "2002::/16",  # 6to4 embeds an IPv4 address
        "3fff::/20",  # documentation (RFC 9637)
        "5f00::/16",  # SRv6 SIDs
        "fc00::/7",  # unique local, also AWS's metadata fd00:ec2::254
        "fe80::/10",
        "fec0::/10",  # deprecated site-local
        "ff00::/8",
    )
)


def _mapped_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    # ::ffff:a.b.c.d is how a dual-stack socket reaches a.b.c.d, so it is judged as that.
    if isinstance(address, ipaddress.IPv6Address):
        return address.ipv4_mapped
    return None


def is_public(address: IPAddress) -> bool:
    """Whether ``address`` is a global unicast address, in any of its forms."""
    mapped = _mapped_ipv4(address)
    if mapped is not None:
        return is_public(mapped)
    if not address.is_global or address.is_multicast or address.is_reserved:
        return False
    return not any(
        address in network for network in _NEVER_GLOBAL if network.version == address.version
    )


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
        mapped = _mapped_ipv4(address)
        candidates = [address] if mapped is None else [address, mapped]
        if any(c in n for c in candidates for n in self.allow if c.version == n.version):
            return True
        return is_public(address)

    def permits_all(self, addresses: Iterable[IPAddress]) -> bool:
        """Whether every one of ``addresses`` is permitted, and there is at least one."""
        checked = list(addresses)
        return bool(checked) and all(self.permits(a) for a in checked)
