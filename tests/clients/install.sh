#!/usr/bin/env bash
# Installs the real OGC API - Features clients that tests/ogc_real_clients.rs runs:
# GDAL's ogrinfo (OAPIF driver) from Debian, and OWSLib + schemathesis from PyPI.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v ogrinfo >/dev/null 2>&1; then
    sudo_if_needed=""
    [ "$(id -u)" -ne 0 ] && sudo_if_needed="sudo"
    $sudo_if_needed apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_if_needed apt-get install -y -qq gdal-bin >/dev/null
fi
python3 -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
ogrinfo --version
python3 -c "import owslib; print('OWSLib', owslib.__version__)"
python3 -m schemathesis.cli --version 2>/dev/null || schemathesis --version
