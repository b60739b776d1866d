#!/bin/bash -e
# pi-gen, on the build machine: the system files, the wheel and the verified vosk model go into the
# image's root file system through the same install.sh the tests run into a temporary root.
# EDGE_WHEEL and EDGE_MODEL_ZIP come from the pi-gen config (see deploy/pi-image/README.md).
HERE=$(cd "$(dirname "$0")" && pwd)
PI_IMAGE=$(cd "${HERE}/../.." && pwd)

: "${EDGE_WHEEL:?set EDGE_WHEEL in the pi-gen config to the wheel from make dist}"
: "${EDGE_MODEL_ZIP:?set EDGE_MODEL_ZIP (deploy/pi-image/fetch-vosk-model.sh downloads it)}"

"${PI_IMAGE}/install.sh" --wheel "${EDGE_WHEEL}" --model-zip "${EDGE_MODEL_ZIP}" \
	${EDGE_BOX_TOKEN:+--box-token "${EDGE_BOX_TOKEN}"} "${ROOTFS_DIR}"
