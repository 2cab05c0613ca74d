"""Radioactivity on the transformer tier: rho vs p per scheme and context width, PyTorch on CPU.

    .venv/bin/pip install torch==2.13.0   # the `bench` extra
    .venv/bin/python bench/watermark_transformer.py [--configs "kgw h=1" ...] [--rhos 0 0.05 ...]

The setting is a distillation campaign against a lab that watermarks its outputs. The teacher, a TinyGPT
(dim 96, 2 layers, context 32) trained on the first half of the shipped corpus, answers the campaign's
prompts (16-token passages) with watermarked 128-token answers. The distiller has a base model of another
size (dim 128, pretrained on the human second half: the public text every lab trains on) and fine-tunes it
on an instruction mix of `--mix` exchanges, a share rho of which are our answers and the rest human answers
(the true 128-token continuation of a 16-token passage), as Sander et al. (NeurIPS 2024) do with Llama.
rho counts answers; every student starts from the same base. The campaign is what the distiller mixed in
(round(rho * mix) exchanges): the logged prompts and the open audit's texts are those exchanges.

Four audits per student, every (context, token) pair counted once; a closed query's own prompt pairs are
dropped (the suspect could copy them), pairs of other queries' prompts are not (it never saw them):
- closed, logged prompts: the auditor re-sends the prompts the campaign sent (the lab has them in its API
  log) and scores the suspect's sampled continuations;
- closed, served prefixes: the auditor prompts with our served exchanges cut every 16 tokens of the answer
  (an API that accepts a prefilled answer) and scores 16-token greedy continuations (temperature 0);
- closed, fresh prompts: the suspect continues 4-token starts of documents outside our traffic;
- open: the suspect's argmax along the served exchanges (teacher forcing), prompt pairs excluded.
Closed audits are read on growing prefixes of the queried tokens, which measures the query budget
directly. Controls, audited under every configuration's key: the rho = 0 student, and a student fine-tuned
on the same share of the *unwatermarked* teacher's answers to the same prompts.
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from pathlib import Path

import numpy as np
import torch

from aisac.watermark.audit import AuditFilters, budget_from_pilot, open_pairs, prompted_pairs
from aisac.watermark.base import WatermarkScheme
from aisac.watermark.keys import generate_key
from aisac.watermark.model import corpus_tokens
from aisac.watermark.ngram import generate
from aisac.watermark.schemes import scheme_for
from aisac.watermark.tokenizer import project_codec
from watermark_radioactivity import CONFIGS
from watermark_tinygpt import TinyGPT, train

RHOS = [0.0, 0.005, 0.01, 0.02, 0.05, 0.10]
#: Both widths of KGW and the widths labs deploy for Gumbel-max and tournament (the n-gram tier runs all six).
TRANSFORMER_CONFIGS = ["kgw h=1", "kgw h=4", "gumbel h=4", "tournament h=4"]
PROMPT = 16
ANSWER = 128
QUERY_LEN = 128
#: Served answers are also cut every PREFIX_STEP tokens into prompts, continued greedily (temperature 0)
#: for PREFIX_STEP tokens: one deterministic round, so its volume is what the campaign's exchanges allow.
PREFIX_STEP = 16
#: Queried-token volumes at which the closed audits are read (the last is the full query).
VOLUMES = (3_125, 6_250, 12_500, 25_000)


def passages(docs: list[np.ndarray], n: int, length: int, rng: np.random.Generator) -> np.ndarray:
    """`n` random passages of `length` tokens from `docs`."""
    long = [d for d in docs if len(d) >= length]
    picks = rng.integers(len(long), size=n)
    starts = [int(rng.integers(len(long[i]) - length + 1)) for i in picks]
    return np.stack([long[i][s : s + length] for i, s in zip(picks, starts, strict=True)])


def fine_tune(base: TinyGPT, ours: np.ndarray, human: np.ndarray, rho: float, args, epochs: int | None = None) -> tuple:
    """A copy of `base` fine-tuned on `--mix` exchanges, round(rho * mix) of them from `ours`."""
    n_ours = round(rho * args.mix)
    mix = [*ours[:n_ours], *human[: args.mix - n_ours]]
    student = copy.deepcopy(base)
    steps = -(-(epochs or args.epochs) * len(mix) * (PROMPT + ANSWER) // (args.batch * student.context))
    loss = train(student, mix, steps, args.batch, seed=2, lr=args.lr)
    return student, float(np.mean(loss[-20:])), n_ours


Queries = list[tuple[np.ndarray, np.ndarray]]


def _at(temperature: float):
    """Logits processor for an API temperature; 0 means greedy (the most likely token only)."""
    if temperature == 0:
        return lambda _, s: np.where(s == s.max(axis=-1, keepdims=True), 0.0, -np.inf)
    return lambda _, s: s / temperature


def sample(
    model: TinyGPT, prompts: list[np.ndarray], total: int, length: int, temperature: float, rng: np.random.Generator
) -> Queries:
    """(prompt, continuation) queries of `length` tokens at `temperature` (the API parameter), cycling through
    `prompts` (grouped by length, batches of 256) until `total` tokens have been sampled."""
    rounds = -(-total // (length * len(prompts)))
    asked = [p for _ in range(rounds) for p in prompts][: -(-total // length)]
    by_len: dict[int, list[int]] = {}
    for i, p in enumerate(asked):
        by_len.setdefault(len(p), []).append(i)
    out: list[np.ndarray | None] = [None] * len(asked)
    for rows in by_len.values():
        for start in range(0, len(rows), 256):
            chunk = rows[start : start + 256]
            batch = np.stack([asked[i] for i in chunk])
            for i, cont in zip(chunk, generate(model, batch, length, rng, _at(temperature)), strict=True):
                out[i] = cont
    return list(zip(asked, out, strict=True))


def closed_curve(scheme: WatermarkScheme, queries: Queries) -> list[dict]:
    """The closed audit read at each volume of `VOLUMES` that the queries reach, and at all of them."""
    rows = []
    length = len(queries[0][1])
    full = len(queries) * length
    for volume in [v for v in VOLUMES if v < full] + [full]:
        asked = queries[: -(-volume // length)]
        found = scheme.detect_scores(prompted_pairs(scheme, *zip(*asked, strict=True)), volume)
        rows.append(
            {
                "tokens": volume,
                "pairs": found.tokens_scored,
                "log10_p": found.evidence["log10_p_value"],
                "budget_tokens_p1e-5": budget_from_pilot(scheme, found, 1e-5).tokens_needed
                if found.evidence["log10_p_value"] < -2
                else None,
            }
        )
    return rows


def audit(scheme, student, served: np.ndarray, fresh: np.ndarray, args, rng) -> dict:
    """The audits of one suspect; `served` holds the campaign's exchanges (prompt, then answer)."""
    prompts = list(served[:, :PROMPT])
    prefixes = [x[: PROMPT + offset] for offset in range(0, ANSWER, PREFIX_STEP) for x in served]
    t = args.temperature
    read = open_pairs(scheme, student, list(served), AuditFilters(exclude=prompts))
    opened = scheme.detect_scores(read, served.size)
    return {
        "closed_logged": closed_curve(scheme, sample(student, prompts, args.query_tokens, QUERY_LEN, t, rng)),
        "closed_prefix": closed_curve(
            scheme, sample(student, prefixes, len(prefixes) * PREFIX_STEP, PREFIX_STEP, 0, rng)
        ),
        "closed_fresh": closed_curve(scheme, sample(student, list(fresh), args.fresh_tokens, QUERY_LEN, t, rng)),
        "open_log10_p": opened.evidence["log10_p_value"],
        "open_pairs": opened.tokens_scored,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--configs", nargs="+", default=TRANSFORMER_CONFIGS, choices=list(CONFIGS))
    parser.add_argument("--rhos", type=float, nargs="+", default=RHOS)
    parser.add_argument("--teacher-steps", type=int, default=600)
    parser.add_argument("--base-steps", type=int, default=600, help="pretraining of the distiller's base model")
    parser.add_argument("--student-dim", type=int, default=128)
    parser.add_argument("--mix", type=int, default=400, help="exchanges in the distiller's fine-tuning mix")
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--query-tokens", type=int, default=VOLUMES[-1], help="closed audit, logged prompts")
    parser.add_argument("--fresh-tokens", type=int, default=VOLUMES[-2], help="closed audit, fresh prompts")
    parser.add_argument("--temperature", type=float, default=0.7, help="the auditor's sampling temperature")
    parser.add_argument("--continue-clean", type=int, nargs="*", default=[], help="epochs of clean fine-tuning")
    parser.add_argument("--no-controls", action="store_true", help="skip the unwatermarked-teacher student")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("bench/out/watermark_transformer.json"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    started = time.perf_counter()
    docs = corpus_tokens()
    half = len(docs) // 2
    vocab = project_codec().vocab_size
    teacher = TinyGPT(vocab, 96, 2, 4, 32)
    teacher_loss = train(teacher, docs[:half], args.teacher_steps, 32, seed=1)
    base = TinyGPT(vocab, args.student_dim, 2, 4, 32)
    base_loss = train(base, docs[half:], args.base_steps, args.batch, seed=3)
    rng = np.random.default_rng(0)
    prompts = passages(docs[:half], round(max(args.rhos) * args.mix), PROMPT, rng)
    human = passages(docs[:half], args.mix, PROMPT + ANSWER, rng)
    later = passages(docs[:half], args.mix, PROMPT + ANSWER, rng)
    fresh = np.stack([d[:4] for d in docs[half:] if len(d) >= 4])
    results: dict = {
        "args": {k: str(v) for k, v in vars(args).items()},
        "teacher_final_loss": float(np.mean(teacher_loss[-20:])),
        "base_final_loss": float(np.mean(base_loss[-20:])),
        "campaign_prompts": len(prompts),
        "configs": {},
    }
    print(f"teacher {results['teacher_final_loss']:.2f} base {results['base_final_loss']:.2f}", flush=True)
    # Key-independent students, audited under every configuration's key.
    controls = {"0.0": fine_tune(base, prompts, human, 0.0, args)}
    if not args.no_controls:
        clean = np.concatenate([prompts, generate(teacher, prompts, ANSWER, rng)], axis=1)
        control = f"{max(args.rhos)} unwatermarked teacher"
        controls[control] = fine_tune(base, clean, human, max(args.rhos), args)
    for label in args.configs:
        name, config = CONFIGS[label]
        scheme = scheme_for(generate_key(name, **config))
        answers = generate(teacher, prompts, ANSWER, rng, scheme.logits_processor(rng))
        exchanges = np.concatenate([prompts, answers], axis=1)
        served_p = np.array([scheme.detect(a).p_value or 1.0 for a in answers])
        rows: dict = {"served_detected_p1e-4": float(np.mean(served_p < 1e-4))}
        trained = [*controls.items()]
        trained += [(str(rho), fine_tune(base, exchanges, human, rho, args)) for rho in args.rhos if rho > 0]
        if args.continue_clean:
            # Continued clean fine-tuning: the most contaminated student trains on other human exchanges.
            last, (student, _, n) = trained[-1]
            for e in args.continue_clean:
                cleaned, loss, _ = fine_tune(student, exchanges, later, 0.0, args, e)
                trained.append((f"{last} then {e} clean epochs", (cleaned, loss, n)))
        for row_label, (student, loss, n) in trained:
            row = {"student_loss": loss, "exchanges_trained": n}
            # The campaign's exchanges are what the distiller mixed in; a control is read on all of them.
            row.update(audit(scheme, student, exchanges[: n or len(exchanges)], fresh, args, rng))
            rows[row_label] = row
            print(label, row_label, json.dumps(row), f"{time.perf_counter() - started:.0f}s", flush=True)
        results["configs"][label] = rows
        results["wall_seconds"] = time.perf_counter() - started
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
