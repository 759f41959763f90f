"""Expected statistics (GET /collections/{id}/stats) of the demo layers,
computed independently: each feature's ellipsoid area by pyproj's Geod
(GeographicLib, CGCS2000/GRS80) over shapely's geometry, lines' geodesic
lengths the same way, the selection (box, filter) evaluated here in Python.

Writes tests/oracle/expected_stats/cases.json; tests/stats_match_oracle.rs
compares planmap's answers with it. CI regenerates it and fails on a diff.
"""
import json
from collections import OrderedDict
from pathlib import Path

from pyproj import Geod
from shapely.geometry import box, shape

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests/oracle/expected_stats"
GEOD = Geod(a=6378137.0, rf=298.257222101)  # CGCS2000 / GRS80


def measure(geometry):
    g = shape(geometry)
    if g.geom_type in ("Polygon", "MultiPolygon"):
        return "area", abs(GEOD.geometry_area_perimeter(g)[0])
    if g.geom_type in ("LineString", "MultiLineString"):
        return "line", GEOD.geometry_length(g)
    return "point", 0.0


def stats(layer, group_by, keep=lambda f: True):
    features = json.loads((ROOT / "layers" / f"{layer}.geojson").read_text())["features"]
    groups = {}
    for f in features:
        if not keep(f):
            continue
        key = tuple(json.dumps(f["properties"].get(k), ensure_ascii=False) for k in group_by)
        kind, m = measure(f["geometry"])
        g = groups.setdefault(key, {"key": {k: f["properties"].get(k) for k in group_by},
                                    "count": 0, "areas": 0, "area_m2": 0.0, "lines": 0, "length_m": 0.0, "points": 0})
        g["count"] += 1
        if kind == "area":
            g["areas"] += 1
            g["area_m2"] += m
        elif kind == "line":
            g["lines"] += 1
            g["length_m"] += m
        else:
            g["points"] += 1
    out = [groups[k] for k in sorted(groups)]
    for g in out:
        g["area_m2"] = round(g["area_m2"], 4)
        g["length_m"] = round(g["length_m"], 4)
    return out


def cases():
    farmland_box = (112.85, 36.25, 113.0, 36.4)
    return [
        {"layer": "mining_rights", "query": "group_by=mineral,status",
         "groups": stats("mining_rights", ["mineral", "status"])},
        {"layer": "subsidence_areas", "query": "group_by=remediated",
         "groups": stats("subsidence_areas", ["remediated"])},
        {"layer": "ground_fissures", "query": "group_by=subsidence_area",
         "groups": stats("ground_fissures", ["subsidence_area"])},
        {"layer": "subsidence_areas", "query": "group_by=remediated_as&filter=remediated%20%3D%20true",
         "groups": stats("subsidence_areas", ["remediated_as"], lambda f: f["properties"].get("remediated") is True)},
        {"layer": "basic_farmland", "query": "bbox=" + ",".join(map(str, farmland_box)),
         "groups": stats("basic_farmland", [], lambda f: shape(f["geometry"]).intersects(box(*farmland_box)))},
        {"layer": "prohibited_zones", "query": "group_by=zone_type&filter=name%20LIKE%20%27%25%E5%B7%A5%E4%B8%9A%E5%9B%AD%25%27",
         "groups": stats("prohibited_zones", ["zone_type"], lambda f: "工业园" in (f["properties"].get("name") or ""))},
    ]


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    (OUT / "cases.json").write_text(json.dumps(cases(), ensure_ascii=False, indent=1) + "\n")
