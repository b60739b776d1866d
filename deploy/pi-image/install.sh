#!/usr/bin/env bash
# Install restaurant-edge's system files into a root file system.
#
#   install.sh [options] DESTDIR
#     --wheel FILE         copy the app's wheel (from `make dist`) to /opt/edge/wheels
#     --model-zip FILE     unpack the vosk model zip into /opt/edge/models (SHA-256 checked first)
#     --model-sha256 HEX   the zip's expected SHA-256 (default: the pinned small English model)
#     --box-token FILE     provision the cloud credential (/etc/edge/credentials/box-token, 0600)
#     --no-chown           leave owners alone (when not run as root)
#
# DESTDIR is "/" on a running box, pi-gen's $ROOTFS_DIR during the image build, or a temporary
# directory in the tests. The `edge` user and its groups are made in DESTDIR's own /etc/passwd
# (useradd --prefix) and owners are looked up there by number, never on the build machine.
# Making the venv is edge-update's job (it needs the target's Python): see stage-edge.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOTFS="$HERE/rootfs"
VOSK_MODEL_SHA256=30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498
HARDWARE_GROUPS=(gpio lp dialout input audio)

wheel="" model_zip="" model_sha256=$VOSK_MODEL_SHA256 box_token="" chown_files=1 destdir=""

die() { echo "install.sh: $*" >&2; exit 1; }
usage() { sed -n '3,10p' "$0" >&2; exit 2; }

while [ $# -gt 0 ]; do
    case $1 in
        --wheel) wheel=${2:?}; shift 2 ;;
        --model-zip) model_zip=${2:?}; shift 2 ;;
        --model-sha256) model_sha256=${2:?}; shift 2 ;;
        --box-token) box_token=${2:?}; shift 2 ;;
        --no-chown) chown_files=0; shift ;;
        -h|--help) usage ;;
        -*) die "unknown option $1" ;;
        *) [ -z "$destdir" ] || usage; destdir=$1; shift ;;
    esac
done
[ -n "$destdir" ] || usage
[ -d "$destdir/etc" ] || die "$destdir/etc is missing: not a root file system"
destdir=$(cd "$destdir" && pwd)
[ "$(id -u)" -eq 0 ] || chown_files=0

# -- users ----------------------------------------------------------------------------------
has_entry() { grep -q "^$2:" "$destdir/etc/$1"; }

make_user() {
    local group
    for group in "${HARDWARE_GROUPS[@]}" edge; do
        has_entry group "$group" || groupadd --prefix "$destdir" --system "$group"
    done
    if has_entry passwd edge; then
        usermod --prefix "$destdir" --append --groups "$(IFS=,; echo "${HARDWARE_GROUPS[*]}")" edge
    else
        useradd --prefix "$destdir" --system --gid edge \
            --groups "$(IFS=,; echo "${HARDWARE_GROUPS[*]}")" \
            --home-dir /var/lib/edge --no-create-home --shell /usr/sbin/nologin \
            --comment "restaurant-edge kitchen server" edge
    fi
}

id_in_destdir() {  # id_in_destdir passwd|group NAME -> the numeric id inside DESTDIR
    awk -F: -v name="$2" '$1 == name { print $3 }' "$destdir/etc/$1"
}

# -- files ----------------------------------------------------------------------------------
# put MODE OWNER GROUP PATH [SOURCE]: a directory when SOURCE is absent, else a file copy.
put() {
    local mode=$1 owner=$2 group=$3 path=$destdir$4 source=${5:-}
    if [ -z "$source" ]; then
        install -d -m "$mode" "$path"
    else
        install -D -m "$mode" "$source" "$path"
    fi
    if [ "$chown_files" -eq 1 ]; then
        chown "$(id_in_destdir passwd "$owner")":"$(id_in_destdir group "$group")" "$path"
    fi
}

install_tree() {
    put 0750 root edge /etc/edge
    put 0700 edge edge /etc/edge/credentials
    if [ -e "$destdir/etc/edge/edge.toml" ]; then  # an update never overwrites the owner's settings
        put 0640 root edge /etc/edge/edge.toml.dist "$ROOTFS/etc/edge/edge.toml"
    else
        put 0640 root edge /etc/edge/edge.toml "$ROOTFS/etc/edge/edge.toml"
    fi
    put 0750 edge edge /var/lib/edge
    put 0750 edge edge /var/lib/edge/backups
    local unit
    for unit in edge.service edge.socket edge-firstboot.service; do
        put 0644 root root "/etc/systemd/system/$unit" "$ROOTFS/etc/systemd/system/$unit"
    done
    put 0644 root root /etc/systemd/journald.conf.d/60-edge.conf "$ROOTFS/etc/systemd/journald.conf.d/60-edge.conf"
    put 0644 root root /etc/udev/rules.d/60-edge.rules "$ROOTFS/etc/udev/rules.d/60-edge.rules"
    put 0644 root root /etc/avahi/services/edge.service "$ROOTFS/etc/avahi/services/edge.service"
    put 0755 root root /usr/local/sbin/edge-update "$HERE/edge-update"
    for dir in /opt/edge /opt/edge/releases /opt/edge/wheels /opt/edge/models; do
        put 0755 root root "$dir"
    done
    put 0644 root root /opt/edge/README.md "$HERE/README.md"
    install -d "$destdir/usr/local/bin"
    ln -sfn /opt/edge/current/bin/edge "$destdir/usr/local/bin/edge"
}

enable_units() {  # what `systemctl enable` does, without needing systemd on the build machine
    local wants=$destdir/etc/systemd/system
    install -d "$wants/multi-user.target.wants" "$wants/sockets.target.wants"
    ln -sfn /etc/systemd/system/edge.service "$wants/multi-user.target.wants/edge.service"
    ln -sfn /etc/systemd/system/edge-firstboot.service "$wants/multi-user.target.wants/edge-firstboot.service"
    ln -sfn /etc/systemd/system/edge.socket "$wants/sockets.target.wants/edge.socket"
}

# -- optional payloads ----------------------------------------------------------------------
install_wheel() {
    case $(basename "$wheel") in
        restaurant_edge-*.whl) ;;
        *) die "$wheel is not a restaurant_edge wheel (make dist builds one)" ;;
    esac
    put 0644 root root "/opt/edge/wheels/$(basename "$wheel")" "$wheel"
}

install_model() {
    local actual name
    actual=$(sha256sum "$model_zip" | cut -d' ' -f1)
    [ "$actual" = "$model_sha256" ] || die "$model_zip: SHA-256 $actual, expected $model_sha256; not installed"
    name=$(basename "$model_zip" .zip)
    rm -rf "$destdir/opt/edge/models/$name"
    python3 -m zipfile -e "$model_zip" "$destdir/opt/edge/models/"
    [ -d "$destdir/opt/edge/models/$name/conf" ] || die "$model_zip does not hold $name/conf"
    chmod -R u=rwX,go=rX "$destdir/opt/edge/models/$name"
}

install_box_token() {
    [ -s "$box_token" ] || die "$box_token is empty"
    put 0600 edge edge /etc/edge/credentials/box-token "$box_token"
}

make_user
install_tree
enable_units
[ -z "$wheel" ] || install_wheel
[ -z "$model_zip" ] || install_model
[ -z "$box_token" ] || install_box_token
echo "installed restaurant-edge system files into $destdir"
