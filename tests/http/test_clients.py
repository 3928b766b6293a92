"""Who a request counts against: only hops added by our own proxies are believed."""

from __future__ import annotations

import ipaddress

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from certbridge.config import Settings
from certbridge.http.clients import ProxyTrust, client_address
from certbridge.web.app import create_app

PROXY = ("10.0.0.5", 443)
NETWORKS = (ipaddress.ip_network("10.0.0.0/8"),)
hops = st.lists(st.ip_addresses().map(str), max_size=4)


def _forwarded(*values: str) -> list[tuple[bytes, bytes]]:
    return [(b"x-forwarded-for", value.encode()) for value in values]


@given(spoofed=hops)
def test_a_client_cannot_choose_its_address_by_starting_the_forwarded_list(
    spoofed: list[str],
) -> None:
    headers = _forwarded(", ".join([*spoofed, "203.0.113.7"]))
    assert client_address(ProxyTrust(networks=NETWORKS), headers, PROXY) == "203.0.113.7"
    assert client_address(ProxyTrust(count=1), headers, PROXY) == "203.0.113.7"


def test_the_client_is_the_right_most_hop_no_trusted_proxy_added() -> None:
    headers = _forwarded("198.51.100.1, 203.0.113.7", "10.1.2.3")
    # 203.0.113.7 reached our first proxy (10.1.2.3), which reached the one we see.
    assert client_address(ProxyTrust(networks=NETWORKS), headers, PROXY) == "203.0.113.7"
    assert client_address(ProxyTrust(count=2), headers, PROXY) == "203.0.113.7"


def test_without_trusted_proxies_the_forwarded_list_is_ignored() -> None:
    headers = _forwarded("198.51.100.1")
    assert client_address(ProxyTrust(), headers, ("203.0.113.9", 1)) == "203.0.113.9"


def test_a_peer_that_is_not_a_trusted_proxy_is_the_client_whatever_it_forwards() -> None:
    headers = _forwarded("198.51.100.1")
    peer = ("203.0.113.9", 1)
    assert client_address(ProxyTrust(networks=NETWORKS), headers, peer) == "203.0.113.9"


def test_more_trusted_proxies_than_hops_leaves_the_first_hop() -> None:
    assert client_address(ProxyTrust(count=3), _forwarded("203.0.113.7"), PROXY) == "203.0.113.7"


def test_ipv6_clients_count_by_their_64_bit_network() -> None:
    first = client_address(ProxyTrust(), [], ("2001:db8:1:2::1", 1))
    second = client_address(ProxyTrust(), [], ("2001:db8:1:2:ffff::9", 1))
    assert first == second == "2001:db8:1:2::/64"
    assert client_address(ProxyTrust(), [], ("::ffff:192.0.2.1", 1)) == "192.0.2.1"


def test_the_old_first_hop_setting_is_refused_with_its_replacements_named() -> None:
    with pytest.raises(ValidationError, match="CERTBRIDGE_TRUSTED_PROXIES"):
        Settings(environment="test", trust_forwarded_for=True)
    with pytest.raises(ValidationError, match="CERTBRIDGE_TRUSTED_PROXIES"):
        Settings(environment="test", trusted_proxies="10.0.0.0/33")


def test_sixty_requests_with_sixty_made_up_first_hops_get_the_allowance_of_one_client(
    settings: Settings,
) -> None:
    """Issue 10.5: with the old first-hop rule, 60 of 60 passed."""
    app = create_app(
        settings.model_copy(update={"rate_limit_per_minute": 5, "trusted_proxy_count": 1})
    )
    statuses = []
    with TestClient(app) as client:
        for i in range(60):
            forwarded = f"198.51.{i}.{i}, 203.0.113.7"  # the proxy appended the true address
            answer = client.get(
                "/api/v1/certificates",
                params={"name": "张伟", "id_number": "110101199003071234"},
                headers={"X-Forwarded-For": forwarded},
            )
            statuses.append(answer.status_code)
    app.state.engine.dispose()
    assert statuses.count(429) == 55
