"""Watermark keys: generation, JSON files, and checked loading that names the field at fault.

A key is the secret plus the scheme and its configuration; detection must use exactly the configuration
that served the traffic, so the two travel together in one file.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aisac.watermark.hashing import SECRET_BYTES

KEY_FORMAT = "aisac-watermark-key/2"
#: Format 1 held 64-bit secrets for a non-cryptographic hash; its keys cannot be read as format 2.
_RETIRED_FORMATS = {"aisac-watermark-key/1": "64-bit secrets of the retired non-cryptographic hash"}

DEFAULT_CONFIGS: dict[str, dict[str, Any]] = {
    "kgw": {"gamma": 0.25, "delta": 2.0, "context_width": 1, "self_hash": False},
    "gumbel": {"context_width": 4, "streams": 2},
    "tournament": {"context_width": 4, "layers": 30},
}

# (type, lowest, highest) allowed, both inclusive; bool fields have no bounds.
_FIELD_RULES: dict[str, dict[str, tuple[type, float, float]]] = {
    "kgw": {
        "gamma": (float, 0.001, 0.999),
        "delta": (float, 0.0, 50.0),
        "context_width": (int, 1, 16),
        "self_hash": (bool, 0, 1),
    },
    "gumbel": {"context_width": (int, 1, 16), "streams": (int, 1, 64)},
    "tournament": {"context_width": (int, 1, 16), "layers": (int, 1, 64)},
}


class KeyFileError(ValueError):
    """A key file or key request that breaks a rule; the message names the file and the field."""


class UnknownSchemeError(KeyFileError):
    """The scheme named is not one aisac implements."""


def check_scheme(scheme: str) -> str:
    """Return `scheme` if aisac implements it, else raise naming the known ones."""
    if scheme not in DEFAULT_CONFIGS:
        known = ", ".join(sorted(DEFAULT_CONFIGS))
        raise UnknownSchemeError(f"unknown scheme {scheme!r}: expected one of {known}")
    return scheme


@dataclass(frozen=True)
class WatermarkKey:
    """Secret material plus the scheme configuration it was deployed with."""

    key_id: str
    scheme: str
    config: dict[str, Any]
    secret: int  # 128 bits: the AES-128 key of `aisac.watermark.hashing.keyed`
    diversity_secret: int  # 128 bits: derives Gumbel-max's diversity streams
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["secret"] = f"{self.secret:0{2 * SECRET_BYTES}x}"
        doc["diversity_secret"] = f"{self.diversity_secret:0{2 * SECRET_BYTES}x}"
        return {"format": KEY_FORMAT, **doc}

    @property
    def secret_bytes(self) -> bytes:
        return self.secret.to_bytes(SECRET_BYTES, "big")

    @property
    def diversity_bytes(self) -> bytes:
        return self.diversity_secret.to_bytes(SECRET_BYTES, "big")

    def public(self) -> dict[str, Any]:
        """What may go into evidence: everything except the secrets."""
        return {"key_id": self.key_id, "scheme": self.scheme, "config": dict(self.config)}


def _check_config(scheme: str, config: dict[str, Any], where: str) -> dict[str, Any]:
    rules = _FIELD_RULES[scheme]
    unknown = sorted(set(config) - set(rules))
    if unknown:
        raise KeyFileError(f"{where}: config field {unknown[0]!r} is not a {scheme} parameter")
    merged = {**DEFAULT_CONFIGS[scheme], **config}
    for name, (kind, lo, hi) in rules.items():
        value = merged[name]
        if kind is bool:
            if not isinstance(value, bool):
                raise KeyFileError(f"{where}: config.{name} must be true or false, got {value!r}")
            continue
        is_int = isinstance(value, int) and not isinstance(value, bool)
        if kind is int and not is_int:
            raise KeyFileError(f"{where}: config.{name} must be an integer, got {value!r}")
        if not (is_int or isinstance(value, float)):
            raise KeyFileError(f"{where}: config.{name} must be a number, got {value!r}")
        if not lo <= value <= hi:
            raise KeyFileError(f"{where}: config.{name}={value!r} is outside its range [{lo}, {hi}]")
        merged[name] = kind(value)
    return merged


def generate_key(scheme: str, **config: Any) -> WatermarkKey:
    """A fresh key from the OS CSPRNG with `config` over the scheme's defaults."""
    check_scheme(scheme)
    cfg = _check_config(scheme, config, "keygen")
    return WatermarkKey(
        key_id=f"wmk-{secrets.token_hex(6)}",
        scheme=scheme,
        config=cfg,
        secret=secrets.randbits(8 * SECRET_BYTES),
        diversity_secret=secrets.randbits(8 * SECRET_BYTES),
    )


def save_key(key: WatermarkKey, path: Path) -> None:
    path.write_text(json.dumps(key.to_json(), indent=2) + "\n", encoding="utf-8")


def _hex_secret(doc: dict[str, Any], name: str, where: str) -> int:
    value = doc.get(name)
    rule = f"{where}: field {name!r} must be {2 * SECRET_BYTES} hexadecimal digits"
    if not isinstance(value, str) or len(value) != 2 * SECRET_BYTES:
        raise KeyFileError(rule)
    try:
        return int(value, 16)
    except ValueError:
        raise KeyFileError(f"{rule}, got {value!r}") from None


def key_from_json(doc: Any, where: str) -> WatermarkKey:
    """Check a parsed key document; every failure names `where` and the field."""
    if not isinstance(doc, dict):
        raise KeyFileError(f"{where}: a key file must hold one JSON object")
    fmt = doc.get("format")
    if fmt != KEY_FORMAT:
        retired = _RETIRED_FORMATS.get(fmt) if isinstance(fmt, str) else None
        if retired:
            raise KeyFileError(f"{where}: field 'format': {fmt!r} ({retired}) is retired; run keygen again")
        raise KeyFileError(f"{where}: field 'format' must be {KEY_FORMAT!r}, got {fmt!r}")
    for name in ("key_id", "scheme"):
        if not isinstance(doc.get(name), str) or not doc[name]:
            raise KeyFileError(f"{where}: field {name!r} must be a non-empty string")
    scheme = doc["scheme"]
    try:
        check_scheme(scheme)
    except UnknownSchemeError as exc:
        raise UnknownSchemeError(f"{where}: field 'scheme': {exc}") from None
    config = doc.get("config")
    if not isinstance(config, dict):
        raise KeyFileError(f"{where}: field 'config' must be an object")
    return WatermarkKey(
        key_id=doc["key_id"],
        scheme=scheme,
        config=_check_config(scheme, config, where),
        secret=_hex_secret(doc, "secret", where),
        diversity_secret=_hex_secret(doc, "diversity_secret", where),
        created=str(doc.get("created", "")),
    )


def load_key(path: Path) -> WatermarkKey:
    """Read and check a key file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot read key file ({exc.strerror})") from None
    try:
        doc = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise KeyFileError(f"{path}: key file is not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise KeyFileError(f"{path}: line {exc.lineno}: not valid JSON ({exc.msg})") from None
    return key_from_json(doc, str(path))
