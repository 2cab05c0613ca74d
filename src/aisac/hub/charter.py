"""The working group's charter: the labs, the members who chair for each, and when each chair's term runs.

The pact's joint analysis is done by a rotating working group with staff from every lab. The charter is a
YAML file:

    name: Frontier Model Forum technical working group
    term_months: 6
    labs:
      - lab: openai                 # the lab's member name at the hub
        chairs:                     # in rotation order
          - {member: openai-chair-1, term_starts: 2026-04-06}
          - {member: openai-chair-2, term_starts: 2026-10-06}

A term runs from 00:00 UTC on `term_starts` for `term_months` calendar months. Terms of one lab may not
overlap, one member chairs for one lab only, and no two labs' terms start on the same day (terms are
staggered, so the group never changes all its chairs at once). The hub, given the charter, refuses a chair
member the charter names outside its terms (docs/forum.md).
"""

from __future__ import annotations

import calendar
import itertools
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from aisac.hub.ownership import WORKING_GROUP_IDENTITY

TERM_MONTHS = 6
#: The working group's STIX identity: objects created by it may only come from a chair (hub.ownership).
WORKING_GROUP_ID = WORKING_GROUP_IDENTITY
WORKING_GROUP_NAME = "Forum technical working group"


class CharterError(ValueError):
    """A charter that breaks a rule; the message names the file, the entry and the rule."""


@dataclass(frozen=True)
class Term:
    """One chair's term for one lab: from `start` (inclusive) to `end` (exclusive), UTC days."""

    lab: str
    member: str
    start: date
    end: date

    def covers(self, when: date) -> bool:
        return self.start <= when < self.end


@dataclass(frozen=True)
class Charter:
    """The group's name and every term of every lab, in order."""

    name: str
    labs: tuple[str, ...]
    terms: tuple[Term, ...]

    def current(self, lab: str, when: date) -> Term | None:
        """The lab's chair term on `when`, if any."""
        return next((t for t in self.terms if t.lab == lab and t.covers(when)), None)

    def upcoming(self, lab: str, when: date) -> Term | None:
        """The lab's next term starting after `when`, if the charter has one."""
        later = [t for t in self.terms if t.lab == lab and t.start > when]
        return min(later, key=lambda t: t.start) if later else None

    def names(self, member: str) -> bool:
        return any(t.member == member for t in self.terms)

    def refusal(self, member: str, when: date) -> str | None:
        """Why a member the charter names may not act as chair on `when` (None when it may, or is not named)."""
        mine = [t for t in self.terms if t.member == member]
        if not mine or any(t.covers(when) for t in mine):
            return None
        past = [t for t in mine if t.end <= when]
        if past:
            last = max(past, key=lambda t: t.end)
            return f"chair term of {member!r} for {last.lab} ended on {last.end.isoformat()}"
        first = min(mine, key=lambda t: t.start)
        return f"chair term of {member!r} for {first.lab} starts on {first.start.isoformat()}"


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later (clamped to the month's last day)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _day(value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CharterError(f"{where}: term_starts must be a date YYYY-MM-DD, got {value!r}") from None


def parse_charter(data: Any, source: str = "charter") -> Charter:
    """A Charter from parsed YAML; CharterError names the entry and the rule it breaks."""
    if not isinstance(data, dict) or not isinstance(data.get("labs"), list) or not data["labs"]:
        raise CharterError(f"{source}: expected a mapping with a non-empty 'labs' list")
    months = data.get("term_months", TERM_MONTHS)
    if not isinstance(months, int) or isinstance(months, bool) or months < 1:
        raise CharterError(f"{source}: term_months must be a positive whole number, got {months!r}")
    terms: list[Term] = []
    labs: list[str] = []
    chair_of: dict[str, str] = {}
    for i, entry in enumerate(data["labs"]):
        where = f"{source}: labs[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("lab"), str) or not entry["lab"]:
            raise CharterError(f"{where}: needs 'lab' (the lab's member name)")
        lab = entry["lab"]
        if lab in labs:
            raise CharterError(f"{where}: lab {lab!r} appears twice")
        labs.append(lab)
        chairs = entry.get("chairs")
        if not isinstance(chairs, list) or not chairs:
            raise CharterError(f"{where} ({lab}): needs a non-empty 'chairs' list")
        mine: list[Term] = []
        for j, chair in enumerate(chairs):
            at = f"{where}.chairs[{j}]"
            if not isinstance(chair, dict) or not isinstance(chair.get("member"), str) or not chair["member"]:
                raise CharterError(f"{at}: needs 'member' (the chair's member name at the hub)")
            member, start = chair["member"], _day(chair.get("term_starts"), at)
            if chair_of.setdefault(member, lab) != lab:
                raise CharterError(f"{at}: {member!r} already chairs for {chair_of[member]}; one lab per member")
            mine.append(Term(lab, member, start, add_months(start, months)))
        mine.sort(key=lambda t: t.start)
        for a, b in itertools.pairwise(mine):
            if b.start < a.end:
                raise CharterError(f"{where} ({lab}): terms of {a.member!r} and {b.member!r} overlap "
                                   f"({b.start.isoformat()} is before {a.end.isoformat()})")
        terms += mine
    starts: dict[date, str] = {}
    for t in terms:
        other = starts.setdefault(t.start, t.lab)
        if other != t.lab:
            raise CharterError(f"{source}: terms of {other} and {t.lab} both start on {t.start.isoformat()}; "
                               "terms must be staggered")
    name = data.get("name", WORKING_GROUP_NAME)
    return Charter(str(name), tuple(labs), tuple(terms))


def load_charter(path: Path) -> Charter:
    """Read and check a charter file."""
    try:
        data = yaml.safe_load(Path(path).read_text("utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CharterError(f"{path}: cannot read the charter: {exc}") from exc
    return parse_charter(data, str(path))
