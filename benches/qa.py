#!/usr/bin/env python3
"""planmap's whole-plan QA against PostGIS doing the same, on the same
generated layer, in the same run (`ANALYSES_ONLY=1 benches/run.sh`):

    qa.py DATA_DIR LAYER --pg DSN --http URL --reps N

2,000 blocks (the most `/qa` takes), 300 m squares in a 40 × 50 grid over
the parcels, neighbours sharing their edges, except that every 7th column is
drawn 3 m west (a 3 m sliver over its neighbour) and every 11th row 2 m
north (a 2 m gap under it). planmap: `POST /qa?layers=parcels&tolerance_m=5`
with the blocks as a FeatureCollection. PostGIS, from the blocks loaded
into a table with a GiST index (the load is timed too):

- the conflicts: each block's `ST_Area(ST_Intersection(block, parcel)::geography)`
  over the index's `ST_Intersects` join;
- the blocks overlapping each other: the same over the blocks' self-join;
- the gaps: `ST_DWithin` on geography within the tolerance, of blocks that
  do not meet, with `ST_Distance`.

planmap does more (each block's basic unit blocks, the plan's rules when a
kind is given; none is here), so the ratio flatters PostGIS a little. Both
must find the same conflicts (beyond 0.01 m², areas within 1e-6 relative or
3e-5 m²),
the same overlapping pairs and the same gaps (widths within 1 mm), or this
exits non-zero. Medians of N runs. Writes results/qa_LAYER.md.
"""

import json

from analyses import arguments, finish, post, timed
from peers import postgis_table

COLS, ROWS = 40, 50
SIDE_M = 300.0
WEST, SOUTH = 112.90, 36.45
DEG_X, DEG_Y = 1 / 89_766.0, 1 / 110_950.0  # degrees a metre at 36.29°N, as the grid


