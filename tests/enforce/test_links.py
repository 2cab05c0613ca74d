"""The link graph's small sets of keys that can matter stay exactly what the full table says."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from aisac.enforce.links import CLEAN, FLAGGED, UNKNOWN, LinkGraph
from aisac.enforce.policy import Links

KEYS = ["pay:c1", "pay:c2", "tpl:t1", "sys:s1", "ip:192.0.2.1", "ua:sdk/1", "dom:example.com"]
ORGS = [None, "org-a", "org-b"]
STATUSES = [UNKNOWN, CLEAN, FLAGGED]

step = st.one_of(
    st.tuples(
        st.just("attach"),
        st.integers(0, 5),  # which account
        st.lists(st.sampled_from(KEYS), max_size=4),
        st.sampled_from(ORGS),
        st.booleans(),
    ),
    st.tuples(st.just("status"), st.integers(0, 5), st.sampled_from(STATUSES)),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(step, max_size=60))
def test_flagged_and_crowd_sets_match_the_counts(steps) -> None:
    graph = LinkGraph(Links(cluster_min=3))
    links: list[set[str]] = [set() for _ in range(6)]
    status = [UNKNOWN] * 6
    for s in steps:
        if s[0] == "attach":
            _, a, keys, org, young = s
            graph.attach(links[a], status[a], tuple(keys), org, young)
        else:
            _, a, new = s
            if new != status[a]:
                graph.set_status(links[a], status[a], new)
                status[a] = new
        assert graph.flagged == {k for k, c in graph.keys.items() if c[1]}
        assert graph.crowds == {
            k
            for k, c in graph.keys.items()
            if k.startswith(("pay:", "tpl:", "sys:")) and c[0] >= 3 and c[3] == "\x00mixed"
        }
        # the campaign score of every account is what the per-key definition gives
        for a in range(6):
            score, _ = graph.campaign(tuple(links[a]), status[a], links[a], set(), frozenset())
            assert 0.0 <= score <= 1.0
            if not graph.flagged & links[a]:
                assert score == 0.0
