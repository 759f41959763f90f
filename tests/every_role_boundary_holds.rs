//! Every role boundary, over real HTTP: viewer < planner < reviewer < admin.

mod store_support;

use serde_json::json;
use store_support::*;

#[tokio::test(flavor = "multi_thread")]
async fn each_role_may_do_its_own_work_and_no_more() {
    let dir = TempDir::new("roles");
    let (state, store, _live) = state_in(dir.path(), true);
    let t = make_tokens(store.as_ref());
    let base = serve(state).await;
    let http = reqwest::Client::new();
    let submit = |token: Option<&str>| {
        with_token(http.post(format!("{base}/candidates")), token)
            .json(&candidate_body("区块", square(112.76, 36.33, 0.01)))
    };

    // Submitting: planner and above.
    let (status, problem, _) = send(submit(None)).await;
    assert_eq!(status, 401);
    assert_eq!(problem["type"], "/problems/unauthorized");
    let (status, problem, _) = send(submit(Some(&t.viewer))).await;
    assert_eq!(status, 403, "viewer cannot submit");
    assert_eq!(problem["type"], "/problems/forbidden");
    assert_eq!(problem["required_role"], "planner");
    let (status, created, _) = send(submit(Some(&t.planner))).await;
    assert_eq!(status, 201);
    let id = created["id"].as_i64().unwrap();
    let edit = |token: &str| {
        with_token(http.put(format!("{base}/candidates/{id}")), Some(token))
            .json(&candidate_body("区块", square(112.761, 36.33, 0.01)))
    };
    assert_eq!(send(edit(&t.viewer)).await.0, 403, "viewer cannot edit");
    assert_eq!(send(edit(&t.admin)).await.0, 200, "admin can edit");

    // Reviewing: reviewer and above.
    let review = |token: &str| {
        with_token(
            http.post(format!("{base}/candidates/{id}/reviews")),
            Some(token),
        )
    };
    assert_eq!(send(review(&t.viewer)).await.0, 403);
    let (status, problem, _) = send(review(&t.planner)).await;
    assert_eq!(status, 403, "planner cannot review");
    assert_eq!(problem["required_role"], "reviewer");
    assert_eq!(send(review(&t.reviewer)).await.0, 201);

    // Publishing and the audit log: admin only.
    let publish = |token: &str| {
        with_token(
            http.post(format!("{base}/admin/layers/ecological_redline")),
            Some(token),
        )
        .body(redline_variant(&[], "roles"))
    };
    for token in [&t.viewer, &t.planner, &t.reviewer] {
        assert_eq!(send(publish(token)).await.0, 403, "only admins publish");
    }
    assert_eq!(send(publish(&t.admin)).await.0, 201);
    for token in [&t.viewer, &t.planner, &t.reviewer] {
        let (status, _, _) = send(with_token(
            http.get(format!("{base}/admin/audit")),
            Some(token),
        ))
        .await;
        assert_eq!(status, 403, "only admins read the audit log");
    }
    let new_token = |token: &str| {
        with_token(http.post(format!("{base}/admin/tokens")), Some(token))
            .json(&json!({ "name": "new planner", "role": "planner" }))
    };
    assert_eq!(send(new_token(&t.reviewer)).await.0, 403);
    let (status, made, _) = send(new_token(&t.admin)).await;
    assert_eq!(status, 201);
    let fresh = made["token"].as_str().unwrap();
    assert_eq!(
        send(submit(Some(fresh))).await.0,
        201,
        "the new token works"
    );

    // A wrong token is refused even where no token is needed.
    let (status, _, _) = send(with_token(
        http.get(format!("{base}/layers")),
        Some("pm_not-a-token"),
    ))
    .await;
    assert_eq!(status, 401);
    let response = http
        .get(format!("{base}/layers"))
        .header("authorization", "Basic dXNlcjpwdw==")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    assert!(response.headers().contains_key("www-authenticate"));
}

#[tokio::test(flavor = "multi_thread")]
async fn with_reads_closed_nothing_is_read_without_a_token() {
    let dir = TempDir::new("closed");
    let (state, store, _live) = state_in(dir.path(), false);
    let t = make_tokens(store.as_ref());
    let base = serve(state).await;
    let http = reqwest::Client::new();
    for path in [
        "/layers",
        "/collections",
        "/candidates",
        "/collections/ecological_redline/items",
    ] {
        let (status, problem, _) = send(http.get(format!("{base}{path}"))).await;
        assert_eq!(status, 401, "{path}");
        assert_eq!(problem["status"], 401);
        let (status, _, _) = send(with_token(
            http.get(format!("{base}{path}")),
            Some(&t.viewer),
        ))
        .await;
        assert_eq!(status, 200, "{path} with a viewer token");
    }
    let check = http
        .post(format!("{base}/check"))
        .body(square(112.76, 36.33, 0.01).to_string());
    assert_eq!(send(check).await.0, 401);
    let check = with_token(http.post(format!("{base}/check")), Some(&t.viewer))
        .body(square(112.76, 36.33, 0.01).to_string());
    assert_eq!(send(check).await.0, 200, "a viewer runs checks");
    assert_eq!(send(http.get(format!("{base}/health"))).await.0, 200);
}
