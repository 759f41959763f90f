//! The whole workflow over real HTTP on loopback: submit, edit, review,
//! print, publish a new layer revision, and the old review still reproduces.

mod store_support;

use serde_json::Value;
use store_support::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_review_made_before_a_layer_changes_still_reproduces_after() {
    let dir = TempDir::new("workflow");
    let (state, store, _live) = state_in(dir.path(), true);
    let tokens = make_tokens(store.as_ref());
    let base = serve(state).await;
    let http = reqwest::Client::new();

    // A planner submits a block, then moves it: version 2.
    let (status, created, _) = send(
        with_token(
            http.post(format!("{base}/candidates")),
            Some(&tokens.planner),
        )
        .json(&candidate_body("屯留测试区块", square(112.75, 36.32, 0.01))),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["current"]["version"], 1);
    assert_eq!(created["status"], "submitted");
    let (status, edited, _) = send(
        with_token(
            http.put(format!("{base}/candidates/{id}")),
            Some(&tokens.planner),
        )
        .json(&candidate_body("屯留测试区块", square(112.76, 36.33, 0.01))),
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["current"]["version"], 2);
    let (_, versions, _) = send(http.get(format!("{base}/candidates/{id}/versions"))).await;
    let versions = versions["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(
        versions[0]["bbox"][0], 112.75,
        "version 1 is kept as it was"
    );
    assert_eq!(versions[1]["bbox"][0], 112.76);

    // A reviewer records a review of version 2: it overlaps red line RL-1.
    let (status, review, _) = send(with_token(
        http.post(format!("{base}/candidates/{id}/reviews")),
        Some(&tokens.reviewer),
    ))
    .await;
    assert_eq!(status, 201, "{review}");
    let review_id = review["id"].as_i64().unwrap();
    let hash = review["hash"].as_str().unwrap().to_string();
    assert_eq!(hash.len(), 64);
    assert_eq!(review["hash_valid"], true);
    assert_eq!(review["candidate_version"], 2);
    assert_eq!(review["verdict"], "reject");
    assert_eq!(review["record"]["reviewer"], "reviewer");
    let conflicts = review["answer"]["conflicts"]["features"]
        .as_array()
        .unwrap();
    assert!(
        conflicts
            .iter()
            .any(|c| c["properties"]["feature_id"] == "RL-1")
    );
    let old_revision = review["record"]["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "ecological_redline")
        .unwrap()["revision"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, candidate, _) = send(http.get(format!("{base}/candidates/{id}"))).await;
    assert_eq!(candidate["status"], "reject");

    // The printable report carries the hash and a map.
    let response = http
        .get(format!("{base}/reviews/{review_id}.html"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = response.text().await.unwrap();
    assert!(page.contains(&hash), "the report shows the record hash");
    assert!(page.contains("<svg"), "the report draws a map");
    assert!(page.contains("scale-bar") && page.contains("north-arrow"));
    assert!(page.contains("RL-1") && page.contains("亩"));

    // Months later: an admin publishes a red line without RL-1.
    let (status, published, _) = send(
        with_token(
            http.post(format!("{base}/admin/layers/ecological_redline")),
            Some(&tokens.admin),
        )
        .header("content-type", "application/geo+json")
        .body(redline_variant(&["RL-1"], "2026 adjustment")),
    )
    .await;
    assert_eq!(status, 201, "{published}");
    assert_eq!(published["in_force"], true);
    let new_revision = published["revision"]["revision"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new_revision, old_revision);

    let (_, revisions, _) =
        send(http.get(format!("{base}/collections/ecological_redline/revisions"))).await;
    assert_eq!(revisions["served"], new_revision.as_str());
    assert_eq!(revisions["revisions"].as_array().unwrap().len(), 2);
    let (status, diff, _) = send(http.get(format!(
        "{base}/collections/ecological_redline/diff?from={old_revision}&to={new_revision}"
    )))
    .await;
    assert_eq!(status, 200, "{diff}");
    assert_eq!(diff["removed"][0]["id"], "RL-1");
    assert_eq!(diff["added"].as_array().unwrap().len(), 0);
    assert_eq!(
        diff["changed"].as_array().unwrap().len(),
        2,
        "the marker property changed"
    );
    let removed_area = diff["removed"][0]["measure"].as_f64().unwrap();
    assert!((diff["changed_area_m2"].as_f64().unwrap() - removed_area).abs() < 1e-6);

    // A check now passes the red line; the old review still reproduces.
    let (_, now, _) = send(
        http.post(format!("{base}/check?layers=ecological_redline"))
            .header("content-type", "application/geo+json")
            .body(square(112.76, 36.33, 0.01).to_string()),
    )
    .await;
    assert_eq!(now["conflicts"]["features"].as_array().unwrap().len(), 0);
    assert_eq!(now["layers"][0]["revision"], new_revision.as_str());
    let (status, verified, _) = send(http.post(format!("{base}/reviews/{review_id}/verify"))).await;
    assert_eq!(status, 200, "{verified}");
    assert_eq!(verified["hash_valid"], true);
    assert_eq!(verified["identical"], true, "{verified}");
    assert_eq!(verified["hash"], hash.as_str());

    // A new review runs on the new revision and no longer sees RL-1.
    let (_, second, _) = send(with_token(
        http.post(format!("{base}/candidates/{id}/reviews")),
        Some(&tokens.reviewer),
    ))
    .await;
    let conflicts = second["answer"]["conflicts"]["features"]
        .as_array()
        .unwrap();
    assert!(
        !conflicts
            .iter()
            .any(|c| c["properties"]["feature_id"] == "RL-1")
    );
    assert_ne!(second["hash"], hash.as_str());

    // The audit log names who did what.
    let (status, audit, _) = send(with_token(
        http.get(format!("{base}/admin/audit")),
        Some(&tokens.admin),
    ))
    .await;
    assert_eq!(status, 200);
    let lines: Vec<(String, String)> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_string(),
                e["action"].as_str().unwrap().to_string(),
            )
        })
        .filter(|(actor, _)| actor != "startup" && actor != "test")
        .collect();
    let expected = [
        ("planner", "candidate.create"),
        ("planner", "candidate.edit"),
        ("reviewer", "review.create"),
        ("admin", "layer.publish"),
        ("reviewer", "review.create"),
    ];
    assert_eq!(
        lines,
        expected
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .to_vec()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_check_as_of_a_date_uses_the_revisions_in_force_then() {
    let dir = TempDir::new("as-of");
    let (state, store, _live) = state_in(dir.path(), true);
    let tokens = make_tokens(store.as_ref());
    let base = serve(state).await;
    let http = reqwest::Client::new();
    // A revision in force since 2021 that lacks RL-1; the shipped file, first
    // seen today, is in force from today and stays the one served.
    let (status, published, _) = send(
        with_token(
            http.post(format!(
                "{base}/admin/layers/ecological_redline?effective=2021-01-01"
            )),
            Some(&tokens.admin),
        )
        .body(redline_variant(&["RL-1"], "2021 plan")),
    )
    .await;
    assert_eq!(status, 201, "{published}");
    assert_eq!(published["in_force"], false);
    let check = |query: &'static str| {
        let http = http.clone();
        let base = base.clone();
        async move {
            send(
                http.post(format!("{base}/check?layers=ecological_redline{query}"))
                    .body(square(112.76, 36.33, 0.01).to_string()),
            )
            .await
        }
    };
    let (_, today, _) = check("").await;
    let (_, in_2022, _) = check("&as_of=2022-06-30").await;
    let (_, in_2020, _) = check("&as_of=2020-06-30").await;
    assert_eq!(today["conflicts"]["features"].as_array().unwrap().len(), 1);
    assert_eq!(
        in_2022["conflicts"]["features"].as_array().unwrap().len(),
        0
    );
    assert_eq!(
        in_2022["layers"][0]["revision"],
        published["revision"]["revision"]
    );
    let (status, problem, _) = send(
        http.post(format!(
            "{base}/check?layers=ecological_redline&as_of=2020-06-30"
        ))
        .body(square(112.76, 36.33, 0.01).to_string()),
    )
    .await;
    assert_eq!(
        status, 422,
        "no red-line revision was in force in 2020: {problem} {in_2020}"
    );
    assert_eq!(problem["type"], "/problems/layers-not-in-force");
    assert_eq!(problem["layers"][0]["first_effective"], "2021-01-01");
    let (status, problem, _) = check("&as_of=yesterday").await;
    assert_eq!(status, 400);
    assert_eq!(problem["parameter"], "as_of");
}

#[tokio::test(flavor = "multi_thread")]
async fn candidates_are_listed_a_page_at_a_time_and_filtered() {
    let dir = TempDir::new("list");
    let (state, store, _live) = state_in(dir.path(), true);
    let tokens = make_tokens(store.as_ref());
    let base = serve(state).await;
    let http = reqwest::Client::new();
    for i in 0..5 {
        let mut body = candidate_body(
            &format!("区块{i}"),
            square(112.5 + 0.05 * i as f64, 36.2, 0.01),
        );
        if i % 2 == 1 {
            body["kind"] = Value::from("mining_right");
        }
        let (status, _, text) = send(
            with_token(
                http.post(format!("{base}/candidates")),
                Some(&tokens.planner),
            )
            .json(&body),
        )
        .await;
        assert_eq!(status, 201, "{text}");
    }
    let (_, page, _) = send(http.get(format!("{base}/candidates?limit=2&offset=2"))).await;
    assert_eq!(page["total"], 5);
    assert_eq!(page["candidates"].as_array().unwrap().len(), 2);
    assert_eq!(page["candidates"][0]["current"]["name"], "区块2");
    assert!(
        page["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["rel"] == "next")
    );
    let (_, rights, _) = send(http.get(format!("{base}/candidates?kind=mining_right"))).await;
    assert_eq!(rights["total"], 2);
    let (_, boxed, _) =
        send(http.get(format!("{base}/candidates?bbox=112.54,36.19,112.56,36.3"))).await;
    assert_eq!(boxed["total"], 1);
    assert_eq!(boxed["candidates"][0]["current"]["name"], "区块1");
    let (_, submitted, _) = send(http.get(format!("{base}/candidates?status=submitted"))).await;
    assert_eq!(submitted["total"], 5);
    let (status, problem, _) = send(
        with_token(http.post(format!("{base}/candidates")), Some(&tokens.planner))
            .json(&serde_json::json!({"name": "x", "kind": "castle", "geometry": square(112.5, 36.2, 0.01)})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(problem["field"], "kind");
}
