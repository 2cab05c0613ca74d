"""Correlation at forum scale: 10,000 campaigns as the chair would pull them, parsed and correlated.

The evidence is synthetic but shaped like the detector's (aisac.contract.correlation): operators with their own
exit pools, question lists (as shingle-hash sets) and harvester strings, reaching one to three of five labs in
one to three fragments each; popular VPN exits, SDK user agents and webmail domains that many campaigns and
customers share; templates every operator uses. Reports seconds to parse the STIX objects into records and to
correlate, and the clusters' purity against the synthetic truth.

    PYTHONPATH=src python bench/forum_correlate.py --campaigns 10000
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections import Counter

import numpy as np

from aisac.contract import correlation, sketch
from aisac.forum.correlate import correlate
from aisac.forum.records import records

LABS = [f"lab-{c}" for c in "abcde"]
SDK = ["OpenAI/Python 1.54.3", "anthropic-python/0.39.0", "python-requests/2.32.3", "Go-http-client/1.1"]
HARVESTERS = [f"harvester/{i}" for i in range(12)]
WEBMAIL = ["gmail.com", "outlook.com", "qq.com", "163.com", "proton.me"]


def _entry(value, unflagged: int) -> dict:
    return {"value": value, "requests": 100, "accounts": 5, "unflagged_accounts": unflagged}


def synthetic(n_campaigns: int, seed: int = 0) -> tuple[list[dict], dict[str, str], dict[str, str]]:
    """(STIX objects, campaign id -> lab, campaign id -> operator)."""
    rng = np.random.default_rng(seed)
    template = rng.integers(0, 2**63, 300, dtype=np.uint64)  # shingles every operator's templates share
    vpn = [f"100.{64 + i // 250}.{i % 250}.1" for i in range(400)]
    objects, lab_of, operator_of = [], {}, {}
    op = 0
    while len(lab_of) < n_campaigns:
        questions = rng.integers(0, 2**63, int(rng.integers(300, 900)), dtype=np.uint64)
        pool = [f"{10 + op // 60000}.{(op // 250) % 240}.{op % 250}.{h}" for h in range(int(rng.integers(8, 40)))]
        harvester = HARVESTERS[int(rng.integers(0, len(HARVESTERS)))]
        own_mail = f"mx{op}.example"
        for lab in rng.choice(LABS, size=int(rng.integers(1, 4)), replace=False):
            for _ in range(int(rng.integers(1, 4))):
                if len(lab_of) >= n_campaigns:
                    break
                cid = f"campaign--{len(lab_of):08d}-0000-4000-8000-{op:012d}"
                seen = questions[rng.random(len(questions)) < rng.uniform(0.4, 1.0)]
                exits = [pool[i] for i in rng.choice(len(pool), size=min(len(pool), 20), replace=False)]
                if rng.random() < 0.3:  # partly behind popular VPN exits
                    exits += [vpn[i] for i in rng.choice(len(vpn), 10, replace=False)]
                ev = {
                    "population": 100_000, "unflagged_accounts": 99_000,
                    "exits": [_entry(e, int(rng.poisson(30)) if e.startswith("100.") else 0) for e in exits],
                    "blocks": [_entry(b, int(rng.poisson(300)) if b.startswith("100.") else 0)
                               for b in sorted({e.rsplit(".", 1)[0] + ".0/24" for e in exits})],
                    "clients": [_entry(harvester, 0), _entry(SDK[int(rng.integers(0, 4))], 5000)],
                    "mail_domains": [_entry(own_mail, 0), _entry(WEBMAIL[int(rng.integers(0, 5))], 40_000)],
                    "asns": [_entry(16509, 8000)],
                    "prompt_sketch": sketch.from_hashes(np.unique(np.concatenate([seen, template]))),
                }
                stamp = "2026-04-06T00:00:00.000Z"
                objects.append({"type": "campaign", "spec_version": "2.1", "id": cid, "created": stamp,
                                "modified": stamp, "name": cid})
                objects.append({"type": "observed-data", "spec_version": "2.1",
                                "id": cid.replace("campaign", "observed-data"), "created": stamp, "modified": stamp,
                                "first_observed": stamp, "last_observed": stamp, "number_observed": 1,
                                "object_refs": ["ipv4-addr--00000000-0000-4000-8000-000000000000"],
                                "extensions": correlation.extension(cid, ev)})
                lab_of[cid], operator_of[cid] = str(lab), f"op{op}"
        op += 1
    return objects, lab_of, operator_of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaigns", type=int, default=10_000)
    args = parser.parse_args()
    objects, lab_of, operator_of = synthetic(args.campaigns)
    wire = json.dumps(objects)  # what the pull hands over
    start = time.perf_counter()
    recs = records(json.loads(wire), lab_of)
    parsed = time.perf_counter() - start
    start = time.perf_counter()
    clusters = correlate(recs)
    seconds = time.perf_counter() - start
    pairs = mixed = 0
    for c in clusters:
        n = len(c.campaigns)
        pairs += n * (n - 1) // 2
        mixed += n * (n - 1) // 2 - sum(k * (k - 1) // 2 for k in Counter(operator_of[x] for x in c.campaigns).values())
    ops = Counter(operator_of.values())
    complete = sum(1 for c in clusters if len(c.campaigns) == ops[operator_of[c.campaigns[0]]]
                   and len({operator_of[x] for x in c.campaigns}) == 1)
    print(f"{len(recs):,} campaigns from {len(ops):,} operators on {platform.processor() or platform.machine()}: "
          f"parse {parsed:.1f} s, correlate {seconds:.1f} s; {len(clusters):,} clusters, "
          f"{complete:,} operators recovered whole, campaign-pair impurity {mixed / max(pairs, 1):.4f}")


if __name__ == "__main__":
    main()
