"""The institution's signing certificate authority, kept as files in one folder (``Settings.ca_dir``):

- ``ca-key.pem``: the CA's private key (mode 0600; never leaves the folder);
- ``ca.pem``: its self-signed certificate, the trust anchor a verifier passes to ``openssl -CAfile``;
- ``user-keys.secret`` (0600): the secret that, with a key derived from the signer's PIN (`pin_password`), encrypts
  signers' private keys kept in the database: neither the database and this folder without the PIN, nor the PIN
  without this folder, decrypt a key;
- ``seal.pem``, ``seal-key.pem`` (0600, encrypted with that secret): the institution's seal for exported PDFs;
- ``tsa.pem``, ``tsa-key.pem`` (0600, encrypted likewise): casefiles' own time-stamping authority (RFC 3161,
  extendedKeyUsage timeStamping), used when no external TSA is configured (``webapp.signing.tsa``).

The folder is written only when it is made (`casefiles init`): the app and the worker only read it, so on several
machines each can mount its own read-only copy. The revocation list is not a file: the database holds which
certificates are revoked, and `crl_pem` renders the list from them the same on every node (see there).

Keys are ECDSA P-256 and every signature SHA-256: stock OpenSSL verifies them, and keys are made in milliseconds.
Certificates live as long as the CA (50 years): stock ``openssl cms -verify`` checks validity at the time of
verification, and documents are kept for decades; a signer who leaves is revoked instead.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from webapp.filemodes import write_atomically

KEY_FILE = "ca-key.pem"
CERT_FILE = "ca.pem"
SEAL_CERT_FILE = "seal.pem"
SEAL_KEY_FILE = "seal-key.pem"
SEAL_RENEWAL = dt.timedelta(days=30)
TSA_CERT_FILE = "tsa.pem"
TSA_KEY_FILE = "tsa-key.pem"
UNKEPT_TSA = "(time-stamping)"  # the own TSA's place among a process's unkept keys (no institution's name)
SECRET_FILE = "user-keys.secret"  # noqa: S105 - a file name, not a secret
LIFETIME = dt.timedelta(days=365 * 50)
CRL_LIFETIME = dt.timedelta(days=30)
ALGORITHM = "ECDSA P-256 / SHA-256"
# scrypt's cost for signing PINs: some 0.1 s and 32 MiB a derivation, so a stolen database and CA folder leave a
# guesser at about ten PINs a second a core. Fixed: keys encrypted under it would not open with another.
PIN_SCRYPT_N, PIN_SCRYPT_R, PIN_SCRYPT_P = 2**15, 8, 1
PIN_SALT_BYTES = 16


class CertificateAuthorityError(RuntimeError):
    """The CA folder is incomplete or unreadable."""


class WrongKeyPassword(ValueError):
    """A signer's key did not decrypt: a wrong PIN (or a key encrypted otherwise)."""


def derive_pin_key(pin: str, salt: bytes) -> bytes:
    """scrypt of a signing PIN: the half of a key's password that only its signer can give."""
    kdf = Scrypt(salt=salt, length=32, n=PIN_SCRYPT_N, r=PIN_SCRYPT_R, p=PIN_SCRYPT_P)
    return kdf.derive(pin.encode("utf-8"))


def new_pin_salt() -> str:
    return secrets.token_hex(PIN_SALT_BYTES)


@dataclass(frozen=True)
class IssuedCertificate:
    certificate: x509.Certificate
    encrypted_key_pem: str

    @property
    def pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


@dataclass(frozen=True)
class Revoked:
    serial_number: int
    revoked_at: dt.datetime


