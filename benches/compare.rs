//! planmap's side of the peer comparison (`benches/run.sh`): loads one
//! generated layer file, reports load time and resident memory per feature,
//! then checks every candidate in-process and writes timings and answers
//! (feature id → overlap area) as JSON for `benches/peers.py` to compare.
//!
//! `cargo bench --bench compare -- DATA_DIR LAYERS_DIR REPS`, where
//! LAYERS_DIR (under DATA_DIR) holds the catalog.toml `make_data` wrote.

use std::path::Path;
use std::time::Instant;

use planmap::geom::crs::Crs;
use planmap::intake::candidate::{Limits, read_candidate};
use planmap::layer::catalog::Catalog;
use serde_json::json;

/// Resident set size of this process, in bytes (Linux).
fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [dir, file, reps] = args.as_slice() else {
        anyhow::bail!("usage: compare DATA_DIR LAYERS_DIR REPS");
    };
    let (dir, reps): (&Path, usize) = (Path::new(dir), reps.parse()?);

    let rss_before = rss_bytes();
    let t = Instant::now();
    let catalog = Catalog::load(&dir.join(file))?;
    let load_s = t.elapsed().as_secs_f64();
    let rss_after = rss_bytes();
    let layers = catalog.layers;
    let n = layers[0].data.features.len();
    eprintln!(
        "planmap: loaded {n} features from {file} in {load_s:.2} s, {:.0} bytes/feature resident",
        (rss_after - rss_before) as f64 / n as f64
    );

    let mut cases = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(dir.join("candidates"))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    names.sort();
    for candidate_path in names {
        let name = candidate_path
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .to_string();
        let body: serde_json::Value = serde_json::from_slice(&std::fs::read(&candidate_path)?)?;
        let candidate = read_candidate(&body, Crs::Crs84, Limits::default())?;
        let report = planmap::engine::check::check(&candidate, &layers);
        let (mut engine, mut serialise) = (Vec::new(), Vec::new());
        for _ in 0..reps {
            let t = Instant::now();
            let report = planmap::engine::check::check(&candidate, &layers);
            engine.push(t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            let bytes = serde_json::to_vec(&report)?;
            serialise.push(t.elapsed().as_secs_f64() * 1e3);
            std::hint::black_box(bytes);
        }
        engine.sort_by(f64::total_cmp);
        serialise.sort_by(f64::total_cmp);
        let answer: serde_json::Map<String, serde_json::Value> = report
            .conflicts
            .features
            .iter()
            .map(|c| {
                (
                    c.properties.feature_id.to_string(),
                    json!(c.properties.overlap_area_m2),
                )
            })
            .collect();
        eprintln!(
            "planmap: {name}: {} conflicts, median {:.2} ms, p99 {:.2} ms, serialising {:.2} ms",
            answer.len(),
            percentile(&engine, 0.5),
            percentile(&engine, 0.99),
            percentile(&serialise, 0.5)
        );
        cases.push(json!({
            "candidate": name,
            "hits": answer.len(),
            "median_ms": percentile(&engine, 0.5),
            "p99_ms": percentile(&engine, 0.99),
            "serialise_median_ms": percentile(&serialise, 0.5),
            "answer_bytes": serde_json::to_vec(&report)?.len(),
            "answer": answer,
        }));
    }
    let out = json!({
        "features": n,
        "file": file,
        "load_s": load_s,
        "rss_bytes_per_feature": (rss_after - rss_before) as f64 / n as f64,
        "threads": rayon::current_num_threads(),
        "cases": cases,
    });
    let results = dir.join("results");
    std::fs::create_dir_all(&results)?;
    std::fs::write(
        results.join(format!("planmap_{file}.json")),
        serde_json::to_vec_pretty(&out)?,
    )?;
    Ok(())
}
