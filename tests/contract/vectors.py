"""The shared signal test vectors (vectors.json), for the contract, detect and enforce tests."""

from __future__ import annotations

import json
from pathlib import Path

VECTORS = json.loads((Path(__file__).parent / "vectors.json").read_text(encoding="utf-8"))
PROMPTS: list[dict] = VECTORS["prompts"]
BLOCKS: list[dict] = VECTORS["address_blocks"]
#: Address vectors that are valid addresses (what a checked log can hold).
VALID_BLOCKS = [b for b in BLOCKS if b["block"] is not None]
