"""Signatures made elsewhere (CryptoPro, Госуслуги, another organisation's system): a CMS SignedData, detached over
a version's exact bytes or attached (the content inside), read as DER, PEM or Base64, and verified here.

RSA and ECDSA are checked with ``cryptography``; ГОСТ Р 34.10-2012 (256 and 512 bit) with Стрибог (ГОСТ Р
34.11-2012) with ``gostcrypto``. GOST's encodings are little-endian where X.509 is not: a public key is the octet
string x||y with each coordinate little-endian (RFC 4491, 9215), a signature is s||r big-endian, and the digest is
read as a little-endian number (as the OpenSSL GOST engine does).

Nothing here touches the database: ``verify`` takes the bytes and the trusted CA certificates and returns a
``Finding``. Its ``detail`` is a code, never a name from a certificate.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from asn1crypto import cms as asn1_cms
from asn1crypto import core
from asn1crypto import x509 as asn1_x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from gostcrypto import gosthash, gostsignature


class MalformedSignature(ValueError):
    """The bytes are not a CMS SignedData (in DER, PEM or Base64) with at least one signer."""


class _Algorithm(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    _fields = [("algorithm", core.ObjectIdentifier), ("parameters", core.Any, {"optional": True})]


class _PublicKeyInfo(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    """SubjectPublicKeyInfo read without asn1crypto's key table, which knows no GOST keys."""

    _fields = [("algorithm", _Algorithm), ("public_key", core.OctetBitString)]


