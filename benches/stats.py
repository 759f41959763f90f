#!/usr/bin/env python3
"""planmap's statistics (查询统计) against PostGIS on the same generated layer,
in the same run (`ANALYSES_ONLY=1 benches/run.sh`, or before the other rows):

    stats.py zones DATA_DIR LAYER      # writes layers_LAYER_analyses/ (once)
    stats.py run DATA_DIR LAYER --pg DSN --http URL --reps N

- the whole layer: `GET /collections/parcels/stats` against
  `SELECT count(*), sum(area_m2)` (the table's stored ellipsoid area, as
  planmap stores each feature's when it loads a layer) and against
  `sum(ST_Area(geom::geography))` (measuring as it goes);
- a 10 km box: `stats?bbox=` against `WHERE ST_Intersects(geom, box)`;
- overlay, grouped: `stats?inside=zones&group_by=zones.name`, the parcels'
  area inside each of three zones (2, 8 and 25 km across, twelve-sided and
  irregular), against `GROUP BY z.name` over
  `ST_Area(ST_Intersection(p.geom, z.geom)::geography)` with the GiST
  index's `ST_Intersects` join.

Both must give the same counts and areas within 1e-6 relative, or this exits
non-zero. Medians of N runs; the ratio is planmap / PostGIS. Writes
results/stats_LAYER.md. The zones are illustrative, like the parcels.
"""

import argparse
import json
import math
import urllib.request
from pathlib import Path

from analyses import finish, timed
from peers import postgis_table

# Centre (lon, lat) and radius (km) of each zone, inside every layer size
# but the 100k one's extent only partly: they are for the 1M and 5M layers.
ZONES = [("甲镇 zone A", 112.90, 36.50, 1.0), ("乙镇 zone B", 113.30, 36.80, 4.0),
         ("丙镇 zone C", 113.80, 36.60, 12.5)]


def zone_ring(lon, lat, radius_km, seed):
    """Twelve vertices at radii 70–100 % of `radius_km`, deterministic."""
    ring = []
    for k in range(12):
        r = radius_km * (0.7 + 0.3 * ((seed * 7919 + k * 104729) % 1000) / 1000)
        a = 2 * math.pi * k / 12
        ring.append([round(lon + r * math.cos(a) / 90.0, 7), round(lat + r * math.sin(a) / 111.0, 7)])
    ring.append(ring[0])
    return ring


def write_zones(data: Path, layer: str):
    out = data / f"layers_{layer}_analyses"
    out.mkdir(exist_ok=True)
    features = [{"type": "Feature", "id": f"Z{i + 1}",
                 "properties": {"name": name, "radius_km": radius},
                 "geometry": {"type": "Polygon", "coordinates": [zone_ring(lon, lat, radius, i + 1)]}}
                for i, (name, lon, lat, radius) in enumerate(ZONES)]
    (out / "zones.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features},
                                                  ensure_ascii=False))
    (out / "catalog.toml").write_text(
        "[[layer]]\nid = \"parcels\"\ntitle = \"永久基本农田 (generated)\"\n"
        f"file = \"../parcels_{layer}.fgb\"\non_overlap = \"reject\"\nrule = \"屯留 第四章第二节 (7)\"\n\n"
        "[[layer]]\nid = \"zones\"\ntitle = \"乡镇 (generated, illustrative)\"\n"
        "file = \"zones.geojson\"\non_overlap = \"info\"\nrule = \"illustrative zones for the statistics benchmark\"\n")
    return out


def get(http, path):
    with urllib.request.urlopen(http + path, timeout=300) as r:
        return json.loads(r.read())


