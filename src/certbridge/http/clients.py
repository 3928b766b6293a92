"""Who a request counts against. Pure: works on raw ASGI headers and the peer address.

X-Forwarded-For is a list that anyone can start: a client sends `X-Forwarded-For: 1.2.3.4`
and each proxy appends the address it saw. Only the hops appended by our own proxies are
true, so the client is the right-most hop that no trusted proxy added: walking from the
peer leftwards past trusted proxies (by address), or past a configured count of them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# An IPv6 subscriber usually holds a whole /64: counting single addresses would give each
# client 2^64 budgets.
IPV6_CLIENT_PREFIX = 64
_LONGEST_HOP = 64  # anything longer is not an address; cut so a key stays small


@dataclass(frozen=True)
class ProxyTrust:
    """Which X-Forwarded-For hops to believe: those added by proxies at these addresses,
    or by this many proxies in front of us. Neither: the peer is the client."""

    networks: tuple[Network, ...] = ()
    count: int = 0

    @property
    def reads_forwarded_for(self) -> bool:
        return bool(self.networks) or self.count > 0


def client_address(
    trust: ProxyTrust, headers: Iterable[tuple[bytes, bytes]], client: Sequence[Any] | None
) -> str:
    """The budget key of a request's client: an address, or an IPv6 /64 network."""
    peer = str(client[0]) if client else "unknown"
    if not trust.reads_forwarded_for:
        return client_key(peer)
    hops = [
        hop.strip()[:_LONGEST_HOP]
        for key, value in headers
        if key.lower() == b"x-forwarded-for"
        for hop in value.decode("latin-1").split(",")
    ]
    chain = [hop for hop in hops if hop] + [peer]
    if trust.networks:
        return client_key(_right_most_untrusted(chain, trust.networks))
    # `count` proxies: the last `count` entries of the chain (the peer included) are theirs.
    return client_key(chain[max(0, len(chain) - 1 - trust.count)])


def _right_most_untrusted(chain: list[str], networks: tuple[Network, ...]) -> str:
    for hop in reversed(chain):
        if not _is_trusted(hop, networks):
            return hop
    return chain[0]  # every hop is one of ours: the request started inside


def _is_trusted(hop: str, networks: tuple[Network, ...]) -> bool:
    address = _address(hop)
    return address is not None and any(address in network for network in networks)


@lru_cache(maxsize=4096)
def client_key(address: str) -> str:
    """IPv4 addresses as they are; IPv6 addresses by their /64 network."""
    if ":" not in address:
        return address
    parsed = _address(address)
    if parsed is None or parsed.version == 4:
        return str(parsed) if parsed else address
    return str(ipaddress.IPv6Network((parsed, IPV6_CLIENT_PREFIX), strict=False))


def _address(hop: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(hop.strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
