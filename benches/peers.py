#!/usr/bin/env python3
"""The peers' side of the comparison (`benches/run.sh` runs it).

    peers.py run DATA_DIR LAYER --pg DSN --http URL --reps N
        GEOS (shapely 2, best plan) and PostGIS on one generated layer, planmap
        over HTTP; checks that every engine returns the same features and areas
        as planmap in-process (results/planmap_layers_LAYER_fgb.json) and exits
        non-zero, loudly, if not. Writes results/peers_LAYER.json.
    peers.py report DATA_DIR
        The results table (Markdown) from everything in results/.

Areas: every engine's answer is compared as ellipsoid areas on CGCS2000 along
geodesic edges. planmap computes them itself; PostGIS computes them in the
query (geometry SRID 4490 cast to geography: GRS80 = CGCS2000's ellipsoid,
GeographicLib); for GEOS the timed part is the geometric work with planar
areas (its best plan), and the ellipsoid areas of its overlap geometries are
computed afterwards, untimed, with pyproj as tests/oracle does.
"""

import json
import statistics
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pyogrio.raw
import shapely
from pyproj import Geod

GEOD = Geod(a=6378137.0, rf=298.257222101)  # CGCS2000 / GRS80
MIN_OVERLAP_M2 = 0.01  # planmap: smaller overlaps are adjacency, not conflicts
REL = 1e-6
# Areas must agree to 1e-6 relative or 3e-5 m², whichever is larger. The
# floor was 1e-4 m² while planmap's boolean operations snapped slivers to
# i_overlay's grid over the whole feature; overlaps that snapping could move
# by more than 1e-5 m² are now measured exactly (src/geom/shared_area.rs).
# What is left is the peers' own floor: GeographicLib's area (pyproj.Geod,
# used here for GEOS's and PostGIS's overlaps) of a polygon a few metres
# across is off by up to ~2e-5 m² (a 3.66 m² overlap: GeographicLib
# 3.6570632, a local Lambert equal-area projection 3.6570509, planmap
# 3.6570510). The largest differences are reported.
ABS_M2 = 3e-5


def geodesic_area(geom) -> float:
    """|outer| - sum |holes| per polygon, as tests/oracle/oracle.py."""
    total = 0.0
    for part in shapely.get_parts(geom):
        if part.geom_type == "MultiPolygon":
            total += geodesic_area(part)
            continue
        if part.geom_type != "Polygon" or part.is_empty:
            continue
        a, _ = GEOD.polygon_area_perimeter(*part.exterior.xy)
        area = abs(a)
        for hole in part.interiors:
            a, _ = GEOD.polygon_area_perimeter(*hole.xy)
            area -= abs(a)
        total += area
    return total


def timed(fn, reps):
    out, times = None, []
    for _ in range(reps):
        t = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t) * 1e3)
    times.sort()
    return out, {"median_ms": statistics.median(times), "p99_ms": pct(times, 0.99), "runs": reps}


def pct(sorted_times, p):
    k = max(1, int(np.ceil(len(sorted_times) * p)))
    return sorted_times[min(k, len(sorted_times)) - 1]


# --- GEOS / shapely -----------------------------------------------------------
def geos_check(tree, parcels, c):
    """STRtree probe, contains_properly for parcels wholly inside, the rest
    clipped: candidate cut to each parcel's box (clip_by_rect), then intersected."""
    idx = tree.query(c)
    hits = parcels[idx]
    inside = shapely.contains_properly(c, hits)
    rest_idx, rest = idx[~inside], hits[~inside]
    # clip_by_rect takes one box per call (shapely 2.1)
    local = np.array([shapely.clip_by_rect(c, *box) for box in shapely.bounds(rest)], dtype=object)
    overlap = shapely.intersection(local, rest)
    planar = shapely.area(overlap)
    keep = planar > 0
    return idx[inside], shapely.area(hits[inside]), rest_idx[keep], overlap[keep], planar[keep]


# --- PostGIS --------------------------------------------------------------------
CANDIDATE = "ST_SetSRID(ST_GeomFromGeoJSON(%(c)s), 4490)"
AREAS_SQL = f"""
WITH c AS MATERIALIZED (SELECT {CANDIDATE} AS g)
SELECT p.id,
       CASE WHEN ST_Covers(c.g, p.geom) THEN p.area_m2
            ELSE ST_Area(ST_Intersection(c.g, p.geom)::geography) END
FROM {{table}} p, c
WHERE ST_Intersects(c.g, p.geom)"""
GEOMETRY_SQL = f"""
WITH c AS MATERIALIZED (SELECT {CANDIDATE} AS g)
SELECT id, CASE WHEN covered THEN area_m2 ELSE ST_Area(g::geography) END, ST_AsGeoJSON(g)
FROM (SELECT p.id, p.area_m2, x.covered,
             CASE WHEN x.covered THEN p.geom ELSE ST_Intersection(c.g, p.geom) END AS g
      FROM {{table}} p, c, LATERAL (SELECT ST_Covers(c.g, p.geom) AS covered) x
      WHERE ST_Intersects(c.g, p.geom)) s"""


