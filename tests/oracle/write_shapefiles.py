#!/usr/bin/env python3
"""Zipped Shapefiles written by GDAL's ogr2ogr, and their expected areas from
pyproj; nothing of planmap (issue 13).

Not run by CI (its name is outside `make_*.py` and `oracle*.py`): ogr2ogr
stamps each .dbf with the day it was written, so a re-run is not
byte-identical. Run it only to change the fixtures, then commit them.

1. Reads the parcels of the oracle's TXT exchange files
   (tests/fixtures/formats/parcels_zone38.txt and hole_zone38.txt, written
   by oracle_formats.py in EPSG:4526: X = northing, Y = zone-prefixed
   easting) and writes them as a GeoJSON in EPSG:4526 (easting, northing):
   KQ-01, KQ-02, KQ-H1 (with its hole), and KQ-03 as a record of two parts
   (KQ-03 and a 500 m square 2 km east of it), with GBK-worthy attributes
   地块编号, 名称, 面积 (the TXT's declared hectares) and 序号.
2. ogr2ogr writes it as an ESRI Shapefile with `-lco ENCODING=GBK` (a .cpg
   saying GBK, the .dbf in GBK) and its ESRI WKT .prj; a second run writes
   the corners of KQ-01 as a point Shapefile.
3. Zips them with Python's zipfile (members in a folder `kq/`, fixed dates)
   into tests/fixtures/shapefiles/:
     * parcels.zip: .shp .shx .dbf .prj .cpg as ogr2ogr wrote them;
     * parcels_epsg_prj.zip: the .prj replaced by pyproj's WKT1 of
       EPSG:4526, which names its EPSG code;
     * parcels_no_prj.zip: no .prj;
     * parcels_no_cpg.zip: no .cpg (the .dbf still GBK);
     * parcels_z.zip: the same parcels as PolygonZ (`-dim XYZ`, z = 0);
     * points.zip: the point Shapefile;
     * two_shapefiles.zip: both Shapefiles in one archive.
4. Computes each record's ellipsoid area: pyproj converts EPSG:4526
   (easting, northing) to CGCS2000 lon/lat, Geod(a=6378137,
   rf=298.257222101) measures each ring with geodesic edges, holes
   subtracted, parts added; writes
   tests/oracle/expected_shapefiles/cases.json (sorted keys).

Usage (from the repository root):  python3 tests/oracle/write_shapefiles.py
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import zipfile
from pathlib import Path

from pyproj import CRS, Geod, Transformer

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests/fixtures/shapefiles"
EXPECTED = ROOT / "tests/oracle/expected_shapefiles"
GEOD = Geod(a=6378137.0, rf=298.257222101)
TO_LONLAT = Transformer.from_crs("EPSG:4526", "EPSG:4490", always_xy=True)


def parcels_of_txt(path: Path) -> list[dict]:
    """Each parcel's id, name, declared hectares and rings of (easting, northing)."""
    parcels = []
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split(",")
        if fields[-1] == "@":
            parcels.append(
                {"id": fields[2], "name": fields[3], "ha": float(fields[1]), "rings": {}}
            )
        elif len(fields) == 4 and fields[0].startswith("J") and parcels:
            ring = parcels[-1]["rings"].setdefault(fields[1], [])
            ring.append([float(fields[3]), float(fields[2])])
    for p in parcels:
        p["rings"] = list(p["rings"].values())
    return parcels


def ring_area(ring: list[list[float]]) -> float:
    lon, lat = TO_LONLAT.transform([c[0] for c in ring], [c[1] for c in ring])
    area, _ = GEOD.polygon_area_perimeter(lon, lat)
    return abs(area)


def polygon_area(rings: list[list[list[float]]]) -> float:
    return ring_area(rings[0]) - sum(ring_area(r) for r in rings[1:])


def ogr2ogr(features: list[dict], out_dir: Path, name: str, *extra: str) -> None:
    source = out_dir / f"{name}.geojson"
    source.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4526"}},
                "features": features,
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    subprocess.run(
        [
            "ogr2ogr",
            "-f",
            "ESRI Shapefile",
            "-lco",
            "ENCODING=GBK",
            "-nln",
            name,
            *extra,
            str(out_dir / name),
            str(source),
        ],
        check=True,
    )