class CertificateAuthority:
    def __init__(self, folder: Path, key: ec.EllipticCurvePrivateKey, certificate: x509.Certificate, secret: bytes):
        self.folder = folder
        self.key = key
        self.certificate = certificate
        self._secret = secret
        self._unkept_seals: dict[str, tuple[x509.Certificate, ec.EllipticCurvePrivateKey]] = {}

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def pin_password(self, pin: str, salt_hex: str) -> bytes:
        """The password of a PIN-protected key: HMAC of the PIN's scrypt under the folder's secret."""
        derived = derive_pin_key(pin, bytes.fromhex(salt_hex))
        return hmac.new(self._secret, derived, hashlib.sha256).hexdigest().encode("ascii")

    def issue(
        self, subject: x509.Name, password: bytes | None = None, lifetime: dt.timedelta | None = None
    ) -> IssuedCertificate:
        """A new key pair and a certificate for one signer: digitalSignature and nonRepudiation only. The key is
        encrypted with `password` (`pin_password`), or with the folder's secret alone (the seal). It lives
        `lifetime` (never past the CA; None: as long as the CA, as the seal does)."""
        key = ec.generate_private_key(ec.SECP256R1())
        certificate = self.certify(key.public_key(), subject, lifetime)
        return IssuedCertificate(certificate, self.encrypt_key(key, password))

    def encrypt_key(self, key: ec.EllipticCurvePrivateKey, password: bytes | None = None) -> str:
        encryption = serialization.BestAvailableEncryption(password or self._secret)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
        return pem.decode("ascii")

    def load_signer_key(self, encrypted_key_pem: str, password: bytes | None = None) -> ec.EllipticCurvePrivateKey:
        """Decrypt a key with `password` (`pin_password`), or with the folder's secret alone (the seal, and signers'
        keys made before PINs); WrongKeyPassword when it does not open."""
        try:
            key = serialization.load_pem_private_key(encrypted_key_pem.encode("ascii"), password or self._secret)
        except ValueError:
            raise WrongKeyPassword("the key does not decrypt with this password") from None
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise CertificateAuthorityError("unexpected signer key type")
        return key

    def issued_by_me(self, certificate: x509.Certificate) -> bool:
        try:
            certificate.verify_directly_issued_by(self.certificate)
        except (ValueError, TypeError, InvalidSignature):
            return False
        return True

    def seal(self, organization: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
        """The institution's electronic seal for the PDFs it hands out: a certificate of this CA and its key
        (encrypted at rest like signers' keys), kept in the folder by `ensure_seal` (`casefiles init`). Read only
        here: when the kept one is missing or no longer fits (see `_kept_seal`), this process seals with one of
        its own, made once, and says to run `casefiles init`."""
        kept = self._kept_seal(organization)
        if kept is not None:
            return kept
        if organization not in self._unkept_seals:
            logging.getLogger(__name__).warning("signing CA: the seal is missing or outdated: run `casefiles init`")
            issued = self.issue(_seal_subject(organization))
            self._unkept_seals[organization] = (issued.certificate, self.load_signer_key(issued.encrypted_key_pem))
        return self._unkept_seals[organization]

    def ensure_seal(self, organization: str) -> bool:
        """Keep a seal for `organization` in the folder: made the first time, when the institution's name changes,
        and a month before it expires. Returns whether it was made now."""
        if self._kept_seal(organization) is not None:  # no lock: the folder may be a read-only copy
            return False
        with _locked(self.folder):
            if self._kept_seal(organization) is not None:
                return False
            issued = self.issue(_seal_subject(organization))
            write_atomically(self.folder / SEAL_KEY_FILE, issued.encrypted_key_pem.encode("ascii"), mode=0o600)
            write_atomically(self.folder / SEAL_CERT_FILE, issued.pem.encode("ascii"), mode=0o644)
            return True

    def _kept_seal(self, organization: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None:
        certificate_path, key_path = self.folder / SEAL_CERT_FILE, self.folder / SEAL_KEY_FILE
        if not (certificate_path.exists() and key_path.exists()):
            return None
        certificate = x509.load_pem_x509_certificate(certificate_path.read_bytes())
        if certificate.subject != _seal_subject(organization):
            return None
        if certificate.not_valid_after_utc - _now() <= SEAL_RENEWAL:
            return None
        return certificate, self.load_signer_key(key_path.read_text("ascii"))

    def certify(
        self,
        public_key: ec.EllipticCurvePublicKey,
        subject: x509.Name,
        lifetime: dt.timedelta | None = None,
        *,
        time_stamping: bool = False,
    ) -> x509.Certificate:
        """A certificate for a key pair that exists (a renewal keeps the signer's key and so its PIN protection):
        digitalSignature and nonRepudiation, and for a TSA the sole extendedKeyUsage timeStamping, critical (RFC
        3161 2.3). It lives `lifetime`, never past the CA; None: as long as the CA."""
        now = _now()
        ca_end = self.certificate.not_valid_after_utc
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.certificate.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(min(now + lifetime, ca_end) if lifetime is not None else ca_end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
        )
        if time_stamping:
            builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        return builder.sign(self.key, hashes.SHA256())

    def time_stamping(self, organization: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
        """casefiles' own TSA key and certificate (when no external TSA is configured), kept in the folder by
        `ensure_time_stamping` (`casefiles init`, or when the CA is made); missing there, this process makes one of
        its own, as `seal` does (its tokens still verify: the certificate, issued by this CA, is in each token)."""
        subject = _tsa_subject(organization)
        kept = self._kept_time_stamping(subject)
        if kept is not None:
            return kept
        if UNKEPT_TSA not in self._unkept_seals:
            logging.getLogger(__name__).warning("signing CA: the TSA key is missing or outdated: run `casefiles init`")
            key = ec.generate_private_key(ec.SECP256R1())
            self._unkept_seals[UNKEPT_TSA] = (self.certify(key.public_key(), subject, time_stamping=True), key)
        return self._unkept_seals[UNKEPT_TSA]

    def ensure_time_stamping(self, organization: str) -> bool:
        """Keep the own TSA's key and certificate in the folder; returns whether they were made now."""
        subject = _tsa_subject(organization)
        if self._kept_time_stamping(subject) is not None:  # no lock: the folder may be a read-only copy
            return False
        with _locked(self.folder):
            if self._kept_time_stamping(subject) is not None:
                return False
            key = ec.generate_private_key(ec.SECP256R1())
            certificate = self.certify(key.public_key(), subject, time_stamping=True)
            encrypted = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(self._secret),
            )
            write_atomically(self.folder / TSA_KEY_FILE, encrypted, mode=0o600)
            certificate_pem = certificate.public_bytes(serialization.Encoding.PEM)
            write_atomically(self.folder / TSA_CERT_FILE, certificate_pem, mode=0o644)
            return True

    def _kept_time_stamping(self, subject: x509.Name) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None:
        certificate_path, key_path = self.folder / TSA_CERT_FILE, self.folder / TSA_KEY_FILE
        if not (certificate_path.exists() and key_path.exists()):
            return None
        certificate = x509.load_pem_x509_certificate(certificate_path.read_bytes())
        if certificate.subject != subject or certificate.not_valid_after_utc - _now() <= SEAL_RENEWAL:
            return None
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=self._secret)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise CertificateAuthorityError(f"{key_path}: expected an EC private key")
        return certificate, key

    def crl_pem(self, revoked: Iterable[Revoked]) -> bytes:
        """The revocation list (PEM) of `revoked`, the same bytes on every node the same day: dated from the start
        of the day (UTC), or from the latest revocation when that is later, listed by serial number and signed
        with a deterministic ECDSA signature (RFC 6979)."""
        items = sorted(revoked, key=lambda item: item.serial_number)
        today = _now().replace(hour=0, minute=0, second=0)
        issued_at = max([today, *(_utc(item.revoked_at) for item in items)])
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.certificate.subject)
            .last_update(issued_at)
            .next_update(today + CRL_LIFETIME)
        )
        for item in items:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(item.serial_number)
                .revocation_date(_utc(item.revoked_at))
                .build()
            )
        crl = builder.sign(self.key, hashes.SHA256(), ecdsa_deterministic=True)
        return crl.public_bytes(serialization.Encoding.PEM)


