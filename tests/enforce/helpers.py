"""Helpers for enforce tests: hand-built traffic with labels, free ports, a real uvicorn server thread."""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

T0 = datetime(2026, 3, 2, tzinfo=UTC).timestamp()
TOPICS = [
    "invoices",
    "travel plans",
    "unit tests",
    "a birthday poem",
    "SQL joins",
    "tax forms",
    "recipes",
    "a cover letter",
    "Kubernetes",
    "gardening",
    "a bug in my parser",
    "quarterly numbers",
]


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")


def messages(system: str | None, turns: list[tuple[str, str]]) -> str:
    out = [{"role": "system", "parts": [{"type": "text", "content": system}]}] if system else []
    out += [{"role": r, "parts": [{"type": "text", "content": c}]} for r, c in turns]
    return json.dumps(out)


@dataclass
class Traffic:
    """Hand-built api-log-v1 records with labels: benign personas and distillation campaigns."""

    seed: int = 1
    records: list[dict] = field(default_factory=list)
    labels: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def campaign(
        self,
        name: str,
        accounts: int,
        requests_each: int,
        start: float = T0,
        gap_s: float = 30.0,
        cards: int = 3,
        block: str = "203.0.113",
        prefix: str | None = None,
        kind: str = "hydra",
    ) -> list[str]:
        """Distillation ring: shared cards, one /24, one agent, one template; short prompts, long answers."""
        rng, ids = self.rng, []
        for a in range(accounts):
            aid = f"{prefix or name}-{a}"
            ids.append(aid)
            self.labels[aid] = ("distillation", kind, name)
            t = start + a * 7.0
            for i in range(requests_each):
                t += gap_s * rng.uniform(0.8, 1.2)
                k, m = rng.randint(2, 90), rng.randint(1, 50)
                q = f"what is the integral of x^{k} times sin({m}x) over 0..{i}"
                self.records.append(
                    {
                        "time": iso(t),
                        "account.id": aid,
                        "gen_ai.request.model": "frontier-1",
                        "gen_ai.usage.input_tokens": rng.randint(60, 120),
                        "gen_ai.usage.output_tokens": rng.randint(1500, 3500),
                        "client.address": f"{block}.{rng.randint(1, 40)}",
                        "client.asn": 64501,
                        "account.payment_fingerprint": f"{name}-card-{a % cards}",
                        "user_agent.original": f"{name}-harvester/1.0",
                        "gen_ai.request.temperature": 0.7,
                        "gen_ai.request.max_tokens": 4096,
                        "gen_ai.conversation.id": f"{aid}-c{i}",
                        "gen_ai.input.messages": messages(
                            "You are an expert mathematician.",
                            [
                                (
                                    "user",
                                    f"Solve step by step, showing all reasoning: {q}. Give the final answer.",
                                )
                            ],
                        ),
                        "account.created_at": iso(start - 3600),
                    }
                )
        return ids

    def chat_app(
        self,
        accounts: int,
        requests_each: int,
        start: float = T0,
        block: str = "100.64.1",
        persona: str = "chat-app",
    ) -> list[str]:
        """Benign: multi-turn chats, varied prompts, moderate answers, office hours, a shared carrier NAT."""
        rng, ids = self.rng, []
        for a in range(accounts):
            aid = f"{persona}-{a}"
            ids.append(aid)
            self.labels[aid] = ("benign", persona, "")
            t = start + 8 * 3600 + a * 60
            conv, turns = 0, []
            for i in range(requests_each):
                t += rng.uniform(20, 400)
                if rng.random() < 0.25 or not turns:
                    conv, turns = conv + 1, []
                topic = rng.choice(TOPICS)
                turns = [*turns, ("user", f"{rng.choice(['Help me with', 'Explain', 'Fix'])} {topic} {i}")]
                self.records.append(
                    {
                        "time": iso(t),
                        "account.id": aid,
                        "gen_ai.request.model": "frontier-1",
                        "gen_ai.usage.input_tokens": 200 + 150 * len(turns),
                        "gen_ai.usage.output_tokens": rng.randint(80, 500),
                        "client.address": f"{block}.{rng.randint(1, 250)}",
                        "client.asn": 64999,
                        "account.payment_fingerprint": f"{aid}-card",
                        "user_agent.original": "openai-python/1.40",
                        "gen_ai.request.temperature": rng.choice([0.2, 0.7, 1.0]),
                        "gen_ai.conversation.id": f"{aid}-{conv}",
                        "gen_ai.input.messages": messages(None, turns),
                        "account.created_at": iso(start - 200 * 86400),
                    }
                )
                turns = [*turns, ("assistant", "ok")]
        return ids

    def batch_job(self, account: str, requests: int, start: float = T0, gap_s: float = 10.0) -> str:
        """Benign heavy: round-the-clock document extraction; long inputs, short outputs, one template."""
        rng = self.rng
        self.labels[account] = ("benign", "enterprise-batch", "")
        t = start
        for i in range(requests):
            t += gap_s * rng.uniform(0.9, 1.1)
            self.records.append(
                {
                    "time": iso(t),
                    "account.id": account,
                    "gen_ai.request.model": "frontier-1",
                    "gen_ai.usage.input_tokens": rng.randint(3000, 9000),
                    "gen_ai.usage.output_tokens": rng.randint(50, 300),
                    "client.address": "198.51.100.10",
                    "client.asn": 64510,
                    "account.payment_fingerprint": f"{account}-card",
                    "user_agent.original": "acme-etl/2.3",
                    "gen_ai.request.temperature": 0.0,
                    "gen_ai.request.max_tokens": 512,
                    "gen_ai.conversation.id": f"{account}-doc{i}",
                    "gen_ai.input.messages": messages(
                        "Extract the fields as JSON.",
                        [("user", f"Document {i}: invoice text ... total due {i * 3}")],
                    ),
                    "account.created_at": iso(start - 400 * 86400),
                }
            )
        return account

    def sorted_records(self) -> list[dict]:
        return sorted(self.records, key=lambda r: r["time"])

    def write(self, directory: Path, shuffle: bool = True) -> tuple[Path, Path]:
        """JSONL log (shuffled: the spec does not promise order) and labels.csv."""
        recs = list(self.records)
        if shuffle:
            self.rng.shuffle(recs)
        log = directory / "log.jsonl"
        log.write_text("".join(json.dumps(r) + "\n" for r in recs))
        labels = directory / "labels.csv"
        rows = ["account_id,label,persona,campaign"] + [
            f"{a},{lab},{p},{c}" for a, (lab, p, c) in self.labels.items()
        ]
        labels.write_text("\n".join(rows) + "\n")
        return log, labels


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerThread:
    """A real uvicorn server on 127.0.0.1:<free port>, in a thread of this process."""

    def __init__(self, app) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.time() + 15
        while not self.server.started:
            if time.time() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)
