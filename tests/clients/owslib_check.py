"""OWSLib against a running planmap: run by tests/ogc_real_clients.rs.

usage: owslib_check.py BASE_URL LAYERS_DIR CANDIDATE_GEOJSON

1. the collections OWSLib lists are the catalog's layers, in order, then the
   store's collection of submitted candidates;
2. paging through the largest layer by its `next` links yields every feature
   of the layer file exactly once;
3. a CQL2 S_INTERSECTS query with the candidate's polygon returns, layer by
   layer, the features POST /check reports (conflicts and adjacent).
Prints one line per check and exits non-zero on the first mismatch.
"""

import json
import sys
import tomllib
import urllib.parse
import urllib.request
from pathlib import Path

from owslib.ogcapi.features import Features


def fail(message):
    print(f"FAIL: {message}")
    sys.exit(1)


def main(base, layers_dir, candidate_path):
    layers_dir = Path(layers_dir)
    catalog = tomllib.loads((layers_dir / "catalog.toml").read_text(encoding="utf-8"))
    counts = {}
    for entry in catalog["layer"]:
        data = json.loads((layers_dir / entry["file"]).read_text(encoding="utf-8"))
        counts[entry["id"]] = [str(f["id"]) for f in data["features"]]

    api = Features(base)
    ids = [c["id"] for c in api.collections()["collections"]]
    if ids != list(counts) + ["candidates"]:
        fail(f"collections {ids} != catalog {list(counts)} + candidates")
    print(f"ok: OWSLib lists {len(ids)} collections: {', '.join(ids)}")

    largest = max(counts, key=lambda k: len(counts[k]))
    seen, params, pages = [], {"limit": 3}, 0
    while True:
        page = api.collection_items(largest, **params)
        pages += 1
        seen += [str(f["id"]) for f in page["features"]]
        if page["numberMatched"] != len(counts[largest]):
            fail(f"numberMatched {page['numberMatched']} != {len(counts[largest])}")
        nxt = [l for l in page["links"] if l["rel"] == "next"]
        if not nxt:
            break
        query = urllib.parse.urlparse(nxt[0]["href"]).query
        params = dict(urllib.parse.parse_qsl(query))
        params.pop("f", None)
    if sorted(seen) != sorted(counts[largest]) or len(seen) != len(set(seen)):
        fail(f"paging {largest} gave {seen}, the file has {counts[largest]}")
    print(f"ok: paged through {largest} in {pages} pages: {len(seen)} features, as in the layer file")

    candidate = json.loads(Path(candidate_path).read_text(encoding="utf-8"))
    geometry = candidate.get("geometry", candidate)
    request = urllib.request.Request(
        f"{base}/check", data=json.dumps(candidate).encode(), method="POST",
        headers={"Content-Type": "application/geo+json"},
    )
    report = json.load(urllib.request.urlopen(request))
    from_check = {(c["properties"]["layer"], str(c["properties"]["feature_id"])) for c in report["conflicts"]["features"]}
    from_check |= {(a["layer"], str(a["feature_id"])) for a in report["adjacent"]}
    rings = ", ".join("(" + ", ".join(f"{x} {y}" for x, y in ring) + ")" for ring in geometry["coordinates"])
    cql = f"S_INTERSECTS(geometry, POLYGON({rings}))"
    from_filter = set()
    for layer in counts:
        page = api.collection_items(layer, filter=cql, **{"filter-lang": "cql2-text", "limit": 10000})
        from_filter |= {(layer, str(f["id"])) for f in page["features"]}
    if from_filter != from_check:
        fail(f"S_INTERSECTS gave {sorted(from_filter)}, /check reports {sorted(from_check)}")
    print(f"ok: CQL2 S_INTERSECTS returns the {len(from_filter)} features /check reports")


if __name__ == "__main__":
    main(*sys.argv[1:4])
