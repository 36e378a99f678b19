"""RFC 9162 hashing and proofs, checked against a tree built the slow, obvious way."""

from __future__ import annotations

import hashlib

import pytest

from service.audit import merkle


def mth(leaves: list[bytes]) -> bytes:
    """MTH as RFC 9162 2.1.1 defines it, recursively over the leaf data."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def tree(n: int) -> tuple[list[bytes], merkle.Node]:
    data = [f"entry {i}".encode() for i in range(n)]

    def node(level: int, index: int) -> bytes:
        return mth(data[index << level : (index + 1) << level])

    return data, node


def test_the_root_of_every_size_is_the_rfc_tree_hash() -> None:
    data, node = tree(33)
    frontier = merkle.Frontier()
    for size in range(1, 34):
        frontier.append(merkle.leaf_hash(data[size - 1]))
        assert merkle.subtree(0, size, node) == mth(data[:size])
        assert frontier.root() == mth(data[:size])


def test_inclusion_proofs_verify_for_every_leaf_and_size_and_fail_for_another_leaf() -> None:
    data, node = tree(21)
    for size in range(1, 22):
        root = mth(data[:size])
        for index in range(size):
            path = merkle.inclusion_path(index, size, node)
            assert merkle.verify_inclusion(index, size, merkle.leaf_hash(data[index]), path, root)
            wrong = merkle.leaf_hash(b"not in the log")
            assert not merkle.verify_inclusion(index, size, wrong, path, root)


def test_consistency_proofs_verify_for_every_pair_and_fail_for_a_rewritten_history() -> None:
    data, node = tree(21)
    rewritten = [*data[:4], b"changed", *data[5:]]
    for second in range(1, 22):
        for first in range(1, second + 1):
            proof = merkle.consistency_proof(first, second, node)
            assert merkle.verify_consistency(
                first, second, mth(data[:first]), mth(data[:second]), proof
            )
            if first > 4:
                assert not merkle.verify_consistency(
                    first, second, mth(rewritten[:first]), mth(data[:second]), proof
                )


def test_known_answer_from_rfc_6962_test_vectors() -> None:
    # The root of the eight test leaves used by Certificate Transparency's reference tests.
    leaves = [
        b"",
        b"\x00",
        b"\x10",
        b"\x20\x21",
        b"\x30\x31",
        b"\x40\x41\x42\x43",
        b"\x50\x51\x52\x53\x54\x55\x56\x57",
        b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
    ]
    frontier = merkle.Frontier()
    for leaf in leaves:
        frontier.append(merkle.leaf_hash(leaf))
    assert frontier.root().hex() == (
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    )


@pytest.mark.parametrize(("first", "second"), [(0, 3), (4, 3)])
def test_impossible_sizes_are_refused(first: int, second: int) -> None:
    with pytest.raises(ValueError):
        merkle.consistency_proof(first, second, tree(4)[1])
    assert not merkle.verify_consistency(first, second, b"", b"", [])
