"""Names, paths and lifetimes of the wallet protocols."""

from __future__ import annotations

from enum import StrEnum

#: The credential format of SD-JWT VC (OpenID4VCI 1.0, appendix A.3).
FORMAT = "dc+sd-jwt"
SIGNING_ALG = "ES256"
PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
OFFER_SCHEME = "openid-credential-offer://"
PRESENTATION_SCHEME = "openid4vp://"

#: JOSE `typ` values.
PROOF_TYP = "openid4vci-proof+jwt"
STATUS_LIST_TYP = "statuslist+jwt"
KB_TYP = "kb+jwt"

#: Where the type metadata of `vct` lives (the `vct` is this URL on the instance).
TYPE_PATH = "/credentials/types/"
STATUS_LIST_PATH = "/credentials/status/"
RESPONSE_PATH = "/credentials/presentations/"

#: Lifetimes: an offer is a short-lived one-time secret; so are its token and nonces.
OFFER_MINUTES = 10
TOKEN_SECONDS = 300
NONCE_SECONDS = 300
PRESENTATION_MINUTES = 10
#: A proof's or key binding's `iat` may be this far from our clock.
CLOCK_SKEW_SECONDS = 300
#: Wrong transaction codes before the offer is spent for good.
MAX_TX_CODE_TRIES = 5
TX_CODE_LENGTH = 6

#: Entries per status list: large enough that one list hides which credential was checked.
STATUS_LIST_SIZE = 16384
#: How long a fetched status list may be cached (seconds, also its `ttl`).
STATUS_LIST_TTL = 300

#: The back-office role that may check presented credentials.
VERIFIER_ROLE = "credential_verifier"


class CheckOutcome(StrEnum):
    """Why a presentation was accepted or refused (stored, shown in words)."""

    ACCEPTED = "accepted"
    MALFORMED = "malformed"
    WRONG_ISSUER = "wrong_issuer"
    BAD_SIGNATURE = "bad_signature"
    WRONG_TYPE = "wrong_type"
    BAD_DISCLOSURE = "bad_disclosure"
    KEY_BINDING = "key_binding"
    WRONG_AUDIENCE = "wrong_audience"
    WRONG_NONCE = "wrong_nonce"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    MISSING_CLAIMS = "missing_claims"


#: Each outcome in words for the verifier: (German, English).
OUTCOME_TEXT: dict[CheckOutcome, tuple[str, str]] = {
    CheckOutcome.ACCEPTED: ("Der Nachweis ist gültig.", "The credential is valid."),
    CheckOutcome.MALFORMED: (
        "Abgelehnt: Die Antwort der Wallet ist kein lesbarer Nachweis.",
        "Refused: the wallet's answer is not a readable credential.",
    ),
    CheckOutcome.WRONG_ISSUER: (
        "Abgelehnt: Der Nachweis wurde nicht von dieser Stadt ausgestellt.",
        "Refused: the credential was not issued by this city.",
    ),
    CheckOutcome.BAD_SIGNATURE: (
        "Abgelehnt: Die Signatur der Stadt ist ungültig (der Nachweis wurde verändert).",
        "Refused: the city's signature is invalid (the credential was altered).",
    ),
    CheckOutcome.WRONG_TYPE: (
        "Abgelehnt: Es wurde ein anderer Nachweis vorgezeigt als angefordert.",
        "Refused: a different credential was shown than the one requested.",
    ),
    CheckOutcome.BAD_DISCLOSURE: (
        "Abgelehnt: Eine vorgezeigte Angabe wurde verändert.",
        "Refused: a disclosed detail was altered.",
    ),
    CheckOutcome.KEY_BINDING: (
        "Abgelehnt: Die Wallet konnte nicht belegen, dass ihr der Nachweis gehört.",
        "Refused: the wallet could not prove that the credential is its own.",
    ),
    CheckOutcome.WRONG_AUDIENCE: (
        "Abgelehnt: Die Antwort war für eine andere Prüfstelle bestimmt.",
        "Refused: the answer was meant for another verifier.",
    ),
    CheckOutcome.WRONG_NONCE: (
        "Abgelehnt: Die Antwort gehört zu einer früheren Anfrage (Wiederholung).",
        "Refused: the answer belongs to an earlier request (a replay).",
    ),
    CheckOutcome.NOT_YET_VALID: (
        "Abgelehnt: Der Nachweis gilt noch nicht.",
        "Refused: the credential is not valid yet.",
    ),
    CheckOutcome.EXPIRED: (
        "Abgelehnt: Der Nachweis ist abgelaufen.",
        "Refused: the credential has expired.",
    ),
    CheckOutcome.REVOKED: (
        "Abgelehnt: Der Nachweis wurde widerrufen.",
        "Refused: the credential has been revoked.",
    ),
    CheckOutcome.MISSING_CLAIMS: (
        "Abgelehnt: Die angeforderten Angaben fehlen.",
        "Refused: the requested details are missing.",
    ),
}
