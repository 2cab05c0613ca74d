"""Attacks, reported not hidden: paraphrase by a second model, and continued clean training of a student.

    .venv/bin/python bench/watermark_attacks.py [--out bench/out/watermark_attacks.json]

Paraphrase: each token of a 200-token watermarked generation is, with probability eps, replaced by a
sample from a second model (order-5 model on the human half) given the already-rewritten prefix; we report
the share still detected at p < 1e-4. Continued training: an order-5 student trained on the human half plus
10% watermarked teacher text then keeps training on clean human text (the corpus's first half) amounting to
a fraction f of its original data; we report closed- and open-mode p-values.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from aisac.watermark.audit import closed_pairs, open_pairs
from aisac.watermark.base import log_softmax
from aisac.watermark.keys import generate_key
from aisac.watermark.model import corpus_tokens
from aisac.watermark.ngram import BigramLM, KGramLM, LanguageModel, generate
from aisac.watermark.schemes import scheme_for
from aisac.watermark.tokenizer import project_codec

CONFIGS = {
    "kgw h=1": ("kgw", {"gamma": 0.25, "delta": 2.0, "context_width": 1}),
    "kgw h=4": ("kgw", {"gamma": 0.25, "delta": 2.0, "context_width": 4}),
    "gumbel h=4": ("gumbel", {"context_width": 4, "streams": 1}),
    "tournament h=4": ("tournament", {"context_width": 4, "layers": 30}),
}
EPS = [0.0, 0.1, 0.2, 0.3, 0.5]
FRACTIONS = [0.0, 0.25, 0.5, 0.9]
SEQ = 250


def paraphrase(rows: np.ndarray, model: LanguageModel, eps: float, rng: np.random.Generator) -> np.ndarray:
    out = rows[:, :1].copy()
    for t in range(1, rows.shape[1]):
        logp = log_softmax(model.next_logits(out))
        sampled = np.argmax(logp + rng.gumbel(size=logp.shape), axis=-1)
        chosen = np.where(rng.random(len(rows)) < eps, sampled, rows[:, t])
        out = np.concatenate([out, chosen[:, None]], axis=1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path("bench/out/watermark_attacks.json"))
    args = parser.parse_args()
    docs = corpus_tokens()
    half = len(docs) // 2
    vocab = project_codec().vocab_size
    teacher = BigramLM(vocab).fit(docs[:half])
    human, clean_extra = docs[half:], docs[:half]
    second = KGramLM(vocab, order=5).fit(human)
    rng = np.random.default_rng(1)
    results: dict[str, dict] = {}
    for label, (name, config) in CONFIGS.items():
        scheme = scheme_for(generate_key(name, **config))
        rows = generate(teacher, np.stack([d[:4] for d in docs[:200]]), 200, rng, scheme.logits_processor(rng))
        para = {}
        for eps in EPS:
            attacked = paraphrase(rows, second, eps, rng)
            p = np.array([scheme.detect(r).p_value for r in attacked])
            para[str(eps)] = {
                "detected_share_p1e-4": float(np.mean(p < 1e-4)),
                "median_p": float(np.median(p)),
            }
            print(label, "paraphrase", eps, para[str(eps)], flush=True)
        served = generate(teacher, np.stack([d[:1] for d in docs[:120]]), SEQ, rng, scheme.logits_processor(rng))
        n_wm = round(0.1 * sum(map(len, human)) / 0.9 / SEQ)
        base = [*human, *served[:n_wm]]
        base_tokens = sum(map(len, base))
        finetune = {}
        for frac in FRACTIONS:
            extra, size = [], 0
            for d in clean_extra:
                if size >= frac * base_tokens:
                    break
                extra.append(d)
                size += len(d)
            student = KGramLM(vocab, order=5).fit([*base, *extra])
            samples = list(generate(student, np.stack([d[:4] for d in human[:400]]), SEQ, rng))
            closed = scheme.detect_scores(closed_pairs(scheme, samples), len(samples) * SEQ)
            opened = scheme.detect_scores(open_pairs(scheme, student, list(served)), len(served) * SEQ)
            finetune[str(frac)] = {
                "clean_tokens": size,
                "closed_p": closed.p_value,
                "open_p": opened.p_value,
                "open_log10_p": opened.evidence["log10_p_value"],
            }
            print(label, "clean training", frac, finetune[str(frac)], flush=True)
        results[label] = {"paraphrase": para, "continued_clean_training": finetune}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
