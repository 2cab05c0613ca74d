"""Radioactivity on the transformer tier: rho vs p per scheme and context width, PyTorch on CPU.

    .venv/bin/pip install torch==2.13.0   # the `bench` extra
    .venv/bin/python bench/watermark_transformer.py [--configs "kgw h=1" ...] [--rhos 0 0.05 ...]

The setting is a distillation campaign. The teacher, a TinyGPT (dim 96, 2 layers, context 32) trained on
the first half of the shipped corpus, answers the campaign's prompts (16-token passages) with watermarked
128-token continuations. The distiller trains a student of another size (dim 64) from scratch on the human
second half plus a share rho of those exchanges; rho counts only the answers' tokens, prompts excluded.

Three audits per student, every (context, token) pair counted once:
- closed, fresh prompts: the suspect continues 4-token starts of documents it never saw in our traffic;
- closed, logged prompts: the auditor re-sends the prompts the campaign sent (the lab has them in its API
  log) and scores the suspect's sampled continuations, pairs inside the prompts excluded;
- open: the suspect's argmax along the served exchanges (teacher forcing), prompt pairs excluded.
Closed audits are scored on growing prefixes of the queried tokens, which measures the query budget
directly. Controls: the rho = 0 student (one for all keys) and, per configuration, a student trained on the
same share of the *unwatermarked* teacher's answers to the same prompts.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from aisac.watermark.audit import AuditFilters, budget_from_pilot, closed_pairs, open_pairs
from aisac.watermark.base import PairScores, WatermarkScheme
from aisac.watermark.keys import generate_key
from aisac.watermark.model import corpus_tokens
from aisac.watermark.ngram import generate
from aisac.watermark.schemes import scheme_for
from aisac.watermark.tokenizer import project_codec
from watermark_radioactivity import CONFIGS
from watermark_tinygpt import TinyGPT, train

RHOS = [0.0, 0.005, 0.01, 0.02, 0.05, 0.10]
PROMPT = 16
ANSWER = 128
QUERY_LEN = 128
#: Queried-token volumes at which the closed audits are read (the last is the full query).
VOLUMES = (25_000, 50_000, 100_000, 200_000)


def campaign_prompts(docs: list[np.ndarray], n: int, rng: np.random.Generator) -> np.ndarray:
    """`n` random 16-token passages of the teacher's half: what the campaign asked."""
    long = [d for d in docs if len(d) > PROMPT]
    picks = rng.integers(len(long), size=n)
    starts = [int(rng.integers(len(long[i]) - PROMPT + 1)) for i in picks]
    return np.stack([long[i][s : s + PROMPT] for i, s in zip(picks, starts, strict=True)])


def train_student(human: list[np.ndarray], exchanges: np.ndarray, rho: float, vocab: int, args) -> tuple:
    human_tokens = sum(len(d) for d in human)
    rows = round(rho * human_tokens / (1 - rho) / ANSWER)
    student = TinyGPT(vocab, args.student_dim, 2, 4, 32)
    loss = train(student, [*human, *exchanges[:rows]], args.student_steps, args.batch, seed=2)
    return student, float(np.mean(loss[-20:])), rows


