#!/usr/bin/env bash
# On the image builder's machine: download the small English vosk model once and check its
# SHA-256. The box itself never downloads a model, and neither do the tests.
#   fetch-vosk-model.sh [DIR]   -> DIR/vosk-model-small-en-us-0.15.zip (default DIR: ./cache)
set -euo pipefail

MODEL=vosk-model-small-en-us-0.15
URL=https://alphacephei.com/vosk/models/$MODEL.zip
SHA256=30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498  # 41,205,931 bytes

dir=${1:-cache}
mkdir -p "$dir"
zip=$dir/$MODEL.zip
if [ ! -f "$zip" ]; then
    curl --fail --location --retry 3 --output "$zip.part" "$URL"
    mv "$zip.part" "$zip"
fi
if ! echo "$SHA256  $zip" | sha256sum --check --quiet; then
    rm -f "$zip"
    echo "fetch-vosk-model.sh: $zip did not match SHA-256 $SHA256; deleted" >&2
    exit 1
fi
echo "$zip"
