#!/usr/bin/env python3
"""Independent oracle for thin overlaps (slivers) along the edges of
features from one parcel to about 100 km across.

Uses only shapely 2 (GEOS) and pyproj (PROJ); nothing of planmap. Writes
  tests/fixtures/slivers/catalog.toml and features.geojson: one reject layer
      of square, diamond (oblique edges), star and holed features, each far
      from the others;
  tests/oracle/expected_slivers/cases.json: candidates (CRS84 polygons) that
      overlap one feature in a strip of a given width along one of its
      edges, with the overlap's area and class as GEOS and geodesic areas
      give them.

Conventions (as oracle.py): the overlap is shapely's intersection in lon/lat
degrees; its area is geodesic on GRS80 (pyproj.Geod.polygon_area_perimeter,
outer rings minus holes); an overlap of more than 0.01 m2 is a conflict, a
smaller one that still meets the feature makes it adjacent.

Usage (from the repository root):  python3 tests/oracle/oracle_slivers.py
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import shapely
from pyproj import Geod
from shapely.geometry import Polygon, mapping

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "slivers"
OUT = ROOT / "tests" / "oracle" / "expected_slivers"
GEOD = Geod(a=6378137.0, rf=298.257222101)  # CGCS2000 / GRS80
CONFLICT_MIN_AREA_M2 = 0.01


def area_m2(geom) -> float:
    total = 0.0
    for poly in shapely.get_parts(geom):
        if not isinstance(poly, Polygon) or poly.is_empty:
            continue
        x, y = poly.exterior.xy
        total += abs(GEOD.polygon_area_perimeter(list(x), list(y))[0])
        for hole in poly.interiors:
            x, y = hole.xy
            total -= abs(GEOD.polygon_area_perimeter(list(x), list(y))[0])
    return total


def square(x0, y0, size):
    return Polygon([(x0, y0), (x0 + size, y0), (x0 + size, y0 + size), (x0, y0 + size)])


def diamond(cx, cy, r):
    return Polygon([(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)])


def star(cx, cy, r, points=7):
    ring = []
    for i in range(2 * points):
        rr = r if i % 2 == 0 else r * 0.45
        a = math.pi * i / points + 0.17
        ring.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    return Polygon(ring)


def holed(x0, y0, size):
    outer = square(x0, y0, size).exterior.coords
    h = size / 4
    hole = [(x0 + h, y0 + h), (x0 + h, y0 + 3 * h), (x0 + 3 * h, y0 + 3 * h), (x0 + 3 * h, y0 + h)]
    return Polygon(outer, [hole])


# Features one parcel to ~100 km across, each in a 2-degree cell of its own.
FEATURES = {
    "sq-0.002": square(100.5, 30.5, 0.002),
    "sq-0.05": square(102.5, 30.5, 0.05),
    "sq-0.4": square(104.5, 30.5, 0.4),
    "sq-1.0": square(106.5, 30.5, 1.0),
    "dia-0.4": diamond(109.0, 31.0, 0.4),
    "star-0.5": star(111.0, 17.0, 0.5),
    "hole-0.8": holed(113.5, 36.5, 0.8),
    # A zone about 180 km across with 720 short oblique edges.
    "round-1.6": Polygon([(116.0 + 0.8 * math.cos(2 * math.pi * i / 720),
                           40.0 + 0.8 * math.sin(2 * math.pi * i / 720)) for i in range(720)]),
}


def strip_east(feature: Polygon, width: float, length: float, outward: float):
    """A candidate whose part inside `feature` is a strip `width` wide along
    its east edge: it runs from `width` inside the edge to `outward` beyond."""
    w, s, e, n = feature.bounds
    y0 = s + 0.3 * (n - s)
    return Polygon([(e - width, y0), (e + outward, y0), (e + outward, y0 + length), (e - width, y0 + length)])


def strip_along(p, q, width, length, outward):
    """A candidate over the edge p->q of a counter-clockwise ring: `width`
    inside the edge (to its left) and `outward` beyond, `length` along it,
    starting a third of the way."""
    (px, py), (qx, qy) = p, q
    dx, dy = qx - px, qy - py
    norm = math.hypot(dx, dy)
    ux, uy = dx / norm, dy / norm
    lx, ly = -uy, ux  # left of the edge: the inside of a CCW ring
    sx, sy = px + dx / 3, py + dy / 3
    a = (sx + lx * width, sy + ly * width)
    b = (sx + ux * length + lx * width, sy + uy * length + ly * width)
    c = (sx + ux * length - lx * outward, sy + uy * length - ly * outward)
    d = (sx - lx * outward, sy - ly * outward)
    return Polygon([d, c, b, a])


def cases():
    out = []
    widths = [1e-9, 1e-8, 1e-7, 1e-6, 3e-6]
    for fid in ["sq-0.002", "sq-0.05", "sq-0.4", "sq-1.0"]:
        f = FEATURES[fid]
        size = f.bounds[2] - f.bounds[0]
        length = min(0.01, size / 2)
        for wd in widths:
            out.append((f"{fid}-east-{wd:g}", fid, strip_east(f, wd, length, 0.001)))
    # Oblique edges: the diamond's south-east edge, the star's first edge.
    for fid in ["dia-0.4", "star-0.5"]:
        ring = shapely.geometry.polygon.orient(FEATURES[fid], 1.0).exterior.coords
        for wd in widths:
            out.append((f"{fid}-oblique-{wd:g}", fid, strip_along(ring[0], ring[1], wd, 0.005, 0.001)))
    # Along the hole's west edge, from inside the hole into the feature.
    f = FEATURES["hole-0.8"]
    hole = f.interiors[0]
    hx = min(x for x, _ in hole.coords)
    hy = min(y for _, y in hole.coords)
    for wd in widths:
        cand = Polygon([(hx - wd, hy + 0.05), (hx + 0.001, hy + 0.05), (hx + 0.001, hy + 0.06), (hx - wd, hy + 0.06)])
        out.append((f"hole-0.8-hole-edge-{wd:g}", "hole-0.8", cand))
    # Just below and just above 0.01 m2, along the 0.4-degree square's edge:
    # a 1 km strip of about 0.005 and 0.02 m2 (widths found from its area).
    f = FEATURES["sq-0.4"]
    for target in [0.005, 0.02]:
        probe = strip_east(f, 1e-9, 0.009, 0.001).intersection(f)
        wd = 1e-9 * target / area_m2(probe)
        out.append((f"sq-0.4-east-{target:g}m2", "sq-0.4", strip_east(f, wd, 0.009, 0.001)))
    # Candidates that are not convex: a comb whose two teeth reach `wd`
    # into the 0.4-degree square; a block with a hole over the edge.
    f = FEATURES["sq-0.4"]
    w_, s_, e_, n_ = f.bounds
    y0, length = s_ + 0.6 * (n_ - s_), 0.01
    for wd in [1e-9, 1e-7, 1e-6]:
        comb = Polygon([(e_ + 0.001, y0), (e_ + 0.001, y0 + length), (e_ - wd, y0 + length),
                        (e_ - wd, y0 + 0.6 * length), (e_ + 0.0005, y0 + 0.6 * length),
                        (e_ + 0.0005, y0 + 0.4 * length), (e_ - wd, y0 + 0.4 * length), (e_ - wd, y0)])
        out.append((f"sq-0.4-comb-{wd:g}", "sq-0.4", comb))
        block = Polygon([(e_ - wd, y0), (e_ + 0.001, y0), (e_ + 0.001, y0 + length), (e_ - wd, y0 + length)],
                        [[(e_ - wd / 2, y0 + 0.3 * length), (e_ + 0.0005, y0 + 0.3 * length),
                          (e_ + 0.0005, y0 + 0.6 * length), (e_ - wd / 2, y0 + 0.6 * length)]])
        out.append((f"sq-0.4-holed-block-{wd:g}", "sq-0.4", block))
    # Along one short edge of the 720-gon and across several of its edges.
    ring = shapely.geometry.polygon.orient(FEATURES["round-1.6"], 1.0).exterior.coords
    for wd in widths:
        out.append((f"round-1.6-edge-{wd:g}", "round-1.6", strip_along(ring[100], ring[101], wd, 0.004, 0.001)))
        out.append((f"round-1.6-chord-{wd:g}", "round-1.6", strip_along(ring[200], ring[203], wd, 0.015, 0.02)))
    # Drawn exactly on the boundary: sharing the diamond's whole edge, and a
    # stretch of the square's east edge. Both touch, neither overlaps.
    ring = shapely.geometry.polygon.orient(FEATURES["dia-0.4"], 1.0).exterior.coords
    (px, py), (qx, qy) = ring[0], ring[1]
    out.append(("dia-0.4-shared-edge", "dia-0.4", Polygon([(px, py), (px + 0.01, py - 0.01), (qx + 0.01, qy - 0.01), (qx, qy)])))
    out.append(("sq-0.4-on-edge", "sq-0.4", strip_east(FEATURES["sq-0.4"], 0.0, 0.01, 0.001)))
    # Just below and just above 0.01 m2 along the diamond's oblique edge.
    for target in [0.009, 0.011]:
        probe = strip_along(ring[0], ring[1], 1e-9, 0.003, 0.001).intersection(FEATURES["dia-0.4"])
        wd = 1e-9 * target / area_m2(probe)
        out.append((f"dia-0.4-oblique-{target:g}m2", "dia-0.4", strip_along(ring[0], ring[1], wd, 0.003, 0.001)))
    return out


def main():
    FIXTURES.mkdir(parents=True, exist_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    features = [
        {"type": "Feature", "id": fid, "properties": {"name": fid, "geometry_source": "illustrative"},
         "geometry": mapping(shapely.geometry.polygon.orient(geom, 1.0))}
        for fid, geom in FEATURES.items()
    ]
    (FIXTURES / "features.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, indent=None) + "\n", encoding="utf-8")
    (FIXTURES / "catalog.toml").write_text(
        "# Features of several sizes for tests/slivers_match_oracle.rs, written by\n"
        "# tests/oracle/oracle_slivers.py. ALL GEOMETRY IS ILLUSTRATIVE.\n\n"
        "[[layer]]\nid = \"zones\"\ntitle = \"示意区\"\ntitle_en = \"Illustrative zones\"\n"
        "file = \"features.geojson\"\non_overlap = \"reject\"\nrule = \"示意\"\n", encoding="utf-8")
    expected = []
    for name, fid, cand in cases():
        overlap = cand.intersection(FEATURES[fid])
        a = area_m2(overlap)
        touches = cand.intersects(FEATURES[fid])
        expected.append({
            "case": name,
            "feature": fid,
            "candidate": mapping(shapely.geometry.polygon.orient(cand, 1.0)),
            "overlap_area_m2": a,
            "class": "conflict" if a > CONFLICT_MIN_AREA_M2 else ("adjacent" if touches else "apart"),
        })
    (OUT / "cases.json").write_text(json.dumps(expected, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
