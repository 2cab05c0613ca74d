"""How well the working group's correlation recovers operators that cross labs, against the MISP-style baseline.

For each seed: simulate three labs (`aisac.simulate.multilab`), run the detector at each lab, build each lab's
STIX bundle exactly as `aisac detect` writes it, read the campaigns back as the chair would, correlate, and
score both the correlation and the exact-overlap baseline against `operators.csv` (aisac.forum.quality);
"alone" is each lab's campaigns left apart (its impurity is what the detectors' own campaigns mix).

    PYTHONPATH=src python bench/forum_quality.py --seeds 1 2 3 --scale 0.1
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from aisac.contract.stix import campaign_stix_id
from aisac.detect import bundle
from aisac.detect.distill import DistillationDetector
from aisac.detect.sigma.engine import load_rules
from aisac.forum.baseline import exact_overlap
from aisac.forum.correlate import correlate
from aisac.forum.quality import evaluate
from aisac.forum.records import records
from aisac.logs.reader import read_log
from aisac.simulate.multilab import simulate_labs, write_labs


def run(seed: int, scale: float, workdir: Path) -> dict:
    world = simulate_labs(3, 7, seed, scale)
    write_labs(world, workdir)
    objects, submitters, campaign_of = [], {}, {}
    rules = load_rules()
    for name in world.labs:
        findings = DistillationDetector().detect(read_log([workdir / name / "log"]))
        for obj in bundle.build(findings.campaigns, rules, lab=name)["objects"]:
            objects.append(obj)
            if obj["type"] == "campaign":
                submitters[obj["id"]] = name
        for account, campaign in zip(findings.accounts["account_id"].to_pylist(),
                                     findings.accounts["campaign"].to_pylist(), strict=True):
            if campaign:
                campaign_of[(name, account)] = campaign_stix_id(campaign)
    truth = dict(zip(zip(world.operators["lab"].to_pylist(), world.operators["account_id"].to_pylist(), strict=True),
                     world.operators["operator"].to_pylist(), strict=True))
    recs = records(objects, submitters)
    start = time.perf_counter()
    clusters = correlate(recs)
    seconds = time.perf_counter() - start
    return {"seed": seed, "campaigns": len(recs), "correlate_s": seconds,
            "forum": evaluate([c.campaigns for c in clusters], campaign_of, truth),
            "baseline": evaluate(exact_overlap(recs), campaign_of, truth),
            "alone": evaluate([[r.stix_id] for r in recs], campaign_of, truth)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out" / "forum_quality.json")
    args = parser.parse_args()
    results = []
    for seed in args.seeds:
        with tempfile.TemporaryDirectory() as tmp:
            r = run(seed, args.scale, Path(tmp))
        results.append(r)
        for method in ("forum", "baseline", "alone"):
            e = r[method]
            ops = ", ".join(f"{op} {v['largest_share']:.2f}{'' if v['reaches_all'] else ' (not all labs)'}"
                            for op, v in e["crossing"].items())
            print(f"seed {seed} {method:8s} clusters {e['clusters']:3d} impurity {e['impurity']:.4f} | {ops}",
                  flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
