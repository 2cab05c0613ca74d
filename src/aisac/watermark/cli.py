"""`aisac watermark {keygen,generate,detect}`, plus the input helpers the provenance commands share."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from aisac.console import EXIT_FOUND, console, fail
from aisac.watermark.base import DEFAULT_MIN_TOKENS, DEFAULT_THRESHOLD

app = typer.Typer(help="Watermark the project's model outputs and detect watermarks in text.", no_args_is_help=True)


def _parse_params(params: list[str]) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for item in params:
        name, sep, value = item.partition("=")
        if not sep:
            fail(f"--param {item!r}: expected NAME=VALUE")
        try:
            config[name] = json.loads(value)
        except json.JSONDecodeError:
            fail(f"--param {item!r}: VALUE must be a JSON number or true/false")
    return config


def load_key_or_exit(path: Path):
    from aisac.watermark.keys import KeyFileError, load_key

    try:
        return load_key(path)
    except KeyFileError as exc:
        fail(str(exc))


def read_texts_or_exit(path: Path):
    from aisac.watermark.textio import read_texts

    try:
        records, issues = read_texts(path)
    except OSError as exc:
        fail(f"{path}: cannot read ({exc.strerror})")
    for issue in issues:
        console.print(f"error: {issue}", style="red", markup=False, highlight=False, soft_wrap=True)
    return records, issues


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


@app.command()
def keygen(
    scheme: Annotated[str, typer.Option(help="kgw, gumbel or tournament")],
    out: Annotated[Path, typer.Option(help="key file to write (JSON; keep it secret)")],
    param: Annotated[list[str], typer.Option(help="scheme parameter NAME=VALUE, e.g. gamma=0.25")] = [],  # noqa: B006
    registry: Annotated[Path | None, typer.Option(help="key registry (SQLite) to record the key in")] = None,
    deployment: Annotated[str | None, typer.Option(help="deployment it serves (with --registry)")] = None,
    account_cluster: Annotated[str | None, typer.Option(help="account cluster it serves")] = None,
) -> None:
    """Generate a key for SCHEME (defaults in docs/watermark.md) and optionally register who it serves."""
    from aisac.watermark.keys import KeyFileError, generate_key, save_key
    from aisac.watermark.registry import KeyRegistry

    try:
        key = generate_key(scheme, **_parse_params(param))
    except KeyFileError as exc:
        fail(str(exc))
    save_key(key, out)
    if registry is not None:
        reg = KeyRegistry(registry)
        reg.add_key(key)
        if deployment:
            reg.assign(key.key_id, deployment, account_cluster)
        reg.close()
    typer.echo(f"{key.key_id} ({key.scheme}, {json.dumps(key.config)}) written to {out}")


@app.command("generate")
def generate_cmd(
    key: Annotated[Path, typer.Option(help="key file from keygen")],
    n: Annotated[int, typer.Option(min=1, help="number of texts")],
    tokens: Annotated[int, typer.Option(min=1, help="new tokens per text")],
    out: Annotated[Path, typer.Option(help="JSONL to write, one {id, text} per line")],
    seed: Annotated[int | None, typer.Option(help="sampling seed (default: fresh randomness)")] = None,
) -> None:
    """Sample N watermarked texts of T tokens from the project's own small model."""
    from aisac.watermark.model import project_model, sample_texts
    from aisac.watermark.schemes import scheme_for
    from aisac.watermark.tokenizer import project_codec

    scheme = scheme_for(load_key_or_exit(key))
    rng = np.random.default_rng(seed)
    texts = sample_texts(project_model(), project_codec(), n, tokens, rng, scheme.logits_processor(rng))
    write_jsonl(out, [{"id": f"gen-{i}", "text": t} for i, t in enumerate(texts)])
    typer.echo(f"{n} texts of {tokens} tokens written to {out}")


@app.command()
def detect(
    key: Annotated[Path, typer.Option(help="key file from keygen")],
    input_path: Annotated[Path, typer.Argument(metavar="IN.jsonl", help="one {id, text} per line")],
    out: Annotated[Path, typer.Option(help="JSONL of {id, tokens_scored, p_value, watermarked}")],
    threshold: Annotated[float, typer.Option(help="watermarked when p < threshold")] = DEFAULT_THRESHOLD,
    min_tokens: Annotated[int, typer.Option(help="fewest distinct pairs for a verdict")] = DEFAULT_MIN_TOKENS,
) -> None:
    """Test each text for KEY's watermark; too-short texts get `insufficient evidence`, never a verdict."""
    from aisac.watermark.schemes import scheme_for
    from aisac.watermark.tokenizer import project_codec

    scheme = scheme_for(load_key_or_exit(key), min_tokens)
    records, issues = read_texts_or_exit(input_path)
    codec = project_codec()
    rows = []
    for record, ids in zip(records, codec.encode_many([r.text for r in records]), strict=True):
        found = scheme.detect(ids)
        row = {
            "id": record.id,
            "tokens_scored": found.tokens_scored,
            "p_value": found.p_value,
            "watermarked": found.watermarked(threshold),
        }
        if found.insufficient:
            row["reason"] = found.reason()
        rows.append(row)
    write_jsonl(out, rows)
    flagged = sum(bool(r["watermarked"]) for r in rows)
    short = sum(r["watermarked"] is None for r in rows)
    typer.echo(f"{len(rows)} texts: {flagged} watermarked (p < {threshold:g}), {short} insufficient evidence")
    if issues:
        typer.echo(f"{len(issues)} lines set aside (see errors above)", err=True)
        raise typer.Exit(EXIT_FOUND)
