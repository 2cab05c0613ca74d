"""Shared fixtures: a private cache, the project tokenizer and a teacher/human split of the corpus."""

from __future__ import annotations

import os

import numpy as np
import pytest


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Train the tokenizer and model into a temporary cache, as a fresh CI machine would."""
    os.environ["AISAC_CACHE"] = str(tmp_path_factory.mktemp("aisac-cache"))


@pytest.fixture(scope="session")
def corpus_docs() -> list[np.ndarray]:
    from aisac.watermark.model import corpus_tokens

    return corpus_tokens()


@pytest.fixture(scope="session")
def vocab() -> int:
    from aisac.watermark.tokenizer import project_codec

    return project_codec().vocab_size


@pytest.fixture(scope="session")
def teacher(corpus_docs: list[np.ndarray], vocab: int):
    """Bigram teacher on the first half of the corpus; the second half stays human text."""
    from aisac.watermark.ngram import BigramLM

    return BigramLM(vocab).fit(corpus_docs[: len(corpus_docs) // 2])


@pytest.fixture(scope="session")
def human_docs(corpus_docs: list[np.ndarray]) -> list[np.ndarray]:
    return corpus_docs[len(corpus_docs) // 2 :]


@pytest.fixture(scope="session")
def fixed_key():
    """`fixed_key(scheme, seed, **config)`: a key whose secrets derive from `seed`, so that the
    statistical tests give the same verdict on every run."""
    import dataclasses

    from aisac.watermark.keys import generate_key

    def make(scheme: str, seed: int, **config):
        secret, diversity = np.random.default_rng(seed).integers(0, 2**63, size=2)
        return dataclasses.replace(generate_key(scheme, **config), secret=int(secret), diversity_secret=int(diversity))

    return make
