"""Expected nearest features (POST /check?nearest=true) of candidates over
the demo layers, computed independently: each candidate and feature taken
by PROJ (pyproj) to an azimuthal equidistant projection about the
candidate's box centre on GRS80 (CGCS2000's ellipsoid), the nearest points
found by GEOS (shapely's nearest_points), and the distance between them
measured back on the ellipsoid by pyproj's Geod (GeographicLib). A layer
the candidate overlaps (a shared area, a line or point inside) has no entry.

Writes tests/oracle/expected_nearest/cases.json; tests/nearest_matches_oracle.rs
compares planmap's answers with it. CI regenerates it and fails on a diff.
"""
import json
import tomllib
from pathlib import Path

from pyproj import Geod, Transformer
from shapely.geometry import Polygon, mapping, shape
from shapely.ops import nearest_points, transform

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests/oracle/expected_nearest"
GEOD = Geod(a=6378137.0, rf=298.257222101)  # CGCS2000 / GRS80


def rect(w, s, e, n):
    return Polygon([(w, s), (e, s), (e, n), (w, n)])


# Candidates: blocks among the demo layers of 屯留, one in the far west of
# the district, one beyond its eastern edge (the search reaches out), one in
# 阳城 (points and rights to the south), a concave one with a hole.
CANDIDATES = {
    "small_block_among_farmland": rect(112.700, 36.300, 112.706, 36.304),
    "west_of_the_district": rect(112.30, 36.25, 112.32, 36.27),
    "east_beyond_the_district": rect(113.30, 36.30, 113.33, 36.33),
    "yangcheng_block": rect(112.48, 35.48, 112.50, 35.50),
    "concave_with_a_hole": Polygon(
        [(112.80, 36.24), (112.84, 36.24), (112.84, 36.28), (112.82, 36.26), (112.80, 36.28)],
        [[(112.805, 36.245), (112.805, 36.25), (112.81, 36.25), (112.81, 36.245)]],
    ),
}


def layers():
    catalog = tomllib.loads((ROOT / "layers" / "catalog.toml").read_text())
    for entry in catalog["layer"]:
        features = json.loads((ROOT / "layers" / entry["file"]).read_text())["features"]
        yield entry["id"], features


def overlaps(candidate, g):
    """What a check reports as an overlap: a shared area, a line inside, a point inside."""
    if not candidate.intersects(g):
        return False
    inter = candidate.intersection(g)
    if g.geom_type in ("Polygon", "MultiPolygon"):
        return inter.area > 0
    if g.geom_type in ("LineString", "MultiLineString"):
        return inter.length > 0
    return not candidate.boundary.contains(g)


def nearest(candidate, features):
    minx, miny, maxx, maxy = candidate.bounds
    lon0, lat0 = (minx + maxx) / 2, (miny + maxy) / 2
    to_plane = Transformer.from_crs(
        "EPSG:4490",
        f"+proj=aeqd +lat_0={lat0!r} +lon_0={lon0!r} +ellps=GRS80 +units=m +no_defs",
        always_xy=True,
    )
    back = Transformer.from_crs(to_plane.target_crs, "EPSG:4490", always_xy=True)
    planar = transform(to_plane.transform, candidate)
    found = []
    for f in features:
        g = transform(to_plane.transform, shape(f["geometry"]))
        pa, pb = nearest_points(planar, g)
        (lon_a, lat_a), (lon_b, lat_b) = back.transform(pa.x, pa.y), back.transform(pb.x, pb.y)
        d = 0.0 if pa.equals(pb) else GEOD.inv(lon_a, lat_a, lon_b, lat_b)[2]
        found.append((d, f["id"]))
    if not found:
        return None
    d = min(found, key=lambda x: x[0])[0]
    # Features as near as the nearest, to a centimetre (neighbours sharing
    # the nearest edge): any of them is the right answer.
    return d, sorted((i for e, i in found if e <= d + 0.01), key=str)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    all_layers = list(layers())
    cases = []
    for name, candidate in CANDIDATES.items():
        expected = {}
        for layer, features in all_layers:
            if any(overlaps(candidate, shape(f["geometry"])) for f in features):
                continue
            found = nearest(candidate, features)
            if found is None:
                continue
            d, ids = found
            expected[layer] = {"feature_ids": ids, "distance_m": round(d, 4)}
        cases.append({"name": name, "candidate": mapping(candidate), "nearest": expected})
    text = json.dumps({"cases": cases}, ensure_ascii=False, indent=1, sort_keys=True)
    (OUT / "cases.json").write_text(text + "\n", encoding="utf-8")
    print(f"{len(cases)} candidates, {sum(len(c['nearest']) for c in cases)} nearest features")


if __name__ == "__main__":
    main()
