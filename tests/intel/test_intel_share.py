"""`aisac share push/pull/verify` against a real hub, with the detector's bundle.json."""

from __future__ import annotations

import json
import subprocess
import sys

from detector_bundle import detector_bundle

AISAC = [sys.executable, "-c", "from aisac.cli import main; main()"]


def _share(hub, member: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    creds = hub.members[member]
    env = {"AISAC_HUB_MEMBER": creds.name, "AISAC_HUB_KEY": creds.key, "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [*AISAC, "share", *args, "--hub", hub.url], capture_output=True, text=True, env=env, check=check
    )


def _lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_push_detector_bundle_signed_then_verify_and_pull(hub, tmp_path):
    bundle = detector_bundle(wave=1)
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    pushed = _share(hub, "openai", "push", str(path), "--key", str(hub.members["openai"].signing_key))
    assert f"pushed {len(bundle['objects'])} objects (signed), 0 refused" in pushed.stdout
    campaign = next(o for o in bundle["objects"] if o["type"] == "campaign")
    verified = _share(hub, "anthropic", "verify", campaign["id"])
    assert "submitted by openai, signature verified" in verified.stdout

    out = tmp_path / "pull"
    first = _share(hub, "google", "pull", "--out", str(out), "--limit", "4", "--max-pages", "2")
    assert "more to fetch" in first.stdout and len(_lines(out / "objects.jsonl")) == 8
    with (out / "objects.jsonl").open("a") as fh:  # a crash mid-page: half-written data past the state
        fh.write('{"type": "half-written"')
    _share(hub, "google", "pull", "--out", str(out), "--limit", "4")
    got = _lines(out / "objects.jsonl")
    assert sorted(o["id"] for o in got) == sorted(o["id"] for o in bundle["objects"])

    second = detector_bundle(wave=2)
    path.write_text(json.dumps(second))
    _share(hub, "anthropic", "push", str(path))  # unsigned: accepted and marked unsigned
    again = _share(hub, "google", "pull", "--out", str(out))
    # the TLP marking and the IP observables (deterministic ids, no version) were already there
    new = {o["id"] for o in second["objects"]} - {o["id"] for o in bundle["objects"]}
    assert len(new) == len(second["objects"]) - 4
    assert f"pulled {len(new)} objects" in again.stdout
    assert sorted(o["id"] for o in _lines(out / "objects.jsonl")) == sorted(
        [o["id"] for o in bundle["objects"]] + list(new)
    )
    anthropic_campaign = next(o for o in second["objects"] if o["type"] == "campaign")
    unsigned = _share(hub, "openai", "verify", anthropic_campaign["id"], check=False)
    assert unsigned.returncode == 1 and "submitted by anthropic, UNSIGNED" in unsigned.stdout


def test_push_reports_refused_objects_and_keeps_the_rest(hub, tmp_path):
    bundle = detector_bundle(wave=3)
    broken = next(o for o in bundle["objects"] if o["type"] == "infrastructure")
    del broken["name"]
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    result = _share(
        hub, "openai", "push", str(path), "--key", str(hub.members["openai"].signing_key), check=False
    )
    assert result.returncode == 1
    assert f"refused {broken['id']}" in result.stderr and "name" in result.stderr
    assert f"pushed {len(bundle['objects']) - 1} objects (signed), 1 refused" in result.stdout


def test_since_limits_the_first_pull(hub, tmp_path):
    out = tmp_path / "later"
    _share(hub, "google", "pull", "--out", str(out), "--since", "2999-01-01T00:00:00Z")
    assert _lines(out / "objects.jsonl") == []


def test_push_what_the_detector_wrote(hub, tmp_path):
    """The real pipeline: simulate a week, `aisac detect` it, push its bundle.json signed, read it back."""
    from aisac.simulate.generator import simulate, write

    week = tmp_path / "week"
    write(simulate(7, seed=11, scale=0.05), week)
    detected = subprocess.run([*AISAC, "detect", str(week / "log"), "--out", str(tmp_path / "det")],
                              capture_output=True, text=True, check=True)
    assert "flagged" in detected.stdout
    bundle = json.loads((tmp_path / "det" / "bundle.json").read_text())
    assert any(o["type"] == "campaign" for o in bundle["objects"])
    pushed = _share(hub, "openai", "push", str(tmp_path / "det" / "bundle.json"),
                    "--key", str(hub.members["openai"].signing_key))
    assert f"pushed {len(bundle['objects'])} objects (signed), 0 refused" in pushed.stdout
    out = tmp_path / "pulled"
    _share(hub, "google", "pull", "--out", str(out))
    pulled = {o["id"] for o in _lines(out / "objects.jsonl")}
    assert {o["id"] for o in bundle["objects"]} <= pulled
