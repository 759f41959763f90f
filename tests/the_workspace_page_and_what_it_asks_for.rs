//! What the web workspace needs from the server, over real HTTP: the page
//! at `/map` (its configuration written in safely, loadable where reads
//! need a token), `/session`, the candidate as read (`echo=true`) and a
//! diff with geometry. The browser itself is driven by
//! `the_web_workspace_works_in_a_browser.rs`.

mod store_support;

use planmap::api::workspace::{Basemap, WorkspaceConfig};
use serde_json::{Value, json};
use store_support::*;

fn coordinates(geometry: &Value) -> Vec<[f64; 2]> {
    fn walk(v: &Value, out: &mut Vec<[f64; 2]>) {
        match v.as_array() {
            Some(a) if a.first().is_some_and(Value::is_number) => {
                out.push([a[0].as_f64().unwrap(), a[1].as_f64().unwrap()])
            }
            Some(a) => a.iter().for_each(|c| walk(c, out)),
            None => {}
        }
    }
    let mut out = Vec::new();
    walk(&geometry["coordinates"], &mut out);
    out
}

#[tokio::test]
async fn a_check_with_echo_gives_the_gbk_txt_file_back_where_pyproj_put_its_corners() {
    let dir = TempDir::new("echo");
    let (state, _, _) = state_in(dir.path(), true);
    let base = serve(state).await;
    let http = reqwest::Client::new();
    let txt = std::fs::read(repo().join("tests/fixtures/workspace/licence_gbk.txt")).unwrap();
    let (status, answer, _) = send(
        http.post(format!("{base}/check?echo=true"))
            .header("content-type", "text/plain")
            .body(txt.clone()),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["input"]["encoding"], "GB18030");
    let parts = answer["input"]["geometry"]["features"].as_array().unwrap();
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0]["properties"]["parcel"], "XK-01");
    assert_eq!(parts[0]["properties"]["name"], "余吾煤矿拟出让采矿权");
    // The file's corners are pyproj's conversion of this GeoJSON to zone 38,
    // rounded to 0.01 m (about 1e-7°): read back, they are its corners.
    let source: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("layers/examples/overlaps_mining_right.geojson"))
            .unwrap(),
    )
    .unwrap();
    let source_geometry = source.get("geometry").unwrap_or(&source);
    let want = coordinates(source_geometry);
    let got = coordinates(&parts[0]["geometry"]);
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for p in &got {
        assert!(
            want.iter()
                .any(|q| (p[0] - q[0]).abs() < 2e-7 && (p[1] - q[1]).abs() < 2e-7),
            "corner {p:?} read from the TXT file is none of the source's {want:?}"
        );
    }
    // Without echo the answer is what it always was: a review recorded
    // before echo existed still verifies byte for byte.
    let (_, plain, _) = send(
        http.post(format!("{base}/check"))
            .header("content-type", "text/plain")
            .body(txt),
    )
    .await;
    assert!(
        plain["input"].get("geometry").is_none(),
        "{}",
        plain["input"]
    );
    let (status, refused, _) =
        send(http.post(format!("{base}/check?echo=perhaps")).body("{}")).await;
    assert_eq!(status, 400);
    assert_eq!(refused["parameter"], "echo");
}

