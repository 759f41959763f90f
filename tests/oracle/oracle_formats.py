#!/usr/bin/env python3
"""Independent oracle for coordinate files, basic unit blocks, block rules
and the clean (净矿) part (issue 5).

Uses only shapely 2 (GEOS) and pyproj (PROJ); nothing of planmap.

1. Builds worked examples from lon/lat polygons near the fixture layers
   (tests/fixtures/layers; 屯留区, ILLUSTRATIVE geometry) and WRITES them as
   the files a reviewer receives, into tests/fixtures/formats/:
     * 界址点坐标 TXT exchange files (one parcel with a hole; three parcels);
     * corner-point lists: Gauss-Krüger X/Y with the zone prefix (EPSG:4526,
       zone 38; EPSG:4525, zone 37), without it (EPSG:4547, needs `zone=`),
       and degrees-minutes-seconds with ′″ marks and with ASCII d ' ";
     * malformed files (X/Y swapped, prefix disagreeing with 带号, mixed
       zones, an unclosed ring, a non-number, too few points).
   Projected coordinates are pyproj forward conversions of the lon/lat
   design vertices, rounded to 2 decimals (X = northing, Y = easting); DMS
   are written with seconds to 3 decimals.
2. Reads the numbers it wrote back (pyproj inverse for X/Y; d + m/60 + s/3600
   for DMS) and computes the expected answers:
     * candidate ellipsoid area: Geod(a=6378137, rf=298.257222101), polygon
       edges geodesics, |outer| - sum |holes| per polygon (as oracle.py);
     * conflicts: shapely intersection in lon/lat with every feature of the
       fixture layers, conflict if the overlap area > 0.01 m2; for a TXT file
       with several parcels, per parcel (each conflict names its parcel),
       merged by catalog order then overlap area descending; a parcel's
       verdict and the overall verdict as in oracle.py;
     * basic unit blocks: every 1'x1' cell over the bbox, shapely intersection
       + Geod area; touched if overlap > 1e-5 x cell area, whole if overlap >=
       (1 - 1e-5) x cell area; area_in_blocks = sum overlap / cell area; code
       E{deg:03}{min:02}N{deg:02}{min:02} of the SW corner;
     * snapped (/blocks/snap): cover = every touched cell, inside = every
       whole cell; snapped area = Geod area of the union of the cells (GEOS
       keeps every cell corner on the boundary, so this is the sum of the
       cells' areas, each a geodesic quadrilateral); cap by mineral class
       (矿泉水 10, metals/non-metals 40, coal/geothermal 200, oil/gas 2500);
     * the plan's rules for kind=exploration_block (屯留 第四章第二节 (1),
       (5), (7) and the block cap), the layers each reads chosen by the
       catalog's `roles` (none plays `existing_right` here: not evaluated);
     * net (净矿): candidate minus the union of the reject-layer features it
       conflicts with (shapely difference), Geod area, share of candidate;
     * corner points of the candidate: X, Y in the requested zone to 2
       decimals (pyproj forward), or latitude/longitude DMS strings.
3. Writes tests/oracle/expected_formats/<case>.json (sorted keys; byte-
   identical on re-run).

Usage (from the repository root):  python3 tests/oracle/oracle_formats.py
"""

from __future__ import annotations

import json
import math
import sys
import tomllib
from pathlib import Path

import shapely
from pyproj import Geod, Transformer
from shapely.geometry import MultiPolygon, Polygon, box, shape

ROOT = Path(__file__).resolve().parents[2]
LAYER_DIR = ROOT / "tests" / "fixtures" / "layers"
SAMPLE_DIR = ROOT / "tests" / "fixtures" / "formats"
OUT_DIR = ROOT / "tests" / "oracle" / "expected_formats"

GEOD = Geod(a=6378137.0, rf=298.257222101)  # CGCS2000 / GRS80
CONFLICT_MIN_AREA_M2 = 0.01
BLOCK_TOUCH_SHARE = 1e-5
BLOCK_WHOLE_SHARE = 1 - 1e-5

# zone number -> EPSG code of CGCS2000 3-degree Gauss-Krüger, with / without prefix
PREFIXED = {37: "EPSG:4525", 38: "EPSG:4526"}
PLAIN = {37: "EPSG:4546", 38: "EPSG:4547"}