def sample(model: TinyGPT, prompts: np.ndarray, total: int, rng: np.random.Generator) -> list[np.ndarray]:
    """At least `total` sampled tokens, cycling through `prompts` in batches of 256."""
    out: list[np.ndarray] = []
    i = 0
    while len(out) * QUERY_LEN < total:
        batch = prompts[np.arange(i, i + 256) % len(prompts)]
        out.extend(generate(model, batch, QUERY_LEN, rng))
        i += 256
    return out[: -(-total // QUERY_LEN)]


def closed_curve(scheme: WatermarkScheme, samples: list[np.ndarray], exclude: list[np.ndarray]) -> list[dict]:
    """The closed audit read at each volume of `VOLUMES` that the samples reach."""
    rows = []
    for volume in VOLUMES:
        docs = samples[: -(-volume // QUERY_LEN)]
        if len(docs) * QUERY_LEN < volume:
            break
        pairs: PairScores = closed_pairs(scheme, docs, AuditFilters(exclude=exclude))
        found = scheme.detect_scores(pairs, volume)
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


def audit(scheme, student, served: np.ndarray, prompts: np.ndarray, fresh: np.ndarray, args, rng) -> dict:
    logged = sample(student, prompts, args.query_tokens, rng)
    free = sample(student, fresh, args.query_tokens, rng)
    read = open_pairs(scheme, student, list(served), AuditFilters(exclude=list(prompts)))
    opened = scheme.detect_scores(read, served.size)
    return {
        "closed_fresh": closed_curve(scheme, free, []),
        "closed_logged": closed_curve(scheme, logged, list(prompts)),
        "open_log10_p": opened.evidence["log10_p_value"],
        "open_pairs": opened.tokens_scored,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS))
    parser.add_argument("--rhos", type=float, nargs="+", default=RHOS)
    parser.add_argument("--teacher-steps", type=int, default=600)
    parser.add_argument("--student-steps", type=int, default=1000)
    parser.add_argument("--student-dim", type=int, default=64)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--query-tokens", type=int, default=VOLUMES[-1])
    parser.add_argument("--no-controls", action="store_true", help="skip the unwatermarked-teacher students")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("bench/out/watermark_transformer.json"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    started = time.perf_counter()
    docs = corpus_tokens()
    half = len(docs) // 2
    vocab = project_codec().vocab_size
    human = docs[half:]
    teacher = TinyGPT(vocab, 96, 2, 4, 32)
    teacher_loss = train(teacher, docs[:half], args.teacher_steps, 32, seed=1)
    rng = np.random.default_rng(0)
    n_served = round(max(args.rhos) * sum(map(len, human)) / (1 - max(args.rhos)) / ANSWER) + 1
    prompts = campaign_prompts(docs[:half], n_served, rng)
    fresh = np.stack([d[:4] for d in human if len(d) >= 4])
    results: dict = {
        "args": {k: str(v) for k, v in vars(args).items()},
        "teacher_final_loss": float(np.mean(teacher_loss[-20:])),
        "served_exchanges": n_served,
        "configs": {},
    }
    print(f"teacher loss {teacher_loss[0]:.2f} -> {results['teacher_final_loss']:.2f}", flush=True)
    # Key-independent students, audited under every configuration's key: no watermarked data at all, and the
    # same share of the unwatermarked teacher's answers to the same prompts.
    controls = {"0.0": train_student(human, prompts, 0.0, vocab, args)}
    if not args.no_controls:
        clean = np.concatenate([prompts, generate(teacher, prompts, ANSWER, rng)], axis=1)
        control = f"{max(args.rhos)} unwatermarked teacher"
        controls[control] = train_student(human, clean, max(args.rhos), vocab, args)
    for label in args.configs:
        name, config = CONFIGS[label]
        scheme = scheme_for(generate_key(name, **config))
        answers = generate(teacher, prompts, ANSWER, rng, scheme.logits_processor(rng))
        exchanges = np.concatenate([prompts, answers], axis=1)
        served_p = np.array([scheme.detect(a).p_value or 1.0 for a in answers])
        rows: dict = {"served_detected_p1e-4": float(np.mean(served_p < 1e-4))}
        trained = [*controls.items()]
        trained += [(str(rho), train_student(human, exchanges, rho, vocab, args)) for rho in args.rhos if rho > 0]
        for row_label, (student, loss, n) in trained:
            row = {"student_loss": loss, "exchanges_trained": n}
            row.update(audit(scheme, student, exchanges, prompts, fresh, args, rng))
            rows[row_label] = row
            print(label, row_label, json.dumps(row), f"{time.perf_counter() - started:.0f}s", flush=True)
        results["configs"][label] = rows
        results["wall_seconds"] = time.perf_counter() - started
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
