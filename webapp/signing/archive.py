"""Archive timestamps on the institution's signatures (CAdES-A): before the TSA certificate behind a signature's
latest timestamp expires, `casefiles signatures restamp` adds an RFC 3161 token over the whole signature as it then
is, so the proof of when it was made is carried forward by a TSA certificate still in force.

The attribute is ETSI TS 101 733 / RFC 5126 (6.4.1) archive-time-stamp v2 (id-aa-48, 1.2.840.113549.1.9.16.2.48),
an unsigned attribute of the SignerInfo: unsigned attributes are outside what the signer signed, so the signature
stays as `openssl cms -verify` checks it. Its message imprint is the hash of the concatenation of
  1. the encapContentInfo (its whole encoding; the content is detached, so it holds the type only),
  2. the detached content (the version's bytes),
  3. the SignedData's certificates and crls fields, when present (tag, length and value), and
  4. every field of the SignerInfo, signed attributes included, and its unsigned attributes as they were when the
     token was made: those before it, in the order they are encoded.

The order of unsigned attributes matters (v2 has no hash index, as v3 does), so they are kept in the order they were
added and never re-sorted: this module encodes the CMS itself from the encoded pieces (`_SignedData`), leaving
every byte it does not add as it was. The validation data for what an archive token vouches for is added before
the token: at the first archive timestamp into the SignedData's certificates and crls (the certificates of the
signature's TSA, the institution's CA and its current revocation list); at each later one into the SignedData of
the previous archive token, whose own imprint does not cover it, so no earlier token is disturbed.

Pure functions: no Flask, no database (the export's offline verifier uses them too)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import IO

from asn1crypto import core
from cryptography import x509

from webapp.signing import cms, tsa

ARCHIVE_TIMESTAMP_V2 = "1.2.840.113549.1.9.16.2.48"
_ARCHIVE_OID = core.ObjectIdentifier(ARCHIVE_TIMESTAMP_V2).dump()
_SIGNED_DATA = core.ObjectIdentifier("1.2.840.113549.1.7.2").dump()
_CHUNK = 1024 * 1024
_SEQUENCE, _SET, _CERTIFICATES, _CRLS, _EXPLICIT_0, _UNSIGNED = 0x30, 0x31, 0xA0, 0xA1, 0xA0, 0xA1


class MalformedCms(ValueError):
    """Not a definite-length CMS SignedData with one signer (what casefiles writes)."""


class Content:
    """The detached content, hashed on demand: read once per hash algorithm and prefix (every archive token of a
    signature starts with the same encapContentInfo), never held in memory whole."""

    def __init__(self, open_stream: Callable[[], AbstractContextManager[IO[bytes]]]) -> None:
        self._open = open_stream
        self._states: dict[tuple[str, bytes], hashlib._Hash] = {}

    def digest(self, algorithm: str, prefix: bytes = b"", suffix: bytes = b"") -> bytes:
        state = self._states.get((algorithm, prefix))
        if state is None:
            state = hashlib.new(algorithm, prefix)
            with self._open() as stream:
                while chunk := stream.read(_CHUNK):
                    state.update(chunk)
            self._states[(algorithm, prefix)] = state
        result = state.copy()
        result.update(suffix)
        return result.digest()


# --- DER pieces ------------------------------------------------------------------------------------------------


def _header(data: bytes, offset: int) -> tuple[int, int]:
    """The tag's and length's size and the value's length of the element at `offset`."""
    if offset + 2 > len(data) or data[offset] & 0x1F == 0x1F:
        raise MalformedCms("truncated element or a multi-byte tag")
    first = data[offset + 1]
    if first < 0x80:
        return 2, first
    count = first & 0x7F
    if count == 0 or count > 4 or offset + 2 + count > len(data):
        raise MalformedCms("indefinite or oversized length")
    return 2 + count, int.from_bytes(data[offset + 2 : offset + 2 + count], "big")


def _elements(data: bytes) -> list[bytes]:
    """The encoded elements one after another in `data`."""
    elements, offset = [], 0
    while offset < len(data):
        head, length = _header(data, offset)
        if offset + head + length > len(data):
            raise MalformedCms("an element runs past its container")
        elements.append(data[offset : offset + head + length])
        offset += head + length
    return elements


