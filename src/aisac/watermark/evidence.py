"""Evidence packages: what was tested against which key, the exact p-values, and the correction.

An audit usually tests several keys and configurations; the family-wise error is controlled with Holm's
step-down correction, and the package says so. The package travels to the hub as a STIX 2.1 bundle: an
identity (the auditing lab), a report, and a note carrying the package as JSON.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import stix2

EVIDENCE_FORMAT = "aisac-watermark-evidence/1"


def holm_log10(log10_p: list[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values as log10, in the input order: exact where p underflows a float."""
    lp = np.asarray(log10_p, dtype=float)
    m = lp.shape[0]
    order = np.argsort(lp)
    stepped = np.minimum(0.0, np.maximum.accumulate(np.log10(m - np.arange(m)) + lp[order]))
    adjusted = np.empty(m)
    adjusted[order] = stepped
    return adjusted.tolist()


def _p_text(log10_p: float) -> str:
    return f"{10.0**log10_p:.3g}" if log10_p > -300 else f"1e{log10_p:.1f}"


def file_digest(path: Path) -> dict[str, Any]:
    """Name, size and SHA-256 of an input, so the evidence pins exactly what was read."""
    data = path.read_bytes()
    return {"name": path.name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


@dataclass
class KeyTest:
    """One key (scheme + config) tested against the inputs."""

    key: dict[str, Any]
    served: list[dict[str, Any]]
    tokens_scored: int
    statistic: list[float]
    p_value: float | None
    evidence: dict[str, Any]
    p_adjusted: float | None = None
    log10_p_adjusted: float | None = None

    @property
    def log10_p(self) -> float:
        """log10 of the p-value, from the detector's log-space tail where it recorded one."""
        recorded = self.evidence.get("log10_p_value")
        with np.errstate(divide="ignore"):
            return float(recorded) if recorded is not None else float(np.log10(self.p_value))


@dataclass
class EvidencePackage:
    """Everything a dispute needs to re-run and check an audit, without any secret."""

    subject: str
    mode: str
    inputs: list[dict[str, Any]]
    tests: list[KeyTest]
    alpha: float
    filters: dict[str, Any] = field(default_factory=dict)
    created: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))

    def __post_init__(self) -> None:
        tested = [t for t in self.tests if t.p_value is not None]
        for test, adj in zip(tested, holm_log10([t.log10_p for t in tested]), strict=True):
            test.log10_p_adjusted = adj
            test.p_adjusted = 10.0**adj

    @property
    def positives(self) -> list[KeyTest]:
        return [t for t in self.tests if t.p_adjusted is not None and t.p_adjusted < self.alpha]

    def conclusion(self) -> str:
        if not self.positives:
            return f"no key's watermark found in {self.subject} at family-wise alpha {self.alpha:g}"
        names = ", ".join(
            f"{t.key['key_id']} ({t.key['scheme']}, p_holm={_p_text(t.log10_p_adjusted)})" for t in self.positives
        )
        return f"watermark of {names} found in {self.subject} at family-wise alpha {self.alpha:g}"

    def to_json(self) -> dict[str, Any]:
        return {
            "format": EVIDENCE_FORMAT,
            "created": self.created,
            "subject": self.subject,
            "mode": self.mode,
            "inputs": self.inputs,
            "filters": self.filters,
            "correction": {"method": "holm", "family_size": sum(t.p_value is not None for t in self.tests)},
            "alpha": self.alpha,
            "tests": [asdict(t) for t in self.tests],
            "conclusion": self.conclusion(),
        }

    def to_stix(self, lab: str) -> stix2.Bundle:
        """Identity of `lab`, a report on the audit, and a note that carries this package."""
        identity = stix2.Identity(name=lab, identity_class="organization")
        report = stix2.Report(
            name=f"Watermark radioactivity audit of {self.subject}",
            description=self.conclusion(),
            published=self.created,
            report_types=["threat-report"],
            created_by_ref=identity.id,
            object_refs=[identity.id],
            labels=["aisac-watermark-evidence"],
        )
        note = stix2.Note(
            abstract=self.conclusion()[:200],
            content=json.dumps(self.to_json(), sort_keys=True),
            created_by_ref=identity.id,
            object_refs=[report.id],
            labels=[EVIDENCE_FORMAT],
        )
        return stix2.Bundle(identity, report, note)
