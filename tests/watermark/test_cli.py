"""The CLI contract end to end: the installed `aisac` command once, then Typer's runner in-process.

The in-process runner drives the same Typer app (parsing, exit codes, stderr) without paying the
interpreter start-up and imports for every call, which keeps this file fast on a loaded CI machine.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aisac.cli import app

AISAC = str(Path(sys.executable).with_name("aisac"))


def aisac(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `aisac ARGS` in `cwd` in-process; the result looks like a finished subprocess."""
    with contextlib.chdir(cwd):
        result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)


def test_installed_command(tmp_path: Path) -> None:
    """The console script itself: keygen, generate and detect as separate processes."""
    run = lambda *a: subprocess.run([AISAC, *a], cwd=tmp_path, capture_output=True, text=True, timeout=300)  # noqa: E731
    assert run("watermark", "keygen", "--scheme", "kgw", "--out", "k.json").returncode == 0
    assert (
        run("watermark", "generate", "--key", "k.json", "--n", "3", "--tokens", "60", "--out", "g.jsonl").returncode
        == 0
    )
    done = run("watermark", "detect", "--key", "k.json", "g.jsonl", "--out", "d.jsonl")
    assert done.returncode == 0, done.stderr
    assert [r["watermarked"] for r in read_jsonl(tmp_path / "d.jsonl")] == [True, True, True]
    done = run("watermark", "keygen", "--scheme", "rot13", "--out", "x.json")
    assert done.returncode == 2 and "unknown scheme 'rot13'" in done.stderr


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize("scheme", ["kgw", "gumbel", "tournament"])
def test_keygen_generate_detect(tmp_path: Path, scheme: str) -> None:
    done = aisac("watermark", "keygen", "--scheme", scheme, "--out", "k.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    done = aisac(
        "watermark",
        "generate",
        "--key",
        "k.json",
        "--n",
        "12",
        "--tokens",
        "200",
        "--out",
        "gen.jsonl",
        "--seed",
        "1",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    generated = read_jsonl(tmp_path / "gen.jsonl")
    assert len(generated) == 12 and all(set(g) == {"id", "text"} and g["text"] for g in generated)
    done = aisac("watermark", "detect", "--key", "k.json", "gen.jsonl", "--out", "det.jsonl", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = read_jsonl(tmp_path / "det.jsonl")
    assert [r["id"] for r in rows] == [g["id"] for g in generated]
    contract = {"id", "tokens_scored", "p_value", "watermarked"}
    # The contract's four fields on every line; `reason` is added only beside an "insufficient evidence".
    assert all(set(r) == contract or (set(r) == contract | {"reason"} and r["watermarked"] is None) for r in rows)
    # Gumbel-max can loop on the bigram model and leave too few distinct pairs: never a miss, at most
    # an "insufficient evidence".
    assert not any(r["watermarked"] is False for r in rows), rows
    assert sum(r["watermarked"] is True and r["p_value"] < 1e-4 for r in rows) >= 10, rows
    aisac("watermark", "keygen", "--scheme", scheme, "--out", "other.json", cwd=tmp_path)
    aisac("watermark", "detect", "--key", "other.json", "gen.jsonl", "--out", "o.jsonl", cwd=tmp_path)
    wrong = read_jsonl(tmp_path / "o.jsonl")
    assert not any(r["watermarked"] for r in wrong), wrong


SPEECH = (
    b"Now is the winter of our discontent made glorious summer by this sun of York; and all the clouds "
    b"that lour'd upon our house in the deep bosom of the ocean buried. Now are our brows bound with "
    b"victorious wreaths; our bruised arms hung up for monuments; our stern alarums changed to merry "
    b"meetings, our dreadful marches to delightful measures."
)


def test_detect_bad_lines_named_good_lines_kept(tmp_path: Path) -> None:
    aisac("watermark", "keygen", "--scheme", "kgw", "--out", "k.json", cwd=tmp_path)
    (tmp_path / "in.jsonl").write_bytes(
        b'{"id": "empty", "text": ""}\n{"id": "short", "text": "Good my lord."}\n'
        b'{"id": "latin1", "text": "caf\xe9"}\n{"id": "ok", "text": "' + SPEECH + b'"}\n'
    )
    done = aisac("watermark", "detect", "--key", "k.json", "in.jsonl", "--out", "o.jsonl", cwd=tmp_path)
    assert done.returncode == 1
    assert "in.jsonl: line 3: not valid UTF-8" in done.stderr
    rows = {r["id"]: r for r in read_jsonl(tmp_path / "o.jsonl")}
    assert set(rows) == {"empty", "short", "ok"}
    for name in ("empty", "short"):
        assert rows[name]["watermarked"] is None and rows[name]["p_value"] is None
        assert rows[name]["reason"].startswith(f"insufficient evidence: {rows[name]['tokens_scored']} distinct")
    assert rows["ok"]["watermarked"] is False


def test_unknown_scheme_and_malformed_key(tmp_path: Path) -> None:
    done = aisac("watermark", "keygen", "--scheme", "rot13", "--out", "k.json", cwd=tmp_path)
    assert done.returncode == 2 and "unknown scheme 'rot13'" in done.stderr
    assert not (tmp_path / "k.json").exists()
    done = aisac("watermark", "keygen", "--scheme", "kgw", "--param", "gamma=2", "--out", "k.json", cwd=tmp_path)
    assert done.returncode == 2 and "config.gamma=2" in done.stderr
    (tmp_path / "bad.json").write_text('{\n  "format": "aisac-watermark-key/1",\n  "secret": }\n')
    (tmp_path / "in.jsonl").write_text('{"id": 1, "text": "x"}\n')
    done = aisac("watermark", "detect", "--key", "bad.json", "in.jsonl", "--out", "o.jsonl", cwd=tmp_path)
    assert done.returncode == 2 and "bad.json: line 3: not valid JSON" in done.stderr


def test_provenance_audit_with_registry_and_stix(tmp_path: Path) -> None:
    """Drill: a student trained on watermarked outputs is caught, and the key names the deployment."""
    run = lambda *a: aisac(*a, cwd=tmp_path)  # noqa: E731
    assert (
        run(
            "watermark",
            "keygen",
            "--scheme",
            "kgw",
            "--out",
            "k.json",
            "--registry",
            "reg.db",
            "--deployment",
            "api-prod",
            "--account-cluster",
            "cluster-7",
        ).returncode
        == 0
    )
    assert (
        run(
            "watermark",
            "keygen",
            "--scheme",
            "tournament",
            "--param",
            "context_width=1",
            "--out",
            "t.json",
            "--registry",
            "reg.db",
            "--deployment",
            "api-eu",
        ).returncode
        == 0
    )
    run(
        "watermark",
        "generate",
        "--key",
        "k.json",
        "--n",
        "300",
        "--tokens",
        "250",
        "--out",
        "wm.jsonl",
        "--seed",
        "2",
    )
    done = run("provenance", "train-ngram", "wm.jsonl", "--out", "student.npz")
    assert done.returncode == 0, done.stderr
    run("provenance", "sample", "--model", "student.npz", "--n", "60", "--tokens", "250", "--out", "s.jsonl")
    done = run(
        "provenance",
        "audit",
        "s.jsonl",
        "--registry",
        "reg.db",
        "--out",
        "ev.json",
        "--stix",
        "ev.stix.json",
        "--subject",
        "student-x",
        "--lab",
        "Lab A",
    )
    assert done.returncode == 0, done.stderr
    evidence = json.loads((tmp_path / "ev.json").read_text())
    assert evidence["mode"] == "closed" and evidence["correction"]["family_size"] == 2
    by_scheme = {t["key"]["scheme"]: t for t in evidence["tests"]}
    assert by_scheme["kgw"]["p_adjusted"] < 1e-5
    assert by_scheme["kgw"]["served"][0]["account_cluster"] == "cluster-7"
    assert by_scheme["tournament"]["p_adjusted"] > 1e-3
    assert evidence["inputs"][0]["name"] == "s.jsonl" and len(evidence["inputs"][0]["sha256"]) == 64
    assert "student-x" in evidence["conclusion"]
    bundle = json.loads((tmp_path / "ev.stix.json").read_text())
    assert {o["type"] for o in bundle["objects"]} == {"identity", "report", "note"}
    done = run("provenance", "audit", "wm.jsonl", "--key", "k.json", "--model", "student.npz", "--out", "open.json")
    assert done.returncode == 0 and json.loads((tmp_path / "open.json").read_text())["tests"][0]["p_value"] < 1e-3
    with (tmp_path / "s.jsonl").open("ab") as handle:
        handle.write(b'{"id": "x", "text": "\xff"}\n')
    done = run("provenance", "audit", "s.jsonl", "--key", "k.json", "--out", "again.json")
    assert done.returncode == 1 and "s.jsonl: line 61: not valid UTF-8" in done.stderr
    assert json.loads((tmp_path / "again.json").read_text())["tests"][0]["p_value"] < 1e-5
    done = run("provenance", "budget", "--key", "k.json", "--pilot", "s.jsonl", "--alpha", "1e-5")
    estimate = json.loads(done.stdout)
    assert estimate["effect_per_pair"] > 0 and estimate["tokens_needed"] > 0
    done = run("provenance", "audit", "s.jsonl", "--key", "k.json", "--model", "k.json", "--out", "x.json")
    assert done.returncode == 2 and "k.json: not an aisac bigram model" in done.stderr
    # Prompted closed mode: each line's text continues its prompt; the prompt's own pairs are not scored, so an
    # answer that merely repeats its prompt proves nothing, while a suspect's own continuation is scored.
    served = [json.loads(line) for line in (tmp_path / "wm.jsonl").read_text().splitlines()][:40]
    rows = [{"id": r["id"], "prompt": r["text"], "text": r["text"]} for r in served]
    rows += [{"id": "bad", "prompt": 7, "text": "x"}]
    (tmp_path / "echo.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    done = run("provenance", "audit", "echo.jsonl", "--key", "k.json", "--out", "echo.json")
    assert done.returncode == 1 and "echo.jsonl: line 41: field 'prompt' must be a string" in done.stderr
    echo = json.loads((tmp_path / "echo.json").read_text())
    assert echo["filters"]["prompted"] is True
    assert echo["tests"][0]["tokens_scored"] <= 40  # only each (last prompt token, first text token) pair
