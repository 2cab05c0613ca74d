"""Signals the batch detector (DuckDB, `aisac detect`) and the streaming guard (Python, `aisac guard`) share.

Each is defined once here, as a Python function for the guard's request path and as a DuckDB SQL expression
for the detector's scans; `tests/contract/vectors.json` holds test vectors that both must pass.

- Address block: the IPv4 /24 or IPv6 /48 holding a client address.
- Prompt texts: of a request's messages (the OpenTelemetry form of `gen_ai.input.messages`), the first system
  message's and the first user message's text; a message's text is its parts' string `content`s joined by
  one space (or its own string `content` when it has no `parts` list).
- Fingerprints: text is folded (only the first 2 x budget characters read; ASCII digit runs to `0`, ASCII
  letters to lower case, runs of ASCII white space to one space, trimmed) and cut to a UTF-8 byte budget
  (bytes, so that CJK text without spaces keeps about as much of a template as English), then hashed
  (SHA-256, first 16 hex digits). The system-prompt fingerprint covers the system text's first 160 bytes;
  the template fingerprint the system head, a 0x1f byte and the user text's first 40 bytes: a template fixes
  its opening, the slot usually comes later. Folding is ASCII-only because it must give the same bytes in
  Python and in DuckDB, whose Unicode case tables differ.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import string

V4_PREFIX = 24
V6_PREFIX = 48
SYSTEM_BYTES = 160
HEAD_BYTES = 40
SEPARATOR = b"\x1f"
HASH_HEX = 16

_DIGITS = re.compile(r"[0-9]+")
_SPACE = re.compile(r"[ \t\n\r\x0b\x0c]+")
_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def address_block(address: str) -> str | None:
    """The /24 (IPv4) or /48 (IPv6) network holding `address`, as text; None when it is not an address."""
    parts = address.split(".")
    if len(parts) == 4 and all(p.isdigit() and p.isascii() and len(p) <= 3 and int(p) < 256 for p in parts):
        return f"{int(parts[0])}.{int(parts[1])}.{int(parts[2])}.0/{V4_PREFIX}"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    return str(ipaddress.ip_network(f"{ip}/{V4_PREFIX if ip.version == 4 else V6_PREFIX}", strict=False))


def address_block_v4_sql(address_sql: str) -> str:
    """SQL: the /24 of a dotted-quad IPv4 text (the caller keeps IPv6 apart: DuckDB has no IPv6 network type
    without an extension, so the detector maps its few distinct IPv6 addresses with `address_block`)."""
    octet = [f"split_part({address_sql}, '.', {i})::INTEGER" for i in (1, 2, 3)]
    return f"printf('%d.%d.%d.0/{V4_PREFIX}', {', '.join(octet)})"


def message_text(message: object) -> str:
    """A message's text: its parts' string contents joined by a space, else its own string content."""
    if not isinstance(message, dict):
        return ""
    parts = message.get("parts")
    if isinstance(parts, list):
        return " ".join(p["content"] for p in parts if isinstance(p, dict) and isinstance(p.get("content"), str))
    content = message.get("content")
    return content if isinstance(content, str) else ""


def prompt_texts(messages: list) -> tuple[str, str]:
    """(first system message's text, first user message's text); "" where there is none."""
    system = user = None
    for m in messages:
        if isinstance(m, dict):
            role = m.get("role")
            if role == "system" and system is None:
                system = message_text(m)
            elif role == "user" and user is None:
                user = message_text(m)
    return system or "", user or ""


def fold(text: str, budget: int) -> bytes:
    """The folded opening of `text`, cut to `budget` UTF-8 bytes."""
    folded = _SPACE.sub(" ", _DIGITS.sub("0", text[: budget * 2]).translate(_LOWER)).strip(" ")
    return folded.encode("utf-8")[:budget]


def short_hash(data: bytes) -> str:
    """The first 16 hex digits of the SHA-256 of `data`."""
    return hashlib.sha256(data).hexdigest()[:HASH_HEX]


def system_fingerprint(system: str) -> str | None:
    """Fingerprint of a system prompt; None when it folds to nothing."""
    head = fold(system, SYSTEM_BYTES)
    return short_hash(head) if head else None


def template_fingerprint(system: str, user: str) -> str | None:
    """Fingerprint of a prompt template (system head + user opening); None without user text."""
    if not user:
        return None
    return short_hash(fold(system, SYSTEM_BYTES) + SEPARATOR + fold(user, HEAD_BYTES))


# --- the same in DuckDB SQL -------------------------------------------------------------------------------


def first_message_sql(messages_sql: str, role: str) -> str:
    """SQL: the first message (JSON) with `role` of a messages JSON text; NULL when there is none."""
    of_role = f"lambda m: json_extract_string(m, '$.role') = '{role}'"
    return f"list_filter(json_extract({messages_sql}, '$[*]'), {of_role})[1]"


def message_text_sql(message_sql: str) -> str:
    """SQL: `message_text` of a message JSON (NULL for a NULL message)."""
    contents = (
        f"list_transform(list_filter(json_extract({message_sql}, '$.parts[*]'), "
        "lambda p: json_type(p, '$.content') = 'VARCHAR'), lambda p: json_extract_string(p, '$.content'))"
    )
    return (
        f"CASE WHEN {message_sql} IS NULL THEN NULL "
        f"WHEN json_type({message_sql}, '$.parts') = 'ARRAY' THEN array_to_string({contents}, ' ') "
        f"WHEN json_type({message_sql}, '$.content') = 'VARCHAR' THEN json_extract_string({message_sql}, '$.content') "
        "ELSE '' END"
    )


def fold_sql(text_sql: str, budget: int) -> str:
    """SQL: `fold` as a BLOB."""
    digits = f"regexp_replace(left({text_sql}, {budget * 2}), '[0-9]+', '0', 'g')"
    lower = f"translate({digits}, '{string.ascii_uppercase}', '{string.ascii_lowercase}')"
    spaced = f"trim(regexp_replace({lower}, '[ \\t\\n\\r\\x0b\\x0c]+', ' ', 'g'), ' ')"
    return f"encode({spaced})[1:{budget}]"


def system_fingerprint_sql(system_sql: str) -> str:
    """SQL: `system_fingerprint` (NULL for no system text)."""
    head = fold_sql(system_sql, SYSTEM_BYTES)
    return f"CASE WHEN octet_length({head}) > 0 THEN left(sha256({head}), {HASH_HEX}) END"


def template_fingerprint_sql(system_sql: str, user_sql: str) -> str:
    """SQL: `template_fingerprint` (NULL for no user text)."""
    head = f"coalesce({fold_sql(system_sql, SYSTEM_BYTES)}, ''::BLOB)"
    data = f"{head} || '\\x1F'::BLOB || {fold_sql(user_sql, HEAD_BYTES)}"
    return f"CASE WHEN {user_sql} <> '' THEN left(sha256({data}), {HASH_HEX}) END"
