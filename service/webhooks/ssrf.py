"""Refuse webhook targets inside our own network (SSRF), and pin the address we checked.

A target is refused when its host is, or resolves to, an address that is not publicly
routable: loopback, private, link-local (cloud metadata at 169.254.169.254 included),
CGNAT, multicast, reserved or unspecified, in IPv4 or IPv6, and IPv6 addresses that
lead to such an IPv4 address (IPv4-mapped, NAT64, 6to4, Teredo).
`WEBHOOK_ALLOWED_HOSTS` (host names or CIDRs, comma-separated) lets named internal
receivers through. The delivery connects to the very address that was checked, so a DNS
answer that changes between check and connect (DNS rebinding) cannot redirect it.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Named explicitly although link-local / unique-local already cover them: never reachable.
METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
CGNAT = ipaddress.ip_network("100.64.0.0/10")
#: NAT64: the well-known prefix (RFC 6052) and the local-use prefix (RFC 8215).
NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")
NAT64_LOCAL_USE = ipaddress.ip_network("64:ff9b:1::/48")


class UnsafeTarget(ValueError):
    """The URL may not receive webhooks; the message says why (no secrets, no data)."""


@dataclass(frozen=True)
class Target:
    """A checked URL and the address to connect to."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def _allow_list(raw: str | None) -> tuple[set[str], list[Network]]:
    hosts: set[str] = set()
    networks: list[Network] = []
    for item in (raw or "").split(","):
        item = item.strip().lower()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            hosts.add(item)
    return hosts, networks


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """Return the IPv4 addresses an IPv6 address carries to the IPv4 network.

    IPv4-mapped (`::ffff:a.b.c.d`), NAT64 with the well-known prefix (`64:ff9b::/96`,
    RFC 6052), 6to4 (`2002::/16`, RFC 3056: `2002:7f00:1::` reaches 127.0.0.1) and
    Teredo (`2001::/32`, RFC 4380: its server and its client, whose bits are inverted).
    The standard library decodes all but NAT64, which is the last 32 bits.
    """
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip in NAT64_WELL_KNOWN:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    return found


def is_public(ip: IPAddress) -> bool:
    """Return True when the address is publicly routable and safe to call.

    An IPv6 address that carries an IPv4 address (see `embedded_ipv4`) is as public as
    the IPv4 address it leads to.
    """
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in NAT64_LOCAL_USE:
            return False  # translated inside the operator's own network
        embedded = embedded_ipv4(ip)
        if embedded:
            return all(is_public(v4) for v4 in embedded)
    if ip in METADATA_ADDRESSES:
        return False
    if isinstance(ip, ipaddress.IPv4Address) and ip in CGNAT:
        return False
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def resolve(host: str, port: int) -> list[IPAddress]:
    """Return every address the host name resolves to (a literal address as itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise UnsafeTarget("the host name does not resolve") from None
    seen: list[IPAddress] = []
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if ip not in seen:
            seen.append(ip)
    if not seen:
        raise UnsafeTarget("the host name does not resolve")
    return seen


def check_url(url: str, config: Mapping[str, Any]) -> Target:
    """Return the target of `url` with a vetted address, or raise UnsafeTarget."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeTarget("the URL must start with https://")
    if scheme == "http" and config.get("AMTSWEG_ENV", "development") not in ("development", "test"):
        raise UnsafeTarget("the URL must use https")
    if parts.username or parts.password:
        raise UnsafeTarget("the URL must not contain credentials")
    host = (parts.hostname or "").lower()
    if not host:
        raise UnsafeTarget("the URL has no host")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise UnsafeTarget("the URL has an invalid port") from None
    allowed_hosts, allowed_networks = _allow_list(config.get("WEBHOOK_ALLOWED_HOSTS"))
    addresses = resolve(host, port)
    host_allowed = host in allowed_hosts
    for ip in addresses:
        if host_allowed or any(ip in net for net in allowed_networks):
            continue
        if not is_public(ip):
            # Refuse if any answer is internal: a round-robin name could alternate.
            raise UnsafeTarget("the URL points to an address in a private or reserved network")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme, host, port, path, str(addresses[0]))
