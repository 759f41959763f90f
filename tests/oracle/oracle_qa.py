"""Whole-plan QA (POST /qa) of a set of blocks with one problem of each
kind injected, over the demo layers, computed independently with GEOS
(shapely) and GeographicLib (pyproj's Geod):

- conflicts: every feature of a reject or warn layer a block overlaps
  (a shared area above 0.01 m², a line inside, a point inside);
- block pairs: the overlap of two blocks (its geodesic area, its mean width
  2·area/perimeter: a sliver below the tolerance), or the geodesic distance
  between two blocks that do not meet (in PROJ's aeqd plane about the first
  block's box centre, GEOS's nearest points): a gap below the tolerance;
- basic unit blocks: Σ over the 1′×1′ cells a block meets of the geodesic
  area of the part in the cell over the cell's (at least 1 for an
  exploration block, at most the mineral's cap: 矿泉水 10);
- a block that is not a valid polygon.

Writes tests/fixtures/qa/blocks.geojson and tests/oracle/expected_qa/cases.json;
tests/plan_qa_matches_oracle.rs compares planmap's answer with them.
"""
import json
import math
import tomllib
from pathlib import Path

from pyproj import Geod, Transformer
from shapely.geometry import Polygon, box, mapping, shape
from shapely.ops import nearest_points, transform

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests/fixtures/qa"
OUT = ROOT / "tests/oracle/expected_qa"
GEOD = Geod(a=6378137.0, rf=298.257222101)
TOLERANCE_M = 5.0
MINUTE = 1.0 / 60.0


def rect(w, s, e, n):
    return Polygon([(w, s), (e, s), (e, n), (w, n)])


# (id, geometry, properties): each block shows one kind of problem.
BLOCKS = [
    ("A", rect(112.690, 36.300, 112.700, 36.306), {"name": "甲"}),
    # Overlaps A in a strip about 45 m wide.
    ("B", rect(112.6995, 36.300, 112.708, 36.306), {"name": "乙"}),
    # Overlaps B in a strip about 1.8 m wide: a sliver.
    ("C", rect(112.70798, 36.300, 112.716, 36.306), {"name": "丙"}),
    # 0.00003° (about 2.7 m) east of C: a gap.
    ("D", rect(112.71603, 36.300, 112.722, 36.306), {"name": "丁"}),
    # Across the airfield strip (a prohibited zone).
    ("E", rect(112.925, 36.350, 112.935, 36.354), {"name": "戊"}),
    # An exploration block of a fraction of a basic unit block.
    ("F", rect(112.660, 36.300, 112.663, 36.303), {"name": "己", "kind": "exploration_block", "mineral": "煤"}),
    # A mineral-water exploration block of 12 whole basic unit blocks (cap 10).
    (
        "H",
        rect(112 + 34 * MINUTE, 36 + 16 * MINUTE, 112 + 38 * MINUTE, 36 + 19 * MINUTE),
        {"name": "庚", "kind": "exploration_block", "mineral": "矿泉水"},
    ),
]
# A bow tie: not a valid polygon.
BOWTIE = {"type": "Polygon", "coordinates": [[[112.64, 36.30], [112.65, 36.31], [112.65, 36.30], [112.64, 36.31], [112.64, 36.30]]]}


def geodesic_area(g):
    if g.is_empty:
        return 0.0
    parts = [g] if g.geom_type == "Polygon" else [p for p in getattr(g, "geoms", []) if p.geom_type == "Polygon"]
    return sum(abs(GEOD.geometry_area_perimeter(p)[0]) for p in parts)


def geodesic_perimeter(g):
    parts = [g] if g.geom_type == "Polygon" else [p for p in getattr(g, "geoms", []) if p.geom_type == "Polygon"]
    return sum(GEOD.geometry_area_perimeter(p)[1] for p in parts)


def constraint_layers():
    catalog = tomllib.loads((ROOT / "layers" / "catalog.toml").read_text())
    for entry in catalog["layer"]:
        if entry["on_overlap"] in ("reject", "warn"):
            features = json.loads((ROOT / "layers" / entry["file"]).read_text())["features"]
            yield entry, features


