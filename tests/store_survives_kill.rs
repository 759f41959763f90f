//! Durability with the real binary: write candidates, reviews and layer
//! revisions while the server is killed with SIGKILL at (seeded) random
//! moments; after a restart everything acknowledged is there and every
//! stored record is whole.

mod store_support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use store_support::*;

const ROUNDS: u64 = 4;
const WORKERS: usize = 3;

fn planmap() -> Command {
    Command::new(env!("CARGO_BIN_EXE_planmap"))
}

fn create_token(data: &std::path::Path, role: &str) -> String {
    let out = planmap()
        .args(["token", "create", "--role", role, "--name", role, "--data"])
        .arg(data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Starts `planmap serve` on an ephemeral port and waits until it listens.
fn start(data: &std::path::Path) -> (Child, String) {
    let mut child = planmap()
        .args(["serve", "--addr", "127.0.0.1:0", "--layers"])
        .arg(fixture_layers())
        .arg("--data")
        .arg(data)
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
    (child, url)
}

/// A deterministic pseudo-random sequence (SplitMix64), so a failure repeats.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[derive(Default)]
struct Acknowledged {
    candidates: Vec<i64>,
    reviews: Vec<(i64, String)>,
    revisions: Vec<String>,
}

/// Writes until the server goes away; records what was acknowledged.
async fn worker(
    base: String,
    token: String,
    round: u64,
    worker: usize,
    acked: Arc<Mutex<Acknowledged>>,
) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    for n in 0.. {
        let offset = 0.0005 * ((round as usize * 7 + worker * 3 + n) % 13) as f64;
        let body = candidate_body(
            &format!("r{round}w{worker}n{n}"),
            square(112.755 + offset, 36.33, 0.01),
        );
        let Ok(r) = http
            .post(format!("{base}/candidates"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
        else {
            return;
        };
        let Ok(created) = r.json::<Value>().await else {
            return;
        };
        let id = created["id"].as_i64().unwrap();
        acked.lock().unwrap().candidates.push(id);
        let Ok(r) = http
            .post(format!("{base}/candidates/{id}/reviews"))
            .bearer_auth(&token)
            .send()
            .await
        else {
            return;
        };
        let Ok(review) = r.json::<Value>().await else {
            return;
        };
        acked.lock().unwrap().reviews.push((
            review["id"].as_i64().unwrap(),
            review["hash"].as_str().unwrap().to_string(),
        ));
        if n % 3 == worker % 3 {
            let bytes = redline_variant(
                if n % 2 == 0 { &["RL-1"] } else { &[] },
                &format!("r{round}w{worker}n{n}"),
            );
            let Ok(r) = http
                .post(format!("{base}/admin/layers/ecological_redline"))
                .bearer_auth(&token)
                .body(bytes)
                .send()
                .await
            else {
                return;
            };
            let Ok(published) = r.json::<Value>().await else {
                return;
            };
            acked.lock().unwrap().revisions.push(
                published["revision"]["revision"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nothing_acknowledged_is_lost_and_nothing_half_written_shows_after_kill_9() {
    let data = TempDir::new("kill");
    let admin = create_token(data.path(), "admin");
    let acked = Arc::new(Mutex::new(Acknowledged::default()));
    let mut random = Seeded(20250607);
    for round in 0..ROUNDS {
        let (mut child, base) = start(data.path());
        let tasks: Vec<_> = (0..WORKERS)
            .map(|w| tokio::spawn(worker(base.clone(), admin.clone(), round, w, acked.clone())))
            .collect();
        let delay = 150 + random.next() % 750;
        tokio::time::sleep(Duration::from_millis(delay)).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        for t in tasks {
            t.await.unwrap();
        }
    }

    let (mut child, base) = start(data.path());
    let http = reqwest::Client::new();
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    assert!(
        acked.reviews.len() >= ROUNDS as usize,
        "writes were acknowledged before each kill"
    );
    for id in &acked.candidates {
        let (status, _, _) = send(http.get(format!("{base}/candidates/{id}"))).await;
        assert_eq!(status, 200, "acknowledged candidate {id} survived");
    }
    for (id, hash) in &acked.reviews {
        let (status, review, _) = send(http.get(format!("{base}/reviews/{id}"))).await;
        assert_eq!(status, 200, "acknowledged review {id} survived");
        assert_eq!(review["hash"], hash.as_str());
        assert_eq!(review["hash_valid"], true);
    }
    let (_, revisions, _) =
        send(http.get(format!("{base}/collections/ecological_redline/revisions"))).await;
    let listed: Vec<&str> = revisions["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["revision"].as_str().unwrap())
        .collect();
    for r in &acked.revisions {
        assert!(
            listed.contains(&r.as_str()),
            "acknowledged revision {r} survived"
        );
    }

    // Every stored review — acknowledged or not — is whole and reproduces
    // on the revisions it names (so every layer file it names is there).
    let (_, all, _) = send(http.get(format!("{base}/candidates?limit=1000"))).await;
    let mut stored = 0;
    for c in all["candidates"].as_array().unwrap() {
        let id = c["id"].as_i64().unwrap();
        let (_, reviews, _) = send(http.get(format!("{base}/candidates/{id}/reviews"))).await;
        for r in reviews["reviews"].as_array().unwrap() {
            let rid = r["id"].as_i64().unwrap();
            let (status, verified, _) =
                send(http.post(format!("{base}/reviews/{rid}/verify"))).await;
            assert_eq!(status, 200, "{verified}");
            assert_eq!(verified["hash_valid"], true, "review {rid}");
            assert_eq!(verified["identical"], true, "review {rid}: {verified}");
            stored += 1;
        }
    }
    assert!(stored >= acked.reviews.len());
    child.kill().unwrap();
    child.wait().unwrap();

    let db = rusqlite::Connection::open(data.path().join("planmap.sqlite")).unwrap();
    let check: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    eprintln!(
        "{} candidates, {} reviews, {} revisions acknowledged over {ROUNDS} kills; {stored} reviews stored",
        acked.candidates.len(),
        acked.reviews.len(),
        acked.revisions.len()
    );
}
