//! The reproductions of a hostile but ordinary user (issue 11 §1), each
//! answered with its documented problem within bounded time and memory,
//! with the server still up afterwards. Expected counts come from the grid
//! arithmetic of 1′ blocks, not from planmap.

mod store_support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use planmap::api::{ApiLimits, AppState};
use planmap::intake::candidate::Limits;
use serde_json::{Value, json};
use store_support::*;

/// A server with the fixture layers, a store and the given limits.
async fn server_with(limits: ApiLimits) -> (String, TempDir, Tokens) {
    let dir = TempDir::new("hostile");
    let (state, store, live) = state_in(dir.path(), true);
    let state = AppState::with_store(live, store.clone(), limits, state.open_reads);
    let tokens = make_tokens(store.as_ref());
    (serve(state).await, dir, tokens)
}

/// Limits with one place in each lane and none to wait in.
fn one_heavy_place(queue_wait: Duration) -> ApiLimits {
    ApiLimits {
        heavy_workers: 1,
        heavy_queue: 0,
        queue_wait,
        ..ApiLimits::default()
    }
}

async fn server() -> (String, TempDir, Tokens) {
    server_with(ApiLimits::default()).await
}

fn problem(status: u16, body: &Value, slug: &str, seen: u16) {
    assert_eq!(seen, status, "{body}");
    assert_eq!(body["type"], format!("/problems/{slug}"), "{body}");
    assert_eq!(body["status"], status, "{body}");
    assert!(!body["detail"].as_str().unwrap_or("").is_empty(), "{body}");
}

