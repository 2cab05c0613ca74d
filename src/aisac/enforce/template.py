"""Prompt template fingerprint: a cheap hash of a slot-normalised prompt.

Campaigns fill one template with many questions; the fingerprint keeps the template (system text, the
first and last words of the user turn, digits folded to 0) and drops the slot in the middle, so requests
built from one template share a fingerprint while free-form prompts almost never do.
"""

from __future__ import annotations

import hashlib
import re

import orjson

_DIGITS = re.compile(r"\d+")
HEAD_WORDS = 6
TAIL_WORDS = 3
SYSTEM_CHARS = 80


def _text_of(message: dict) -> str:
    parts = message.get("parts")
    if isinstance(parts, list):
        return " ".join(
            p.get("content", "") for p in parts if isinstance(p, dict) and isinstance(p.get("content"), str)
        )
    content = message.get("content")
    return content if isinstance(content, str) else ""


def parse_messages(messages: str | list | None) -> list | None:
    """The message list, or None when absent or not a JSON array (never raises)."""
    if messages is None or isinstance(messages, list):
        return messages
    try:
        value = orjson.loads(messages)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, list) else None


def fingerprint(messages: list) -> tuple[str | None, bool]:
    """(template fingerprint or None when there is no user text, whether the request is multi-turn)."""
    system, user, multi = "", "", False
    for m in messages:
        if not isinstance(m, dict):
            continue
        role = m.get("role")
        if role == "system":
            system = _text_of(m)
        elif role == "user":
            user = _text_of(m)
        elif role == "assistant":
            multi = True
    if not user:
        return None, multi
    words = _DIGITS.sub("0", user.lower()).split()
    if len(words) > HEAD_WORDS + TAIL_WORDS:
        words = [*words[:HEAD_WORDS], "…", *words[-TAIL_WORDS:]]
    key = _DIGITS.sub("0", system[:SYSTEM_CHARS].lower()) + "\x1f" + " ".join(words)
    return hashlib.blake2b(key.encode(), digest_size=8).hexdigest(), multi
