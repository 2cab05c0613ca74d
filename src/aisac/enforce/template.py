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
        if len(parts) == 1:  # the usual shape, without the generator
            content = parts[0].get("content") if isinstance(parts[0], dict) else None
            return content if isinstance(content, str) else ""
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


#: Memo bounds: a pure function of the prompt's opening, and harnesses repeat their system prompt (and
#: often their opening) on every request, so most requests skip the folding and hashing. Small bounds:
#: clearing a memo costs one request a pause proportional to its size. Keys and values are strings and
#: bytes only, so the memos hold no object the garbage collector has to walk.
MEMO_CAP = 4096
_systems: dict[str, tuple[bytes, str | None]] = {}
_templates: dict[bytes, dict[str, str]] = {}


def _system_key(system: str) -> tuple[bytes, str | None]:
    """(folded head, fingerprint or None) of a system prompt, memoised on its raw opening."""
    raw = system[: SYSTEM_BYTES * 2]
    hit = _systems.get(raw)
    if hit is None:
        head = _head(raw, SYSTEM_BYTES)
        hit = (head, hashlib.blake2b(head, digest_size=8).hexdigest() if head else None)
        if len(_systems) >= MEMO_CAP:
            _systems.clear()
        _systems[raw] = hit
    return hit


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
    sys_head, sys_fp = _system_key(system) if system else (b"", None)
    if not user:
        return None, sys_fp, multi
    opening = user[: HEAD_BYTES * 2]
    memo = _templates.get(sys_head)
    if memo is None:
        if len(_templates) >= MEMO_CAP:
            _templates.clear()
        memo = _templates[sys_head] = {}
    fp = memo.get(opening)
    if fp is None:
        fp = hashlib.blake2b(sys_head + b"\x1f" + _head(opening, HEAD_BYTES), digest_size=8).hexdigest()
        if len(memo) >= MEMO_CAP:
            memo.clear()
        memo[opening] = fp
    return fp, sys_fp, multi
