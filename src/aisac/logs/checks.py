"""SQL that checks one column of the log spec and yields its typed value or the rule it broke.

Both readers (JSON Lines and Parquet) turn a column into a pair of DuckDB expressions, a value and an
error text, so that every record is checked in bulk inside DuckDB and the wording of each rule is the
same whatever the container.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

import pyarrow as pa

from aisac.contract.times import RFC3339
from aisac.logs.schema import Column, Kind

#: An `account.pathway` value: a lowercase name such as self_serve, enterprise, education, research, startup.
PATHWAY_NAME = "[a-z][a-z0-9_-]{0,39}"


def quote(name: str) -> str:
    """A DuckDB identifier for a dotted spec name."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def shown(expr: str) -> str:
    """A short rendering of an offending value for an error message."""
    return f"left(CAST({expr} AS VARCHAR), 60)"


def value_checks(column: Column, value: str) -> list[tuple[str, str]]:
    """(condition that is true when the value is bad, error text SQL) for a value already of the right type."""
    kind = column.kind
    if kind is Kind.COUNT:
        return [(f"{value} < 0", f"'must be >= 0, got ' || {shown(value)}")]
    if kind is Kind.COUNTRY:
        return [
            (
                f"NOT regexp_full_match({value}, '[A-Z]{{2}}')",
                f"'expected an ISO 3166-1 alpha-2 code, got ' || {shown(value)}",
            )
        ]
    if kind is Kind.MESSAGES:
        return [
            (
                # CASE, not AND: DuckDB evaluates both sides of AND, and json_type raises on invalid JSON.
                f"NOT coalesce(CASE WHEN json_valid({value}) THEN json_type({value}) = 'ARRAY' END, false)",
                "'expected a string holding a JSON array'",
            )
        ]
    if kind is Kind.PATHWAY:
        return [
            (
                f"NOT regexp_full_match({value}, {literal(PATHWAY_NAME)})",
                f"'expected a lowercase pathway name (a-z, 0-9, _ or -), got ' || {shown(value)}",
            )
        ]
    if kind is Kind.STRING and column.required:
        return [(f"{value} = ''", "'empty string'")]
    return []


def time_from_text(text: str) -> tuple[str, str, str]:
    """(typed value, bad-condition, error) for an RFC 3339 string column."""
    typed = f"TRY_CAST({text} AS TIMESTAMPTZ)"
    bad = f"NOT regexp_full_match({text}, {literal(RFC3339[1:-1])}) OR {typed} IS NULL"
    return typed, bad, f"'expected an RFC 3339 time with offset, got ' || {shown(text)}"


def checked(column: Column, present: str, type_ok: str, typed: str, type_error: str) -> tuple[str, str]:
    """Compose (value SQL, error SQL) from a presence test, a type test and the typed value.

    The value is NULL wherever the error is not: a bad optional value is dropped, never half-kept.
    """
    cases = [(f"NOT ({type_ok})", type_error)]
    if column.kind is Kind.TIME:
        typed, bad, err = time_from_text(typed)
        cases.append((bad, err))
    else:
        cases.extend(value_checks(column, typed))
    missing = "'missing'" if column.required else "NULL"
    whens = " ".join(f"WHEN {cond} THEN {err}" for cond, err in cases)
    error = f"CASE WHEN NOT ({present}) THEN {missing} {whens} END"
    value = f"CASE WHEN ({error}) IS NULL AND ({present}) THEN {typed} END"
    return value, error


def bad_addresses(values: Iterable[str | None]) -> list[str]:
    """The distinct values that are not IPv4 or IPv6 addresses (checked once per distinct value)."""
    bad = []
    for text in values:
        if text is None:
            continue
        try:
            ipaddress.ip_address(text)
        except ValueError:
            bad.append(text)
    return bad


def arrow_kind_ok(kind: Kind, dtype: pa.DataType) -> bool:
    """Whether a Parquet column of this Arrow type can hold values of the kind."""
    if pa.types.is_dictionary(dtype):
        dtype = dtype.value_type
    stringy = pa.types.is_string(dtype) or pa.types.is_large_string(dtype) or pa.types.is_string_view(dtype)
    if kind in (Kind.COUNT, Kind.INTEGER):
        return pa.types.is_integer(dtype)
    if kind is Kind.NUMBER:
        return pa.types.is_integer(dtype) or pa.types.is_floating(dtype)
    if kind is Kind.TIME:
        return pa.types.is_timestamp(dtype) or stringy
    return stringy
