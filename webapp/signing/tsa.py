"""Trusted time for signatures (RFC 3161, CAdES-T): a timestamp token over a signature's SignatureValue proves the
signature existed at that moment, so it stays provable after its signer's certificate expires or is revoked.

The token comes from the time-stamping authority at ``CASEFILES_TSA_URL`` (plain RFC 3161 over HTTP: a
TimeStampReq with SHA-256 of the signature value, a nonce and certReq; the answer's status, nonce, message imprint
and the TSA's signature are checked before it is kept). Without a URL, casefiles' own TSA key under its CA
(``tsa.pem`` in the CA folder) answers the same request in process: weaker, since the server that signs also says
when, but every token still verifies with ``openssl ts -verify`` against ``ca.pem``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

# The own TSA's policy: an OID under 2.25 (a UUID, RFC 4122 9.5), which needs no registration.
OWN_POLICY = "2.25.151934233913532468399113404473406005433"
MAX_RESPONSE_BYTES = 1024 * 1024
TIMEOUT_SECONDS = 10
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


# What a token is over, as its digest by hash algorithm name ("sha256", ...): a signature value's, or an archive
# timestamp's concatenation of content and CMS parts (webapp.signing.archive), hashed without holding it in memory.
Digests = Callable[[str], bytes]


class TimestampUnavailable(RuntimeError):
    """The TSA did not answer, refused, or answered something that does not hold (the message says which,
    without personal data)."""


class BadToken(ValueError):
    """A timestamp token that does not prove what it claims: unreadable, another imprint, a broken signature."""


@dataclass(frozen=True)
class Timestamp:
    token: bytes  # DER ContentInfo (SignedData over a TSTInfo), as kept in the signature's unsigned attribute
    time: dt.datetime  # the TSTInfo's genTime, UTC
    certificate: x509.Certificate  # the TSA's


class Authority(Protocol):
    def respond(self, request: bytes) -> bytes:
        """A DER TimeStampResp to a DER TimeStampReq."""
        ...


def timestamp(signature_value: bytes, authority: Authority) -> Timestamp:
    """A checked token over SHA-256 of `signature_value`; TimestampUnavailable when none can be had."""
    return timestamp_over(digests_of(signature_value), authority)


def timestamp_over(digests: Digests, authority: Authority) -> Timestamp:
    """A checked token over `digests("sha256")`; TimestampUnavailable when none can be had."""
    nonce = int.from_bytes(secrets.token_bytes(8), "big") | 1 << 63
    request = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": _imprint(digests("sha256")),
            "nonce": nonce,
            "cert_req": True,
        }
    )
    answer = authority.respond(request.dump())
    try:
        response = tsp.TimeStampResp.load(answer, strict=True)
        status = response["status"]["status"].native
    except (ValueError, TypeError, KeyError) as exc:
        raise TimestampUnavailable("the TSA's answer is not a TimeStampResp") from exc
    if status not in ("granted", "granted_with_mods"):
        raise TimestampUnavailable(f"the TSA refused the request ({status})")
    token = response["time_stamp_token"].dump()
    try:
        stamped = read_token_over(token, digests)
    except BadToken as exc:
        raise TimestampUnavailable(f"the TSA's token does not hold: {exc}") from exc
    if _tst_info(cms.ContentInfo.load(token))["nonce"].native != nonce:
        raise TimestampUnavailable("the TSA's token answers another request (nonce)")
    return stamped


def read_token(token: bytes, signature_value: bytes) -> Timestamp:
    """Check a token over `signature_value`: its imprint, and the TSA's signature over it by the certificate it
    carries (which must be a TSA's: extendedKeyUsage timeStamping). Whether that TSA is trusted is the caller's."""
    return read_token_over(token, digests_of(signature_value))


def digests_of(data: bytes) -> Digests:
    return lambda algorithm: _digest(algorithm, data)


def read_token_over(token: bytes, digests: Digests) -> Timestamp:
    """As `read_token`, for a token over what `digests` hashes."""
    try:
        info = cms.ContentInfo.load(token, strict=True)
        if info["content_type"].native != "signed_data":
            raise BadToken("not a CMS SignedData")
        tst_info = _tst_info(info)
        imprint = tst_info["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        if algorithm not in _HASHES:
            raise BadToken(f"unsupported imprint algorithm {algorithm}")
        if imprint["hashed_message"].native != digests(algorithm):
            raise BadToken("the token covers other data (another signature value, changed content)")
        certificate = _check_signer(info["content"])
        time = tst_info["gen_time"].native
    except (ValueError, TypeError, KeyError) as exc:
        if isinstance(exc, BadToken):
            raise
        raise BadToken(f"unreadable token: {exc}") from exc
    return Timestamp(token, time.astimezone(dt.UTC), certificate)


def token_certificate(token: bytes) -> x509.Certificate:
    """The TSA certificate a token names, unchecked (BadToken when there is none)."""
    try:
        signed_data = cms.ContentInfo.load(token)["content"]
        return _signer_certificate(signed_data, signed_data["signer_infos"][0]["sid"])
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise BadToken(f"unreadable token: {exc}") from exc


def _tst_info(info: Any) -> Any:
    encapsulated = info["content"]["encap_content_info"]
    if encapsulated["content_type"].native != "tst_info":
        raise BadToken("the token does not hold a TSTInfo")
    return encapsulated["content"].parsed


def _check_signer(signed_data: Any) -> x509.Certificate:
    signer_infos = signed_data["signer_infos"]
    if len(signer_infos) != 1:
        raise BadToken("expected exactly one TSA signer")
    signer = signer_infos[0]
    certificate = _signer_certificate(signed_data, signer["sid"])
    digest_algorithm = signer["digest_algorithm"]["algorithm"].native
    if digest_algorithm not in _HASHES:
        raise BadToken(f"unsupported digest {digest_algorithm}")
    attributes = {attribute["type"].native: attribute["values"][0] for attribute in signer["signed_attrs"]}
    if attributes.get("content_type") is None or attributes["content_type"].native != "tst_info":
        raise BadToken("the signed content type is not TSTInfo")
    content = signed_data["encap_content_info"]["content"].contents
    if attributes.get("message_digest") is None or attributes["message_digest"].native != _digest(
        digest_algorithm, content
    ):
        raise BadToken("the TSTInfo was changed after the TSA signed it")
    signed_bytes = b"\x31" + signer["signed_attrs"].dump()[1:]  # signed as a SET OF, not as [0] IMPLICIT
    _verify(certificate, signer["signature_algorithm"].signature_algo, digest_algorithm, signer, signed_bytes)
    if not _is_tsa_certificate(certificate):
        raise BadToken("the token's certificate is not a TSA's (extendedKeyUsage timeStamping)")
    return certificate


def _signer_certificate(signed_data: Any, sid: Any) -> x509.Certificate:
    for choice in signed_data["certificates"] or []:
        if choice.name != "certificate":
            continue
        candidate = choice.chosen
        if sid.name == "issuer_and_serial_number":
            matches = (
                candidate.serial_number == sid.chosen["serial_number"].native
                and candidate.issuer == sid.chosen["issuer"]
            )
        else:
            matches = candidate.key_identifier == sid.chosen.native
        if matches:
            return x509.load_der_x509_certificate(candidate.dump())
    raise BadToken("the TSA's certificate is not included")


def _verify(certificate: x509.Certificate, algorithm: str, digest: str, signer: Any, signed_bytes: bytes) -> None:
    public_key, hash_algorithm, signature = certificate.public_key(), _HASHES[digest](), signer["signature"].native
    try:
        if isinstance(public_key, ec.EllipticCurvePublicKey) and algorithm == "ecdsa":
            public_key.verify(signature, signed_bytes, ec.ECDSA(hash_algorithm))
        elif isinstance(public_key, rsa.RSAPublicKey) and algorithm == "rsassa_pkcs1v15":
            public_key.verify(signature, signed_bytes, padding.PKCS1v15(), hash_algorithm)
        elif isinstance(public_key, rsa.RSAPublicKey) and algorithm == "rsassa_pss":
            pss = padding.PSS(mgf=padding.MGF1(hash_algorithm), salt_length=padding.PSS.AUTO)
            public_key.verify(signature, signed_bytes, pss, hash_algorithm)
        else:
            raise BadToken(f"unsupported TSA signature algorithm {algorithm}")
    except InvalidSignature:
        raise BadToken("the TSA's signature does not verify") from None


def _is_tsa_certificate(certificate: x509.Certificate) -> bool:
    try:
        usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return ExtendedKeyUsageOID.TIME_STAMPING in usage


def _digest(algorithm: str, data: bytes) -> bytes:
    return hashlib.new(algorithm, data).digest()


def _imprint(sha256: bytes) -> tsp.MessageImprint:
    return tsp.MessageImprint(
        {"hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}), "hashed_message": sha256}
    )


@dataclass(frozen=True)
class HttpAuthority:
    """A TSA over HTTP(S) (RFC 3161 section 3.4): the request POSTed as application/timestamp-query."""

    url: str
    timeout: float = TIMEOUT_SECONDS

    def respond(self, request: bytes) -> bytes:
        post = urllib.request.Request(  # noqa: S310 - the URL is checked to be http(s) in webapp.config
            self.url,
            data=request,
            headers={"Content-Type": "application/timestamp-query", "Accept": "application/timestamp-reply"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(post, timeout=self.timeout) as answer:  # noqa: S310
                media_type = answer.headers.get_content_type()
                body: bytes = answer.read(MAX_RESPONSE_BYTES + 1)
        except (OSError, urllib.error.URLError) as exc:  # refused, unreachable, a timeout, an HTTP error status
            raise TimestampUnavailable(f"the TSA does not answer: {type(exc).__name__}") from exc
        if media_type != "application/timestamp-reply" or len(body) > MAX_RESPONSE_BYTES:
            raise TimestampUnavailable(f"the TSA answered {media_type}, not a timestamp reply")
        return body


@dataclass(frozen=True)
class LocalAuthority:
    """casefiles' own TSA: its key and certificate under the institution's CA (``CertificateAuthority
    .time_stamping``). Answers in process, with the same protocol an external TSA speaks."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    ca_certificate: x509.Certificate

    def respond(self, request: bytes) -> bytes:
        asked = tsp.TimeStampReq.load(request)
        tst_info = tsp.TSTInfo(
            {
                "version": "v1",
                "policy": OWN_POLICY,
                "message_imprint": asked["message_imprint"],
                "serial_number": int.from_bytes(secrets.token_bytes(16), "big"),
                "gen_time": dt.datetime.now(dt.UTC).replace(microsecond=0),
                "nonce": asked["nonce"],
                "tsa": asn1_x509.GeneralName({"directory_name": self._asn1(self.certificate).subject}),
            }
        )
        token = cms.ContentInfo({"content_type": "signed_data", "content": self._signed_data(tst_info.dump())})
        status = tsp.PKIStatusInfo({"status": "granted"})
        answer: bytes = tsp.TimeStampResp({"status": status, "time_stamp_token": token}).dump()
        return answer

    def _signed_data(self, tst_info: bytes) -> cms.SignedData:
        certificate = self._asn1(self.certificate)
        attributes = cms.CMSAttributes(
            [
                {"type": "content_type", "values": ["tst_info"]},
                {"type": "message_digest", "values": [hashlib.sha256(tst_info).digest()]},
                {"type": "signing_certificate_v2", "values": [_signing_certificate_v2(certificate)]},
            ]
        )
        signature = self.key.sign(attributes.dump(), ec.ECDSA(hashes.SHA256()))
        sha256 = algos.DigestAlgorithm({"algorithm": "sha256"})
        signer = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    {
                        "issuer_and_serial_number": {
                            "issuer": certificate.issuer,
                            "serial_number": certificate.serial_number,
                        }
                    }
                ),
                "digest_algorithm": sha256,
                "signed_attrs": attributes,
                "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
                "signature": signature,
            }
        )
        return cms.SignedData(
            {
                "version": "v3",
                "digest_algorithms": [sha256],
                "encap_content_info": {"content_type": "tst_info", "content": core.ParsableOctetString(tst_info)},
                "certificates": [certificate, self._asn1(self.ca_certificate)],
                "signer_infos": [signer],
            }
        )

    @staticmethod
    def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _signing_certificate_v2(certificate: asn1_x509.Certificate) -> tsp.SigningCertificateV2:
    """ESS signingCertificateV2 (RFC 5816): which certificate signed, as `openssl ts -verify` requires (the hash
    algorithm is left out: SHA-256 is its DER default)."""
    return tsp.SigningCertificateV2(
        {
            "certs": [
                {
                    "cert_hash": hashlib.sha256(certificate.dump()).digest(),
                    "issuer_serial": {
                        "issuer": [asn1_x509.GeneralName({"directory_name": certificate.issuer})],
                        "serial_number": certificate.serial_number,
                    },
                }
            ]
        }
    )
