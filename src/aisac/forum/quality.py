"""How good a clustering is against the simulator's truth (`operators.csv`): completeness and purity.

* Per operator that hit several labs: the share of its detected accounts that sit in its largest cluster, and
  whether that cluster reaches every lab where the operator had detected accounts.
* Account-weighted impurity: of all pairs of detected accounts placed in one cluster, the share that belong to
  different operators (a falsely flagged customer counts as an operator of its own).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any


def evaluate(
    groups: Sequence[Sequence[str]],
    campaign_of: Mapping[tuple[str, str], str],
    operator_of: Mapping[tuple[str, str], str],
) -> dict[str, Any]:
    """`groups`: lists of campaign ids; `campaign_of`: (lab, account) -> campaign id of each detected account;
    `operator_of`: (lab, account) -> operator of each distillation account (truth)."""
    group_of = {c: g for g, members in enumerate(groups) for c in members}
    accounts_in: dict[int, list[tuple[str, str]]] = {}
    for key, campaign in campaign_of.items():
        accounts_in.setdefault(group_of[campaign], []).append(key)

    def operator(key: tuple[str, str]) -> str:
        return operator_of.get(key) or f"customer {key[0]}/{key[1]}"

    pairs = mixed = 0
    for members in accounts_in.values():
        n = len(members)
        same = sum(k * (k - 1) // 2 for k in Counter(map(operator, members)).values())
        pairs += n * (n - 1) // 2
        mixed += n * (n - 1) // 2 - same
    labs_hit: dict[str, set[str]] = {}
    for (lab, _), op in operator_of.items():
        labs_hit.setdefault(op, set()).add(lab)
    crossing = {}
    for op in sorted(o for o, labs in labs_hit.items() if len(labs) > 1):
        detected = [k for k in campaign_of if operator_of.get(k) == op]
        if not detected:
            crossing[op] = {"labs": sorted(labs_hit[op]), "detected": 0, "largest_share": 0.0, "reaches_all": False}
            continue
        top, count = Counter(group_of[campaign_of[k]] for k in detected).most_common(1)[0]
        detected_labs = {lab for lab, _ in detected}
        reached = {lab for lab, _ in accounts_in[top]}
        crossing[op] = {"labs": sorted(labs_hit[op]), "detected": len(detected),
                        "largest_share": count / len(detected), "reaches_all": detected_labs <= reached}
    return {"crossing": crossing, "impurity": mixed / pairs if pairs else 0.0, "clusters": len(groups)}
