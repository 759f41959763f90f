#!/usr/bin/env python3
"""planmap's distance analyses against PostGIS on the same generated layer, in
the same run (`ANALYSES_ONLY=1 benches/run.sh`, or after the tile rows):

    analyses.py DATA_DIR LAYER --pg DSN --http URL --reps N

- nearest: `POST /check?nearest=parcels` against PostGIS's usual nearest
  query (the 16 nearest boxes by the GiST index's `<->`, then
  `ST_Distance` on geography, the least of them);
- buffer: `POST /check?buffer=parcels:M` against `ST_DWithin` on geography
  (with the index's `&&` on the box widened by the distance first),
  `ST_Distance` and the area of `ST_Intersection` with `ST_Buffer` on
  geography for each parcel found.

The candidates are 1 km squares east of the layer's extent (inside it every
candidate overlaps parcels, and nearest has nothing to say): 300 m, 3 km
and 20 km beyond its edge. Both engines must find the same nearest parcel
(or one as near, to a centimetre) at the same distance (0.1 m), and the same
parcels within each buffer, or this exits non-zero. Medians of N runs; the
ratio is planmap / PostGIS. Writes results/analyses_LAYER.md.
"""

import argparse
import json
import statistics
import sys
import time
import urllib.request
from pathlib import Path

from peers import postgis_table


def square(west, south, size_deg_x, size_deg_y):
    return {
        "type": "Polygon",
        "coordinates": [[[west, south], [west + size_deg_x, south], [west + size_deg_x, south + size_deg_y],
                         [west, south + size_deg_y], [west, south]]],
    }


def post(http, path, body, timeout=120):
    req = urllib.request.Request(http + path, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/geo+json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read())


def arguments(reps, ap=None):
    """DATA_DIR LAYER --pg DSN --http URL --reps N, as every script here takes them."""
    ap = ap or argparse.ArgumentParser()
    ap.add_argument("data", type=Path)
    ap.add_argument("layer")
    ap.add_argument("--pg", required=True)
    ap.add_argument("--http", required=True)
    ap.add_argument("--reps", type=int, default=reps)
    return ap.parse_args()


def finish(a, kind, what, rows, failures):
    """Writes results/KIND_LAYER.md, a row (name, answer, planmap ms,
    PostGIS ms) each with the ratio, prints it, and exits non-zero when the
    engines disagreed."""
    out = [f"| {what} ({a.layer} parcels) | answer | planmap HTTP (ms) | PostGIS (ms) | planmap / PostGIS |",
           "| --- | --- | ---: | ---: | ---: |"]
    for name, answer, ms, pg_ms in rows:
        r = ms / pg_ms
        out.append(f"| {name} | {answer} | {ms:.1f} | {pg_ms:.1f} | {r:.2f} |" if r >= 0.01 else
                   f"| {name} | {answer} | {ms:.1f} | {pg_ms:.1f} | {r:.4f} |")
    text = "\n".join(out) + "\n"
    (a.data / "results" / f"{kind}_{a.layer}.md").write_text(text)
    print(text)
    if failures:
        print("DISAGREE:\n  " + "\n  ".join(failures), file=sys.stderr)
        sys.exit(1)


def timed(fn, reps):
    out, times = None, []
    for _ in range(reps):
        t = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t) * 1000)
    return out, statistics.median(times)


