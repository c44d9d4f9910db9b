"""Sending one e-mail to the server of CASEFILES_SMTP_URL (stdlib smtplib and ssl): smtps:// speaks TLS from the
start, smtp+starttls:// requires STARTTLS and refuses to send in clear, smtp:// uses STARTTLS when offered. The
server's certificate is always verified, against the system's CAs and CASEFILES_SMTP_CA_FILE. No Flask import."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

TIMEOUT_SECONDS = 10
DEFAULT_PORTS = {"smtps": 465, "smtp+starttls": 587, "smtp": 25}


class SendFailed(Exception):
    """Why a message did not go out, in words safe to keep on record: never an address, a password or a reply
    that could quote the message."""


@dataclass(frozen=True)
class SmtpServer:
    scheme: str  # "smtps", "smtp+starttls" or "smtp"
    host: str
    port: int
    username: str
    password: str

    def __repr__(self) -> str:  # never the password, should one ever be logged
        return f"SmtpServer({self.scheme}://{self.host}:{self.port})"


def parse_smtp_url(url: str) -> SmtpServer:
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError("CASEFILES_SMTP_URL must be smtps://, smtp+starttls:// or smtp:// with a host")
    return SmtpServer(
        scheme=parts.scheme,
        host=parts.hostname,
        port=parts.port or DEFAULT_PORTS[parts.scheme],
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )


def tls_context(ca_file: Path | None) -> ssl.SSLContext:
    """The system's CAs, and the private one if given; host names and certificates checked."""
    context = ssl.create_default_context()
    if ca_file is not None:
        context.load_verify_locations(cafile=str(ca_file))
    return context


def send(message: EmailMessage, url: str, *, ca_file: Path | None = None, timeout: float = TIMEOUT_SECONDS) -> None:
    """Deliver `message` (its From and To headers name the envelope) or raise SendFailed."""
    server = parse_smtp_url(url)
    context = tls_context(ca_file)
    try:
        with _connect(server, context, timeout) as connection:
            if server.username:
                connection.login(server.username, server.password)
            connection.send_message(message)
    except SendFailed:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise SendFailed(f"сервер отклонил имя или пароль (код {exc.smtp_code})") from None
    except smtplib.SMTPRecipientsRefused:
        raise SendFailed("сервер отклонил адрес получателя") from None
    except smtplib.SMTPResponseException as exc:
        raise SendFailed(f"сервер ответил ошибкой {exc.smtp_code}") from None
    except ssl.SSLCertVerificationError:
        raise SendFailed("сертификат почтового сервера не прошёл проверку") from None
    except (smtplib.SMTPException, OSError) as exc:  # refused, unreachable, timed out, dropped, TLS failed
        raise SendFailed(f"почтовый сервер недоступен ({type(exc).__name__})") from None


def _connect(server: SmtpServer, context: ssl.SSLContext, timeout: float) -> smtplib.SMTP:
    if server.scheme == "smtps":
        return smtplib.SMTP_SSL(server.host, server.port, timeout=timeout, context=context)
    connection = smtplib.SMTP(server.host, server.port, timeout=timeout)
    try:
        connection.ehlo()
        if connection.has_extn("starttls"):
            connection.starttls(context=context)
            connection.ehlo()
        elif server.scheme == "smtp+starttls":
            raise SendFailed("сервер не предлагает STARTTLS: письмо не отправлено открытым текстом")
        elif server.username:
            raise SendFailed("сервер не предлагает STARTTLS: пароль не отправлен открытым текстом")
    except BaseException:
        connection.close()
        raise
    return connection
