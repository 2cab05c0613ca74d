"""What a public report may say: small cells suppressed, only TLP:CLEAR quoted, and a final leak check.

Rules (docs/report.md): counts under MIN_CELL are shown as SUPPRESSED, in the HTML/PDF and in report.json
alike; RED and AMBER+STRICT objects never enter a public report, not even as a count; GREEN and AMBER objects
are only counted; TLP:CLEAR objects of descriptive types may be quoted (name, description) with addresses,
account ids, e-mail addresses and key-like tokens withheld. Before anything is written, `assert_clean` looks
for every string the report had no right to quote in the rendered text and refuses the report if one is there.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import Any

from aisac.contract.stix import Tlp
from aisac.hub.tlp import level_of

MIN_CELL = 5
SUPPRESSED = "fewer than 5"
Cell = int | str
#: Objects whose name and description a public report may quote when they are TLP:CLEAR. Campaigns,
#: indicators, infrastructure, observations and identities describe accounts, networks and labs: never quoted.
QUOTABLE_TYPES = ("report", "attack-pattern", "course-of-action", "malware", "tool", "vulnerability", "note")
#: Strings shorter than this are ordinary words; the leak check looks for longer ones.
MIN_SECRET = 8
WITHHELD = "[withheld]"
_SECRETS = [
    re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?\b"),  # IPv4 address or block
    re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"),  # e-mail address
    re.compile(r"\bacct_[0-9a-zA-Z]+\b"),  # account id
    re.compile(r"\b(?:sk|aisac|key|tok)[-_][A-Za-z0-9_-]{8,}\b"),  # API key
    re.compile(r"\b[A-Za-z0-9+/_-]{24,}={0,2}"),  # long hex/base64 token
]


# anything with two colons made of hex digits, dots and colons, checked by ipaddress (covers "::1", "fe80::/10")
_IPV6 = re.compile(r"[0-9A-Fa-f.]*:[0-9A-Fa-f.:]*:[0-9A-Fa-f.]*(?:/\d{1,3})?")


class LeakError(RuntimeError):
    """The rendered report contains something it must not; nothing is written."""


def cell(n: int) -> Cell:
    """A count as published: itself when at least MIN_CELL, else SUPPRESSED."""
    return n if n >= MIN_CELL else SUPPRESSED


def publishable(obj: dict[str, Any]) -> bool:
    """Whether an object may count towards a public report at all (RED and AMBER+STRICT may not)."""
    return level_of(obj) <= Tlp.AMBER


def quotable(obj: dict[str, Any]) -> bool:
    """Whether a report may quote the object's name and description."""
    return obj.get("type") in QUOTABLE_TYPES and level_of(obj) == Tlp.CLEAR


def _ipv6(match: re.Match[str]) -> str:
    try:
        ipaddress.ip_network(match.group(0), strict=False)
    except ValueError:
        return match.group(0)
    return WITHHELD


def scrub(text: str) -> str:
    """Text with addresses, blocks, account ids, e-mail addresses and key-like tokens withheld."""
    text = _IPV6.sub(_ipv6, text)
    for pattern in _SECRETS:
        text = pattern.sub(WITHHELD, text)
    return text


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def secrets_of(objects: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Strings a public report must not contain, each with where it came from ("id field").

    Of every object that is not quotable: its id and every string it carries. Of quotable ones: patterns,
    values and custom properties (the quoted text itself is scrubbed, so it cannot carry them).
    """
    out: dict[str, str] = {}
    for obj in objects:
        if obj.get("type") == "marking-definition":  # handling vocabulary (TLP:AMBER ...), not intelligence
            continue
        fields = (
            obj.items() if not quotable(obj) else [(k, v) for k, v in obj.items() if k not in ("name", "description")]
        )
        for key, value in fields:
            if key in ("type", "spec_version", "created", "modified", "object_marking_refs", "created_by_ref"):
                continue
            for s in _strings(value):
                if len(s.strip()) >= MIN_SECRET:
                    out.setdefault(s.strip(), f"{obj.get('id', '?')} {key}")
    return out


def assert_clean(text: str, secrets: dict[str, str], allowed: Iterable[str] = ()) -> None:
    """Refuse a rendered report that contains any secret not explicitly allowed (public vocabulary, lab names,
    the names of actors cleared for naming)."""
    allow = set(allowed)
    leaks = [(s, where) for s, where in secrets.items() if s not in allow and s in text]
    if leaks:
        shown = "; ".join(f"{where} ({s[:40]!r})" for s, where in leaks[:5])
        raise LeakError(f"the report would disclose {len(leaks)} protected string(s): {shown}")
