"""Distillation detector benchmarks: quality on held-out weeks, quality by evidence, and speed.

    .venv/bin/python bench/detect_bench.py quality   # detector vs volume baseline on held-out seeds and mixes
    .venv/bin/python bench/detect_bench.py evidence  # the same week with less evidence in the log
    .venv/bin/python bench/detect_bench.py speed     # end-to-end records/s, peak memory, DuckDB's own read time
    .venv/bin/python bench/detect_bench.py loko      # leave one campaign kind out of training, test on it

Held-out seeds (1, 2, 3, 4) and the mix of seed 4 were never used to train (training: 1001-1004).
Results are printed and written to bench/out/detect_*.json.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from aisac.contract.labels import read_labels
from aisac.detect.registry import make
from aisac.detect.sigma.engine import load_rules
from aisac.evaluate.harness import run
from aisac.logs.reader import read_log
from aisac.simulate.generator import simulate, write

OUT = Path(__file__).resolve().parent / "out"
WORK = OUT / "work"
HELD_OUT = [
    (1, 0.5, None),
    (2, 0.5, None),
    (3, 0.5, None),
    (
        4,
        0.5,
        {
            "hydra_cot": 2,
            "aged_switch": 2,
            "reseller": 2,
            "bulk_single": 1,
            "hydra_rubric": 1,
            "pivot": 1,
            "agentic_coding": 1,
        },
    ),
]


def week(seed: int, scale: float, mix=None, fmt: str = "parquet") -> Path:
    out = WORK / f"seed{seed}-scale{scale}-{fmt}"
    if not (out / "labels.csv").exists():
        write(simulate(7, seed, scale, mix=mix), out, fmt)
    return out


def _row(e) -> dict:
    return {
        "detector": e.detector,
        "precision": e.precision,
        "recall": e.recall,
        "f1": e.f1,
        "heavy_fpr": e.heavy_fpr,
        "heavy_benign": e.heavy_benign,
        "benign_fpr": e.benign_fpr,
        "pair_precision": e.pair_precision,
        "pair_recall": e.pair_recall,
        "seconds": e.seconds,
        "kinds": {k["kind"]: k["recall"] for k in e.kinds},
        "served_before_flag": {c["campaign"]: c["served_share"] for c in e.campaigns},
    }


def quality() -> list[dict]:
    rows = []
    for seed, scale, mix in HELD_OUT:
        path = week(seed, scale, mix)
        log = read_log([path / "log"])
        for e, _ in run(log, read_labels(path / "labels.csv"), [make("volume"), make("distill")]):
            rows.append({"seed": seed, "mix": "custom" if mix else "default", "records": log.records, **_row(e)})
            print(json.dumps(rows[-1]))
    return rows


def evidence() -> list[dict]:
    """Seed 1 with prompt text, payment fingerprints or shared addresses taken out of the log."""
    path = week(1, 0.5)
    variants = {
        "full": "SELECT * FROM read_parquet('{p}')",
        "no prompt text": "SELECT * EXCLUDE (\"gen_ai.input.messages\") FROM read_parquet('{p}')",
        "no payment fingerprints": "SELECT * EXCLUDE (\"account.payment_fingerprint\") FROM read_parquet('{p}')",
        # Addresses are required; "none" means each account gets its own, so nothing is shared.
        "no addresses": "SELECT * REPLACE ('10.' || (hash(\"account.id\") % 250) || '.' || "
        "(hash(\"account.id\") // 250 % 250) || '.1' AS \"client.address\") FROM read_parquet('{p}')",
        "none of the three": 'SELECT * EXCLUDE ("gen_ai.input.messages", "account.payment_fingerprint") REPLACE '
        "('10.' || (hash(\"account.id\") % 250) || '.' || (hash(\"account.id\") // 250 % 250) "
        "|| '.1' AS \"client.address\") FROM read_parquet('{p}')",
    }
    rows = []
    labels = read_labels(path / "labels.csv")
    for name, sql in variants.items():
        target = WORK / f"evidence-{name.replace(' ', '_')}.parquet"
        duckdb.sql(f"COPY ({sql.format(p=path / 'log' / '*.parquet')}) TO '{target}'")
        log = read_log([target])
        ((e, _),) = run(log, labels, [make("distill")])
        rows.append({"evidence": name, **_row(e)})
        print(json.dumps(rows[-1]))
    return rows


def loko() -> list[dict]:
    """Leave one campaign kind out: train without it, then test on a held-out week that has it.

    Held-out seeds test a model on campaigns like those it was trained on; this tests it on a kind of campaign
    it has never seen, which is what a lab faces when an operation changes its tradecraft.
    """
    import tempfile

    from aisac.detect.distill import DistillationDetector
    from aisac.detect.model import Model
    from aisac.simulate.personas import CAMPAIGNS
    from train_detector import fit_profile, load_runs

    rules = load_rules()
    path = week(1, 0.5)
    log = read_log([path / "log"])
    labels = read_labels(path / "labels.csv")
    rows = []
    for kind in CAMPAIGNS:
        mix = {k: (2 if k in ("aged_switch", "bulk_single", "reseller") else 1) for k in CAMPAIGNS if k != kind}
        with tempfile.TemporaryDirectory() as tmp:
            runs = load_runs([(2001, 0.35, mix), (2002, 0.35, mix)], rules, Path(tmp))
            groups = {"base", "text", "payment", "address", "signup"}
            model_path = WORK / f"loko-{kind}.json"
            Model({"address+payment+signup+text": fit_profile(runs, groups)}, {"left_out": kind}).save(model_path)
        ((e, _),) = run(log, labels, [DistillationDetector(model_path=model_path)])
        rows.append(
            {"left_out": kind, "recall_of_unseen_kind": {k["kind"]: k["recall"] for k in e.kinds}[kind], **_row(e)}
        )
        print(json.dumps(rows[-1]))
    return rows


def speed() -> list[dict]:
    """`aisac detect` end to end, each format in a fresh process: wall time, records/s, peak RSS."""
    rows = []
    for fmt in ("parquet", "jsonl.gz"):
        week(2, 1.0, fmt=fmt)
        proc = subprocess.run([sys.executable, __file__, "speed-one", fmt], capture_output=True, text=True)
        if proc.returncode:
            raise RuntimeError(proc.stderr[-2000:])
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]))
    return rows


def duckdb_read_seconds(log_dir: Path, fmt: str) -> float:
    """DuckDB alone reading every column of every record of the files into a table: the floor for detect."""
    reader = "read_parquet" if fmt == "parquet" else "read_json_auto"
    con = duckdb.connect()
    start = time.perf_counter()
    con.execute(f"CREATE TEMP TABLE t AS SELECT * FROM {reader}('{log_dir}/*.{fmt}')")
    seconds = time.perf_counter() - start
    con.close()
    return seconds


def speed_one(fmt: str) -> None:
    from aisac.detect.cli import command

    path = week(2, 1.0, fmt=fmt)
    twin = week(2, 1.0, fmt="parquet")  # same seed and scale: the same records in either container
    records = duckdb.sql(f"SELECT count(*) FROM read_parquet('{twin}/log/*.parquet')").fetchall()[0][0]
    read_s = duckdb_read_seconds(path / "log", fmt)
    start = time.perf_counter()
    command([path / "log"], WORK / f"speed-{fmt}", None, None, "aisac lab", "amber", None)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "format": fmt,
                "records": records,
                "seconds": round(seconds, 1),
                "records_per_s": round(records / seconds),
                "peak_rss_mib": round(peak),
                "duckdb_read_s": round(read_s, 1),
                "detect_over_read": round(seconds / read_s, 1),
            }
        )
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["speed-one"]:
        speed_one(sys.argv[2])
        sys.exit()
    which = sys.argv[1:] or ["quality", "evidence", "speed"]
    OUT.mkdir(exist_ok=True)
    WORK.mkdir(exist_ok=True)
    for name in which:
        result = {"quality": quality, "evidence": evidence, "speed": speed, "loko": loko}[name]()
        (OUT / f"detect_{name}.json").write_text(json.dumps(result, indent=1, default=str))
