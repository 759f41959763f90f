//! Submitted candidates show up as an OGC API collection beside the planning
//! layers, so a map shows them together; edits and reviews show at once.

mod store_support;

use serde_json::Value;
use store_support::*;

#[tokio::test]
async fn a_submitted_candidate_is_an_item_of_the_candidates_collection_with_its_status() {
    let dir = TempDir::new("ogc-candidates");
    let (state, store, _) = state_in(dir.path(), true);
    let tokens = make_tokens(store.as_ref());
    let base = serve(state).await;
    let http = reqwest::Client::new();

    let (status, listed, _) = send(http.get(format!("{base}/collections"))).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = listed["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"candidates"), "{ids:?}");

    let geometry = square(112.9, 36.2, 0.01);
    let body = candidate_body("候选一", geometry.clone());
    let (status, created, _) = send(
        with_token(
            http.post(format!("{base}/candidates")),
            Some(&tokens.planner),
        )
        .json(&body),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();

    let (status, items, _) = send(http.get(format!("{base}/collections/candidates/items"))).await;
    assert_eq!(status, 200);
    assert_eq!(items["numberMatched"], 1);
    let item = &items["features"][0];
    assert_eq!(item["id"], id);
    assert_eq!(item["properties"]["name"], "候选一");
    assert_eq!(item["properties"]["status"], "submitted");
    assert_eq!(item["properties"]["version"], 1);
    // The geometry is the submitted square, in CRS84 (to within float printing).
    let flat = |v: &Value| -> Vec<f64> {
        v[0].as_array()
            .unwrap()
            .iter()
            .flat_map(|p| [p[0].as_f64().unwrap(), p[1].as_f64().unwrap()])
            .collect()
    };
    let (got, sent) = (
        flat(&item["geometry"]["coordinates"]),
        flat(&geometry["coordinates"]),
    );
    assert_eq!(got.len(), sent.len());
    assert!(
        got.iter().zip(&sent).all(|(a, b)| (a - b).abs() < 1e-9),
        "{got:?} {sent:?}"
    );

    // A review changes the status; the collection shows it (and its ETag changes).
    let (_, first, etag_before) =
        send_with_etag(&http, &format!("{base}/collections/candidates/items")).await;
    let (status, review, _) = send(with_token(
        http.post(format!("{base}/candidates/{id}/reviews")),
        Some(&tokens.reviewer),
    ))
    .await;
    assert_eq!(status, 201, "{review}");
    let (_, after, etag_after) =
        send_with_etag(&http, &format!("{base}/collections/candidates/items")).await;
    assert_ne!(etag_before, etag_after);
    assert_eq!(first["features"][0]["properties"]["status"], "submitted");
    assert_eq!(
        after["features"][0]["properties"]["status"],
        review["verdict"]
    );
}

/// The WebMercatorQuad tile (zoom, row, column) of a longitude/latitude.
fn tile_of(lon: f64, lat: f64, zoom: u32) -> (u32, u32, u32) {
    let n = f64::from(1u32 << zoom);
    let lat = lat.to_radians();
    let col = ((lon + 180.0) / 360.0 * n) as u32;
    let row = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n) as u32;
    (zoom, row, col)
}

#[tokio::test]
async fn a_candidates_vector_tile_carries_its_status_and_once_reviewed_its_verdict() {
    use geozero::mvt::{Message, Tile};
    let dir = TempDir::new("tiles-candidates");
    let (state, store, _) = state_in(dir.path(), true);
    let tokens = make_tokens(store.as_ref());
    let base = serve(state).await;
    let http = reqwest::Client::new();
    let body = candidate_body("候选一", square(112.9, 36.2, 0.01));
    let (status, created, _) = send(
        with_token(
            http.post(format!("{base}/candidates")),
            Some(&tokens.planner),
        )
        .json(&body),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    let (z, row, col) = tile_of(112.905, 36.205, 12);
    let url = format!("{base}/collections/candidates/tiles/WebMercatorQuad/{z}/{row}/{col}");
    let attributes = |bytes: &[u8]| -> Vec<(String, String)> {
        let tile = Tile::decode(bytes).unwrap();
        let layer = &tile.layers[0];
        assert_eq!(layer.name, "candidates");
        layer.features[0]
            .tags
            .chunks(2)
            .map(|kv| {
                let v = &layer.values[kv[1] as usize];
                let text = v
                    .string_value
                    .clone()
                    .or(v.sint_value.map(|i| i.to_string()))
                    .or(v.double_value.map(|d| d.to_string()))
                    .unwrap_or_default();
                (layer.keys[kv[0] as usize].clone(), text)
            })
            .collect()
    };
    let before = http.get(&url).send().await.unwrap().bytes().await.unwrap();
    let before = attributes(&before);
    assert!(
        before.contains(&("id".into(), id.to_string())),
        "{before:?}"
    );
    assert!(
        before.contains(&("status".into(), "submitted".into())),
        "{before:?}"
    );
    assert!(!before.iter().any(|(k, _)| k == "verdict"), "{before:?}");
    let (status, review, _) = send(with_token(
        http.post(format!("{base}/candidates/{id}/reviews")),
        Some(&tokens.reviewer),
    ))
    .await;
    assert_eq!(status, 201, "{review}");
    let after = http.get(&url).send().await.unwrap().bytes().await.unwrap();
    let after = attributes(&after);
    let verdict = review["verdict"].as_str().unwrap().to_string();
    assert!(
        after.contains(&("verdict".into(), verdict.clone())),
        "{after:?}"
    );
    assert!(after.contains(&("status".into(), verdict)), "{after:?}");
}

async fn send_with_etag(http: &reqwest::Client, url: &str) -> (u16, Value, String) {
    let response = http.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    let etag = response
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, response.json().await.unwrap(), etag)
}
