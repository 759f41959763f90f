//! Plan adjustments reach a running server by themselves: a revision
//! published from the command line, a scheduled revision on its date; old
//! revisions are cached within a bound; a large layer file is kept once.

mod store_support;

use std::io::{BufRead, BufReader};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use planmap::api::{ApiLimits, AppState};
use planmap::layer::catalog::Catalog;
use planmap::records::revisions::{LiveCatalog, find_revision, open_catalog, publish};
use planmap::records::store::{SqliteStore, Store};
use serde_json::{Value, json};
use store_support::*;

fn planmap() -> Command {
    Command::new(env!("CARGO_BIN_EXE_planmap"))
}

/// A running `planmap serve`, stopped when dropped.
struct Server {
    child: Child,
    url: String,
    started: Instant,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `planmap serve` on an ephemeral port and waits until it listens.
fn start(layers: &Path, data: &Path, extra: &[&str]) -> Server {
    let started = Instant::now();
    let mut child = planmap()
        .args(["serve", "--addr", "127.0.0.1:0", "--layers"])
        .arg(layers)
        .arg("--data")
        .arg(data)
        .args(extra)
        .env("RUST_LOG", "planmap=info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if !sent && let Some(at) = line.find("http://") {
                let url: String = line[at..]
                    .chars()
                    .take_while(|c| !c.is_whitespace() && *c != '\u{1b}')
                    .collect();
                let _ = tx.send(url);
                sent = true;
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the server says where it listens");
    Server {
        child,
        url,
        started,
    }
}

/// `planmap layers publish` of `bytes` as layer `ecological_redline`; its JSON.
fn publish_from_cli(layers: &Path, data: &Path, bytes: &[u8], effective: Option<&str>) -> Value {
    let file = data.join("new_redline.geojson");
    std::fs::write(&file, bytes).unwrap();
    let mut command = planmap();
    command
        .args(["layers", "publish", "--layer", "ecological_redline"])
        .arg(&file)
        .arg("--layers")
        .arg(layers)
        .arg("--data")
        .arg(data);
    if let Some(date) = effective {
        command.args(["--effective", date]);
    }
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn served_revision(http: &reqwest::Client, base: &str) -> String {
    let (status, layers, _) = send(http.get(format!("{base}/layers"))).await;
    assert_eq!(status, 200);
    layers
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == "ecological_redline")
        .unwrap()["revision"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Waits up to `limit` for the server to serve `revision`; how long it took.
async fn until_served(
    http: &reqwest::Client,
    base: &str,
    revision: &str,
    limit: Duration,
) -> Duration {
    let asked = Instant::now();
    while served_revision(http, base).await != revision {
        assert!(
            asked.elapsed() < limit,
            "revision {revision} not served after {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    asked.elapsed()
}

/// The candidate that crosses red-line feature RL-1.
fn crossing_rl1() -> String {
    square(112.76, 36.33, 0.01).to_string()
}

async fn conflicts(http: &reqwest::Client, base: &str, query: &str) -> (usize, String) {
    let (status, answer, text) = send(
        http.post(format!("{base}/check?layers=ecological_redline{query}"))
            .body(crossing_rl1()),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    (
        answer["conflicts"]["features"].as_array().unwrap().len(),
        answer["layers"][0]["revision"]
            .as_str()
            .unwrap()
            .to_string(),
    )
}

#[tokio::test]
async fn a_revision_published_from_the_command_line_is_served_by_the_running_server_within_its_follow_interval()
 {
    let data = TempDir::new("follow");
    let server = start(
        &fixture_layers(),
        data.path(),
        &["--follow-interval", "0.5"],
    );
    let http = reqwest::Client::new();
    let before = served_revision(&http, &server.url).await;
    assert_eq!(conflicts(&http, &server.url, "").await.0, 1);

    let published = publish_from_cli(
        &fixture_layers(),
        data.path(),
        &redline_variant(&["RL-1"], "without RL-1"),
        None,
    );
    let revision = published["revision"]["revision"].as_str().unwrap();
    assert_ne!(revision, before);
    let took = until_served(&http, &server.url, revision, Duration::from_secs(10)).await;
    // One follow interval, plus loading a small file and a request's time.
    assert!(took < Duration::from_secs(3), "served after {took:?}");
    assert_eq!(
        conflicts(&http, &server.url, "").await,
        (0, revision.to_string())
    );
    let (_, health, _) = send(http.get(format!("{}/health", server.url))).await;
    assert_eq!(health["status"], "ok");
    assert!(health["revisions"]["last_followed"].is_string());
}

#[tokio::test]
async fn a_scheduled_revision_comes_into_force_at_its_date_without_a_restart() {
    let data = TempDir::new("scheduled");
    // The server's clock reads 23:59:45 China Standard Time on 2027-01-01
    // as it starts (the hidden test flag `--clock-start`), so 2027-01-02
    // comes 15 seconds later. The command line's clock is the real one, to
    // which 2027-01-02 is in the future too.
    const TO_MIDNIGHT: Duration = Duration::from_secs(15);
    let server = start(
        &fixture_layers(),
        data.path(),
        &[
            "--follow-interval",
            "0.3",
            "--clock-start",
            "2027-01-01T15:59:45Z",
        ],
    );
    let http = reqwest::Client::new();
    let before = served_revision(&http, &server.url).await;
    let items = format!("{}/collections/ecological_redline/items", server.url);
    let etag = |r: &reqwest::Response| r.headers()["etag"].to_str().unwrap().to_string();
    let etag_before = etag(&http.get(&items).send().await.unwrap());

    let published = publish_from_cli(
        &fixture_layers(),
        data.path(),
        &redline_variant(&["RL-1"], "from 2027-01-02"),
        Some("2027-01-02"),
    );
    assert_eq!(published["scheduled"], true);
    assert_eq!(published["in_force"], false);
    let revision = published["revision"]["revision"].as_str().unwrap();
    assert!(
        server.started.elapsed() < TO_MIDNIGHT,
        "too slow to test before the date"
    );

    // Listed as scheduled, not served, but seen by a check as of its date.
    let (_, listed, _) = send(http.get(format!(
        "{}/collections/ecological_redline/revisions",
        server.url
    )))
    .await;
    let last = listed["revisions"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (last["revision"].as_str(), last["scheduled"].as_bool()),
        (Some(revision), Some(true))
    );
    assert_eq!(listed["served"], before.as_str());
    assert_eq!(conflicts(&http, &server.url, "").await, (1, before.clone()));
    assert_eq!(
        conflicts(&http, &server.url, "&as_of=2027-01-02").await,
        (0, revision.to_string())
    );

    until_served(&http, &server.url, revision, Duration::from_secs(40)).await;
    assert!(
        server.started.elapsed() >= TO_MIDNIGHT,
        "served before its date, {:?} after start",
        server.started.elapsed()
    );
    assert_eq!(
        conflicts(&http, &server.url, "").await,
        (0, revision.to_string())
    );
    assert_ne!(etag(&http.get(&items).send().await.unwrap()), etag_before);
    let (_, listed, _) = send(http.get(format!(
        "{}/collections/ecological_redline/revisions",
        server.url
    )))
    .await;
    assert_eq!(listed["served"], revision);
    assert_eq!(
        listed["revisions"].as_array().unwrap().last().unwrap()["scheduled"],
        false
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_of_old_revisions_stays_within_its_bound_under_many_as_of_checks() {
    let dir = TempDir::new("cache");
    let store = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let catalog = Arc::new(Catalog::load(&fixture_layers()).unwrap());
    let variants: Vec<Vec<u8>> = (1..=6)
        .map(|n| redline_variant(&[], &format!("variant {n}")))
        .collect();
    // Room for two of the six revisions.
    let one = {
        let file = dir.path().join("one.geojson");
        std::fs::write(&file, &variants[0]).unwrap();
        planmap::layer::load::load_layer(&file)
            .unwrap()
            .heap_bytes()
    };
    let limit = 2 * one + one / 2;
    let live = Arc::new(
        open_catalog(store.as_ref(), catalog)
            .unwrap()
            .with_cache_bytes(limit),
    );
    let mut revisions = Vec::new();
    for (n, bytes) in variants.iter().enumerate() {
        let effective = format!("2021-01-0{}", n + 1);
        let p = publish(
            store.as_ref(),
            &live,
            "test",
            "ecological_redline",
            bytes,
            Some(&effective),
        )
        .unwrap();
        revisions.push(p.revision.revision);
    }
    let state = AppState::with_store(live.clone(), store.clone(), ApiLimits::default(), true);
    let base = serve(state).await;
    let http = reqwest::Client::new();
    for _round in 0..4 {
        for (n, revision) in revisions.iter().enumerate() {
            for _again in 0..2 {
                let (found, seen) =
                    conflicts(&http, &base, &format!("&as_of=2021-01-0{}", n + 1)).await;
                assert_eq!((found, &seen), (1, revision));
                let (_, health, _) = send(http.get(format!("{base}/health"))).await;
                let cache = &health["revisions"]["cache"];
                assert_eq!(cache["limit_bytes"], json!(limit));
                assert!(cache["bytes"].as_u64().unwrap() <= limit as u64, "{cache}");
                assert!(cache["entries"].as_u64().unwrap() <= 2, "{cache}");
            }
        }
    }
    let (_, health, _) = send(http.get(format!("{base}/health"))).await;
    let cache = &health["revisions"]["cache"];
    // Asked twice in a row, each revision is a miss and then a hit; six
    // revisions cycling through room for two are evicted every round.
    assert_eq!(cache["hits"], 24, "{cache}");
    assert_eq!(cache["misses"], 24, "{cache}");
    assert_eq!(cache["evictions"], 22, "{cache}");
}

/// A copy of the fixture layers in `dir`, with a red line layer of over
/// 1 MiB (many small squares, each with a long note).
fn layers_with_a_large_file(dir: &Path) -> PathBuf {
    let layers = dir.join("layers");
    std::fs::create_dir_all(&layers).unwrap();
    for entry in std::fs::read_dir(fixture_layers()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, layers.join(path.file_name().unwrap())).unwrap();
    }
    let note = "说明".repeat(150);
    let features: Vec<Value> = (0..3000)
        .map(|i| {
            let (x, y) = (
                112.0 + (i % 60) as f64 * 0.01,
                36.0 + (i / 60) as f64 * 0.01,
            );
            json!({"type": "Feature", "id": format!("RL-{i}"),
                   "properties": {"name": format!("square {i}"), "note": note},
                   "geometry": square(x, y, 0.005)})
        })
        .collect();
    let text = json!({"type": "FeatureCollection", "features": features}).to_string();
    assert!(text.len() as u64 > planmap::records::store::LINK_FROM_BYTES);
    std::fs::write(layers.join("ecological_redline.geojson"), text).unwrap();
    layers
}

#[test]
fn startup_keeps_a_large_layer_file_without_a_second_copy() {
    let dir = TempDir::new("nocopy");
    let layers = layers_with_a_large_file(dir.path());
    let data = dir.path().join("data");
    let large = layers.join("ecological_redline.geojson");
    let size = std::fs::metadata(&large).unwrap().len();
    let start = || {
        let store = SqliteStore::open(&data).unwrap();
        let live = open_catalog(&store, Arc::new(Catalog::load(&layers).unwrap())).unwrap();
        (store, live)
    };
    // Bytes under the data directory that are not shared with another name.
    let unshared = || -> u64 {
        let mut total = 0;
        let mut dirs = vec![data.clone()];
        while let Some(d) = dirs.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let meta = entry.as_ref().unwrap().metadata().unwrap();
                if meta.is_dir() {
                    dirs.push(entry.unwrap().path());
                } else if meta.nlink() == 1 {
                    total += meta.len();
                }
            }
        }
        total
    };
    for _start in 0..2 {
        let (store, live) = start();
        let record = store
            .layer_revisions("ecological_redline")
            .unwrap()
            .pop()
            .unwrap();
        let stored = store.layer_file(&record.sha256, &record.ext);
        let (a, b) = (
            std::fs::metadata(&large).unwrap(),
            std::fs::metadata(&stored).unwrap(),
        );
        assert_eq!(
            (a.dev(), a.ino()),
            (b.dev(), b.ino()),
            "one file, two names"
        );
        assert_eq!(a.nlink(), 2);
        assert!(a.permissions().readonly());
        // The SQLite files and the small layers' copies, not the large layer.
        assert!(unshared() < size, "{} unshared bytes", unshared());
        assert_eq!(
            live.current()
                .get("ecological_redline")
                .unwrap()
                .data
                .revision,
            record.revision
        );
    }

    // Overwritten in place (as root may, despite read-only), the old
    // revision's bytes change with it: loading that revision says so
    // instead of serving other data under its name.
    let (store, _) = start();
    let old = store
        .layer_revisions("ecological_redline")
        .unwrap()
        .pop()
        .unwrap();
    let mut writable = std::fs::metadata(&large).unwrap().permissions();
    #[expect(
        clippy::permissions_set_readonly_false,
        reason = "simulating root's cp onto the file"
    )]
    writable.set_readonly(false);
    std::fs::set_permissions(&large, writable).unwrap();
    std::fs::write(&large, redline_variant(&[], "overwritten")).unwrap();
    let (store, live) = start();
    let record = find_revision(&store, "ecological_redline", &old.revision).unwrap();
    let Err(error) = live.layer_of(&store, &record, &record.entry) else {
        panic!("a changed stored file is refused");
    };
    assert!(error.to_string().contains("has changed"), "{error}");
    let _: &LiveCatalog = &live;
}
