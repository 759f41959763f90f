//! Checks running while revisions are published see the old layer or the
//! new one, never a mixture.

mod store_support;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use planmap::records::revisions::publish;
use serde_json::Value;
use store_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn checks_during_publishes_see_one_revision_whole() {
    let dir = TempDir::new("atomic");
    let (state, store, live) = state_in(dir.path(), true);
    let base = serve(state).await;
    let http = reqwest::Client::new();
    let candidate = square(112.76, 36.33, 0.01).to_string();

    // Two revisions: with RL-1 (the candidate conflicts) and without it.
    let with = redline_variant(&[], "with RL-1");
    let without = redline_variant(&["RL-1"], "without RL-1");
    let mut expected: HashMap<String, usize> = HashMap::new();
    for (bytes, conflicts) in [(&with, 1usize), (&without, 0)] {
        let p = publish(
            store.as_ref(),
            &live,
            "test",
            "ecological_redline",
            bytes,
            None,
        )
        .unwrap();
        expected.insert(p.revision.revision.clone(), conflicts);
    }

    let stop = Arc::new(AtomicBool::new(false));
    let publisher = {
        let (store, live, stop) = (store.clone(), live.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                let bytes = if n % 2 == 0 { &with } else { &without };
                publish(
                    store.as_ref(),
                    &live,
                    "test",
                    "ecological_redline",
                    bytes,
                    None,
                )
                .unwrap();
                n += 1;
            }
            n
        })
    };
    let mut checks = Vec::new();
    for _ in 0..8 {
        let (http, base, candidate) = (http.clone(), base.clone(), candidate.clone());
        checks.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            for _ in 0..25 {
                let (status, answer, _) = send(
                    http.post(format!(
                        "{base}/check?layers=ecological_redline,prohibited_zones"
                    ))
                    .body(candidate.clone()),
                )
                .await;
                assert_eq!(status, 200);
                seen.push(answer);
            }
            seen
        }));
    }
    let mut answers: Vec<Value> = Vec::new();
    for c in checks {
        answers.extend(c.await.unwrap());
    }
    stop.store(true, Ordering::SeqCst);
    let publishes = publisher.join().unwrap();
    assert!(
        publishes > 2,
        "the layer changed while checks ran ({publishes} publishes)"
    );

    let mut by_revision: HashMap<String, usize> = HashMap::new();
    for answer in &answers {
        let revision = answer["layers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == "ecological_redline")
            .unwrap()["revision"]
            .as_str()
            .unwrap()
            .to_string();
        let redline_conflicts = answer["conflicts"]["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["properties"]["layer"] == "ecological_redline")
            .count();
        let Some(want) = expected.get(&revision) else {
            panic!("answer names revision {revision}, which was never published");
        };
        assert_eq!(
            redline_conflicts, *want,
            "an answer naming revision {revision} must have that revision's conflicts"
        );
        *by_revision.entry(revision).or_default() += 1;
    }
    assert_eq!(answers.len(), 200);
    assert_eq!(
        by_revision.len(),
        2,
        "checks saw both revisions: {by_revision:?}"
    );
    eprintln!("answers per revision: {by_revision:?} over {publishes} publishes");
}
