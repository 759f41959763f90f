//! OGC API – Features Part 1 (core, GeoJSON, OpenAPI 3.0): what the OGC
//! executable test suite (ets-ogcapi-features10) asserts, mirrored here,
//! plus paging, clamping, ETags, CORS and compression.

mod ogc_support;

use ogc_support::{enc, get, get_with, layers, local, ogc_layers};
use serde_json::Value;

const CORE: &str = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core";

#[tokio::test]
async fn the_landing_page_links_to_the_api_definition_conformance_and_collections() {
    let a = get(layers(), "/").await;
    assert_eq!(a.status, 200);
    assert_eq!(a.header("content-type"), "application/json");
    assert_eq!(
        a.link(
            "service-desc",
            Some("application/vnd.oai.openapi+json;version=3.0")
        )
        .as_deref(),
        Some("http://planmap.test:8080/api")
    );
    assert_eq!(
        a.link("conformance", None).as_deref(),
        Some("http://planmap.test:8080/conformance")
    );
    assert_eq!(
        a.link("data", None).as_deref(),
        Some("http://planmap.test:8080/collections")
    );
    assert!(a.link("self", Some("application/json")).is_some());
}

#[tokio::test]
async fn links_follow_the_forwarded_host_and_scheme_of_a_proxy() {
    let a = get_with(
        layers(),
        "/",
        &[
            ("x-forwarded-proto", "https"),
            ("x-forwarded-host", "maps.example.cn"),
        ],
    )
    .await;
    assert_eq!(
        a.link("data", None).as_deref(),
        Some("https://maps.example.cn/collections")
    );
}

#[tokio::test]
async fn every_link_everywhere_has_rel_and_type() {
    let mut uris = vec!["/".to_string(), "/collections".into()];
    for id in ["basic_farmland", "ecological_redline"] {
        uris.push(format!("/collections/{id}"));
        uris.push(format!("/collections/{id}/items?limit=2"));
    }
    uris.push("/collections/basic_farmland/items/101".into());
    for uri in uris {
        let a = get(layers(), &uri).await;
        let mut links: Vec<Value> = a.json["links"].as_array().unwrap().clone();
        for c in a.json["collections"].as_array().into_iter().flatten() {
            links.extend(c["links"].as_array().unwrap().iter().cloned());
        }
        assert!(!links.is_empty(), "{uri}");
        for l in links {
            assert!(
                l["rel"].is_string() && l["type"].is_string() && l["href"].is_string(),
                "{uri}: {l}"
            );
        }
    }
}

