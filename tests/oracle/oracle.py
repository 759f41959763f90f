#!/usr/bin/env python3
"""Independent oracle for planmap's overlap checks.

Uses only shapely 2 (GEOS) and pyproj (PROJ); nothing of planmap. For every
case below it reads the candidate file, brings it to lon/lat, intersects it
with every feature of the (selected) catalog layers and writes the expected
answer to tests/oracle/expected/<case>.json.

Conventions (see tests/oracle/README.md):
  * coordinates: a candidate is read in the AUTHORITY axis order of its CRS
    (EPSG:4490 lat,lon; EPSG:4526/4547 northing,easting; CRS84 lon,lat) and
    transformed to lon/lat with pyproj; the swapped_* cases are swapped back
    first, as planmap is expected to do after warning;
  * intersections: shapely in lon/lat degrees (planar, as GEOS does);
  * areas: ellipsoidal geodesic area on the CGCS2000 ellipsoid (GRS80:
    a = 6378137 m, 1/f = 298.257222101), pyproj.Geod, polygon edges geodesics;
  * conflict: overlap area > 0.01 m2; a feature that intersects/touches the
    candidate with overlap area <= 0.01 m2 is "adjacent";
  * verdict: reject if any conflict's layer is on_overlap=reject, else warn if
    any is warn, else pass (info layers never change the verdict);
  * conflicts sorted by catalog order, then overlap area descending; adjacent
    sorted by catalog order, then feature id as a string.

Usage (from the repository root):  python3 tests/oracle/oracle.py
"""

from __future__ import annotations

import json
import math
import sys
import tomllib
from pathlib import Path

import shapely
from pyproj import Geod, Transformer
from shapely.geometry import MultiPolygon, Polygon, shape

ROOT = Path(__file__).resolve().parents[2]
LAYER_DIR = ROOT / "tests" / "fixtures" / "layers"
CAND_DIR = ROOT / "tests" / "fixtures" / "candidates"
OUT_DIR = ROOT / "tests" / "oracle" / "expected"

GEOD = Geod(a=6378137.0, rf=298.257222101)  # CGCS2000 / GRS80
CONFLICT_MIN_AREA_M2 = 0.01

# name, candidate file, crs (None = OGC:CRS84), layers filter (None = all), axis swapped?
CASES = [
    ("hole_only", "hole_only.geojson", None, None, False),
    ("hole_exact", "hole_exact.geojson", None, None, False),
    ("multipolygon", "multipolygon.geojson", None, None, False),
    ("shared_edge", "shared_edge.geojson", None, None, False),
    ("inside_feature", "inside_feature.geojson", None, None, False),
    ("contains_feature", "contains_feature.geojson", None, None, False),
    ("partial_overlaps", "partial_overlaps.geojson", None, None, False),
    ("epsg4490", "epsg4490.geojson", "EPSG:4490", None, False),
    ("epsg4526", "epsg4526.geojson", "EPSG:4526", None, False),
    ("epsg4547", "epsg4547.geojson", "EPSG:4547", None, False),
    ("swapped_4490", "swapped_4490.geojson", "EPSG:4490", None, True),
    ("swapped_4526", "swapped_4526.geojson", "EPSG:4526", None, True),
    ("straddle_zone_edge", "straddle_zone_edge.geojson", None, None, False),
    ("straddle_zone_edge_4526", "straddle_zone_edge_4526.geojson", "EPSG:4526", None, False),
    ("clean_pass", "clean_pass.geojson", None, None, False),
    ("warn_only", "warn_only.geojson", None, None, False),
    ("info_only", "info_only.geojson", None, None, False),
    ("layers_filter", "partial_overlaps.geojson", None, ["subsidence_areas", "energy_bases"], False),
]


# ---------------------------------------------------------------------------
def geodesic_area(geom) -> float:
    """Ellipsoidal area in m2 of the polygonal part of geom (lon/lat degrees).

    Each polygon: |area(outer ring)| - sum |area(hole)|, independent of ring
    orientation (GEOS output rings are not CCW); non-polygonal parts ignored.
    """
    total = 0.0
    for part in shapely.get_parts(geom):
        if isinstance(part, MultiPolygon):
            total += geodesic_area(part)
            continue
        if not isinstance(part, Polygon) or part.is_empty:
            continue
        x, y = part.exterior.xy
        a, _ = GEOD.polygon_area_perimeter(x, y)
        area = abs(a)
        for h in part.interiors:
            x, y = h.xy
            a, _ = GEOD.polygon_area_perimeter(x, y)
            area -= abs(a)
        total += area
    return total


