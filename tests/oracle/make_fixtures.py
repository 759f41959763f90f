#!/usr/bin/env python3
"""Write the planmap test fixtures: planning layers and candidate polygons.

Everything here is ILLUSTRATIVE geometry inside the 屯留区 extent
(E 112.44-113.04, N 36.145-36.438). No real boundary is published for these
layers; the shapes only exercise the overlap checks.

Outputs (all deterministic, re-running gives byte-identical files):
  tests/fixtures/layers/catalog.toml
  tests/fixtures/layers/<layer>.geojson          (RFC 7946, lon/lat)
  tests/fixtures/candidates/<case>.geojson       (CRS84 ones written from the
      coordinates below; EPSG:4490/4526/4547 ones transformed with pyproj and
      written in the AUTHORITY axis order of that CRS; the swapped_* ones are
      deliberately written the wrong way round)

Usage (from the repository root):  python3 tests/oracle/make_fixtures.py
Then run tests/oracle/oracle.py to regenerate the expected answers.

Rough map (1e-3 deg lon ~ 90 m, 1e-3 deg lat ~ 111 m at 36.3 N):
  west, across the 112.5 E zone edge (y 36.39-36.43): RL-2 (MultiPolygon),
      farmland 101 (zone 37) and 102 (straddles 112.5), PZ-01 (zone 38),
      candidate straddle_zone_edge
  centre (x 112.69-112.84, y 36.30-36.39): RL-1 (with a hole), PZ-02,
      farmland 103/104, candidates hole_only, hole_exact, inside_feature,
      contains_feature, shared_edge, multipolygon
  south-east (x 112.85-112.96, y 36.16-36.24): EB-1 (energy base), RL-3,
      SA-1, PZ-05, farmland 105/106/107, candidates partial_overlaps (+ its
      CRS variants), info_only
  south-west: SA-2 (warn_only), SA-3 (zone 37), clean_pass area, farmland 108
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Polygon, shape

ROOT = Path(__file__).resolve().parents[2]
LAYER_DIR = ROOT / "tests" / "fixtures" / "layers"
CAND_DIR = ROOT / "tests" / "fixtures" / "candidates"

EXTENT = (112.44, 36.145, 113.04, 36.438)  # min lon, min lat, max lon, max lat


# ---------------------------------------------------------------------------
# helpers to build GeoJSON geometries from (lon, lat) tuples
# ---------------------------------------------------------------------------
def ring(*pts):
    """Closed ring from the listed vertices (first vertex repeated at the end)."""
    pts = [list(p) for p in pts]
    return pts + [list(pts[0])]


def poly(outer, *holes):
    return {"type": "Polygon", "coordinates": [ring(*outer)] + [ring(*h) for h in holes]}


def mpoly(*polys):
    return {"type": "MultiPolygon", "coordinates": [p["coordinates"] for p in polys]}


def feature(fid, name, geometry, **props):
    return {
        "type": "Feature",
        "id": fid,
        "properties": {"name": name, "geometry_source": "illustrative", **props},
        "geometry": geometry,
    }


# ---------------------------------------------------------------------------
# layers, in catalog order
# ---------------------------------------------------------------------------
RULE_7 = "（屯留区矿产资源总体规划 第四章第二节 (7)）"

LAYERS = [
    {
        "id": "ecological_redline",
        "roles": ["control_line", "protected_area"],
        "title": "生态保护红线",
        "title_en": "Ecological protection red line",
        "on_overlap": "reject",
        "rule": "勘查规划区块应避让生态保护红线" + RULE_7,
        "features": [
            # concave outer ring (notch on the east side) with one hole
            feature("RL-1", "中部生态保护红线（示意，含一处洞）", poly(
                [(112.70, 36.30), (112.77, 36.30), (112.77, 36.33), (112.755, 36.335),
                 (112.77, 36.34), (112.77, 36.35), (112.70, 36.35)],
                [(112.72, 36.315), (112.72, 36.335), (112.745, 36.335), (112.745, 36.315)],
            )),
            # MultiPolygon: part A in 3-degree zone 37 (west of 112.5 E), part B in zone 38
            feature("RL-2", "西部生态保护红线（示意，跨37/38带）", mpoly(
                poly([(112.455, 36.395), (112.488, 36.395), (112.488, 36.412),
                      (112.475, 36.418), (112.46, 36.415)]),
                poly([(112.545, 36.40), (112.565, 36.40), (112.565, 36.42),
                      (112.556, 36.413), (112.545, 36.42)]),
            )),
            feature("RL-3", "南部生态保护红线（示意）", poly(
                [(112.865, 36.19), (112.89, 36.19), (112.89, 36.20), (112.878, 36.203),
                 (112.89, 36.21), (112.865, 36.21)],
            )),
        ],
    },
    {
        "id": "basic_farmland",
        "roles": ["control_line", "protected_area"],
        "title": "永久基本农田",
        "title_en": "Permanent basic farmland",
        "on_overlap": "reject",
        "rule": "勘查规划区块应避让永久基本农田" + RULE_7,
        "features": [  # integer ids on purpose
            feature(101, "基本农田图斑 101（示意，37带）", poly(
                [(112.491, 36.414), (112.497, 36.414), (112.497, 36.419), (112.491, 36.419)])),
            feature(102, "基本农田图斑 102（示意，跨112.5°E）", poly(
                [(112.497, 36.426), (112.503, 36.426), (112.503, 36.431), (112.497, 36.431)])),
            feature(103, "基本农田图斑 103（示意，L形）", poly(
                [(112.80, 36.32), (112.806, 36.32), (112.806, 36.323), (112.803, 36.323),
                 (112.803, 36.326), (112.80, 36.326)])),
            feature(104, "基本农田图斑 104（示意）", poly(
                [(112.82, 36.35), (112.826, 36.35), (112.826, 36.355), (112.82, 36.355)])),
            feature(105, "基本农田图斑 105（示意）", poly(
                [(112.90, 36.186), (112.904, 36.186), (112.904, 36.189), (112.90, 36.189)])),
            feature(106, "基本农田图斑 106（示意）", poly(
                [(112.879, 36.184), (112.885, 36.184), (112.885, 36.188), (112.879, 36.188)])),
            feature(107, "基本农田图斑 107（示意，约0.05平方千米）", poly(
                [(112.918, 36.192), (112.9205, 36.192), (112.9205, 36.194), (112.918, 36.194)])),
            feature(108, "基本农田图斑 108（示意，不规则）", poly(
                [(112.65, 36.30), (112.656, 36.299), (112.659, 36.304), (112.655, 36.303),
                 (112.652, 36.306), (112.649, 36.304)])),
        ],
    },
    {
        "id": "prohibited_zones",
        "roles": ["prohibited_zone", "project_site"],
        "title": "禁止开采区（建设用地）",
        "title_en": "Prohibited mining zones (construction land)",
        "on_overlap": "reject",
        "rule": "禁止开采区内新设采矿权须征求相关部门意见，已有采矿权逐步有序退出"
                "（屯留区矿产资源总体规划 第三章第三节 三）",
        "features": [
            feature("PZ-01", "余吾镇和屯留经济技术开发区（余吾工业园）（示意，38带）", poly(
                [(112.505, 36.405), (112.53, 36.405), (112.53, 36.425), (112.518, 36.425),
                 (112.518, 36.415), (112.505, 36.415)])),
            feature("PZ-02", "中心城区建设用地（示意）", poly(
                [(112.74, 36.37), (112.748, 36.368), (112.756, 36.372), (112.755, 36.381),
                 (112.745, 36.383), (112.739, 36.377)])),
            feature("PZ-05", "经济技术开发区和路村工业园区建设用地（示意）", poly(
                [(112.938, 36.183), (112.952, 36.183), (112.952, 36.195), (112.938, 36.195)])),
        ],
    },
    {
        "id": "subsidence_areas",
        "roles": ["subsidence"],
        "title": "采煤沉陷区",
        "title_en": "Coal-mining subsidence areas",
        "on_overlap": "warn",
        "rule": "采煤沉陷区位于矿山地质环境重点治理区，生产矿山须边开采、边治理"
                "（屯留区矿产资源总体规划 第五章第二节 二）",
        "features": [
            feature("SA-1", "路村乡采煤沉陷区（示意）", poly(
                [(112.91, 36.205), (112.935, 36.20), (112.945, 36.215), (112.94, 36.235),
                 (112.925, 36.24), (112.915, 36.228), (112.905, 36.22)])),
            feature("SA-2", "上村镇采煤沉陷区（示意）", poly(
                [(112.60, 36.20), (112.635, 36.195), (112.64, 36.22), (112.62, 36.215),
                 (112.605, 36.225)])),
            feature("SA-3", "西部采煤沉陷区（示意，37带）", poly(
                [(112.445, 36.16), (112.47, 36.158), (112.475, 36.175), (112.46, 36.18),
                 (112.448, 36.172)])),
        ],
    },
    {
        "id": "energy_bases",
        "title": "能源资源基地",
        "title_en": "Energy resource bases",
        "on_overlap": "info",
        "rule": "落实省规划划定的能源资源基地，推进规模化集约化开发"
                "（屯留区矿产资源总体规划 第三章第三节 一、1）",
        "features": [
            feature("EB-1", "晋东煤炭基地（屯留区东部部分，示意）", poly(
                [(112.86, 36.17), (112.95, 36.17), (112.95, 36.21), (112.93, 36.225),
                 (112.86, 36.225)])),
        ],
    },
]


# ---------------------------------------------------------------------------
# candidates written in CRS84 (lon, lat)
# ---------------------------------------------------------------------------
PARTIAL = poly(
    # concave (reflex vertex at 112.905, 36.198) ...
    [(112.882, 36.165), (112.945, 36.165), (112.945, 36.212), (112.915, 36.212),
     (112.905, 36.198), (112.882, 36.205)],
    # ... with a hole (clockwise) that holds farmland 107 without touching it
    [(112.915, 36.19), (112.915, 36.196), (112.924, 36.196), (112.924, 36.19)],
)

STRADDLE = poly(
    [(112.48, 36.408), (112.52, 36.408), (112.52, 36.43), (112.49, 36.43),
     (112.485, 36.423), (112.48, 36.43)],
)

# name -> (geometry, wrap as Feature?, note)
CRS84_CANDIDATES = {
    "hole_only": (poly(
        [(112.725, 36.32), (112.74, 36.32), (112.74, 36.33), (112.725, 36.33)]),
        True, "inside the hole of RL-1, touching nothing"),
    "hole_exact": (poly(
        [(112.72, 36.315), (112.745, 36.315), (112.745, 36.335), (112.72, 36.335)]),
        False, "exactly fills the hole of RL-1: adjacent to RL-1, no overlap"),
    "multipolygon": (mpoly(
        poly([(112.69, 36.345), (112.71, 36.345), (112.71, 36.36), (112.69, 36.36)]),
        poly([(112.75, 36.375), (112.765, 36.375), (112.765, 36.39), (112.75, 36.39)]),
    ), False, "part 1 overlaps RL-1, part 2 overlaps PZ-02"),
    "shared_edge": (poly(
        [(112.826, 36.35), (112.834, 36.346), (112.84, 36.352), (112.834, 36.358),
         (112.826, 36.355)]),
        True, "shares the east edge of farmland 104 (identical vertices), nothing else"),
    "inside_feature": (poly(
        [(112.75, 36.303), (112.765, 36.303), (112.765, 36.312), (112.75, 36.312)]),
        False, "wholly inside RL-1 (south of its hole)"),
    "contains_feature": (poly(
        [(112.79, 36.31), (112.815, 36.31), (112.815, 36.335), (112.79, 36.335)]),
        True, "wholly contains farmland 103"),
    "partial_overlaps": (PARTIAL, True,
        "concave with a hole; crosses RL-3, farmland 105/106, PZ-05, SA-1, EB-1; "
        "farmland 107 sits in the hole"),
    "straddle_zone_edge": (STRADDLE, True,
        "straddles 112.5 E: RL-2 part A and farmland 101 (zone 37), farmland 102 (across), "
        "PZ-01 (zone 38)"),
    "clean_pass": (poly(
        [(112.55, 36.25), (112.572, 36.248), (112.575, 36.262), (112.56, 36.258),
         (112.552, 36.266)]),
        True, "hits nothing"),
    "warn_only": (poly(
        [(112.625, 36.205), (112.65, 36.205), (112.65, 36.23), (112.625, 36.23)]),
        False, "overlaps SA-2 only (warn layer)"),
    "info_only": (poly(
        [(112.855, 36.172), (112.875, 36.172), (112.875, 36.182), (112.855, 36.182)]),
        True, "overlaps EB-1 only (info layer)"),
}

# name -> (source CRS84 candidate, target CRS, decimals, swapped?, wrap as Feature?)
DERIVED_CANDIDATES = {
    "epsg4490": ("partial_overlaps", "EPSG:4490", 9, False, True),
    "epsg4526": ("partial_overlaps", "EPSG:4526", 2, False, True),
    "epsg4547": ("partial_overlaps", "EPSG:4547", 2, False, False),
    "swapped_4490": ("partial_overlaps", "EPSG:4490", 9, True, True),
    "swapped_4526": ("partial_overlaps", "EPSG:4526", 2, True, False),
    "straddle_zone_edge_4526": ("straddle_zone_edge", "EPSG:4526", 2, False, True),
}


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------
_POS = re.compile(r"\[\s*(-?[0-9.eE+-]+),\s*(-?[0-9.eE+-]+)\s*\]")


def dump_geojson(obj) -> str:
    """Pretty JSON with each [x, y] position on one line."""
    text = json.dumps(obj, indent=2, ensure_ascii=False)
    return _POS.sub(r"[\1, \2]", text) + "\n"


def transform_geometry(geom: dict, fn) -> dict:
    def walk(c):
        if isinstance(c[0], (int, float)):
            return list(fn(c[0], c[1]))
        return [walk(x) for x in c]

    return {"type": geom["type"], "coordinates": walk(geom["coordinates"])}


def check_polygonal(label: str, geom: dict, *, layer: bool) -> None:
    g = shape(geom)
    assert g.is_valid, f"{label}: invalid ({shapely.is_valid_reason(g)})"
    polys = list(g.geoms) if isinstance(g, MultiPolygon) else [g]
    for p in polys:
        assert isinstance(p, Polygon)
        assert p.exterior.is_ccw, f"{label}: outer ring must be CCW"
        for h in p.interiors:
            assert not h.is_ccw, f"{label}: holes must be CW"
        if layer:
            n = len(p.exterior.coords) - 1
            assert 4 <= n <= 30, f"{label}: {n} vertices"
    minx, miny, maxx, maxy = g.bounds
    assert EXTENT[0] <= minx and maxx <= EXTENT[2], f"{label}: lon outside extent"
    assert EXTENT[1] <= miny and maxy <= EXTENT[3], f"{label}: lat outside extent"


def write_catalog() -> None:
    def q(s: str) -> str:
        return json.dumps(s, ensure_ascii=False)  # a valid TOML basic string

    out = [
        "# Planning layers for planmap's tests. ALL GEOMETRY IS ILLUSTRATIVE:",
        "# no boundary coordinates are published for these layers.",
        "# Generated by tests/oracle/make_fixtures.py; layers are checked in this order.",
        "",
    ]
    for layer in LAYERS:
        out += [
            "[[layer]]",
            f"id = {q(layer['id'])}",
            f"title = {q(layer['title'])}",
            f"title_en = {q(layer['title_en'])}",
            f"file = {q(layer['id'] + '.geojson')}",
            f"on_overlap = {q(layer['on_overlap'])}    # reject | warn | info",
            "roles = [" + ", ".join(q(r) for r in layer.get("roles", [])) + "]",
            f"rule = {q(layer['rule'])}",
            "",
        ]
    (LAYER_DIR / "catalog.toml").write_text("\n".join(out), encoding="utf-8")


def main() -> None:
    LAYER_DIR.mkdir(parents=True, exist_ok=True)
    CAND_DIR.mkdir(parents=True, exist_ok=True)

    # layers
    seen = set()
    for layer in LAYERS:
        for f in layer["features"]:
            label = f"{layer['id']}/{f['id']}"
            assert (layer["id"], f["id"]) not in seen, f"duplicate id {label}"
            seen.add((layer["id"], f["id"]))
            check_polygonal(label, f["geometry"], layer=True)
        fc = {"type": "FeatureCollection", "features": layer["features"]}
        (LAYER_DIR / f"{layer['id']}.geojson").write_text(dump_geojson(fc), encoding="utf-8")
    write_catalog()

    # CRS84 candidates
    for name, (geom, as_feature, note) in CRS84_CANDIDATES.items():
        check_polygonal(name, geom, layer=False)
        obj = geom
        if as_feature:
            obj = {"type": "Feature",
                   "properties": {"case": name, "crs": "OGC:CRS84", "note": note},
                   "geometry": geom}
        (CAND_DIR / f"{name}.geojson").write_text(dump_geojson(obj), encoding="utf-8")

    # other-CRS candidates: pyproj with the target's AUTHORITY axis order
    for name, (src, crs, ndp, swapped, as_feature) in DERIVED_CANDIDATES.items():
        t = Transformer.from_crs("OGC:CRS84", crs)  # always_xy=False: authority order out

        def fn(lon, lat, t=t, ndp=ndp, swapped=swapped):
            a, b = t.transform(lon, lat)
            a, b = round(a, ndp), round(b, ndp)
            return (b, a) if swapped else (a, b)

        geom = transform_geometry(CRS84_CANDIDATES[src][0], fn)
        order = ", ".join(ax.abbrev for ax in t.target_crs.axis_info)
        if swapped:
            order = ", ".join(reversed([ax.abbrev for ax in t.target_crs.axis_info]))
            note = (f"{src} in {crs} written the WRONG way round ({order}) "
                    f"instead of the authority order: planmap should accept and warn")
        else:
            note = f"{src} in {crs}, authority axis order ({order})"
        obj = geom
        if as_feature:
            obj = {"type": "Feature",
                   "properties": {"case": name, "crs": crs, "note": note},
                   "geometry": geom}
        (CAND_DIR / f"{name}.geojson").write_text(dump_geojson(obj), encoding="utf-8")

    print(f"wrote {len(LAYERS)} layers and "
          f"{len(CRS84_CANDIDATES) + len(DERIVED_CANDIDATES)} candidates")


if __name__ == "__main__":
    main()
