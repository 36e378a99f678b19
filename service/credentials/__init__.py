"""Wallet credentials: OpenID4VCI issuance of SD-JWT VCs, status lists, OpenID4VP checks."""
