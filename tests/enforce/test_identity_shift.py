"""An account that moves to a new client and a new network at once is judged afresh (aged accounts bought
for a campaign); the shift is bounded, so rotating clients and networks cannot keep resetting it."""

from __future__ import annotations

from aisac.enforce import Guard
from aisac.enforce.guard import IDENTITY_CAP

from .helpers import T0, messages


def _request(i: int, ua: str, address: str, text: str) -> dict:
    return {
        "account.id": "aged",
        "time": T0 + i * 60.0,
        "client.address": address,
        "user_agent.original": ua,
        "gen_ai.usage.input_tokens": 40,
        "gen_ai.usage.output_tokens": 300,
        "gen_ai.input.messages": messages(None, [("user", text)]),
    }


def test_a_new_client_on_a_new_network_restarts_the_behaviour_history() -> None:
    guard = Guard()
    for i in range(12):  # a life of its own: two browsers at home
        guard.decide(_request(i, ("Firefox/1", "Safari/2")[i % 2], "192.0.2.10", f"chat {i}"))
    assert guard.evidence("aged")["requests"] == 12 and guard.shifts == 0
    guard.decide(_request(12, "Safari/2", "198.51.100.7", "same browser, travelling"))  # new network only
    guard.decide(_request(13, "curl/8", "192.0.2.10", "new tool at home"))  # new client only
    assert guard.shifts == 0 and guard.evidence("aged")["requests"] == 14
    guard.decide(_request(14, "harvester/1.3", "203.0.113.9", "Solve step by step"))  # both new: taken over
    assert guard.shifts == 1 and guard.evidence("aged")["requests"] == 1
    guard.decide(_request(15, "harvester/1.3", "203.0.113.9", "Solve step by step"))
    assert guard.shifts == 1 and guard.evidence("aged")["requests"] == 2


def test_rotating_clients_and_networks_cannot_keep_resetting_an_account() -> None:
    guard = Guard()
    for i in range(200):
        guard.decide(_request(i, f"agent/{i}", f"10.{i // 250}.{i % 250}.1", "Solve step by step"))
    assert 1 <= guard.shifts <= IDENTITY_CAP
    assert guard.evidence("aged")["requests"] >= 200 - 5 * IDENTITY_CAP
