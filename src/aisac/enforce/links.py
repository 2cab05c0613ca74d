"""Incremental infrastructure linking: which accounts share payment, addresses, blocks, agents, templates.

A key (e.g. `pay:<fingerprint>`, `net:<block>`) counts the accounts seen on it and how many of them are
flagged. A key only links an account to a campaign in proportion to how many *other* accounts on it are
flagged and how few unflagged ones share it, so a carrier NAT or a popular SDK's user agent, shared by
thousands of ordinary accounts, glues nobody together, while a card or template shared by a ring of
flagged accounts condemns a new account on its first request.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet

from aisac.contract.signals import address_block
from aisac.enforce.policy import Links

#: Key prefix -> field of LinkWeights.
PREFIXES = {
    "sys": "template",
    "pay": "payment",
    "ip": "address",
    "net": "block",
    "ua": "user_agent",
    "tpl": "template",
    "dom": "email_domain",
}
#: Keys remembered per account (memory bound); later keys still count for the request that carries them.
ACCOUNT_KEYS = 32
ADDRESS_KEYS = 8
_BLOCK_MEMO = 200_000
_WEAK = ("ip:", "net:", "ua:", "dom:")
#: Prompt keys, weighed by how much of an account's traffic uses them; a prompt key of at least this
#: strength is tainted.
_PROMPT = ("tpl:", "sys:")
_TAINTED = 0.3
#: Keys whose crowds of young accounts make a cluster.
_CLUSTER = ("pay:", "tpl:", "sys:")
#: Keys whose unvetted accounts dilute too: a prompt opening, a client or a mail provider can be shared by
#: thousands of occasional users who never send enough requests to be vetted.
_POPULAR = ("tpl:", "sys:", "ua:", "dom:")


#: Account status for linking: too new to judge, vetted clean, or flagged.
UNKNOWN, CLEAN, FLAGGED = 0, 1, 2


#: Marks a key seen with accounts of more than one organisation (or with and without one).
_MIXED = "\x00mixed"


class Kind:
    """What a key's prefix makes of it, looked up once per key instead of parsing the prefix per request."""

    __slots__ = ("cluster", "group", "popular", "weight")

    def __init__(self, weight: float, popular: bool, group: int, cluster: bool) -> None:
        self.weight = weight
        self.popular = popular
        self.group = group  # STRONG, WEAK or PROMPT: how it adds up in `campaign`
        self.cluster = cluster

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        """Pickled with the guard's learned state (the compiled build pickles only what this names)."""
        return Kind, (self.weight, self.popular, self.group, self.cluster)


STRONG, WEAK, PROMPT = 0, 1, 2


class KeyStats:
    """One key's counts: the accounts seen on it, how many of them are flagged, vetted clean and young,
    and the one organisation they all belong to (`_MIXED` once they do not)."""

    __slots__ = ("accounts", "clean", "flagged", "kind", "org", "young")

    def __init__(self, kind: Kind, org: str | None) -> None:
        self.accounts = self.flagged = self.clean = self.young = 0
        self.org = org
        self.kind = kind

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return _key_stats, (self.kind, self.org, self.accounts, self.flagged, self.clean, self.young)


def _key_stats(kind: Kind, org: str | None, accounts: int, flagged: int, clean: int, young: int) -> KeyStats:
    st = KeyStats(kind, org)
    st.accounts, st.flagged, st.clean, st.young = accounts, flagged, clean, young
    return st