#[tokio::test]
async fn conformance_declares_core_and_every_declared_class_is_one_planmap_tests() {
    let a = get(layers(), "/conformance").await;
    let classes: Vec<&str> = a.json["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(classes.contains(&CORE));
    // The classes and the test files that cover them.
    let tested = [
        ("ogcapi-features-1/1.0/conf/core", "ogc_core.rs"),
        ("ogcapi-features-1/1.0/conf/oas30", "ogc_core.rs"),
        ("ogcapi-features-1/1.0/conf/geojson", "ogc_core.rs"),
        ("ogcapi-features-1/1.0/conf/html", "ogc_html.rs"),
        ("ogcapi-features-2/1.0/conf/crs", "ogc_crs.rs"),
        ("ogcapi-features-3/1.0/conf/queryables", "ogc_filter.rs"),
        ("ogcapi-features-3/1.0/conf/filter", "ogc_filter.rs"),
        (
            "ogcapi-features-3/1.0/conf/features-filter",
            "ogc_filter.rs",
        ),
        ("cql2/1.0/conf/cql2-text", "ogc_filter.rs"),
        ("cql2/1.0/conf/cql2-json", "ogc_filter.rs"),
        ("cql2/1.0/conf/basic-cql2", "ogc_filter.rs"),
        (
            "cql2/1.0/conf/advanced-comparison-operators",
            "ogc_filter.rs",
        ),
        ("cql2/1.0/conf/basic-spatial-functions", "ogc_filter.rs"),
        (
            "cql2/1.0/conf/basic-spatial-functions-plus",
            "ogc_filter.rs",
        ),
    ];
    let mut expected: Vec<String> = tested
        .iter()
        .map(|(c, _)| format!("http://www.opengis.net/spec/{c}"))
        .collect();
    // OGC API – Tiles, all tested in vector_tiles_decode_like_the_layers.rs.
    expected.extend(
        [
            "core",
            "tileset",
            "tilesets-list",
            "geodata-tilesets",
            "dataset-tilesets",
            "collections-selection",
            "mvt",
            "oas30",
        ]
        .map(|c| format!("http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/{c}")),
    );
    let mut got: Vec<String> = classes.iter().map(|c| c.to_string()).collect();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
}

#[tokio::test]
async fn the_api_is_an_openapi_3_0_document_declaring_limit_bbox_and_datetime_as_form_not_exploded()
{
    let a = get(layers(), "/api").await;
    assert_eq!(a.status, 200);
    assert_eq!(
        a.header("content-type"),
        "application/vnd.oai.openapi+json;version=3.0"
    );
    assert!(a.json["openapi"].as_str().unwrap().starts_with("3.0."));
    let params = &a.json["components"]["parameters"];
    let limit = &params["limit"];
    assert_eq!(limit["in"], "query");
    assert_eq!(limit["schema"]["type"], "integer");
    assert_eq!(limit["schema"]["minimum"], 1);
    assert_eq!(limit["schema"]["maximum"], 10000);
    assert_eq!(limit["schema"]["default"], 10);
    let bbox = &params["bbox"];
    assert_eq!(bbox["schema"]["type"], "array");
    assert_eq!(bbox["schema"]["minItems"], 4);
    assert_eq!(bbox["schema"]["maxItems"], 6);
    assert_eq!(bbox["schema"]["items"]["type"], "number");
    assert_eq!(params["datetime"]["schema"]["type"], "string");
    for p in ["limit", "bbox", "datetime"] {
        assert_eq!(params[p]["style"], "form", "{p}");
        assert_eq!(params[p]["explode"], false, "{p}");
    }
    let items = &a.json["paths"]["/collections/{collectionId}/items"]["get"]["parameters"];
    let refs: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["$ref"].as_str().unwrap())
        .collect();
    for p in [
        "limit",
        "bbox",
        "datetime",
        "crs",
        "bbox-crs",
        "filter",
        "filter-lang",
        "filter-crs",
    ] {
        assert!(
            refs.contains(&format!("#/components/parameters/{p}").as_str()),
            "{p}"
        );
    }
    for path in [
        "/",
        "/conformance",
        "/api",
        "/collections",
        "/collections/{collectionId}",
        "/collections/{collectionId}/items/{featureId}",
        "/collections/{collectionId}/queryables",
    ] {
        assert!(a.json["paths"][path]["get"].is_object(), "{path}");
    }
}

#[tokio::test]
async fn an_unknown_or_invalid_parameter_is_a_400_problem() {
    for uri in [
        "/collections/basic_farmland/items?colour=red",
        "/collections/basic_farmland/items?limit=0",
        "/collections/basic_farmland/items?limit=ten",
        "/collections/basic_farmland/items?bbox=1,2,3",
        "/collections/basic_farmland/items?bbox=113,36,112,37",
        "/collections/basic_farmland/items?datetime=yesterday",
        "/collections/basic_farmland/items?f=xml",
        "/collections?colour=red",
        "/?colour=red",
    ] {
        let a = get(layers(), uri).await;
        assert_eq!(a.status, 400, "{uri}: {}", a.text);
        assert_eq!(
            a.header("content-type"),
            "application/problem+json",
            "{uri}"
        );
        assert_eq!(a.json["status"], 400);
        assert!(a.json["detail"].as_str().unwrap().len() > 10);
    }
}

#[tokio::test]
async fn an_unknown_collection_or_feature_is_a_404_problem() {
    for uri in [
        "/collections/nope",
        "/collections/nope/items",
        "/collections/basic_farmland/items/999",
    ] {
        let a = get(layers(), uri).await;
        assert_eq!(a.status, 404, "{uri}");
        assert_eq!(a.header("content-type"), "application/problem+json");
    }
}

