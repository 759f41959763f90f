"""Expected protection-buffer conflicts (POST /check?buffer=LAYER:METRES) of
candidates over the demo layers, computed independently.

Each candidate and feature is taken by PROJ (pyproj) to an azimuthal
equidistant projection about the candidate's box centre on GRS80
(CGCS2000's ellipsoid), after every edge longer than 500 m is divided along
its geodesic (pyproj's Geod.npts). There GEOS (shapely) finds the nearest
points, whose distance is measured back on the ellipsoid (Geod.inv), and
buffers the feature with round joins and ends (arc segments with a sagitta
of at most 2 mm), intersects the buffer with the candidate, and the part is
taken back to longitude/latitude, where its ellipsoid area is Geod's.

A feature is within its layer's buffer when its distance is below the
buffer (the catalog's `buffer_m`, or the wider one asked for). Features the
candidate meets are 0 m away.

Writes tests/oracle/expected_buffer/cases.json; tests/buffers_match_oracle.rs
compares planmap's answers with it. CI regenerates it and fails on a diff.
"""
import json
import math
import tomllib
from pathlib import Path

from pyproj import Geod, Transformer
from shapely.geometry import LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon, mapping, shape
from shapely.ops import nearest_points, transform

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests/oracle/expected_buffer"
GEOD = Geod(a=6378137.0, rf=298.257222101)  # CGCS2000 / GRS80
LONGEST_EDGE_M = 500.0
SAGITTA_M = 0.002


def rect(w, s, e, n):
    return Polygon([(w, s), (e, s), (e, n), (w, n)])


# Candidates near features of each kind: a ground fissure (lines), a closed
# mine (points), the airfield strip (an area, apart), a road corridor (an
# area the candidate crosses), and a concave block with a hole beside the
# existing rights. Each with the buffers a check asks for.
CASES = [
    ("beside_a_fissure", rect(112.8893, 36.2530, 112.8905, 36.2540), {"ground_fissures": 80.0}),
    ("among_fissures", rect(112.966, 36.292, 112.976, 36.299), {"ground_fissures": 400.0}),
    ("near_a_closed_mine", rect(112.3745, 35.5820, 112.3760, 35.5835), {"yangcheng_closures": 300.0}),
    ("south_of_the_airfield", rect(112.920, 36.3490, 112.930, 36.3515), {"prohibited_zones": 200.0}),
    ("across_a_road_corridor", rect(112.870, 36.200, 112.882, 36.206), {"prohibited_zones": 150.0, "ground_fissures": 500.0}),
    (
        "concave_with_a_hole",
        Polygon(
            [(112.80, 36.24), (112.84, 36.24), (112.84, 36.28), (112.82, 36.26), (112.80, 36.28)],
            [[(112.805, 36.245), (112.805, 36.25), (112.81, 36.25), (112.81, 36.245)]],
        ),
        {"mining_rights": 2500.0, "prohibited_zones": 400.0},
    ),
]


def catalog():
    entries = tomllib.loads((ROOT / "layers" / "catalog.toml").read_text())["layer"]
    return {e["id"]: e for e in entries}


def densify(coords):
    out = []
    for (x1, y1), (x2, y2) in zip(coords, coords[1:]):
        out.append((x1, y1))
        _, _, s = GEOD.inv(x1, y1, x2, y2)
        pieces = math.ceil(s / LONGEST_EDGE_M)
        if pieces > 1:
            out.extend(GEOD.npts(x1, y1, x2, y2, pieces - 1))
    out.append(tuple(coords[-1]))
    return out


def densified(g):
    if isinstance(g, Polygon):
        return Polygon(densify(list(g.exterior.coords)), [densify(list(h.coords)) for h in g.interiors])
    if isinstance(g, MultiPolygon):
        return MultiPolygon([densified(p) for p in g.geoms])
    if isinstance(g, LineString):
        return LineString(densify(list(g.coords)))
    if isinstance(g, MultiLineString):
        return MultiLineString([densified(line) for line in g.geoms])
    return g


def geodesic_area(g):
    if g.is_empty:
        return 0.0
    polygons = [g] if isinstance(g, Polygon) else [p for p in getattr(g, "geoms", []) if isinstance(p, Polygon)]
    return sum(abs(GEOD.geometry_area_perimeter(p)[0]) for p in polygons)


def meets(candidate, g):
    return candidate.intersects(g)


def within_buffers(candidate, features, buffer_m):
    minx, miny, maxx, maxy = candidate.bounds
    lon0, lat0 = (minx + maxx) / 2, (miny + maxy) / 2
    to_plane = Transformer.from_crs(
        "EPSG:4490",
        f"+proj=aeqd +lat_0={lat0!r} +lon_0={lon0!r} +ellps=GRS80 +units=m +no_defs",
        always_xy=True,
    )
    back = Transformer.from_crs(to_plane.target_crs, "EPSG:4490", always_xy=True)
    planar = transform(to_plane.transform, densified(candidate))
    angle = min(2 * math.acos(1 - SAGITTA_M / buffer_m), 2 * math.pi / 256)
    quad_segs = math.ceil((math.pi / 2) / angle)
    found = []
    for f in features:
        g = shape(f["geometry"])
        # Only features whose box comes within reach (a degree is over 80 km here).
        gx0, gy0, gx1, gy1 = g.bounds
        pad = buffer_m / 80_000.0 + 0.01
        if gx1 < minx - pad or gx0 > maxx + pad or gy1 < miny - pad or gy0 > maxy + pad:
            continue
        if meets(candidate, g):
            d = 0.0
        else:
            gp = transform(to_plane.transform, densified(g))
            pa, pb = nearest_points(planar, gp)
            (lon_a, lat_a), (lon_b, lat_b) = back.transform(pa.x, pa.y), back.transform(pb.x, pb.y)
            d = GEOD.inv(lon_a, lat_a, lon_b, lat_b)[2]
        if d >= buffer_m:
            continue
        gp = transform(to_plane.transform, densified(g))
        part = planar.intersection(gp.buffer(buffer_m, quad_segs=quad_segs))
        area = geodesic_area(transform(back.transform, part))
        found.append({"feature_id": f["id"], "distance_m": round(d, 4), "area_m2": round(area, 3)})
    return sorted(found, key=lambda x: (x["distance_m"], str(x["feature_id"])))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    entries = catalog()
    cases = []
    for name, candidate, asked in CASES:
        expected = {}
        # Every layer with a buffer: the catalog's, widened by the one asked for.
        layers = {i for i, e in entries.items() if "buffer_m" in e} | set(asked)
        for layer in sorted(layers):
            buffer_m = max(entries[layer].get("buffer_m", 0.0), asked.get(layer, 0.0))
            features = json.loads((ROOT / "layers" / entries[layer]["file"]).read_text())["features"]
            expected[layer] = {"buffer_m": buffer_m, "within": within_buffers(candidate, features, buffer_m)}
        cases.append(
            {
                "name": name,
                "candidate": mapping(candidate),
                "buffer": ",".join(f"{k}:{v:g}" for k, v in asked.items()),
                "layers": expected,
            }
        )
    text = json.dumps({"cases": cases}, ensure_ascii=False, indent=1, sort_keys=True)
    (OUT / "cases.json").write_text(text + "\n", encoding="utf-8")
    print(f"{len(cases)} candidates, {sum(len(l['within']) for c in cases for l in c['layers'].values())} features within buffers")


if __name__ == "__main__":
    main()