CAPS = [  # (words, class, max blocks): the registration rules' caps
    (("矿泉水",), "mineral_water", 10),
    (("石油", "天然气", "煤层气"), "oil_and_gas", 2500),
    (("煤", "地热"), "coal_or_geothermal", 200),
    (("铁", "铜", "金", "石灰岩"), "metal_or_non_metal", 40),
]


# ---------------------------------------------------------------------------
# geometry helpers
# ---------------------------------------------------------------------------
def geodesic_area(geom) -> float:
    """Ellipsoid area (m2) of the polygonal parts: |outer| - sum |holes|."""
    total = 0.0
    for part in shapely.get_parts(geom):
        if isinstance(part, MultiPolygon):
            total += geodesic_area(part)
            continue
        if not isinstance(part, Polygon) or part.is_empty:
            continue
        x, y = part.exterior.xy
        area = abs(GEOD.polygon_area_perimeter(x, y)[0])
        for h in part.interiors:
            x, y = h.xy
            area -= abs(GEOD.polygon_area_perimeter(x, y)[0])
        total += area
    return total


def dms(value: float) -> str:
    """112°26′18.123″: seconds rounded once, to the thousandth."""
    ms = round(abs(value) * 3_600_000)
    d, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    return f"{d}°{m:02d}′{rest // 1000:02d}.{rest % 1000:03d}″"


def dms_ascii(value: float) -> str:
    return dms(value).replace("°", "d").replace("′", "'").replace("″", '"')


def parse_dms(text: str) -> float:
    """Reads what dms()/dms_ascii() write: d + m/60 + s/3600."""
    for mark in "°′″d'\"":
        text = text.replace(mark, " ")
    d, m, s = text.split()
    return float(d) + float(m) / 60.0 + float(s) / 3600.0


def forward(crs: str):
    """lon/lat -> (northing, easting) in `crs` (authority order)."""
    tr = Transformer.from_crs("OGC:CRS84", crs)
    return lambda lon, lat: tr.transform(lon, lat)


def inverse(crs: str):
    """(northing, easting) in `crs` -> (lon, lat)."""
    tr = Transformer.from_crs(crs, "OGC:CRS84")

    def f(x, y):
        lon, lat = tr.transform(x, y)
        assert math.isfinite(lon) and math.isfinite(lat)
        return lon, lat

    return f


def closed(ring):
    return list(ring) + [ring[0]]


# ---------------------------------------------------------------------------
# the worked examples (lon, lat design vertices; rings open, exterior first)
# ---------------------------------------------------------------------------
# Centre, zone 38: the east strip of RL-1 (its notch inside), a corner of
# farmland 104; farmland 103 sits in the hole without touching it.
HOLE = {
    "id": "KQ-H1",
    "name": "示意勘查区块（含一处洞）",
    "rings": [
        [(112.752, 36.305), (112.815, 36.305), (112.815, 36.335), (112.823, 36.345),
         (112.823, 36.353), (112.752, 36.353)],
        [(112.797, 36.317), (112.797, 36.329), (112.809, 36.329), (112.809, 36.317)],
    ],
}
# Three parcels, zone 38: clean; over PZ-02 and the top of RL-1; over SA-2.
PARCELS = [
    {"id": "KQ-01", "name": "示意地块一（无冲突）", "rings": [
        [(112.66, 36.25), (112.69, 36.25), (112.692, 36.268), (112.675, 36.272), (112.66, 36.27)]]},
    {"id": "KQ-02", "name": "示意地块二（压红线与禁采区）", "rings": [
        [(112.735, 36.345), (112.76, 36.345), (112.762, 36.378), (112.75, 36.39),
         (112.735, 36.375)]]},
    {"id": "KQ-03", "name": "示意地块三（压沉陷区）", "rings": [
        [(112.625, 36.205), (112.65, 36.205), (112.65, 36.23), (112.625, 36.23)]]},
]
# South-east, zone 38: crosses RL-3, holds farmland 105 and 106, in EB-1.
SOUTH_EAST = [[(112.87, 36.175), (112.91, 36.175), (112.91, 36.2), (112.895, 36.215),
               (112.87, 36.215)]]