def conflicts(block, layers):
    found = []
    for entry, features in layers:
        buffer_m = entry.get("buffer_m")
        for f in features:
            g = shape(f["geometry"])
            if buffer_m:
                # Within a protection buffer (tests/oracle/oracle_buffer.py
                # measures those); here the blocks are placed far from any.
                assert block.distance(g) * 80_000 > 2 * buffer_m, (entry["id"], f["id"])
            if not block.intersects(g):
                continue
            inter = block.intersection(g)
            if g.geom_type in ("Polygon", "MultiPolygon"):
                hit = geodesic_area(inter) > 0.01
            elif g.geom_type in ("LineString", "MultiLineString"):
                hit = inter.length > 0
            else:
                hit = not block.boundary.contains(g)
            if hit:
                found.append([entry["id"], f["id"]])
    return sorted(found)


def basic_blocks(block):
    w, s, e, n = block.bounds
    total = 0.0
    for i in range(math.floor(w / MINUTE), math.ceil(e / MINUTE)):
        for j in range(math.floor(s / MINUTE), math.ceil(n / MINUTE)):
            cell = box(i * MINUTE, j * MINUTE, (i + 1) * MINUTE, (j + 1) * MINUTE)
            part = block.intersection(cell)
            if not part.is_empty:
                total += geodesic_area(part) / geodesic_area(cell)
    return total


def distance(a, b):
    minx, miny, maxx, maxy = a.bounds
    lon0, lat0 = (minx + maxx) / 2, (miny + maxy) / 2
    to_plane = Transformer.from_crs(
        "EPSG:4490", f"+proj=aeqd +lat_0={lat0!r} +lon_0={lon0!r} +ellps=GRS80 +units=m +no_defs", always_xy=True
    )
    back = Transformer.from_crs(to_plane.target_crs, "EPSG:4490", always_xy=True)
    pa, pb = nearest_points(transform(to_plane.transform, a), transform(to_plane.transform, b))
    (xa, ya), (xb, yb) = back.transform(pa.x, pa.y), back.transform(pb.x, pb.y)
    return GEOD.inv(xa, ya, xb, yb)[2]


def main():
    FIXTURE.mkdir(parents=True, exist_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    features = [{"type": "Feature", "id": i, "properties": p, "geometry": mapping(g)} for i, g, p in BLOCKS]
    features.append({"type": "Feature", "id": "G", "properties": {"name": "辛"}, "geometry": BOWTIE})
    fc = {"type": "FeatureCollection", "features": features}
    (FIXTURE / "blocks.geojson").write_text(json.dumps(fc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    layers = list(constraint_layers())
    blocks = {}
    for i, g, p in BLOCKS:
        blocks[i] = {
            "area_m2": round(geodesic_area(g), 3),
            "basic_blocks": round(basic_blocks(g), 6),
            "conflicts": conflicts(g, layers),
        }
    pairs = []
    for x, (i, a, _) in enumerate(BLOCKS):
        for j, b, _ in BLOCKS[x + 1 :]:
            inter = a.intersection(b)
            area = geodesic_area(inter)
            if area > 0.01:
                width = 2 * area / geodesic_perimeter(inter)
                kind = "sliver" if width < TOLERANCE_M else "overlaps_block"
                pairs.append({"kind": kind, "blocks": [i, j], "area_m2": round(area, 3), "width_m": round(width, 4)})
            elif not a.intersects(b):
                d = distance(a, b)
                if d < TOLERANCE_M:
                    pairs.append({"kind": "gap", "blocks": [i, j], "width_m": round(d, 4)})
    expected = {"tolerance_m": TOLERANCE_M, "blocks": blocks, "pairs": pairs, "invalid": ["G"]}
    text = json.dumps(expected, ensure_ascii=False, indent=1, sort_keys=True)
    (OUT / "cases.json").write_text(text + "\n", encoding="utf-8")
    print(f"{len(blocks)} blocks, {len(pairs)} pairs")


if __name__ == "__main__":
    main()
