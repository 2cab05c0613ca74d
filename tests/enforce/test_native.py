"""The compiled request path is used only when built from these sources, and decides exactly like them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import aisac.enforce.guard
from aisac.enforce import RUNTIME, Guard, native

from .helpers import Traffic


def test_a_build_is_used_only_when_it_matches_the_sources(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(native, "BUILD", tmp_path)
    monkeypatch.delenv("AISAC_NATIVE", raising=False)
    path = ["src"]
    assert native.activate(path).startswith("source (no native build") and path == ["src"]
    (tmp_path / native.STAMP).write_text("0" * 64 + "\n")  # built from other sources
    assert "stale" in native.activate(path) and path == ["src"]
    (tmp_path / native.STAMP).write_text(native.digest() + "\n")
    monkeypatch.setenv("AISAC_NATIVE", "0")
    assert native.activate(path) == "source (AISAC_NATIVE=0)" and path == ["src"]
    monkeypatch.delenv("AISAC_NATIVE")
    assert native.activate(path) == "native (mypyc)"
    assert path == [str(tmp_path / "aisac" / "enforce"), "src"]


DECIDE = """
import json, sys
from aisac.enforce import RUNTIME, Guard
guard = Guard()
out = [guard.decide(r).to_dict() for r in json.load(open(sys.argv[1]))]
print(json.dumps({"runtime": RUNTIME, "decisions": out, "faults": dict(guard.faults)}))
"""


@pytest.mark.skipif(not RUNTIME.startswith("native"), reason=f"no native build: {RUNTIME}")
def test_native_build_decides_exactly_like_the_source(traffic: Traffic, tmp_path) -> None:
    assert aisac.enforce.guard.__file__.endswith(".so")
    traffic.campaign("ring", accounts=8, requests_each=150)
    traffic.chat_app(accounts=15, requests_each=60)
    records = traffic.sorted_records()
    records += [{"account.id": "bad", "time": "not a time", "gen_ai.usage.input_tokens": -1, "x.unknown": 1}, [1]]
    (tmp_path / "records.json").write_text(json.dumps(records))
    guard = Guard()
    here = {"decisions": [guard.decide(r).to_dict() for r in records], "faults": dict(guard.faults)}
    env = {**os.environ, "AISAC_NATIVE": "0"}
    run = subprocess.run(
        [sys.executable, "-c", DECIDE, str(tmp_path / "records.json")], env=env, capture_output=True, check=True
    )
    source = json.loads(run.stdout)
    assert source.pop("runtime") == "source (AISAC_NATIVE=0)"
    assert source == here
    assert {d["action"] for d in here["decisions"]} >= {"allow", "suspend"}


def test_the_compiled_modules_type_check() -> None:
    """mypyc refuses a module mypy rejects, and the guard would then quietly run from source: keep them clean."""
    api = pytest.importorskip("mypy.api")
    here = Path(native.__file__).parent
    out, err, status = api.run([*(str(here / f"{m}.py") for m in native.MODULES), "--no-error-summary"])
    assert status == 0, out + err
