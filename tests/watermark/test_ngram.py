"""The n-gram tier models: proper distributions, consistent teacher forcing, memorisation by order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from aisac.watermark.ngram import BigramLM, KGramLM, load_bigram, save_bigram


def mean_logprob(model, docs) -> float:
    total = count = 0
    for doc in docs:
        logits = model.sequence_logits(doc[:-1])
        total += logits[np.arange(len(doc) - 1), doc[1:]].sum()
        count += len(doc) - 1
    return total / count


@pytest.mark.parametrize("order", [2, 3, 5])
def test_kgram_is_a_distribution_and_consistent(human_docs, vocab, order) -> None:
    model = KGramLM(vocab, order=order).fit(human_docs[:300])
    doc = human_docs[5][:40]
    forced = model.sequence_logits(doc)
    stepwise = np.stack([model.next_logits(doc[None, : i + 1])[0] for i in range(len(doc))])
    assert np.allclose(forced, stepwise)
    assert np.allclose(np.exp(forced).sum(axis=1), 1.0)


def test_higher_order_memorises_its_training_text(human_docs, vocab) -> None:
    train, held_out = human_docs[:300], human_docs[300:400]
    bigram, five = BigramLM(vocab).fit(train), KGramLM(vocab, order=5).fit(train)
    assert mean_logprob(five, train) > mean_logprob(bigram, train) + 1.0
    assert abs(mean_logprob(five, held_out) - mean_logprob(bigram, held_out)) < 0.5


def test_bigram_file_round_trip(tmp_path: Path, human_docs, vocab) -> None:
    model = BigramLM(vocab).fit(human_docs[:50])
    save_bigram(model, str(tmp_path / "m.npz"))
    assert np.array_equal(load_bigram(str(tmp_path / "m.npz")).logp, model.logp)
    np.savez(tmp_path / "bad.npz", logp=np.zeros((3, 4)), beta=1.0)
    with pytest.raises(ValueError, match="field 'logp' must be a square matrix"):
        load_bigram(str(tmp_path / "bad.npz"))
