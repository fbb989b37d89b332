"""Where a department's webhook may point. Deployed stages accept only ``https`` URLs whose
host is, and resolves only to, public addresses: never loopback, private, link-local (the
instance metadata service), shared, reserved or multicast ranges, nor an IPv6 form of an
IPv4 address. The check runs when a URL
is registered and again on every delivery, after DNS resolution, and the request goes to
the address checked (a name cannot resolve elsewhere in between). The local stage accepts
loopback too (and plain ``http`` there), so a receiver on the same machine works."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

from chalicelib.core.domain.records import frozen

MAX_URL_LENGTH = 2048

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]


class UrlRefused(Exception):
    """A URL the platform will not send work orders to, and why."""


@frozen
class Target:
    url: str
    scheme: str
    host: str  # as written (for the Host header and TLS name)
    port: int
    path: str  # path and query
    addresses: tuple[str, ...]  # what the host resolved to, each allowed


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UrlRefused(f"{host} does not resolve") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


# IPv6 forms that carry an IPv4 address: 6to4, Teredo, NAT64 (well-known and local-use),
# IPv4-mapped, -translated and -compatible. A relay or translator delivers them to the
# IPv4 address inside, which may be anything: none receives webhooks.
_IPV4_IN_IPV6 = tuple(
    ipaddress.IPv6Network(n)
    for n in (
        "2002::/16",
        "2001::/32",
        "64:ff9b::/96",
        "64:ff9b:1::/48",
        "::ffff:0:0/96",
        "::ffff:0:0:0/96",
        "::/96",
    )
)


# The private ranges a deployment whose delivery function sits in a VPC may allow (a
# government network reached through the VPC): nothing else that is not public.
PRIVATE_RANGES = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)


def refused_reason(
    address: Address, *, allow_loopback: bool, allow_private: bool = False
) -> str | None:
    """Why an address may not receive webhooks (None: it may). ``allow_private``: the
    ranges of ``PRIVATE_RANGES`` may."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            # Named for what it reaches when that is refused anyway (a private address).
            inner = refused_reason(address.ipv4_mapped, allow_loopback=allow_loopback)
            if inner:
                return inner
        if not (address.is_loopback or address.is_unspecified) and any(
            address in network for network in _IPV4_IN_IPV6
        ):
            return (
                "embeds an IPv4 address (6to4, Teredo, NAT64, IPv4-mapped or -compatible): "
                "use the IPv4 address itself"
            )
    if address.is_loopback:
        return None if allow_loopback else "is a loopback address"
    if address.is_link_local:
        return "is a link-local address (such as the instance metadata service)"
    if allow_private and any(address in network for network in PRIVATE_RANGES):
        return None
    if address.is_private:
        return "is a private address"
    if address.is_multicast:
        return "is a multicast address"
    if address.is_unspecified or address.is_reserved or not address.is_global:
        return "is not a public address"
    return None


def check(
    url: str,
    *,
    allow_loopback: bool,
    allow_private: bool = False,
    resolve: Resolver = system_resolver,
) -> Target:
    """The URL's target if webhooks may go there; raises UrlRefused naming the reason."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        raise UrlRefused(f"must be a URL of at most {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 0x20 for ch in url):
        raise UrlRefused("must not contain spaces or control characters")
    parts = urlsplit(url)
    allowed_schemes = ("https", "http") if allow_loopback else ("https",)
    if parts.scheme not in allowed_schemes:
        raise UrlRefused(f"must use {' or '.join(allowed_schemes)}")
    if parts.username is not None or parts.password is not None:
        raise UrlRefused("must not carry a user name or password")
    if parts.fragment:
        raise UrlRefused("must not have a fragment")
    host = parts.hostname
    if not host:
        raise UrlRefused("has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UrlRefused("has an invalid port") from exc
    try:
        literal: Address | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        addresses = resolve(host, port)
        if not addresses:
            raise UrlRefused(f"{host} does not resolve")
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        reason = refused_reason(address, allow_loopback=allow_loopback, allow_private=allow_private)
        if reason:
            shown = host if literal is not None else f"{host} resolves to {text}, which"
            raise UrlRefused(f"{shown} {reason}")
    if parts.scheme == "http" and not all(
        ipaddress.ip_address(a.split("%", 1)[0]).is_loopback for a in addresses
    ):
        raise UrlRefused("plain http is accepted for loopback receivers only")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(url, parts.scheme, host, port, path, tuple(addresses))