#[tokio::test]
async fn collections_list_every_layer_with_a_crs84_extent_and_items_link() {
    let a = get(layers(), "/collections").await;
    let cs = a.json["collections"].as_array().unwrap();
    let ids: Vec<&str> = cs.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "ecological_redline",
            "basic_farmland",
            "prohibited_zones",
            "subsidence_areas",
            "energy_bases"
        ]
    );
    let farmland = &cs[1];
    assert_eq!(
        farmland["extent"]["spatial"]["crs"],
        "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    );
    // The box of the fixture's farmland parcels, from the layer file.
    assert_eq!(
        farmland["extent"]["spatial"]["bbox"][0],
        serde_json::json!([112.491, 36.184, 112.9205, 36.431])
    );
    assert_eq!(farmland["itemType"], "feature");
    let items = farmland["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "items" && l["type"] == "application/geo+json");
    assert_eq!(
        items.unwrap()["href"],
        "http://planmap.test:8080/collections/basic_farmland/items"
    );
}

#[tokio::test]
async fn items_are_geojson_with_exact_counts() {
    let a = get(layers(), "/collections/basic_farmland/items").await;
    assert_eq!(a.status, 200);
    assert_eq!(a.header("content-type"), "application/geo+json");
    assert_eq!(a.json["type"], "FeatureCollection");
    assert_eq!(a.json["numberMatched"], 8);
    assert_eq!(a.json["numberReturned"], 8);
    let f = &a.json["features"][0];
    assert_eq!(f["type"], "Feature");
    assert_eq!(f["id"], 101);
    assert_eq!(f["geometry"]["type"], "Polygon");
    assert!(f["properties"]["name"].as_str().unwrap().contains("101"));
    assert!(a.json["timeStamp"].is_string());
}

#[tokio::test]
async fn one_item_is_a_geojson_feature_linking_to_its_collection() {
    let a = get(layers(), "/collections/prohibited_zones/items/PZ-02").await;
    assert_eq!(a.status, 200);
    assert_eq!(a.header("content-type"), "application/geo+json");
    assert_eq!(a.json["id"], "PZ-02");
    assert_eq!(
        a.json["geometry"]["coordinates"][0][0],
        serde_json::json!([112.74, 36.37])
    );
    assert_eq!(
        a.link("collection", None).as_deref(),
        Some("http://planmap.test:8080/collections/prohibited_zones")
    );
}

#[tokio::test]
async fn a_limit_above_the_maximum_is_clamped_not_refused() {
    let a = get(layers(), "/collections/basic_farmland/items?limit=1000000").await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json["numberReturned"], 8);
    let next = a.link("self", None).unwrap();
    assert!(next.contains("limit=10000"), "{next}");
}

#[tokio::test]
async fn paging_with_next_and_prev_visits_every_feature_once_with_exact_counts() {
    let state = layers();
    let mut uri = "/collections/basic_farmland/items?limit=3".to_string();
    let mut seen = Vec::new();
    let mut returned = Vec::new();
    loop {
        let a = get(state.clone(), &uri).await;
        assert_eq!(a.json["numberMatched"], 8);
        returned.push(a.json["numberReturned"].as_u64().unwrap());
        seen.extend(a.ids());
        match a.link("next", Some("application/geo+json")) {
            Some(next) => uri = local(&next),
            None => break,
        }
    }
    assert_eq!(returned, [3, 3, 2]);
    assert_eq!(
        seen,
        ["101", "102", "103", "104", "105", "106", "107", "108"]
    );
    // From the last page, prev goes back one page.
    let last = get(state.clone(), &uri).await;
    let prev = get(state, &local(&last.link("prev", None).unwrap())).await;
    assert_eq!(prev.ids(), ["104", "105", "106"]);
    assert!(prev.link("next", None).is_some());
}

#[tokio::test]
async fn first_page_has_no_prev_link() {
    let a = get(layers(), "/collections/basic_farmland/items?limit=3").await;
    assert!(a.link("prev", None).is_none());
    assert!(a.link("next", None).is_some());
}

