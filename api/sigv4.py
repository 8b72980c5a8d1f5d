"""Opt-in SigV4 verification: ``SLUICE_AUTH=sigv4`` checks every AWS request's signature as AWS does.

Off by default (any credentials are accepted, the gateway never calls in here). On, a request is
accepted only when it is signed (``Authorization`` header or presigned query string) with a key id
Sluice knows and the signature recomputed from the request with that key's secret matches:
canonical request, string to sign, HMAC-SHA256 key derivation (``kDate``/``kRegion``/``kService``/
``kSigning``), as AWS's "Create a signed AWS API request" describes. ``x-amz-content-sha256`` is the
payload hash when present (``UNSIGNED-PAYLOAD`` leaves the body out; any other value must be the
body's SHA-256). None of SQS, SNS, EventBridge, DynamoDB or STS accepts ``aws-chunked`` bodies, so
the ``STREAMING-*`` payload forms are refused.

Credentials (``emulator/settings.py``):

- ``SLUICE_CREDENTIALS``: a JSON file, a list of ``{"AccessKeyId", "SecretAccessKey", "AccountId"}``
  (``AccountId`` optional), or an AWS shared-credentials INI file (``~/.aws/credentials``: each
  section's ``aws_access_key_id``, ``aws_secret_access_key`` and optional ``aws_account_id``);
- ``SLUICE_ACCESS_KEY_ID`` / ``SLUICE_SECRET_ACCESS_KEY`` / ``SLUICE_ACCOUNT_ID``: one more pair.

A key with an account acts in it; one without acts where the key would without verification (twelve
digits, a Sluice STS key, else the default account). Errors are each service's own: the query
services (SQS, SNS, STS) answer ``InvalidClientTokenId`` / ``SignatureDoesNotMatch`` (403) and allow
15 minutes of clock skew; the JSON services (DynamoDB, Streams, EventBridge) answer
``UnrecognizedClientException`` / ``InvalidSignatureException`` (400) and allow 5 minutes. Time is the
injected clock's, so a test moves past the window with the fake clock.
"""

from __future__ import annotations

import configparser
import hashlib
import hmac
import json
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote, unquote

from emulator.caller import Caller
from emulator.errors import AwsError
from emulator.sts import account_for_key, issued_secret

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
MAX_EXPIRES = 7 * 24 * 3600  # a presigned URL lives at most a week
_AMZ_DATE = re.compile(r"^\d{8}T\d{6}Z$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_JSON_SERVICES = frozenset({"dynamodb", "dynamodbstreams", "events"})

INVALID_TOKEN = "The security token included in the request is invalid."
SIGNATURE_MISMATCH = ("The request signature we calculated does not match the signature you provided. Check your "
                      "AWS Secret Access Key and signing method. Consult the service documentation for details.")


# --- the signature (pure) ------------------------------------------------------------------------

def uri_encode(value: str) -> str:
    """RFC 3986 encoding as SigV4 wants it: unreserved characters kept, everything else %XX (upper case)."""
    return quote(value, safe="-_.~")


def normalize_path(path: str) -> str:
    """RFC 3986 dot-segment removal, empty segments dropped too (AWS's rule); a trailing slash is kept."""
    if not path:
        return "/"
    out: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if out:
                out.pop()
        elif segment and segment != ".":
            out.append(segment)
    return ("/" if path.startswith("/") else "") + "/".join(out) + ("/" if path.endswith("/") and out else "")


def canonical_uri(path: str) -> str:
    """The decoded path, normalized, URI-encoded twice (every service but S3 does so: once to make the
    URL, once more in the canonical request)."""
    return quote(quote(normalize_path(path), safe="/~"), safe="/~")


def canonical_query(pairs: list[tuple[str, str]]) -> str:
    """Decoded (name, value) pairs, each encoded, sorted by name then value, joined by ``&``."""
    return "&".join(f"{k}={v}" for k, v in sorted((uri_encode(k), uri_encode(v)) for k, v in pairs))


def canonical_headers(headers: dict[str, str], signed: list[str]) -> str:
    """``name:value`` lines of the signed headers, values trimmed with inner runs of spaces folded."""
    return "".join(f"{name}:{' '.join(headers.get(name, '').split())}\n" for name in signed)


def canonical_request(method: str, path: str, query: list[tuple[str, str]], headers: dict[str, str],
                      signed: list[str], payload_hash: str) -> str:
    return "\n".join((method.upper(), canonical_uri(path), canonical_query(query),
                      canonical_headers(headers, signed), ";".join(signed), payload_hash))


def string_to_sign(amz_date: str, scope: str, request: str) -> str:
    return "\n".join((ALGORITHM, amz_date, scope, hashlib.sha256(request.encode("utf-8")).hexdigest()))


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret).encode("utf-8")
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def signature(key: bytes, to_sign: str) -> str:
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


