"""Make another release of a wheel (a new version, optionally with a file changed) for update tests.

A wheel is a zip whose dist-info directory name, METADATA and RECORD carry the version; pip checks
them against the file name, so all three are rewritten and RECORD's hashes recomputed."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def rebuild_wheel(source: Path, out_dir: Path, version: str, replace: dict[str, bytes] | None = None) -> Path:
    """A copy of ``source`` as ``version``; ``replace`` maps paths to new contents (or new files)."""
    name, old_version, *tail = source.name.split("-")
    old_info, new_info = f"{name}-{old_version}.dist-info/", f"{name}-{version}.dist-info/"
    target = out_dir / "-".join([name, version, *tail])
    replace = replace or {}
    records = []
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            path = item.filename.replace(old_info, new_info)
            if path == new_info + "RECORD":
                continue
            data = replace.get(path, old.read(item))
            if path == new_info + "METADATA":
                data = data.replace(f"Version: {old_version}\n".encode(), f"Version: {version}\n".encode())
            new.writestr(path, data)
            records.append(f"{path},{_record_hash(data)},{len(data)}")
        for path in sorted(set(replace) - {item.filename for item in old.infolist()}):  # new files
            new.writestr(path, replace[path])
            records.append(f"{path},{_record_hash(replace[path])},{len(replace[path])}")
        records.append(f"{new_info}RECORD,,")
        new.writestr(new_info + "RECORD", "\n".join(records) + "\n")
    return target
