"""Detectors by name, for the CLI and the evaluation harness."""

from __future__ import annotations

from aisac.detect.base import Detector
from aisac.detect.distill import DistillationDetector
from aisac.detect.volume import VolumeDetector

DETECTORS: dict[str, type] = {VolumeDetector.name: VolumeDetector, DistillationDetector.name: DistillationDetector}


def make(name: str) -> Detector:
    try:
        return DETECTORS[name]()
    except KeyError:
        raise ValueError(f"unknown detector {name!r}; known: {', '.join(sorted(DETECTORS))}") from None
