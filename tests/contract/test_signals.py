"""The shared signals: the Python and the DuckDB definitions give the vectors, and agree on any input."""

from __future__ import annotations

import json

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aisac.contract import signals
from tests.contract.vectors import BLOCKS, PROMPTS, VALID_BLOCKS


def _sql_keys(messages: list[str]) -> list[tuple]:
    """(system text, user text, system fingerprint, template fingerprint) per messages JSON, in DuckDB."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, m VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(messages)))
    system = signals.message_text_sql(signals.first_message_sql("m", "system"))
    user = signals.message_text_sql(signals.first_message_sql("m", "user"))
    return con.sql(
        f"""SELECT {system}, {user}, {signals.system_fingerprint_sql(system)},
                   {signals.template_fingerprint_sql(system, user)} FROM t ORDER BY i"""
    ).fetchall()


@pytest.mark.parametrize("v", PROMPTS, ids=[v["name"] for v in PROMPTS])
def test_python_gives_the_prompt_vectors(v) -> None:
    system, user = signals.prompt_texts(json.loads(v["messages"]))
    assert (system, user) == (v["system_text"], v["user_text"])
    assert signals.system_fingerprint(system) == v["system_prompt"]
    assert signals.template_fingerprint(system, user) == v["template"]


def test_duckdb_gives_the_prompt_vectors() -> None:
    got = _sql_keys([v["messages"] for v in PROMPTS])
    for v, (system, user, system_fp, template_fp) in zip(PROMPTS, got, strict=True):
        assert (system or "", user or "") == (v["system_text"], v["user_text"]), v["name"]
        assert (system_fp, template_fp) == (v["system_prompt"], v["template"]), v["name"]


def test_vectors_show_what_folds_together_and_what_does_not() -> None:
    by_name = {v["name"]: v for v in PROMPTS}
    same = ("spec form: system and user", "digits fold to one zero", "case and white space fold")
    assert len({by_name[n]["template"] for n in same}) == 1
    assert by_name["long system prompt read to its first 160 bytes"]["template"] == (
        by_name["long system prompt, other tail, same key"]["template"]
    )
    assert by_name["empty user text has no template"]["template"] is None


def test_address_block_vectors_in_python_and_duckdb() -> None:
    for b in BLOCKS:
        assert signals.address_block(b["address"]) == b["block"], b
    con = duckdb.connect()
    v4 = [b for b in VALID_BLOCKS if ":" not in b["address"]]
    got = [con.execute(f"SELECT {signals.address_block_v4_sql('$a')}", {"a": b["address"]}).fetchone()[0] for b in v4]
    assert got == [b["block"] for b in v4]


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=400)
_PART = st.one_of(
    st.builds(lambda t: {"type": "text", "content": t}, _TEXT),
    st.just({"type": "image"}),
    st.integers().map(lambda n: {"content": n}),
    _TEXT,
)
_MESSAGE = st.one_of(
    st.builds(lambda r, ps: {"role": r, "parts": ps}, st.sampled_from(["system", "user", "assistant", "tool"]),
              st.lists(_PART, max_size=3)),
    st.builds(lambda r, t: {"role": r, "content": t}, st.sampled_from(["system", "user"]), _TEXT),
    st.integers(),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_MESSAGE, max_size=4), min_size=1, max_size=8))
def test_python_and_duckdb_agree_on_any_messages(batch) -> None:
    texts = [json.dumps(m, ensure_ascii=bool(i % 2)) for i, m in enumerate(batch)]
    for m, (system, user, system_fp, template_fp) in zip(batch, _sql_keys(texts), strict=True):
        py_system, py_user = signals.prompt_texts(m)
        assert (system or "", user or "") == (py_system, py_user)
        assert system_fp == signals.system_fingerprint(py_system)
        assert template_fp == signals.template_fingerprint(py_system, py_user)


@settings(max_examples=200, deadline=None)
@given(st.tuples(*[st.integers(0, 255)] * 4))
def test_ipv4_block_agrees(octets) -> None:
    address = ".".join(map(str, octets))
    sql = duckdb.connect().execute(f"SELECT {signals.address_block_v4_sql('$a')}", {"a": address}).fetchone()[0]
    assert sql == signals.address_block(address)
