//! OGC API – Features Part 3 (filter, features-filter, queryables) with CQL2
//! text and JSON: basic CQL2, advanced comparisons, and S_INTERSECTS, which
//! must find exactly the features `/check` reports for the same polygon.

mod ogc_support;

use std::collections::BTreeSet;

use ogc_support::{enc, get, layers, ogc_layers, repo};
use serde_json::{Value, json};

const C1: &str = "C1404002009061220001"; // 煤, 12.5 km², 2015-06-01..2025-05-31, holder set
const C2: &str = "C1404002020011110002"; // 铁矿, 0.8 km², 2020-01-01..2030-12-31, holder null
const C3: &str = "C1404002010031510003"; // 石灰岩, 2 km², 2010-03-15..2019-03-14, holder set

async fn text(collection: &str, filter: &str) -> Vec<String> {
    let a = get(
        ogc_layers(),
        &format!(
            "/collections/{collection}/items?limit=100&filter={}",
            enc(filter)
        ),
    )
    .await;
    assert_eq!(a.status, 200, "{filter}: {}", a.text);
    assert_eq!(
        a.json["numberMatched"].as_u64().unwrap() as usize,
        a.ids().len()
    );
    a.ids()
}

async fn cql_json(collection: &str, filter: Value) -> Vec<String> {
    let a = get(
        ogc_layers(),
        &format!(
            "/collections/{collection}/items?limit=100&filter-lang=cql2-json&filter={}",
            enc(&filter.to_string())
        ),
    )
    .await;
    assert_eq!(a.status, 200, "{filter}: {}", a.text);
    a.ids()
}

fn prop(name: &str) -> Value {
    json!({"property": name})
}

