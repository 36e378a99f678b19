"""Refuse webhook targets inside our own network (SSRF), and pin the address we checked.

A target is refused when its host is, or resolves to, an address that is not publicly
routable: loopback, private, link-local (cloud metadata at 169.254.169.254 included),
CGNAT, multicast, reserved or unspecified, in IPv4 or IPv6 (IPv4-mapped included).
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


def is_public(ip: IPAddress) -> bool:
    """Return True when the address is publicly routable and safe to call."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return is_public(ip.ipv4_mapped)
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