def _value(element: bytes) -> bytes:
    head, length = _header(element, 0)
    return element[head : head + length]


def _encode(tag: int, value: bytes) -> bytes:
    length = len(value)
    if length < 0x80:
        return bytes([tag, length]) + value
    size = (length.bit_length() + 7) // 8
    return bytes([tag, 0x80 | size]) + length.to_bytes(size, "big") + value


@dataclass
class _SignerInfo:
    fields: list[bytes]  # version, sid, digestAlgorithm, [0] signedAttrs, signatureAlgorithm, signature (encoded)
    unsigned: list[bytes]  # each Attribute, encoded, in the order they were added

    @classmethod
    def load(cls, element: bytes) -> _SignerInfo:
        parts = _elements(_value(element))
        if parts and parts[-1][0] == _UNSIGNED:
            return cls(parts[:-1], _elements(_value(parts[-1])))
        return cls(parts, [])

    def dump(self) -> bytes:
        return _encode(_SEQUENCE, b"".join(self.fields) + self._unsigned_field(len(self.unsigned)))

    def _unsigned_field(self, upto: int) -> bytes:
        return _encode(_UNSIGNED, b"".join(self.unsigned[:upto])) if upto else b""

    def covered(self, upto: int) -> bytes:
        """What an archive token at position `upto` of the unsigned attributes covers of the SignerInfo."""
        return b"".join(self.fields) + self._unsigned_field(upto)


@dataclass
class _SignedData:
    """A ContentInfo holding SignedData, as its encoded pieces."""

    content_type: bytes
    head: list[bytes]  # version, digestAlgorithms, encapContentInfo
    certificates: bytes | None  # the [0] field, encoded, when present
    crls: bytes | None  # the [1] field
    signers: list[_SignerInfo] = field(default_factory=list)

    @classmethod
    def load(cls, der: bytes) -> _SignedData:
        infos = _elements(der)
        pieces = _elements(_value(infos[0])) if len(infos) == 1 else []
        if len(pieces) != 2 or pieces[0] != _SIGNED_DATA or pieces[1][0] != _EXPLICIT_0:
            raise MalformedCms("not a CMS SignedData")
        content_type, wrapped = pieces
        [signed_data] = _elements(_value(wrapped))
        parts = _elements(_value(signed_data))
        if len(parts) < 4 or parts[-1][0] != _SET:
            raise MalformedCms("not a SignedData")
        optional = {part[0]: part for part in parts[3:-1]}
        signers = [_SignerInfo.load(signer) for signer in _elements(_value(parts[-1]))]
        return cls(content_type, parts[:3], optional.get(_CERTIFICATES), optional.get(_CRLS), signers)

    def dump(self) -> bytes:
        signers = _encode(_SET, b"".join(signer.dump() for signer in self.signers))
        body = b"".join([*self.head, self.certificates or b"", self.crls or b"", signers])
        return _encode(_SEQUENCE, self.content_type + _encode(_EXPLICIT_0, _encode(_SEQUENCE, body)))

    @property
    def signer(self) -> _SignerInfo:
        if len(self.signers) != 1:
            raise MalformedCms("expected exactly one signer")
        return self.signers[0]

    def add_validation_data(self, certificates: list[bytes], crls: list[bytes]) -> None:
        """Add the certificates and revocation lists (DER) not there yet, after those there."""
        self.certificates = _extended(self.certificates, _CERTIFICATES, certificates)
        self.crls = _extended(self.crls, _CRLS, crls)

    def archive_digests(self, content: Content, upto: int) -> tsa.Digests:
        """The imprint's input for an archive token at position `upto` of the unsigned attributes (module doc)."""
        encap = self.head[2]
        tail = (self.certificates or b"") + (self.crls or b"") + self.signer.covered(upto)
        return lambda algorithm: content.digest(algorithm, encap, tail)


def _extended(present: bytes | None, tag: int, added: list[bytes]) -> bytes | None:
    kept = _elements(_value(present)) if present is not None else []
    new = [item for item in dict.fromkeys(added) if item not in kept]
    return _encode(tag, b"".join([*kept, *new])) if new else present


