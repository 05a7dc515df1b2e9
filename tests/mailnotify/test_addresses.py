"""The address policy: only global unicast addresses, in every spelling, plus the allow-list."""

from __future__ import annotations

import ipaddress

import pytest

from mailnotify.addresses import AddressPolicy, IPAddress, is_public


def ip(text: str) -> IPAddress:
    return ipaddress.ip_address(text)


NOT_PUBLIC = {
    "loopback": ["127.0.0.1", "127.255.255.254", "::1"],
    "private": ["10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1"],
    "link-local": ["169.254.0.1", "fe80::1", "fe80::1%eth0"],
    "cloud metadata": ["169.254.169.254", "100.100.100.200", "fd00:ec2::254"],
    "CGNAT": ["100.64.0.1", "100.127.255.254"],
    "multicast": ["224.0.0.1", "239.255.255.250", "ff02::1", "ff0e::1"],
    "reserved": ["240.0.0.1", "255.255.255.255", "192.0.0.8", "198.18.0.1"],
    "documentation": ["192.0.2.1", "198.51.100.1", "203.0.113.1", "2001:db8::1", "3fff::1"],
    "unspecified": ["0.0.0.0", "0.1.2.3", "::"],
    "unique local": ["fc00::1", "fd12:3456::1"],
    "site-local": ["fec0::1"],
    "IPv4-mapped": ["::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254"],
    "IPv4-compatible": ["::127.0.0.1", "::10.0.0.1", "::8.8.8.8"],
    "IPv4-translated": ["::ffff:0:808:808"],
    "NAT64": ["64:ff9b::7f00:1", "64:ff9b::808:808", "64:ff9b:1::a00:1"],
    "6to4": ["2002:7f00:1::1", "2002:808:808::1"],
    "Teredo": ["2001:0:4136:e378:8000:63bf:3fff:fdd2"],
    "discard": ["100::1"],
    "6to4 relay": ["192.88.99.1"],
}
PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.215.14", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


@pytest.mark.parametrize(
    "address",
    [pytest.param(a, id=f"{kind}:{a}") for kind, addrs in NOT_PUBLIC.items() for a in addrs],
)
def test_local_private_and_special_addresses_are_refused(address: str) -> None:
    assert not is_public(ip(address))
    assert not AddressPolicy().permits(ip(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_global_unicast_addresses_are_permitted(address: str) -> None:
    assert is_public(ip(address))
    assert AddressPolicy().permits(ip(address))


def test_the_allow_list_opens_its_ranges_in_both_spellings() -> None:
    policy = AddressPolicy.from_networks([ipaddress.ip_network("127.0.0.0/8")])
    assert policy.permits(ip("127.0.0.1"))
    assert policy.permits(ip("127.1.2.3"))
    assert policy.permits(ip("::ffff:127.0.0.1"))
    # Only what it names: not IPv6 loopback, not other private ranges.
    assert not policy.permits(ip("::1"))
    assert not policy.permits(ip("10.0.0.1"))
    assert not policy.permits(ip("169.254.169.254"))
    # IPv4-compatible is not a way to reach 127.0.0.1, so the IPv4 range does not open it.
    assert not policy.permits(ip("::127.0.0.1"))
    assert policy.permits(ip("8.8.8.8"))


def test_an_ipv6_allow_list_entry() -> None:
    policy = AddressPolicy.from_networks(
        [ipaddress.ip_network("::1/128"), ipaddress.ip_network("fd00::/8")]
    )
    assert policy.permits(ip("::1"))
    assert policy.permits(ip("fd12::1"))
    assert not policy.permits(ip("127.0.0.1"))
    assert not policy.permits(ip("fe80::1"))


def test_permits_all_needs_every_address_and_at_least_one() -> None:
    policy = AddressPolicy.from_networks([ipaddress.ip_network("127.0.0.0/8")])
    assert policy.permits_all([ip("127.0.0.1"), ip("8.8.8.8")])
    assert not policy.permits_all([ip("127.0.0.1"), ip("10.0.0.1")])
    assert not policy.permits_all([ip("8.8.8.8"), ip("::1")])
    assert not policy.permits_all([])
