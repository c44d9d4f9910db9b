"""Detached CMS SignedData (RFC 5652) over a version's exact bytes: made with ``cryptography``, read back with
``asn1crypto`` (``cryptography`` signs CMS but does not parse it).

A signature holds SHA-256 of the content in its signed attributes, the signing time, and the signer's
certificate, so ``openssl cms -verify -binary -inform DER -in SIG.p7s -content FILE -CAfile ca.pem -purpose any``
checks it with nothing but the CA certificate.

A signature made since issue 28 also carries, as the unsigned attribute signatureTimeStampToken (CAdES-T,
1.2.840.113549.1.9.16.2.14), an RFC 3161 token over its SignatureValue (``webapp.signing.tsa``): unsigned
attributes are outside what the signer signs, so adding it leaves the signature as OpenSSL checks it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from asn1crypto import cms as asn1_cms
from asn1crypto import core
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7


class MalformedSignature(ValueError):
    """The bytes are not a detached CMS SignedData with one signer this module can check."""


@dataclass(frozen=True)
class SignedContent:
    """What a signature says about itself, once its own signature over the signed attributes holds."""

    certificate: x509.Certificate
    signing_time: dt.datetime
    content_sha256: bytes
    signature_value: bytes
    timestamp_token: bytes | None = None  # DER ContentInfo; None: a signature made before timestamps


def signature_value(der: bytes) -> bytes:
    """The SignatureValue of a CMS with one signer: what its timestamp is over."""
    value: bytes = asn1_cms.ContentInfo.load(der)["content"]["signer_infos"][0]["signature"].native
    return value


def with_timestamp(der: bytes, token: bytes) -> bytes:
    """The CMS with `token` as its signer's signatureTimeStampToken; the signed parts keep their bytes."""
    info = asn1_cms.ContentInfo.load(der)
    signer = info["content"]["signer_infos"][0]
    signer["unsigned_attrs"] = asn1_cms.CMSAttributes(
        [{"type": "signature_time_stamp_token", "values": [asn1_cms.ContentInfo.load(token)]}]
    )
    stamped: bytes = info.dump(force=False)
    return stamped


def sign_detached(content: bytes, certificate: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> bytes:
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(content)
        .add_signer(certificate, key, hashes.SHA256())
        .sign(
            serialization.Encoding.DER,
            [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary, pkcs7.PKCS7Options.NoCapabilities],
        )
    )


def read_signature(der: bytes) -> SignedContent:
    """Parse a detached signature and check the signer's signature over its signed attributes.

    The content itself is checked by comparing ``content_sha256`` with the digest of the bytes it claims to sign;
    the certificate chain by the caller. Raises MalformedSignature or InvalidSignature."""
    try:
        info = asn1_cms.ContentInfo.load(der, strict=True)
        if info["content_type"].native != "signed_data":
            raise MalformedSignature("not a CMS SignedData")
        signed_data = info["content"]
        if signed_data["encap_content_info"]["content"].native is not None:
            raise MalformedSignature("the signature is not detached")
        signer_infos = signed_data["signer_infos"]
        if len(signer_infos) != 1:
            raise MalformedSignature("expected exactly one signer")
        signer = signer_infos[0]
        if signer["digest_algorithm"]["algorithm"].native != "sha256":
            raise MalformedSignature("the digest is not SHA-256")
        certificate = _signer_certificate(signed_data, signer["sid"])
        attributes = _attributes(signer["signed_attrs"])
        signing_time = attributes.get("signing_time")
        digest = attributes.get("message_digest")
        if not isinstance(signing_time, dt.datetime) or not isinstance(digest, bytes):
            raise MalformedSignature("signing time or message digest missing")
        if attributes.get("content_type") != "data":
            raise MalformedSignature("the signed content type is not data")
        # The signature covers the DER of the attributes as a SET OF, not as the [0] IMPLICIT field they sit in.
        signed_bytes = b"\x31" + signer["signed_attrs"].dump()[1:]
        algorithm = signer["signature_algorithm"].signature_algo
        signature = signer["signature"].native
        token = _timestamp_token(signer["unsigned_attrs"])
    except (ValueError, TypeError, KeyError) as exc:
        if isinstance(exc, MalformedSignature):
            raise
        raise MalformedSignature(f"unreadable CMS: {exc}") from exc
    _verify(certificate, algorithm, signature, signed_bytes)
    return SignedContent(certificate, signing_time.astimezone(dt.UTC), digest, signature, token)


def content_matches(signed: SignedContent, content_sha256_hex: str) -> bool:
    return signed.content_sha256 == bytes.fromhex(content_sha256_hex)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _signer_certificate(signed_data: Any, sid: Any) -> x509.Certificate:
    if sid.name != "issuer_and_serial_number":
        raise MalformedSignature("the signer is not identified by issuer and serial number")
    wanted = sid.chosen
    for choice in signed_data["certificates"] or []:
        if choice.name != "certificate":
            continue
        candidate = choice.chosen
        if candidate.serial_number == wanted["serial_number"].native and candidate.issuer == wanted["issuer"]:
            return x509.load_der_x509_certificate(candidate.dump())
    raise MalformedSignature("the signer's certificate is not included")


def _timestamp_token(unsigned_attrs: Any) -> bytes | None:
    # Not `.native`: asn1crypto cannot render attributes it has no spec for (archive timestamps: signing.archive).
    for attribute in [] if isinstance(unsigned_attrs, core.Void) else unsigned_attrs:
        if attribute["type"].native == "signature_time_stamp_token":
            if len(attribute["values"]) != 1:
                raise MalformedSignature("expected one timestamp token")
            token: bytes = attribute["values"][0].dump()
            return token
    return None


def _attributes(signed_attrs: Any) -> dict[str, Any]:
    if signed_attrs.native is None:
        raise MalformedSignature("no signed attributes")
    values: dict[str, Any] = {}
    for attribute in signed_attrs:
        name = attribute["type"].native
        if len(attribute["values"]) != 1:
            raise MalformedSignature(f"attribute {name} must have one value")
        values[name] = attribute["values"][0].native
    return values


def _verify(certificate: x509.Certificate, algorithm: str, signature: bytes, signed_bytes: bytes) -> None:
    public_key = certificate.public_key()
    if isinstance(public_key, ec.EllipticCurvePublicKey) and algorithm == "ecdsa":
        public_key.verify(signature, signed_bytes, ec.ECDSA(hashes.SHA256()))
    elif isinstance(public_key, rsa.RSAPublicKey) and algorithm == "rsassa_pkcs1v15":
        public_key.verify(signature, signed_bytes, padding.PKCS1v15(), hashes.SHA256())
    else:
        raise InvalidSignature(f"unsupported signature algorithm {algorithm}")
