"""Radioactivity on the transformer tier (reduced: KGW h=1, four contamination levels), PyTorch on CPU.

    .venv/bin/pip install torch==2.13.0   # the `bench` extra
    .venv/bin/python bench/watermark_transformer.py [--steps 600] [--out bench/out/watermark_transformer.json]

Teacher: TinyGPT (dim 96, 2 layers, context 32) trained on the first half of the corpus, watermarked at
sampling time. Students: TinyGPT of another size (dim 64, 2 layers) trained from scratch on the human
second half plus a share rho of watermarked teacher outputs. Closed mode scores student samples; open mode
reads the student's argmax on the served outputs.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from aisac.watermark.audit import budget_from_pilot, closed_pairs, open_pairs
from aisac.watermark.keys import generate_key
from aisac.watermark.model import corpus_tokens
from aisac.watermark.ngram import generate
from aisac.watermark.schemes import scheme_for
from aisac.watermark.tokenizer import project_codec
from watermark_tinygpt import TinyGPT, train

RHOS = [0.0, 0.02, 0.05, 0.10]
SEQ = 128


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--rhos", type=float, nargs="+", default=RHOS)
    parser.add_argument("--student-steps", type=int, default=None, help="default: --steps")
    parser.add_argument("--out", type=Path, default=Path("bench/out/watermark_transformer.json"))
    args = parser.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(0)
    docs = corpus_tokens()
    half = len(docs) // 2
    vocab = project_codec().vocab_size
    human = docs[half:]
    started = time.perf_counter()
    teacher = TinyGPT(vocab, 96, 2, 4, 32)
    teacher_loss = train(teacher, docs[:half], args.steps, 32, seed=1)
    print(f"teacher loss {teacher_loss[0]:.2f} -> {np.mean(teacher_loss[-20:]):.2f}", flush=True)
    scheme = scheme_for(generate_key("kgw", gamma=0.25, delta=2.0, context_width=1))
    rng = np.random.default_rng(0)
    human_tokens = sum(map(len, human))
    served = generate(
        teacher, np.stack([d[:1] for d in docs[: round(0.1 * human_tokens / 0.9 / SEQ) + 1]]), SEQ, rng,
        scheme.logits_processor(rng),
    )  # fmt: skip
    served_p = np.array([scheme.detect(r).p_value or 1.0 for r in served])
    results = {
        "teacher_final_loss": float(np.mean(teacher_loss[-20:])),
        "served_detected": float(np.mean(served_p < 1e-4)),
    }
    prompts = np.stack([d[:4] for d in docs[half // 2 : half // 2 + 200]])
    for rho in args.rhos:
        rows = round(rho * human_tokens / (1 - rho) / SEQ)
        student = TinyGPT(vocab, 64, 2, 4, 32)
        loss = train(student, [*human, *served[:rows]], args.student_steps or args.steps, 32, seed=2)
        samples = list(generate(student, prompts, SEQ, rng))
        closed = scheme.detect_scores(closed_pairs(scheme, samples), len(samples) * SEQ)
        opened = scheme.detect_scores(open_pairs(scheme, student, list(served)), served.size)
        budget = (
            budget_from_pilot(scheme, closed, 1e-5).tokens_needed if (closed.p_value or 1) < 0.01 else None
        )
        results[str(rho)] = {
            "student_final_loss": float(np.mean(loss[-20:])),
            "closed_p": closed.p_value,
            "closed_pairs": closed.tokens_scored,
            "closed_budget_tokens_p1e-5": budget,
            "open_p": opened.p_value,
            "open_pairs": opened.tokens_scored,
        }
        print(rho, json.dumps(results[str(rho)]), flush=True)
    results["wall_seconds"] = time.perf_counter() - started
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