class LinkGraph:
    """Per key its KeyStats. Two small sets name the few keys that can matter, so that most of a request's keys are
    ruled out by a probe of a set that stays in cache rather than of the table of every key ever seen:
    `flagged` (keys with flagged accounts on them) and `crowds` (card or prompt keys shared by at least
    `cluster_min` accounts of several organisations)."""

    def __init__(self, cfg: Links):
        self.cfg = cfg
        self.keys: dict[str, KeyStats] = {}
        self.flagged: set[str] = set()
        self.crowds: set[str] = set()
        self.weights = {p: getattr(cfg.weights, f) for p, f in PREFIXES.items()}
        self._kinds = {
            p: Kind(
                w,
                f"{p}:".startswith(_POPULAR),
                PROMPT if f"{p}:".startswith(_PROMPT) else WEAK if f"{p}:".startswith(_WEAK) else STRONG,
                f"{p}:".startswith(_CLUSTER),
            )
            for p, w in self.weights.items()
        }
        self._blocks: dict[str, str | None] = {}

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return _link_graph, (self.cfg, self.keys, self.flagged, self.crowds)

    def kind(self, key: str) -> Kind:
        return self._kinds[key.split(":", 1)[0]]

    def block(self, address: str) -> str | None:
        """The address block holding `address` (`contract.signals.address_block`); None when it is not an
        address. Memoised."""
        try:
            return self._blocks[address]
        except KeyError:
            pass
        b = address_block(address)
        if len(self._blocks) >= _BLOCK_MEMO:
            self._blocks.clear()
        self._blocks[address] = b
        return b

    def attach(
        self, links: set[str], status: int, keys: tuple[str, ...], org: str | None = None, young: bool = False
    ) -> None:
        """Record that an account (its key set `links`, its status) was seen on `keys`. Exact addresses
        are capped per account so that a rotating proxy pool cannot crowd out its card, agent, templates."""
        for k in keys:
            if k in links or len(links) >= ACCOUNT_KEYS:
                continue
            if k.startswith("ip:") and sum(1 for x in links if x.startswith("ip:")) >= ADDRESS_KEYS:
                continue
            links.add(k)
            st = self.keys.get(k)
            if st is None:
                st = self.keys[k] = KeyStats(self.kind(k), org)
            elif org is None or st.org != org:
                st.org = _MIXED  # accounts without an organisation are each their own customer
            st.accounts += 1
            st.young += young
            st.flagged += status == FLAGGED
            st.clean += status == CLEAN
            if st.kind.cluster and st.accounts >= self.cfg.cluster_min and st.org == _MIXED:
                self.crowds.add(k)  # for good: counts only grow and a mixed key stays mixed
            if st.flagged:
                self.flagged.add(k)

    def set_status(self, links: set[str], old: int, new: int) -> None:
        df, dc = (new == FLAGGED) - (old == FLAGGED), (new == CLEAN) - (old == CLEAN)
        flagged = self.flagged
        for k in links:
            st = self.keys[k]
            st.flagged += df
            st.clean += dc
            if df:
                if st.flagged:
                    flagged.add(k)
                else:
                    flagged.discard(k)

    def cluster(self, keys) -> float:
        """Share of young accounts on the most-shared card or template that spans several organisations and
        at least `cluster_min` accounts: a crowd of fresh accounts on one card or prompt is a sybil farm
        even before any of them behaves badly; established customers sharing a prompt are not."""
        crowds = self.crowds
        if crowds.isdisjoint(keys):
            return 0.0
        best, counts = 0.0, self.keys
        for k in crowds.intersection(keys):
            st = counts[k]
            best = max(best, st.young / st.accounts)
        return best

    def campaign(
        self,
        keys,
        status: int,
        own: set[str],
        burned: AbstractSet[str],
        ignore: frozenset[str],
        org: str | None = None,
        coverage: Callable[[str], float] | None = None,
    ) -> tuple[float, str | None]:
        """Noisy-or of the keys' strengths (a burned key counts at least its burned strength); top key.

        A key's strength ties an account to flagged others, in [0, 1]: the share of flagged among the
        *vetted* other accounts on it (accounts too new to judge neither condemn nor excuse; for popular key
        types every other account dilutes), discounted by how many clean accounts share it; nothing when
        only one organisation's accounts share it (one customer's own accounts, not a campaign).

        Weak keys (address, block, user agent, e-mail domain) together count at most `weak_cap`: they are
        shared by strangers behind NATs and proxies or using one SDK or mail provider, so they corroborate
        but never condemn on their own. Prompt keys (template, system prompt) count as strongly as the
        share of the account's requests that use tainted prompts (`coverage`): a router passing a few of
        a campaign's prompts among many customers' is not the campaign, an account sending nothing else is.

        One pass over the keys that can matter (flagged or burned ones, found by C-level set operations),
        no helper calls per key: this runs on most requests of the guard's hot path.
        """
        hot = self.flagged
        if burned:
            keys = [k for k in keys if k in hot or k in burned]
        elif hot.isdisjoint(keys):
            return 0.0, None  # the common case: nobody flagged on any of the keys
        else:
            keys = hot.intersection(keys)
        miss, miss_weak, top, top_s = 1.0, 1.0, None, 0.0
        prompt_s = prompt_cov = 0.0
        counts, cfg = self.keys, self.cfg
        min_flagged, rare, burned_s = cfg.min_flagged, cfg.rare_accounts, cfg.burned
        own_flagged, own_clean = status == FLAGGED, status == CLEAN
        for k in keys:
            if k in ignore:
                continue
            st = counts.get(k)
            if st is None:  # burned elsewhere, never seen here
                kind, s = self.kind(k), 0.0
            else:
                kind, s = st.kind, 0.0
                if k in hot and (org is None or st.org != org):
                    counted = k in own  # the account itself is on the key's counts only once attached
                    flagged = st.flagged - (counted and own_flagged)
                    if flagged > 0:
                        clean = st.accounts - counted - flagged if kind.popular else st.clean - (counted and own_clean)
                        conf = 1.0 if flagged >= min_flagged else flagged / min_flagged
                        s = kind.weight * (flagged / (flagged + clean)) * conf * rare / (rare + clean)
            if k in burned and s < kind.weight * burned_s:
                s = kind.weight * burned_s
            if s <= 0.0:
                continue
            group = kind.group
            if group == PROMPT:
                if s >= _TAINTED:
                    if s > prompt_s:
                        prompt_s = s
                    prompt_cov += coverage(k) if coverage else 1.0
            elif group == WEAK:
                miss_weak *= 1.0 - s
            else:
                miss *= 1.0 - s
            if s > top_s:
                top, top_s = k, s
        if prompt_s:
            cov = prompt_cov / cfg.prompt_share_full
            miss *= 1.0 - prompt_s * (cov if cov < 1.0 else 1.0)
        weak = 1.0 - miss_weak
        return 1.0 - miss * (1.0 - (weak if weak < cfg.weak_cap else cfg.weak_cap)), top

    def burnable(self, links: set[str]) -> list[str]:
        """Keys of a suspended account worth burning: shared by at least two flagged accounts, which are the
        majority of the vetted accounts on it (of all accounts on it, for popular key types)."""
        out = []
        for k in links:
            st = self.keys.get(k)
            if st is None or st.flagged < 2 or self.weights[k.split(":", 1)[0]] == 0:
                continue
            others = st.accounts - st.flagged if k.startswith(_POPULAR) else st.clean
            if st.flagged >= others:
                out.append(k)
        return out


def _link_graph(cfg: Links, keys: dict[str, KeyStats], flagged: set[str], crowds: set[str]) -> LinkGraph:
    """A LinkGraph from its pickled counts (the address-block memo starts empty: it is only a cache)."""
    g = LinkGraph(cfg)
    g.keys, g.flagged, g.crowds = keys, flagged, crowds
    return g