def load_geojson_geometry(path: Path) -> dict:
    obj = json.loads(path.read_text(encoding="utf-8"))
    if obj["type"] == "Feature":
        return obj["geometry"]
    if obj["type"] == "FeatureCollection":
        raise ValueError(f"{path}: candidate must be a Feature or a Geometry")
    return obj


def to_lonlat(geom: dict, crs: str | None, swapped: bool):
    """GeoJSON geometry dict in `crs` authority order -> shapely geometry in lon/lat."""
    tr = None if crs is None else Transformer.from_crs(crs, "OGC:CRS84")  # authority order in

    def conv(c):
        if isinstance(c[0], (int, float)):
            a, b = c[0], c[1]
            if swapped:
                a, b = b, a
            if tr is None:
                return [a, b]
            lon, lat = tr.transform(a, b)
            assert math.isfinite(lon) and math.isfinite(lat)
            return [lon, lat]
        return [conv(x) for x in c]

    g = shape({"type": geom["type"], "coordinates": conv(geom["coordinates"])})
    assert g.is_valid, shapely.is_valid_reason(g)
    return g


def load_catalog():
    with open(LAYER_DIR / "catalog.toml", "rb") as f:
        catalog = tomllib.load(f)["layer"]
    layers = []
    for entry in catalog:
        assert set(entry) >= {"id", "title", "file", "on_overlap", "rule"}, entry
        assert entry["on_overlap"] in ("reject", "warn", "info"), entry
        fc = json.loads((LAYER_DIR / entry["file"]).read_text(encoding="utf-8"))
        feats = []
        ids = set()
        for f in fc["features"]:
            fid = f["id"]
            assert fid not in ids, f"duplicate id {fid!r} in {entry['id']}"
            ids.add(fid)
            g = shape(f["geometry"])
            assert g.is_valid, (entry["id"], fid, shapely.is_valid_reason(g))
            feats.append({"id": fid, "geom": g, "area": geodesic_area(g)})
        layers.append({"id": entry["id"], "on_overlap": entry["on_overlap"], "features": feats})
    return layers


def evaluate(layers, cand, layer_filter):
    cand_area = geodesic_area(cand)
    conflicts, adjacent = [], []
    verdict_rank = 0  # 0 pass, 1 warn, 2 reject
    for order, layer in enumerate(layers):
        if layer_filter is not None and layer["id"] not in layer_filter:
            continue
        for f in layer["features"]:
            if not f["geom"].intersects(cand):
                continue
            overlap = geodesic_area(shapely.intersection(f["geom"], cand))
            if overlap > CONFLICT_MIN_AREA_M2:
                conflicts.append((order, -overlap, {
                    "layer": layer["id"],
                    "feature_id": f["id"],
                    "overlap_area_m2": overlap,
                    "share_of_candidate": overlap / cand_area,
                    "share_of_feature": overlap / f["area"],
                }))
                verdict_rank = max(verdict_rank,
                                   {"reject": 2, "warn": 1, "info": 0}[layer["on_overlap"]])
            else:
                adjacent.append((order, str(f["id"]),
                                 {"layer": layer["id"], "feature_id": f["id"]}))
    conflicts.sort(key=lambda t: (t[0], t[1], str(t[2]["feature_id"])))
    adjacent.sort(key=lambda t: (t[0], t[1]))
    return {
        "candidate_area_m2": cand_area,
        "verdict": ["pass", "warn", "reject"][verdict_rank],
        "conflicts": [c for _, _, c in conflicts],
        "adjacent": [a for _, _, a in adjacent],
    }