def postgis_table(conn, dsn: str, data: Path, layer: str) -> str:
    """Loads the layer with ogr2ogr (once), adds each parcel's ellipsoid area
    (planmap precomputes it too) and a GiST index."""
    import subprocess

    table = f"parcels_{layer}"
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)", (table,))
        if cur.fetchone()[0] is not None:
            return table
        t = time.perf_counter()
        subprocess.run(
            ["ogr2ogr", "-f", "PostgreSQL", f"PG:{dsn}", str(data / f"parcels_{layer}.fgb"),
             "-nln", f"staging_{layer}", "-lco", "GEOMETRY_NAME=geom", "-lco", "SPATIAL_INDEX=NONE",
             "-lco", "FID=ogc_fid", "--config", "PG_USE_COPY", "YES", "-overwrite"],
            check=True,
        )
        cur.execute(f"CREATE TABLE {table} AS SELECT id, geom, ST_Area(geom::geography) AS area_m2 "
                    f"FROM staging_{layer}")
        cur.execute(f"DROP TABLE staging_{layer}")
        cur.execute(f"CREATE INDEX ON {table} USING gist (geom)")
        cur.execute(f"ALTER TABLE {table} ADD PRIMARY KEY (id)")
        conn.commit()
        conn.autocommit = True
        cur.execute(f"VACUUM ANALYZE {table}")
        conn.autocommit = False
        print(f"postgis: loaded {table} in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    return table


# --- comparison -------------------------------------------------------------------
WORST = {}


def compare(case, engine, expected: dict, actual: dict, failures: list):
    """Same features (beyond the adjacency threshold) and areas within 1e-6."""
    for fid in expected.keys() | actual.keys():
        e, a = expected.get(fid), actual.get(fid)
        if e is None or a is None:
            present = e if a is None else a
            if present > 2 * MIN_OVERLAP_M2:
                failures.append(f"{case}: {engine}: feature {fid} only in "
                                f"{'planmap' if a is None else engine} ({present} m²)")
            continue
        diff = abs(e - a)
        worst = WORST.setdefault(engine, {"abs_m2": 0.0, "rel_over_100m2": 0.0})
        worst["abs_m2"] = max(worst["abs_m2"], diff)
        if e >= 100:
            worst["rel_over_100m2"] = max(worst["rel_over_100m2"], diff / e)
        if diff > max(REL * max(abs(e), abs(a)), ABS_M2):
            failures.append(f"{case}: {engine}: feature {fid}: planmap {e} m², {engine} {a} m²")


def run(data: Path, layer: str, pg: str, http: str, reps: int):
    import psycopg

    planmap = json.loads((data / "results" / f"planmap_layers_{layer}_fgb.json").read_text())
    candidates = {p.stem: p.read_text() for p in sorted((data / "candidates").glob("*.json"))}
    failures, cases = [], []

    t = time.perf_counter()
    _, _, geometry, fields = pyogrio.raw.read(data / f"parcels_{layer}.fgb", return_fids=False)
    parcels = shapely.from_wkb(geometry)
    del geometry
    ids = fields[0]
    tree = shapely.STRtree(parcels)
    print(f"geos: {len(parcels)} parcels read and indexed in {time.perf_counter() - t:.1f} s",
          file=sys.stderr)

    conn = psycopg.connect(pg)
    table = postgis_table(conn, pg, data, layer)
    with conn.cursor() as cur:
        cur.execute("SET jit = off")

    for case in planmap["cases"]:
        name = case["candidate"]
        expected = {k: float(v) for k, v in case["answer"].items()}
        body = candidates[name]
        row = {"candidate": name, "hits": len(expected)}

        c = shapely.from_geojson(body)
        shapely.prepare(c)
        geos_reps = max(3, reps // 3)
        (inside_idx, _, clipped_idx, overlap, _), row["geos"] = timed(
            lambda: geos_check(tree, parcels, c), geos_reps)
        geos = {str(ids[i]): geodesic_area(parcels[i]) for i in inside_idx}
        geos.update({str(ids[i]): geodesic_area(g) for i, g in zip(clipped_idx, overlap)})
        compare(name, "GEOS", expected, {k: v for k, v in geos.items() if v > MIN_OVERLAP_M2},
                failures)

        with conn.cursor() as cur:
            pg_reps = max(3, reps // 3)
            def q(sql):
                cur.execute(sql.format(table=table), {"c": body})
                return cur.fetchall()
            _, row["postgis_areas"] = timed(lambda: q(AREAS_SQL), pg_reps)
            rows, row["postgis_geometry"] = timed(lambda: q(GEOMETRY_SQL), pg_reps)
            row["postgis_geometry"]["answer_bytes"] = sum(len(r[2]) for r in rows)
        compare(name, "PostGIS", expected,
                {str(r[0]): r[1] for r in rows if r[1] > MIN_OVERLAP_M2}, failures)

        def post():
            req = urllib.request.Request(f"{http}/check?layers=parcels", data=body.encode(),
                                         headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req) as resp:
                return resp.read()
        answer, row["http"] = timed(post, reps)
        row["http"]["answer_bytes"] = len(answer)
        report = json.loads(answer)
        compare(name, "planmap HTTP", expected,
                {str(f["properties"]["feature_id"]): f["properties"]["overlap_area_m2"]
                 for f in report["conflicts"]["features"]}, failures)
        print(f"peers: {layer} {name}: GEOS {row['geos']['median_ms']:.1f} ms, PostGIS "
              f"{row['postgis_areas']['median_ms']:.1f} / {row['postgis_geometry']['median_ms']:.1f} ms,"
              f" planmap HTTP {row['http']['median_ms']:.1f} ms", file=sys.stderr)
        cases.append(row)

    (data / "results" / f"peers_{layer}.json").write_text(
        json.dumps({"cases": cases, "largest_area_differences": WORST}, indent=1))
    print(f"peers: {layer}: largest area differences from planmap: {WORST}", file=sys.stderr)
    if failures:
        print(f"\nENGINES DISAGREE on layer {layer} ({len(failures)} differences):", file=sys.stderr)
        for f in failures[:50]:
            print("  " + f, file=sys.stderr)
        sys.exit(1)
    print(f"peers: {layer}: all engines agree on every candidate", file=sys.stderr)


# --- report ---------------------------------------------------------------------------
def report(data: Path):
    res = data / "results"
    out = []
    layers = [l for l in ("100k", "1m", "5m") if (res / f"peers_{l}.json").exists()]
    out.append("| layer | candidate | hits | planmap engine | planmap HTTP | GEOS best plan | "
               "PostGIS areas | PostGIS + geometry | engine / GEOS | HTTP / PostGIS + geometry |")
    out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    fmt = lambda m: f"{m['median_ms']:.1f} / {m['p99_ms']:.1f}"
    for layer in layers:
        pm = json.loads((res / f"planmap_layers_{layer}_fgb.json").read_text())
        peers = {c["candidate"]: c for c in json.loads((res / f"peers_{layer}.json").read_text())["cases"]}
        for case in pm["cases"]:
            p = peers[case["candidate"]]
            out.append(
                f"| {pm['features']:,} | {case['candidate']} | {case['hits']:,} | {fmt(case)} | "
                f"{fmt(p['http'])} | {fmt(p['geos'])} | {fmt(p['postgis_areas'])} | "
                f"{fmt(p['postgis_geometry'])} | {case['median_ms'] / p['geos']['median_ms']:.3f} | "
                f"{p['http']['median_ms'] / p['postgis_geometry']['median_ms']:.3f} |")
    out.append("")
    out.append("| layer | load from FlatGeobuf | resident bytes per parcel (index included) |")
    out.append("| --- | ---: | ---: |")
    for f in sorted(res.glob("planmap_layers_*.json")):
        pm = json.loads(f.read_text())
        out.append(f"| {pm['features']:,} ({pm['file']}) | {pm['load_s']:.2f} s | "
                   f"{pm['rss_bytes_per_feature']:.0f} |")
    out.append("")
    out.append("Serialising the answer (planmap, JSON with overlap geometries):")
    out.append("")
    out.append("| layer | candidate | bytes | serialise median |")
    out.append("| --- | --- | ---: | ---: |")
    for layer in layers:
        pm = json.loads((res / f"planmap_layers_{layer}_fgb.json").read_text())
        for case in pm["cases"]:
            out.append(f"| {pm['features']:,} | {case['candidate']} | {case['answer_bytes']:,} | "
                       f"{case['serialise_median_ms']:.1f} ms |")
    out.append("")
    for layer in layers:
        worst = json.loads((res / f"peers_{layer}.json").read_text())["largest_area_differences"]
        out.append(f"Largest area differences from planmap in-process, layer {layer}: " + "; ".join(
            f"{engine} {w['abs_m2']:.1e} m² absolute, {w['rel_over_100m2']:.1e} relative on overlaps ≥ 100 m²"
            for engine, w in worst.items()))
    text = "\n".join(out) + "\n"
    for extra in sorted(res.glob("wrk_*.txt")):
        text += f"\n{extra.stem}:\n\n```\n{extra.read_text().strip()}\n```\n"
    (res / "results.md").write_text(text)
    print(text)


if __name__ == "__main__":
    if sys.argv[1:2] == ["report"]:
        report(Path(sys.argv[2]))
    elif sys.argv[1:2] == ["run"]:
        import argparse

        ap = argparse.ArgumentParser()
        ap.add_argument("cmd")
        ap.add_argument("data", type=Path)
        ap.add_argument("layer")
        ap.add_argument("--pg", required=True)
        ap.add_argument("--http", required=True)
        ap.add_argument("--reps", type=int, default=20)
        a = ap.parse_args()
        run(a.data, a.layer, a.pg, a.http, a.reps)
    else:
        print(__doc__)
        sys.exit(2)