def _attribute(oid: bytes, value: bytes) -> bytes:
    return _encode(_SEQUENCE, oid + _encode(_SET, value))


def _archive_token(attribute: bytes) -> bytes | None:
    """The token of an archive-time-stamp v2 attribute; None for any other attribute."""
    oid, values = _elements(_value(attribute))
    if oid != _ARCHIVE_OID:
        return None
    tokens = _elements(_value(values))
    if len(tokens) != 1:
        raise MalformedCms("an archive timestamp attribute must hold one token")
    return tokens[0]


def _archive_positions(signer: _SignerInfo) -> Iterator[tuple[int, bytes]]:
    for position, attribute in enumerate(signer.unsigned):
        token = _archive_token(attribute)
        if token is not None:
            yield position, token


# --- the public side ---------------------------------------------------------------------------------------------


def add_archive_timestamp(
    der: bytes, content: Content, authority: tsa.Authority, certificates: list[bytes], crls: list[bytes]
) -> tuple[bytes, tsa.Timestamp]:
    """The signature with the validation data added (module doc) and a new archive timestamp over all of it.
    Raises tsa.TimestampUnavailable when the TSA gives none, MalformedCms for what casefiles did not write."""
    signed = _SignedData.load(der)
    signer = signed.signer
    previous = list(_archive_positions(signer))
    if previous:
        position, token = previous[-1]
        carrier = _SignedData.load(token)
        carrier.add_validation_data(certificates, crls)
        signer.unsigned[position] = _attribute(_ARCHIVE_OID, carrier.dump())
    else:
        signed.add_validation_data(certificates, crls)
    stamped = tsa.timestamp_over(signed.archive_digests(content, len(signer.unsigned)), authority)
    signer.unsigned.append(_attribute(_ARCHIVE_OID, stamped.token))
    return signed.dump(), stamped


def archive_timestamps(der: bytes, content: Content) -> list[tsa.Timestamp]:
    """Every archive timestamp of the signature, oldest first, each checked (its imprint against the hash
    recomputed from `content` and the CMS, and the TSA's signature): tsa.BadToken when one does not hold."""
    if _ARCHIVE_OID not in der:  # most signatures have none: not even parsed here
        return []
    try:
        signed = _SignedData.load(der)
        positions = list(_archive_positions(signed.signer))
    except (MalformedCms, ValueError) as exc:
        raise tsa.BadToken(f"unreadable CMS: {exc}") from exc
    return [tsa.read_token_over(token, signed.archive_digests(content, upto)) for upto, token in positions]


def timestamp_certificates(der: bytes) -> list[x509.Certificate]:
    """The TSA certificate of each of the signature's tokens (its signatureTimeStampToken, then its archive
    timestamps), unchecked: what tells `restamp` whether the latest one nears its end."""
    signed = cms.read_signature(der)
    tokens = [signed.timestamp_token] if signed.timestamp_token is not None else []
    tokens += [token for _, token in _archive_positions(_SignedData.load(der).signer)]
    return [tsa.token_certificate(token) for token in tokens]


def proven_time(
    stamps: list[tsa.Timestamp], trusted: Callable[[x509.Certificate], bool], now: dt.datetime
) -> dt.datetime | None:
    """The time the first stamp (the signature's timestamp) still proves, given the archive timestamps after it:
    a stamp holds when its TSA is trusted, it was made while the TSA's certificate was in force, and that
    certificate is in force now or a later stamp that holds was made before it expired. None when the chain
    has lapsed."""
    holds = [False] * len(stamps)
    for index in reversed(range(len(stamps))):
        stamp, certificate = stamps[index], stamps[index].certificate
        start, end = certificate.not_valid_before_utc, certificate.not_valid_after_utc
        sound = trusted(certificate) and start <= stamp.time <= end
        later = (holds[j] and stamps[j].time <= end for j in range(index + 1, len(stamps)))
        holds[index] = sound and (now <= end or any(later))
    return stamps[0].time if stamps and holds[0] else None
