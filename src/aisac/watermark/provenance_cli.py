"""`aisac provenance {audit,budget,train-ngram,sample}`: radioactivity audits of suspect models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from aisac.console import EXIT_FOUND, fail
from aisac.watermark.cli import load_key_or_exit, read_texts_or_exit, write_jsonl

app = typer.Typer(
    help="Radioactivity audits: did a suspect model train on our watermarked outputs?", no_args_is_help=True
)

ModelOpt = Annotated[Path | None, typer.Option(help="suspect model (.npz from train-ngram): open mode, teacher-forced")]


def _records(paths: list[Path], issues: list | None = None) -> list:
    """Every good line of `paths`; bad lines are reported and appended to `issues`."""
    records = []
    for path in paths:
        good, bad = read_texts_or_exit(path)
        records += good
        if issues is not None:
            issues += bad
    return records


def _encode(paths: list[Path], issues: list | None = None) -> list[np.ndarray]:
    """Token ids of every good line of `paths`."""
    from aisac.watermark.tokenizer import project_codec

    return project_codec().encode_many([r.text for r in _records(paths, issues)])


def _model(path: Path | None):
    from aisac.watermark.ngram import load_bigram

    try:
        return None if path is None else load_bigram(str(path))
    except ValueError as exc:
        fail(str(exc))


def _keys(keys: list[Path], registry: Path | None):
    from dataclasses import asdict

    from aisac.watermark.registry import KeyRegistry

    chosen = [(load_key_or_exit(k), []) for k in keys]
    if registry is not None:
        reg = KeyRegistry(registry)
        chosen += [(k, [asdict(a) for a in reg.assignments(k.key_id)]) for k in reg.all_keys()]
        reg.close()
    if not chosen:
        fail("give at least one --key or a --registry holding keys")
    return chosen


@app.command()
def audit(
    inputs: Annotated[
        list[Path], typer.Argument(help="JSONL {id, text[, prompt]}: suspect outputs (to the prompt) or probes")
    ],
    out: Annotated[Path, typer.Option(help="evidence package (JSON) to write")],
    key: Annotated[list[Path], typer.Option(help="key file; repeat to test several")] = [],  # noqa: B006
    registry: Annotated[Path | None, typer.Option(help="test every key in this registry")] = None,
    model: ModelOpt = None,
    exclude: Annotated[list[Path], typer.Option(help="JSONL whose pairs are not scored (prompts)")] = [],  # noqa: B006
    max_top_prob: Annotated[float | None, typer.Option(help="open mode: skip near-certain positions")] = None,
    alpha: Annotated[float, typer.Option(help="family-wise level after Holm correction")] = 1e-5,
    subject: Annotated[str, typer.Option(help="name of the suspect model in the evidence")] = "suspect",
    stix: Annotated[Path | None, typer.Option(help="also write the evidence as a STIX 2.1 bundle")] = None,
    lab: Annotated[str, typer.Option(help="auditing organisation named in the STIX identity")] = "aisac lab",
) -> None:
    """Test the suspect's outputs (closed mode) or its predictions on INPUTS (open mode, --model)."""
    from aisac.watermark.audit import AuditFilters, run_audit
    from aisac.watermark.evidence import file_digest
    from aisac.watermark.tokenizer import project_codec

    issues: list = []
    filters = AuditFilters(exclude=_encode(exclude, issues), max_top_prob=max_top_prob)
    records = _records(inputs, issues)
    codec = project_codec()
    prompted = model is None and any(r.prompt is not None for r in records)
    package = run_audit(
        _keys(key, registry),
        codec.encode_many([r.text for r in records]),
        prompts=codec.encode_many([r.prompt or "" for r in records]) if prompted else None,
        subject=subject,
        inputs=[file_digest(p) for p in [*inputs, *exclude]],
        alpha=alpha,
        model=_model(model),
        filters=filters,
    )
    out.write_text(json.dumps(package.to_json(), indent=2) + "\n", encoding="utf-8")
    if stix is not None:
        stix.write_text(package.to_stix(lab).serialize(pretty=True) + "\n", encoding="utf-8")
    for test in package.tests:
        typer.echo(
            f"{test.key['key_id']} {test.key['scheme']}: {test.tokens_scored} pairs, "
            + (
                "insufficient evidence"
                if test.p_value is None
                else f"log10 p={test.log10_p:.2f}, log10 p_holm={test.log10_p_adjusted:.2f}"
            )
        )
    typer.echo(package.conclusion())
    if issues:
        typer.echo(f"{len(issues)} input lines set aside (see errors above); the audit used the rest", err=True)
        raise typer.Exit(EXIT_FOUND)


@app.command()
def budget(
    key: Annotated[Path, typer.Option(help="key file")],
    pilot: Annotated[Path, typer.Option(help="JSONL of a pilot sample from the suspect")],
    model: ModelOpt = None,
    alpha: Annotated[float, typer.Option(help="p-value the audit must reach")] = 1e-5,
    scale: Annotated[float, typer.Option(help="expected lift relative to the pilot's")] = 1.0,
) -> None:
    """Estimate how many tokens to query from the suspect, from the lift a pilot sample shows."""
    from aisac.watermark.audit import budget_from_pilot, closed_pairs, open_pairs
    from aisac.watermark.schemes import scheme_for

    scheme = scheme_for(load_key_or_exit(key), min_tokens=1)
    docs = _encode([pilot])
    suspect = _model(model)
    pairs = closed_pairs(scheme, docs) if suspect is None else open_pairs(scheme, suspect, docs)
    found = scheme.detect_scores(pairs, int(sum(len(d) for d in docs)))
    est = budget_from_pilot(scheme, found, alpha, scale)
    typer.echo(json.dumps({"pilot_p_value": found.p_value, **vars(est)}))


@app.command("train-ngram")
def train_ngram(
    inputs: Annotated[list[Path], typer.Argument(help="JSONL {id, text} training texts")],
    out: Annotated[Path, typer.Option(help="model file (.npz) to write")],
) -> None:
    """Train a bigram student on INPUTS with the project tokenizer (for audit drills and tests)."""
    from aisac.watermark.ngram import BigramLM, save_bigram
    from aisac.watermark.tokenizer import project_codec

    docs = [d for d in _encode(inputs) if len(d) > 1]
    if not docs:
        fail("no training text with at least two tokens")
    save_bigram(BigramLM(project_codec().vocab_size).fit(docs), str(out))
    typer.echo(f"bigram on {sum(len(d) for d in docs)} tokens written to {out}")


@app.command()
def sample(
    model: Annotated[Path, typer.Option(help="model file (.npz)")],
    n: Annotated[int, typer.Option(min=1)],
    tokens: Annotated[int, typer.Option(min=1)],
    out: Annotated[Path, typer.Option(help="JSONL to write")],
    seed: Annotated[int | None, typer.Option()] = None,
) -> None:
    """Sample unwatermarked texts from a model (the suspect's outputs in a closed-mode drill)."""
    from aisac.watermark.model import sample_texts
    from aisac.watermark.tokenizer import project_codec

    suspect = _model(model)
    texts = sample_texts(suspect, project_codec(), n, tokens, np.random.default_rng(seed))
    write_jsonl(out, [{"id": f"sample-{i}", "text": t} for i, t in enumerate(texts)])
    typer.echo(f"{n} texts written to {out}")
