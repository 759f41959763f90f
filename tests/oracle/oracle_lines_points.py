#!/usr/bin/env python3
"""Independent oracle for planmap's checks against LINE and POINT layers.

Uses only shapely 2 (GEOS) and pyproj (PROJ); nothing of planmap. Reads the
layers of tests/fixtures/lines_points/catalog.toml (ground fissures: lines;
boreholes: points) and the CRS84 candidates in
tests/fixtures/lines_points/candidates/, and writes the expected answer of
every case to tests/oracle/expected_lines_points/<case>.json.

Conventions (the same as oracle.py where they overlap; see README.md):
  * intersections: shapely in lon/lat degrees (planar, as GEOS does);
  * lengths: geodesic on the CGCS2000 ellipsoid (GRS80: a = 6378137 m,
    1/f = 298.257222101), pyproj.Geod.line_length over each piece of
    line.intersection(candidate), summed;
  * candidate area: |outer ring| - sum |holes|, Geod.polygon_area_perimeter;
  * a line conflicts when its length inside the candidate is > 0.001 m;
    a line that intersects the candidate with length inside <= 0.001 m
    (it only touches the boundary) is "adjacent";
    share_of_feature = length inside / length of the whole feature;
  * a (Multi)Point conflicts when any of its points lies in the candidate's
    interior (candidate.contains); share_of_feature = points inside / points;
    when none is inside but one lies on the boundary it is "adjacent";
  * verdict: warn if any conflict is in an on_overlap=warn layer, else pass
    (reject if in a reject layer; there is none here; info never counts);
  * conflicts sorted by catalog order, then length inside descending (0 for
    points), then feature id as a string; adjacent by catalog order, then id.

Usage (from the repository root):  python3 tests/oracle/oracle_lines_points.py
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

import shapely
from pyproj import Geod
from shapely.geometry import LineString, MultiLineString, MultiPoint, Point, Polygon, shape

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "lines_points"
CAND_DIR = FIXTURES / "candidates"
OUT_DIR = ROOT / "tests" / "oracle" / "expected_lines_points"

GEOD = Geod(a=6378137.0, rf=298.257222101)  # CGCS2000 / GRS80
CONFLICT_MIN_LENGTH_M = 0.001

CASES = ["block_a", "block_hole", "block_u", "block_tri"]


def line_length_m(geom) -> float:
    """Geodesic length in m of the linear parts of geom (lon/lat degrees)."""
    total = 0.0
    for part in shapely.get_parts(geom):
        if isinstance(part, MultiLineString):
            total += line_length_m(part)
        elif isinstance(part, LineString) and not part.is_empty:
            x, y = part.xy
            total += GEOD.line_length(list(x), list(y))
    return total


def polygon_area_m2(poly: Polygon) -> float:
    x, y = poly.exterior.xy
    area = abs(GEOD.polygon_area_perimeter(list(x), list(y))[0])
    for hole in poly.interiors:
        x, y = hole.xy
        area -= abs(GEOD.polygon_area_perimeter(list(x), list(y))[0])
    return area


def load_catalog():
    with open(FIXTURES / "catalog.toml", "rb") as f:
        entries = tomllib.load(f)["layer"]
    layers = []
    for entry in entries:
        assert entry["on_overlap"] in ("reject", "warn", "info"), entry
        fc = json.loads((FIXTURES / entry["file"]).read_text(encoding="utf-8"))
        feats, ids = [], set()
        for f in fc["features"]:
            fid = f["id"]
            assert isinstance(fid, str) and fid not in ids, fid
            ids.add(fid)
            g = shape(f["geometry"])
            assert g.is_valid and not g.is_empty, (entry["id"], fid)
            if isinstance(g, (LineString, MultiLineString)):
                kind = "line"
                for part in shapely.get_parts(g):
                    assert 2 <= len(part.coords) <= 10, (fid, len(part.coords))
            elif isinstance(g, (Point, MultiPoint)):
                kind = "point"
            else:
                raise AssertionError(f"{fid}: only lines and points here")
            minx, miny, maxx, maxy = g.bounds
            assert 112.44 <= minx and maxx <= 113.04 and 36.15 <= miny and maxy <= 36.43, fid
            feats.append({"id": fid, "geom": g, "kind": kind,
                          "length": line_length_m(g) if kind == "line" else 0.0})
        layers.append({"id": entry["id"], "on_overlap": entry["on_overlap"], "features": feats})
    return layers


def load_candidate(path: Path) -> Polygon:
    obj = json.loads(path.read_text(encoding="utf-8"))
    geom = obj["geometry"] if obj["type"] == "Feature" else obj
    cand = shape(geom)
    assert isinstance(cand, Polygon) and cand.is_valid, path
    return cand


def evaluate(layers, cand: Polygon) -> dict:
    conflicts, adjacent = [], []
    rank = 0  # 0 pass, 1 warn, 2 reject
    for order, layer in enumerate(layers):
        for f in layer["features"]:
            g = f["geom"]
            if f["kind"] == "line":
                if not g.intersects(cand):
                    continue
                inside = line_length_m(g.intersection(cand))
                if inside > CONFLICT_MIN_LENGTH_M:
                    conflicts.append((order, -inside, f["id"], {
                        "layer": layer["id"],
                        "feature_id": f["id"],
                        "kind": "line",
                        "overlap_length_m": inside,
                        "share_of_feature": inside / f["length"],
                    }))
                else:
                    adjacent.append((order, f["id"], {"layer": layer["id"], "feature_id": f["id"]}))
                    continue
            else:
                points = list(shapely.get_parts(g))
                n_in = sum(1 for p in points if cand.contains(p))
                if n_in > 0:
                    conflicts.append((order, 0.0, f["id"], {
                        "layer": layer["id"],
                        "feature_id": f["id"],
                        "kind": "point",
                        "points_inside": n_in,
                        "share_of_feature": n_in / len(points),
                    }))
                elif any(cand.touches(p) for p in points):
                    adjacent.append((order, f["id"], {"layer": layer["id"], "feature_id": f["id"]}))
                    continue
                else:
                    continue
            rank = max(rank, {"reject": 2, "warn": 1, "info": 0}[layer["on_overlap"]])
    conflicts.sort(key=lambda t: (t[0], t[1], t[2]))
    adjacent.sort(key=lambda t: (t[0], t[1]))
    return {
        "candidate_area_m2": polygon_area_m2(cand),
        "verdict": ["pass", "warn", "reject"][rank],
        "conflicts": [c for *_, c in conflicts],
        "adjacent": [a for *_, a in adjacent],
    }


def sanity_checks(r: dict) -> None:
    """Each case tests what it is meant to test."""
    def ids(case, key="conflicts"):
        return [c["feature_id"] for c in r[case][key]]

    a = r["block_a"]
    assert ids("block_a") == ["GF-02", "GF-01", "GF-08", "GF-03", "BH-01", "BH-05"], ids("block_a")
    assert ids("block_a", "adjacent") == ["GF-05", "BH-03", "BH-04"], ids("block_a", "adjacent")
    by_id = {c["feature_id"]: c for c in a["conflicts"]}
    assert 0 < by_id["GF-01"]["share_of_feature"] < 1
    assert 0 < by_id["GF-02"]["share_of_feature"] < 1
    assert abs(by_id["GF-03"]["share_of_feature"] - 1) < 1e-12  # wholly inside
    assert abs(by_id["GF-08"]["share_of_feature"] - 1) < 1e-12  # wholly inside
    assert by_id["BH-05"]["points_inside"] == 2 and abs(by_id["BH-05"]["share_of_feature"] - 2 / 3) < 1e-15
    assert a["verdict"] == "warn"

    h = r["block_hole"]
    assert ids("block_hole") == ["GF-06", "GF-07", "BH-12"], ids("block_hole")
    assert ids("block_hole", "adjacent") == ["BH-07"], ids("block_hole", "adjacent")
    assert 0 < h["conflicts"][0]["share_of_feature"] < 1
    cand = load_candidate(CAND_DIR / "block_hole.geojson")
    gf06 = next(f["geom"] for f in load_catalog()[0]["features"] if f["id"] == "GF-06")
    assert gf06.intersects(cand.interiors[0]) and len(shapely.get_parts(gf06.intersection(cand))) >= 2
    assert h["verdict"] == "warn"

    u = r["block_u"]
    assert ids("block_u") == ["GF-10", "BH-10"], ids("block_u")
    assert ids("block_u", "adjacent") == ["BH-09"], ids("block_u", "adjacent")
    assert u["verdict"] == "warn"

    t = r["block_tri"]
    assert ids("block_tri") == ["BH-08"] and t["conflicts"][0]["points_inside"] == 3
    assert ids("block_tri", "adjacent") == ["GF-12"]
    assert t["verdict"] == "pass"

    everywhere = {i for case in r for key in ("conflicts", "adjacent") for i in ids(case, key)}
    assert "GF-04" not in everywhere and "BH-02" not in everywhere  # wholly outside
    for never in ("GF-09", "GF-11", "BH-06", "BH-11"):  # in a hole or a notch
        assert never not in everywhere, never


def main() -> int:
    layers = load_catalog()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    results = {}
    for name in CASES:
        path = CAND_DIR / f"{name}.geojson"
        res = {
            "case": name,
            "candidate": f"tests/fixtures/lines_points/candidates/{name}.geojson",
            **evaluate(layers, load_candidate(path)),
        }
        results[name] = res
        text = json.dumps(res, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        (OUT_DIR / f"{name}.json").write_text(text, encoding="utf-8")

    sanity_checks(results)

    for name, res in results.items():
        conf = ", ".join(
            f"{c['feature_id']}:{c['overlap_length_m']:.3f}m" if c["kind"] == "line"
            else f"{c['feature_id']}:{c['points_inside']}pt" for c in res["conflicts"]) or "-"
        adj = ", ".join(a["feature_id"] for a in res["adjacent"]) or "-"
        print(f"{name:12s} {res['verdict']:5s} area={res['candidate_area_m2'] / 1e6:.6f} km2 "
              f"[{conf}] adj[{adj}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
