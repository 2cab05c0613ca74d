"""Named indicators from the policy (e.g. shared by other labs): exact values of one field, or substrings
of the user agent, looked up per request in O(1) dicts (the substring list is short by design)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aisac.enforce.policy import Policy


@dataclass
class Signatures:
    exact: dict[str, dict[str, str]] = field(default_factory=dict)
    ua_contains: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def of(cls, policy: Policy) -> Signatures:
        sigs = cls()
        for s in policy.signatures:
            for v in s.values:
                sigs.exact.setdefault(s.field, {})[v] = s.name
            sigs.ua_contains.extend((c, s.name) for c in s.contains)
        return sigs

    def hits(self, fields: dict[str, Any]) -> frozenset[str]:
        found = {
            names[v] for f, names in self.exact.items() if (v := fields.get(f)) is not None and v in names
        }
        ua = fields.get("user_agent")
        if ua:
            found.update(name for c, name in self.ua_contains if c in ua)
        return frozenset(found)
