"""The MISP-style baseline: campaigns joined whenever they share any exactly equal attribute value.

A sharing platform that correlates on exact attribute equality links two events that list the same IP, CIDR,
user agent or e-mail domain, however many strangers use it. This is the comparison the forum's correlation
must beat. ASNs are left out (joined on, they merge nearly everything).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from aisac.forum.records import CampaignRecord

KINDS = ("exits", "blocks", "clients", "mail_domains")


def exact_overlap(recs: Sequence[CampaignRecord]) -> list[list[str]]:
    """Groups of campaign STIX ids: the connected components of 'shares any value of KINDS'."""
    camp, vals = [], []
    for i, r in enumerate(recs):
        for kind in KINDS:
            for e in r.evidence.get(kind) or ():
                if isinstance(e, dict) and e.get("value") is not None:
                    camp.append(i)
                    vals.append(f"{kind}\\x00{e['value']}")
    n = len(recs)
    if not n:
        return []
    if vals:
        _, value = np.unique(np.asarray(vals, dtype=object), return_inverse=True)
        m = sparse.csr_matrix((np.ones(len(camp)), (np.asarray(camp), value)), shape=(n, value.max() + 1))
        graph = (m @ m.T).tocsr()
    else:
        graph = sparse.csr_matrix((n, n))
    _, label = csgraph.connected_components(graph, directed=False)
    groups: dict[int, list[str]] = {}
    for i, g in enumerate(label):
        groups.setdefault(int(g), []).append(recs[i].stix_id)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: (-len(g), g))
