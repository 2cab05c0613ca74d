"""The calibrated score: two logistic stages whose weights ship with the package, and their explanations.

Stage 1 scores an account on its own behaviour and content; stage 2 adds what its hydra links say (the size
of its linked group, how much evidence the other members carry, lockstep timing). Logistic regression keeps
the score calibrated (a probability) and every contribution readable: a reason is a feature that pushed the
score up, in words. Weights are trained by `bench/train_detector.py` on simulated weeks whose seeds are
never used for evaluation, one set per evidence profile (which optional columns a log carries).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

import numpy as np

STAGE2 = ("stage1_logit", "community_size_log", "community_evidence", "link_strength", "lockstep_partners_log")
GROUPS = ("text", "payment", "address", "signup")  # optional evidence; "base" is always there
#: Features whose direction is known before any data: more of them can only add suspicion. Training keeps
#: their weights at or above zero, so an artefact of the training population (simulated evaluation labs that
#: burst at a release, say) cannot teach the model that early adoption or a shared card clears an account.
NON_NEGATIVE = frozenset(
    {
        "new_model_early",
        "coercion_share",
        "harvest_share",
        "agent_harness_share",
        "topic_breadth",
        "shared_payment",
        "shared_address",
        "hour_flatness",
        "account_youth",
        "extraction_share",
        "stage1_logit",
        "community_evidence",
        "link_strength",
        "lockstep_partners_log",
    }
)


def profile_key(groups: set[str]) -> str:
    return "+".join(sorted(groups & set(GROUPS))) or "base"


@dataclass
class Stage:
    features: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float

    def standardise(self, x: np.ndarray) -> np.ndarray:
        """z-scores, with missing values (NaN) at the training mean (z = 0): absent evidence is neutral."""
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        return np.nan_to_num(z, nan=0.0)

    def contributions(self, x: np.ndarray) -> np.ndarray:
        return self.standardise(x) * np.asarray(self.coef)

    def logit(self, x: np.ndarray) -> np.ndarray:
        return self.contributions(x).sum(axis=1) + self.intercept

    @classmethod
    def fit(
        cls, features: list[str], x: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None, c: float = 1.0
    ) -> Stage:
        from sklearn.linear_model import LogisticRegression

        mean = np.nanmean(x, axis=0)
        mean = np.where(np.isnan(mean), 0.0, mean)
        scale = np.nanstd(x, axis=0)
        scale = np.where((scale == 0) | np.isnan(scale), 1.0, scale)
        stage = cls(features, mean.tolist(), scale.tolist(), [0.0] * len(features), 0.0)
        z = stage.standardise(x)
        free = np.ones(len(features), dtype=bool)
        while True:  # drop a known-direction feature that came out negative, refit (at most once per feature)
            lr = LogisticRegression(C=c, max_iter=2000).fit(z[:, free], y, sample_weight=weight)
            coef = np.zeros(len(features))
            coef[free] = lr.coef_[0]
            wrong = [i for i, f in enumerate(features) if f in NON_NEGATIVE and coef[i] < 0]
            if not wrong:
                break
            free[wrong] = False
        stage.coef, stage.intercept = coef.tolist(), float(lr.intercept_[0])
        return stage


@dataclass
class Profile:
    stage1: Stage
    stage2: Stage
    threshold: float

    @classmethod
    def from_dict(cls, d: dict) -> Profile:
        return cls(Stage(**d["stage1"]), Stage(**d["stage2"]), d["threshold"])


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


class Model:
    """Weights per evidence profile, loaded from the packaged `model.json` (or a given file)."""

    def __init__(self, profiles: dict[str, Profile], info: dict):
        self.profiles, self.info = profiles, info

    @classmethod
    def load(cls, path: Path | None = None) -> Model:
        text = (
            path.read_text() if path else (resources.files("aisac.detect") / "model.json").read_text(encoding="utf-8")
        )
        raw = json.loads(text)
        return cls({k: Profile.from_dict(v) for k, v in raw["profiles"].items()}, raw.get("info", {}))

    def save(self, path: Path) -> None:
        path.write_text(
            json.dumps({"info": self.info, "profiles": {k: asdict(v) for k, v in self.profiles.items()}}, indent=1)
        )

    def profile(self, groups: set[str]) -> tuple[str, Profile]:
        """The profile for exactly this evidence, or the richest one trained on a subset of it."""
        key = profile_key(groups)
        if key in self.profiles:
            return key, self.profiles[key]
        have = set(key.split("+"))
        subsets = [k for k in self.profiles if set(k.split("+")) <= have | {"base"}]
        best = max(subsets, key=lambda k: len(k.split("+")))
        return best, self.profiles[best]
