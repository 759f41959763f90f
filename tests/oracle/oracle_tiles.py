#!/usr/bin/env python3
"""Independent oracle of planmap's vector tiles (shapely/GEOS, pyproj/PROJ).

For the fixture layer sets `tests/fixtures/layers` and
`tests/fixtures/ogc_layers` and a list of WebMercatorQuad tiles over them,
writes to `expected_tiles/<set>.json` which features each tile of each layer
must hold and where: every feature is projected vertex by vertex to
EPSG:3857 by pyproj, put on the tile's 4096-unit grid (y down), and
intersected with the tile widened by its 64-unit buffer. A feature is
expected when it meets that box, unless it is a polygon or line whose whole
projected box is under 8 grid units both wide and high (planmap's
generalisation rule). For each expected feature the oracle gives the box of
its part in the buffered tile, in grid units, and for polygons that part's
area and perimeter. Features too close to a rule's edge for rounding to the
grid to decide (a part of under 2 square units, a line piece under 2 units,
a point on the buffer's edge, a box within 0.01 of 8 units) are listed as
`borderline`: the tile may or may not hold them.

The output is byte-identical between runs (sorted keys, rounded numbers).
"""

import json
import math
import tomllib
from pathlib import Path

import pyproj
import shapely
from shapely.geometry import box, shape
from shapely.ops import transform

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SETS = ["layers", "ogc_layers"]
EXTENT = 4096
BUFFER = 64
MIN_SIZE = 8
HALF = math.pi * 6378137.0
TO_3857 = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)


def grid_of(z, row, col):
    """A function from lon/lat to the tile's grid, through EPSG:3857."""
    n = 2**z

    def to_grid(x, y, z_=None):
        mx, my = TO_3857.transform(x, y)
        gx = (mx + HALF) / (2 * HALF) * n * EXTENT - col * EXTENT
        gy = (HALF - my) / (2 * HALF) * n * EXTENT - row * EXTENT
        return gx, gy

    return to_grid


def tile_of(lon, lat, z):
    mx, my = TO_3857.transform(lon, lat)
    n = 2**z
    col = int((mx + HALF) / (2 * HALF) * n)
    row = int((HALF - my) / (2 * HALF) * n)
    return row, col


def load(set_name):
    folder = REPO / "tests" / "fixtures" / set_name
    catalog = tomllib.loads((folder / "catalog.toml").read_text())
    layers = []
    for entry in catalog["layer"]:
        doc = json.loads((folder / entry["file"]).read_text())
        features = [(str(f["id"]), shape(f["geometry"])) for f in doc["features"]]
        layers.append((entry["id"], features))
    return layers


def tiles_over(layers):
    """z0; every z9 and z12 tile over the layers; the z14 tile of each
    feature's first vertex (where a tile cuts the feature)."""
    geoms = [g for _, fs in layers for _, g in fs]
    w, s, e, n = shapely.total_bounds(geoms)
    tiles = {(0, 0, 0)}
    for z in (9, 12):
        r0, c0 = tile_of(w, n, z)
        r1, c1 = tile_of(e, s, z)
        tiles |= {(z, r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
    for g in geoms:
        x, y = shapely.get_coordinates(g)[0]
        tiles.add((14, *tile_of(x, y, 14)))
    return sorted(tiles)


def r(v, digits=3):
    return round(float(v), digits)


def expected_layer(features, z, row, col):
    to_grid = grid_of(z, row, col)
    reach = box(-BUFFER, -BUFFER, EXTENT + BUFFER, EXTENT + BUFFER)
    out, borderline = {}, []
    for fid, geom in features:
        g = transform(to_grid, geom)
        x0, y0, x1, y1 = g.bounds
        width, height = x1 - x0, y1 - y0
        kind = g.geom_type.replace("Multi", "")
        if kind != "Point" and width < MIN_SIZE and height < MIN_SIZE:
            near = abs(width - MIN_SIZE) < 0.01 or abs(height - MIN_SIZE) < 0.01
            if near and g.intersects(reach):
                borderline.append(fid)
            continue
        part = g.intersection(reach)
        if part.is_empty:
            if g.distance(reach) < 1:
                borderline.append(fid)
            continue
        if kind == "Polygon":
            b = part.bounds
            if part.area < 2 or b[2] - b[0] < 1 or b[3] - b[1] < 1:
                borderline.append(fid)
                continue
            out[fid] = {"kind": kind, "bbox": [r(v) for v in b], "area": r(part.area, 1), "perimeter": r(part.length, 1)}
        elif kind == "LineString":
            if part.length < 2:
                borderline.append(fid)
                continue
            out[fid] = {"kind": kind, "bbox": [r(v) for v in part.bounds]}
        else:
            inner = box(-BUFFER + 0.5, -BUFFER + 0.5, EXTENT + BUFFER - 0.5, EXTENT + BUFFER - 0.5)
            if not g.within(inner):
                borderline.append(fid)
                continue
            out[fid] = {"kind": kind, "bbox": [r(v) for v in part.bounds]}
    return {"features": out, "borderline": sorted(borderline)}


def main():
    target = HERE / "expected_tiles"
    target.mkdir(exist_ok=True)
    for set_name in SETS:
        layers = load(set_name)
        tiles = []
        for z, row, col in tiles_over(layers):
            tiles.append({
                "z": z, "row": row, "col": col,
                "layers": {lid: expected_layer(fs, z, row, col) for lid, fs in layers},
            })
        doc = {
            "fixtures": f"tests/fixtures/{set_name}",
            "made_by": "tests/oracle/oracle_tiles.py",
            "tiles": tiles,
        }
        text = json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        (target / f"{set_name}.json").write_text(text)
        print(f"{set_name}: {len(tiles)} tiles")


if __name__ == "__main__":
    main()