# ---------------------------------------------------------------------------
def sanity_checks(results: dict) -> None:
    """Check that each case's expectation matches what the case is meant to test."""
    def ids(case, key="conflicts"):
        return [(c["layer"], c["feature_id"]) for c in results[case][key]]

    def layers_of(case):
        return {c["layer"] for c in results[case]["conflicts"]}

    r = results
    assert all(layer != "ecological_redline" for layer, _ in ids("hole_only"))
    assert ids("hole_only") == [] and ids("hole_only", "adjacent") == []
    assert r["hole_only"]["verdict"] == "pass"

    assert ids("hole_exact") == [] and ids("hole_exact", "adjacent") == [("ecological_redline", "RL-1")]

    mp = ids("multipolygon")
    assert len(mp) == 2 and len(set(mp)) == 2, mp

    assert ids("shared_edge") == [] and ids("shared_edge", "adjacent") == [("basic_farmland", 104)]
    assert r["shared_edge"]["verdict"] == "pass"

    c = r["inside_feature"]["conflicts"]
    assert len(c) == 1 and abs(c[0]["share_of_candidate"] - 1) < 1e-12, c

    c = r["contains_feature"]["conflicts"]
    assert len(c) == 1 and abs(c[0]["share_of_feature"] - 1) < 1e-12, c

    po = r["partial_overlaps"]
    assert len(layers_of("partial_overlaps")) >= 4 and len(po["conflicts"]) >= 5
    assert all(0 < c["share_of_candidate"] < 1 for c in po["conflicts"])
    assert ("basic_farmland", 107) not in ids("partial_overlaps")  # sits in the candidate's hole
    assert ids("partial_overlaps", "adjacent") == []

    for other in ("epsg4490", "epsg4526", "epsg4547", "swapped_4490", "swapped_4526"):
        assert ids(other) == ids("partial_overlaps"), other
        assert r[other]["verdict"] == po["verdict"]
        rel = abs(r[other]["candidate_area_m2"] / po["candidate_area_m2"] - 1)
        assert rel < 1e-6, (other, rel)
    # swapped = its unswapped twin, exactly
    for sw, twin in (("swapped_4490", "epsg4490"), ("swapped_4526", "epsg4526")):
        a = {k: v for k, v in r[sw].items() if k not in ("axis_swap_warning", "case", "candidate")}
        b = {k: v for k, v in r[twin].items() if k not in ("axis_swap_warning", "case", "candidate")}
        assert a == b, (sw, twin)
        assert r[sw]["axis_swap_warning"] and not r[twin]["axis_swap_warning"]

    st = ids("straddle_zone_edge")
    assert ids("straddle_zone_edge_4526") == st
    west = east = False
    for layer in load_catalog():
        for f in layer["features"]:
            if (layer["id"], f["id"]) in st:
                minx, _, maxx, _ = f["geom"].bounds
                west |= minx < 112.5
                east |= maxx > 112.5
    assert west and east

    assert r["clean_pass"]["verdict"] == "pass" and not r["clean_pass"]["conflicts"]
    assert not r["clean_pass"]["adjacent"]
    assert r["warn_only"]["verdict"] == "warn" and layers_of("warn_only") == {"subsidence_areas"}
    assert r["info_only"]["verdict"] == "pass" and layers_of("info_only") == {"energy_bases"}

    lf = r["layers_filter"]
    assert lf["verdict"] == "warn"
    assert ids("layers_filter") == [x for x in ids("partial_overlaps")
                                    if x[0] in ("subsidence_areas", "energy_bases")]


def main() -> int:
    layers = load_catalog()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    results = {}
    for name, file, crs, layer_filter, swapped in CASES:
        path = CAND_DIR / file
        cand = to_lonlat(load_geojson_geometry(path), crs, swapped)
        res = {
            "case": name,
            "candidate": f"tests/fixtures/candidates/{file}",
            "crs": crs,
            "layers": layer_filter,
            "axis_swap_warning": swapped,
            **evaluate(layers, cand, layer_filter),
        }
        results[name] = res
        text = json.dumps(res, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        (OUT_DIR / f"{name}.json").write_text(text, encoding="utf-8")

    sanity_checks(results)

    for name, res in results.items():
        conf = ", ".join(f"{c['layer']}:{c['feature_id']}" for c in res["conflicts"]) or "-"
        adj = ", ".join(f"{a['layer']}:{a['feature_id']}" for a in res["adjacent"]) or "-"
        print(f"{name:24s} {res['verdict']:6s} conflicts={len(res['conflicts'])} "
              f"adjacent={len(res['adjacent'])} area={res['candidate_area_m2'] / 1e6:.6f} km2 "
              f"[{conf}] adj[{adj}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