#[tokio::test]
async fn the_map_page_carries_its_configuration_escaped_and_refuses_unknown_parameters() {
    let dir = TempDir::new("map-page");
    let (mut state, _, _) = state_in(dir.path(), true);
    state.workspace = WorkspaceConfig {
        basemaps: vec![
            Basemap::parse("https://tiles.example/{z}/{x}/{y}.png?k=</script><b>").unwrap(),
        ],
        attribution: Some("© 测绘局 <i>".into()),
    };
    let base = serve(state).await;
    let http = reqwest::Client::new();
    let page = http.get(format!("{base}/map")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    let html = page.text().await.unwrap();
    // The page's own scripts come from planmap, nothing from elsewhere.
    for src in html.split("src=\"").skip(1) {
        assert!(src.starts_with("assets/"), "a script from elsewhere: {src}");
    }
    let config = html
        .split("<script id=\"planmap-config\" type=\"application/json\">")
        .nth(1)
        .and_then(|s| s.split("</script>").next())
        .unwrap();
    let config: Value = serde_json::from_str(config).unwrap();
    assert_eq!(
        config["basemaps"][0]["url"],
        "https://tiles.example/{z}/{x}/{y}.png?k=</script><b>"
    );
    assert_eq!(config["attribution"], "© 测绘局 <i>");
    assert_eq!(config["lang"], "zh");
    assert!(html.contains("<html lang=\"zh-CN\">"));
    let en = http
        .get(format!("{base}/map?lang=en"))
        .send()
        .await
        .unwrap();
    assert!(en.text().await.unwrap().contains("<html lang=\"en\">"));
    for (query, parameter) in [("lang=fr", "lang"), ("zoom=3", "zoom")] {
        let (status, problem, _) = send(http.get(format!("{base}/map?{query}"))).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(problem["parameter"], parameter, "{problem}");
    }
    // Its scripts and styles are served, gzipped like the map libraries.
    for asset in ["workspace.js", "words.js", "workspace.css"] {
        let r = http
            .get(format!("{base}/assets/workspace/{asset}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{asset}");
    }
}

#[test]
fn a_basemap_must_be_a_tile_template_over_http() {
    for bad in [
        "tiles.example/{z}/{x}/{y}",
        "https://t.example/{z}/{x}.png",
        "javascript:alert(1)//{z}{x}{y}",
    ] {
        assert!(Basemap::parse(bad).is_err(), "{bad}");
    }
    assert!(Basemap::parse("/own/tiles/{z}/{x}/{y}.png").is_ok());
}

#[tokio::test]
async fn the_page_loads_where_reading_needs_a_token_and_the_session_names_the_role() {
    let dir = TempDir::new("session");
    let (state, store, _) = state_in(dir.path(), false);
    let tokens = make_tokens(store.as_ref());
    let base = serve(state).await;
    let http = reqwest::Client::new();
    let page = http.get(format!("{base}/map")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let (status, _, _) = send(http.get(format!("{base}/layers"))).await;
    assert_eq!(status, 401);
    let (status, who, _) = send(http.get(format!("{base}/session"))).await;
    assert_eq!(
        status, 401,
        "reads need a token here, the session too: {who}"
    );
    for (token, role) in [(&tokens.planner, "planner"), (&tokens.reviewer, "reviewer")] {
        let (status, who, _) = send(http.get(format!("{base}/session")).bearer_auth(token)).await;
        assert_eq!(status, 200);
        assert_eq!(
            who,
            json!({"signed_in": true, "name": role, "role": role, "open_reads": false, "store": true})
        );
    }
    let (status, problem, _) = send(
        http.get(format!("{base}/session"))
            .bearer_auth("pm_not-a-token"),
    )
    .await;
    assert_eq!(status, 401);
    assert!(
        problem["type"].as_str().unwrap().ends_with("/unauthorized"),
        "{problem}"
    );
}

#[tokio::test]
async fn a_diff_with_geometry_carries_each_change_as_the_layer_files_draw_it() {
    let dir = TempDir::new("diff-geometry");
    let (state, store, _) = state_in(dir.path(), true);
    let tokens = make_tokens(store.as_ref());
    let base = serve(state).await;
    let http = reqwest::Client::new();
    let before: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture_layers().join("ecological_redline.geojson")).unwrap(),
    )
    .unwrap();
    let gone = before["features"][0].clone();
    let gone_id = gone["id"].as_str().unwrap().to_string();
    let (status, published, _) = send(
        http.post(format!("{base}/admin/layers/ecological_redline"))
            .bearer_auth(&tokens.admin)
            .header("content-type", "application/geo+json")
            .body(redline_variant(&[&gone_id], "adjusted")),
    )
    .await;
    assert_eq!(status, 201, "{published}");
    let (_, revisions, _) =
        send(http.get(format!("{base}/collections/ecological_redline/revisions"))).await;
    let from = revisions["revisions"][0]["revision"].as_str().unwrap();
    let (status, diff, _) = send(http.get(format!(
        "{base}/collections/ecological_redline/diff?from={from}&geometry=true"
    )))
    .await;
    assert_eq!(status, 200, "{diff}");
    assert_eq!(diff["removed"].as_array().unwrap().len(), 1);
    assert_eq!(diff["removed"][0]["id"], gone["id"]);
    assert_eq!(
        coordinates(&diff["removed"][0]["geometry"]),
        coordinates(&gone["geometry"])
    );
    let changed = diff["changed"].as_array().unwrap();
    assert_eq!(
        changed.len(),
        before["features"].as_array().unwrap().len() - 1
    );
    for c in changed {
        // Only a property changed: before and after are the same shape.
        assert_eq!(c["geometry"], c["before"], "{c}");
        assert!(c["geometry"]["coordinates"].is_array());
    }
    assert_eq!(diff["geometry_limit"], 5000);
    let (_, without, _) = send(http.get(format!(
        "{base}/collections/ecological_redline/diff?from={from}"
    )))
    .await;
    assert!(without["removed"][0].get("geometry").is_none());
    let (status, problem, _) = send(http.get(format!(
        "{base}/collections/ecological_redline/diff?from={from}&geometry=perhaps"
    )))
    .await;
    assert_eq!(status, 400);
    assert_eq!(problem["parameter"], "geometry");
}