#[tokio::test]
async fn queryables_are_a_json_schema_2020_12_of_the_layer_properties_and_geometry() {
    let a = get(ogc_layers(), "/collections/mining_rights/queryables").await;
    assert_eq!(a.status, 200);
    assert_eq!(a.header("content-type"), "application/schema+json");
    assert_eq!(
        a.json["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(a.json["type"], "object");
    let p = &a.json["properties"];
    assert_eq!(p["mineral"]["type"], "string");
    assert_eq!(p["area_km2"]["type"], "number");
    assert_eq!(p["valid_from"]["format"], "date");
    assert_eq!(p["holder"]["type"], "string");
    assert_eq!(p["geometry"]["format"], "geometry-multipolygon");
    let c = get(ogc_layers(), "/collections/mining_rights").await;
    assert!(
        c.link(
            "http://www.opengis.net/def/rel/ogc/1.0/queryables",
            Some("application/schema+json")
        )
        .is_some()
    );
    let lines = get(ogc_layers(), "/collections/ground_fissures/queryables").await;
    assert_eq!(
        lines.json["properties"]["geometry"]["format"],
        "geometry-multilinestring"
    );
}

#[tokio::test]
async fn text_comparisons_select_by_number_text_and_date() {
    assert_eq!(text("mining_rights", "mineral = '煤'").await, [C1]);
    assert_eq!(text("mining_rights", "area_km2 > 1").await, [C1, C3]);
    assert_eq!(text("mining_rights", "area_km2 <= 2").await, [C2, C3]);
    assert_eq!(text("mining_rights", "area_km2 <> 2").await, [C1, C2]);
    assert_eq!(text("mining_rights", "area_km2 >= 12.5").await, [C1]);
    assert_eq!(
        text("mining_rights", "area_km2 < 0.8").await,
        Vec::<String>::new()
    );
    assert_eq!(
        text("mining_rights", "valid_to < DATE('2020-01-01')").await,
        [C3]
    );
    assert_eq!(
        text(
            "mining_rights",
            "valid_from >= TIMESTAMP('2019-12-31T00:00:00Z')"
        )
        .await,
        [C2]
    );
    assert_eq!(text("mining_rights", "\"mineral\" = '铁矿'").await, [C2]);
}

#[tokio::test]
async fn text_logic_combines_with_and_or_not_and_parentheses() {
    assert_eq!(
        text("mining_rights", "mineral = '煤' OR area_km2 < 1").await,
        [C1, C2]
    );
    assert_eq!(
        text("mining_rights", "NOT (mineral = '煤')").await,
        [C2, C3]
    );
    assert_eq!(
        text("mining_rights", "area_km2 > 1 and not mineral = '煤'").await,
        [C3]
    );
    assert_eq!(
        text(
            "mining_rights",
            "(area_km2 > 1 OR holder IS NULL) AND valid_to > DATE('2024-01-01')"
        )
        .await,
        [C1, C2]
    );
    assert_eq!(text("mining_rights", "TRUE").await, [C1, C2, C3]);
}

#[tokio::test]
async fn text_like_in_between_and_is_null() {
    assert_eq!(text("mining_rights", "name LIKE '%铁矿%'").await, [C2]);
    assert_eq!(
        text("mining_rights", "name NOT LIKE '%铁矿%'").await,
        [C1, C3]
    );
    assert_eq!(
        text("mining_rights", "mineral IN ('煤', '石灰岩')").await,
        [C1, C3]
    );
    assert_eq!(
        text("mining_rights", "mineral NOT IN ('煤', '石灰岩')").await,
        [C2]
    );
    assert_eq!(
        text("mining_rights", "area_km2 BETWEEN 0.5 AND 2").await,
        [C2, C3]
    );
    assert_eq!(
        text("mining_rights", "area_km2 NOT BETWEEN 0.5 AND 2").await,
        [C1]
    );
    assert_eq!(text("mining_rights", "holder IS NULL").await, [C2]);
    assert_eq!(text("mining_rights", "holder IS NOT NULL").await, [C1, C3]);
}

#[tokio::test]
async fn json_encodes_the_same_operators() {
    let eq = |p: &str, v: Value| json!({"op": "=", "args": [prop(p), v]});
    assert_eq!(
        cql_json("mining_rights", eq("mineral", json!("煤"))).await,
        [C1]
    );
    assert_eq!(
        cql_json(
            "mining_rights",
            json!({"op": ">", "args": [prop("area_km2"), 1]})
        )
        .await,
        [C1, C3]
    );
    assert_eq!(
        cql_json(
            "mining_rights",
            json!({"op": "<", "args": [prop("valid_to"), {"date": "2020-01-01"}]})
        )
        .await,
        [C3]
    );
    assert_eq!(
        cql_json(
            "mining_rights",
            json!({"op": ">=", "args": [prop("valid_from"), {"timestamp": "2019-12-31T00:00:00Z"}]})
        )
        .await,
        [C2]
    );
    assert_eq!(cql_json("mining_rights", json!({"op": "or", "args": [eq("mineral", json!("煤")), {"op": "<", "args": [prop("area_km2"), 1]}]})).await, [C1, C2]);
    assert_eq!(cql_json("mining_rights", json!({"op": "and", "args": [{"op": ">", "args": [prop("area_km2"), 1]}, {"op": "not", "args": [eq("mineral", json!("煤"))]}]})).await, [C3]);
    assert_eq!(
        cql_json(
            "mining_rights",
            json!({"op": "like", "args": [prop("name"), "%铁矿%"]})
        )
        .await,
        [C2]
    );
    assert_eq!(
        cql_json(
            "mining_rights",
            json!({"op": "in", "args": [prop("mineral"), ["煤", "石灰岩"]]})
        )
        .await,
        [C1, C3]
    );
    assert_eq!(
        cql_json(
            "mining_rights",
            json!({"op": "between", "args": [prop("area_km2"), 0.5, 2]})
        )
        .await,
        [C2, C3]
    );
    assert_eq!(
        cql_json(
            "mining_rights",
            json!({"op": "isNull", "args": [prop("holder")]})
        )
        .await,
        [C2]
    );
}

#[tokio::test]
async fn s_intersects_takes_point_bbox_polygon_and_multipolygon_literals() {
    assert_eq!(
        text(
            "mining_rights",
            "S_INTERSECTS(geometry, POINT(112.605 36.305))"
        )
        .await,
        [C2]
    );
    assert_eq!(
        text(
            "mining_rights",
            "S_INTERSECTS(geometry, BBOX(112.69, 36.19, 112.705, 36.205))"
        )
        .await,
        [C3]
    );
    assert_eq!(
        text("mining_rights", "S_INTERSECTS(geometry, POLYGON((112.69 36.19, 112.705 36.19, 112.705 36.205, 112.69 36.205, 112.69 36.19)))").await,
        [C3]
    );
    assert_eq!(
        text("mining_rights", "S_INTERSECTS(geometry, MULTIPOLYGON(((112.69 36.19, 112.705 36.19, 112.705 36.205, 112.69 36.19)), ((112.6 36.3, 112.605 36.3, 112.605 36.305, 112.6 36.3))))").await,
        [C2, C3]
    );
    // A point in C1's hole is not in C1; a point on C2's edge is.
    assert_eq!(
        text(
            "mining_rights",
            "S_INTERSECTS(geometry, POINT(112.92 36.193))"
        )
        .await,
        Vec::<String>::new()
    );
    assert_eq!(
        text(
            "mining_rights",
            "S_INTERSECTS(geometry, POINT(112.6 36.305))"
        )
        .await,
        [C2]
    );
    // The JSON encoding takes GeoJSON geometry and bbox.
    let point = json!({"op": "s_intersects", "args": [prop("geometry"), {"type": "Point", "coordinates": [112.605, 36.305]}]});
    assert_eq!(cql_json("mining_rights", point).await, [C2]);
    let bbox = json!({"op": "s_intersects", "args": [prop("geometry"), {"bbox": [112.69, 36.19, 112.705, 36.205]}]});
    assert_eq!(cql_json("mining_rights", bbox).await, [C3]);
}

#[tokio::test]
async fn s_intersects_takes_lines_and_multipoints_and_meets_line_and_point_layers() {
    // A line across C3 only.
    assert_eq!(
        text(
            "mining_rights",
            "S_INTERSECTS(geometry, LINESTRING(112.69 36.21, 112.73 36.21))"
        )
        .await,
        [C3]
    );
    assert_eq!(
        text(
            "mining_rights",
            "S_INTERSECTS(geometry, MULTIPOINT((112.605 36.305), (112.71 36.21)))"
        )
        .await,
        [C2, C3]
    );
    assert_eq!(
        text(
            "ground_fissures",
            "S_INTERSECTS(geometry, BBOX(112.88, 36.16, 112.91, 36.19))"
        )
        .await,
        ["GF-1"]
    );
    assert_eq!(text("boreholes", "S_INTERSECTS(geometry, POLYGON((112.89 36.16, 112.91 36.16, 112.91 36.18, 112.89 36.16)))").await, ["1"]);
    assert_eq!(
        text("ground_fissures", "S_INTERSECTS(geometry, GEOMETRYCOLLECTION(POINT(0 0), LINESTRING(112.555 36.34, 112.555 36.36)))").await,
        ["GF-2"]
    );
}

#[tokio::test]
async fn filter_crs_reads_literals_in_the_authority_axis_order() {
    let a = get(
        ogc_layers(),
        &format!(
            "/collections/mining_rights/items?filter={}&filter-crs={}",
            enc("S_INTERSECTS(geometry, POINT(36.305 112.605))"),
            enc("http://www.opengis.net/def/crs/EPSG/0/4490")
        ),
    )
    .await;
    assert_eq!(a.ids(), [C2], "{}", a.text);
    // Around C1's first vertex, which pyproj puts at 4004430.36 N, 38399405.44 E in EPSG:4526.
    let b = get(
        ogc_layers(),
        &format!(
            "/collections/mining_rights/items?filter={}&filter-crs=EPSG:4526",
            enc("S_INTERSECTS(geometry, BBOX(4004200, 38399200, 4004700, 38399700))")
        ),
    )
    .await;
    assert_eq!(b.ids(), [C1], "{}", b.text);
}

#[tokio::test]
async fn filters_combine_with_bbox_and_datetime() {
    let a = get(ogc_layers(), &format!("/collections/mining_rights/items?bbox=112.5,36.1,112.8,36.4&datetime=2016-01-01&filter={}", enc("area_km2 > 1"))).await;
    assert_eq!(a.ids(), [C3]);
}

/// `(layer, feature id)` of every conflict and adjacent feature `/check` reports.
async fn check_reports(candidate: &Value) -> BTreeSet<(String, String)> {
    let a = ogc_support::post_json(layers(), "/check", candidate).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let mut out = BTreeSet::new();
    for c in a.json["conflicts"]["features"].as_array().unwrap() {
        out.insert((
            c["properties"]["layer"].as_str().unwrap().to_string(),
            id_text(&c["properties"]["feature_id"]),
        ));
    }
    for c in a.json["adjacent"].as_array().unwrap() {
        out.insert((
            c["layer"].as_str().unwrap().to_string(),
            id_text(&c["feature_id"]),
        ));
    }
    out
}

fn id_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

async fn s_intersects_all_layers(geometry: &Value) -> BTreeSet<(String, String)> {
    let filter = json!({"op": "s_intersects", "args": [prop("geometry"), geometry]}).to_string();
    let mut out = BTreeSet::new();
    for layer in [
        "ecological_redline",
        "basic_farmland",
        "prohibited_zones",
        "subsidence_areas",
        "energy_bases",
    ] {
        let a = get(
            layers(),
            &format!(
                "/collections/{layer}/items?limit=10000&filter-lang=cql2-json&filter={}",
                enc(&filter)
            ),
        )
        .await;
        assert_eq!(a.status, 200, "{}", a.text);
        out.extend(a.ids().into_iter().map(|id| (layer.to_string(), id)));
    }
    out
}

#[tokio::test]
async fn s_intersects_finds_exactly_the_features_check_reports_for_every_crs84_candidate() {
    let dir = repo().join("tests/fixtures/candidates");
    let mut compared = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let geometry = if v["type"] == "Feature" {
            v["geometry"].clone()
        } else {
            v.clone()
        };
        let crs = v["properties"]["crs"].as_str().unwrap_or("OGC:CRS84");
        if crs != "OGC:CRS84"
            || geometry["coordinates"][0][0][0]
                .as_f64()
                .is_some_and(|x| x > 180.0)
        {
            continue;
        }
        let from_check = check_reports(&v).await;
        let from_filter = s_intersects_all_layers(&geometry).await;
        assert_eq!(from_filter, from_check, "{}", path.display());
        compared += 1;
    }
    assert!(compared >= 8, "only {compared} candidates compared");
}

#[tokio::test]
async fn s_intersects_in_cql2_text_matches_check_for_the_partial_overlaps_candidate() {
    let v: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("tests/fixtures/candidates/partial_overlaps.geojson"))
            .unwrap(),
    )
    .unwrap();
    let rings: Vec<String> = v["geometry"]["coordinates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let pts: Vec<String> = r
                .as_array()
                .unwrap()
                .iter()
                .map(|p| format!("{} {}", p[0], p[1]))
                .collect();
            format!("({})", pts.join(", "))
        })
        .collect();
    let wkt = format!("POLYGON({})", rings.join(", "));
    let mut from_filter = BTreeSet::new();
    for layer in [
        "ecological_redline",
        "basic_farmland",
        "prohibited_zones",
        "subsidence_areas",
        "energy_bases",
    ] {
        let a = get(
            layers(),
            &format!(
                "/collections/{layer}/items?limit=100&filter={}",
                enc(&format!("S_INTERSECTS(geometry, {wkt})"))
            ),
        )
        .await;
        from_filter.extend(a.ids().into_iter().map(|id| (layer.to_string(), id)));
    }
    let from_check = check_reports(&v).await;
    assert_eq!(from_filter, from_check);
    // The note on the candidate: farmland 107 sits in the hole, so it is not met.
    assert!(!from_filter.contains(&("basic_farmland".into(), "107".into())));
    assert!(from_filter.contains(&("prohibited_zones".into(), "PZ-05".into())));
}