class _GostKeyParameters(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    _fields = [
        ("public_key_param_set", core.ObjectIdentifier),
        ("digest_param_set", core.ObjectIdentifier, {"optional": True}),
    ]


GOST_256 = "1.2.643.7.1.1.1.1"
GOST_512 = "1.2.643.7.1.1.1.2"
STREEBOG = {"1.2.643.7.1.1.2.2": "streebog256", "1.2.643.7.1.1.2.3": "streebog512"}
# Certificates' signature algorithms: GOST R 34.10-2012 with Стрибог-256/512.
GOST_SIGNATURE_DIGESTS = {"1.2.643.7.1.1.3.2": "streebog256", "1.2.643.7.1.1.3.3": "streebog512"}
# Curve parameter sets (RFC 7836, Р 1323565.1.024-2019): CryptoPro's 2001 names are the same curves as tc26's B-D.
_CURVES = {
    "1.2.643.7.1.2.1.1.1": "id-tc26-gost-3410-2012-256-paramSetA",
    "1.2.643.7.1.2.1.1.2": "id-tc26-gost-3410-2012-256-paramSetB",
    "1.2.643.2.2.35.1": "id-tc26-gost-3410-2012-256-paramSetB",
    "1.2.643.2.2.36.0": "id-tc26-gost-3410-2012-256-paramSetB",
    "1.2.643.7.1.2.1.1.3": "id-tc26-gost-3410-2012-256-paramSetC",
    "1.2.643.2.2.35.2": "id-tc26-gost-3410-2012-256-paramSetC",
    "1.2.643.7.1.2.1.1.4": "id-tc26-gost-3410-2012-256-paramSetD",
    "1.2.643.2.2.35.3": "id-tc26-gost-3410-2012-256-paramSetD",
    "1.2.643.2.2.36.1": "id-tc26-gost-3410-2012-256-paramSetD",
    "1.2.643.7.1.2.1.2.1": "id-tc26-gost-3410-12-512-paramSetA",
    "1.2.643.7.1.2.1.2.2": "id-tc26-gost-3410-12-512-paramSetB",
    "1.2.643.7.1.2.1.2.3": "id-tc26-gost-3410-2012-512-paramSetC",
}
_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
_SHA = {
    "1.3.14.3.2.26": "sha1",
    "2.16.840.1.101.3.4.2.4": "sha224",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}
_DIGEST_NAMES = {"streebog256": "Стрибог-256", "streebog512": "Стрибог-512"}
_MAX_CHAIN = 8
_OPENSSL_STREEBOG = {"streebog256": "md_gost12_256", "streebog512": "md_gost12_512"}
_STREEBOG_SIZE = {"streebog256": 32, "streebog512": 64}
_ENGINE_FROM_BYTES = 64 * 1024
PURE_STREEBOG_MAX_BYTES = 2 * 1024 * 1024  # without the engine: gostcrypto, some 6 s a MiB


@dataclass(frozen=True)
class Finding:
    """What a check found. ``status``: valid, invalid or unsupported; ``detail``: a code saying why not."""

    status: str
    detail: str = ""
    algorithm: str = ""
    signer: str = ""
    organization: str = ""
    signed_at: dt.datetime | None = None
    certificate_sha256: str = ""
    trusted: bool = False
    chain: list[str] = field(default_factory=list)  # SHA-256 of each certificate from the signer's up


class _Unsupported(Exception):
    def __init__(self, what: str, code: str = "unsupported_algorithm") -> None:
        super().__init__(what)
        self.code = code


def load(data: bytes) -> asn1_cms.ContentInfo:
    """The SignedData in DER, PEM (any ``-----BEGIN ...-----`` label) or bare Base64, as CryptoPro and Госуслуги
    save them."""
    for candidate in _encodings(data):
        try:
            info = asn1_cms.ContentInfo.load(candidate, strict=True)
            if info["content_type"].native != "signed_data" or not len(info["content"]["signer_infos"]):
                continue
            return info
        except (ValueError, TypeError, KeyError):
            continue
    raise MalformedSignature("not a CMS SignedData")


def _encodings(data: bytes) -> Iterable[bytes]:
    yield data
    text = data.strip()
    if text.startswith(b"-----BEGIN"):
        text = re.sub(rb"-----(BEGIN|END)[^-]*-----", b"", text)
    try:
        yield base64.b64decode(re.sub(rb"\s+", b"", text), validate=True)
    except (binascii.Error, ValueError):
        return


def attached_content(info: asn1_cms.ContentInfo) -> bytes | None:
    """The content an attached signature carries (None for a detached one)."""
    content = info["content"]["encap_content_info"]["content"]
    return None if content.native is None else bytes(content.native)


def verify(info: asn1_cms.ContentInfo, content: bytes, trusted_der: Iterable[bytes]) -> Finding:
    """Check the first signer of a SignedData against the content; trusted when its certificate chains, every
    link's signature checked, to one of ``trusted_der`` (DER certificates)."""
    signed = info["content"]
    signer_info = signed["signer_infos"][0]
    certificates = [c.chosen for c in signed["certificates"] if c.name == "certificate"]
    certificate = _signer_certificate(signer_info, certificates)
    if certificate is None:
        return Finding("invalid", "no_certificate")
    subject = certificate.subject.native
    found = Finding(
        "valid",
        signer=str(subject.get("common_name", ""))[:300],
        organization=str(subject.get("organization_name", ""))[:300],
        signed_at=_signing_time(signer_info),
        certificate_sha256=hashlib.sha256(certificate.dump()).hexdigest(),
    )
    try:
        found = replace(found, algorithm=_describe(certificate, signer_info))
        problem = _check(signer_info, certificate, content)
    except _Unsupported as error:
        return replace(found, status="unsupported", detail=error.code)
    if not problem and found.signed_at is not None and not _valid_at(certificate, found.signed_at):
        problem = "certificate_expired"
    if problem:
        return replace(found, status="invalid", detail=problem)
    chain, trusted = _chain(certificate, certificates, list(trusted_der))
    return replace(found, chain=chain, trusted=trusted)


def _signer_certificate(
    signer_info: asn1_cms.SignerInfo, certificates: list[asn1_x509.Certificate]
) -> asn1_x509.Certificate | None:
    sid = signer_info["sid"]
    for certificate in certificates:
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            if certificate.issuer == wanted["issuer"] and certificate.serial_number == wanted["serial_number"].native:
                return certificate
        elif certificate.key_identifier == sid.chosen.native:
            return certificate
    return None


def _valid_at(certificate: asn1_x509.Certificate, when: dt.datetime) -> bool:
    """The certificate was in its validity period at the signing time the CMS states."""
    validity = certificate["tbs_certificate"]["validity"]
    return bool(validity["not_before"].native <= when <= validity["not_after"].native)


def _signing_time(signer_info: asn1_cms.SignerInfo) -> dt.datetime | None:
    for attribute in signer_info["signed_attrs"]:
        if attribute["type"].native == "signing_time":
            when = attribute["values"][0].native
            return when.astimezone(dt.UTC) if isinstance(when, dt.datetime) else None
    return None


def _check(signer_info: asn1_cms.SignerInfo, certificate: asn1_x509.Certificate, content: bytes) -> str:
    """'' when the signature holds, else why not."""
    digest_name = _digest_name(signer_info["digest_algorithm"]["algorithm"].dotted)
    attributes = signer_info["signed_attrs"]
    if len(attributes):
        digests = [a["values"][0].native for a in attributes if a["type"].native == "message_digest"]
        if len(digests) != 1:
            return "malformed"
        if digests[0] != _digest(digest_name, content):
            return "content_changed"
        message = b"\x31" + attributes.dump()[1:]  # signed as a SET OF, not with the [0] tag it is kept under
    else:
        message = content
    if not _signature_holds(_public_key_info(certificate), digest_name, message, signer_info["signature"].native):
        return "bad_signature"
    return ""


def _digest_name(oid: str) -> str:
    if oid in STREEBOG:
        return STREEBOG[oid]
    if oid not in _SHA:
        raise _Unsupported(oid)
    return _SHA[oid]


def _digest(name: str, data: bytes) -> bytes:
    if name.startswith("streebog"):
        return _streebog(name, data)
    return bytes(getattr(hashlib, name)(data).digest())


def _streebog(name: str, data: bytes) -> bytes:
    """Стрибог of a document through the OpenSSL GOST engine where it is installed (Debian's
    libengine-gost-openssl): gostcrypto is pure Python and needs some 6 s a MiB, the engine milliseconds. Small
    inputs (signed attributes, certificates) and machines without the engine use gostcrypto."""
    openssl = shutil.which("openssl") if len(data) > _ENGINE_FROM_BYTES else None
    if openssl:
        command = [openssl, "dgst", "-engine", "gost", f"-{_OPENSSL_STREEBOG[name]}", "-binary"]
        done = subprocess.run(command, input=data, capture_output=True, check=False, timeout=600)  # noqa: S603
        if done.returncode == 0 and len(done.stdout) == _STREEBOG_SIZE[name]:
            return done.stdout
    if len(data) > PURE_STREEBOG_MAX_BYTES:  # minutes of a request's time: rather say what the server lacks
        raise _Unsupported(name, "needs_gost_engine")
    return bytes(gosthash.new(name, data=data).digest())


def _public_key_info(certificate: asn1_x509.Certificate) -> _PublicKeyInfo:
    info: _PublicKeyInfo = _PublicKeyInfo.load(certificate["tbs_certificate"]["subject_public_key_info"].dump())
    return info


def _signature_holds(key_info: _PublicKeyInfo, digest_name: str, message: bytes, signature: bytes) -> bool:
    oid = key_info["algorithm"]["algorithm"].dotted
    if oid in (GOST_256, GOST_512):
        return _gost_holds(key_info, digest_name, message, signature)
    if digest_name not in _HASHES:
        raise _Unsupported(digest_name)
    try:
        key = serialization.load_der_public_key(key_info.dump())
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, message, padding.PKCS1v15(), _HASHES[digest_name]())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, message, ec.ECDSA(_HASHES[digest_name]()))
        else:
            raise _Unsupported(oid)
    except InvalidSignature:
        return False
    except (UnsupportedAlgorithm, ValueError) as error:
        raise _Unsupported(oid) from error
    return True


