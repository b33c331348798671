"""The client-IP rule of docs/contracts/ops.md §1.3."""

from __future__ import annotations

import pytest

from guardian_gateway.domain.client_ip import client_ip, parse_ip

PEER = "10.0.0.9"


@pytest.mark.parametrize(
    ("forwarded_for", "real_ip", "expected"),
    [
        # the rightmost entry of the last header, when it is a bare IP
        (["198.51.100.1"], [], "198.51.100.1"),
        (["203.0.113.5, 198.51.100.1"], [], "198.51.100.1"),
        (["203.0.113.5,198.51.100.1 "], [], "198.51.100.1"),
        (["  198.51.100.1  "], [], "198.51.100.1"),
        (["203.0.113.5", "198.51.100.2"], [], "198.51.100.2"),
        (["198.51.100.2", "203.0.113.5, 192.0.2.44"], [], "192.0.2.44"),
        (["2001:db8::1"], [], "2001:db8::1"),
        (["2001:DB8:0:0:0:0:0:1"], [], "2001:db8::1"),
        (["spoofed, ::1"], [], "::1"),
        # a rightmost entry that is not a bare IP discards the whole header
        (["198.51.100.1, not-an-ip"], ["192.0.2.7"], "192.0.2.7"),
        (["198.51.100.1, 192.0.2.1:8080"], [], PEER),
        (["198.51.100.1, [2001:db8::1]"], [], PEER),
        (["198.51.100.1, [2001:db8::1]:443"], [], PEER),
        (["198.51.100.1, fe80::1%eth0"], [], PEER),
        (["198.51.100.1, 010.0.0.1"], [], PEER),
        (["198.51.100.1, 256.1.1.1"], [], PEER),
        (["198.51.100.1,"], [], PEER),
        (["198.51.100.1", ""], [], PEER),
        ([""], ["192.0.2.7"], "192.0.2.7"),
        # the earlier header's good entry does not rescue a bad last header
        (["198.51.100.1", "junk"], [], PEER),
        # X-Real-IP: the first header, only if it parses
        ([], ["192.0.2.7"], "192.0.2.7"),
        ([], [" 192.0.2.7 "], "192.0.2.7"),
        ([], ["192.0.2.7", "192.0.2.8"], "192.0.2.7"),
        ([], ["192.0.2.7, 192.0.2.8"], PEER),
        ([], ["unknown"], PEER),
        ([], [], PEER),
    ],
)
def test_forwarded_for_then_real_ip_then_peer(
    forwarded_for: list[str], real_ip: list[str], expected: str
) -> None:
    assert client_ip(forwarded_for, real_ip, PEER) == expected


def test_without_any_source_the_ip_is_unknown() -> None:
    assert client_ip([], [], None) == "unknown"
    assert client_ip(["junk"], ["junk"], None) == "unknown"


def test_peer_is_canonicalised_when_it_is_an_ip() -> None:
    assert client_ip([], [], "::FFFF:0:1") == parse_ip("::ffff:0:1")
    assert client_ip([], [], "/run/gateway.sock") == "/run/gateway.sock"
