"""QGIS (PyQGIS, Debian's python3-qgis) against a running planmap: run by
tests/ogc_real_clients.rs with Debian's /usr/bin/python3 and
QT_QPA_PLATFORM=offscreen.

usage: qgis_check.py BASE_URL LAYERS_DIR [PLANNER_TOKEN]

With a planner's token, two candidates are submitted first, so that the
`candidates` collection QGIS reads holds what was submitted.

For every collection planmap lists (the catalog's layers, then `candidates`),
QGIS's OGC API - Features provider (OAPIF) must
1. open the layer and read every feature, as many as the layer file holds;
2. give each feature the attributes of the file's feature with its id, and a
   geometry with the file's bounding box;
3. filter with a subset string (QGIS 3.22 evaluates it in QGIS) to the
   features the file says match.
Then QGIS's vector tile layer (XYZ source on planmap's WebMercatorQuad
tiles, the dataset's and one collection's) must be valid and draw: a map of
the collection's extent rendered by QGIS has its pixels painted, a map of a
place far from every layer has none.
Expected values come from the layer files, read here with json, never from
planmap. Prints one line per check and exits non-zero on the first mismatch.
"""

import json
import sys
from datetime import date, datetime, timezone
import tomllib
import urllib.request
from pathlib import Path

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeatureRequest,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
    QgsVectorTileBasicRenderer,
    QgsVectorTileLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor


def fail(message):
    print(f"FAIL: {message}")
    sys.exit(1)


def box_of(coordinates, box):
    if coordinates and isinstance(coordinates[0], (int, float)):
        x, y = coordinates[0], coordinates[1]
        box[0], box[1] = min(box[0], x), min(box[1], y)
        box[2], box[3] = max(box[2], x), max(box[3], y)
    else:
        for c in coordinates:
            box_of(c, box)
    return box


def same(got, want):
    """A QGIS attribute against a GeoJSON property (QVariant NULL is None)."""
    if want is None:
        return got is None or str(got) == "NULL"
    if isinstance(want, str) and hasattr(got, "toPyDateTime"):
        # QGIS reads an ISO timestamp as a QDateTime (to about a millisecond).
        wanted = datetime.fromisoformat(want)
        if wanted.tzinfo is not None:
            got = got.toUTC()
            wanted = wanted.astimezone(timezone.utc).replace(tzinfo=None)
        # QGIS 3.22 keeps 46.862 s as 46.861 s: within 2 ms is the same instant.
        return abs((got.toPyDateTime() - wanted).total_seconds()) < 0.002
    if isinstance(want, str) and hasattr(got, "toPyDate"):
        return got.toPyDate() == date.fromisoformat(want)
    if isinstance(want, bool):
        return got == want
    if isinstance(want, (int, float)):
        return isinstance(got, (int, float)) and abs(got - want) <= 1e-9 * max(1, abs(want))
    if isinstance(want, (list, dict)):
        # QGIS 3.22 keeps JSON arrays and objects as their text or as lists/maps.
        return got == want or str(got) == json.dumps(want, ensure_ascii=False)
    return str(got) == str(want)


def check_layer(base, collection, features):
    layer = QgsVectorLayer(f"url='{base}' typename='{collection}'", collection, "OAPIF")
    if not layer.isValid():
        fail(f"{collection}: QGIS cannot open it: {layer.error().summary()}")
    read = list(layer.getFeatures())
    if len(read) != len(features):
        fail(f"{collection}: QGIS read {len(read)} features, the file holds {len(features)}")
    names = [f.name() for f in layer.fields()]
    # QGIS turns a string id into an `id` attribute but drops an integer id
    # (its own feature ids are a sequence): those features are matched to the
    # file's by their attributes and bounding box, each file feature once.
    unmatched = list(features)
    for qf in read:
        got = qf.geometry().boundingBox()
        got_box = [got.xMinimum(), got.yMinimum(), got.xMaximum(), got.yMaximum()]
        def matches(want):
            if "id" in names and str(qf["id"]) != str(want.get("id")):
                return False
            for key, value in (want.get("properties") or {}).items():
                if key not in names:
                    fail(f"{collection}: QGIS has no attribute {key!r} (it has {names})")
                if not same(qf[key], value):
                    return False
            want_box = box_of(want["geometry"]["coordinates"], [1e300, 1e300, -1e300, -1e300])
            return max(abs(a - b) for a, b in zip(got_box, want_box)) <= 1e-9
        found = next((i for i, want in enumerate(unmatched) if matches(want)), None)
        if found is None:
            attributes = {n: qf[n] for n in names}
            fail(f"{collection}: no feature of the file has QGIS's attributes {attributes} and box {got_box}")
        unmatched.pop(found)
    print(f"ok: QGIS {Qgis.version()} reads {collection}: {len(read)} features, attributes and boxes as in the file")
    return layer


def check_subset(layer, collection, features):
    """A text attribute's value as a subset string, evaluated by QGIS; one
    that some features have and some do not when the layer has such."""
    choices = []
    for f in features:
        for key, value in (f.get("properties") or {}).items():
            if isinstance(value, str) and "'" not in value:
                n = sum(1 for g in features if (g.get("properties") or {}).get(key) == value)
                choices.append((n == len(features), key, value))
    for _, key, value in sorted(choices)[:1]:
        if True:
            want = sum(1 for f in features if (f.get("properties") or {}).get(key) == value)
            layer.setSubsetString(f"\"{key}\" = '{value}'")
            got = sum(1 for _ in layer.getFeatures(QgsFeatureRequest()))
            layer.setSubsetString("")
            if got != want:
                fail(f"{collection}: subset {key} = '{value}' gives {got} features, the file {want}")
            print(f"ok: QGIS subset {collection}: {key} = '{value}' -> {got}")
            return


