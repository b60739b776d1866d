"""install.sh into a temporary root: the files, their modes, owners by number from that root's own
passwd, the verified model, and that the host and the owner's settings are left alone."""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tomllib
import zipfile
from pathlib import Path

import pytest

from edge.settings import Settings
from tests.deploy.conftest import PI_IMAGE, run

INSTALL = PI_IMAGE / "install.sh"
TEMPLATE = PI_IMAGE / "rootfs/etc/edge/edge.toml"
MODEL = "vosk-model-small-en-us-0.15"


def ids(root: Path, table: str) -> dict[str, int]:
    return {fields[0]: int(fields[2]) for line in (root / "etc" / table).read_text().splitlines()
            if (fields := line.split(":"))}


def owner_mode(path: Path) -> tuple[int, int, int]:
    info = path.lstat()
    return info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)


def fake_model_zip(tmp_path: Path) -> Path:
    """A stand-in for the model archive (the real one is downloaded only by the image build)."""
    archive = tmp_path / f"{MODEL}.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(f"{MODEL}/conf/model.conf", "--min-active=200\n")
        zf.writestr(f"{MODEL}/am/final.mdl", b"\0model")
    return archive


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def installed(root, tmp_path, wheel_stub):
    token = tmp_path / "box-token"
    token.write_text("eyJ.box.token\n")
    model = fake_model_zip(tmp_path)
    host_passwd = Path("/etc/passwd").read_bytes()
    run(INSTALL, "--wheel", wheel_stub, "--box-token", token, "--model-zip", model,
        "--model-sha256", sha256(model), root)
    assert Path("/etc/passwd").read_bytes() == host_passwd, "the build machine's users were changed"
    return root


@pytest.fixture
def wheel_stub(tmp_path) -> Path:
    """install.sh only copies the wheel; the real one is tested in test_release."""
    path = tmp_path / "restaurant_edge-9.9.9-py3-none-any.whl"
    path.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    return path


def test_the_edge_user_is_made_in_the_root_with_its_hardware_groups(installed):
    passwd = {line.split(":")[0]: line.split(":") for line in (installed / "etc/passwd").read_text().splitlines()}
    assert passwd["edge"][5] == "/var/lib/edge" and passwd["edge"][6] == "/usr/sbin/nologin"
    members = {line.split(":")[0]: line.split(":")[3].split(",") for line in
               (installed / "etc/group").read_text().splitlines()}
    for group in ("gpio", "lp", "dialout", "input", "audio"):
        assert "edge" in members[group], group
    assert ids(installed, "group")["lp"] == 7, "an existing group keeps its id"


@pytest.mark.skipif(os.geteuid() != 0, reason="owners can only be set as root (CI runs as root)")
def test_files_modes_and_owners(installed):
    edge_uid, edge_gid = ids(installed, "passwd")["edge"], ids(installed, "group")["edge"]
    expected = {
        "etc/edge": (0, edge_gid, 0o750),
        "etc/edge/edge.toml": (0, edge_gid, 0o640),
        "etc/edge/credentials": (edge_uid, edge_gid, 0o700),
        "etc/edge/credentials/box-token": (edge_uid, edge_gid, 0o600),
        "var/lib/edge": (edge_uid, edge_gid, 0o750),
        "var/lib/edge/backups": (edge_uid, edge_gid, 0o750),
        "etc/systemd/system/edge.service": (0, 0, 0o644),
        "etc/systemd/system/edge.socket": (0, 0, 0o644),
        "etc/systemd/system/edge-firstboot.service": (0, 0, 0o644),
        "etc/systemd/journald.conf.d/60-edge.conf": (0, 0, 0o644),
        "etc/udev/rules.d/60-edge.rules": (0, 0, 0o644),
        "etc/avahi/services/edge.service": (0, 0, 0o644),
        "usr/local/sbin/edge-update": (0, 0, 0o755),
        "opt/edge/wheels/restaurant_edge-9.9.9-py3-none-any.whl": (0, 0, 0o644),
        "opt/edge/releases": (0, 0, 0o755),
    }
    for path, owner in expected.items():
        assert owner_mode(installed / path) == owner, path
    assert (installed / "etc/edge/credentials/box-token").read_text() == "eyJ.box.token\n"