# West of the 屯留 centre, zone 38, clean and large (about 15 blocks).
LARGE_CLEAN = [[(112.551, 36.236), (112.628, 36.237), (112.627, 36.292), (112.552, 36.291)]]
# West of 112.5°E, zone 37: part A of RL-2 and a corner of farmland 101.
WEST_37 = [[(112.452, 36.398), (112.492, 36.398), (112.492, 36.416), (112.47, 36.424),
            (112.452, 36.42)]]
# Exactly 2 x 2 basic unit blocks, clean: E112°40′-42′, N36°14′-16′ (DMS).
GRID_DMS = [[(112 + 40 / 60, 36 + 14 / 60), (112 + 42 / 60, 36 + 14 / 60),
             (112 + 42 / 60, 36 + 16 / 60), (112 + 40 / 60, 36 + 16 / 60)]]
# South-west, zone 37, small (under one block), over SA-3 (warn).
SMALL_SW = [[(112.455, 36.158), (112.4681, 36.1572), (112.4703, 36.1684), (112.4582, 36.1701)]]


# ---------------------------------------------------------------------------
# writers: each returns the text and the parcels as read back from the text
# ---------------------------------------------------------------------------
def projected(rings, crs):
    """Design rings -> rings of (X, Y) as written (2 decimals), and as floats."""
    fw = forward(crs)
    out = []
    for ring in rings:
        pts = []
        for lon, lat in ring:
            x, y = fw(lon, lat)
            pts.append((f"{x:.2f}", f"{y:.2f}"))
        out.append(pts)
    return out


def read_back_projected(rings_txt, crs):
    inv = inverse(crs)
    return [[inv(float(x), float(y)) for x, y in ring] for ring in rings_txt]


def txt_file(parcels, zone, header_zone=None):
    """A TXT exchange file in zone `zone` (prefixed eastings)."""
    crs = PREFIXED[zone]
    lines = ["[属性描述]", "格式版本号=1.0", "数据产生单位=planmap oracle（示意）",
             "坐标系=2000国家大地坐标系", "几度分带=3", "投影类型=高斯克吕格", "计量单位=米",
             f"带号={header_zone or zone}", "精度=0.01", "转换参数=,,,,,,", "[地块坐标]"]
    back = []
    for p in parcels:
        rings_txt = projected(p["rings"], crs)
        rings_ll = read_back_projected(rings_txt, crs)
        area_ha = geodesic_area(polygon_of(rings_ll)) / 10_000
        count = sum(len(r) + 1 for r in rings_txt)
        lines.append(f"{count},{area_ha:.4f},{p['id']},{p['name']},面,J49E008012,勘查,,@")
        label = 1
        for r, ring in enumerate(rings_txt, start=1):
            first = label
            for x, y in ring:
                lines.append(f"J{label},{r},{x},{y}")
                label += 1
            lines.append(f"J{first},{r},{ring[0][0]},{ring[0][1]}")
        back.append({"id": p["id"], "name": p["name"], "declared_area_ha": float(f"{area_ha:.4f}"),
                     "rings": rings_ll})
    return "\n".join(lines) + "\n", back


def corner_file(rings, crs, strip_prefix=False, title="拐点坐标（示意）"):
    """A corner list: 点号, X, Y; rings closed by repeating their first point."""
    rings_txt = projected(rings, crs)
    if strip_prefix:
        rings_txt = [[(x, f"{float(y) % 1_000_000:.2f}") for x, y in ring] for ring in rings_txt]
    lines = [title, "点号,X坐标,Y坐标"]
    for ring in rings_txt:
        for i, (x, y) in enumerate(closed(ring), start=1):
            lines.append(f"{i if i <= len(ring) else 1},{x},{y}")
    back_crs = PLAIN[int(crs.split(":")[1]) - 4526 + 38] if strip_prefix else crs
    return "\n".join(lines) + "\n", [{"id": "1", "name": None, "declared_area_ha": None,
                                      "rings": read_back_projected(rings_txt, back_crs)}]


