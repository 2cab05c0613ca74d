"""The guard computes the shared signals (tests/contract/vectors.json) as the batch detector does."""

from __future__ import annotations

import pytest

from aisac.enforce.links import LinkGraph
from aisac.enforce.policy import Links
from aisac.enforce.template import fingerprint, parse_messages
from tests.contract.vectors import BLOCKS, PROMPTS


@pytest.mark.parametrize("v", PROMPTS, ids=[v["name"] for v in PROMPTS])
def test_guard_gives_the_prompt_vectors(v) -> None:
    messages = parse_messages(v["messages"])
    assert messages is not None
    for _ in range(2):  # the second time from the memos
        template, system, _ = fingerprint(messages)
        assert (template, system) == (v["template"], v["system_prompt"])


def test_guard_gives_the_block_vectors() -> None:
    graph = LinkGraph(Links())
    for _ in range(2):
        assert [graph.block(b["address"]) for b in BLOCKS] == [b["block"] for b in BLOCKS]
