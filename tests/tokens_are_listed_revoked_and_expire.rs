//! Administration of API tokens: listed without their secrets, revoked and
//! expired tokens refused at once by every server on the same store, all of
//! it in the audit log, from the API and the command line; and a data
//! directory from before tokens could expire still opens.

mod store_support;

use std::process::Command;
use std::time::{Duration, SystemTime};

use planmap::records::store::SqliteStore;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use store_support::*;

fn planmap() -> Command {
    Command::new(env!("CARGO_BIN_EXE_planmap"))
}

/// Runs the CLI; its exit status, stdout and stderr.
fn cli(args: &[&str], data: &std::path::Path) -> (bool, String, String) {
    let out = planmap()
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// RFC 3339 UTC, `seconds` from now, written with chrono (not planmap).
fn from_now(seconds: i64) -> String {
    let now = chrono::DateTime::<chrono::Utc>::from(SystemTime::now());
    (now + chrono::Duration::seconds(seconds)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Two servers on one data directory, with reads closed, so that every
/// request needs a valid token; the fixture tokens of each role.
async fn two_nodes(dir: &TempDir) -> (String, String, Tokens) {
    let (a, store, _) = state_in(dir.path(), false);
    let tokens = make_tokens(store.as_ref());
    let (b, _, _) = state_in(dir.path(), false);
    (serve(a).await, serve(b).await, tokens)
}

async fn make(base: &str, admin: &str, body: Value) -> (u16, Value) {
    let client = reqwest::Client::new();
    let (status, body, _) =
        send(with_token(client.post(format!("{base}/admin/tokens")), Some(admin)).json(&body))
            .await;
    (status, body)
}

async fn layers_with(base: &str, token: &str) -> (u16, Value) {
    let client = reqwest::Client::new();
    let (status, body, _) = send(with_token(
        client.get(format!("{base}/layers")),
        Some(token),
    ))
    .await;
    (status, body)
}

async fn list(base: &str, admin: &str) -> (Value, String) {
    let client = reqwest::Client::new();
    let (status, body, text) = send(with_token(
        client.get(format!("{base}/admin/tokens")),
        Some(admin),
    ))
    .await;
    assert_eq!(status, 200, "{text}");
    (body, text)
}

fn entry<'a>(listing: &'a Value, name: &str) -> &'a Value {
    listing["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("{name} is not listed: {listing}"))
}

async fn audit(base: &str, admin: &str) -> Vec<Value> {
    let client = reqwest::Client::new();
    let (status, body, text) = send(with_token(
        client.get(format!("{base}/admin/audit?limit=1000")),
        Some(admin),
    ))
    .await;
    assert_eq!(status, 200, "{text}");
    body["entries"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_revoked_on_one_server_is_refused_at_once_by_another_on_the_same_store() {
    let dir = TempDir::new("tokens-revoke");
    let (a, b, tokens) = two_nodes(&dir).await;
    let (status, made) = make(
        &a,
        &tokens.admin,
        json!({"name": "张工", "role": "planner"}),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let token = made["token"].as_str().unwrap().to_string();
    assert_eq!(
        layers_with(&b, &token).await.0,
        200,
        "made on one, works on the other"
    );

    let client = reqwest::Client::new();
    let (status, revoked, text) = send(with_token(
        client.delete(format!("{a}/admin/tokens/{}", "张工")),
        Some(&tokens.admin),
    ))
    .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(revoked["state"], "revoked");
    assert!(revoked["revoked_at"].is_string());

    for node in [&b, &a] {
        let (status, problem) = layers_with(node, &token).await;
        assert_eq!(status, 401, "{problem}");
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains("revoked"), "{detail}");
    }
    assert_eq!(
        layers_with(&b, &tokens.admin).await.0,
        200,
        "other tokens still work"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_are_listed_with_their_state_and_never_their_secret_or_hash() {
    let dir = TempDir::new("tokens-list");
    let (a, b, tokens) = two_nodes(&dir).await;
    let expires = from_now(3600);
    let (_, made) = make(
        &a,
        &tokens.admin,
        json!({"name": "审查员 李", "role": "reviewer", "expires": expires}),
    )
    .await;
    let secret = made["token"].as_str().unwrap().to_string();

    let (listing, text) = list(&b, &tokens.admin).await;
    for name in ["viewer", "planner", "reviewer", "admin", "审查员 李"] {
        entry(&listing, name);
    }
    let li = entry(&listing, "审查员 李");
    assert_eq!(li["role"], "reviewer");
    assert_eq!(li["state"], "active");
    assert!(li["last_used_at"].is_null(), "not used yet: {li}");
    // The expiry is the instant asked for, in UTC (chrono parses both).
    let asked = chrono::DateTime::parse_from_rfc3339(&expires).unwrap();
    let kept = chrono::DateTime::parse_from_rfc3339(li["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!(asked, kept);
    for t in [&secret, &tokens.admin, &tokens.viewer] {
        let hash = hex(&Sha256::digest(t.as_bytes()));
        assert!(!text.contains(t.as_str()), "a secret is listed");
        assert!(!text.contains(&hash), "a hash is listed");
    }
    assert!(!text.contains("pm_"), "{text}");

    assert_eq!(layers_with(&a, &secret).await.0, 200);
    let (listing, _) = list(&a, &tokens.admin).await;
    let used = entry(&listing, "审查员 李")["last_used_at"]
        .as_str()
        .unwrap()
        .to_string();
    let used = chrono::DateTime::parse_from_rfc3339(&used).unwrap();
    let age = chrono::DateTime::<chrono::Utc>::from(SystemTime::now()).signed_duration_since(used);
    assert!(age.num_seconds().abs() < 60, "last used {used}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_stops_working_at_its_expiry() {
    let dir = TempDir::new("tokens-expire");
    let (a, b, tokens) = two_nodes(&dir).await;
    let expires = from_now(2);
    let (status, made) = make(
        &a,
        &tokens.admin,
        json!({"name": "临时", "role": "viewer", "expires": expires}),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let token = made["token"].as_str().unwrap().to_string();
    assert_eq!(layers_with(&b, &token).await.0, 200, "before its expiry");

    let deadline = chrono::DateTime::parse_from_rfc3339(&expires).unwrap();
    while chrono::DateTime::<chrono::Utc>::from(SystemTime::now()) <= deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, problem) = layers_with(&b, &token).await;
    assert_eq!(status, 401, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("expired"),
        "{problem}"
    );
    let (listing, _) = list(&a, &tokens.admin).await;
    assert_eq!(entry(&listing, "临时")["state"], "expired");
}

#[tokio::test(flavor = "multi_thread")]
async fn making_and_revoking_tokens_is_in_the_audit_log_once_each() {
    let dir = TempDir::new("tokens-audit");
    let (a, b, tokens) = two_nodes(&dir).await;
    make(
        &a,
        &tokens.admin,
        json!({"name": "王", "role": "planner", "expires": "2099-01-01"}),
    )
    .await;
    let client = reqwest::Client::new();
    for node in [&a, &b] {
        let (status, _, text) = send(with_token(
            client.delete(format!("{node}/admin/tokens/王")),
            Some(&tokens.admin),
        ))
        .await;
        assert_eq!(
            status, 200,
            "revoking twice answers as the first time: {text}"
        );
    }
    let entries = audit(&b, &tokens.admin).await;
    let of = |action: &str| {
        entries
            .iter()
            .filter(|e| e["action"] == action && e["subject"] == "token/王")
            .collect::<Vec<_>>()
    };
    let created = of("token.create");
    assert_eq!(created.len(), 1, "{entries:?}");
    assert_eq!(created[0]["actor"], "admin");
    // A date is its start in China Standard Time (UTC+8).
    assert_eq!(
        created[0]["detail"]["expires_at"],
        "2098-12-31T16:00:00.000Z"
    );
    let revoked = of("token.revoke");
    assert_eq!(revoked.len(), 1, "{entries:?}");
    assert_eq!(revoked[0]["actor"], "admin");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_token_administration_gets_a_problem_answer() {
    let dir = TempDir::new("tokens-bad");
    let (a, _, tokens) = two_nodes(&dir).await;
    for (expires, says) in [
        (json!("tomorrow"), "neither"),
        (json!("2001-01-01"), "has passed"),
        (json!(from_now(-5)), "has passed"),
        (json!(20270101), "as a string"),
        (json!("2027-02-30"), "neither"),
    ] {
        let (status, problem) = make(
            &a,
            &tokens.admin,
            json!({"name": "x", "role": "viewer", "expires": expires}),
        )
        .await;
        assert_eq!(status, 422, "{expires}: {problem}");
        assert_eq!(problem["type"], "/problems/invalid-token-request");
        assert_eq!(problem["field"], "expires", "{problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(says),
            "{problem}"
        );
    }
    let client = reqwest::Client::new();
    let (status, problem, _) = send(with_token(
        client.delete(format!("{a}/admin/tokens/nobody")),
        Some(&tokens.admin),
    ))
    .await;
    assert_eq!(status, 404, "{problem}");
    assert_eq!(problem["type"], "/problems/not-found");
    for (token, want) in [(Some(&tokens.reviewer), 403), (None, 401)] {
        let (status, problem, _) = send(with_token(
            client.delete(format!("{a}/admin/tokens/viewer")),
            token.map(|t| t.as_str()),
        ))
        .await;
        assert_eq!(status, want, "{problem}");
        let (status, _, _) = send(with_token(
            client.get(format!("{a}/admin/tokens")),
            token.map(|t| t.as_str()),
        ))
        .await;
        assert_eq!(status, want);
    }
    let (status, problem, _) = send(with_token(
        client.get(format!("{a}/admin/tokens?secret=1")),
        Some(&tokens.admin),
    ))
    .await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(
        layers_with(&a, &tokens.viewer).await.0,
        200,
        "nothing was revoked"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_command_line_makes_lists_and_revokes_tokens() {
    let dir = TempDir::new("tokens-cli");
    let data = dir.path();
    let (ok, admin, err) = cli(
        &["token", "create", "--role", "admin", "--name", "局管理员"],
        data,
    );
    assert!(ok, "{err}");
    let admin = admin.trim().to_string();
    let (ok, planner, err) = cli(
        &[
            "token",
            "create",
            "--role",
            "planner",
            "--name",
            "规划科",
            "--expires",
            "2099-06-01",
        ],
        data,
    );
    assert!(ok, "{err}");
    let planner = planner.trim().to_string();

    let (ok, listing, err) = cli(&["token", "list"], data);
    assert!(ok, "{err}");
    let row = |listing: &str, name: &str| {
        listing
            .lines()
            .find(|l| l.starts_with(&format!("{name}\t")))
            .unwrap_or_else(|| panic!("{name} not in\n{listing}"))
            .split('\t')
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let p = row(&listing, "规划科");
    assert_eq!(&p[1..3], ["planner", "active"]);
    assert_eq!(p[4], "2099-05-31T16:00:00.000Z");
    assert!(!listing.contains(&planner) && !listing.contains(&admin));

    let (state, _, _) = state_in(data, false);
    let base = serve(state).await;
    assert_eq!(layers_with(&base, &planner).await.0, 200);
    let (ok, out, err) = cli(&["token", "revoke", "规划科"], data);
    assert!(ok, "{err}");
    assert!(out.contains("revoked 规划科"), "{out}");
    assert_eq!(
        layers_with(&base, &planner).await.0,
        401,
        "a revoke from the command line reaches the running server at once"
    );
    let (_, listing, _) = cli(&["token", "list"], data);
    assert_eq!(row(&listing, "规划科")[2], "revoked");
    let entries = audit(&base, &admin).await;
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "token.revoke" && e["actor"] == "cli")
    );

    let (ok, _, err) = cli(&["token", "revoke", "nobody"], data);
    assert!(!ok && err.contains("no token named 'nobody'"), "{err}");
    let (ok, _, err) = cli(
        &[
            "token",
            "create",
            "--role",
            "viewer",
            "--name",
            "v",
            "--expires",
            "2001-01-01",
        ],
        data,
    );
    assert!(
        !ok && err.contains("--expires") && err.contains("has passed"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_data_directory_from_before_tokens_could_expire_opens_and_its_tokens_work() {
    let dir = TempDir::new("tokens-migrate");
    let token = "pm_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    {
        // The tokens table as planmap wrote it before expiry and revocation.
        let conn = rusqlite::Connection::open(dir.path().join("planmap.sqlite")).unwrap();
        conn.execute_batch(
            "CREATE TABLE tokens (name TEXT PRIMARY KEY, role TEXT NOT NULL,
                                  hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL);",
        )
        .unwrap();
        conn.execute(
            "INSERT INTO tokens VALUES ('old admin', 'admin', ?1, '2026-01-01T00:00:00.000Z')",
            [hex(&Sha256::digest(token.as_bytes()))],
        )
        .unwrap();
    }
    let (state, _, _) = state_in(dir.path(), false);
    let base = serve(state).await;
    assert_eq!(layers_with(&base, token).await.0, 200);
    let (listing, _) = list(&base, token).await;
    let old = entry(&listing, "old admin");
    assert_eq!(old["state"], "active");
    assert!(old["expires_at"].is_null());
    let client = reqwest::Client::new();
    let (status, _, text) = send(with_token(
        client.delete(format!("{base}/admin/tokens/old%20admin")),
        Some(token),
    ))
    .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(layers_with(&base, token).await.0, 401);
}

#[test]
fn a_data_directory_from_a_newer_planmap_is_refused_not_misread() {
    let dir = TempDir::new("tokens-newer");
    drop(SqliteStore::open(dir.path()).unwrap());
    let conn = rusqlite::Connection::open(dir.path().join("planmap.sqlite")).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = SqliteStore::open(dir.path())
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("version 99") && err.contains("newer"), "{err}");
    let (ok, _, stderr) = cli(&["token", "list"], dir.path());
    assert!(!ok && stderr.contains("newer"), "{stderr}");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