def dms_file(rings, ascii_marks=False, lat_first=False):
    fmt = dms_ascii if ascii_marks else dms
    lines = ["拐点坐标（经纬度，示意）"]
    rings_back = []
    for ring in rings:
        back = []
        for i, (lon, lat) in enumerate(closed(ring), start=1):
            a, b = fmt(lon), fmt(lat)
            n = i if i <= len(ring) else 1
            if lat_first:
                lines.append(f"{n} {b} {a}")
            else:
                lines.append(f"{n}，{a}，{b}")
            if i <= len(ring):
                back.append((parse_dms(a), parse_dms(b)))
        rings_back.append(back)
    return "\n".join(lines) + "\n", [{"id": "1", "name": None, "declared_area_ha": None,
                                      "rings": rings_back}]


def polygon_of(rings_ll):
    poly = Polygon(closed(rings_ll[0]), [closed(h) for h in rings_ll[1:]])
    assert poly.is_valid, shapely.is_valid_reason(poly)
    return poly


# ---------------------------------------------------------------------------
# layers
# ---------------------------------------------------------------------------
def load_catalog():
    with open(LAYER_DIR / "catalog.toml", "rb") as f:
        entries = tomllib.load(f)["layer"]
    layers = []
    for entry in entries:
        fc = json.loads((LAYER_DIR / entry["file"]).read_text(encoding="utf-8"))
        feats = []
        for f in fc["features"]:
            g = shape(f["geometry"])
            assert g.is_valid
            feats.append({"id": f["id"], "geom": g, "area": geodesic_area(g)})
        layers.append({"id": entry["id"], "on_overlap": entry["on_overlap"],
                       "roles": entry.get("roles", []), "features": feats})
    return layers


RANK = {"info": 0, "warn": 1, "reject": 2}
VERDICT = ["pass", "warn", "reject"]


def conflicts_of(layers, poly):
    area = geodesic_area(poly)
    found, adjacent, rank = [], [], 0
    for order, layer in enumerate(layers):
        for f in layer["features"]:
            if not f["geom"].intersects(poly):
                continue
            overlap_geom = shapely.intersection(f["geom"], poly)
            overlap = geodesic_area(overlap_geom)
            if overlap > CONFLICT_MIN_AREA_M2:
                found.append({"order": order, "layer": layer["id"], "feature_id": f["id"],
                              "on_overlap": layer["on_overlap"], "overlap_area_m2": overlap,
                              "share_of_feature": overlap / f["area"], "geom": f["geom"]})
                rank = max(rank, RANK[layer["on_overlap"]])
            else:
                adjacent.append({"layer": layer["id"], "feature_id": f["id"]})
    return area, found, adjacent, VERDICT[rank]


def blocks_of(area_geom):
    minx, miny, maxx, maxy = area_geom.bounds
    out = []
    for lat_m in range(math.floor(miny * 60), math.floor(maxy * 60) + 1):
        for lon_m in range(math.floor(minx * 60), math.floor(maxx * 60) + 1):
            cell = box(lon_m / 60, lat_m / 60, (lon_m + 1) / 60, (lat_m + 1) / 60)
            cell_area = geodesic_area(cell)
            overlap = geodesic_area(shapely.intersection(area_geom, cell))
            if overlap <= BLOCK_TOUCH_SHARE * cell_area:
                continue
            out.append({
                "code": f"E{lon_m // 60:03d}{lon_m % 60:02d}N{lat_m // 60:02d}{lat_m % 60:02d}",
                "south_west": [lon_m / 60, lat_m / 60],
                "whole": overlap >= BLOCK_WHOLE_SHARE * cell_area,
                "block_area_m2": cell_area,
                "overlap_area_m2": overlap,
                "cell": cell,
            })
    return out


def cap_of(mineral):
    for words, cls, cap in CAPS:
        if any(w in mineral for w in words):
            return cls, cap
    return None


def snap(blocks, mode, mineral):
    chosen = [b for b in blocks if mode == "cover" or b["whole"]]
    union = shapely.unary_union([b["cell"] for b in chosen]) if chosen else Polygon()
    area = geodesic_area(union)
    cells_sum = sum(b["block_area_m2"] for b in chosen)
    # GEOS keeps every cell corner on the union's boundary: the same number.
    assert abs(area - cells_sum) <= 1e-9 * max(cells_sum, 1.0), (area, cells_sum)
    res = {"mode": mode, "mineral": mineral, "block_count": len(chosen),
           "codes": sorted(b["code"] for b in chosen), "snapped_area_m2": area}
    if mineral is not None:
        cls, cap = cap_of(mineral)
        res["cap"] = {"class": cls, "max_blocks": cap, "within": len(chosen) <= cap}
    return res