# --- credentials ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Credential:
    secret: str
    account: str | None = None


def load_credentials(path: Path | None = None, access_key_id: str | None = None, secret: str | None = None,
                     account: str | None = None) -> dict[str, Credential]:
    """Access key id -> credential, from a JSON or INI file and one pair from the environment."""
    found: dict[str, Credential] = {}
    if path is not None:
        text = Path(path).read_text()
        try:
            entries = json.loads(text)
        except ValueError:
            entries = None
        if entries is not None:
            for entry in entries if isinstance(entries, list) else [entries]:
                found[str(entry["AccessKeyId"])] = Credential(str(entry["SecretAccessKey"]),
                                                              _account(entry.get("AccountId")))
        else:
            parser = configparser.ConfigParser(interpolation=None)
            parser.read_string(text)
            for section in parser.sections():
                values = parser[section]
                if "aws_access_key_id" in values and "aws_secret_access_key" in values:
                    found[values["aws_access_key_id"].strip()] = Credential(
                        values["aws_secret_access_key"].strip(), _account(values.get("aws_account_id")))
    if access_key_id and secret:
        found[access_key_id] = Credential(secret, _account(account))
    return found


def _account(value) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    account = str(value).strip()
    if not (len(account) == 12 and account.isdigit()):
        raise ValueError(f"account id {account!r} is not 12 digits")
    return account


# --- errors, in each service's words ---------------------------------------------------------------

def _error(service: str, kind: str, message: str) -> AwsError:
    json_service = service in _JSON_SERVICES
    code, status = {
        "unknown": ("UnrecognizedClientException", 400) if json_service else ("InvalidClientTokenId", 403),
        "mismatch": ("InvalidSignatureException", 400) if json_service else ("SignatureDoesNotMatch", 403),
        "incomplete": ("IncompleteSignatureException", 400) if json_service else ("IncompleteSignature", 400),
        "missing": (("MissingAuthenticationTokenException", 400) if json_service
                    else ("MissingAuthenticationToken", 403)),
        "expired": ("InvalidSignatureException", 400) if json_service else ("RequestExpired", 400),
    }[kind]
    return AwsError(message, code=code, status=status)


def _skew_ms(service: str) -> int:
    return (5 if service in _JSON_SERVICES else 15) * 60_000


