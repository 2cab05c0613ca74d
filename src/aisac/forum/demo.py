"""The pact in one run: three labs detect, push signed bundles to a local hub, the chair correlates.

Everything is real: the labs' traffic comes from the multi-lab simulator, each lab runs the detector on its
own log only, the hub is an `aisac hub serve` process on 127.0.0.1 over SQLite in the demo directory, pushes
and the chair's publication are signed, and the chair runs the same code as `aisac forum correlate`. The
simulator's truth (`operators.csv`) is used only to print how right each view is.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rich.table import Table

from aisac.console import out, progress

LABS = {"lab-a": "openai", "lab-b": "anthropic", "lab-c": "google"}
CHAIR = "wg-chair"


def _detect(root: Path) -> dict[tuple[str, str], str]:
    """Run the detector at each lab; (lab, account) -> campaign STIX id of every flagged account."""
    from aisac.contract.stix import campaign_stix_id
    from aisac.detect.cli import write_findings
    from aisac.detect.distill import DistillationDetector
    from aisac.detect.sigma.engine import load_rules
    from aisac.logs.reader import read_log

    campaign_of = {}
    with progress("each lab runs the detector on its own log", len(LABS)) as advance:
        for lab, member in LABS.items():
            findings = DistillationDetector().detect(read_log([root / lab / "log"]))
            write_findings(findings, load_rules(), root / "detect" / lab, lab=member)
            for account, campaign in zip(findings.accounts["account_id"].to_pylist(),
                                         findings.accounts["campaign"].to_pylist(), strict=True):
                if campaign:
                    campaign_of[(lab, account)] = campaign_stix_id(campaign)
            advance(1, lab)
    return campaign_of


@dataclass
class _Member:
    name: str
    key: str
    signing_key: Path


def _hub(root: Path) -> tuple[str, subprocess.Popen[bytes], dict[str, _Member]]:
    """`aisac hub serve` on 127.0.0.1 over a fresh SQLite file in the demo directory, with three labs and a chair,
    every one with a signing key."""
    from aisac.contract.signing import generate_key, load_public_raw
    from aisac.hub.db import make_engine, migrate
    from aisac.hub.members import add_member

    workdir = root / "hub"
    workdir.mkdir(parents=True, exist_ok=True)
    for old in workdir.glob("hub.db*"):
        old.unlink()
    db = f"sqlite:///{workdir / 'hub.db'}"
    engine = make_engine(db)
    migrate(engine)
    members = {}
    for name, role in {**{m: "lab" for m in LABS.values()}, CHAIR: "chair"}.items():
        pem = workdir / f"{name}.pem"
        members[name] = _Member(name, add_member(engine, name, role, load_public_raw(generate_key(pem))), pem)
    engine.dispose()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    log = (workdir / "hub.log").open("ab")
    proc = subprocess.Popen([sys.executable, "-c", "from aisac.cli import main; main()", "hub", "serve", "--db", db,
                             "--port", str(port), "--log-key", str(workdir / "hub-log-key.pem")],
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return f"http://127.0.0.1:{port}", proc, members
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"the hub did not start; see {workdir / 'hub.log'}")


def run(root: Path, seed: int = 7, scale: float = 0.05) -> dict:
    """Simulate, detect, share, correlate and print; returns the figures printed (for tests)."""
    from aisac.forum import cli as forum_cli
    from aisac.forum.baseline import exact_overlap
    from aisac.forum.quality import evaluate
    from aisac.forum.records import records
    from aisac.intel.client import Hub, fetch, push, read_objects
    from aisac.simulate.multilab import simulate_labs, write_labs

    with progress("simulating three labs in one world", 1) as advance:
        world = simulate_labs(3, 7, seed, scale)
        write_labs(world, root)
        advance()
    truth = dict(zip(zip(world.operators["lab"].to_pylist(), world.operators["account_id"].to_pylist(), strict=True),
                     world.operators["operator"].to_pylist(), strict=True))
    campaign_of = _detect(root)
    url, proc, members = _hub(root)
    try:
        for lab, member in LABS.items():
            creds = members[member]
            push(Hub(url, creds.name, creds.key), read_objects(root / "detect" / lab / "bundle.json"),
                 creds.signing_key)
        chair = Hub(url, CHAIR, members[CHAIR].key)
        forum_cli.correlate(url, root / "forum", CHAIR, members[CHAIR].key, members[CHAIR].signing_key, "forum",
                            None, False)
        clusters = json.loads((root / "forum" / "clusters.json").read_text())["clusters"]
        landed = fetch(chair, ("intrusion-set",))
        recs = records(fetch(chair, forum_cli.READ_TYPES), {})
    finally:
        proc.terminate()
        proc.wait(30)
    forum = evaluate([c["campaigns"] for c in clusters], campaign_of, truth)
    baseline_groups = exact_overlap(recs)
    baseline = evaluate(baseline_groups, campaign_of, truth)
    _print(clusters, campaign_of, truth, forum, baseline, baseline_groups, landed)
    return {"forum": forum, "baseline": baseline, "clusters": clusters, "intrusion_sets": landed}


def _print(clusters, campaign_of, truth, forum, baseline, baseline_groups, landed) -> None:  # type: ignore[no-untyped-def]
    ops_of: dict[str, Counter] = {}
    for key, campaign in campaign_of.items():
        ops_of.setdefault(campaign, Counter())[truth.get(key, "(a customer, flagged by mistake)")] += 1
    alone = Table(title="What each lab saw alone")
    for col in ("lab", "campaigns", "flagged accounts", "operators behind them", "of which also hit other labs"):
        alone.add_column(col)
    crossing = sorted(forum["crossing"])
    for lab in LABS:
        mine = {c for (x, _), c in campaign_of.items() if x == lab}
        ops = {truth.get(k) for k in campaign_of if k[0] == lab} - {None}
        alone.add_row(lab, str(len(mine)), str(sum(1 for k in campaign_of if k[0] == lab)), str(len(ops)),
                      ", ".join(sorted(ops & set(crossing))) or "-")
    out.print(alone)
    joint = Table(title="Operators that crossed labs, as the working group's chair sees them")
    for col in ("cluster", "labs", "campaigns", "confidence", "true operator (simulator)", "evidence"):
        joint.add_column(col)
    for c in clusters:
        if len(c["labs"]) < 2:
            continue
        ops = sum((ops_of.get(x, Counter()) for x in c["campaigns"]), Counter())
        joint.add_row(c["id"], ", ".join(c["labs"]), str(len(c["campaigns"])), str(c["confidence"]),
                      ", ".join(f"{op} ({n})" for op, n in ops.most_common()),
                      "\n".join(e if len(e) <= 110 else e[:109] + "…" for e in c["evidence"][:4]))
    out.print(joint)
    score = Table(title="Against the truth: the forum's correlation and a MISP-style exact-overlap join")
    for col in ("method", "clusters", "pair impurity", *(f"{op}: share in largest / all labs" for op in crossing)):
        score.add_column(col)
    for name, e, n in (("forum correlate", forum, len(clusters)), ("exact overlap", baseline, len(baseline_groups))):
        score.add_row(name, str(n), f"{e['impurity']:.3f}", *(
            f"{e['crossing'][op]['largest_share']:.2f} / {'yes' if e['crossing'][op]['reaches_all'] else 'no'}"
            for op in crossing))
    out.print(score)
    out.print(f"[bold]{len(landed)} intrusion sets[/bold] landed in the hub, signed by {CHAIR} as the working "
              f"group (TLP:AMBER): " + ", ".join(f"{o['name']} (confidence {o['confidence']})" for o in landed))
