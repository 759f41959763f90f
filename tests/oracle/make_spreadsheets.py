#!/usr/bin/env python3
"""Corner tables as Excel workbooks (.xlsx), written by openpyxl, and their
expected areas from pyproj; nothing of planmap (issue 13).

1. Reads the parcels of the oracle's TXT exchange file
   (tests/fixtures/formats/parcels_zone38.txt, written by oracle_formats.py:
   X = northing, Y = zone-prefixed easting in EPSG:4526) and WRITES them as
   the workbooks a reviewer receives, into tests/fixtures/spreadsheets/:
     * chinese_header.xlsx: a notes sheet first (说明, text only), then the
       table sheet 拐点坐标 with an empty first row and the header
       地块编号 点号 圈号 X坐标 Y坐标 in row 2, one row a corner, each corner
       once (the closing repeat left out), coordinates as numbers;
     * no_header.xlsx: the first parcel as 点号, X, Y without a header;
     * english_header.xlsx: parcel, point, ring, X, Y with the coordinates
       as text cells padded with spaces;
     * bad_not_a_number.xlsx: the Chinese table with one Y cell that is a
       word (row 6 of its sheet);
     * corrupt.xlsx: the first workbook with its sheet XML cut in half;
     * bomb.xlsx: a workbook with one more member of 80 MiB of zeros (about
       80 kB deflated), over planmap's 64 MiB limit on what an archive may
       declare;
     * lying_bomb.xlsx: a member of 8 MiB of zeros whose headers declare
       1000 bytes, so that only inflating it shows what it is;
     * huge_shared_strings.xlsx: the first workbook with a shared-strings
       table (as Excel writes; openpyxl writes inline strings) that declares
       99,999,999,999 strings and holds one.
   Each workbook is repacked with fixed member dates (1980-01-01) and fixed
   document dates so that re-running gives byte-identical files.
2. Computes each parcel's ellipsoid area: pyproj converts EPSG:4526
   (easting, northing) to CGCS2000 lon/lat, Geod(a=6378137,
   rf=298.257222101) measures the ring with geodesic edges.
3. Writes tests/oracle/expected_spreadsheets/cases.json (sorted keys).

Usage (from the repository root):  python3 tests/oracle/make_spreadsheets.py
"""

from __future__ import annotations

import datetime
import io
import json
import struct
import zipfile
from pathlib import Path

import openpyxl
from pyproj import Geod, Transformer

ROOT = Path(__file__).resolve().parents[2]
TXT = ROOT / "tests/fixtures/formats/parcels_zone38.txt"
OUT = ROOT / "tests/fixtures/spreadsheets"
EXPECTED = ROOT / "tests/oracle/expected_spreadsheets"
FIXED = datetime.datetime(2024, 1, 1, 0, 0, 0)
GEOD = Geod(a=6378137.0, rf=298.257222101)
TO_LONLAT = Transformer.from_crs("EPSG:4526", "EPSG:4490", always_xy=True)


def parcels_of_txt(path: Path) -> list[dict]:
    """The TXT file's parcels: id, name and the ring's corners (X, Y) as written."""
    parcels = []
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split(",")
        if fields[-1] == "@":
            parcels.append({"id": fields[2], "name": fields[3], "corners": []})
        elif len(fields) == 4 and fields[0].startswith("J") and parcels:
            point = (fields[0], fields[1], fields[2], fields[3])
            corners = parcels[-1]["corners"]
            # Each corner once: the TXT repeats the first at the end.
            if corners and corners[0][2:] == point[2:]:
                continue
            corners.append(point)
    return parcels


def area_m2(corners: list[tuple]) -> float:
    lon, lat = TO_LONLAT.transform(
        [float(c[3]) for c in corners], [float(c[2]) for c in corners]
    )
    area, _ = GEOD.polygon_area_perimeter(lon, lat)
    return abs(area)