def test_no_secret_is_baked_into_the_image(installed):
    """Every box makes its own signing secret at first boot; an image must not carry one."""
    assert not list(installed.rglob("secret.key"))
    assert not list((installed / "var/lib/edge").rglob("*.sqlite"))


def test_units_are_enabled_like_systemctl_enable(installed):
    wants = installed / "etc/systemd/system"
    assert os.readlink(wants / "multi-user.target.wants/edge.service") == "/etc/systemd/system/edge.service"
    assert os.readlink(wants / "multi-user.target.wants/edge-firstboot.service").endswith("edge-firstboot.service")
    assert os.readlink(wants / "sockets.target.wants/edge.socket") == "/etc/systemd/system/edge.socket"
    assert os.readlink(installed / "usr/local/bin/edge") == "/opt/edge/current/bin/edge"


def test_the_model_is_unpacked_after_its_checksum_matched(installed):
    model = installed / "opt/edge/models" / MODEL
    assert (model / "conf/model.conf").is_file() and (model / "am/final.mdl").is_file()


def test_a_model_with_the_wrong_checksum_is_refused(root, tmp_path):
    model = fake_model_zip(tmp_path)
    result = run(INSTALL, "--model-zip", model, root, check=False)  # the pinned checksum: no match
    assert result.returncode != 0
    assert "SHA-256" in result.stderr and sha256(model) in result.stderr
    assert not (root / "opt/edge/models" / MODEL).exists()


def test_a_second_run_keeps_the_owners_settings(installed, wheel_stub):
    settings = installed / "etc/edge/edge.toml"
    settings.write_text('[restaurant]\nname = "Luigi"\n')
    run(INSTALL, "--wheel", wheel_stub, installed)
    assert settings.read_text() == '[restaurant]\nname = "Luigi"\n'
    assert (installed / "etc/edge/edge.toml.dist").read_text() == TEMPLATE.read_text()
    assert (installed / "etc/passwd").read_text().count("\nedge:") == 1


def test_no_chown_leaves_owners_to_the_caller(root):
    run(INSTALL, "--no-chown", root)
    assert owner_mode(root / "var/lib/edge")[:2] == (os.getuid(), os.getgid())
    assert owner_mode(root / "var/lib/edge")[2] == 0o750


def test_bad_usage_is_refused(tmp_path):
    assert run(INSTALL, check=False).returncode == 2
    result = run(INSTALL, tmp_path, check=False)
    assert result.returncode == 1 and "not a root file system" in result.stderr


# -- the settings template ----------------------------------------------------------------
def uncommented(text: str) -> str:
    """The template with every example switched on: "# key = ..." lines lose their "# "."""
    return "\n".join(line[2:] if re.match(r"^# (?!#)", line) else ("" if line.startswith("#") else line)
                     for line in text.splitlines())


def test_the_template_as_shipped_is_valid(tmp_path):
    data = tomllib.loads(TEMPLATE.read_text())
    settings = Settings(**{**data, "data_dir": tmp_path})
    assert settings.server.public_url == "http://kitchen.local"


def test_every_example_in_the_template_is_valid(tmp_path):
    data = tomllib.loads(uncommented(TEMPLATE.read_text()))
    settings = Settings(**{**data, "data_dir": tmp_path})
    assert {p.backend for p in settings.printers} == {"network", "usb", "serial", "file"}
    assert settings.voice.model_path == Path("/opt/edge/models") / MODEL


def test_the_template_mentions_every_setting():
    data = tomllib.loads(uncommented(TEMPLATE.read_text()))
    missing = [name for name in Settings.model_fields if name not in data]
    for name, field in Settings.model_fields.items():
        section_model = getattr(field.annotation, "model_fields", None)
        if section_model and name in data:
            missing += [f"{name}.{key}" for key in section_model if key not in data[name]]
    for name in ("printers", "buttons", "bumpbars", "alerts"):
        item_model = Settings.model_fields[name].annotation.__args__[0]
        seen = {key for item in data.get(name, []) for key in item}
        missing += [f"{name}.{key}" for key in item_model.model_fields if key not in seen]
    assert missing == []
