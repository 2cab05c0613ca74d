"""The shipped public-domain corpus (ten Shakespeare plays, see data/SOURCE.md) cut into documents."""

from __future__ import annotations

import gzip
import re
from functools import cache
from importlib import resources


@cache
def load_corpus() -> str:
    """The whole corpus as one string (1.27 MB)."""
    raw = resources.files("aisac.watermark").joinpath("data/shakespeare.txt.gz").read_bytes()
    return gzip.decompress(raw).decode("utf-8")


def documents(text: str, min_chars: int = 400) -> list[str]:
    """Consecutive paragraphs joined until each document holds at least `min_chars` characters.

    Documents follow the corpus order, so a prefix/suffix split keeps train and test text apart.
    """
    docs: list[str] = []
    current: list[str] = []
    size = 0
    for para in re.split(r"\n\s*\n", text):
        para = " ".join(para.split())
        if not para:
            continue
        current.append(para)
        size += len(para) + 1
        if size >= min_chars:
            docs.append("\n".join(current))
            current, size = [], 0
    return docs
