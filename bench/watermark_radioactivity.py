"""Radioactivity table on the n-gram tier: rho vs p per scheme and context width, closed and open mode.

    .venv/bin/python bench/watermark_radioactivity.py [--out bench/out/watermark_radioactivity.json]

Teacher: bigram on the first half of the shipped corpus, watermarked with each configuration. Student: an
order-5 model (a different kind and size) trained on the human second half (252k tokens) plus a share rho
of watermarked teacher outputs. Closed mode scores 100k tokens the student samples; open mode reads the
student's argmax on the watermarked outputs the lab served (teacher forcing). Budgets extrapolate the
lift each audit measured (docs/watermark.md says why that is optimistic at large budgets). One key per
configuration; the control row trains the student on the same share of *unwatermarked* teacher text.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from aisac.watermark.audit import budget_from_pilot, closed_pairs, open_pairs
from aisac.watermark.keys import generate_key
from aisac.watermark.model import corpus_tokens
from aisac.watermark.ngram import BigramLM, KGramLM, generate
from aisac.watermark.schemes import scheme_for
from aisac.watermark.tokenizer import project_codec

RHOS = [0.0, 0.005, 0.01, 0.02, 0.05, 0.10]
SEQ = 250
CONFIGS = {
    "kgw h=1": ("kgw", {"gamma": 0.25, "delta": 2.0, "context_width": 1}),
    "kgw h=4": ("kgw", {"gamma": 0.25, "delta": 2.0, "context_width": 4}),
    "gumbel h=1": ("gumbel", {"context_width": 1, "streams": 1}),
    "gumbel h=4": ("gumbel", {"context_width": 4, "streams": 1}),
    "tournament h=1": ("tournament", {"context_width": 1, "layers": 30}),
    "tournament h=4": ("tournament", {"context_width": 4, "layers": 30}),
}


def student_on(human: list[np.ndarray], extra: np.ndarray, rho: float, vocab: int) -> KGramLM:
    human_tokens = sum(len(d) for d in human)
    rows = round(rho * human_tokens / (1 - rho) / SEQ)
    return KGramLM(vocab, order=5).fit([*human, *extra[:rows]])


def audit_row(scheme, student, served: list[np.ndarray], prompts: np.ndarray, rng) -> dict:
    samples = list(generate(student, prompts, SEQ, rng))
    closed = scheme.detect_scores(closed_pairs(scheme, samples), len(samples) * SEQ)
    opened = scheme.detect_scores(open_pairs(scheme, student, served), len(served) * SEQ)
    return {
        "closed_p": closed.p_value,
        "closed_log10_p": closed.evidence["log10_p_value"],
        "closed_pairs": closed.tokens_scored,
        "closed_budget_tokens_p1e-5": budget(scheme, closed),
        "open_p": opened.p_value,
        "open_log10_p": opened.evidence["log10_p_value"],
        "open_pairs": opened.tokens_scored,
        "open_budget_tokens_p1e-5": budget(scheme, opened),
    }


def budget(scheme, found) -> int | None:
    """Tokens to query for p < 1e-5 at the lift this audit measured; None without a lift at p < 0.01."""
    if found.p_value is None or found.p_value >= 0.01:
        return None
    return budget_from_pilot(scheme, found, 1e-5).tokens_needed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path("bench/out/watermark_radioactivity.json"))
    args = parser.parse_args()
    docs = corpus_tokens()
    half = len(docs) // 2
    vocab = project_codec().vocab_size
    teacher = BigramLM(vocab).fit(docs[:half])
    human = docs[half:]
    rng = np.random.default_rng(0)
    teacher_prompts = np.stack([d[:1] for d in docs[:120]])
    student_prompts = np.stack([d[:4] for d in docs[half // 2 : half // 2 + 400]])
    results: dict[str, dict] = {}
    for label, (name, config) in CONFIGS.items():
        scheme = scheme_for(generate_key(name, **config))
        served = generate(teacher, teacher_prompts, SEQ, rng, scheme.logits_processor(rng))
        rows = {}
        for rho in RHOS:
            rows[str(rho)] = audit_row(
                scheme, student_on(human, served, rho, vocab), list(served), student_prompts, rng
            )
            print(label, rho, json.dumps(rows[str(rho)]), flush=True)
        clean = generate(teacher, teacher_prompts, SEQ, rng)
        rows["0.1 unwatermarked teacher"] = audit_row(
            scheme, student_on(human, clean, 0.1, vocab), list(served), student_prompts, rng
        )
        print(label, "control", json.dumps(rows["0.1 unwatermarked teacher"]), flush=True)
        results[label] = rows
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
