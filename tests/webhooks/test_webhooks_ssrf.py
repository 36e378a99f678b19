"""The SSRF guard decodes IPv6 addresses that lead to an IPv4 address and checks that one."""

from __future__ import annotations

import ipaddress

import pytest

from service.webhooks.ssrf import UnsafeTarget, check_url, is_public


def _teredo(server: str, client: str) -> str:
    """Return the Teredo address of a client behind `client` (its bits inverted, RFC 4380)."""
    s = int(ipaddress.IPv4Address(server))
    c = int(ipaddress.IPv4Address(client)) ^ 0xFFFFFFFF
    return str(ipaddress.IPv6Address((0x20010000 << 96) | (s << 64) | (0x8000 << 48) | c))


REFUSED = {
    "6to4-loopback": "2002:7f00:1::",
    "6to4-private": "2002:c0a8:101::1",  # 192.168.1.1
    "6to4-metadata": "2002:a9fe:a9fe::",  # 169.254.169.254
    "nat64-loopback": "64:ff9b::7f00:1",
    "nat64-private": "64:ff9b::a00:1",  # 10.0.0.1
    "nat64-metadata": "64:ff9b::a9fe:a9fe",
    "nat64-local-use": "64:ff9b:1::808:808",
    "teredo-client-loopback": _teredo("65.54.227.120", "127.0.0.1"),
    "teredo-server-private": _teredo("10.0.0.1", "8.8.8.8"),
    "ipv4-mapped-loopback": "::ffff:127.0.0.1",
    "ipv4-mapped-cgnat": "::ffff:100.64.0.1",
}

ACCEPTED = {
    "6to4-public": "2002:808:808::1",  # 8.8.8.8
    "nat64-public": "64:ff9b::808:808",
    "ipv4-mapped-public": "::ffff:8.8.8.8",
    "plain-ipv6-public": "2606:4700:4700::1111",
}


@pytest.mark.parametrize("address", REFUSED.values(), ids=REFUSED.keys())
def test_an_ipv6_address_leading_to_an_internal_ipv4_address_is_refused(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))
    with pytest.raises(UnsafeTarget):
        check_url(f"https://[{address}]/hooks", {"AMTSWEG_ENV": "production"})


@pytest.mark.parametrize("address", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_an_ipv6_address_leading_to_a_public_ipv4_address_is_accepted(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))
    target = check_url(f"https://[{address}]/hooks", {"AMTSWEG_ENV": "production"})
    assert ipaddress.ip_address(target.address) == ipaddress.ip_address(address)
