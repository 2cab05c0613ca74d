"""Hydra linking joins accounts that share several rare facts, not strangers behind one NAT."""

from __future__ import annotations

import json

from aisac.detect.distill import analyse
from aisac.detect.sigma.engine import load_rules
from aisac.logs.reader import read_log


def _record(account, minute, *, address, payment, ua, created="2026-03-01T10:00:00Z"):
    return {
        "time": f"2026-04-06T{10 + minute // 60:02d}:{minute % 60:02d}:00Z",
        "account.id": account,
        "gen_ai.request.model": "m",
        "gen_ai.usage.input_tokens": 20,
        "gen_ai.usage.output_tokens": 900,
        "client.address": address,
        "account.payment_fingerprint": payment,
        "user_agent.original": ua,
        "account.created_at": created,
    }


def test_shared_card_client_and_signup_link_a_hydra_but_a_nat_does_not(tmp_path):
    records = []
    for i in range(4):  # one operation: same card, same rare client, opened the same hour, same exit block
        records += [
            _record(f"hydra{i}", m, address=f"203.0.113.{10 + i}", payment="pf_shared", ua="harvester/1.0")
            for m in range(0, 120, 7)
        ]
    for i in range(30):  # strangers behind one carrier NAT address
        records += [
            _record(
                f"phone{i}",
                4 * i + m,
                address="198.51.100.7",
                payment=f"pf_{i}",
                ua="Mozilla/5.0 (iPhone)",
                created=f"2025-{1 + i % 12:02d}-0{1 + i % 9}T00:00:00Z",
            )
            for m in range(3)
        ]
    for i in range(200):  # everyone else, for rarity
        records += [
            _record(
                f"user{i}",
                i % 50,
                address=f"192.0.2.{i % 250}",
                payment=f"pf_u{i}",
                ua=f"sdk/{i}",
                created=f"2024-{1 + i % 12:02d}-1{i % 9}T00:00:00Z",
            )
        ]
    path = tmp_path / "log.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records))
    analysis = analyse(read_log([path]), load_rules())
    membership = analysis.links.membership
    hydra = {membership.get(f"hydra{i}") for i in range(4)}
    assert len(hydra) == 1 and None not in hydra
    phones = [f"phone{i}" for i in range(30)]
    edges = analysis.links.edges.to_pylist()
    assert not [e for e in edges if e["a"] in phones and e["b"] in phones]
    families = {f for e in edges if e["a"].startswith("hydra") for f in e["families"].split(",")}
    assert {"payment", "client", "signup"} <= families
