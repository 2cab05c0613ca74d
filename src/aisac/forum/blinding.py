"""The group arithmetic of ECDH-PSI on ristretto255 (libsodium through rbcl), one chunk per call.

Kept to what a worker process needs, so a process pool starts fast: hash an identifier to the group and
raise it to this lab's secret scalar, or raise the peer's elements to it. libsodium works one element per
call; the pool spreads chunks over the cores.
"""

from __future__ import annotations

import hashlib

import rbcl

POINT = 32
VERSION = b"aisac-psi-v1"


def new_scalar() -> bytes:
    """A uniformly random non-zero scalar: this lab's secret for one session, never stored."""
    return rbcl.crypto_core_ristretto255_scalar_random()


def domain(session_id: str, kind: str) -> bytes:
    """The hash prefix: bound to the protocol, the session and the kind, so elements of one session are
    useless in any other."""
    return b"\x00".join([VERSION, session_id.encode(), kind.encode(), b""])


def blind(scalar: bytes, prefix: bytes, values: list[str]) -> bytes:
    """H(value)^scalar for each value, concatenated (32 bytes each); H = SHA-512 then ristretto255 map."""
    mul, to_point, sha = rbcl.crypto_scalarmult_ristretto255, rbcl.crypto_core_ristretto255_from_hash, hashlib.sha512
    return b"".join(mul(scalar, to_point(sha(prefix + v.encode()).digest())) for v in values)


def reblind(scalar: bytes, points: bytes, width: int = POINT) -> bytes:
    """Each of the peer's elements raised to `scalar`, truncated to `width` bytes; refuses invalid ones."""
    if len(points) % POINT:
        raise ValueError(f"peer message of {len(points)} bytes is not a whole number of group elements")
    mul = rbcl.crypto_scalarmult_ristretto255
    out = []
    for i in range(0, len(points), POINT):
        try:
            out.append(mul(scalar, points[i : i + POINT])[:width])
        except RuntimeError as exc:
            raise ValueError(f"peer sent an invalid group element (element {i // POINT} of its chunk)") from exc
    return b"".join(out)