def run(a):
    import psycopg

    conn = psycopg.connect(a.pg)
    table = postgis_table(conn, a.pg, a.data, a.layer)
    zones = json.loads((a.data / f"layers_{a.layer}_analyses" / "zones.geojson").read_text())
    with conn.cursor() as cur:
        cur.execute("SET jit = off")
        cur.execute("DROP TABLE IF EXISTS bench_zones")
        cur.execute("CREATE TABLE bench_zones (id text PRIMARY KEY, name text, geom geometry(Polygon, 4490))")
        for f in zones["features"]:
            cur.execute("INSERT INTO bench_zones VALUES (%s, %s, ST_SetSRID(ST_GeomFromGeoJSON(%s), 4490))",
                        (f["id"], f["properties"]["name"], json.dumps(f["geometry"])))
        cur.execute("CREATE INDEX ON bench_zones USING gist (geom)")
        cur.execute("ANALYZE bench_zones")
    conn.commit()

    def pg_rows(sql, params=()):
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    failures, rows = [], []

    def agree(what, count, area, pg_count, pg_area):
        if count != pg_count or abs(area - pg_area) > 1e-6 * max(abs(pg_area), 1.0):
            failures.append(f"{what}: planmap {count} features, {area:.3f} m²; PostGIS {pg_count}, {pg_area:.3f} m²")

    # The whole layer.
    stats, ms = timed(lambda: get(a.http, "/collections/parcels/stats"), a.reps)
    total = stats["total"]
    stored, stored_ms = timed(lambda: pg_rows(f"SELECT count(*), sum(area_m2) FROM {table}"), a.reps)
    agree("whole layer, stored areas", total["count"], total["area_m2"], *stored[0])
    rows.append(("every parcel: count and area (areas stored: PostGIS `sum(area_m2)`)",
                 f"{total['count']:,} parcels, {total['area_m2'] / 1e6:,.3f} km²", ms, stored_ms))
    measured, measured_ms = timed(lambda: pg_rows(f"SELECT count(*), sum(ST_Area(geom::geography)) FROM {table}"),
                                  max(1, a.reps // 5))
    agree("whole layer, measured", total["count"], total["area_m2"], *measured[0])
    rows.append(("every parcel: count and area (PostGIS measuring: `sum(ST_Area(geom::geography))`)",
                 "the same", ms, measured_ms))

    # A 10 km box in the part every layer size shares.
    w, s = 112.80, 36.40
    e, n = w + 10 / 90.0, s + 10 / 111.0
    box, box_ms = timed(lambda: get(a.http, f"/collections/parcels/stats?bbox={w},{s},{e},{n}"), a.reps)
    pg_box, pg_box_ms = timed(lambda: pg_rows(
        f"SELECT count(*), sum(area_m2) FROM {table} WHERE ST_Intersects(geom, ST_MakeEnvelope(%s, %s, %s, %s, 4490))",
        (w, s, e, n)), a.reps)
    agree("10 km box", box["total"]["count"], box["total"]["area_m2"], *pg_box[0])
    rows.append(("parcels meeting a 10 km box: count and area",
                 f"{box['total']['count']:,} parcels, {box['total']['area_m2'] / 1e6:,.3f} km²", box_ms, pg_box_ms))

    # Overlay: the parcels' area inside each zone, by zone.
    path = "/collections/parcels/stats?inside=zones&group_by=zones.name"
    overlay, ov_ms = timed(lambda: get(a.http, path), a.reps)
    sql = (f"SELECT z.name, count(*), sum(ST_Area(ST_Intersection(p.geom, z.geom)::geography)) "
           f"FROM {table} p JOIN bench_zones z ON ST_Intersects(p.geom, z.geom) GROUP BY z.name ORDER BY z.name")
    pg_ov, pg_ov_ms = timed(lambda: pg_rows(sql), a.reps)
    pg_by = {name: (c, ar) for name, c, ar in pg_ov}
    for g in overlay["groups"]:
        name = g["key"]["zones.name"]
        c, ar = pg_by.get(name, (0, 0.0))
        agree(f"inside {name}", g["count"], g["area_m2"], c, ar)
    if len(overlay["groups"]) != len(pg_by):
        failures.append(f"overlay: planmap {len(overlay['groups'])} groups, PostGIS {len(pg_by)}")
    rows.append(("parcels' area inside 3 zones, grouped by zone (GROUP BY over ST_Intersection)",
                 "; ".join(f"{g['key']['zones.name']}: {g['count']:,} parcels, {g['area_m2'] / 1e6:,.3f} km²"
                           for g in overlay["groups"]), ov_ms, pg_ov_ms))

    finish(a, "stats", "statistic", rows, failures)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["zones", "run"])
    ap.add_argument("data", type=Path)
    ap.add_argument("layer")
    ap.add_argument("--pg")
    ap.add_argument("--http")
    ap.add_argument("--reps", type=int, default=10)
    a = ap.parse_args()
    if a.what == "zones":
        print(write_zones(a.data, a.layer))
    else:
        run(a)


if __name__ == "__main__":
    main()
