"""A pySigma backend that turns Sigma detections into DuckDB SQL conditions over api-log-v1 columns.

No maintained DuckDB backend exists on the registry, so this one is built on pySigma's TextQueryBackend:
the generic condition tree handling is pySigma's, only DuckDB's tokens are ours. Matching is
case-insensitive, as Sigma requires for strings: the rule view (see `engine`) lower-cases every text column,
and values are lower-cased here, so plain `contains`/`starts_with` (fast, vectorised) do the work.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from sigma.conditions import ConditionAND, ConditionItem, ConditionNOT, ConditionOR
from sigma.conversion.base import TextQueryBackend
from sigma.conversion.state import ConversionState
from sigma.rule import SigmaRule
from sigma.types import SigmaCompareExpression, SpecialChars

_ANY = SpecialChars.WILDCARD_MULTI


class DuckDBBackend(TextQueryBackend):
    name: ClassVar[str] = "DuckDB SQL over api-log-v1"
    formats: ClassVar[dict[str, str]] = {"default": "a DuckDB boolean expression"}
    requires_pipeline: ClassVar[bool] = False

    precedence: ClassVar[tuple[type[ConditionItem], type[ConditionItem], type[ConditionItem]]] = (
        ConditionNOT,
        ConditionAND,
        ConditionOR,
    )
    parenthesize = True
    group_expression: ClassVar[str] = "({expr})"
    token_separator = " "
    or_token: ClassVar[str] = "OR"
    and_token: ClassVar[str] = "AND"
    not_token: ClassVar[str] = "NOT"
    eq_token: ClassVar[str] = " = "

    field_quote: ClassVar[str] = '"'
    field_quote_pattern: ClassVar[re.Pattern[str]] = re.compile("^[a-zA-Z0-9_]*$")
    field_quote_pattern_negation: ClassVar[bool] = True

    str_quote: ClassVar[str] = "'"
    escape_char: ClassVar[str] = "\\"
    wildcard_multi: ClassVar[str] = "%"
    wildcard_single: ClassVar[str] = "_"
    add_escaped: ClassVar[str] = ""
    bool_values: ClassVar[dict[bool, str | None]] = {True: "true", False: "false"}

    startswith_expression: ClassVar[str] = "starts_with({field}, '{value}')"
    endswith_expression: ClassVar[str] = "ends_with({field}, '{value}')"
    contains_expression: ClassVar[str] = "contains({field}, '{value}')"
    wildcard_match_expression: ClassVar[str] = "{field} LIKE {value} ESCAPE '\\'"

    re_expression: ClassVar[str] = "regexp_matches({field}, '(?i){regex}')"
    re_escape_char: ClassVar[str] = "\\"
    re_escape: ClassVar[tuple[str, ...]] = ("'",)
    re_escape_escape_char: bool = False
    re_flag_prefix: bool = False

    compare_op_expression: ClassVar[str] = "{field} {operator} {value}"
    compare_operators: ClassVar[dict[SigmaCompareExpression.CompareOperators, str]] = {
        SigmaCompareExpression.CompareOperators.LT: "<",
        SigmaCompareExpression.CompareOperators.LTE: "<=",
        SigmaCompareExpression.CompareOperators.GT: ">",
        SigmaCompareExpression.CompareOperators.GTE: ">=",
    }
    field_null_expression: ClassVar[str] = "{field} IS NULL"
    convert_or_as_in: ClassVar[bool] = False
    convert_and_as_in: ClassVar[bool] = False

    def convert_value_str(self, s, state: ConversionState, no_quote: bool = False) -> str:
        """Strings inside LIKE templates are not quoted again; single quotes are doubled for SQL."""
        converted = (
            s.convert(self.escape_char, self.wildcard_multi, self.wildcard_single, self.add_escaped, self.filter_chars)
            .replace("'", "''")
            .lower()
        )
        return converted if no_quote else f"'{converted}'"

    def convert_condition_field_eq_val_str(self, cond, state: ConversionState) -> Any:
        """Pick the LIKE form by where the wildcards sit; inner values are emitted unquoted."""
        value = cond.value
        field = self.escape_and_quote_field(cond.field)
        inner_special = value[1:-1].contains_special() if len(value) > 1 else False
        if value.startswith(_ANY) and value.endswith(_ANY) and not inner_special:
            return self.contains_expression.format(field=field, value=self._plain(value[1:-1]))
        if value.endswith(_ANY) and not value[:-1].contains_special():
            return self.startswith_expression.format(field=field, value=self._plain(value[:-1]))
        if value.startswith(_ANY) and not value[1:].contains_special():
            return self.endswith_expression.format(field=field, value=self._plain(value[1:]))
        if not value.contains_special():
            return f"{field} = '{self._plain(value)}'"
        return self.wildcard_match_expression.format(field=field, value=self.convert_value_str(value, state))

    @staticmethod
    def _plain(value) -> str:
        """A wildcard-free Sigma string as lower-case SQL string content."""
        return str(value).replace("'", "''").lower()

    def finalize_query_default(self, rule: SigmaRule, query: str, index: int, state: ConversionState) -> str:
        return query