#[tokio::test]
async fn a_bad_filter_is_a_400_problem_saying_where_it_fails() {
    let a = get(
        ogc_layers(),
        &format!(
            "/collections/mining_rights/items?filter={}",
            enc("mineral = '煤' AND area_km2 >")
        ),
    )
    .await;
    assert_eq!(a.status, 400);
    assert_eq!(a.header("content-type"), "application/problem+json");
    assert_eq!(a.json["type"], "/problems/invalid-filter");
    // One past the last character: the filter ends where a value was due.
    assert_eq!(a.json["position"], 29);
    assert!(
        a.json["detail"]
            .as_str()
            .unwrap()
            .contains("at character 29"),
        "{}",
        a.text
    );

    let j = get(
        ogc_layers(),
        &format!(
            "/collections/mining_rights/items?filter-lang=cql2-json&filter={}",
            enc(r#"{"op":"and","args":[true,{"op":"~","args":[]}]}"#)
        ),
    )
    .await;
    assert_eq!(j.status, 400);
    assert_eq!(j.json["pointer"], "/args/1/op");

    let unknown = get(
        ogc_layers(),
        &format!(
            "/collections/mining_rights/items?filter={}",
            enc("colour = 'red'")
        ),
    )
    .await;
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.json["type"], "/problems/unknown-property");

    for (name, value) in [("filter-lang", "cql3"), ("filter-crs", "EPSG:2000")] {
        let a = get(
            ogc_layers(),
            &format!(
                "/collections/mining_rights/items?filter=TRUE&{name}={}",
                enc(value)
            ),
        )
        .await;
        assert_eq!(a.status, 400, "{name}");
        assert_eq!(a.json["parameter"], name);
    }
    let unsupported = get(
        ogc_layers(),
        &format!(
            "/collections/mining_rights/items?filter={}",
            enc("S_WITHIN(geometry, POINT(1 2))")
        ),
    )
    .await;
    assert_eq!(unsupported.status, 400);
}
