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


def load(layer):
    return json.loads((ROOT / "layers" / f"{layer}.geojson").read_text())["features"]


def tally(groups, key_values, kind, m):
    """Adds one measured feature to the group of its key values."""
    key = tuple(json.dumps(v, ensure_ascii=False) for _, v in key_values)
    g = groups.setdefault(key, {"key": dict(key_values), "count": 0, "areas": 0, "area_m2": 0.0,
                                "lines": 0, "length_m": 0.0, "points": 0})
    g["count"] += 1
    if kind == "area":
        g["areas"] += 1
        g["area_m2"] += m
    elif kind == "line":
        g["lines"] += 1
        g["length_m"] += m
    else:
        g["points"] += 1


def finished(groups):
    out = [groups[k] for k in sorted(groups)]
    for g in out:
        g["area_m2"] = round(g["area_m2"], 4)
        g["length_m"] = round(g["length_m"], 4)
    return out


def stats(layer, group_by, keep=lambda f: True):
    groups = {}
    for f in load(layer):
        if keep(f):
            kind, m = measure(f["geometry"])
            tally(groups, [(k, f["properties"].get(k)) for k in group_by], kind, m)
    return finished(groups)


def inside_stats(layer, around, group_by, keep=lambda f: True, only=None):
    """Pairwise: each feature of `layer` with each area of `around` it meets
    in more than 0.01 m² (a line: in a positive length), measured by
    shapely's intersection and pyproj's geodesic area or length."""
    from shapely.strtree import STRtree
    measured = [f for f in load(layer) if keep(f)]
    shapes = [shape(f["geometry"]) for f in measured]
    tree = STRtree(shapes)
    groups = {}
    for b in load(around):
        if only is not None and b["id"] != only:
            continue
        bg = shape(b["geometry"])
        if bg.geom_type not in ("Polygon", "MultiPolygon"):
            continue
        for i in tree.query(bg):
            a, ag = measured[i], shapes[i]
            part = ag.intersection(bg)
            if part.is_empty:
                continue
            kind, m = measure(part.__geo_interface__) if part.geom_type != "GeometryCollection" else ("none", 0)
            if ag.geom_type in ("Polygon", "MultiPolygon"):
                if part.geom_type not in ("Polygon", "MultiPolygon"):
                    polys = [g for g in getattr(part, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
                    m = sum(abs(GEOD.geometry_area_perimeter(g)[0]) for g in polys)
                if m <= 0.01:
                    continue
                kind = "area"
            elif ag.geom_type in ("LineString", "MultiLineString"):
                lines = [part] if part.geom_type in ("LineString", "MultiLineString") else [g for g in getattr(part, "geoms", []) if g.geom_type in ("LineString", "MultiLineString")]
                m = sum(GEOD.geometry_length(g) for g in lines)
                if m <= 0:
                    continue
                kind = "line"
            else:
                kind, m = "point", 0.0
            key_values = []
            for k in group_by:
                if k.startswith(around + "."):
                    key_values.append((k, b["properties"].get(k[len(around) + 1:])))
                else:
                    key_values.append((k, a["properties"].get(k)))
            tally(groups, key_values, kind, m)
    return finished(groups)


def cases():
    farmland_box = (112.85, 36.25, 113.0, 36.4)
    return [
        {"layer": "basic_farmland", "query": "inside=subsidence_areas&group_by=subsidence_areas.remediated",
         "groups": inside_stats("basic_farmland", "subsidence_areas", ["subsidence_areas.remediated"])},
        {"layer": "basic_farmland", "query": "inside=national_mining_areas&group_by=national_mining_areas.name",
         "groups": inside_stats("basic_farmland", "national_mining_areas", ["national_mining_areas.name"])},
        {"layer": "basic_farmland", "query": "inside=national_mining_areas/GK2&group_by=national_mining_areas.name",
         "groups": inside_stats("basic_farmland", "national_mining_areas", ["national_mining_areas.name"], only="GK2")},
        {"layer": "ground_fissures", "query": "inside=subsidence_areas&group_by=subsidence_area,subsidence_areas.remediated",
         "groups": inside_stats("ground_fissures", "subsidence_areas", ["subsidence_area", "subsidence_areas.remediated"])},
        {"layer": "subsidence_areas", "query": "inside=national_mining_areas&group_by=national_mining_areas.name&filter=remediated%20%3D%20true",
         "groups": inside_stats("subsidence_areas", "national_mining_areas", ["national_mining_areas.name"], lambda f: f["properties"].get("remediated") is True)},
        {"layer": "mining_rights", "query": "inside=energy_bases&group_by=mineral,energy_bases.name",
         "groups": inside_stats("mining_rights", "energy_bases", ["mineral", "energy_bases.name"])},
        {"layer": "townships", "query": "inside=districts&group_by=kind,districts.name",
         "groups": inside_stats("townships", "districts", ["kind", "districts.name"])},
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
