"""Reading `{"id", "text"}` JSONL that other people wrote: good lines are kept, bad ones named by line."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TextRecord:
    line: int
    id: str | int
    text: str
    #: What the suspect was asked (closed-mode audits): the text continues it, and its own pairs are not scored.
    prompt: str | None = None


@dataclass(frozen=True)
class LineIssue:
    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: line {self.line}: {self.reason}"


def parse_line(raw: bytes, line: int) -> TextRecord | str:
    """One JSONL line to a record, or the rule it breaks."""
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not valid UTF-8 (byte {exc.start}: {raw[exc.start : exc.start + 1]!r})"
    try:
        doc = json.loads(decoded)
    except json.JSONDecodeError as exc:
        return f"not valid JSON ({exc.msg} at column {exc.colno})"
    if not isinstance(doc, dict):
        return "must be a JSON object with fields 'id' and 'text'"
    if "id" not in doc or not isinstance(doc["id"], str | int) or isinstance(doc["id"], bool):
        return "field 'id' must be a string or an integer"
    if not isinstance(doc.get("text"), str):
        return "field 'text' must be a string"
    if doc.get("prompt") is not None and not isinstance(doc["prompt"], str):
        return "field 'prompt' must be a string when present"
    return TextRecord(line, doc["id"], doc["text"], doc.get("prompt"))


def read_texts(path: Path) -> tuple[list[TextRecord], list[LineIssue]]:
    """All records of a JSONL file; blank lines are skipped, and each bad line becomes an issue."""
    records: list[TextRecord] = []
    issues: list[LineIssue] = []
    for number, raw in enumerate(path.read_bytes().split(b"\n"), start=1):
        if not raw.strip():
            continue
        parsed = parse_line(raw.rstrip(b"\r"), number)
        if isinstance(parsed, str):
            issues.append(LineIssue(str(path), number, parsed))
        else:
            records.append(parsed)
    return records, issues