def _seal_subject(organization: str) -> x509.Name:
    return subject_name(
        common_name=organization or "casefiles",
        title="Электронная печать учреждения",
        organization=organization,
        user_id="seal",
    )


def _tsa_subject(organization: str) -> x509.Name:
    return subject_name(
        common_name="Служба штампов времени casefiles",
        title="Штамп времени (RFC 3161)",
        organization=organization,
        user_id="tsa",
    )


def subject_name(*, common_name: str, title: str, organization: str, user_id: str) -> x509.Name:
    """A signer's subject: full name, position, login, institution."""
    attributes = [
        x509.NameAttribute(NameOID.COMMON_NAME, _bounded(common_name)),
        x509.NameAttribute(NameOID.TITLE, _bounded(title)),
        x509.NameAttribute(NameOID.USER_ID, _bounded(user_id)),
    ]
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, _bounded(organization)))
    return x509.Name(attributes)


def ensure_ca(folder: Path, organization: str) -> tuple[CertificateAuthority, bool]:
    """Load the CA from its folder, creating it the first time (under a lock, so concurrent starts agree).
    A complete folder is only read: it may be a read-only mount.

    Returns the CA and whether it was created now."""
    if (folder / KEY_FILE).exists():
        return load_ca(folder), False
    folder.mkdir(parents=True, exist_ok=True)
    with _locked(folder):
        created = not (folder / KEY_FILE).exists()
        if created:
            _create(folder, organization)
    authority = load_ca(folder)
    if created:  # the own TSA is made with the CA (the folder is written now anyway)
        authority.ensure_time_stamping(organization)
    return authority, created


def load_ca(folder: Path) -> CertificateAuthority:
    try:
        key = serialization.load_pem_private_key((folder / KEY_FILE).read_bytes(), password=None)
        certificate = x509.load_pem_x509_certificate((folder / CERT_FILE).read_bytes())
        secret = (folder / SECRET_FILE).read_bytes().strip()
    except (OSError, ValueError) as exc:
        raise CertificateAuthorityError(f"signing CA in {folder} is incomplete or unreadable: {exc}") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise CertificateAuthorityError(f"{folder / KEY_FILE}: expected an EC private key")
    return CertificateAuthority(folder, key, certificate, secret)


def fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


def _create(folder: Path, organization: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name_parts = [x509.NameAttribute(NameOID.COMMON_NAME, "Удостоверяющий центр casefiles")]
    if organization:
        name_parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, _bounded(organization)))
    name = x509.Name(name_parts)
    now = _now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    write_atomically(folder / SECRET_FILE, secrets.token_hex(32).encode("ascii"), mode=0o600)
    write_atomically(folder / CERT_FILE, certificate.public_bytes(serialization.Encoding.PEM), mode=0o644)
    write_atomically(folder / KEY_FILE, key_pem, mode=0o600)  # last: its presence means the CA is complete


def _key_usage(
    *,
    digital_signature: bool = False,
    content_commitment: bool = False,
    key_cert_sign: bool = False,
    crl_sign: bool = False,
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=content_commitment,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    with open(folder / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _bounded(value: str) -> str:
    """X.509 name attributes are at most 64 characters (RFC 5280 upper bounds)."""
    return value.strip()[:64] or "-"


def _utc(moment: dt.datetime) -> dt.datetime:
    """Second precision, as a CRL keeps it; a naive moment (SQLite) is UTC."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
