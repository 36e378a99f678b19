"""RFC 9162 Merkle tree hashing, inclusion and consistency proofs (pure functions).

Written here rather than taken from a library: `pymerkle` (the maintained Python
Merkle-tree package) hashes leaves and nodes as RFC 9162 does, but its proofs are its own
format (a path with a rule and a subset of bits) checked by its own verifier. Witnesses
and other cities run the RFC's proof format, which Certificate Transparency and the Go
transparency tooling (transparency-dev, sigsum) verify; the RFC's algorithms (sections
2.1.1 to 2.1.4) are a few dozen lines over `hashlib`, and tests check them against an
independent verifier and a brute-force tree.

The tree functions take `node(level, index)`: the hash of the complete subtree of
2**level leaves starting at leaf index * 2**level. In a left-balanced tree every complete
subtree is aligned like this, so a log that stores those nodes as they complete answers
any root or proof with O(log n) look-ups (see `service.audit.log`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable

Node = Callable[[int, int], bytes]

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """Hash a leaf's data: SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash two children: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """Return the largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def subtree(start: int, end: int, node: Node) -> bytes:
    """Return MTH(D[start:end]) of a tree whose complete subtrees `node` gives."""
    n = end - start
    if n <= 0:
        return EMPTY_ROOT
    if n & (n - 1) == 0 and start % n == 0:
        return node(n.bit_length() - 1, start // n)
    k = _split(n)
    return node_hash(subtree(start, start + k, node), subtree(start + k, end, node))


def inclusion_path(index: int, size: int, node: Node) -> list[bytes]:
    """Return PATH(index, D[size]) (RFC 9162 2.1.3.1)."""
    if not 0 <= index < size:
        raise ValueError("the leaf index must be below the tree size")
    return _path(index, 0, size, node)


def _path(m: int, start: int, end: int, node: Node) -> list[bytes]:
    n = end - start
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return [*_path(m, start, start + k, node), subtree(start + k, end, node)]
    return [*_path(m - k, start + k, end, node), subtree(start, start + k, node)]


def consistency_proof(first: int, second: int, node: Node) -> list[bytes]:
    """Return PROOF(first, D[second]) (RFC 9162 2.1.4.1); empty when the sizes are equal."""
    if not 0 < first <= second:
        raise ValueError("the sizes must satisfy 0 < first <= second")
    if first == second:
        return []
    return _subproof(first, 0, second, True, node)


def _subproof(m: int, start: int, end: int, whole: bool, node: Node) -> list[bytes]:
    n = end - start
    if m == n:
        return [] if whole else [subtree(start, end, node)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, start, start + k, whole, node), subtree(start + k, end, node)]
    return [*_subproof(m - k, start + k, end, False, node), subtree(start, start + k, node)]


def verify_inclusion(
    index: int, size: int, leaf: bytes, path: Iterable[bytes], root: bytes
) -> bool:
    """Check an inclusion proof (RFC 9162 2.1.3.2)."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and hmac.compare_digest(r, root)


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: list[bytes]
) -> bool:
    """Check a consistency proof (RFC 9162 2.1.4.2)."""
    if not 0 < first <= second:
        return False
    if first == second:
        return not proof and hmac.compare_digest(first_root, second_root)
    if first & (first - 1) == 0:
        proof = [first_root, *proof]
    if not proof:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and hmac.compare_digest(fr, first_root) and hmac.compare_digest(sr, second_root)


class Frontier:
    """Append leaf hashes one by one and read the root at any size on the way: O(n) total.

    Holds the roots of the complete subtrees along the right edge (at most log2 n).
    """

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []  # (level, hash), left to right

    def append(self, leaf: bytes) -> None:
        """Add the next leaf hash."""
        level, h = 0, leaf
        while self._stack and self._stack[-1][0] == level:
            _lvl, left = self._stack.pop()
            h, level = node_hash(left, h), level + 1
        self._stack.append((level, h))
        self.size += 1

    def root(self) -> bytes:
        """Return the root of the leaves appended so far."""
        if not self._stack:
            return EMPTY_ROOT
        h = self._stack[-1][1]
        for _level, left in reversed(self._stack[:-1]):
            h = node_hash(left, h)
        return h
