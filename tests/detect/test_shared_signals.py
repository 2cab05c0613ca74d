"""The batch detector computes the shared signals (tests/contract/vectors.json) as the guard does."""

from __future__ import annotations

from aisac.detect.features import prepare
from aisac.logs.reader import read_log
from tests.conftest import line, record
from tests.contract.vectors import PROMPTS, VALID_BLOCKS


def test_detect_gives_the_vectors(tmp_path) -> None:
    """One account per vector, one request each (so each is in the content sample), through `prepare`."""
    records = [
        record({"account.id": f"p{i}", "gen_ai.input.messages": v["messages"]}) for i, v in enumerate(PROMPTS)
    ] + [record({"account.id": f"b{i}", "client.address": b["address"]}) for i, b in enumerate(VALID_BLOCKS)]
    (tmp_path / "log.jsonl").write_text("".join(line(r) + "\n" for r in records), encoding="utf-8")
    log = read_log([tmp_path / "log.jsonl"])
    assert log.rejected == 0
    prepare(log.con, [], {"gen_ai.input.messages"})
    keys = dict(log.con.sql("SELECT account, (template, system_prompt) FROM _content").fetchall())
    for i, v in enumerate(PROMPTS):
        assert keys[f"p{i}"] == (v["template"], v["system_prompt"]), v["name"]
    blocks = dict(log.con.sql("SELECT account, block FROM _req").fetchall())
    for i, b in enumerate(VALID_BLOCKS):
        assert blocks[f"b{i}"] == b["block"], b
