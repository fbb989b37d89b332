"""Webhook URLs that reach an IPv4 address through an IPv6 form (security review,
finding 12): 6to4, Teredo, NAT64, IPv4-mapped and IPv4-compatible addresses are refused,
whatever IPv4 address they carry, written as the host or resolved from a name."""

from __future__ import annotations

import pytest

from chalicelib.notifications.domain.webhook_urls import UrlRefused, check

EMBEDS = "embeds an IPv4 address"


@pytest.mark.parametrize(
    "address",
    [
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254 (the metadata service)
        "2002:808:808::1",  # 6to4 of a public address: refused all the same
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
        "64:ff9b::a9fe:a9fe",  # NAT64 of the metadata service
        "64:ff9b::808:808",  # NAT64 of a public address
        "64:ff9b:1::a00:1",  # local-use NAT64
        "::ffff:8.8.8.8",  # IPv4-mapped, public
        "::ffff:0:8.8.8.8",  # IPv4-translated
        "::8.8.8.8",  # IPv4-compatible
    ],
)
def test_ipv6_forms_of_ipv4_addresses_are_refused(address: str) -> None:
    with pytest.raises(UrlRefused, match=EMBEDS):
        check(f"https://[{address}]/hook", allow_loopback=False)

    def resolve(_host: str, _port: int) -> list[str]:
        return [address]

    with pytest.raises(UrlRefused, match=EMBEDS):
        check("https://cases.example.gov.cn/hook", allow_loopback=False, resolve=resolve)


def test_mapped_private_addresses_still_say_what_they_reach() -> None:
    with pytest.raises(UrlRefused, match="private"):
        check("https://[::ffff:192.168.1.9]/", allow_loopback=False)


def test_public_ipv6_is_accepted() -> None:
    target = check("https://[2001:4860:4860::8888]/hook", allow_loopback=False)
    assert target.addresses == ("2001:4860:4860::8888",)
