"""STS: who is calling, and temporary credentials that act in the account they were issued for.

Stateless by design. Every access key id STS hands out encodes its account the way AWS's own keys do
(four letters, then 16 base32 characters whose first 48 bits hold ``1 | account << 7 | 7 random
bits``), with LocalStack's ``LSIA``/``LKIA`` prefixes instead of ``ASIA``/``AKIA``: so secret scanners
do not flag them as leaked AWS keys, and tools written for LocalStack read them as it does. The
gateway maps such a key to its account on every call (``account_for_key``), so after
``AssumeRole`` into account B the SDK's next calls act in B, across restarts, with no table.

Who the credentials belong to (an assumed role's session, a web identity) travels in the session
token, which the SDK sends with every call (``X-Amz-Security-Token``); ``GetCallerIdentity`` reads it
back. Without one the caller is the account's one default identity, the IAM user ``sluice``.

Nothing else of IAM is emulated: every role can be assumed by anyone, and no policy is evaluated.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
from typing import TYPE_CHECKING

from . import jsontext
from .errors import AwsError

if TYPE_CHECKING:
    from .caller import Caller
    from .core import Emulator

DEFAULT_USER = "sluice"
TEMPORARY_PREFIX = "LSIA"   # AWS: ASIA
LONG_TERM_PREFIX = "LKIA"   # AWS: AKIA
_KEY = re.compile(r"^(?:LSIA|LKIA|ASIA|AKIA)[A-Z2-7]{16}$")
_TOKEN_PREFIX = "SluiceSTS1/"
_ROLE_ARN = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):role/(?:[\w+=,.@/-]*/)?([\w+=,.@-]{1,64})$")


class ValidationError(AwsError):
    pass


class InvalidIdentityToken(AwsError):
    pass


class ExpiredTokenException(AwsError):
    pass


# --- access key ids ------------------------------------------------------------------------------

def decode_account(access_key_id: str) -> str | None:
    """The account an AWS-format access key id encodes, or None when it encodes none."""
    if not _KEY.match(access_key_id):
        return None
    try:
        raw = base64.b32decode(access_key_id[4:])
    except binascii.Error:
        return None
    bits = int.from_bytes(raw[:6], "big")
    if not bits >> 47:  # keys issued before the account was encoded (AKIAI...) have the top bit clear
        return None
    return f"{(bits & 0x7FFFFFFFFF80) >> 7:012d}"


def account_for_key(access_key_id: str | None, default_account: str) -> str:
    """The account a call signed with ``access_key_id`` acts in.

    Twelve digits are the account; a key issued by Sluice (``LSIA``/``LKIA``) names its account; any
    other key (``test``, a real ``AKIA`` key left in the environment) acts in the default account,
    as in LocalStack: a production key never silently selects a production account number.
    """
    key = access_key_id or ""
    if len(key) == 12 and key.isascii() and key.isdigit():
        return key
    if key.startswith((TEMPORARY_PREFIX, LONG_TERM_PREFIX)):
        return decode_account(key) or default_account
    return default_account


def new_access_key_id(account: str, *, temporary: bool = True) -> str:
    head = (1 << 47) | (int(account) << 7) | secrets.randbits(7)
    raw = head.to_bytes(6, "big") + secrets.token_bytes(4)
    return (TEMPORARY_PREFIX if temporary else LONG_TERM_PREFIX) + base64.b32encode(raw).decode()


# Secrets of the keys STS issues are derived from the key, not stored: with SLUICE_AUTH=sigv4 the verifier
# recomputes them (across restarts too). Not a security boundary: Sluice is a local emulator.
_ISSUED_SECRET_KEY = b"sluice-sts-issued-secret"


def issued_secret(access_key_id: str) -> str | None:
    """The secret of a key Sluice's STS issued (``LSIA``/``LKIA``), or None for any other key."""
    if not access_key_id.startswith((TEMPORARY_PREFIX, LONG_TERM_PREFIX)):
        return None
    digest = hmac.new(_ISSUED_SECRET_KEY, access_key_id.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest[:30]).decode()  # 40 characters, as AWS's secrets


# --- identities ----------------------------------------------------------------------------------

def partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def _unique_id(prefix: str, seed: str) -> str:
    """A stable IAM unique id (``AIDA...``, ``AROA...``: 21 characters) for a user or role."""
    digest = hashlib.sha256(seed.encode()).digest()
    return prefix + base64.b32encode(digest).decode()[:17]


def default_identity(account: str, region: str) -> dict[str, str]:
    arn = f"arn:{partition(region)}:iam::{account}:user/{DEFAULT_USER}"
    return {"Arn": arn, "UserId": _unique_id("AIDA", arn), "Account": account}


