"""The guard fed from a real broker: exact counts across kill -9 and restart, duplicates, bad records,
the decisions topic."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import orjson
from confluent_kafka import Consumer, Producer

from aisac.enforce.guard import Guard
from aisac.stream.consume import Options, consume
from aisac.stream.produce import produce

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _consumer_process(broker: str, topic: str, group: str, out: Path, *extra: str) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-c",
        "from aisac.cli import main; main()",
        "guard",
        "consume",
        "--bootstrap",
        broker,
        "--topic",
        topic,
        "--group",
        group,
        "--out",
        str(out),
        *extra,
    ]
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _decided(out: Path) -> int:
    try:
        return json.loads((out / "summary.json").read_text())["totals"]["requests"]
    except (OSError, ValueError, KeyError):
        return 0


def test_kill_9_and_restart_counts_every_record_once(broker, small_log, replayed, tmp_path):
    topic, group, out = _name("logs"), _name("guard"), tmp_path / "out"
    total = produce([small_log], broker, topic).records
    assert total == replayed["totals"]["requests"]
    assert replayed["totals"]["guard_faults"] == {} and replayed["totals"]["accounts_actioned"] > 0
    kills = 0
    seen_before_kill = []
    while kills < 4:
        proc = _consumer_process(broker, topic, group, out, "--checkpoint-s", "0.1")
        start = _decided(out)
        deadline = time.monotonic() + 60
        # kill once this run has made progress (a checkpoint landed), at a different point each time
        while _decided(out) <= start and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.05 * kills)
        if proc.poll() is not None or _decided(out) >= total:
            proc.wait()
            break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
        seen_before_kill.append(_decided(out))
    assert kills >= 2, f"the consumer finished before it could be killed twice ({seen_before_kill})"
    assert seen_before_kill[-1] < total
    final = _consumer_process(broker, topic, group, out, "--until-idle", "2")
    output = final.communicate(timeout=120)[0].decode()
    assert final.returncode == 0, output
    assert json.loads((out / "summary.json").read_text()) == replayed


def test_duplicates_and_bad_records(broker, small_log, replayed, tmp_path):
    """The log published twice (as a producer re-run would) plus two undecidable messages: each event is
    decided once, the bad messages are set aside with their offsets, the good records all count."""
    topic = _name("dups")
    produce([small_log], broker, topic)
    p = Producer({"bootstrap.servers": broker})
    p.produce(topic, b"{not json", b"x")
    p.produce(topic, orjson.dumps({"time": "2025-01-01T00:00:00Z"}), b"y")  # no account.id
    p.flush(30)
    total = produce([small_log], broker, topic).records
    done = consume(Guard(), Options(broker, topic, _name("g"), tmp_path, until_idle=2.0))
    assert (done.decided, done.duplicates, done.rejected) == (total, total, 2)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["accounts"] == replayed["accounts"]
    assert summary["totals"]["rejected_records"] == 2


def test_decisions_topic_and_resume_of_a_finished_run(broker, small_log, replayed, tmp_path):
    topic, decisions, group = _name("logs"), _name("decisions"), _name("g")
    total = produce([small_log], broker, topic, partitions=3).records
    opts = Options(broker, topic, group, tmp_path, until_idle=2.0, decisions_topic=decisions)
    assert consume(Guard(), opts).decided == total
    again = consume(Guard(), opts)  # a restart after the end: nothing left, nothing counted twice
    assert (again.decided, again.this_run) == (total, 0)
    assert json.loads((tmp_path / "summary.json").read_text())["totals"]["requests"] == total
    c = Consumer(
        {
            "bootstrap.servers": broker,
            "group.id": _name("read"),
            "auto.offset.reset": "earliest",
            "session.timeout.ms": 6000,
            "heartbeat.interval.ms": 500,
        }
    )
    c.subscribe([decisions])
    events, outcomes = set(), {}
    deadline = time.monotonic() + 60
    while len(events) < total and time.monotonic() < deadline:
        for m in c.consume(10_000, 1.0):
            d = orjson.loads(m.value())
            events.add(d["event.id"])
            outcomes[d["outcome"]] = outcomes.get(d["outcome"], 0) + 1
    c.close()
    assert len(events) == total
    assert sum(outcomes.values()) == total