def _stamp(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y%m%dT%H%M%SZ")


# --- the verifier --------------------------------------------------------------------------------

@dataclass(slots=True)
class _Signed:
    access_key: str
    scope: list[str]           # date, region, service, terminator
    signed_headers: list[str]
    signature: str
    amz_date: str
    presigned: bool
    expires: int | None = None


class Verifier:
    def __init__(self, credentials: dict[str, Credential], clock, default_account: str):
        self.credentials = credentials
        self.clock = clock
        self.default_account = default_account

    def verify(self, service: str, caller: Caller, method: str, path: str, query_string: bytes,
               headers: dict[str, str], body: bytes) -> Caller:
        """The caller, acting in its key's account, or the AWS error this request gets."""
        query = _query_pairs(query_string)
        signed = self._parse(service, headers, query)
        credential = self.credentials.get(signed.access_key)
        if credential is None:
            issued = issued_secret(signed.access_key)  # a key from Sluice's STS (AssumeRole, ...)
            if issued is None:
                raise _error(service, "unknown", INVALID_TOKEN)
            credential = Credential(issued, None)
        self._check_time(service, signed)
        if signed.presigned:
            query = [(k, v) for k, v in query if k != "X-Amz-Signature"]
            hashes = [headers.get("x-amz-content-sha256") or hashlib.sha256(body).hexdigest(), UNSIGNED_PAYLOAD]
        else:
            hashes = [self._payload_hash(service, headers, body)]
        key = signing_key(credential.secret, *signed.scope[:3])
        scope = "/".join(signed.scope)
        for payload_hash in hashes:
            request = canonical_request(method, path, query, headers, signed.signed_headers, payload_hash)
            if hmac.compare_digest(signature(key, string_to_sign(signed.amz_date, scope, request)), signed.signature):
                account = credential.account or account_for_key(signed.access_key, self.default_account)
                return caller if account == caller.account else replace(caller, account=account)
        raise _error(service, "mismatch", SIGNATURE_MISMATCH)

    def _parse(self, service: str, headers: dict[str, str], query: list[tuple[str, str]]) -> _Signed:
        authorization = headers.get("authorization")
        if authorization:
            algorithm, _, rest = authorization.strip().partition(" ")
            if algorithm != ALGORITHM:
                raise _error(service, "incomplete", f"Unsupported AWS 'algorithm': '{algorithm}'")
            fields = {}
            for part in rest.split(","):
                name, _, value = part.strip().partition("=")
                fields[name] = value
            problems = [f"Authorization header requires '{name}' parameter."
                        for name in ("Credential", "Signature", "SignedHeaders") if not fields.get(name)]
            amz_date = headers.get("x-amz-date") or _from_http_date(headers.get("date"))
            if not amz_date:
                problems.append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
            if problems:
                raise _error(service, "incomplete", " ".join(problems) + f" Authorization={authorization}")
            return self._signed(service, fields["Credential"], fields["SignedHeaders"], fields["Signature"],
                                amz_date or "", presigned=False)
        params = dict(query)
        if "X-Amz-Algorithm" in params or "X-Amz-Signature" in params or "X-Amz-Credential" in params:
            if params.get("X-Amz-Algorithm") != ALGORITHM:
                raise _error(service, "incomplete",
                             f"Unsupported AWS 'algorithm': '{params.get('X-Amz-Algorithm', '')}'")
            missing = [name for name in ("X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date")
                       if not params.get(name)]
            if missing:
                raise _error(service, "incomplete", " ".join(
                    f"AWS query-string parameters must include '{name}'." for name in missing))
            expires = params.get("X-Amz-Expires")
            if expires is not None and not (expires.isdigit() and 0 < int(expires) <= MAX_EXPIRES):
                raise _error(service, "incomplete",
                             f"X-Amz-Expires must be a number of seconds from 1 to {MAX_EXPIRES}, not '{expires}'.")
            signed = self._signed(service, params["X-Amz-Credential"], params["X-Amz-SignedHeaders"],
                                  params["X-Amz-Signature"], params["X-Amz-Date"], presigned=True)
            signed.expires = int(expires) if expires is not None else None
            return signed
        raise _error(service, "missing", "Request is missing Authentication Token" if service not in _JSON_SERVICES
                     else "Missing Authentication Token")

    @staticmethod
    def _signed(service: str, credential: str, signed_headers: str, sig: str, amz_date: str, *,
                presigned: bool) -> _Signed:
        parts = credential.split("/")
        if len(parts) != 5 or not all(parts):
            raise _error(service, "incomplete", f"Credential should be scoped to a valid region, not '{credential}'. ")
        if parts[4] != "aws4_request":
            raise _error(service, "incomplete",
                         f"Credential should be scoped with a valid terminator: 'aws4_request', not '{parts[4]}'.")
        if not _AMZ_DATE.match(amz_date):
            raise _error(service, "incomplete", f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'.")
        if parts[1] != amz_date[:8]:
            raise _error(service, "mismatch", f"Date in Credential scope does not match YYYYMMDD from ISO-8601 "
                                              f"version of date from HTTP: '{parts[1]}' != '{amz_date[:8]}', "
                                              f"from '{amz_date}'.")
        names = signed_headers.split(";")
        if "host" not in names:
            raise _error(service, "mismatch", "'Host' must be a 'SignedHeader' in the AWS Authorization.")
        return _Signed(parts[0], parts[1:], names, sig.strip().lower(), amz_date, presigned)

    def _check_time(self, service: str, signed: _Signed) -> None:
        now = self.clock.now_ms()
        signed_ms = int(datetime.strptime(signed.amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp() * 1000)
        skew = _skew_ms(service)
        minutes = skew // 60_000
        if signed.presigned and signed.expires is not None:
            if now > signed_ms + signed.expires * 1000:
                raise _error(service, "expired", "Request has expired.")
            if signed_ms - now > skew:
                raise _error(service, "mismatch", f"Signature not yet current: {signed.amz_date} is still later than "
                                                  f"{_stamp(now + skew)} ({_stamp(now)} + {minutes} min.)")
            return
        if now - signed_ms > skew:
            raise _error(service, "mismatch", f"Signature expired: {signed.amz_date} is now earlier than "
                                              f"{_stamp(now - skew)} ({_stamp(now)} - {minutes} min.)")
        if signed_ms - now > skew:
            raise _error(service, "mismatch", f"Signature not yet current: {signed.amz_date} is still later than "
                                              f"{_stamp(now + skew)} ({_stamp(now)} + {minutes} min.)")

    @staticmethod
    def _payload_hash(service: str, headers: dict[str, str], body: bytes) -> str:
        declared = headers.get("x-amz-content-sha256")
        if declared is None:
            return hashlib.sha256(body).hexdigest()
        if declared == UNSIGNED_PAYLOAD:
            return declared
        if not _HEX64.match(declared):  # STREAMING-*: aws-chunked, which none of these services accept
            raise _error(service, "incomplete", f"x-amz-content-sha256 '{declared}' is not supported by this service.")
        if declared != hashlib.sha256(body).hexdigest():
            raise _error(service, "mismatch", "The provided 'x-amz-content-sha256' header does not match what was "
                                              "computed.")
        return declared


def _query_pairs(query_string: bytes) -> list[tuple[str, str]]:
    """The raw query string's (name, value) pairs, percent-decoded (``+`` stays ``+``, as AWS reads it)."""
    if not query_string:
        return []
    text = query_string.decode("latin-1")
    pairs = []
    for part in text.split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append((unquote(name), unquote(value)))
    return pairs


def _from_http_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    except (TypeError, ValueError):
        return None


def verifier(settings, clock) -> Verifier | None:
    """The verifier ``SLUICE_AUTH=sigv4`` asks for, or None (the default: nothing is verified, at no cost)."""
    if getattr(settings, "auth", "off") != "sigv4":
        return None
    secret = settings.secret_access_key.get_secret_value() if settings.secret_access_key else None
    credentials = load_credentials(settings.credentials, settings.access_key_id, secret, settings.account_id)
    if not credentials:
        raise ValueError("SLUICE_AUTH=sigv4 needs credentials: SLUICE_CREDENTIALS (a JSON or INI file) or "
                         "SLUICE_ACCESS_KEY_ID and SLUICE_SECRET_ACCESS_KEY")
    return Verifier(credentials, clock, settings.default_account)
