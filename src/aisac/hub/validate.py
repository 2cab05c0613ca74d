"""Fast STIX 2.1 validation at the door: the OASIS JSON schemas compiled once to Python with fastjsonschema.

stix2-validator runs the same schemas through an interpreter plus many optional checks and manages a few
hundred objects a second; compiled schemas plus the few MUST rules below run at tens of thousands a second.
The tests keep stix2-validator as the reference and check that both agree.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import fastjsonschema
from stix2patterns.validator import run_validator

from aisac.hub.timefmt import parse_ts

_BASE = "http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/"
_DIRS = ("sdos", "sros", "observables", "common")
_COMMON_TYPES = {"marking-definition", "language-content", "extension-definition", "bundle"}


@dataclass(frozen=True)
class Problem:
    """Why one object was refused: the object, the rule (schema file and keyword) and the message."""

    object_id: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.object_id}: {self.message} (rule: {self.rule})"


def _escape_class_dollars(pattern: str) -> str:
    """Escape `$` inside [...] classes: fastjsonschema rewrites every bare `$` to `\\Z`, which breaks them."""
    out, in_class, escaped = [], False, False
    for ch in pattern:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        elif ch == "$" and in_class:
            ch = "\\$"
        out.append(ch)
    return "".join(out)


_TYPE_ORDER = ["string", "object", "integer", "boolean", "number", "array"]


def _only_types(options: list[Any]) -> bool:
    return all(isinstance(o, dict) and set(o) <= {"type", "minItems"} for o in options)


def _only_required(options: list[Any]) -> bool:
    return all(isinstance(o, dict) and set(o) == {"required"} and len(o["required"]) == 1 for o in options)


def _prepare(node: Any) -> Any:
    """Rewrite schema constructs into equivalent ones that fastjsonschema runs without raising internally.

    fastjsonschema tries `anyOf` branches in order and implements `not` by catching an exception, and
    exceptions are what make validation slow: try the commonest property type first, and turn
    `not: {anyOf: [{required: [x]}, ...]}` (reserved property names) into `properties: {x: false}`.
    """
    if isinstance(node, list):
        return [_prepare(v) for v in node]
    if not isinstance(node, dict):
        return node
    out, extra = {}, []
    for key, value in node.items():
        if key == "pattern" and isinstance(value, str):
            out[key] = _escape_class_dollars(value)
        elif key == "anyOf" and isinstance(value, list) and _only_types(value):
            out[key] = sorted(value, key=lambda o: _TYPE_ORDER.index(o.get("type", "array")))
        elif (
            key == "not"
            and isinstance(value, dict)
            and set(value) == {"anyOf"}
            and _only_required(value["anyOf"])
        ):
            extra.append({"properties": {o["required"][0]: False for o in value["anyOf"]}})
        else:
            out[key] = _prepare(value)
    if extra:
        out["allOf"] = out.get("allOf", []) + extra
    return out


def _load(relative: str) -> dict[str, Any]:
    text = resources.files("aisac.hub").joinpath("stix_schemas", relative).read_text("utf-8")
    schema = _prepare(json.loads(text))
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"  # only draft-07 keywords are used
    return schema


def _handler(uri: str) -> dict[str, Any]:
    if not uri.startswith(_BASE):
        raise ValueError(f"schema outside the STIX 2.1 tree: {uri}")
    return _load(uri[len(_BASE) :])


@cache
def _schema_files() -> dict[str, str]:
    root = resources.files("aisac.hub").joinpath("stix_schemas")
    return {
        p.name[:-5]: f"{d}/{p.name}"
        for d in _DIRS
        for p in root.joinpath(d).iterdir()
        if p.name.endswith(".json")
    }


@cache
def _compiled(relative: str) -> Callable[[Any], Any]:
    return fastjsonschema.compile(_load(relative), handlers={"http": _handler, "https": _handler})


def _schema_for(obj: dict[str, Any]) -> str:
    files = _schema_files()
    kind = obj.get("type")
    if (
        isinstance(kind, str)
        and kind in files
        and (kind in _COMMON_TYPES or not files[kind].startswith("common"))
    ):
        return files[kind]
    # custom object types: SDO-like when they carry created/modified, otherwise SCO-like
    return "common/core.json" if "created" in obj else "common/cyber-observable-core.json"


def _must_rules(obj: dict[str, Any]) -> Problem | None:
    oid = str(obj.get("id"))
    if obj.get("spec_version", "2.1") != "2.1":
        return Problem(
            oid, "hub: spec_version", "only STIX 2.1 objects are accepted ('spec_version' must be '2.1')"
        )
    stamps = {}
    for key in ("created", "modified"):
        if key in obj:
            try:
                stamps[key] = parse_ts(obj[key])
            except ValueError as exc:
                return Problem(oid, f"core: {key} timestamp", f"{key}: {exc}")
    if len(stamps) == 2 and stamps["modified"] < stamps["created"]:
        return Problem(oid, "core: modified >= created", "'modified' is earlier than 'created'")
    kind = obj.get("type")
    if isinstance(kind, str) and not oid.startswith(kind + "--"):
        return Problem(oid, "core: id prefix", f"id must start with its type '{kind}--'")
    if kind == "indicator" and obj.get("pattern_type") == "stix":
        error = _pattern_error(obj["pattern"])
        if error:
            return Problem(oid, "indicator: STIX pattern grammar", f"pattern: {error}")
    return None


# The commonest indicator, one equality test on a string (`[ipv4-addr:value = '198.51.100.7']`), matched by
# a regex that accepts only what the grammar accepts (a test checks this against the ANTLR parser, which
# takes ~300 us a pattern and is called for everything else).
SIMPLE_PATTERN = re.compile(
    r"\[(?:[a-z][a-z0-9]*(?:-[a-z0-9]+)*):[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)* (?:=|!=) "
    r"'(?:[^'\\]|\\'|\\\\)*'\]"
)


#: Bounds checked before the ANTLR parser runs: it recurses once per boolean operator (a thousand ORs
#: exhaust Python's stack) and its time grows with the pattern.
MAX_PATTERN_CHARS = 64 * 1024
MAX_PATTERN_OPERATORS = 500
_OPERATOR = re.compile(r"\b(?:AND|OR|FOLLOWEDBY)\b")
#: Errors of recently parsed patterns, keyed by the pattern's SHA-256 (a pattern may be megabytes long).
_PATTERN_ERRORS: OrderedDict[bytes, str | None] = OrderedDict()
_PATTERN_CACHE_SIZE = 65536
_PATTERN_LOCK = threading.Lock()


def _pattern_error(pattern: str) -> str | None:
    """The first grammar error of a STIX pattern (the ANTLR parser is the slow part; repeats are cached)."""
    if SIMPLE_PATTERN.fullmatch(pattern):
        return None
    if not pattern.strip("( \t\r\n"):  # the reference parser fails with an exception on these
        return "empty pattern"
    if len(pattern) > MAX_PATTERN_CHARS:
        return f"{len(pattern)} characters; the hub accepts patterns of at most {MAX_PATTERN_CHARS}"
    operators = len(_OPERATOR.findall(pattern))
    if operators > MAX_PATTERN_OPERATORS:
        return f"{operators} AND/OR/FOLLOWEDBY operators; the hub accepts at most {MAX_PATTERN_OPERATORS}"
    key = hashlib.sha256(pattern.encode("utf-8", "surrogatepass")).digest()
    with _PATTERN_LOCK:
        if key in _PATTERN_ERRORS:
            _PATTERN_ERRORS.move_to_end(key)
            return _PATTERN_ERRORS[key]
    try:
        errors = run_validator(pattern, stix_version="2.1")
        error = str(errors[0])[:500] if errors else None
    except RecursionError:
        error = "nested too deeply to parse"
    with _PATTERN_LOCK:
        _PATTERN_ERRORS[key] = error
        while len(_PATTERN_ERRORS) > _PATTERN_CACHE_SIZE:
            _PATTERN_ERRORS.popitem(last=False)
    return error


MAX_DEPTH = 64


def depth_error(obj: Any) -> str | None:
    """Why `obj` nests too deeply for the hub (checked without recursion), or None."""
    stack = [(obj, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"nested deeper than {MAX_DEPTH} levels"
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return None


def check(obj: Any) -> Problem | None:
    """Return why `obj` is not a valid STIX 2.1 object, or None when it is."""
    if not isinstance(obj, dict):
        return Problem("?", "envelope: objects", f"an object must be a JSON object, got {type(obj).__name__}")
    too_deep = depth_error(obj)
    if too_deep:
        return Problem(str(obj.get("id", "?"))[:300], "hub: nesting depth", too_deep)
    relative = _schema_for(obj)
    try:
        _compiled(relative)(obj)
    except fastjsonschema.JsonSchemaValueException as exc:
        where = exc.name.replace("data", "", 1).lstrip(".") or "object"
        rule = exc.rule or "reserved property"  # a `false` schema has no keyword
        return Problem(str(obj.get("id", "?")), f"{relative} {rule}", f"{where}: {exc.message}")
    return _must_rules(obj)


def warm_up() -> None:
    """Compile every schema now (a few seconds), so the first envelopes are not slowed by compiling."""
    for relative in sorted(set(_schema_files().values())):
        if relative != "common/bundle.json":
            _compiled(relative)
