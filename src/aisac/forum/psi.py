"""Two-party ECDH private set intersection on ristretto255, relayed by the hub (docs/forum.md).

Each lab hashes its distinct normalised identifiers to the group and raises them to a secret scalar (a for
this side, b for the peer). Both send their blinded set X = H(x)^a in a random order, raise the peer's set
to their own scalar and send it back in the order received, truncated to 16 bytes. Each side then holds
H(x)^ab for its own elements (in its own order) and H(y)^ab for the peer's, and their equality is the
intersection. Symmetric, so the two labs may start in either order or at once; each learns its own rows
in the intersection and the size of the other set, and the hub relays only ciphertext (aisac.forum.sealing).
"""

from __future__ import annotations

import base64
import multiprocessing
import os
import secrets
import struct
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from aisac.forum import blinding, sealing
from aisac.forum.identifiers import Items, normalise, read_lines
from aisac.forum.relay import Relay
from aisac.intel.client import Hub

CHUNK = 16_384  # elements per message: 512 KiB of blinded elements, well under the hub's body limit
MATCH_BYTES = 16  # doubly blinded elements are compared on 128 bits (collisions ~ n*m / 2**128)


@dataclass(frozen=True)
class Result:
    """What one side learned and what it cost."""

    session: str
    mine: int  # distinct identifiers sent
    theirs: int  # the peer's set size (the only thing learned about the peer's set)
    common: int  # distinct identifiers in the intersection
    lines: int  # lines written (duplicates and spelling variants of a common identifier included)
    refused: list[tuple[int, str]]
    sent: int
    received: int
    requests: int
    seconds: float


def _permutation(n: int) -> np.ndarray:
    """A uniformly random order for this side's elements (so the peer learns nothing from positions)."""
    return np.random.Generator(np.random.PCG64(secrets.randbits(128))).permutation(n)


def _chunks(values: list[str]) -> list[list[str]]:
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]


def _count(n: int) -> bytes:
    return struct.pack(">Q", n)


class _Session:
    """One run's relay connections, session id, channel and deadline."""

    def __init__(self, hub: Hub, peer: str, kind: str, timeout: float):
        self.deadline = time.monotonic() + timeout
        self.post, self.fetch = Relay(hub), Relay(hub)
        secret, public = sealing.new_secret()
        opened = self.post.open(peer, kind, public, min(3600, int(timeout) + 60))
        self.id = opened["id"]
        peer_key = (
            base64.b64decode(opened["peer_key"])
            if opened["peer_key"]
            else self.post.wait_joined(self.id, self.deadline)
        )
        self.channel = sealing.Channel(secret, peer_key, self.id, hub.member, peer)

    def send(self, name: str, data: bytes) -> None:
        self.post.put(self.id, name, self.channel.seal(name, data))

    def receive(self, name: str) -> bytes:
        return self.channel.open(name, self.fetch.get(self.id, name, self.deadline))

    def close(self) -> None:
        self.post.close()
        self.fetch.close()


class _InProcess:
    """The pool interface without processes: for sets of one chunk, where starting workers costs more."""

    imap = staticmethod(map)

    def __enter__(self) -> _InProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _executor(largest: int, workers: int | None) -> Any:
    """A process pool over the cores when either set spans several chunks (libsodium is one call per
    element); in-process otherwise."""
    if largest <= CHUNK or workers == 0:
        return _InProcess()
    return multiprocessing.get_context("spawn").Pool(workers or os.cpu_count() or 1)


def intersect(
    hub: Hub, peer: str, kind: str, items: Items, timeout: float, workers: int | None = None
) -> tuple[np.ndarray, Result]:
    """Run the protocol with `peer`; a mask over `items.lines` of the lines in the intersection."""
    started = time.monotonic()
    distinct = pc.unique(items.values.drop_null())
    order = _permutation(len(distinct))
    mine = distinct.take(pa.array(order)).to_pylist()
    s = _Session(hub, peer, kind, timeout)
    scalar, prefix = blinding.new_scalar(), blinding.domain(s.id, kind)
    try:
        s.send("n", _count(len(mine)))
        theirs = struct.unpack(">Q", s.receive("n"))[0]
        with _executor(max(len(mine), theirs), workers) as pool:
            for i, blob in enumerate(pool.imap(partial(blinding.blind, scalar, prefix), _chunks(mine))):
                s.send(f"x{i}", blob)

            def peer_chunks() -> Iterator[bytes]:
                for j in range((theirs + CHUNK - 1) // CHUNK):
                    yield s.receive(f"x{j}")

            doubled_theirs = []
            reblind = partial(blinding.reblind, scalar, width=MATCH_BYTES)
            for j, blob in enumerate(pool.imap(reblind, peer_chunks())):
                s.send(f"z{j}", blob)
                doubled_theirs.append(blob)
            doubled_mine = b"".join(s.receive(f"z{i}") for i in range(len(_chunks(mine))))
        if len(doubled_mine) != len(mine) * MATCH_BYTES or sum(map(len, doubled_theirs)) != theirs * MATCH_BYTES:
            raise ValueError("the peer's messages do not match the announced set sizes")
        dtype = f"S{MATCH_BYTES}"
        hit_shuffled = np.isin(np.frombuffer(doubled_mine, dtype), np.frombuffer(b"".join(doubled_theirs), dtype))
        hit = np.zeros(len(mine), dtype=bool)
        hit[order] = hit_shuffled
        position = pc.fill_null(pc.index_in(items.values, value_set=distinct), -1).to_numpy()
        mask = np.zeros(len(items.lines), dtype=bool)
        mask[position >= 0] = hit[position[position >= 0]]
        result = Result(
            s.id,
            len(mine),
            theirs,
            int(hit.sum()),
            int(mask.sum()),
            items.refused,
            s.post.sent + s.fetch.sent,
            s.post.received + s.fetch.received,
            s.post.requests + s.fetch.requests,
            time.monotonic() - started,
        )
        return mask, result
    finally:
        s.close()


def run(hub: Hub, peer: str, kind: str, items_path: Path, out_path: Path, timeout: float) -> Result:
    """Intersect the identifiers in `items_path` with `peer`'s; write this side's matching lines as they
    were spelt in the file."""
    items = normalise(kind, read_lines(items_path))
    mask, result = intersect(hub, peer, kind, items, timeout)
    matched = items.lines.filter(pa.array(mask)).to_pylist()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text("".join(line + "\n" for line in matched), "utf-8")
    return result
