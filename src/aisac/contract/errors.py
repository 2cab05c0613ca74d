"""One shape for every bad-input error: where (file, line or object), which field, and the rule it broke.

Rendered as `FILE:LINE [field]: rule` (or `FILE: OBJECT [field]: rule` for JSON objects), the same form
`aisac logs validate` prints for a set-aside record, so that every command reports bad input alike.
"""

from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    """Bad input a command cannot use; `str()` gives `FILE:LINE [field]: rule`."""

    def __init__(
        self,
        rule: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        obj: str | None = None,
        field: str | None = None,
    ) -> None:
        self.rule, self.file, self.line, self.obj, self.field = rule, file, line, obj, field
        super().__init__(self.render())

    def render(self) -> str:
        where = "" if self.file is None else str(self.file)
        if self.line is not None:
            where += f":{self.line}"
        if self.obj is not None:
            where += f"{':' if where else ''} {self.obj}" if where else self.obj
        if self.field is not None:
            where += f" [{self.field}]" if where else f"[{self.field}]"
        return f"{where}: {self.rule}" if where else self.rule
