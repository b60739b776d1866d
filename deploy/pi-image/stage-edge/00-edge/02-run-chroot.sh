#!/bin/bash -e
# pi-gen, inside the image (emulated arm64): make the first release's venv with the target's own
# Python, the same way an update does, and turn the image's services on.
wheels=(/opt/edge/wheels/restaurant_edge-*.whl)
wheel=$(printf '%s\n' "${wheels[@]}" | sort -V | tail -n 1)
/usr/local/sbin/edge-update --first-install "${wheel}"
systemctl enable avahi-daemon.service systemd-timesyncd.service fake-hwclock.service
systemctl enable edge.socket edge.service edge-firstboot.service