def _gost_holds(key_info: _PublicKeyInfo, digest_name: str, message: bytes, signature: bytes) -> bool:
    size = 32 if key_info["algorithm"]["algorithm"].dotted == GOST_256 else 64
    if digest_name != f"streebog{size * 8}":
        return False  # a GOST key signs only with the Стрибог of its own size
    parameters = _GostKeyParameters.load(key_info["algorithm"]["parameters"].dump())
    curve_name = _CURVES.get(parameters["public_key_param_set"].dotted)
    if curve_name is None:
        raise _Unsupported(parameters["public_key_param_set"].dotted)
    point = core.OctetString.load(key_info["public_key"].native).native
    if len(point) != 2 * size or len(signature) != 2 * size:
        return False
    public_key = point[:size][::-1] + point[size:][::-1]  # x, y: little-endian in the certificate
    r_then_s = signature[size:] + signature[:size]  # the CMS holds s||r
    digest = _digest(digest_name, message)[::-1]  # the digest is a little-endian number
    mode = gostsignature.MODE_256 if size == 32 else gostsignature.MODE_512
    signer = gostsignature.new(mode, gostsignature.CURVES_R_1323565_1_024_2019[curve_name])
    try:
        return bool(signer.verify(bytearray(public_key), bytearray(digest), bytearray(r_then_s)))
    except gostsignature.GOSTSignatureError:
        return False