def findings_exploration(layers, conflicts, blocks, mineral):
    """屯留 第四章第二节 (1), (5), (7) and the block cap, layers by catalog role."""
    def no_overlap(roles):
        read = [l["id"] for l in layers if set(l["roles"]) & set(roles)]
        if not read:
            return None, read
        return not any(c["layer"] in read for c in conflicts), read

    in_blocks = sum(b["overlap_area_m2"] / b["block_area_m2"] for b in blocks)
    rule1, read1 = no_overlap(["existing_right"])
    rule7, read7 = no_overlap(["control_line", "heritage"])
    cap = cap_of(mineral) if mineral else None
    return [
        {"rule": "tunliu-4-2-1-1", "passed": rule1, "layers": read1},
        {"rule": "tunliu-4-2-1-5", "passed": in_blocks >= 1.0, "layers": []},
        {"rule": "tunliu-4-2-1-7", "passed": rule7, "layers": read7},
        {"rule": "block-cap", "passed": None if cap is None else len(blocks) <= cap[1],
         "layers": []},
    ]


def corner_points(parcels, style):
    """Expected corner points of each parcel: zone EPSG code, or 'dms'."""
    out = []
    for p in parcels:
        rings = []
        for ring in p["rings"]:
            if style == "dms":
                rings.append([[dms(lat), dms(lon)] for lon, lat in ring])
            else:
                fw = forward(style)
                rings.append([list(fw(lon, lat)) for lon, lat in ring])
        out.append({"id": p["id"], "rings": rings})
    return {"style": style, "parcels": out}


# ---------------------------------------------------------------------------
# cases
# ---------------------------------------------------------------------------
def evaluate(layers, case, parcels):
    polys = [polygon_of(p["rings"]) for p in parcels]
    whole = shapely.unary_union(polys) if len(polys) > 1 else polys[0]
    assert abs(geodesic_area(whole) - sum(geodesic_area(p) for p in polys)) < 1e-6, "parcels overlap"
    total = sum(geodesic_area(p) for p in polys)
    conflicts, adjacent, summaries, rank = [], [], [], 0
    for p, poly in zip(parcels, polys):
        area, found, adj, verdict = conflicts_of(layers, poly)
        for c in found:
            c["parcel"] = p["id"] if case["txt"] else None
        conflicts += found
        for a in adj:
            if a not in adjacent:
                adjacent.append(a)
        rank = max(rank, VERDICT.index(verdict))
        summaries.append({"id": p["id"], "name": p["name"],
                          "declared_area_ha": p["declared_area_ha"], "area_m2": area,
                          "verdict": verdict, "conflicts": len(found)})
    conflicts.sort(key=lambda c: (c["order"], -c["overlap_area_m2"]))
    blocks = blocks_of(whole)
    cut = [c["geom"] for c in conflicts if c["on_overlap"] == "reject"]
    net_geom = shapely.difference(whole, shapely.unary_union(cut)) if cut else whole
    net_area = geodesic_area(net_geom)
    q = case["query"]
    res = {
        "case": case["name"],
        "file": f"tests/fixtures/formats/{case['file']}",
        "query": q,
        "what": case["what"],
        "candidate_area_m2": total,
        "vertices": sum(len(r) for p in parcels for r in p["rings"]),
        "lon_lat": [[[list(v) for v in r] for r in p["rings"]] for p in parcels],
        "verdict": VERDICT[rank],
        "parcels": summaries if case["txt"] else [],
        "conflicts": [{"parcel": c["parcel"], "layer": c["layer"], "feature_id": c["feature_id"],
                       "overlap_area_m2": c["overlap_area_m2"],
                       "share_of_candidate": c["overlap_area_m2"] / total,
                       "share_of_feature": c["share_of_feature"]} for c in conflicts],
        "adjacent": adjacent,
        "basic_blocks": {
            "whole": sum(b["whole"] for b in blocks),
            "partial": sum(not b["whole"] for b in blocks),
            "touched": len(blocks),
            "area_in_blocks": sum(b["overlap_area_m2"] / b["block_area_m2"] for b in blocks),
            "blocks": [{k: v for k, v in b.items() if k != "cell"} for b in blocks],
        },
        "net": {"area_m2": net_area, "share_of_candidate": net_area / total},
        "findings": None,
        "corner_points": None,
        "snap": [snap(blocks, mode, m) for mode, m in case.get("snap", [])],
    }
    params = dict(kv.split("=", 1) for kv in q.lstrip("?").split("&") if kv)
    if params.get("kind") == "exploration_block":
        res["findings"] = findings_exploration(layers, conflicts, blocks, params.get("mineral"))
    if "corners" in params:
        style = params["corners"]
        style = "dms" if style == "dms" else (PREFIXED[int(style)] if style.isdigit() else style)
        res["corner_points"] = corner_points(parcels, style)
    return res


