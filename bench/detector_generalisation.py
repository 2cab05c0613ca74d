"""Does the detector hold on traffic it was not built from? Train on one generator family, test on the other
(both directions), and leave one campaign kind out; the packaged model and the `volume` baseline beside.

Per test week: account precision and recall, heavy-benign false-positive rate, grouping pairwise precision
and recall, and per campaign kind its recall and pairwise grouping recall. Training weeks use seeds 1001-1002
and test weeks 2001 (never used for training), 7 days each.

    .venv/bin/python bench/detector_generalisation.py --scale 0.3 --json /tmp/generalisation.json
    .venv/bin/python bench/detector_generalisation.py --loko field     # leave-one-kind-out on one family
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from aisac.contract.labels import read_labels
from aisac.detect.distill import DistillationDetector
from aisac.detect.model import Model, profile_key
from aisac.detect.sigma.engine import load_rules
from aisac.detect.volume import VolumeDetector
from aisac.evaluate.metrics import evaluate
from aisac.logs.reader import read_log
from aisac.simulate.families import FAMILIES
from aisac.simulate.generator import simulate, write
from train_detector import fit_profile, load_runs

TRAIN_SEEDS = (1001, 1002)
TEST_SEED = 2001


def kind_grouping(findings, labels) -> dict[str, float]:
    """Per campaign kind: the share of same-campaign account pairs that were put in one found campaign."""
    truth = {a: r for a, r in labels.items() if r.label == "distillation"}
    found = dict(zip(findings.accounts["account_id"].to_pylist(), findings.accounts["campaign"].to_pylist(),
                     strict=True))
    cells: Counter = Counter()
    sizes: Counter = Counter()
    kind_of = {}
    for account, row in truth.items():
        if account not in found:
            continue
        sizes[row.campaign] += 1
        kind_of[row.campaign] = row.persona
        if found[account]:
            cells[(row.campaign, found[account])] += 1
    together: Counter = Counter()
    pairs: Counter = Counter()
    for campaign, n in sizes.items():
        pairs[kind_of[campaign]] += n * (n - 1) / 2
    for (campaign, _), k in cells.items():
        together[kind_of[campaign]] += k * (k - 1) / 2
    return {kind: (together[kind] / pairs[kind] if pairs[kind] else float("nan")) for kind in pairs}


def score(detector, week: Path) -> dict:
    log = read_log([week / "log"])
    labels = read_labels(week / "labels.csv")
    start = time.perf_counter()
    findings = detector.detect(log)
    e = evaluate(log, findings, labels, detector.name, time.perf_counter() - start)
    grouping = kind_grouping(findings, labels)
    return {
        "precision": e.precision, "recall": e.recall, "heavy_fpr": e.heavy_fpr, "heavy": e.heavy_benign,
        "pair_precision": e.pair_precision, "pair_recall": e.pair_recall, "campaigns": len(findings.campaigns),
        "kinds": {k["kind"]: {"recall": k["recall"], "accounts": k["accounts"], "pair_recall": grouping.get(k["kind"])}
                  for k in e.kinds},
        "fp_personas": {p["persona"]: p["flagged"] for p in e.personas if p["flagged"]},
    }


def trained_model(runs, path: Path, leave_out: str | None = None) -> Path:
    """Fit the profile of the evidence the weeks carry (all of it, in simulated weeks) and save it."""
    groups = runs[0].analysis.groups
    Model({profile_key(groups): fit_profile(runs, groups, leave_out)}, {"leave_out": leave_out}).save(path)
    return path


def row(name: str, r: dict) -> str:
    worst = min((k["recall"] for k in r["kinds"].values()), default=float("nan"))
    return (f"| {name} | {r['precision']:.3f} | {r['recall']:.3f} | {worst:.3f} | {r['heavy_fpr']:.4f} "
            f"({r['heavy']}) | {r['pair_precision']:.3f} | {r['pair_recall']:.3f} | {r['campaigns']} |")


def kinds_table(name: str, r: dict) -> list[str]:
    return [f"| {name} | {kind} | {k['accounts']} | {k['recall']:.3f} | "
            f"{'' if k['pair_recall'] is None else format(k['pair_recall'], '.3f')} |"
            for kind, k in sorted(r["kinds"].items())]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.3)
    parser.add_argument("--loko", nargs="*", default=None, help="families to run leave-one-kind-out on")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    rules = load_rules()
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        tests = {}
        for family in FAMILIES:
            tests[family] = tmp / f"test-{family}"
            write(simulate(7, TEST_SEED, args.scale, family=family), tests[family])
        train = {f: load_runs([(s, args.scale, None) for s in TRAIN_SEEDS], rules, tmp, f) for f in FAMILIES}
        detectors = {"volume": VolumeDetector(), "packaged": DistillationDetector()}
        for family, runs in train.items():
            detectors[f"trained on {family}"] = DistillationDetector(
                model_path=trained_model(runs, tmp / f"model-{family}.json"))
        for name, detector in detectors.items():
            for family, week in tests.items():
                results[f"{name} -> {family}"] = score(detector, week)
                print(row(f"{name} -> {family}", results[f"{name} -> {family}"]), flush=True)
        for family in args.loko if args.loko is not None else []:
            for kind in FAMILIES[family].kinds:
                model = trained_model(train[family], tmp / f"loko-{family}-{kind}.json", leave_out=kind)
                r = score(DistillationDetector(model_path=model), tests[family])
                results[f"loko {family} without {kind}"] = r
                print(f"| {family} | {kind} | {r['kinds'][kind]['recall']:.3f} | {r['precision']:.3f} |", flush=True)
    print("\n| detector -> test family | precision | recall | worst kind | heavy FPR (heavy) | pair P | pair R |"
          " campaigns |\n| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, r in results.items():
        if not name.startswith("loko"):
            print(row(name, r))
    print("\n| detector -> test family | kind | accounts | recall | pair recall |\n| --- | --- | --- | --- | --- |")
    for name, r in results.items():
        if not name.startswith("loko") and not name.startswith("volume"):
            print("\n".join(kinds_table(name, r)))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
