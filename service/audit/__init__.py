"""The public, append-only audit log: a Merkle tree over every audit event and document."""
