"""The Sigma backend compiles rules to DuckDB SQL whose matches agree with Sigma's semantics."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sigma.collection import SigmaCollection

from aisac.detect.sigma.backend import DuckDBBackend
from aisac.detect.sigma.engine import LOGSOURCE_PRODUCT, RuleError, load_rules
from aisac.logs.schema import BY_NAME

RULE = """
title: t
logsource: {{product: llm_api}}
detection:
  sel:
{items}
  condition: {condition}
"""


def _matches(rows: list[dict], items: str, condition: str = "sel") -> list[int]:
    (rule,) = SigmaCollection.from_yaml(RULE.format(items=items, condition=condition)).rules
    (sql,) = DuckDBBackend().convert_rule(rule)
    con = duckdb.connect()
    con.register("t", pa.Table.from_pylist(rows))
    return [r[0] for r in con.execute(f"SELECT i FROM t WHERE {sql} ORDER BY i").fetchall()]


ROWS = [
    {"i": 0, "msg": "please think STEP BY STEP", "n": 100},
    {"i": 1, "msg": "step by step is how I work", "n": 9000},
    {"i": 2, "msg": "a poem about stepping", "n": 8192},
    {"i": 3, "msg": "it's a quote: 'step by step'", "n": 1},
]


def test_contains_is_case_insensitive():
    # The rule view lower-cases text; the backend lower-cases values. Here we lower-case the table ourselves.
    rows = [{**r, "msg": r["msg"].lower()} for r in ROWS]
    assert _matches(rows, "    msg|contains: Step By Step") == [0, 1, 3]


def test_startswith_endswith_and_numeric_comparison():
    rows = [{**r, "msg": r["msg"].lower()} for r in ROWS]
    assert _matches(rows, "    msg|startswith: step") == [1]
    assert _matches(rows, "    msg|endswith: stepping") == [2]
    assert _matches(rows, "    n|gte: 8192") == [1, 2]
    assert _matches(rows, "    msg|contains: step\n    n|lt: 1000") == [0, 3]


def test_single_quotes_in_values_are_escaped():
    rows = [{**r, "msg": r["msg"].lower()} for r in ROWS]
    assert _matches(rows, '    msg|contains: "quote: \'step"') == [3]


@settings(max_examples=60, deadline=None)
@given(
    needle=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12),
    haystack=st.lists(st.text(max_size=30), min_size=1, max_size=6),
)
def test_contains_agrees_with_python(needle, haystack):
    """Whatever the text (quotes, %, _, backslashes, Unicode), SQL `contains` matches exactly Python's `in`."""
    if needle.strip() != needle or any(c in needle for c in "*?\\"):
        return  # Sigma wildcards and escapes have their own meaning; surrounding blanks are YAML's business
    rows = [{"i": i, "msg": h.lower()} for i, h in enumerate(haystack)]
    quoted = needle.replace("'", "''")
    expected = [i for i, h in enumerate(haystack) if needle.lower() in h.lower()]
    assert _matches(rows, f"    msg|contains: '{quoted}'") == expected


def test_packaged_rules_are_llm_api_rules_over_spec_fields():
    rules = load_rules()
    assert len(rules) >= 5
    for rule in rules:
        assert rule.fields <= set(BY_NAME), rule.name
        assert f"product: {LOGSOURCE_PRODUCT}" in rule.yaml


def test_bad_rules_name_the_file_and_the_problem(tmp_path):
    wrong_source = tmp_path / "wrong.yml"
    wrong_source.write_text(RULE.format(items="    msg: x", condition="sel").replace("llm_api", "windows"))
    with pytest.raises(RuleError, match=r"wrong\.yml: logsource product must be 'llm_api'"):
        load_rules([wrong_source])
    unknown_field = tmp_path / "field.yml"
    unknown_field.write_text(RULE.format(items="    prompt_text|contains: x", condition="sel"))
    with pytest.raises(RuleError, match=r"field\.yml: fields not in api-log-v1: prompt_text"):
        load_rules([unknown_field])
    broken = tmp_path / "broken.yml"
    broken.write_text("title: [unclosed\n")
    with pytest.raises(RuleError, match=r"broken\.yml"):
        load_rules([broken])