def main() -> int:
    layers = load_catalog()
    SAMPLE_DIR.mkdir(parents=True, exist_ok=True)
    OUT_DIR.mkdir(parents=True, exist_ok=True)

    samples = {}

    def sample(file, made):
        text, back = made
        (SAMPLE_DIR / file).write_text(text, encoding="utf-8")
        samples[file] = (text, back)

    sample("hole_zone38.txt", txt_file([HOLE], 38))
    sample("parcels_zone38.txt", txt_file(PARCELS, 38))
    sample("corners_4526.txt", corner_file(SOUTH_EAST, "EPSG:4526"))
    sample("corners_4547_no_prefix.txt", corner_file(LARGE_CLEAN, "EPSG:4526", strip_prefix=True))
    sample("corners_4525_zone37.txt", corner_file(WEST_37, "EPSG:4525"))
    sample("corners_dms_marks.txt", dms_file(GRID_DMS))
    sample("corners_dms_ascii.txt", dms_file(SMALL_SW, ascii_marks=True, lat_first=True))

    cases = [
        {"name": "txt_hole", "file": "hole_zone38.txt", "txt": True,
         "query": "?net=true&blocks=true&corners=EPSG:4526",
         "what": "TXT, one parcel with a hole (圈号 2) holding farmland 103; RL-1 and farmland 104",
         "snap": [("cover", None), ("inside", None)]},
        {"name": "txt_parcels", "file": "parcels_zone38.txt", "txt": True,
         "query": "?net=true&blocks=true&corners=dms",
         "what": "TXT, three parcels: KQ-01 clean, KQ-02 on RL-1 and PZ-02, KQ-03 on SA-2",
         "snap": [("cover", None)]},
        {"name": "corners_4526_red_line", "file": "corners_4526.txt", "txt": False,
         "query": "?kind=exploration_block&mineral=煤&net=true&blocks=true&corners=EPSG:4526",
         "what": "zone-prefixed corner list; an exploration block crossing the red line RL-3",
         "snap": [("cover", "煤"), ("inside", "煤")]},
        {"name": "corners_4547_zone38", "file": "corners_4547_no_prefix.txt", "txt": False,
         "query": "?zone=38&kind=exploration_block&mineral=煤&blocks=true&corners=EPSG:4526",
         "what": "eastings without zone prefix, zone=38; a clean exploration block of ~15 blocks",
         "snap": [("cover", "煤"), ("inside", "煤")]},
        {"name": "corners_4547_mineral_water", "file": "corners_4547_no_prefix.txt", "txt": False,
         "query": "?zone=EPSG:4547&format=corners&kind=exploration_block&mineral=矿泉水&blocks=true",
         "what": "the same with zone=EPSG:4547: over the mineral-water cap of 10 blocks",
         "snap": [("cover", "矿泉水"), ("inside", "矿泉水")]},
        {"name": "corners_4525_zone37", "file": "corners_4525_zone37.txt", "txt": False,
         "query": "?kind=exploration_block&mineral=铁&net=true&blocks=true&corners=37",
         "what": "zone 37 (west of 112.5°E), prefixed; RL-2 part A and farmland 101",
         "snap": [("cover", "铁")]},
        {"name": "dms_marks_grid", "file": "corners_dms_marks.txt", "txt": False,
         "query": "?kind=exploration_block&mineral=矿泉水&net=true&blocks=true&corners=38",
         "what": "DMS with ′″ marks; exactly 2×2 basic unit blocks, clean",
         "snap": [("cover", "矿泉水"), ("inside", "矿泉水")]},
        {"name": "dms_ascii_small", "file": "corners_dms_ascii.txt", "txt": False,
         "query": "?kind=exploration_block&mineral=矿泉水&net=true&blocks=true&corners=dms",
         "what": "DMS with ASCII d ' \", latitude first; under one block, on SA-3 (warn)",
         "snap": [("cover", None), ("inside", None)]},
    ]

    results = {}
    for case in cases:
        results[case["name"]] = evaluate(layers, case, samples[case["file"]][1])

    # ---- malformed files -------------------------------------------------
    se_text = samples["corners_4526.txt"][0].splitlines()
    swapped = [se_text[0], se_text[1]] + [
        ",".join([n, y, x]) for n, x, y in (line.split(",") for line in se_text[2:])]
    (SAMPLE_DIR / "bad_swapped_xy.txt").write_text("\n".join(swapped) + "\n", encoding="utf-8")

    hole_text = samples["hole_zone38.txt"][0]
    (SAMPLE_DIR / "bad_zone_mismatch.txt").write_text(
        hole_text.replace("带号=38", "带号=37"), encoding="utf-8")

    mixed = list(se_text)
    n, x, y = mixed[4].split(",")
    mixed[4] = ",".join([n, x, f"37{y[2:]}"])
    (SAMPLE_DIR / "bad_mixed_zones.txt").write_text("\n".join(mixed) + "\n", encoding="utf-8")

    txt_lines = hole_text.splitlines()
    last_outer = max(i for i, line in enumerate(txt_lines) if line.startswith("J1,1,"))
    unclosed = txt_lines[:last_outer] + txt_lines[last_outer + 1:]
    (SAMPLE_DIR / "bad_unclosed_ring.txt").write_text("\n".join(unclosed) + "\n", encoding="utf-8")

    nan_lines = list(txt_lines)
    bad_at = next(i for i, line in enumerate(nan_lines) if line.startswith("J3,1,"))
    j, r, x, y = nan_lines[bad_at].split(",")
    nan_lines[bad_at] = ",".join([j, r, x[:3] + "O" + x[4:], y])  # a letter O for a zero
    (SAMPLE_DIR / "bad_not_a_number.txt").write_text("\n".join(nan_lines) + "\n", encoding="utf-8")

    few = se_text[:4] + [se_text[2]]
    (SAMPLE_DIR / "bad_too_few_points.txt").write_text("\n".join(few) + "\n", encoding="utf-8")

    first_point_line = 3  # after the title and the heading
    errors = [
        ("bad_swapped_xy", "bad_swapped_xy.txt", "", 422, "axes-swapped", first_point_line,
         "corner list with Y (8 digits) before X (7 digits)"),
        ("bad_zone_mismatch", "bad_zone_mismatch.txt", "", 422, "zone-mismatch",
         txt_lines.index("[地块坐标]") + 3, "TXT declares 带号=37, eastings carry 38"),
        ("bad_mixed_zones", "bad_mixed_zones.txt", "", 422, "zone-mismatch", 5,
         "one easting of a zone-38 corner list carries 37"),
        ("bad_zone_parameter", "corners_4526.txt", "?zone=37", 422, "zone-mismatch",
         first_point_line, "zone=37 given, eastings carry 38"),
        ("bad_unknown_zone", "corners_4547_no_prefix.txt", "", 422, "unknown-zone", None,
         "eastings without prefix and no zone parameter"),
        ("bad_unclosed_ring", "bad_unclosed_ring.txt", "", 422, "unclosed-ring", None,
         "TXT whose outer ring does not repeat J1"),
        ("bad_not_a_number", "bad_not_a_number.txt", "", 422, "bad-coordinate-file", bad_at + 1,
         "TXT with a letter O in an X coordinate"),
        ("bad_too_few_points", "bad_too_few_points.txt", "", 422, "too-few-positions", None,
         "a ring of two distinct points"),
        ("bad_crs_for_txt", "hole_zone38.txt", "?crs=EPSG:4526", 400, "invalid-parameter", None,
         "crs applies to GeoJSON only"),
    ]
    # The malformed files are malformed the way they say.
    assert len(swapped[first_point_line - 1].split(",")[1]) == len("38000000.00")
    assert unclosed != txt_lines and "O" in nan_lines[bad_at]

    sanity_checks(results)

    for old in OUT_DIR.glob("*.json"):
        old.unlink()
    for name, res in results.items():
        write(name, res)
    for name, file, query, status, typ, line, what in errors:
        write(name, {"case": name, "file": f"tests/fixtures/formats/{file}", "query": query,
                     "what": what, "error": {"status": status, "type": f"/problems/{typ}",
                                             "line": line}})

    for name, res in results.items():
        b = res["basic_blocks"]
        conf = ", ".join(f"{c['layer']}:{c['feature_id']}" for c in res["conflicts"]) or "-"
        print(f"{name:28s} {res['verdict']:6s} area={res['candidate_area_m2'] / 1e6:.6f} km2 "
              f"blocks={b['touched']}({b['whole']} whole, {b['area_in_blocks']:.4f}) "
              f"net={res['net']['area_m2'] / 1e6:.6f} km2 [{conf}]")
    for name, *_ in errors:
        print(f"{name:28s} error")
    return 0