def blocks():
    xs = [round(WEST + j * SIDE_M * DEG_X, 7) for j in range(COLS + 1)]
    ys = [round(SOUTH + i * SIDE_M * DEG_Y, 7) for i in range(ROWS + 1)]
    features = []
    for i in range(ROWS):
        for j in range(COLS):
            w, e, s, n = xs[j], xs[j + 1], ys[i], ys[i + 1]
            if j % 7 == 6:
                w = round(w - 3 * DEG_X, 7)
            if i % 11 == 10:
                s, n = round(s + 2 * DEG_Y, 7), round(n + 2 * DEG_Y, 7)
                # The block above keeps its south edge: the row's top overlaps it.
            features.append({"type": "Feature", "id": f"B{i:02d}{j:02d}",
                             "properties": {"name": f"block {i},{j}"},
                             "geometry": {"type": "Polygon",
                                          "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}})
    return {"type": "FeatureCollection", "features": features}


def main():
    import psycopg

    a = arguments(5)

    conn = psycopg.connect(a.pg)
    table = postgis_table(conn, a.pg, a.data, a.layer)
    fc = blocks()
    tolerance = 5.0

    report, ms = timed(lambda: post(a.http, f"/qa?layers=parcels&tolerance_m={tolerance}", fc, timeout=600),
                       a.reps)

    rows_json = json.dumps([{"id": f["id"], "g": json.dumps(f["geometry"])} for f in fc["features"]])

    def postgis():
        with conn.cursor() as cur:
            cur.execute("SET jit = off")
            cur.execute("DROP TABLE IF EXISTS bench_blocks")
            cur.execute("CREATE TEMP TABLE bench_blocks AS SELECT id, ST_SetSRID(ST_GeomFromGeoJSON(g), 4490) geom "
                        "FROM json_to_recordset(%s::json) AS x(id text, g text)", (rows_json,))
            cur.execute("CREATE INDEX ON bench_blocks USING gist (geom)")
            cur.execute("ANALYZE bench_blocks")
            cur.execute(f"SELECT b.id, p.id, ST_Area(ST_Intersection(b.geom, p.geom)::geography) "
                        f"FROM bench_blocks b JOIN {table} p ON ST_Intersects(b.geom, p.geom)")
            conflicts = cur.fetchall()
            cur.execute("SELECT a.id, b.id, ST_Area(ST_Intersection(a.geom, b.geom)::geography) "
                        "FROM bench_blocks a JOIN bench_blocks b ON a.id < b.id AND ST_Intersects(a.geom, b.geom)")
            overlaps = cur.fetchall()
            # The index's && on boxes widened by the tolerance first:
            # ST_DWithin on geography alone is a nested loop over all pairs.
            cur.execute("SELECT a.id, b.id, ST_Distance(a.geom::geography, b.geom::geography) "
                        "FROM bench_blocks a JOIN bench_blocks b ON a.id < b.id "
                        "AND a.geom && ST_Expand(b.geom, %s) "
                        "AND ST_DWithin(a.geom::geography, b.geom::geography, %s) "
                        "AND NOT ST_Intersects(a.geom, b.geom)", (tolerance / 80_000.0, tolerance))
            gaps = cur.fetchall()
        conn.commit()
        return conflicts, overlaps, gaps

    (conflicts, overlaps, gaps), pg_ms = timed(postgis, a.reps)

    failures = []
    got_conflicts = {(b["id"], str(p["feature_id"])): p.get("area_m2")
                     for b in report["blocks"] for p in b["problems"] if p["kind"] == "conflict"}
    want_conflicts = {(b, str(p)): area for b, p, area in conflicts if area > 0.01}
    if set(got_conflicts) != set(want_conflicts):
        failures.append(f"conflicts: planmap {len(got_conflicts)}, PostGIS {len(want_conflicts)}; "
                        f"only planmap {sorted(set(got_conflicts) - set(want_conflicts))[:3]}, "
                        f"only PostGIS {sorted(set(want_conflicts) - set(got_conflicts))[:3]}")
    # As peers.py compares overlaps: 1e-6 relative, or 3e-5 m² on the
    # slivers of a few square decimetres where both engines' rounding shows.
    off = [k for k in set(got_conflicts) & set(want_conflicts)
           if abs(got_conflicts[k] - want_conflicts[k]) > max(1e-6 * want_conflicts[k], 3e-5)]
    if off:
        k = off[0]
        failures.append(f"{len(off)} conflict areas differ, e.g. {k}: planmap {got_conflicts[k]:.6f} m², "
                        f"PostGIS {want_conflicts[k]:.6f} m²")
    pairs = {tuple(sorted(p["blocks"])): p for p in report["pairs"]}
    got_overlaps = {k: p["area_m2"] for k, p in pairs.items() if p["kind"] in ("overlaps_block", "sliver")}
    want_overlaps = {tuple(sorted((x, y))): area for x, y, area in overlaps if area > 0.01}
    if set(got_overlaps) != set(want_overlaps):
        failures.append(f"overlapping pairs: planmap {len(got_overlaps)}, PostGIS {len(want_overlaps)}")
    for k in set(got_overlaps) & set(want_overlaps):
        if abs(got_overlaps[k] - want_overlaps[k]) > 1e-6 * want_overlaps[k] + 1e-4:
            failures.append(f"overlap {k}: planmap {got_overlaps[k]:.4f} m², PostGIS {want_overlaps[k]:.4f} m²")
            break
    got_gaps = {k: p["width_m"] for k, p in pairs.items() if p["kind"] == "gap"}
    want_gaps = {tuple(sorted((x, y))): d for x, y, d in gaps}
    if set(got_gaps) != set(want_gaps):
        failures.append(f"gaps: planmap {len(got_gaps)}, PostGIS {len(want_gaps)}")
    for k in set(got_gaps) & set(want_gaps):
        if abs(got_gaps[k] - want_gaps[k]) > 0.001:
            failures.append(f"gap {k}: planmap {got_gaps[k]:.4f} m, PostGIS {want_gaps[k]:.4f} m")
            break

    s = report["summary"]
    what = (f"{s['blocks']:,} blocks: {len(got_conflicts):,} conflicts, {len(got_overlaps)} overlapping pairs "
            f"({sum(1 for p in pairs.values() if p['kind'] == 'sliver')} slivers), {len(got_gaps)} gaps")
    finish(a, "qa", "QA", [("2,000 blocks against the parcels and each other", what, ms, pg_ms)], failures)

if __name__ == "__main__":
    main()
