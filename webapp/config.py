"""Configuration from the CASEFILES_* environment variables (see README.md for each one)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from webapp.deployment import check_several_machines
from webapp.exceptions import ConfigurationError
from webapp.support.calendar import parse_overrides

STORAGE_KINDS = ("local", "s3")
S3_ADDRESSING = ("auto", "path", "virtual")
S3_LOCK_MODES = ("GOVERNANCE", "COMPLIANCE")


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    storage: str
    s3_endpoint_url: str | None
    s3_bucket: str | None
    secret_key: str
    max_upload_bytes: int
    institution_name: str
    ca_path: Path | None = None  # CASEFILES_CA_DIR; None: a folder in the data dir
    s3_region: str | None = None  # None: boto's chain (AWS_REGION, AWS_DEFAULT_REGION, ~/.aws/config)
    s3_addressing: str = "auto"
    s3_lock_mode: str = "GOVERNANCE"
    s3_multipart_mb: int = 256
    s3_presign_seconds: int = 0  # 0: downloads go through the app; else the API redirects to a presigned URL
    export_ttl_hours: int = 24  # exported case files are downloadable, then deleted, after this long
    export_seal: bool = True  # seal exported PDF case files with the institution's electronic seal
    session_minutes: int = 30  # a browser session ends after this long without a request
    secure_cookies: bool = False  # True behind HTTPS: session cookies are sent over HTTPS only
    queue_url: str = ""  # "": the SQLite job queue in the data dir; redis://host:port/db when scaled out
    job_lease_seconds: int = 120  # a running job whose worker has not renewed it for this long is requeued
    calendar_file: Path | None = None  # days off and working days decreed after the `holidays` package's release
    checkout_stale_hours: int = 72  # a document checked out longer than this is listed on the head's first screen
    # The institution's: times on pages and in documents (UTC in storage and API). load_settings' default is the
    # server's zone (server_zone); this one is for settings made in code, as the tests' are.
    timezone: str = "Europe/Moscow"
    search: str = "auto"  # the search index: "whoosh" (a folder), "postgres" (in the database), "auto": see below
    index_workers: int | None = None  # processes analysing a PostgreSQL index rebuild; None: the cores
    smtp_url: str = ""  # "": no e-mail (notifications stay in the app); smtp://, smtp+starttls:// or smtps://
    mail_from: str = ""  # the From address of notification e-mails
    smtp_ca_file: Path | None = None  # CASEFILES_SMTP_CA_FILE: a private CA trusted for the SMTP server's certificate
    public_url: str = ""  # the address users open casefiles at, for links in e-mails (e.g. https://cf.example.ru)
    digest_hour: int = 8  # the institution's hour (0-23) the daily digest goes out at
    notify_due_days: int = 2  # a deadline or task is announced this many working days before it is due
    escalate_after_days: int = 3  # overdue by more than this many working days: the head is told too
    tsa_url: str = ""  # an RFC 3161 time-stamping authority over HTTP; "": casefiles' own TSA key under its CA
    cert_years: int = 2  # signers' certificates live this long and are renewed (timestamps keep old signatures)
    # Backups (webapp.backups): encrypted with a passphrase, or to the administrator's age public keys and read back
    # with their identity file; kept N daily and M monthly; overdue after max_age_hours without a good one.
    backup_passphrase: str = ""
    backup_recipients: tuple[str, ...] = ()
    backup_identity: Path | None = None
    backup_keep_daily: int = 7
    backup_keep_monthly: int = 12
    backup_max_age_hours: int = 26

    @property
    def ca_dir(self) -> Path:
        """The signing certificate authority: its key (0600), ca.pem, the key-encryption secret and the seal."""
        return self.ca_path or self.data_dir / "ca"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if environ is None else environ)
    check_several_machines(env)
    data_dir = Path(env.get("CASEFILES_DATA_DIR") or "./instance").resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    storage = (env.get("CASEFILES_STORAGE") or switched_storage(data_dir) or "local").strip().lower()
    if storage not in STORAGE_KINDS:
        raise ConfigurationError(f"CASEFILES_STORAGE must be one of {', '.join(STORAGE_KINDS)}")
    if storage == "s3" and not env.get("CASEFILES_S3_BUCKET"):
        raise ConfigurationError("CASEFILES_STORAGE=s3 needs CASEFILES_S3_BUCKET")
    return Settings(
        data_dir=data_dir,
        database_url=env.get("CASEFILES_DATABASE_URL") or f"sqlite:///{data_dir / 'casefiles.db'}",
        storage=storage,
        s3_endpoint_url=env.get("CASEFILES_S3_ENDPOINT_URL") or None,
        s3_bucket=env.get("CASEFILES_S3_BUCKET") or None,
        secret_key=env.get("CASEFILES_SECRET_KEY") or _stored_secret_key(data_dir),
        max_upload_bytes=_positive_int(env, "CASEFILES_MAX_UPLOAD_MB", 200) * 1024 * 1024,
        institution_name=env.get("CASEFILES_INSTITUTION_NAME", "").strip(),
        ca_path=Path(env["CASEFILES_CA_DIR"]).resolve() if env.get("CASEFILES_CA_DIR") else None,
        s3_region=env.get("CASEFILES_S3_REGION") or None,
        s3_addressing=_choice(env, "CASEFILES_S3_ADDRESSING", S3_ADDRESSING, lower=True),
        s3_lock_mode=_choice(env, "CASEFILES_S3_LOCK_MODE", S3_LOCK_MODES, lower=False),
        s3_multipart_mb=max(5, _positive_int(env, "CASEFILES_S3_MULTIPART_MB", 256)),
        s3_presign_seconds=_non_negative_int(env, "CASEFILES_S3_PRESIGN_SECONDS", 0),
        export_ttl_hours=_positive_int(env, "CASEFILES_EXPORT_TTL_HOURS", 24),
        export_seal=_choice(env, "CASEFILES_EXPORT_SEAL", ("1", "0"), lower=True) == "1",
        session_minutes=_positive_int(env, "CASEFILES_SESSION_MINUTES", 30),
        secure_cookies=_choice(env, "CASEFILES_SECURE_COOKIES", ("0", "1"), lower=True) == "1",
        queue_url=_queue_url(env),
        job_lease_seconds=_positive_int(env, "CASEFILES_JOB_LEASE_SECONDS", 120),
        calendar_file=_calendar_file(env),
        checkout_stale_hours=_positive_int(env, "CASEFILES_CHECKOUT_STALE_HOURS", 72),
        timezone=_zone(env),
        search=_search_backend(env),
        index_workers=_positive_int(env, "CASEFILES_INDEX_WORKERS", 0) or None,
        smtp_url=_smtp_url(env),
        mail_from=env.get("CASEFILES_MAIL_FROM", "").strip(),
        smtp_ca_file=_smtp_ca_file(env),
        public_url=_public_url(env),
        digest_hour=_hour(env, "CASEFILES_DIGEST_HOUR", 8),
        notify_due_days=_non_negative_int(env, "CASEFILES_NOTIFY_DUE_DAYS", 2),
        escalate_after_days=_non_negative_int(env, "CASEFILES_ESCALATE_AFTER_DAYS", 3),
        tsa_url=_tsa_url(env),
        cert_years=_positive_int(env, "CASEFILES_CERT_YEARS", 2),
        backup_passphrase=env.get("CASEFILES_BACKUP_PASSPHRASE", ""),
        backup_recipients=tuple(env.get("CASEFILES_BACKUP_RECIPIENT", "").replace(",", " ").split()),
        backup_identity=_backup_identity(env),
        backup_keep_daily=_non_negative_int(env, "CASEFILES_BACKUP_KEEP_DAILY", 7),
        backup_keep_monthly=_non_negative_int(env, "CASEFILES_BACKUP_KEEP_MONTHLY", 12),
        backup_max_age_hours=_positive_int(env, "CASEFILES_BACKUP_MAX_AGE_HOURS", 26),
    )


def flask_config(settings: Settings) -> dict[str, Any]:
    return {
        "SECRET_KEY": settings.secret_key,
        "SQLALCHEMY_DATABASE_URI": settings.database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MAX_CONTENT_LENGTH": settings.max_upload_bytes,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": settings.secure_cookies,
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(minutes=settings.session_minutes),
        "SESSION_REFRESH_EACH_REQUEST": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": settings.secure_cookies,
        "CASEFILES": settings,
    }


SEARCH_BACKENDS = ("auto", "whoosh", "postgres")


def _search_backend(env: dict[str, str]) -> str:
    """CASEFILES_SEARCH: "auto" (the default) searches in PostgreSQL when that is the database and its index has
    been built (a new installation's is; an existing one's by `casefiles search migrate --to postgres`), else in
    the whoosh folder; "postgres" needs a PostgreSQL database."""
    backend = _choice(env, "CASEFILES_SEARCH", SEARCH_BACKENDS, lower=True)
    database = env.get("CASEFILES_DATABASE_URL", "")
    if backend == "postgres" and not database.startswith("postgresql"):
        raise ConfigurationError("CASEFILES_SEARCH=postgres needs a PostgreSQL CASEFILES_DATABASE_URL")
    return backend


def _queue_url(env: dict[str, str]) -> str:
    url = env.get("CASEFILES_QUEUE_URL", "").strip()
    if url and not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigurationError("CASEFILES_QUEUE_URL must be empty (SQLite) or a Redis URL: redis://host:6379/0")
    return url


SMTP_SCHEMES = ("smtp://", "smtp+starttls://", "smtps://")


def _smtp_url(env: dict[str, str]) -> str:
    """CASEFILES_SMTP_URL: smtps://user:password@host:465 (TLS from the start), smtp+starttls://...:587 (STARTTLS
    required), smtp://host:25 (STARTTLS when the server offers it); empty: no e-mail is sent."""
    url = env.get("CASEFILES_SMTP_URL", "").strip()
    if url and not url.startswith(SMTP_SCHEMES):
        raise ConfigurationError("CASEFILES_SMTP_URL must start with " + ", ".join(SMTP_SCHEMES))
    if url and not env.get("CASEFILES_MAIL_FROM", "").strip():
        raise ConfigurationError("CASEFILES_SMTP_URL needs CASEFILES_MAIL_FROM (the sender's address)")
    return url


