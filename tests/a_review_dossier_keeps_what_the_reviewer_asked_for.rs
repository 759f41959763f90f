//! A reviewer may ask for the corner points and the list of basic unit
//! blocks in the dossier, and for the analyses `/check` offers (the nearest
//! feature, protection buffers, the candidate's depth): the record keeps the
//! request, the printable report prints them, and verifying re-runs the
//! check with them.

mod store_support;

use serde_json::Value;
use store_support::*;

/// A rectangle from 45.5′ to 47.5′ east of 112° and 19.5′ to 20.5′ north of
/// 36°: by grid arithmetic it touches the 1′ blocks of minutes 45, 46, 47
/// (east) and 19, 20 (north), none of them wholly.
fn half_minute_offset_block() -> Value {
    let (w, e) = (112.0 + 45.5 / 60.0, 112.0 + 47.5 / 60.0);
    let (s, n) = (36.0 + 19.5 / 60.0, 36.0 + 20.5 / 60.0);
    serde_json::json!({"type": "Polygon",
        "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]})
}

async fn submitted(base: &str, tokens: &Tokens, geometry: Value) -> i64 {
    let http = reqwest::Client::new();
    let (status, created, _) = send(
        with_token(
            http.post(format!("{base}/candidates")),
            Some(&tokens.planner),
        )
        .json(&candidate_body("拐点测试区块", geometry)),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_review_keeps_and_prints_the_corner_points_and_blocks_asked_for_and_verifies() {
    let dir = TempDir::new("dossier");
    let (state, store, _live) = state_in(dir.path(), true);
    let tokens = make_tokens(store.as_ref());
    let base = serve(state).await;
    let http = reqwest::Client::new();
    let id = submitted(&base, &tokens, half_minute_offset_block()).await;

    let (status, review, text) = send(with_token(
        http.post(format!(
            "{base}/candidates/{id}/reviews?corners=38&blocks=true"
        )),
        Some(&tokens.reviewer),
    ))
    .await;
    assert_eq!(status, 201, "{text}");
    assert_eq!(review["record"]["options"]["corners"], "38");
    assert_eq!(review["record"]["options"]["blocks"], true);

    let blocks = &review["answer"]["basic_blocks"];
    assert_eq!(
        (blocks["whole"].as_u64(), blocks["partial"].as_u64()),
        (Some(0), Some(6))
    );
    let mut codes: Vec<&str> = blocks["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["code"].as_str().unwrap())
        .collect();
    codes.sort();
    let want = [
        "E11245N3619",
        "E11245N3620",
        "E11246N3619",
        "E11246N3620",
        "E11247N3619",
        "E11247N3620",
    ];
    assert_eq!(codes, want);

    // The corner points are those /check writes for the same candidate.
    let (status, checked, _) = send(
        http.post(format!(
            "{base}/check?corners=38&kind=exploration_block&mineral=煤&net=true"
        ))
        .json(&half_minute_offset_block()),
    )
    .await;
    assert_eq!(status, 200);
    let corners = review["answer"]["candidate"]["corner_points"]
        .as_str()
        .unwrap();
    assert_eq!(
        corners,
        checked["candidate"]["corner_points"].as_str().unwrap()
    );
    assert!(corners.contains("带号=38"), "{corners}");

    let review_id = review["id"].as_i64().unwrap();
    let page = http
        .get(format!("{base}/reviews/{review_id}.html"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("拐点坐标 Corner points (38)"),
        "no corner section"
    );
    for line in corners.lines().filter(|l| l.starts_with('J')) {
        assert!(
            page.contains(line),
            "the report lacks the corner line {line}"
        );
    }
    for code in want {
        assert!(
            page.contains(&format!("<code>{code}</code>")),
            "the report lacks block {code}"
        );
    }

    let (status, verified, text) =
        send(http.post(format!("{base}/reviews/{review_id}/verify"))).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(verified["identical"], true, "{verified}");
    assert_eq!(verified["hash_valid"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_review_without_dossier_options_records_none_and_prints_only_the_block_counts() {
    let dir = TempDir::new("dossier-none");
    let (state, store, _live) = state_in(dir.path(), true);
    let tokens = make_tokens(store.as_ref());
    let base = serve(state).await;
    let http = reqwest::Client::new();
    let id = submitted(&base, &tokens, half_minute_offset_block()).await;
    let (status, review, _) = send(with_token(
        http.post(format!("{base}/candidates/{id}/reviews")),
        Some(&tokens.reviewer),
    ))
    .await;
    assert_eq!(status, 201);
    let options = review["record"]["options"].as_object().unwrap();
    assert!(
        !options.contains_key("corners") && !options.contains_key("blocks"),
        "{options:?}"
    );
    let page = http
        .get(format!("{base}/reviews/{}.html", review["id"]))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("部分 partial 6"),
        "the counts are always printed"
    );
    assert!(!page.contains("Corner points"));
    assert!(!page.contains("<code>E11245N3619</code>"));
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_dossier_options_get_a_problem_answer_and_record_nothing() {
    let dir = TempDir::new("dossier-bad");
    let (state, store, _live) = state_in(dir.path(), true);
    let tokens = make_tokens(store.as_ref());
    let base = serve(state).await;
    let http = reqwest::Client::new();
    let id = submitted(&base, &tokens, half_minute_offset_block()).await;
    for (query, status, slug) in [
        ("corners=99", 400, "invalid-parameter"),
        ("corners=EPSG:4326", 400, "invalid-parameter"),
        ("blocks=maybe", 400, "invalid-parameter"),
        ("corners=38&corners=dms", 400, "invalid-parameter"),
        ("net=false", 400, "unknown-parameter"),
        // Zone 26 is nowhere near 112.8° E.
        ("corners=26", 422, "zone-mismatch"),
        ("nearest=no_such_layer", 400, "invalid-parameter"),
        ("nearest=", 400, "invalid-parameter"),
        ("buffer=no_such_layer:100", 400, "invalid-parameter"),
        ("buffer=ground_fissures", 400, "invalid-parameter"),
        ("buffer=ground_fissures:9000", 400, "invalid-parameter"),
        ("depth=200,800", 400, "invalid-parameter"),
        ("depth=800", 400, "invalid-parameter"),
        ("depth=NaN,0", 400, "invalid-parameter"),
    ] {
        let (got, problem, text) = send(with_token(
            http.post(format!("{base}/candidates/{id}/reviews?{query}")),
            Some(&tokens.reviewer),
        ))
        .await;
        assert_eq!(got, status, "{query}: {text}");
        assert_eq!(
            problem["type"],
            format!("/problems/{slug}"),
            "{query}: {text}"
        );
    }
    let (_, reviews, _) = send(http.get(format!("{base}/candidates/{id}/reviews"))).await;
    assert_eq!(reviews["reviews"].as_array().unwrap().len(), 0, "{reviews}");
}

/// The conflicts of an answer as (layer, feature, buffer drawn, distance),
/// and its nearest features and depth separations, for comparing two answers.
fn analyses_of(answer: &Value) -> Value {
    let conflicts: Vec<Value> = answer["conflicts"]["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let p = &c["properties"];
            serde_json::json!([p["layer"], p["feature_id"], p["buffer"], p["depth"]])
        })
        .collect();
    serde_json::json!({
        "conflicts": conflicts,
        "nearest": answer["nearest"],
        "separated_in_depth": answer["separated_in_depth"],
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_review_asked_for_nearest_buffers_and_depth_records_them_answers_as_check_does_and_verifies()
 {
    let dir = TempDir::new("dossier-analyses");
    let (state, store, _live) = state_in(dir.path(), true);
    let tokens = make_tokens(store.as_ref());
    let base = serve(state).await;
    let http = reqwest::Client::new();
    let id = submitted(&base, &tokens, half_minute_offset_block()).await;
    let asked = "nearest=true&buffer=prohibited_zones:5000&depth=800,200";
    let (status, review, text) = send(with_token(
        http.post(format!("{base}/candidates/{id}/reviews?{asked}")),
        Some(&tokens.reviewer),
    ))
    .await;
    assert_eq!(status, 201, "{text}");
    let options = &review["record"]["options"];
    assert_eq!(options["nearest"], "true");
    assert_eq!(options["buffer"], "prohibited_zones:5000");
    assert_eq!(options["depth"], "800,200");

    let (status, checked, text) = send(
        http.post(format!(
            "{base}/check?kind=exploration_block&mineral=煤&net=true&{asked}"
        ))
        .json(&half_minute_offset_block()),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let answered = analyses_of(&review["answer"]);
    assert_eq!(answered, analyses_of(&checked));
    // The analyses were asked for, not skipped: the answer has each.
    assert!(
        answered["nearest"]
            .as_array()
            .is_some_and(|n| !n.is_empty()),
        "{answered}"
    );
    assert!(
        answered["conflicts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c[0] == "prohibited_zones" && c[2]["buffer_m"] == 5000.0),
        "no prohibited zone within 5 km: {answered}"
    );

    let review_id = review["id"].as_i64().unwrap();
    let (status, verified, text) =
        send(http.post(format!("{base}/reviews/{review_id}/verify"))).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(verified["identical"], true, "{verified}");
}