def _encode_token(access_key_id: str, identity: dict[str, str]) -> str:
    # A random part first, as every real token differs, then the identity for GetCallerIdentity.
    payload = {"k": access_key_id, "r": secrets.token_hex(8), **identity}
    return _TOKEN_PREFIX + base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()


def _decode_token(token: str | None, access_key_id: str | None) -> dict[str, str] | None:
    if not token or not token.startswith(_TOKEN_PREFIX):
        return None
    try:
        payload = jsontext.loads(base64.urlsafe_b64decode(token[len(_TOKEN_PREFIX):]))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(payload, dict) or payload.get("k") != access_key_id:
        return None  # a token sent with other credentials than those it was issued with
    return {k: payload[k] for k in ("Arn", "UserId", "Account") if isinstance(payload.get(k), str)}


def _jwt_claims(token: str) -> dict | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = jsontext.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return None
    return claims if isinstance(claims, dict) else None


class Sts:
    def __init__(self, emulator: Emulator):
        self.clock = emulator.clock

    async def start(self) -> None:
        pass

    def reset(self) -> None:
        pass

    async def get_caller_identity(self, caller: Caller, *, access_key_id: str | None,
                                  session_token: str | None) -> dict:
        identity = _decode_token(session_token, access_key_id)
        if identity and identity.get("Account") == caller.account:
            return identity
        return default_identity(caller.account, caller.region)

    async def get_access_key_info(self, caller: Caller, *, access_key_id: str, default_account: str) -> dict:
        return {"Account": account_for_key(access_key_id, default_account)}

    async def get_session_token(self, caller: Caller, *, access_key_id: str | None, session_token: str | None,
                                duration_seconds: int | None) -> dict:
        identity = await self.get_caller_identity(caller, access_key_id=access_key_id, session_token=session_token)
        return {"Credentials": self._credentials(caller.account, identity, duration_seconds or 43200)}

    async def assume_role(self, caller: Caller, *, role_arn: str, role_session_name: str,
                          duration_seconds: int | None, source_identity: str | None = None) -> dict:
        out = self._assume(caller, role_arn, role_session_name, duration_seconds)
        if source_identity:
            out["SourceIdentity"] = source_identity
        return out

    async def assume_role_with_web_identity(self, caller: Caller, *, role_arn: str, role_session_name: str,
                                            web_identity_token: str, duration_seconds: int | None,
                                            provider_id: str | None = None) -> dict:
        # The token's signature is not checked (there is no identity provider to ask); its claims are
        # read when it is a JWT, and an expired one is refused as AWS refuses it.
        claims = _jwt_claims(web_identity_token) or {}
        exp = claims.get("exp")
        if isinstance(exp, (int, float)) and exp * 1000 <= self.clock.now_ms():
            raise ExpiredTokenException("Token expired: current date/time must be before the expiration date/time.")
        out = self._assume(caller, role_arn, role_session_name, duration_seconds)
        if isinstance(claims.get("sub"), str):
            out["SubjectFromWebIdentityToken"] = claims["sub"]
        audience = claims.get("aud")
        if isinstance(audience, list):
            audience = audience[0] if audience else None
        if isinstance(audience, str):
            out["Audience"] = audience
        provider = provider_id or claims.get("iss")
        if isinstance(provider, str):
            out["Provider"] = provider.removeprefix("https://")
        return out

    # --- the shared parts ------------------------------------------------------------------------

    def _assume(self, caller: Caller, role_arn: str, session_name: str, duration_seconds: int | None) -> dict:
        match = _ROLE_ARN.match(role_arn)
        if not match:
            raise ValidationError("Request ARN is invalid")  # STS's answer to a RoleArn that names no role
        part, account, role_name = match.groups()
        role_id = _unique_id("AROA", f"arn:{part}:iam::{account}:role/{role_name}")
        identity = {"Arn": f"arn:{part}:sts::{account}:assumed-role/{role_name}/{session_name}",
                    "UserId": f"{role_id}:{session_name}", "Account": account}
        return {"Credentials": self._credentials(account, identity, duration_seconds or 3600),
                "AssumedRoleUser": {"Arn": identity["Arn"], "AssumedRoleId": identity["UserId"]}}

    def _credentials(self, account: str, identity: dict[str, str], duration_seconds: int) -> dict:
        key = new_access_key_id(account)
        return {"AccessKeyId": key, "SecretAccessKey": issued_secret(key),
                "SessionToken": _encode_token(key, identity),
                "Expiration": (self.clock.now_ms() // 1000) + duration_seconds}
