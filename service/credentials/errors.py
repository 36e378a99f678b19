"""Refusals of the wallet protocols, each with its OAuth/OpenID error code and status."""

from __future__ import annotations


class WalletError(Exception):
    """A refused wallet request: `code` is the protocol's error code."""

    code = "invalid_request"
    status = 400

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class InvalidGrant(WalletError):
    """The pre-authorized code is unknown, spent or expired."""

    code = "invalid_grant"


class WrongTransactionCode(InvalidGrant):
    """The transaction code (PIN) was wrong; the try was counted."""


class InvalidToken(WalletError):
    """The access token is unknown, expired or already used."""

    code = "invalid_token"
    status = 401


class InvalidProof(WalletError):
    """The proof of possession of the holder's key is missing or wrong."""

    code = "invalid_proof"


class InvalidNonce(WalletError):
    """The proof's nonce is unknown, used or too old: fetch a fresh one."""

    code = "invalid_nonce"


class UnknownCredential(WalletError):
    """The credential configuration was not offered with this token."""

    code = "unknown_credential_configuration"


class NotAvailable(WalletError):
    """The case does not (or no longer) make this credential available."""

    code = "credential_not_available"
    status = 409
