#!/usr/bin/env bash
# Copies the map libraries planmap serves under /assets/ from the npm
# packages pinned in package.json / package-lock.json into vendor/, byte for
# byte. Run after changing a version; commit vendor/ with the lock file
# (the server embeds vendor/ at build time, so building needs no npm).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
mkdir -p vendor/maplibre-gl vendor/ol
for f in maplibre-gl.mjs maplibre-gl-worker.mjs maplibre-gl.css; do
    cp node_modules/maplibre-gl/dist/$f vendor/maplibre-gl/
done
cp node_modules/maplibre-gl/LICENSE.txt vendor/maplibre-gl/
cp node_modules/ol/dist/ol.js node_modules/ol/ol.css node_modules/ol/LICENSE.md vendor/ol/
