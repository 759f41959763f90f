//! The web workspace at `/map` in a real browser: Debian's Chromium driven
//! by playwright-core (`web/tests/workspace.mjs`) against `planmap serve`
//! on the demo layers, with every address but planmap's refused. What the
//! page shows — verdicts, overlap areas, findings, problems — is compared
//! with planmap's JSON answers for the same files, not with constants.
//!
//! Skipped (passing) when node, Chromium or playwright-core is missing,
//! unless `PLANMAP_CLIENT_TESTS=1` (set by CI).

mod served;

use std::process::Command;
use std::time::Duration;

use served::{Server, available, repo, run_bounded};

/// One browser test at a time: two Chromiums and two servers on two cores
/// would measure each other, not the workspace (first render 2.2 s in CI
/// with both at once, about 1 s alone).
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Whether node, Chromium and playwright-core are here (or CI says they must be).
fn browser_available() -> bool {
    let playwright = repo().join("web/node_modules/playwright-core");
    available("node", "node", &["--version"])
        && available("Chromium", "/usr/bin/chromium", &["--version"])
        && available(
            "playwright-core (npm ci in web/)",
            "test",
            &["-d", playwright.to_str().unwrap()],
        )
}

#[test]
fn a_configured_basemap_is_drawn_under_the_plan_with_its_attribution() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if !browser_available() {
        return;
    }
    // A basemap on planmap's own host, so the test needs no network: the
    // townships' vector tiles, as a bureau would point at its own tiles.
    let server = Server::start_with(
        "layers",
        &[
            "--basemap",
            "mvt:/collections/townships/tiles/WebMercatorQuad/{z}/{y}/{x}",
            "--basemap-attribution",
            "© 屯留区自然资源局",
        ],
    );
    let mut command = Command::new("node");
    command
        .current_dir(repo())
        .arg("web/tests/basemap.mjs")
        .args([
            server.base.as_str(),
            "/collections/townships/tiles/WebMercatorQuad/",
            "© 屯留区自然资源局",
        ]);
    let (ok, output) = run_bounded(command, Duration::from_secs(120));
    println!("{output}");
    assert!(ok, "the basemap was not drawn:\n{output}");
}

#[test]
fn a_reviewer_sees_the_plan_checks_a_dropped_file_submits_reviews_and_prints_in_chromium() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if !browser_available() {
        return;
    }
    let server = Server::start_on("layers");
    let tokens = serde_json::json!({
        "viewer": server.token("viewer"),
        "planner": server.token("planner"),
        "reviewer": server.token("reviewer"),
        "admin": server.token("admin"),
    });
    let tokens_path = server.data.with_extension("tokens.json");
    std::fs::write(&tokens_path, tokens.to_string()).unwrap();
    // Screenshots and timings are kept for the README and for whoever
    // reads a failed run.
    let artifacts = repo().join("target/workspace");
    std::fs::create_dir_all(&artifacts).unwrap();
    let mut command = Command::new("node");
    command
        .current_dir(repo())
        .arg("web/tests/workspace.mjs")
        .arg(&server.base)
        .arg(&tokens_path)
        .arg(repo().join("tests/fixtures/workspace"))
        .arg(&artifacts);
    let (ok, output) = run_bounded(command, Duration::from_secs(240));
    let _ = std::fs::remove_file(&tokens_path);
    println!("{output}");
    assert!(ok, "the web workspace failed in Chromium:\n{output}");
}