def _smtp_ca_file(env: dict[str, str]) -> Path | None:
    raw = env.get("CASEFILES_SMTP_CA_FILE", "").strip()
    if not raw:
        return None
    path = Path(raw).resolve()
    if not path.is_file():
        raise ConfigurationError("CASEFILES_SMTP_CA_FILE must name an existing file (PEM certificates)")
    return path


def _public_url(env: dict[str, str]) -> str:
    url = env.get("CASEFILES_PUBLIC_URL", "").strip().rstrip("/")
    if url and not url.startswith(("http://", "https://")):
        raise ConfigurationError("CASEFILES_PUBLIC_URL must be an http:// or https:// address")
    return url


def _tsa_url(env: dict[str, str]) -> str:
    url = env.get("CASEFILES_TSA_URL", "").strip()
    if url and not url.startswith(("http://", "https://")):
        raise ConfigurationError("CASEFILES_TSA_URL must be an http:// or https:// address of an RFC 3161 service")
    return url


def _backup_identity(env: dict[str, str]) -> Path | None:
    """CASEFILES_BACKUP_IDENTITY: the age identity file (`age-keygen -o`) that reads backups made to
    CASEFILES_BACKUP_RECIPIENT; needed only to verify or restore them."""
    raw = env.get("CASEFILES_BACKUP_IDENTITY", "").strip()
    if not raw:
        return None
    path = Path(raw).resolve()
    if not path.is_file():
        raise ConfigurationError("CASEFILES_BACKUP_IDENTITY must name an existing file (an age identity)")
    return path


