"""A real SMTP server for the tests: aiosmtpd on a free local port, STARTTLS required (or TLS from the start, the
smtps variant), a user name and password required once TLS is on, its certificate issued by a throwaway CA that
the application trusts through CASEFILES_SMTP_CA_FILE. Received messages are kept, parsed, in `messages`.

    def test_something(mail_server: MailServer, ...):
        app settings: with_mail(settings, mail_server)   # smtp_url, mail_from, smtp_ca_file
        mail_server.stop(); ...; mail_server.start()      # same port, same URL
        mail_server.messages[0]["Subject"]
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from webapp.config import Settings

HOST = "127.0.0.1"
USERNAME = "casefiles"
PASSWORD = "p@ss:w/rd"  # percent-encoded in the URL: the application must decode it
MAIL_FROM = "casefiles@cf.example.ru"


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for localhost / 127.0.0.1 signed by it: (ca.pem, server.pem, server.key)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "casefiles test mail CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


class Collector:
    """An aiosmtpd handler keeping each message received, parsed."""

    def __init__(self, messages: list[EmailMessage]) -> None:
        self.messages = messages

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(cast(EmailMessage, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted"


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and data.login == USERNAME.encode() and data.password == PASSWORD.encode()
    return AuthResult(success=ok)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


class MailServer:
    """aiosmtpd in a thread. `url` is what CASEFILES_SMTP_URL should say; `start`/`stop` keep the port."""

    def __init__(self, folder: Path, *, implicit_tls: bool = False) -> None:
        self.ca_file, cert, key = make_certificates(folder)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.implicit_tls = implicit_tls
        self.messages: list[EmailMessage] = []
        self.port = free_port()
        scheme = "smtps" if implicit_tls else "smtp+starttls"
        self.url = f"{scheme}://{quote(USERNAME, safe='')}:{quote(PASSWORD, safe='')}@{HOST}:{self.port}"
        self._controller: Controller | None = None

    def start(self) -> None:
        if self._controller is not None:
            return
        options: dict[str, Any] = {"authenticator": _authenticate, "auth_required": True}
        if self.implicit_tls:
            # aiosmtpd counts only STARTTLS as TLS for AUTH (and requiring AUTH then warns); this connection is TLS
            # from its first byte, and the client logs in all the same: its URL names a user.
            options.update(auth_require_tls=False, auth_required=False)
            controller = Controller(
                Collector(self.messages), hostname=HOST, port=self.port, ssl_context=self.context, **options
            )
        else:
            options.update(tls_context=self.context, require_starttls=True)
            controller = Controller(Collector(self.messages), hostname=HOST, port=self.port, **options)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def with_mail(settings: Settings, server: MailServer, **more: Any) -> Settings:
    """`settings` sending through `server` (its CA trusted), with links to a public address."""
    return dataclasses.replace(
        settings,
        smtp_url=server.url,
        mail_from=MAIL_FROM,
        smtp_ca_file=server.ca_file,
        public_url="https://cf.example.ru",
        **more,
    )


@pytest.fixture
def mail_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailServer]:
    """A started SMTP server requiring STARTTLS (see MailServer)."""
    server = MailServer(tmp_path_factory.mktemp("mail"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtps_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailServer]:
    """A started SMTP server speaking TLS from the start (smtps://)."""
    server = MailServer(tmp_path_factory.mktemp("mail"), implicit_tls=True)
    server.start()
    yield server
    server.stop()
