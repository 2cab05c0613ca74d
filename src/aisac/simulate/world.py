"""The world the simulated lab serves: its models, networks, client software and sign-up facts.

Address blocks are synthetic (each network is given random public prefixes); ASNs, client strings and
e-mail domains are the ones a real gateway sees, so that rarity weighting meets realistic skew: many
strangers share a carrier NAT, a VPN exit or a popular SDK.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import numpy as np

MODELS = ("helios-4", "helios-4-mini", "helios-3.5", "helios-4.5")
#: The model released during the simulated period (index into MODELS) and its release day.
NEW_MODEL = 3
RELEASE_DAY = 3


@dataclass(frozen=True)
class Network:
    asn: int
    country: str
    kind: str  # residential, mobile, vpn, cloud, business, proxy


NETWORKS: tuple[Network, ...] = (
    Network(7922, "US", "residential"), Network(701, "US", "residential"), Network(20115, "US", "residential"),
    Network(3320, "DE", "residential"), Network(5089, "GB", "residential"), Network(3215, "FR", "residential"),
    Network(2516, "JP", "residential"), Network(4766, "KR", "residential"), Network(1221, "AU", "residential"),
    Network(812, "CA", "residential"), Network(28573, "BR", "residential"), Network(55836, "IN", "residential"),
    Network(4134, "CN", "residential"), Network(4837, "CN", "residential"), Network(9121, "TR", "residential"),
    Network(21928, "US", "mobile"), Network(22394, "US", "mobile"), Network(3651, "DE", "mobile"),
    Network(9808, "CN", "mobile"), Network(45609, "IN", "mobile"),
    Network(9009, "GB", "vpn"), Network(212238, "NL", "vpn"), Network(60068, "US", "vpn"),
    Network(16509, "US", "cloud"), Network(15169, "US", "cloud"), Network(8075, "US", "cloud"),
    Network(14061, "SG", "cloud"), Network(24940, "DE", "cloud"), Network(45102, "SG", "cloud"),
    Network(7018, "US", "business"), Network(3356, "US", "business"), Network(6830, "GB", "business"),
    Network(9299, "HK", "proxy"), Network(4760, "HK", "proxy"), Network(17676, "JP", "proxy"),
    Network(38001, "SG", "proxy"),
)

USER_AGENTS = {
    "sdk": ("OpenAI/Python 1.54.3", "OpenAI/Python 1.58.1", "anthropic-python/0.39.0", "openai-node/4.73.1",
            "langchain-core/0.3.21", "python-requests/2.32.3", "Go-http-client/1.1", "ai-sdk/4.0.2"),
    "browser": ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/131.0.0.0 Safari/537.36",
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                "Version/18.1 Safari/605.1.15",
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"),
    "tool": ("curl/8.5.0", "PostmanRuntime/7.42.0", "python-httpx/0.27.2"),
    "backend": ("northwind-support/3.2 (+ops@northwind.example)", "codepilot-gateway/1.14", "openrouter-proxy/2.7",
                "docflow-batch/5.0", "evalharness/0.9.4"),
    # Client software seen only in campaigns: custom harvesters, sometimes imitating common tools.
    "campaign": ("python-httpx/0.27.2 harvester/1.3", "Mozilla/5.0 (compatible; dsbot/2.1)", "aiohttp/3.9.5",
                 "OpenAI/Python 1.30.0", "okhttp/4.12.0"),
}

EMAIL_DOMAINS = {
    "consumer": ("gmail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me", "qq.com", "163.com",
                 "naver.com", "gmx.de", "hotmail.com"),
    "campaign": ("gmail.com", "outlook.com", "qq.com", "163.com", "proton.me", "tutamail.com", "mail.ru"),
}

COUNTRY_OFFSET_HOURS = {"US": -6, "CA": -5, "BR": -3, "GB": 0, "FR": 1, "DE": 1, "NL": 1, "TR": 3, "IN": 5,
                        "CN": 8, "SG": 8, "HK": 8, "JP": 9, "KR": 9, "AU": 10}


class AddressSpace:
    """Hands out synthetic addresses by network kind: distinct /24 (or /48) blocks, or shared pools."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self._next_block = int(rng.integers(1 << 10, 1 << 12)) << 12  # a /24 counter in a public range
        self.addresses: list[str] = []
        self.asns: list[int] = []
        self.countries: list[str] = []

    def networks(self, kind: str) -> list[Network]:
        return [n for n in NETWORKS if n.kind == kind]

    def _add(self, addresses: list[str], net: Network) -> np.ndarray:
        start = len(self.addresses)
        self.addresses += addresses
        self.asns += [net.asn] * len(addresses)
        self.countries += [net.country] * len(addresses)
        return np.arange(start, len(self.addresses))

    def adopt(self, other: AddressSpace, ids: np.ndarray) -> np.ndarray:
        """Addresses of another space (a pool the whole world shares: VPN exits, carrier NAT, an operator's
        proxies) made usable here; returns their ids in this space."""
        start = len(self.addresses)
        self.addresses += [other.addresses[i] for i in ids]
        self.asns += [other.asns[i] for i in ids]
        self.countries += [other.countries[i] for i in ids]
        return np.arange(start, len(self.addresses))

    def block(self, net: Network, hosts: int, ipv6: bool = False) -> np.ndarray:
        """`hosts` addresses inside one fresh /24 (or /48) of the network; returns their ids."""
        self._next_block += int(self.rng.integers(1, 40))
        if ipv6:
            base = (0x2A00 << 112) | (self._next_block << 80)
            hosts_ids = self.rng.choice(1 << 16, size=hosts, replace=False) + 1
            return self._add([str(ipaddress.IPv6Address(base | int(h) << 8)) for h in hosts_ids], net)
        base = (self._next_block % (200 << 16) + (11 << 16)) << 8
        hosts_ids = self.rng.choice(np.arange(2, 255), size=min(hosts, 253), replace=False)
        return self._add([str(ipaddress.IPv4Address(base | int(h))) for h in hosts_ids], net)

    def singles(self, kind: str, n: int, ipv6_share: float = 0.0) -> np.ndarray:
        """n addresses each in its own block, spread over networks of the kind (residential users)."""
        nets = self.networks(kind)
        picks = self.rng.integers(0, len(nets), n)
        v6 = self.rng.random(n) < ipv6_share
        return np.array([self.block(nets[p], 1, bool(v))[0] for p, v in zip(picks, v6, strict=True)],
                        dtype=np.int64)

    def pool(self, kind: str, blocks: int, hosts_per_block: int) -> np.ndarray:
        """A shared pool (carrier NAT, VPN exits, proxy exits, cloud egress) of several blocks."""
        nets = self.networks(kind)
        ids = [self.block(nets[int(self.rng.integers(0, len(nets)))], hosts_per_block) for _ in range(blocks)]
        return np.concatenate(ids)
