"""Prompt template fingerprint: a cheap hash of a slot-normalised prompt.

Campaigns fill one template with many questions; the fingerprint keeps what a template fixes (the system
text and the opening bytes of the first user turn, case and whitespace folded, digits folded to 0)
and drops the rest, where the slot usually is. Bytes rather than words, so that scripts written
without spaces (Chinese, Japanese) are cut the same way.
"""

from __future__ import annotations

import hashlib
import re

import orjson

_DIGITS = re.compile(r"\d+")
#: Bytes of UTF-8 kept: a byte budget keeps about as much of a CJK template (3 bytes a character, no
#: spaces) as of an English one.
HEAD_BYTES = 40
SYSTEM_BYTES = 160


def _text_of(message: dict) -> str:
    parts = message.get("parts")
    if isinstance(parts, list):
        return " ".join(
            p.get("content", "") for p in parts if isinstance(p, dict) and isinstance(p.get("content"), str)
        )
    content = message.get("content")
    return content if isinstance(content, str) else ""


def _head(text: str, budget: int) -> bytes:
    """The first `budget` bytes of the folded text (lower case, single spaces, digits as 0)."""
    folded = " ".join(_DIGITS.sub("0", text[: budget * 2].lower()).split())
    return folded.encode("utf-8")[:budget]


def parse_messages(messages: str | list | None) -> list | None:
    """The message list, or None when absent or not a JSON array (never raises)."""
    if messages is None or isinstance(messages, list):
        return messages
    try:
        value = orjson.loads(messages)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, list) else None


def fingerprint(messages: list) -> tuple[str | None, str | None, bool]:
    """(template fingerprint or None when there is no user text, system prompt fingerprint or None,
    whether the request is multi-turn). The system prompt alone is a second key: harnesses keep it fixed
    while the first user turn varies with the task."""
    system, user, multi = "", "", False
    for m in messages:
        if not isinstance(m, dict):
            continue
        role = m.get("role")
        if role == "system":
            system = _text_of(m)
        elif role == "user":
            if not user:
                user = _text_of(m)
        elif role == "assistant":
            multi = True
    sys_head = _head(system, SYSTEM_BYTES) if system else b""
    sys_fp = hashlib.blake2b(sys_head, digest_size=8).hexdigest() if sys_head else None
    if not user:
        return None, sys_fp, multi
    key = sys_head + b"\x1f" + _head(user, HEAD_BYTES)
    return hashlib.blake2b(key, digest_size=8).hexdigest(), sys_fp, multi
