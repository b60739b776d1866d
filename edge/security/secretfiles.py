"""Secrets on disk: written 0600 atomically, and read from files (systemd credentials).

A setting such as ``sync.box_token`` can be given three ways, strongest first: the value itself,
a file named by ``<name>_file``, or a systemd credential ``$CREDENTIALS_DIRECTORY/<credential>``
(``LoadCredential=`` in the unit), which keeps the secret out of the TOML and the environment.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)


class SecretFileError(Exception):
    pass


def write_private(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write ``data`` so that no one but the owner can ever read it, no reader sees half, and a
    power cut leaves the old file or the whole new one (never an empty one: the data is fsynced
    before the name points at it, and the directory after). ``exclusive``: FileExistsError if
    ``path`` exists already (two processes making the same first secret: one wins)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive:
            os.link(temporary, path)
        else:
            os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    fsync_path(path.parent)  # the new name is on disk only once its directory is fsynced


def fsync_path(path: Path) -> None:
    """fsync a file or a directory by name."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def restrict_mode(path: Path) -> bool:
    """Tighten a secret file someone made group- or world-readable. Returns True if it did."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return False
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        try:
            os.chmod(path, 0o600)
        except OSError as error:  # a read-only credentials mount: say so, do not fail
            log.warning("%s is readable by others and cannot be changed: %s", path, error.strerror)
            return False
        log.info("%s was readable by others; it is now 0600", path)
        return True
    return False


def read_secret(value: str | None, file: Path | str | None = None, credential: str | None = None) -> str | None:
    """The secret from the value, else from ``file``, else from the systemd credential."""
    if value:
        return value
    if file:
        return _read(Path(file))
    directory = os.environ.get("CREDENTIALS_DIRECTORY")
    if credential and directory and (Path(directory) / credential).is_file():
        return _read(Path(directory) / credential)
    return None


def _read(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise SecretFileError(f"cannot read the secret file {path}: {error.strerror}") from None
    if not text:
        raise SecretFileError(f"the secret file {path} is empty")
    restrict_mode(path)
    return text
