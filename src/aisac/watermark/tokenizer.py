"""A byte-level BPE tokenizer trained locally on the shipped corpus and cached on disk.

Byte-level BPE reads any UTF-8 text (other people's texts go to `detect`), and training takes about a
second, so the tokenizer is rebuilt rather than shipped; the cache file name carries the corpus hash.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from aisac.watermark.corpus import load_corpus

DEFAULT_VOCAB = 1024


def cache_dir() -> Path:
    """`$AISAC_CACHE/watermark` or `~/.cache/aisac/watermark`."""
    root = Path(os.environ.get("AISAC_CACHE", Path.home() / ".cache" / "aisac"))
    path = root / "watermark"
    path.mkdir(parents=True, exist_ok=True)
    return path


def train_bpe(text: str, vocab_size: int) -> Tokenizer:
    """Train a byte-level BPE on `text` (deterministic for a given text and size)."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    tok.train_from_iterator(text.splitlines(keepends=True), trainer=trainer)
    return tok


class Codec:
    """Text to token ids and back, as numpy arrays."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        self.tokenizer = tokenizer
        self.vocab_size = tokenizer.get_vocab_size()
        self.fingerprint = hashlib.sha256(tokenizer.to_str().encode()).hexdigest()[:16]

    def encode_many(self, texts: list[str]) -> list[np.ndarray]:
        return [np.asarray(e.ids, dtype=np.int64) for e in self.tokenizer.encode_batch(texts)]

    def decode_many(self, rows: np.ndarray) -> list[str]:
        return self.tokenizer.decode_batch([[int(i) for i in row] for row in rows])


@cache
def project_codec(vocab_size: int = DEFAULT_VOCAB) -> Codec:
    """The project's tokenizer for `vocab_size`, trained once and then read from the cache."""
    text = load_corpus()
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    path = cache_dir() / f"bpe-{digest}-{vocab_size}.json"
    if path.exists():
        return Codec(Tokenizer.from_file(str(path)))
    tok = train_bpe(text, vocab_size)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tok.save(str(tmp))
    tmp.replace(path)
    return Codec(tok)