def repack(data: bytes, extra: list[tuple[str, bytes]] = ()) -> bytes:
    """The workbook with fixed dates on every member (and `extra` members)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(
        out, "w", zipfile.ZIP_DEFLATED
    ) as dst:
        members = [(i.filename, src.read(i.filename)) for i in src.infolist()]
        for name, body in list(members) + list(extra):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, body, compresslevel=6)
    return out.getvalue()


def save(wb: openpyxl.Workbook) -> bytes:
    wb.properties.creator = "planmap oracle"
    wb.properties.created = FIXED
    wb.properties.modified = FIXED
    buffer = io.BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()
    # openpyxl stamps dcterms:modified with the time of saving: set it back.
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        core = z.read("docProps/core.xml").decode()
    start = core.index("<dcterms:modified")
    end = core.index("</dcterms:modified>") + len("</dcterms:modified>")
    fixed_core = (
        core[:start]
        + '<dcterms:modified xsi:type="dcterms:W3CDTF">2024-01-01T00:00:00Z</dcterms:modified>'
        + core[end:]
    )
    return repack(replace_member(data, "docProps/core.xml", fixed_core.encode()))


def replace_member(data: bytes, name: str, body: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(
        out, "w", zipfile.ZIP_DEFLATED
    ) as dst:
        for info in src.infolist():
            dst.writestr(info, body if info.filename == name else src.read(info.filename))
    return out.getvalue()


def chinese_workbook(parcels: list[dict], bad_row: bool = False) -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "说明"
    notes["A1"] = "拐点坐标表（示意），2000国家大地坐标系，3度带第38带"
    table = wb.create_sheet("拐点坐标")
    table.append([])
    table.append(["地块编号", "点号", "圈号", "X坐标", "Y坐标"])
    for p in parcels:
        for point, ring, x, y in p["corners"]:
            table.append([p["id"], point, int(ring), float(x), float(y)])
    if bad_row:
        # Row 6: the fourth corner of the first parcel.
        table["E6"] = "待定"
    return wb


def main() -> None:
    parcels = parcels_of_txt(TXT)
    OUT.mkdir(parents=True, exist_ok=True)
    EXPECTED.mkdir(parents=True, exist_ok=True)

    chinese = save(chinese_workbook(parcels))
    (OUT / "chinese_header.xlsx").write_bytes(chinese)
    (OUT / "bad_not_a_number.xlsx").write_bytes(save(chinese_workbook(parcels, True)))

    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "Sheet1"
    for point, _, x, y in parcels[0]["corners"]:
        sheet.append([point, float(x), float(y)])
    (OUT / "no_header.xlsx").write_bytes(save(wb))

    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "corners"
    sheet.append(["parcel", "point", "ring", "X", "Y"])
    for p in parcels:
        for point, ring, x, y in p["corners"]:
            sheet.append([p["id"], point, ring, f" {x} ", f"{y}  "])
    (OUT / "english_header.xlsx").write_bytes(save(wb))

    with zipfile.ZipFile(io.BytesIO(chinese)) as z:
        sheet_xml = z.read("xl/worksheets/sheet2.xml")
    corrupt = replace_member(chinese, "xl/worksheets/sheet2.xml", sheet_xml[: len(sheet_xml) // 2])
    (OUT / "corrupt.xlsx").write_bytes(repack(corrupt))

    zeros = bytes(80 * 1024 * 1024)
    (OUT / "bomb.xlsx").write_bytes(repack(chinese, [("xl/media/zeros.bin", zeros)]))
    (OUT / "lying_bomb.xlsx").write_bytes(
        declare_size(repack(chinese, [("xl/media/zeros.bin", bytes(8 * 1024 * 1024))]), "xl/media/zeros.bin", 1000)
    )

    sst = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        b' count="1" uniqueCount="99999999999"><si><t>a</t></si></sst>'
    )
    (OUT / "huge_shared_strings.xlsx").write_bytes(repack(chinese, [("xl/sharedStrings.xml", sst)]))

    cases = {
        "chinese_header": {
            "sheet": "拐点坐标",
            "header_row": 2,
            "parcels": [{"id": p["id"], "area_m2": area_m2(p["corners"])} for p in parcels],
            "bad_row": 6,
        },
        "no_header": {"area_m2": area_m2(parcels[0]["corners"])},
        "limit_bytes": 64 * 1024 * 1024,
    }
    (EXPECTED / "cases.json").write_text(
        json.dumps(cases, sort_keys=True, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    for name in sorted(p.name for p in OUT.iterdir()):
        print(name, (OUT / name).stat().st_size)


def declare_size(data: bytes, name: str, size: int) -> bytes:
    """The archive with `name`'s uncompressed size declared as `size` in its
    local header and its central directory entry (the CRC left as it was)."""
    data = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo(name)
        local = info.header_offset
    # Local file header: signature, then the uncompressed size at offset 22.
    assert data[local : local + 4] == b"PK\x03\x04"
    struct.pack_into("<I", data, local + 22, size)
    # Central directory entry: uncompressed size at offset 24.
    encoded = name.encode()
    at = 0
    while True:
        at = data.index(b"PK\x01\x02", at)
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46 : at + 46 + name_len]) == encoded:
            struct.pack_into("<I", data, at + 24, size)
            break
        at += 4
    return bytes(data)


if __name__ == "__main__":
    main()