SUBMITTED = [
    ("QGIS 检查区块甲", "exploration_block", "煤", [[112.76, 36.33], [112.77, 36.33], [112.77, 36.34], [112.76, 36.34], [112.76, 36.33]]),
    ("QGIS 检查区块乙", "mining_block", "铁", [[112.80, 36.30], [112.82, 36.30], [112.82, 36.31], [112.80, 36.30]]),
]


def submit(base, token):
    for name, kind, mineral, ring in SUBMITTED:
        body = json.dumps({"name": name, "kind": kind, "mineral": mineral,
                           "geometry": {"type": "Polygon", "coordinates": [ring]}}).encode()
        request = urllib.request.Request(f"{base}/candidates", data=body, method="POST", headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request) as r:
            if r.status != 201:
                fail(f"submitting {name}: {r.status}")


def check_candidates(layer):
    """QGIS reads back what was submitted: names, kinds, minerals, boxes."""
    names = [f.name() for f in layer.fields()]
    read = {f["name"]: f for f in layer.getFeatures()}
    for name, kind, mineral, ring in SUBMITTED:
        if name not in read:
            fail(f"candidates: QGIS does not read the submitted {name!r} (it reads {list(read)}; fields {names})")
        f = read[name]
        if f["kind"] != kind or f["mineral"] != mineral:
            fail(f"candidates: {name}: QGIS reads kind {f['kind']!r}, mineral {f['mineral']!r}")
        b = f.geometry().boundingBox()
        want = box_of(ring, [1e300, 1e300, -1e300, -1e300])
        got = [b.xMinimum(), b.yMinimum(), b.xMaximum(), b.yMaximum()]
        if max(abs(x - y) for x, y in zip(got, want)) > 1e-9:
            fail(f"candidates: {name}: box {got}, submitted {want}")
    print(f"ok: QGIS reads the {len(SUBMITTED)} submitted candidates with their names, kinds, minerals and boxes")


def painted(layer, lonlat_box):
    """How many of a 128 x 128 sample of pixels QGIS paints when it renders
    the layer over a lon/lat box, in EPSG:3857 on white."""
    mercator = QgsCoordinateReferenceSystem("EPSG:3857")
    to_mercator = QgsCoordinateTransform(
        QgsCoordinateReferenceSystem("EPSG:4326"), mercator, QgsProject.instance())
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(mercator)
    settings.setExtent(to_mercator.transformBoundingBox(QgsRectangle(*lonlat_box)))
    settings.setOutputSize(QSize(256, 256))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    white = QColor(255, 255, 255).rgb()
    return sum(1 for x in range(0, 256, 2) for y in range(0, 256, 2) if image.pixel(x, y) != white)


def check_vector_tiles(base, collection):
    """QGIS draws planmap's vector tiles where the collection is, and
    nothing where no layer is."""
    with urllib.request.urlopen(f"{base}/collections/{collection}?f=json") as r:
        box = json.load(r)["extent"]["spatial"]["bbox"][0]
    far = [10.0, 50.0, 10.1, 50.1]  # Germany: no planning layer there
    for name, template in [
        ("the dataset", f"{base}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}"),
        (collection, f"{base}/collections/{collection}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}"),
    ]:
        layer = QgsVectorTileLayer(f"type=xyz&url={template}&zmin=0&zmax=24", name)
        if not layer.isValid():
            fail(f"vector tiles of {name}: QGIS cannot open {template}: {layer.error().summary()}")
        red = QColor(200, 0, 0)
        renderer = QgsVectorTileBasicRenderer()
        renderer.setStyles(QgsVectorTileBasicRenderer.simpleStyle(red, red, 1.0, red, 1.0, red, red, 3.0))
        layer.setRenderer(renderer)
        over, away = painted(layer, box), painted(layer, far)
        if over == 0:
            fail(f"vector tiles of {name}: QGIS painted nothing over {collection}'s extent {box}")
        if away != 0:
            fail(f"vector tiles of {name}: QGIS painted {away} pixels where no layer is")
        print(f"ok: QGIS {Qgis.version()} draws the vector tiles of {name}: "
              f"{over} of 16384 sampled pixels over {collection}, none far from the layers")


def main(base, layers_dir, token=None):
    layers_dir = Path(layers_dir)
    if token:
        submit(base, token)
    catalog = tomllib.loads((layers_dir / "catalog.toml").read_text(encoding="utf-8"))
    files = {
        entry["id"]: json.loads((layers_dir / entry["file"]).read_text(encoding="utf-8"))["features"]
        for entry in catalog["layer"]
    }
    with urllib.request.urlopen(f"{base}/collections?f=json") as r:
        listed = [c["id"] for c in json.load(r)["collections"]]
    if listed[: len(files)] != list(files):
        fail(f"collections {listed} do not start with the catalog's layers {list(files)}")
    app = QgsApplication([], False)
    app.initQgis()
    try:
        for collection in listed:
            if collection in files:
                features = files[collection]
            else:
                # The store's collection: what planmap's candidates list says
                # is there is what QGIS must read (nothing is submitted here).
                with urllib.request.urlopen(f"{base}/collections/{collection}/items?f=json&limit=10000") as r:
                    features = json.load(r)["features"]
            layer = check_layer(base, collection, features)
            if collection not in files and token:
                check_candidates(layer)
            if features:
                check_subset(layer, collection, features)
        check_vector_tiles(base, listed[0])
    finally:
        app.exitQgis()


if __name__ == "__main__":
    main(*sys.argv[1:4])
