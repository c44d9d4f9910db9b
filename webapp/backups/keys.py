"""The keys of a backup folder: everything in it is encrypted with age (pyrage), readable by the stock `age` tool.

Two ways, chosen when the folder's first backup is taken and kept for the folder:
- a passphrase (CASEFILES_BACKUP_PASSPHRASE): the folder gets an age identity of its own, kept in `key.age`
  encrypted with the passphrase (scrypt); every file is encrypted to that identity's public key, so a backup pays
  for scrypt once, not once per file. Each run and each restore opens `key.age`, which checks the passphrase.
- the administrator's public keys (CASEFILES_BACKUP_RECIPIENT, `age1...`): every file is encrypted to them; the
  server never holds what decrypts them, and verify and restore need the identity file (CASEFILES_BACKUP_IDENTITY).
By hand: `age -d key.age > folder.key` (asks the passphrase), then `age -d -i folder.key FILE.age`."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyrage
from pyrage import passphrase, x25519

from webapp.config import Settings
from webapp.exceptions import ConfigurationError, DomainError

FOLDER_FILE = "casefiles-backup.json"
KEY_FILE = "key.age"
FORMAT = 1


class BackupError(DomainError):
    """A backup, its check or a restore cannot go on; the message names the first problem (a file, a count, a
    tool's complaint), never a record's content."""

    status = 409


@dataclass(frozen=True)
class Keys:
    recipients: list[Any]  # what files are encrypted to
    identities: list[Any]  # what decrypts them; empty when only the administrator holds it

    def readable(self) -> bool:
        return bool(self.identities)


def folder_settings(root: Path) -> dict[str, Any] | None:
    path = root / FOLDER_FILE
    if not path.exists():
        return None
    try:
        found: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"Не читается {FOLDER_FILE} папки копий: {exc}") from None
    if found.get("format") != FORMAT:
        raise BackupError(f"{FOLDER_FILE}: папка копий формата {found.get('format')!r}, а не {FORMAT}")
    return found


def keys_for_writing(root: Path, settings: Settings) -> Keys:
    """The keys a backup into `root` encrypts with; a new folder is set up with the configured way."""
    found = folder_settings(root)
    if found is None:
        found = _set_up(root, settings)
    if found["keys"] == "passphrase":
        return _passphrase_keys(root, settings)
    recipients = _recipients(settings)
    if sorted(str(r) for r in recipients) != sorted(found["recipients"]):
        raise BackupError(
            f"В {root} копии зашифрованы для других открытых ключей ({', '.join(found['recipients'])}); "
            "после смены CASEFILES_BACKUP_RECIPIENT копируйте в новую папку"
        )
    return Keys(recipients, _identities(settings, required=False))


def keys_for_reading(root: Path, settings: Settings) -> Keys:
    """The keys that read the backups in `root` (ConfigurationError when this process was not given them)."""
    found = folder_settings(root)
    if found is None:
        raise BackupError(f"{root} — не папка резервных копий casefiles (нет {FOLDER_FILE})")
    if found["keys"] == "passphrase":
        return _passphrase_keys(root, settings)
    identities = _identities(settings, required=True)
    return Keys([identity.to_public() for identity in identities], identities)


def _set_up(root: Path, settings: Settings) -> dict[str, Any]:
    root.mkdir(parents=True, exist_ok=True)
    if settings.backup_recipients:
        found: dict[str, Any] = {
            "format": FORMAT,
            "keys": "recipients",
            "recipients": sorted(str(r) for r in _recipients(settings)),
        }
    elif settings.backup_passphrase:
        identity = x25519.Identity.generate()
        _write_new(root / KEY_FILE, passphrase.encrypt(str(identity).encode(), settings.backup_passphrase))
        found = {"format": FORMAT, "keys": "passphrase", "recipient": str(identity.to_public())}
    else:
        raise ConfigurationError(
            "Резервная копия не пишется незашифрованной: задайте CASEFILES_BACKUP_PASSPHRASE или "
            "CASEFILES_BACKUP_RECIPIENT (открытый ключ age администратора)"
        )
    _write_new(root / FOLDER_FILE, (json.dumps(found, indent=2) + "\n").encode())
    return found


def _passphrase_keys(root: Path, settings: Settings) -> Keys:
    if not settings.backup_passphrase:
        raise ConfigurationError(f"Копии в {root} зашифрованы парольной фразой: задайте CASEFILES_BACKUP_PASSPHRASE")
    try:
        sealed = (root / KEY_FILE).read_bytes()
    except OSError as exc:
        raise BackupError(f"Не читается {KEY_FILE}: {exc.strerror}") from None
    try:
        identity = x25519.Identity.from_str(passphrase.decrypt(sealed, settings.backup_passphrase).decode())
    except (pyrage.DecryptError, pyrage.IdentityError, UnicodeDecodeError):
        raise BackupError(
            f"CASEFILES_BACKUP_PASSPHRASE не открывает {root / KEY_FILE}: не та парольная фраза"
        ) from None
    return Keys([identity.to_public()], [identity])


def _recipients(settings: Settings) -> list[Any]:
    try:
        return [x25519.Recipient.from_str(text) for text in settings.backup_recipients]
    except pyrage.RecipientError:
        raise ConfigurationError("CASEFILES_BACKUP_RECIPIENT — открытые ключи age (age1...)") from None


def _identities(settings: Settings, *, required: bool) -> list[Any]:
    if settings.backup_identity is None:
        if required:
            raise ConfigurationError(
                "Копии зашифрованы для открытых ключей: задайте CASEFILES_BACKUP_IDENTITY (файл ключа age)"
            )
        return []
    lines = settings.backup_identity.read_text(encoding="utf-8").splitlines()
    try:
        return [x25519.Identity.from_str(line.strip()) for line in lines if line.startswith("AGE-SECRET-KEY-")]
    except pyrage.IdentityError:
        raise ConfigurationError("В файле CASEFILES_BACKUP_IDENTITY нет ключа age") from None


def _write_new(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
