"""Ed25519 signatures over a manifest of per-object hashes: what `aisac share` signs and the hub checks.

Signing the sorted SHA-256 hashes of each object's RFC 8785 canonical JSON (rather than the request bytes)
lets the hub keep one signature per submission and hand any member the proof for one object without
revealing the other objects of that submission, which TLP may hide from them.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

MANIFEST_HEADER = "aisac-envelope-v1"
SIGNATURE_HEADER = "X-Aisac-Signature"
SIGNER_HEADER = "X-Aisac-Signer"


def object_hash(obj: Any) -> str:
    """SHA-256 (hex) of the object's RFC 8785 canonical JSON."""
    return hashlib.sha256(rfc8785.dumps(obj)).hexdigest()


def manifest(signer: str, hashes: Iterable[str]) -> bytes:
    """The bytes that are signed: a header, the signer's member name, then the sorted object hashes."""
    return "\n".join([MANIFEST_HEADER, signer, *sorted(hashes)]).encode()


def generate_key(private_path: Path) -> Path:
    """Write a new Ed25519 private key (PEM, mode 0600) and its public key beside it (`.pub`, PEM)."""
    key = Ed25519PrivateKey.generate()
    private_path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    public_path = private_path.with_suffix(".pub")
    public_path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return public_path


def load_private(path: Path) -> Ed25519PrivateKey:
    """Load a PEM Ed25519 private key written by `generate_key`."""
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path}: not an Ed25519 private key")
    return key


def load_public_raw(path: Path) -> bytes:
    """The 32 raw bytes of a PEM Ed25519 public key."""
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path}: not an Ed25519 public key")
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def sign_objects(key: Ed25519PrivateKey, signer: str, objects: list[Any]) -> str:
    """Base64 signature over the manifest of `objects` by `signer`."""
    return base64.b64encode(key.sign(manifest(signer, map(object_hash, objects)))).decode()


def verify(public_raw: bytes, signature_b64: str, signer: str, hashes: Iterable[str]) -> bool:
    """True when the signature over (signer, hashes) verifies with the given raw public key."""
    try:
        signature = base64.b64decode(signature_b64, validate=True)
        Ed25519PublicKey.from_public_bytes(public_raw).verify(signature, manifest(signer, hashes))
    except (InvalidSignature, ValueError):
        return False
    return True


def verify_provenance(obj: Any, proof: dict[str, Any]) -> bool:
    """Check a hub provenance proof for `obj`: its hash is in the signed manifest and the signature holds."""
    hashes = proof["manifest"]
    return object_hash(obj) in hashes and verify(
        base64.b64decode(proof["public_key"]), proof["signature"], proof["signer"], hashes
    )