def write_zip(path: Path, members: list[tuple[str, bytes]]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in members:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, body)


def main() -> None:
    txt = parcels_of_txt(ROOT / "tests/fixtures/formats/parcels_zone38.txt")
    hole = parcels_of_txt(ROOT / "tests/fixtures/formats/hole_zone38.txt")
    by_id = {p["id"]: p for p in txt + hole}
    kq03 = by_id["KQ-03"]["rings"][0]
    east = max(c[0] for c in kq03) + 2000.0
    north = min(c[1] for c in kq03)
    # Clockwise in (easting, northing), as the TXT rings are not all: GDAL
    # orients the rings itself when it writes the Shapefile.
    square = [[east, north], [east, north + 500], [east + 500, north + 500], [east + 500, north], [east, north]]
    records = [
        ("KQ-01", [by_id["KQ-01"]["rings"]]),
        ("KQ-02", [by_id["KQ-02"]["rings"]]),
        ("KQ-H1", [by_id["KQ-H1"]["rings"]]),
        ("KQ-03", [[kq03], [square]]),
    ]
    features = []
    expected = []
    for n, (pid, polygons) in enumerate(records, start=1):
        p = by_id[pid]
        features.append(
            {
                "type": "Feature",
                "properties": {"地块编号": pid, "名称": p["name"], "面积": p["ha"], "序号": n},
                "geometry": {"type": "MultiPolygon", "coordinates": polygons},
            }
        )
        expected.append(
            {
                "id": pid,
                "name": p["name"],
                "declared_ha": p["ha"],
                "parts": len(polygons),
                "area_m2": sum(polygon_area(rings) for rings in polygons),
            }
        )
    points = [
        {
            "type": "Feature",
            "properties": {"点号": f"J{i + 1}"},
            "geometry": {"type": "Point", "coordinates": c},
        }
        for i, c in enumerate(by_id["KQ-01"]["rings"][0][:-1])
    ]

    OUT.mkdir(parents=True, exist_ok=True)
    EXPECTED.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ogr2ogr(features, tmp, "parcels")
        ogr2ogr(points, tmp, "points")
        ogr2ogr(features, tmp, "parcels_z", "-dim", "XYZ")

        def files(name: str, leave_out: tuple[str, ...] = ()) -> list[tuple[str, bytes]]:
            return [
                (f"kq/{name}.{ext}", (tmp / name / f"{name}.{ext}").read_bytes())
                for ext in ("shp", "shx", "dbf", "prj", "cpg")
                if ext not in leave_out and (tmp / name / f"{name}.{ext}").exists()
            ]

        parcels = files("parcels")
        write_zip(OUT / "parcels.zip", parcels)
        epsg_wkt = CRS.from_epsg(4526).to_wkt("WKT1_GDAL").encode()
        write_zip(
            OUT / "parcels_epsg_prj.zip",
            [(n, epsg_wkt if n.endswith(".prj") else b) for n, b in parcels],
        )
        write_zip(OUT / "parcels_no_prj.zip", files("parcels", ("prj",)))
        write_zip(OUT / "parcels_no_cpg.zip", files("parcels", ("cpg",)))
        write_zip(OUT / "points.zip", files("points"))
        write_zip(OUT / "parcels_z.zip", files("parcels_z"))
        write_zip(OUT / "two_shapefiles.zip", files("parcels") + files("points"))
        prj = (tmp / "parcels" / "parcels.prj").read_text()

    cases = {
        "records": expected,
        "prj": prj,
        "prj_crs_name": CRS.from_wkt(prj).name,
        "epsg_prj_crs_name": CRS.from_epsg(4526).name,
    }
    (EXPECTED / "cases.json").write_text(
        json.dumps(cases, sort_keys=True, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    for name in sorted(p.name for p in OUT.iterdir()):
        print(name, (OUT / name).stat().st_size)


if __name__ == "__main__":
    main()
