"""Load Sigma rules for the `llm_api` log source and evaluate them over a log in one pass.

The processing step of the pipeline is a DuckDB view: `gen_ai.input.messages` is replaced by the decoded
text of every message part, so a rule's `contains` sees the words, not JSON escapes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb
import pyarrow as pa
import yaml
from sigma.collection import SigmaCollection
from sigma.exceptions import SigmaError

from aisac.detect.prompts import DECODED
from aisac.detect.sigma.backend import DuckDBBackend
from aisac.logs.checks import quote
from aisac.logs.schema import COLUMNS, MESSAGES

LOGSOURCE_PRODUCT = "llm_api"


class RuleError(ValueError):
    """A rule that cannot be used: names the file and what is wrong."""


@dataclass(frozen=True)
class SigmaRule:
    name: str
    title: str
    level: str
    tags: tuple[str, ...]
    condition: str  # DuckDB SQL over the rule view
    fields: frozenset[str]
    yaml: str


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")


def load_rules(paths: list[Path] | None = None) -> list[SigmaRule]:
    """The packaged starter rules, or the rules in the given files/directories."""
    if paths is None:
        folder = resources.files("aisac.detect.sigma") / "rules"
        files = sorted((f.name, f.read_text(encoding="utf-8")) for f in folder.iterdir() if f.name.endswith(".yml"))
    else:
        files = []
        for p in paths:
            for f in sorted(p.glob("*.yml")) if p.is_dir() else [p]:
                files.append((str(f), f.read_text(encoding="utf-8")))
    backend = DuckDBBackend()
    rules = []
    for name, text in files:
        try:
            collection = SigmaCollection.from_yaml(text)
            (rule,) = collection.rules
            if rule.logsource.product != LOGSOURCE_PRODUCT:
                raise RuleError(
                    f"{name}: logsource product must be {LOGSOURCE_PRODUCT!r}, got {rule.logsource.product!r}"
                )
            unknown = _fields(rule) - {c.name for c in COLUMNS}
            if unknown:
                raise RuleError(f"{name}: fields not in api-log-v1: {', '.join(sorted(unknown))}")
            (condition,) = backend.convert_rule(rule)
        except (SigmaError, yaml.YAMLError) as exc:
            raise RuleError(f"{name}: {exc}") from exc
        except ValueError as exc:
            if isinstance(exc, RuleError):
                raise
            raise RuleError(f"{name}: one rule per file expected ({exc})") from exc
        rules.append(
            SigmaRule(
                Path(name).stem,
                rule.title,
                str(rule.level.name).lower() if rule.level else "",
                tuple(str(t) for t in rule.tags),
                condition,
                frozenset(_fields(rule)),
                text,
            )
        )
    return rules


def _fields(rule) -> set[str]:
    fields: set[str] = set()
    for detection in rule.detection.detections.values():
        for item in detection.detection_items:
            if getattr(item, "field", None):
                fields.add(item.field)
    return fields


def rule_view_sql(rules: list[SigmaRule], source: str = "requests") -> str:
    """The columns the rules read, as rules see them: text lower-cased, messages decoded to plain text."""
    used = set().union(*(r.fields for r in rules)) if rules else set()
    texts = [c.name for c in COLUMNS if c.arrow_type == pa.string() and c.name in used and c.name != MESSAGES]
    replaced = [f"lower({quote(n)}) AS {quote(n)}" for n in texts]
    if MESSAGES in used:
        replaced.append(f"lower({DECODED}) AS {quote(MESSAGES)}")
    return f"SELECT * REPLACE ({', '.join(replaced)}) FROM {source}" if replaced else f"SELECT * FROM {source}"


def hits_per_account(con: duckdb.DuckDBPyConnection, rules: list[SigmaRule]) -> pa.Table:
    """`account_id`, then one column per rule: how many of the account's requests matched it."""
    counts = ", ".join(f"count(*) FILTER (coalesce({r.condition}, false)) AS {quote(r.name)}" for r in rules)
    view = rule_view_sql(rules)
    return con.sql(f'SELECT "account.id" AS account_id, {counts} FROM ({view}) GROUP BY 1').to_arrow_table()
