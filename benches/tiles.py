#!/usr/bin/env python3
"""Vector tiles: planmap against PostGIS with martin's tile query, on the
same parcels in the same run.

PostGIS answers each tile with the query martin generates for a table
source — ST_AsMVT over ST_AsMVTGeom(ST_Transform(geom, 3857),
ST_TileEnvelope(z, x, y), 4096, 64, true), the GiST index probed with the
tile's envelope (64-unit margin) in the table's own SRID — timed at the
client (psycopg, execute + fetch of the bytea), with no HTTP in front: in
PostGIS's favour. planmap answers GET /collections/parcels/tiles/
WebMercatorQuad/{z}/{row}/{col} over loopback HTTP, uncompressed, timed
from request to last byte.

With --martin URL (a martin server in front of the same database; run.sh
starts one when MARTIN names its binary), martin itself is timed too, over
HTTP like planmap: GET /{table}/{z}/{x}/{y}, one keep-alive connection,
uncompressed.

Tiles sampled at z8, z10, z12, z14 and z16: at most PER_ZOOM tiles evenly
spread over the layer's extent (every tile when fewer cover it), the same
tiles for both. Each tile is fetched REPS times; the table gives the median
and p99 over all fetches of a zoom, bytes per tile (median and largest), and
the ratio of the medians.

Usage:
  python3 benches/tiles.py BENCH_DIR LAYER --pg DSN --http URL [--martin URL] [--reps N] [--per-zoom K]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
import http.client
import urllib.parse
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers import postgis_table  # noqa: E402  (the same table the check benchmark loads)

ZOOMS = [8, 10, 12, 14, 16]
LIMIT_BYTES = 500 * 1024

MARTIN_QUERY = """
SELECT ST_AsMVT(tile, 'parcels', 4096, 'geom') FROM (
  SELECT ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4096, 64, true)
           AS geom, id
  FROM {table}
  WHERE geom && ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 64.0 / 4096), {srid})
) AS tile WHERE geom IS NOT NULL
"""


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2 ** z
    lat = max(min(lat, 85.0511287798), -85.0511287798)
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def sample(extent, z: int, per_zoom: int) -> list[tuple[int, int]]:
    """Up to per_zoom tiles on an even grid over the extent (x = col, y = row)."""
    west, south, east, north = extent
    x0, y1 = tile_of(west, south, z)
    x1, y0 = tile_of(east, north, z)
    side = max(1, int(math.sqrt(per_zoom)))
    xs = sorted({x0 + round(i * (x1 - x0) / max(side - 1, 1)) for i in range(side)})
    ys = sorted({y0 + round(j * (y1 - y0) / max(side - 1, 1)) for j in range(side)})
    return [(x, y) for y in ys for x in xs][:per_zoom]


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(math.ceil(p * len(values))) - 1)]


class TileServer:
    """One keep-alive connection to a tile server, as PostGIS gets one
    psycopg connection: no side pays a connection per tile."""

    def __init__(self, name: str, base: str, path):
        url = urllib.parse.urlsplit(base)
        self.name, self.path = name, path
        self.connection = http.client.HTTPConnection(url.hostname, url.port, timeout=120)

    def fetch(self, z: int, x: int, y: int) -> tuple[float, int, str]:
        path = self.path(z, x, y)
        try:
            return self.timed(path)
        except (http.client.RemoteDisconnected, ConnectionError):
            # The server closed the keep-alive connection while the other
            # sides answered slow tiles (its idle timeout): open a new one,
            # untimed, and time the fetch again.
            self.connection.close()
            self.connection.connect()
            return self.timed(path)

    def timed(self, path: str) -> tuple[float, int, str]:
        t = time.perf_counter()
        self.connection.request("GET", path, headers={"Accept-Encoding": "identity"})
        r = self.connection.getresponse()
        body = r.read()
        elapsed = (time.perf_counter() - t) * 1000.0
        # martin answers 204 for a tile with no feature.
        if r.status not in (200, 204):
            sys.exit(f"{self.name} answered {r.status} for {path}: {body[:300]!r}")
        return elapsed, len(body), r.headers.get("Planmap-Tile-Features", "")


def planmap_server(base: str) -> TileServer:
    return TileServer("planmap", base, lambda z, x, y: f"/collections/parcels/tiles/WebMercatorQuad/{z}/{y}/{x}")


def martin_server(base: str, table: str) -> TileServer:
    return TileServer("martin", base, lambda z, x, y: f"/{table}/{z}/{x}/{y}")


def fetch_postgis(cur, query: str, z: int, x: int, y: int) -> tuple[float, int]:
    t = time.perf_counter()
    cur.execute(query, {"z": z, "x": x, "y": y})
    (mvt,) = cur.fetchone()
    return (time.perf_counter() - t) * 1000.0, len(mvt or b"")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("bench_dir", type=Path)
    ap.add_argument("layer")
    ap.add_argument("--pg", required=True)
    ap.add_argument("--http", required=True)
    ap.add_argument("--martin", help="a martin server over the same database")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--per-zoom", type=int, default=16)
    args = ap.parse_args()

    conn = psycopg.connect(args.pg)
    table = postgis_table(conn, args.pg, args.bench_dir, args.layer)
    with conn.cursor() as cur:
        cur.execute("SET jit = off")
        cur.execute(f"SELECT ST_SRID(geom) FROM {table} LIMIT 1")
        (srid,) = cur.fetchone()
        cur.execute(f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
                    f"FROM (SELECT ST_Extent(geom) AS e FROM {table}) s")
        extent = cur.fetchone()
    query = MARTIN_QUERY.format(table=table, srid=srid)

    # The z14 tiles, for a wrk load run over them (benches/run.sh).
    paths = [f"/collections/parcels/tiles/WebMercatorQuad/14/{y}/{x}" for x, y in sample(extent, 14, 64)]
    (args.bench_dir / "results" / f"tiles_{args.layer}_z14_paths.txt").write_text(
        "\n".join(paths) + "\n", encoding="utf-8")

    rows = []
    over_limit = []
    for z in ZOOMS:
        tiles = sample(extent, z, args.per_zoom)
        pm_ms, pg_ms, pm_bytes, pg_bytes, notes = [], [], [], [], set()
        mt_ms, mt_bytes = [], []
        with conn.cursor() as cur:
            planmap = planmap_server(args.http)
            martin = martin_server(args.martin, table) if args.martin else None
            for x, y in tiles:
                # One untimed fetch of each first: every side then answers warm.
                planmap.fetch(z, x, y)
                fetch_postgis(cur, query, z, x, y)
                if martin:
                    martin.fetch(z, x, y)
                for _ in range(args.reps):
                    ms, size, left_out = planmap.fetch(z, x, y)
                    pm_ms.append(ms)
                    notes.add(left_out)
                    ms_pg, size_pg = fetch_postgis(cur, query, z, x, y)
                    pg_ms.append(ms_pg)
                    if martin:
                        ms_mt, size_mt = martin.fetch(z, x, y)[:2]
                        mt_ms.append(ms_mt)
                pm_bytes.append(size)
                pg_bytes.append(size_pg)
                if martin:
                    mt_bytes.append(size_mt)
                if size > LIMIT_BYTES:
                    over_limit.append((z, x, y, size))
        row = {
            "z": z, "tiles": len(tiles),
            "pm_median": statistics.median(pm_ms), "pm_p99": percentile(pm_ms, 0.99),
            "pg_median": statistics.median(pg_ms), "pg_p99": percentile(pg_ms, 0.99),
            "pm_bytes": statistics.median(pm_bytes), "pm_bytes_max": max(pm_bytes),
            "pg_bytes": statistics.median(pg_bytes), "pg_bytes_max": max(pg_bytes),
        }
        row["ratio"] = row["pm_median"] / row["pg_median"] if row["pg_median"] > 0 else float("nan")
        if mt_ms:
            row["mt_median"], row["mt_p99"] = statistics.median(mt_ms), percentile(mt_ms, 0.99)
            row["mt_bytes"], row["mt_bytes_max"] = statistics.median(mt_bytes), max(mt_bytes)
            row["mt_ratio"] = row["pm_median"] / row["mt_median"] if row["mt_median"] > 0 else float("nan")
        rows.append(row)
        print(f"tiles: {args.layer} z{z}: {len(tiles)} tiles, planmap {row['pm_median']:.1f} / "
              f"{row['pm_p99']:.1f} ms, PostGIS {row['pg_median']:.1f} / {row['pg_p99']:.1f} ms, "
              f"ratio {row['ratio']:.3f}; bytes planmap {row['pm_bytes']:.0f} (max {row['pm_bytes_max']}), "
              f"PostGIS {row['pg_bytes']:.0f} (max {row['pg_bytes_max']}); planmap left out: "
              f"{sorted(n for n in notes if n)[:2]}", file=sys.stderr)

    lines = [
        f"Vector tiles, layer {args.layer} (median / p99 ms over {args.reps} fetches of each tile; "
        "bytes uncompressed):",
        "",
        "| zoom | tiles | planmap | PostGIS (martin's query) | planmap / PostGIS | planmap bytes median / max "
        "| PostGIS bytes median / max |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['z']} | {r['tiles']} | {r['pm_median']:.1f} / {r['pm_p99']:.1f} | "
            f"{r['pg_median']:.1f} / {r['pg_p99']:.1f} | {r['ratio']:.3f} | "
            f"{r['pm_bytes']:,.0f} / {r['pm_bytes_max']:,} | {r['pg_bytes']:,.0f} / {r['pg_bytes_max']:,} |")
    lines.append("")
    if any("mt_median" in r for r in rows):
        lines += [
            "martin over HTTP, the same tiles (median / p99 ms; bytes uncompressed):",
            "",
            "| zoom | martin | planmap / martin | martin bytes median / max |",
            "| ---: | ---: | ---: | ---: |",
        ]
        for r in rows:
            lines.append(
                f"| {r['z']} | {r['mt_median']:.1f} / {r['mt_p99']:.1f} | {r['mt_ratio']:.3f} | "
                f"{r['mt_bytes']:,.0f} / {r['mt_bytes_max']:,} |")
        lines.append("")
    lines.append(f"planmap tiles over {LIMIT_BYTES:,} bytes: {len(over_limit)} {over_limit[:5]}")
    out = args.bench_dir / "results" / f"tiles_{args.layer}.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    if over_limit:
        sys.exit(f"planmap served {len(over_limit)} tiles over 500 KB")


if __name__ == "__main__":
    main()
