"""RFC 6962 / RFC 9162 Merkle tree hashing: roots, proofs built from stored subtree hashes, proof checks.

The hub builds proofs from the hashes of perfect subtrees it stores as leaves arrive; members check them
here without trusting the hub. Checked against the transparency-dev/merkle test vectors (tests/hub).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

EMPTY_ROOT = hashlib.sha256(b"").digest()
NodeSource = Callable[[int, int], bytes]  # (level, index) -> hash of leaves [index*2**level, (index+1)*2**level)


class ProofError(ValueError):
    """A proof or its inputs do not verify; the message says which check failed."""


def leaf_hash(data: bytes) -> bytes:
    """MTH of one leaf: SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """An interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


class Frontier:
    """The perfect subtrees covering a tree's leaves, left to right: enough to append and to compute roots."""

    def __init__(self, size: int = 0, nodes: list[bytes] | None = None):
        self.size = size
        self.nodes = list(nodes or [])  # one per set bit of size, highest level first

    @staticmethod
    def positions(size: int) -> list[tuple[int, int]]:
        """(level, index) of the perfect subtrees that cover `size` leaves, highest level first."""
        out, offset = [], 0
        for level in range(size.bit_length() - 1, -1, -1):
            if size >> level & 1:
                out.append((level, offset >> level))
                offset += 1 << level
        return out

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; return every new perfect subtree (level, index, hash), the leaf's own first."""
        index = self.size
        made = [(0, index, leaf)]
        self.nodes.append(leaf)
        level = 0
        while index & 1:
            right = self.nodes.pop()
            left = self.nodes.pop()
            level, index = level + 1, index >> 1
            self.nodes.append(node_hash(left, right))
            made.append((level, index, self.nodes[-1]))
        self.size += 1
        return made

    def root(self) -> bytes:
        """The tree head of the leaves appended so far."""
        if not self.nodes:
            return EMPTY_ROOT
        acc = self.nodes[-1]
        for left in reversed(self.nodes[:-1]):
            acc = node_hash(left, acc)
        return acc


def root_of(leaves: Iterable[bytes]) -> bytes:
    """The root over leaf hashes (for tests and small trees)."""
    f = Frontier()
    for leaf in leaves:
        f.append(leaf)
    return f.root()


def subtree(node: NodeSource, start: int, end: int) -> bytes:
    """MTH of leaves [start, end) where start is aligned to the largest power of two not above end-start."""
    n = end - start
    if n & (n - 1) == 0:
        level = n.bit_length() - 1
        return node(level, start >> level)
    k = _split(n)
    return node_hash(subtree(node, start, start + k), subtree(node, start + k, end))


def inclusion_proof(node: NodeSource, index: int, size: int) -> list[bytes]:
    """RFC 6962 PATH(index, D[0:size]), leaf-side first."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of size {size}")
    out: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            out.append(subtree(node, start + k, end))
            end = start + k
        else:
            out.append(subtree(node, start, start + k))
            start += k
    return out[::-1]


def consistency_proof(node: NodeSource, first: int, second: int) -> list[bytes]:
    """RFC 6962 PROOF(first, D[0:second]) for 0 < first <= second."""
    if not 0 < first <= second:
        raise ProofError(f"no consistency proof from size {first} to size {second}")
    out: list[bytes] = []
    start, end, m, whole = 0, second, first, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            out.append(subtree(node, start + k, end))
            end = start + k
        else:
            out.append(subtree(node, start, start + k))
            start, m, whole = start + k, m - k, False
    if not whole:
        out.append(subtree(node, start, end))
    return out[::-1]


def _hashes(*hashes: bytes) -> None:
    if any(len(h) != 32 for h in hashes):
        raise ProofError("every hash must be 32 bytes (SHA-256)")


def verify_inclusion(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> None:
    """RFC 9162 section 2.1.3.2; raise ProofError unless `leaf` is at `index` in the tree with `root`."""
    _hashes(leaf, root, *proof)
    if index >= size or index < 0:
        raise ProofError(f"leaf index {index} is beyond tree size {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the tree is deep")
    if r != root:
        raise ProofError(f"inclusion proof of leaf {index} does not lead to the root of size {size}")


def verify_consistency(first: int, second: int, proof: list[bytes], first_root: bytes, second_root: bytes) -> None:
    """RFC 9162 section 2.1.4.2; raise ProofError unless the tree `first_root` is a prefix of `second_root`."""
    if first < 0 or first > second:
        raise ProofError(f"size {first} is larger than size {second}: the log shrank")
    if first == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing: check the root instead")
    if first == second:
        if proof:
            raise ProofError("equal sizes need an empty proof")
        if first_root != second_root:
            raise ProofError(f"two different roots for the same size {first}")
        return
    _hashes(first_root, second_root, *proof)
    if not proof:
        raise ProofError("empty consistency proof")
    path = [first_root, *proof] if first & (first - 1) == 0 else list(proof)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if fr != first_root:
        raise ProofError(f"consistency proof does not reproduce the root of size {first}")
    if sr != second_root:
        raise ProofError(f"consistency proof does not reproduce the root of size {second}")
