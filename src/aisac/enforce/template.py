"""The guard's prompt keys per request: template and system-prompt fingerprints, memoised.

The fingerprints are the shared signal definitions (`aisac.contract.signals`), the same the batch detector
computes in DuckDB; this module only makes them cheap on the request path.
"""

from __future__ import annotations

import orjson

from aisac.contract.signals import HEAD_BYTES, SEPARATOR, SYSTEM_BYTES, fold, message_text, short_hash


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
    """(folded head, fingerprint or None) of a system prompt, memoised on the opening `fold` reads."""
    raw = system[: SYSTEM_BYTES * 2]
    hit = _systems.get(raw)
    if hit is None:
        head = fold(raw, SYSTEM_BYTES)
        hit = (head, short_hash(head) if head else None)
        if len(_systems) >= MEMO_CAP:
            _systems.clear()
        _systems[raw] = hit
    return hit


def fingerprint(messages: list) -> tuple[str | None, str | None, bool]:
    """(template fingerprint or None when there is no user text, system prompt fingerprint or None,
    whether the request is multi-turn). The system prompt alone is a second key: harnesses keep it fixed
    while the first user turn varies with the task. Equal to `contract.signals.template_fingerprint` and
    `system_fingerprint` over `prompt_texts(messages)`, in one pass with memos."""
    system: str | None = None
    user: str | None = None
    multi = False
    for m in messages:
        if not isinstance(m, dict):
            continue
        role = m.get("role")
        if role == "system":
            if system is None:
                system = message_text(m)
        elif role == "user":
            if user is None:
                user = message_text(m)
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
        fp = short_hash(sys_head + SEPARATOR + fold(opening, HEAD_BYTES))
        if len(memo) >= MEMO_CAP:
            memo.clear()
        memo[opening] = fp
    return fp, sys_fp, multi