def _hour(env: dict[str, str], name: str, default: int) -> int:
    value = _non_negative_int(env, name, default)
    if value > 23:
        raise ConfigurationError(f"{name} must be an hour from 0 to 23")
    return value


def _calendar_file(env: dict[str, str]) -> Path | None:
    raw = env.get("CASEFILES_CALENDAR_FILE", "").strip()
    if not raw:
        return None
    path = Path(raw).resolve()
    if not path.is_file():
        raise ConfigurationError("CASEFILES_CALENDAR_FILE must name an existing file")
    parse_overrides(path.read_text(encoding="utf-8"), "CASEFILES_CALENDAR_FILE")
    return path


FALLBACK_ZONE = "Europe/Moscow"


def _zone(env: dict[str, str]) -> str:
    name = (env.get("CASEFILES_TIMEZONE") or "").strip() or server_zone(env)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        example = "e.g. Europe/Moscow, Asia/Yekaterinburg"
        raise ConfigurationError(f"CASEFILES_TIMEZONE: {name!r} is not a time zone ({example})") from None
    return name


def server_zone(
    env: dict[str, str], timezone_file: Path = Path("/etc/timezone"), localtime: Path = Path("/etc/localtime")
) -> str:
    """The server's time zone by its IANA name: TZ (`Asia/Yekaterinburg`, `:Asia/Yekaterinburg`), else
    /etc/timezone, else where the /etc/localtime link points (`.../zoneinfo/Asia/Yekaterinburg`); Europe/Moscow
    when none of them names a zone (a POSIX rule in TZ such as `MSK-3`, a copied localtime file)."""
    candidates = [env.get("TZ", "").strip().removeprefix(":")]
    with contextlib.suppress(OSError, UnicodeDecodeError):
        candidates.append(timezone_file.read_text(encoding="utf-8").strip())
    if localtime.is_symlink():
        target = os.path.realpath(localtime)
        candidates.append(target.partition("/zoneinfo/")[2] if "/zoneinfo/" in target else "")
    for name in candidates:
        if name and _is_zone(name):
            return name
    return FALLBACK_ZONE


def _is_zone(name: str) -> bool:
    if name.startswith("/") or ".." in name:  # ZoneInfo would read a file by that path
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _positive_int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise ConfigurationError(f"{name} must be a positive whole number")
    return value


SWITCH_FILE = "storage-backend"  # written by `casefiles storage migrate` once every blob is copied


def switched_storage(data_dir: Path) -> str | None:
    """The storage `casefiles storage migrate` switched this data folder to; CASEFILES_STORAGE overrides it."""
    path = data_dir / SWITCH_FILE
    return path.read_text().strip() if path.exists() else None


def record_switch(data_dir: Path, storage: str) -> None:
    (data_dir / SWITCH_FILE).write_text(storage + "\n")


def _non_negative_int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    if not raw.strip().isdigit():
        raise ConfigurationError(f"{name} must be a whole number, 0 or more")
    return int(raw)


def _choice(env: dict[str, str], name: str, choices: tuple[str, ...], *, lower: bool) -> str:
    raw = (env.get(name) or choices[0]).strip()
    value = raw.lower() if lower else raw.upper()
    if value not in choices:
        raise ConfigurationError(f"{name} must be one of {', '.join(choices)}")
    return value


def _stored_secret_key(data_dir: Path) -> str:
    """Generate the session key once and keep it beside the data, readable by the owner only."""
    path = data_dir / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()
