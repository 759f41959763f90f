#!/usr/bin/env bash
# Installs the real clients the tests run: GDAL's ogrinfo/ogr2ogr (OAPIF
# driver), Debian's QGIS 3.22 Python bindings (python3-qgis, for headless
# PyQGIS on /usr/bin/python3), Debian's Chromium (driven by playwright-core
# from web/package-lock.json), and OWSLib + schemathesis from PyPI.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
packages=()
command -v ogrinfo >/dev/null 2>&1 || packages+=(gdal-bin)
/usr/bin/python3 -c "import qgis.core" >/dev/null 2>&1 || packages+=(python3-qgis qgis-providers)
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
# A Chinese font, so the workspace's screenshots are readable (the page itself
# uses whatever fonts a machine has).
fc-list 2>/dev/null | grep -qi "CJK" || packages+=(fonts-noto-cjk)
if [ ${#packages[@]} -gt 0 ]; then
    sudo_if_needed=""
    [ "$(id -u)" -ne 0 ] && sudo_if_needed="sudo"
    $sudo_if_needed apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_if_needed apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
python3 -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
# playwright-core only (no browser download): the tests launch Debian's Chromium.
(cd "$repo/web" && npm ci --no-audit --no-fund --loglevel=error)
ogrinfo --version
QT_QPA_PLATFORM=offscreen /usr/bin/python3 -c "from qgis.core import Qgis; print('QGIS', Qgis.version())" 2>/dev/null
chromium --version
python3 -c "import owslib; print('OWSLib', owslib.__version__)"
python3 -m schemathesis.cli --version 2>/dev/null || schemathesis --version