async fn alive(base: &str) {
    let r = reqwest::get(format!("{base}/health"))
        .await
        .expect("server up");
    assert_eq!(r.status(), 200);
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn polygon(ring: &[[f64; 2]]) -> String {
    json!({"type": "Polygon", "coordinates": [ring]}).to_string()
}

fn rect(w: f64, s: f64, e: f64, n: f64) -> String {
    polygon(&[[w, s], [e, s], [e, n], [w, n], [w, s]])
}

async fn post(base: &str, path: &str, body: String) -> (u16, Value) {
    let (status, body, _) = send(
        reqwest::Client::new()
            .post(format!("{base}{path}"))
            .header("content-type", "application/geo+json")
            .body(body),
    )
    .await;
    (status, body)
}

/// Sends raw bytes on a fresh connection and reads the whole answer.
fn raw(base: &str, request: &[u8]) -> String {
    let addr = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let _ = s.write_all(request);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn body_of(answer: &str) -> Value {
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("");
    serde_json::from_str(body).unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_filter_nested_1500_parentheses_deep_is_a_400_at_its_position_and_the_server_lives() {
    let (base, _dir, _) = server().await;
    let filter = format!("{}name='x'{}", "(".repeat(1_500), ")".repeat(1_500));
    let (status, body, _) = send(reqwest::Client::new().get(format!(
        "{base}/collections/basic_farmland/items?filter={}",
        enc(&filter)
    )))
    .await;
    problem(400, &body, "invalid-filter", status);
    assert!(body["position"].as_u64().unwrap() <= 100, "{body}");
    let nots = format!("{}name='x'", "NOT ".repeat(10_000));
    let (status, body, _) = send(reqwest::Client::new().get(format!(
        "{base}/collections/basic_farmland/items?filter={}",
        enc(&nots)
    )))
    .await;
    problem(400, &body, "invalid-filter", status);
    alive(&base).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deep_cql2_json_filter_is_a_400_naming_where() {
    let (base, _dir, _) = server().await;
    let text = format!(
        "{}{}{}",
        r#"{"op":"not","args":["#.repeat(200),
        r#"{"op":"=","args":[{"property":"name"},"x"]}"#,
        "]}".repeat(200)
    );
    let (status, body, _) = send(reqwest::Client::new().get(format!(
        "{base}/collections/basic_farmland/items?filter-lang=cql2-json&filter={}",
        enc(&text)
    )))
    .await;
    problem(400, &body, "invalid-filter", status);
    assert_eq!(body["parameter"], "filter");
    alive(&base).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_geojson_body_nested_beyond_the_limit_is_a_400() {
    let (base, _dir, _) = server().await;
    let mut body = String::new();
    for _ in 0..5_000 {
        body.push_str(r#"{"type":"GeometryCollection","geometries":["#);
    }
    body.push_str(&"]}".repeat(5_000));
    let (status, answer) = post(&base, "/check", body).await;
    problem(400, &answer, "malformed-json", status);
    alive(&base).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_whole_world_is_refused_at_once_naming_the_extent_limit() {
    let (base, _dir, _) = server().await;
    let started = Instant::now();
    // Four vertices round the world: its edges would run the short way
    // across the antimeridian.
    let (status, body) = post(&base, "/check", rect(-179.0, -89.0, 179.0, 89.0)).await;
    problem(422, &body, "crosses-antimeridian", status);
    let (status, body) = post(&base, "/check", rect(50.0, -10.0, 110.0, 50.0)).await;
    problem(422, &body, "candidate-too-large", status);
    assert_eq!(body["limit_deg"], Limits::default().max_extent_deg);
    let (status, body) = post(&base, "/blocks/snap", rect(50.0, -10.0, 110.0, 50.0)).await;
    problem(422, &body, "candidate-too-large", status);
    assert!(started.elapsed() < Duration::from_secs(10));
    alive(&base).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_province_sized_candidate_gets_its_blocks_counted_by_rows_not_by_box() {
    let (base, _dir, _) = server().await;
    let m = 1.0 / 60.0;
    // 4° × 4° at 34–38°N, about 160,000 km²: exactly 240 × 240 whole blocks.
    let (status, body) = post(&base, "/check", rect(112.0, 34.0, 116.0, 38.0)).await;
    assert_eq!(status, 200, "{body}");
    let blocks = &body["basic_blocks"];
    assert_eq!(blocks["whole"], 240 * 240, "{blocks}");
    assert_eq!(blocks["partial"], 0);
    // Shifted half a minute: 239² whole blocks and a ring of 241² − 239² partial ones.
    let (status, body) = post(
        &base,
        "/check",
        rect(
            112.0 + m / 2.0,
            34.0 + m / 2.0,
            116.0 + m / 2.0,
            38.0 + m / 2.0,
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let blocks = &body["basic_blocks"];
    assert_eq!(blocks["whole"], 239 * 239, "{blocks}");
    assert_eq!(blocks["partial"], 241 * 241 - 239 * 239, "{blocks}");
    // A strip 0.1′ tall and 14° long spans one row: 840 partial blocks, none whole.
    let (status, body) = post(
        &base,
        "/check",
        rect(100.0, 36.0 + 0.1 * m, 114.0, 36.0 + 0.2 * m),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["basic_blocks"]["whole"], 0);
    assert_eq!(body["basic_blocks"]["partial"], 840);
    alive(&base).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn snapping_a_large_candidate_follows_its_rows() {
    let (base, _dir, _) = server().await;
    let m = 1.0 / 60.0;
    // 2° × 2° shifted by half a minute: covering it takes 121² blocks.
    let (status, body) = post(
        &base,
        "/blocks/snap?mode=cover",
        rect(
            112.0 + m / 2.0,
            36.0 + m / 2.0,
            114.0 + m / 2.0,
            38.0 + m / 2.0,
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["block_count"], 121 * 121);
    let (status, body) = post(
        &base,
        "/blocks/snap?mode=inside",
        rect(
            112.0 + m / 2.0,
            36.0 + m / 2.0,
            114.0 + m / 2.0,
            38.0 + m / 2.0,
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["block_count"], 119 * 119);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_polygon_across_the_antimeridian_or_through_a_pole_is_refused() {
    let (base, _dir, _) = server().await;
    let (status, body) = post(
        &base,
        "/check",
        polygon(&[
            [179.0, 10.0],
            [-179.0, 10.0],
            [-179.0, 11.0],
            [179.0, 11.0],
            [179.0, 10.0],
        ]),
    )
    .await;
    problem(422, &body, "crosses-antimeridian", status);
    let (status, body) = post(
        &base,
        "/check",
        polygon(&[[0.0, 89.0], [1.0, 90.0], [2.0, 89.0], [0.0, 89.0]]),
    )
    .await;
    problem(422, &body, "on-pole", status);
    assert_eq!(body["vertex"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_like_pattern_of_many_percent_signs_is_answered_at_once() {
    let (base, _dir, _) = server().await;
    let started = Instant::now();
    for pattern in ["%%%%%%%%%%z".to_string(), format!("{}z", "%".repeat(1_000))] {
        let filter = format!("name LIKE '{pattern}'");
        let (status, body, _) = send(reqwest::Client::new().get(format!(
            "{base}/collections/basic_farmland/items?filter={}",
            enc(&filter)
        )))
        .await;
        assert_eq!(status, 200, "{body}");
        // No fixture farmland name ends in z (tests/fixtures/layers).
        assert_eq!(body["numberMatched"], 0);
    }
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_large_answer_is_compressed_for_a_client_that_asks() {
    let (base, _dir, _) = server().await;
    let http = reqwest::Client::new();
    let request = || {
        http.post(format!("{base}/check?blocks=true"))
            .header("content-type", "application/geo+json")
            .body(rect(112.0, 36.0, 113.0, 37.0))
    };
    let plain = request().send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    let plain: Value = plain.json().await.unwrap();
    let gzipped = request()
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    let bytes = gzipped.bytes().await.unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .unwrap();
    let unzipped: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(unzipped["basic_blocks"], plain["basic_blocks"]);
    assert_eq!(unzipped["basic_blocks"]["whole"], 3600);
}

#[tokio::test(flavor = "multi_thread")]
async fn silent_slow_and_idle_connections_are_closed_by_the_header_timeout() {
    let limits = ApiLimits {
        header_timeout: Duration::from_millis(800),
        ..ApiLimits::default()
    };
    let (base, _dir, _) = server_with(limits).await;
    let addr = base.trim_start_matches("http://").to_string();
    // Silent: never sends a byte.
    let started = Instant::now();
    let mut silent = TcpStream::connect(&addr).unwrap();
    silent
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut buf = [0u8; 64];
    let n = silent.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "closed without an answer");
    assert!(started.elapsed() < Duration::from_secs(5));
    // Slowloris: a header byte every 200 ms never completes the head.
    let started = Instant::now();
    let mut slow = TcpStream::connect(&addr).unwrap();
    let head = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let mut closed = false;
    for byte in head {
        if slow.write_all(&[*byte]).is_err() {
            closed = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
        if started.elapsed() > Duration::from_secs(6) {
            break;
        }
    }
    slow.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let read = slow.read(&mut buf);
    assert!(
        closed || matches!(read, Ok(0) | Err(_)),
        "a slowloris head was still being read after {:?}",
        started.elapsed()
    );
    assert!(started.elapsed() < Duration::from_secs(8));
    // Idle keep-alive: one answer, then nothing; the connection is closed.
    let mut idle = TcpStream::connect(&addr).unwrap();
    idle.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let started = Instant::now();
    let mut all = Vec::new();
    let _ = idle.read_to_end(&mut all);
    assert!(String::from_utf8_lossy(&all).starts_with("HTTP/1.1 200"));
    assert!(started.elapsed() < Duration::from_secs(5));
    alive(&base).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_sent_too_slowly_is_a_408() {
    let limits = ApiLimits {
        body_timeout: Duration::from_millis(500),
        ..ApiLimits::default()
    };
    let (base, _dir, _) = server_with(limits).await;
    let answer = raw(
        &base,
        b"POST /check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"type\":",
    );
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let body = body_of(&answer);
    assert_eq!(body["type"], "/problems/request-timeout");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_check_past_its_compute_deadline_is_a_503_and_nothing_of_it_is_answered() {
    let limits = ApiLimits {
        compute_deadline: Duration::from_nanos(1),
        ..ApiLimits::default()
    };
    let (base, _dir, _) = server_with(limits).await;
    let (status, body) = post(&base, "/check", rect(112.7, 36.3, 112.72, 36.32)).await;
    problem(503, &body, "deadline-exceeded", status);
    assert!(body.get("verdict").is_none());
    assert!(body["limit_seconds"].as_f64().unwrap() < 1e-6);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_widest_buffer_around_every_parcel_stops_at_the_deadline() {
    // A 40,000-vertex candidate 60 km across over the fixture layers, a
    // 5 km buffer on each: every feature is within it, and each one's part
    // of the candidate is drawn, so the work past a short deadline is cut
    // off between features.
    let limits = ApiLimits {
        compute_deadline: Duration::from_millis(300),
        ..ApiLimits::default()
    };
    let (base, _dir, _) = server_with(limits).await;
    let ring: Vec<[f64; 2]> = (0..=40_000)
        .map(|k| {
            let t = f64::from(k % 40_000) / 40_000.0 * std::f64::consts::TAU;
            let r = 0.3 * (1.0 + 0.02 * (97.0 * t).sin());
            [112.8 + r * t.cos(), 36.3 + 0.8 * r * t.sin()]
        })
        .collect();
    // The same candidate with a 1 m buffer on one layer: what reading it
    // and its first steps cost before any deadline can stop them.
    let mut took = Vec::new();
    for buffers in [
        "energy_bases:1",
        "ecological_redline:5000,basic_farmland:5000,prohibited_zones:5000,subsidence_areas:5000,energy_bases:5000",
    ] {
        let started = std::time::Instant::now();
        let (status, body) = post(
            &base,
            &format!("/check?geometry=false&buffer={buffers}"),
            polygon(&ring),
        )
        .await;
        took.push(started.elapsed());
        problem(503, &body, "deadline-exceeded", status);
    }
    // Unbounded, the wide buffers take about twice the reading (4.5 s
    // against 2.4 s in a debug build).
    assert!(
        took[1] < took[0] + Duration::from_millis(1_000),
        "wide buffers answered after {:?}, the reading alone after {:?}",
        took[1],
        took[0]
    );
    alive(&base).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plan_qa_past_its_compute_deadline_is_a_503_and_nothing_of_it_is_answered() {
    let limits = ApiLimits {
        compute_deadline: Duration::from_nanos(1),
        ..ApiLimits::default()
    };
    let (base, _dir, _) = server_with(limits).await;
    let block = |w: f64| {
        format!(
            r#"{{"type":"Feature","id":"b{w}","properties":{{}},"geometry":{}}}"#,
            rect(w, 36.3, w + 0.02, 36.32)
        )
    };
    let body = format!(
        r#"{{"type":"FeatureCollection","features":[{},{}]}}"#,
        block(112.7),
        block(112.719)
    );
    let (status, body) = post(&base, "/qa", body).await;
    problem(503, &body, "deadline-exceeded", status);
    assert!(body.get("summary").is_none());
    alive(&base).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn heavy_work_beyond_the_queue_is_a_503_with_retry_after() {
    // One place to run and none to wait: checks sent together are refused
    // while one runs.
    let limits = one_heavy_place(Duration::from_millis(100));
    let (base, _dir, _) = server_with(limits).await;
    let http = reqwest::Client::new();
    let mut joins = Vec::new();
    for _ in 0..4 {
        let request = http
            .post(format!("{base}/check?blocks=true"))
            .header("content-type", "application/geo+json")
            .body(rect(110.0, 30.0, 118.0, 38.0));
        joins.push(tokio::spawn(async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let retry = response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string());
            let body: Value = response.json().await.unwrap_or(Value::Null);
            (status, body, retry)
        }));
    }
    let mut answers = Vec::new();
    for j in joins {
        answers.push(j.await.unwrap());
    }
    let statuses: Vec<u16> = answers.iter().map(|a| a.0).collect();
    assert!(statuses.contains(&503), "{statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 503),
        "{statuses:?}"
    );
    for (_, body, retry) in answers.iter().filter(|a| a.0 == 503) {
        assert_eq!(body["type"], "/problems/server-busy");
        assert!(retry.as_deref().is_some_and(|r| r.parse::<u64>().is_ok()));
    }
    alive(&base).await;
}

/// A candidate with a large box but a small area: a heavy-lane check that
/// is answered quickly.
fn thin_diagonal() -> String {
    polygon(&[[112.0, 36.0], [113.0, 37.0], [112.999, 37.0], [112.0, 36.0]])
}

/// A check that holds its place for a long time: every block of a
/// province listed with its geometry.
const LONG_CHECK: &str = "/check?blocks=true&net=true";

/// 12° × 12° (518,400 blocks): about 2 s in a debug build. An 8° square
/// took 0.83 s once the engine stopped asking the touching test twice,
/// too quick to tell a check that runs on from one that stops.
fn long_candidate() -> String {
    rect(108.0, 28.0, 120.0, 40.0)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_small_check_is_answered_while_large_checks_hold_every_place_of_theirs() {
    let limits = one_heavy_place(Duration::from_millis(50));
    let (base, _dir, _) = server_with(limits).await;
    let long = tokio::spawn({
        let base = base.clone();
        async move { post(&base, LONG_CHECK, long_candidate()).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The large lane is full: a second large check is turned away ...
    let (status, body) = post(&base, "/check", thin_diagonal()).await;
    problem(503, &body, "server-busy", status);
    // ... a small one is answered ...
    let (status, body) = post(&base, "/check", rect(112.7, 36.3, 112.71, 36.31)).await;
    assert_eq!(status, 200, "{body}");
    // ... and the large lane was full all the while.
    let (status, body) = post(&base, "/check", thin_diagonal()).await;
    problem(503, &body, "server-busy", status);
    assert_eq!(long.await.unwrap().0, 200);
    alive(&base).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_check_whose_client_goes_away_stops_and_gives_its_place_back() {
    let limits = one_heavy_place(Duration::from_millis(50));
    let (base, _dir, _) = server_with(limits).await;
    // How long the check holds its place when its client waits for it.
    let started = Instant::now();
    let waiting = tokio::spawn({
        let base = base.clone();
        async move { post(&base, LONG_CHECK, long_candidate()).await }
    });
    let held = place_comes_back(&base, started, true, Duration::ZERO).await;
    assert_eq!(waiting.await.unwrap().0, 200);
    assert!(
        held > Duration::from_millis(900),
        "too quick to tell: {held:?}"
    );
    // The same check from a client that leaves after 200 ms.
    let addr = base.trim_start_matches("http://").to_string();
    let body = long_candidate();
    let started = Instant::now();
    let leaver = std::thread::spawn(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        let head = format!(
            "POST {LONG_CHECK} HTTP/1.1\r\nHost: x\r\nContent-Type: application/geo+json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        s.write_all(head.as_bytes()).unwrap();
        s.write_all(body.as_bytes()).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        drop(s);
    });
    let back = place_comes_back(&base, started, false, Duration::from_millis(300)).await;
    leaver.join().unwrap();
    // Its place comes back soon after the client left, long before the
    // check would have ended.
    assert!(
        back < Duration::from_millis(200) + (held - Duration::from_millis(200)) / 2,
        "the place came back {back:?} after the request; a whole check holds it {held:?}"
    );
    alive(&base).await;
}

/// How long after `started` a quick check in the heavy lane is answered
/// again, once the long check has been seen holding the lane (a 503).
///
/// On a loaded machine the long check may take its place only after the
/// first probes, so probes answered 200 before the lane is seen full do not
/// count. With `must_see_full` false (a client that leaves), a check that
/// was stopped before it ever took its place counts as given back at once:
/// the first 200 after `give_up_waiting` is the answer.
async fn place_comes_back(
    base: &str,
    started: Instant,
    must_see_full: bool,
    give_up_waiting: Duration,
) -> Duration {
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut seen_full = false;
    loop {
        let (status, body) = post(base, "/check", thin_diagonal()).await;
        if status == 200 {
            if seen_full || (!must_see_full && started.elapsed() > give_up_waiting) {
                return started.elapsed();
            }
        } else {
            problem(503, &body, "server-busy", status);
            seen_full = true;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the heavy lane was never seen full, or never given back"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_check_dated_before_any_revision_is_refused_naming_each_layer_and_its_first_date() {
    let (base, _dir, _) = server().await;
    let (status, body) = post(
        &base,
        "/check?as_of=2000-01-01",
        rect(112.7, 36.3, 112.72, 36.32),
    )
    .await;
    problem(422, &body, "layers-not-in-force", status);
    let layers = body["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 5, "every fixture layer: {body}");
    let today = planmap::time::today();
    for l in layers {
        assert_eq!(l["first_effective"], today.as_str(), "{l}");
    }
    assert!(layers.iter().any(|l| l["layer"] == "ecological_redline"));
}

#[tokio::test(flavor = "multi_thread")]
async fn corner_points_in_a_zone_the_candidate_is_not_in_are_refused() {
    let (base, _dir, _) = server().await;
    let (status, body) = post(&base, "/check?corners=38", rect(10.0, 45.0, 10.02, 45.02)).await;
    problem(422, &body, "zone-mismatch", status);
    assert_eq!(body["parameter"], "corners");
    // Within zone 38's 1° margin (112.5°E − 1°), corners are written.
    let (status, body) = post(&base, "/check?corners=38", rect(112.7, 36.3, 112.72, 36.32)).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_the_http_stack_makes_are_problems_too() {
    let (base, _dir, _) = server().await;
    // A URI beyond what the HTTP parser takes.
    let long = format!(
        "GET /collections/basic_farmland/items?filter={} HTTP/1.1\r\nHost: x\r\n\r\n",
        "a".repeat(70 * 1024)
    );
    let answer = raw(&base, long.as_bytes());
    assert!(
        answer.starts_with("HTTP/1.1 414"),
        "{}",
        &answer[..answer.len().min(200)]
    );
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("content-type: application/problem+json")
    );
    assert_eq!(body_of(&answer)["status"], 414);
    // A header block beyond the parser's buffer.
    let big = format!(
        "GET /health HTTP/1.1\r\nHost: x\r\n{}\r\n",
        (0..2_000)
            .map(|i| format!("X-H{i}: {}\r\n", "v".repeat(300)))
            .collect::<String>()
    );
    let answer = raw(&base, big.as_bytes());
    assert!(
        answer.starts_with("HTTP/1.1 431"),
        "{}",
        &answer[..answer.len().min(200)]
    );
    assert_eq!(body_of(&answer)["type"], "/problems/header-too-large");
    // Not HTTP at all.
    let answer = raw(&base, b"HELLO\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert_eq!(body_of(&answer)["status"], 400);
    // A path that is not UTF-8 once decoded.
    let (status, body, _) =
        send(reqwest::Client::new().get(format!("{base}/collections/basic_farmland/items/%ff")))
            .await;
    problem(400, &body, "bad-request", status);
    // A chunked body whose chunk size is not hex.
    let answer = raw(
        &base,
        b"POST /check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert_eq!(body_of(&answer)["type"], "/problems/unreadable-body");
    alive(&base).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn json_that_is_not_an_object_is_not_read_as_a_coordinate_file() {
    let (base, _dir, _) = server().await;
    for body in ["null", "42", "\"x\"", "[1, 2]"] {
        let (status, answer) = post(&base, "/check", body.to_string()).await;
        problem(422, &answer, "not-geojson", status);
        assert!(
            !answer["detail"]
                .as_str()
                .unwrap()
                .contains("coordinates found"),
            "{answer}"
        );
    }
    let (status, answer) = post(&base, "/check", String::new()).await;
    problem(400, &answer, "empty-body", status);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_given_twice_in_a_request_body_is_refused() {
    let (base, _dir, tokens) = server().await;
    let (status, body, _) = send(
        reqwest::Client::new()
            .post(format!("{base}/admin/tokens"))
            .bearer_auth(&tokens.admin)
            .header("content-type", "application/json")
            .body(r#"{"name":"x","role":"viewer","role":"admin"}"#),
    )
    .await;
    problem(400, &body, "duplicate-key", status);
    assert_eq!(body["key"], "role");
    let twice = r#"{"type":"Polygon","type":"Point","coordinates":[[[112.7,36.3],[112.71,36.3],[112.71,36.31],[112.7,36.3]]]}"#;
    let (status, body) = post(&base, "/check", twice.to_string()).await;
    problem(400, &body, "duplicate-key", status);
}

#[tokio::test(flavor = "multi_thread")]
async fn candidate_lists_refuse_an_unknown_kind_status_or_a_bbox_that_is_not_a_number() {
    let (base, _dir, _) = server().await;
    for (query, parameter) in [
        ("kind=foo", "kind"),
        ("status=foo", "status"),
        ("bbox=NaN,36,113,37", "bbox"),
    ] {
        let (status, body, _) =
            send(reqwest::Client::new().get(format!("{base}/candidates?{query}"))).await;
        problem(400, &body, "invalid-parameter", status);
        assert_eq!(body["parameter"], parameter);
        assert!(
            !body["detail"].as_str().unwrap().contains("must not exceed"),
            "{body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_txt_file_whose_point_count_is_no_count_is_refused_at_its_line() {
    let (base, _dir, _) = server().await;
    let file = |count: &str| {
        format!(
            "[属性描述]\n坐标系=2000国家大地坐标系\n几度分带=3\n带号=38\n[地块坐标]\n{count},1.0,A,示意,面,,,,@\nJ1,1,4020000.00,38300000.00\nJ2,1,4020000.00,38301000.00\nJ3,1,4021000.00,38301000.00\nJ1,1,4020000.00,38300000.00\n"
        )
    };
    for count in ["-5", "100000000000000000000", "7"] {
        let (status, body, _) = send(
            reqwest::Client::new()
                .post(format!("{base}/check?format=txt"))
                .header("content-type", "text/plain")
                .body(file(count)),
        )
        .await;
        problem(422, &body, "bad-coordinate-file", status);
        assert_eq!(body["line"], 6, "{body}");
    }
    for count in ["4", "3", ""] {
        let (status, body, _) = send(
            reqwest::Client::new()
                .post(format!("{base}/check?format=txt"))
                .header("content-type", "text/plain")
                .body(file(count)),
        )
        .await;
        assert_eq!(status, 200, "{count}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_say_what_is_really_wrong() {
    let (base, dir, tokens) = server().await;
    // Two parts sharing an edge touch; they do not overlap.
    let touching = json!({"type": "MultiPolygon", "coordinates": [
        [[[112.70, 36.30], [112.71, 36.30], [112.71, 36.31], [112.70, 36.31], [112.70, 36.30]]],
        [[[112.71, 36.30], [112.72, 36.30], [112.72, 36.31], [112.71, 36.31], [112.71, 36.30]]]
    ]});
    let (status, body) = post(&base, "/check", touching.to_string()).await;
    problem(422, &body, "parts-share-edge", status);
    assert!(body["detail"].as_str().unwrap().contains("merge"), "{body}");
    // One vertex given (lat, lon) among (lon, lat) ones would fit swapped.
    let (status, body) = post(
        &base,
        "/check",
        polygon(&[
            [112.70, 36.30],
            [112.71, 36.30],
            [36.31, 112.71],
            [112.70, 36.31],
            [112.70, 36.30],
        ]),
    )
    .await;
    problem(422, &body, "outside-area-of-use", status);
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("would fit with its axes swapped"),
        "{detail}"
    );
    // An invalid published layer file is named without the server's paths.
    let (status, body, _) = send(
        reqwest::Client::new()
            .post(format!("{base}/admin/layers/ecological_redline"))
            .bearer_auth(&tokens.admin)
            .header("content-type", "application/geo+json")
            .body(r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,2]}}]}"#),
    )
    .await;
    problem(422, &body, "invalid-layer-file", status);
    let detail = body["detail"].as_str().unwrap();
    let data_dir = dir.path().to_string_lossy().to_string();
    assert!(!detail.contains(&data_dir), "{detail}");
    assert!(!detail.contains("/tmp"), "{detail}");
}

#[tokio::test(flavor = "multi_thread")]
async fn inputs_the_fuzzers_found_get_problems_not_panics() {
    let (base, _dir, _) = server().await;
    let text = |body: &str, format: &str| {
        reqwest::Client::new()
            .post(format!("{base}/check?format={format}"))
            .header("content-type", "text/plain")
            .body(body.to_string())
    };
    // A number that parses as infinity in a corner list.
    let (status, body, _) = send(text("3E989,385\n", "corners")).await;
    problem(422, &body, "bad-coordinate-file", status);
    // A parcel header with no points after it.
    let file = "[地块坐标]\n4,1.0,A,,面,,,,@\nJ1,1,4014115.88,38379559.81\nJ2,1,4014074,38380941.4\nJ3,1,4016335.,38379592\nJ1,1,4014115.88,38379559.81\n,9,B,,@\n";
    let (status, body, _) = send(text(file, "txt")).await;
    problem(422, &body, "bad-coordinate-file", status);
    assert_eq!(body["line"], 7, "{body}");
    // A triangle 111° wide.
    let (status, body) = post(
        &base,
        "/check",
        polygon(&[
            [112.72, 36.315],
            [1.13745, 35.0],
            [112.72, 54.335],
            [112.72, 36.315],
        ]),
    )
    .await;
    problem(422, &body, "candidate-too-large", status);
    // A CQL2 JSON literal whose position has one number.
    let filter = r#"{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[11.119]]]}]}"#;
    let (status, body, _) = send(reqwest::Client::new().get(format!(
        "{base}/collections/basic_farmland/items?filter-lang=cql2-json&filter={}",
        enc(filter)
    )))
    .await;
    problem(400, &body, "invalid-filter", status);
    alive(&base).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_offset_past_what_the_store_counts_is_a_400_not_a_panic_or_page_one() {
    let (base, _dir, tokens) = server().await;
    let (status, _) = post(&base, "/check", rect(112.7, 36.3, 112.71, 36.31)).await;
    assert_eq!(status, 200);
    for path in [
        "/candidates?offset=18446744073709551615",
        "/admin/audit?offset=9223372036854775808",
    ] {
        let (status, body, _) = send(
            reqwest::Client::new()
                .get(format!("{base}{path}"))
                .bearer_auth(&tokens.admin),
        )
        .await;
        problem(400, &body, "invalid-parameter", status);
        assert_eq!(body["parameter"], "offset");
    }
    alive(&base).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_list_reads_a_limit_above_its_maximum_as_the_maximum_and_refuses_zero() {
    let (base, _dir, tokens) = server().await;
    let get = |path: String| {
        send(
            reqwest::Client::new()
                .get(format!("{base}{path}"))
                .bearer_auth(&tokens.admin),
        )
    };
    for (path, max) in [
        ("/candidates", 1000),
        ("/admin/audit", 10_000),
        ("/collections/basic_farmland/items", 10_000),
    ] {
        let (status, body, _) = get(format!("{path}?limit=1000000")).await;
        assert_eq!(status, 200, "{path}: {body}");
        if path.ends_with("/items") {
            // A FeatureCollection says its limit in its links.
            let links = body["links"].as_array().unwrap();
            let this = links.iter().find(|l| l["rel"] == "self").unwrap();
            let href = this["href"].as_str().unwrap();
            assert!(href.contains(&format!("limit={max}")), "{href}");
        } else {
            assert_eq!(body["limit"], max, "{path}");
        }
        for bad in ["0", "-1", "ten", "1.5"] {
            let (status, body, _) = get(format!("{path}?limit={bad}")).await;
            problem(400, &body, "invalid-parameter", status);
            assert_eq!(body["parameter"], "limit", "{path}?limit={bad}");
        }
    }
    alive(&base).await;
}
