"""Train the distillation detector's weights on simulated weeks and write src/aisac/detect/model.json.

Training seeds (1001-1004) are never used for evaluation: benchmarks, the demo and the tests use others.
One weight set is fitted per evidence profile (which optional evidence a log carries), so a lab without
prompt text or payment fingerprints gets a model trained for exactly what it has.

    .venv/bin/python bench/train_detector.py                  # the packaged model (default family)
    .venv/bin/python bench/train_detector.py --family field --out /tmp/field-model.json
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aisac.contract.labels import read_labels
from aisac.detect import features as F
from aisac.detect.distill import analyse
from aisac.detect.linking import link
from aisac.detect.model import GROUPS, STAGE2, Model, Profile, Stage, profile_key, sigmoid
from aisac.detect.sigma.engine import load_rules
from aisac.logs.reader import read_log
from aisac.simulate.families import HEAVY_BENIGN
from aisac.simulate.generator import simulate, write

TRAIN = [
    (1001, 0.4, None),
    (
        1002,
        0.4,
        {
            "hydra_cot": 2,
            "hydra_rubric": 1,
            "agentic_coding": 1,
            "reseller": 1,
            "pivot": 1,
            "aged_switch": 2,
            "bulk_single": 2,
        },
    ),
    (1003, 0.3, None),
    (
        1004,
        0.5,
        {
            "hydra_rubric": 2,
            "aged_switch": 1,
            "reseller": 2,
            "bulk_single": 1,
            "agentic_coding": 1,
            "pivot": 1,
            "hydra_cot": 1,
        },
    ),
]
TARGET_PRECISION = 0.995
HEAVY_WEIGHT = 20.0


def threshold_for(p: np.ndarray, y: np.ndarray) -> float:
    """The lowest threshold whose training precision reaches the target (best recall at that precision)."""
    for t in np.arange(0.2, 0.96, 0.01):
        pred = p >= t
        if pred.sum() and y[pred].mean() >= TARGET_PRECISION:
            return float(round(t, 2))
    return 0.5


@dataclass
class Run:
    """One analysed training week: per account (in analysis order) the label, weight and persona/kind."""

    log: object
    analysis: object
    y: np.ndarray
    w: np.ndarray
    persona: np.ndarray


def load_run(out: Path, rules) -> Run:
    """Read and analyse a week written by `aisac simulate --out` (log/ and labels.csv)."""
    log = read_log([out / "log"])
    analysis = analyse(log, rules)
    labels = read_labels(out / "labels.csv")
    ids = analysis.accounts["account_id"].to_pylist()
    y = np.array([labels[a].label == "distillation" for a in ids])
    w = np.array([HEAVY_WEIGHT if labels[a].persona in HEAVY_BENIGN else 1.0 for a in ids])
    return Run(log, analysis, y, w, np.array([labels[a].persona for a in ids]))


def load_runs(spec, rules, tmp: Path, family: str = "default") -> list[Run]:
    """Simulate, read and analyse each training week."""
    runs = []
    for seed, scale, mix in spec:
        start = time.time()
        out = tmp / f"{family}-{seed}"
        write(simulate(7, seed, scale, mix=mix, family=family), out)
        runs.append(load_run(out, rules))
        y = runs[-1].y
        print(f"{family} seed {seed}: {len(y)} accounts, {y.sum()} distillation ({time.time() - start:.1f} s)")
    return runs


def fit_profile(runs: list[Run], groups: set[str], leave_out: str | None = None) -> Profile:
    """Both stages and the threshold for one evidence profile (without the accounts of kind `leave_out`)."""
    names = [f.name for f in F.FEATURES if f.group in groups or f.group == "conversation"]
    keep = [r.persona != leave_out for r in runs]
    y = np.concatenate([r.y[k] for r, k in zip(runs, keep, strict=True)])
    w = np.concatenate([r.w[k] for r, k in zip(runs, keep, strict=True)])
    x1 = np.vstack([r.analysis.matrix(names)[k] for r, k in zip(runs, keep, strict=True)])
    stage1 = Stage.fit(names, x1, y, w)
    x2 = []
    for r, k in zip(runs, keep, strict=True):
        if r.analysis.groups != groups:
            r.analysis.links = link(r.log.con, groups)
        logit1 = stage1.logit(r.analysis.matrix(names))
        x2.append(r.analysis.stage2_inputs(sigmoid(logit1), logit1)[k])
    stage2 = Stage.fit(list(STAGE2), np.vstack(x2), y, w)
    p = sigmoid(stage2.logit(np.vstack(x2)))
    profile = Profile(stage1, stage2, threshold_for(p, y))
    pred = p >= profile.threshold
    print(
        f"{profile_key(groups):40s} threshold {profile.threshold:.2f} "
        f"train precision {y[pred].mean():.4f} recall {pred[y].mean():.4f}"
    )
    return profile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--family", default="default", help="generator family of the training weeks")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "src/aisac/detect/model.json")
    args = parser.parse_args()
    rules = load_rules()
    spec = TRAIN if args.family == "default" else [(seed, scale, None) for seed, scale, _ in TRAIN]
    with tempfile.TemporaryDirectory() as tmp:
        runs = load_runs(spec, rules, Path(tmp), args.family)
        profiles = {}
        for r in range(len(GROUPS) + 1):
            for combo in itertools.combinations(GROUPS, r):
                groups = {"base", *combo}
                profiles[profile_key(groups)] = fit_profile(runs, groups)
    info = {
        "family": args.family,
        "trained_on": [{"seed": s, "scale": sc, "mix": m or "default"} for s, sc, m in spec],
        "target_precision": TARGET_PRECISION,
        "command": f"python bench/train_detector.py --family {args.family}",
    }
    Model(profiles, info).save(args.out)


if __name__ == "__main__":
    main()