def _describe(certificate: asn1_x509.Certificate, signer_info: asn1_cms.SignerInfo) -> str:
    key_info = _public_key_info(certificate)
    oid = key_info["algorithm"]["algorithm"].dotted
    digest_name = _digest_name(signer_info["digest_algorithm"]["algorithm"].dotted)
    digest = _DIGEST_NAMES.get(digest_name, digest_name.upper().replace("SHA", "SHA-"))
    if oid in (GOST_256, GOST_512):
        return f"ГОСТ Р 34.10-2012 ({256 if oid == GOST_256 else 512} бит) / {digest}"
    try:
        key = serialization.load_der_public_key(key_info.dump())
    except (UnsupportedAlgorithm, ValueError) as error:
        raise _Unsupported(oid) from error
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA {key.key_size} / {digest}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"ECDSA {key.curve.name} / {digest}"
    raise _Unsupported(oid)


def _chain(
    certificate: asn1_x509.Certificate, included: list[asn1_x509.Certificate], trusted_der: list[bytes]
) -> tuple[list[str], bool]:
    """The certificates from the signer's up to a trusted one (each issuer's signature checked), and whether one
    was reached; else as far as the certificates at hand go."""
    trusted = [asn1_x509.Certificate.load(der) for der in trusted_der]
    trusted_sha256 = {hashlib.sha256(c.dump()).hexdigest() for c in trusted}
    chain = [hashlib.sha256(certificate.dump()).hexdigest()]
    current = certificate
    for _ in range(_MAX_CHAIN):
        if chain[-1] in trusted_sha256:
            return chain, True
        issuer = next((c for c in [*trusted, *included] if _issued(current, c)), None)
        if issuer is None or issuer.dump() == current.dump():
            return chain, False
        chain.append(hashlib.sha256(issuer.dump()).hexdigest())
        current = issuer
    return chain, False


def _issued(certificate: asn1_x509.Certificate, issuer: asn1_x509.Certificate) -> bool:
    """``issuer`` is named as the certificate's issuer and its key signed the certificate."""
    if certificate.issuer != issuer.subject:
        return False
    algorithm = certificate["signature_algorithm"]["algorithm"].dotted
    if algorithm in GOST_SIGNATURE_DIGESTS:
        digest_name = GOST_SIGNATURE_DIGESTS[algorithm]
    else:
        digest_name = certificate["signature_algorithm"].hash_algo if _known_signature(certificate) else ""
    if not digest_name:
        return False
    tbs = certificate["tbs_certificate"].dump()
    try:
        return _signature_holds(_public_key_info(issuer), digest_name, tbs, certificate["signature_value"].native)
    except _Unsupported:
        return False


def _known_signature(certificate: asn1_x509.Certificate) -> bool:
    try:
        return certificate["signature_algorithm"].hash_algo in _HASHES
    except ValueError:
        return False