#[tokio::test]
async fn bbox_keeps_the_features_whose_geometry_meets_the_box() {
    // Around PZ-02 only (its ring spans 112.739..112.756, 36.368..36.383).
    let a = get(
        layers(),
        "/collections/prohibited_zones/items?bbox=112.73,36.36,112.76,36.39",
    )
    .await;
    assert_eq!(a.ids(), ["PZ-02"]);
    assert_eq!(a.json["numberMatched"], 1);
    // A 6-number box (with heights) is read the same.
    let b = get(
        layers(),
        "/collections/prohibited_zones/items?bbox=112.73,36.36,0,112.76,36.39,100",
    )
    .await;
    assert_eq!(b.ids(), ["PZ-02"]);
    let none = get(
        layers(),
        "/collections/prohibited_zones/items?bbox=100,10,101,11",
    )
    .await;
    assert_eq!(none.json["numberMatched"], 0);
}

#[tokio::test]
async fn bbox_inside_an_l_shapes_notch_does_not_match_the_l() {
    // Feature PZ-01 is an L: its notch (112.505..112.518, 36.415..36.425) is outside it.
    let a = get(
        layers(),
        "/collections/prohibited_zones/items?bbox=112.506,36.416,112.517,36.424",
    )
    .await;
    assert_eq!(a.json["numberMatched"], 0, "{}", a.text);
}

#[tokio::test]
async fn datetime_selects_licences_valid_at_an_instant_or_during_an_interval() {
    let cases = [
        (
            "2016-01-01",
            vec!["C1404002009061220001", "C1404002010031510003"],
        ),
        (
            "2024-06-30T12:00:00Z",
            vec!["C1404002009061220001", "C1404002020011110002"],
        ),
        ("2026-01-01/..", vec!["C1404002020011110002"]),
        ("../2012-01-01", vec!["C1404002010031510003"]),
        // The limestone licence ended the day before.
        ("2019-03-15/2019-12-31", vec!["C1404002009061220001"]),
        ("1999-01-01/2000-01-01", vec![]),
    ];
    for (dt, expected) in cases {
        let a = get(
            ogc_layers(),
            &format!("/collections/mining_rights/items?datetime={}", enc(dt)),
        )
        .await;
        assert_eq!(a.status, 200, "{dt}: {}", a.text);
        assert_eq!(a.ids(), expected, "{dt}");
    }
    let c = get(ogc_layers(), "/collections/mining_rights").await;
    assert_eq!(
        c.json["extent"]["temporal"]["interval"][0],
        serde_json::json!(["2010-03-15", "2030-12-31"])
    );
}

#[tokio::test]
async fn an_etag_answered_in_if_none_match_gives_304() {
    for uri in [
        "/collections/basic_farmland/items?limit=2",
        "/collections/basic_farmland",
        "/collections/basic_farmland/items/101",
    ] {
        let a = get(layers(), uri).await;
        let tag = a.header("etag").to_string();
        assert!(tag.starts_with('"') && tag.len() > 4, "{uri}: {tag}");
        let again = get_with(layers(), uri, &[("if-none-match", &tag)]).await;
        assert_eq!(again.status, 304, "{uri}");
        assert_eq!(again.header("etag"), tag);
        assert!(again.text.is_empty());
        let stale = get_with(layers(), uri, &[("if-none-match", "\"other\"")]).await;
        assert_eq!(stale.status, 200);
    }
    // Another page is another representation.
    let p1 = get(layers(), "/collections/basic_farmland/items?limit=2").await;
    let p2 = get(
        layers(),
        "/collections/basic_farmland/items?limit=2&offset=2",
    )
    .await;
    assert_ne!(p1.header("etag"), p2.header("etag"));
}

#[tokio::test]
async fn any_origin_may_read_the_api_and_see_etag_and_content_crs() {
    let a = get_with(
        layers(),
        "/collections/basic_farmland/items",
        &[("origin", "http://map.example")],
    )
    .await;
    assert_eq!(a.header("access-control-allow-origin"), "*");
    let exposed = a
        .header("access-control-expose-headers")
        .to_ascii_lowercase();
    assert!(
        exposed.contains("etag") && exposed.contains("content-crs"),
        "{exposed}"
    );
}

#[tokio::test]
async fn responses_are_gzipped_for_clients_that_accept_it() {
    let a = get_with(
        layers(),
        "/collections/basic_farmland/items",
        &[("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(a.header("content-encoding"), "gzip");
}

#[tokio::test]
async fn the_older_endpoints_still_answer() {
    let a = get(layers(), "/layers").await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json.as_array().unwrap().len(), 5);
    assert_eq!(get(layers(), "/health").await.json["status"], "ok");
}
