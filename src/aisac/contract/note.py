"""C2SP signed notes (c2sp.org/signed-note, Ed25519) and transparency-log checkpoints (c2sp.org/tlog-checkpoint).

The hub signs each checkpoint it issues; a member pins the hub's verifier key and trusts a checkpoint only
when a signature by that key verifies, so the hub cannot later show it a different history unnoticed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = b"\x01"
_DASH = "\u2014 "


class NoteError(ValueError):
    """A note, verifier key or checkpoint that is malformed or not signed by the trusted key."""


@dataclass(frozen=True)
class Verifier:
    """A verifier key: name, 4-byte key id and the raw Ed25519 public key."""

    name: str
    key_id: bytes
    public: bytes

    @classmethod
    def of(cls, name: str, public: bytes) -> Verifier:
        """The verifier for `name` with the C2SP recommended key id."""
        if not name or any(c.isspace() or c == "+" for c in name):
            raise NoteError(f"key name {name!r} must be non-empty, without spaces or '+'")
        return cls(name, hashlib.sha256(name.encode() + b"\n" + ED25519 + public).digest()[:4], public)

    @classmethod
    def parse(cls, vkey: str) -> Verifier:
        """Parse `<name>+<hex key id>+<base64(0x01 || public key)>`."""
        try:
            name, hex_id, b64 = vkey.strip().split("+", 2)
            key_id, material = bytes.fromhex(hex_id), base64.b64decode(b64, validate=True)
        except (ValueError, binascii.Error) as exc:
            raise NoteError(f"malformed verifier key {vkey!r}: {exc}") from exc
        if len(key_id) != 4 or material[:1] != ED25519 or len(material) != 33:
            raise NoteError(f"verifier key {vkey!r} is not an Ed25519 note key")
        verifier = cls.of(name, material[1:])
        if verifier.key_id != key_id:
            raise NoteError(f"verifier key {vkey!r}: key id does not match name and key")
        return verifier

    def text(self) -> str:
        """The verifier key string."""
        return f"{self.name}+{self.key_id.hex()}+{base64.b64encode(ED25519 + self.public).decode()}"


def verifier_for(key: Ed25519PrivateKey, name: str) -> Verifier:
    """The verifier key of a signing key under `name`."""
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return Verifier.of(name, raw)


def sign(text: str, name: str, key: Ed25519PrivateKey) -> str:
    """A signed note: the text (ending in a newline), a blank line, one Ed25519 signature line."""
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    verifier = verifier_for(key, name)
    signature = base64.b64encode(verifier.key_id + key.sign(text.encode())).decode()
    return f"{text}\n{_DASH}{name} {signature}\n"


def open_note(note: str, verifier: Verifier) -> str:
    """The note's text when a signature by `verifier` verifies; NoteError otherwise (fails closed)."""
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise NoteError("note contains control characters")
    cut = note.rfind("\n\n")
    if cut < 0 or not note.endswith("\n"):
        raise NoteError("note has no signature block")
    text, lines = note[: cut + 1], note[cut + 2 : -1].split("\n")
    for line in lines:
        if not line.startswith(_DASH):
            raise NoteError(f"malformed signature line {line!r}")
        name, _, b64 = line[len(_DASH) :].rpartition(" ")
        try:
            raw = base64.b64decode(b64, validate=True)
        except binascii.Error as exc:
            raise NoteError(f"signature of {name!r} is not base64") from exc
        if name != verifier.name or raw[:4] != verifier.key_id:
            continue  # an unknown key: ignored, as the spec requires
        try:
            Ed25519PublicKey.from_public_bytes(verifier.public).verify(raw[4:], text.encode())
        except InvalidSignature as exc:
            raise NoteError(f"signature by {name} does not verify") from exc
        return text
    raise NoteError(f"note is not signed by {verifier.name}")


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: origin, tree size and RFC 6962 root hash."""

    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        """The checkpoint note text (no extension lines)."""
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse a checkpoint's note text (as returned by `open_note`)."""
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "" or not all(lines[:-1]):
            raise NoteError("a checkpoint has at least three non-empty lines")
        origin, size, root = lines[:3]
        if not size.isdigit() or (size != "0" and size.startswith("0")):
            raise NoteError(f"checkpoint tree size {size!r} is not a decimal number")
        try:
            digest = base64.b64decode(root, validate=True)
        except binascii.Error as exc:
            raise NoteError("checkpoint root hash is not base64") from exc
        if len(digest) != 32:
            raise NoteError("checkpoint root hash is not 32 bytes")
        return cls(origin, int(size), digest)


def open_checkpoint(note: str, verifier: Verifier) -> Checkpoint:
    """Verify a signed checkpoint and parse it; its origin must be the verifier's name."""
    checkpoint = Checkpoint.parse(open_note(note, verifier))
    if checkpoint.origin != verifier.name:
        raise NoteError(f"checkpoint origin {checkpoint.origin!r} is not the log {verifier.name!r}")
    return checkpoint