def main():
    import psycopg

    a = arguments(10)

    conn = psycopg.connect(a.pg)
    table = postgis_table(conn, a.pg, a.data, a.layer)
    with conn.cursor() as cur:
        cur.execute("SET jit = off")
        cur.execute(f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) e FROM {table}) x")
        west, south, east, north = cur.fetchone()
    mid = (south + north) / 2
    # About 90 km a degree of longitude at 36°N, 111 km of latitude.
    deg_x, deg_y = 1 / 90.0, 1 / 111.0
    failures, rows = [], []

    def pg_rows(sql, params):
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    for beyond_m in (300, 3_000, 20_000):
        c = square(east + beyond_m / 1000 * deg_x, mid, deg_x, deg_y)
        wkt = json.dumps(c)
        answer, ms = timed(lambda: post(a.http, "/check?layers=parcels&nearest=true&geometry=false", c), a.reps)
        got = answer["nearest"][0]
        # The candidate as a constant in ORDER BY, so that the GiST index
        # answers <-> (a CTE's column there makes PostgreSQL sort the table).
        g = "ST_SetSRID(ST_GeomFromGeoJSON(%s), 4490)"
        sql = (f"WITH near AS (SELECT id, geom FROM {table} ORDER BY geom <-> {g} LIMIT 16) "
               f"SELECT id, ST_Distance(near.geom::geography, {g}::geography) d FROM near ORDER BY d LIMIT 1")
        pg, pg_ms = timed(lambda: pg_rows(sql, (wkt, wkt)), a.reps)
        pg_id, pg_d = pg[0]
        if abs(got["distance_m"] - pg_d) > 0.1:
            failures.append(f"nearest {beyond_m} m: planmap {got['feature_id']} at {got['distance_m']:.3f} m, "
                            f"PostGIS {pg_id} at {pg_d:.3f} m")
        rows.append((f"nearest, 1 km square {beyond_m:,} m beyond the layer", f"{got['distance_m']:.2f} m",
                     ms, pg_ms))

    for beyond_m, buffer_m in ((300, 500), (1_000, 2_000)):
        c = square(east + beyond_m / 1000 * deg_x, mid, deg_x, deg_y)
        wkt = json.dumps(c)
        path = f"/check?layers=parcels&buffer=parcels:{buffer_m}&geometry=false"
        answer, ms = timed(lambda: post(a.http, path, c), a.reps)
        got = {str(f["properties"]["feature_id"]): f["properties"]["buffer"]["distance_m"]
               for f in answer["conflicts"]["features"]}
        pad = buffer_m / 80_000.0
        # What planmap answers: which parcels, how far, and the area of the
        # candidate inside each one's buffer (PostGIS buffers geography in
        # a planar projection it picks, with 8 segments a quarter circle,
        # so its areas are not compared, only timed).
        sql = (f"WITH c AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON(%s), 4490) g) "
               f"SELECT id, ST_Distance(geom::geography, c.g::geography), "
               f"ST_Area(ST_Intersection(ST_Buffer(geom::geography, %s), c.g::geography)) FROM {table}, c "
               f"WHERE geom && ST_Expand(c.g, %s) AND ST_DWithin(geom::geography, c.g::geography, %s)")
        pg, pg_ms = timed(lambda: pg_rows(sql, (wkt, buffer_m, pad, buffer_m)), a.reps)
        pg_area = sum(r[2] for r in pg)
        pg = {str(i): d for i, d, _ in pg}
        # A parcel within a centimetre of the edge may fall either side.
        edge = {i for i, d in {**pg, **got}.items() if abs(d - buffer_m) < 0.01}
        if set(got) - edge != set(pg) - edge:
            failures.append(f"buffer {buffer_m} m: planmap {len(got)} parcels, PostGIS {len(pg)}; "
                            f"only planmap {sorted(set(got) - set(pg))[:5]}, only PostGIS {sorted(set(pg) - set(got))[:5]}")
        for i in set(got) & set(pg):
            if abs(got[i] - pg[i]) > 0.1:
                failures.append(f"buffer {buffer_m} m: parcel {i} at {got[i]:.3f} m, PostGIS {pg[i]:.3f} m")
                break
        area = sum(f["properties"]["buffer"]["area_m2"] for f in answer["conflicts"]["features"])
        rows.append((f"buffer {buffer_m:,} m, 1 km square {beyond_m:,} m beyond the layer",
                     f"{len(got)} parcels within; Σ area inside {area:,.0f} m² (PostGIS {pg_area:,.0f})", ms, pg_ms))

    finish(a, "analyses", "analysis", rows, failures)

if __name__ == "__main__":
    main()
