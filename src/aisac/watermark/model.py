"""The project's own small model for `aisac watermark generate`: a bigram over the whole shipped corpus.

It is rebuilt from the corpus on first use (about a second) and cached beside the tokenizer.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from aisac.watermark.corpus import documents, load_corpus
from aisac.watermark.ngram import BigramLM, Processor, generate, load_bigram, save_bigram
from aisac.watermark.tokenizer import Codec, cache_dir, project_codec

PROMPT_TOKENS = 4


@cache
def corpus_tokens() -> list[np.ndarray]:
    """The shipped corpus as token-id documents."""
    return project_codec().encode_many(documents(load_corpus()))


@cache
def project_model() -> BigramLM:
    codec = project_codec()
    path = cache_dir() / f"bigram-{codec.fingerprint}.npz"
    if path.exists():
        return load_bigram(str(path))
    model = BigramLM(codec.vocab_size).fit(corpus_tokens())
    save_bigram(model, str(path))
    return model


def corpus_prompts(n: int, rng: np.random.Generator) -> np.ndarray:
    """`n` prompts: the first tokens of randomly chosen corpus documents."""
    docs = [d for d in corpus_tokens() if len(d) >= PROMPT_TOKENS]
    picks = rng.integers(len(docs), size=n)
    return np.stack([docs[i][:PROMPT_TOKENS] for i in picks])


def sample_texts(
    model: BigramLM,
    codec: Codec,
    n: int,
    tokens: int,
    rng: np.random.Generator,
    processor: Processor | None = None,
) -> list[str]:
    """`n` texts of `tokens` new tokens each after corpus prompts, optionally watermarked."""
    return codec.decode_many(generate(model, corpus_prompts(n, rng), tokens, rng, processor))
