"""Normalisation of account identifiers before PSI, so both labs hash the same spelling of the same thing.

Vectorised with Arrow compute over the whole file. Kinds:
- email: trimmed, lower-cased; must be `local@domain` without spaces.
- phone: E.164: spaces, dots, dashes, slashes and parentheses dropped, a leading 00 becomes +; must be
  + then 7 to 15 digits, the first not 0. Numbers without a country code are refused, never guessed.
- card: the fingerprint `BIN|LAST4|YYYY-MM` of a line `<card number> <expiry>`: the number may be masked
  in the middle (`411111******1111`) and grouped by spaces or dashes; the expiry is MM/YY, MM/YYYY or
  YYYY-MM; separators between number and expiry: spaces, comma, semicolon or |. No Luhn check (masked
  numbers cannot be checked); the full number never leaves this module.
- raw: the line as it is (only the line break removed).
Blank lines are skipped silently; any other line that breaks its kind's rule is reported and left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

KINDS = ("email", "card", "phone", "raw")
_EMAIL = r"^[^@\s]+@[^@\s]+$"
_PHONE = r"^\+[1-9][0-9]{6,14}$"
_CARD = (
    r"^(?P<pan>[0-9][0-9 *xX\-]{9,40}[0-9])[\s,;|]+"
    r"(?P<exp>(?:0?[1-9]|1[0-2])/(?:[0-9]{2}|[0-9]{4})|[0-9]{4}-(?:0[1-9]|1[0-2]))$"
)
_PAN = r"^[0-9]{6}[0-9*xX]{2,9}[0-9]{4}$"
RULES = {
    "email": "an e-mail address local@domain without spaces",
    "phone": "an E.164 number: + and country code, 7 to 15 digits",
    "card": "a card number (12-19 digits, may be masked between BIN and last four) then an expiry "
    "MM/YY, MM/YYYY or YYYY-MM",
    "raw": "valid UTF-8",
}


@dataclass(frozen=True)
class Items:
    """A file's lines, their normalised values (null when blank or refused) and the refused lines."""

    lines: pa.StringArray
    values: pa.StringArray
    refused: list[tuple[int, str]]  # (1-based line number, rule broken)


def read_lines(path: Path) -> pa.StringArray:
    """The file's lines without line breaks (bytes that are not UTF-8 show as U+FFFD and are refused)."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    if text.endswith("\n"):
        text = text[:-1]
    lines = pa.array(text.split("\n") if text else [], pa.string())
    return pc.replace_substring_regex(lines, r"\r$", "")


def _card(trimmed: pa.StringArray) -> pa.StringArray:
    parts = pc.extract_regex(trimmed, _CARD)
    pan = pc.replace_substring_regex(pc.struct_field(parts, "pan"), r"[ \-]", "")
    pan = pc.if_else(pc.match_substring_regex(pan, _PAN), pan, pa.scalar(None, pa.string()))
    exp = pc.struct_field(parts, "exp")
    slash = pc.extract_regex(exp, r"^(?P<m>[0-9]{1,2})/(?P<y>[0-9]+)$")
    dash = pc.extract_regex(exp, r"^(?P<y>[0-9]{4})-(?P<m>[0-9]{2})$")
    year = pc.coalesce(pc.struct_field(slash, "y"), pc.struct_field(dash, "y"))
    year = pc.if_else(pc.equal(pc.utf8_length(year), 2), pc.binary_join_element_wise("20", year, ""), year)
    month = pc.utf8_lpad(pc.coalesce(pc.struct_field(slash, "m"), pc.struct_field(dash, "m")), 2, "0")
    expiry = pc.binary_join_element_wise(year, month, "-")
    bin6 = pc.utf8_slice_codeunits(pan, 0, 6)
    last4 = pc.utf8_slice_codeunits(pan, -4)
    return pc.binary_join_element_wise(bin6, last4, expiry, "|")


def normalise(kind: str, lines: pa.StringArray) -> Items:
    """Normalise every line for `kind`; refused lines are listed with the rule they break."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    trimmed = pc.utf8_trim_whitespace(lines)
    if kind == "email":
        lowered = pc.utf8_lower(trimmed)
        values = pc.if_else(pc.match_substring_regex(lowered, _EMAIL), lowered, pa.scalar(None, pa.string()))
    elif kind == "phone":
        compact = pc.replace_substring_regex(trimmed, r"[\s().\-/]", "")
        compact = pc.replace_substring_regex(compact, r"^00", "+")
        values = pc.if_else(pc.match_substring_regex(compact, _PHONE), compact, pa.scalar(None, pa.string()))
    elif kind == "card":
        values = _card(trimmed)
    else:
        values = lines
    garbled = pc.match_substring(lines, "\ufffd")
    values = pc.if_else(garbled, pa.scalar(None, pa.string()), values)
    blank = pc.equal(pc.utf8_length(trimmed), 0)
    values = pc.if_else(blank, pa.scalar(None, pa.string()), values)
    bad = pc.and_(pc.invert(blank), pc.is_null(values))
    rule = RULES[kind]
    refused = [
        (int(i) + 1, "not valid UTF-8" if garbled[int(i)].as_py() else rule) for i in pc.indices_nonzero(bad).to_numpy()
    ]
    return Items(lines, values, refused)