def write(name, res):
    text = json.dumps(res, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    (OUT_DIR / f"{name}.json").write_text(text, encoding="utf-8")


def sanity_checks(r):
    """Each case tests what it says."""
    def ids(case):
        return [(c["layer"], c["feature_id"]) for c in r[case]["conflicts"]]

    h = r["txt_hole"]
    assert ("ecological_redline", "RL-1") in ids("txt_hole")
    assert ("basic_farmland", 104) in ids("txt_hole")
    assert ("basic_farmland", 103) not in ids("txt_hole") and not h["adjacent"]
    assert h["verdict"] == "reject" and 0 < h["net"]["share_of_candidate"] < 1

    p = r["txt_parcels"]
    assert [s["verdict"] for s in p["parcels"]] == ["pass", "reject", "warn"]
    assert len({s["id"] for s in p["parcels"]}) == 3
    assert {c["parcel"] for c in p["conflicts"]} == {"KQ-02", "KQ-03"}

    se = r["corners_4526_red_line"]
    assert ("ecological_redline", "RL-3") in ids("corners_4526_red_line")
    assert [f["passed"] for f in se["findings"]] == [None, True, False, True]

    lc = r["corners_4547_zone38"]
    assert lc["verdict"] == "pass" and not lc["conflicts"] and not lc["adjacent"]
    assert [f["passed"] for f in lc["findings"]] == [None, True, True, True]
    mw = r["corners_4547_mineral_water"]
    assert [f["passed"] for f in mw["findings"]] == [None, True, True, False]
    assert [s["cap"]["within"] for s in mw["snap"]] == [False, True]
    assert abs(mw["candidate_area_m2"] / lc["candidate_area_m2"] - 1) < 1e-12

    w = r["corners_4525_zone37"]
    assert max(v[0] for v in w["lon_lat"][0][0]) < 112.5
    assert ("ecological_redline", "RL-2") in ids("corners_4525_zone37")
    assert ("basic_farmland", 101) in ids("corners_4525_zone37")

    g = r["dms_marks_grid"]
    assert (g["basic_blocks"]["whole"], g["basic_blocks"]["partial"]) == (4, 0)
    assert abs(g["basic_blocks"]["area_in_blocks"] - 4) < 1e-9
    assert [f["passed"] for f in g["findings"]] == [None, True, True, True]

    s = r["dms_ascii_small"]
    assert s["verdict"] == "warn" and ids("dms_ascii_small") == [("subsidence_areas", "SA-3")]
    assert max(v[0] for v in s["lon_lat"][0][0]) < 112.5
    assert s["basic_blocks"]["area_in_blocks"] < 1
    assert [f["passed"] for f in s["findings"]] == [None, False, True, True]
    assert s["net"]["area_m2"] == s["candidate_area_m2"]  # SA-3 only warns


if __name__ == "__main__":
    sys.exit(main())
