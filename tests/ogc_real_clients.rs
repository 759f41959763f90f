//! Real OGC API – Features clients against the real server binary on
//! loopback: OWSLib (Python), GDAL's `ogrinfo` (OAPIF driver) and
//! schemathesis (the OpenAPI 3.0 document at /api).
//!
//! `tests/clients/install.sh` installs them. When one is missing the test
//! prints `skipped: <client> not installed` and passes, unless
//! `PLANMAP_CLIENT_TESTS=1` (set by CI), where a missing client fails.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const LAYERS: &str = "tests/fixtures/layers";

/// `planmap serve` on a free loopback port, stopped when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start() -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        // A data directory of its own, so the test leaves nothing in the checkout.
        let data = std::env::temp_dir().join(format!("planmap-clients-{port}"));
        let child = Command::new(env!("CARGO_BIN_EXE_planmap"))
            .args(["serve", "--layers", LAYERS, "--addr", &addr, "--data"])
            .arg(&data)
            .current_dir(repo())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("planmap starts");
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(&addr).is_err() {
            assert!(
                Instant::now() < deadline,
                "planmap did not listen on {addr}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Server {
            child,
            base: format!("http://{addr}"),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether `program args…` runs and succeeds.
fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// True when the client is there; otherwise skips (or fails under CI).
fn available(client: &str, program: &str, args: &[&str]) -> bool {
    if runs(program, args) {
        return true;
    }
    assert!(
        std::env::var("PLANMAP_CLIENT_TESTS").as_deref() != Ok("1"),
        "{client} is not installed but PLANMAP_CLIENT_TESTS=1; run tests/clients/install.sh"
    );
    println!("skipped: {client} not installed");
    false
}

/// Runs a command with a time limit; returns (success, stdout + stderr).
fn run_bounded(mut command: Command, limit: Duration) -> (bool, String) {
    let out_path = std::env::temp_dir().join(format!(
        "planmap-client-{}-{:?}.log",
        std::process::id(),
        std::thread::current().id()
    ));
    let file = std::fs::File::create(&out_path).unwrap();
    let mut child = command
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .spawn()
        .expect("client starts");
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = std::fs::read_to_string(&out_path).unwrap_or_default();
    let _ = std::fs::remove_file(&out_path);
    match status {
        Some(s) => (s.success(), output),
        None => (false, format!("{output}\n(killed after {limit:?})")),
    }
}

/// Each layer of the fixture catalog: id, feature count and CRS84 box, read
/// straight from the layer files.
fn layer_facts() -> Vec<(String, usize, [f64; 4])> {
    let catalog: toml::Value =
        toml::from_str(&std::fs::read_to_string(repo().join(LAYERS).join("catalog.toml")).unwrap())
            .unwrap();
    catalog["layer"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            let file = repo().join(LAYERS).join(entry["file"].as_str().unwrap());
            let data: Value =
                serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
            let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
            fn walk(v: &Value, b: &mut [f64; 4]) {
                match v.as_array() {
                    Some(a) if a.first().is_some_and(Value::is_number) => {
                        let (x, y) = (a[0].as_f64().unwrap(), a[1].as_f64().unwrap());
                        *b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
                    }
                    Some(a) => a.iter().for_each(|c| walk(c, b)),
                    None => {}
                }
            }
            let features = data["features"].as_array().unwrap();
            for f in features {
                walk(&f["geometry"]["coordinates"], &mut b);
            }
            (entry["id"].as_str().unwrap().to_string(), features.len(), b)
        })
        .collect()
}

#[test]
fn owslib_lists_collections_pages_the_largest_layer_and_filters_like_check() {
    if !available(
        "OWSLib",
        "python3",
        &["-c", "import owslib.ogcapi.features"],
    ) {
        return;
    }
    let server = Server::start();
    let mut command = Command::new("python3");
    command.current_dir(repo()).args([
        "tests/clients/owslib_check.py",
        &server.base,
        LAYERS,
        "tests/fixtures/candidates/partial_overlaps.geojson",
    ]);
    let (ok, output) = run_bounded(command, Duration::from_secs(120));
    println!("{output}");
    assert!(ok, "OWSLib checks failed:\n{output}");
}

#[test]
fn ogrinfo_reads_every_collection_with_the_right_feature_count_and_extent() {
    if !available("GDAL ogrinfo", "ogrinfo", &["--version"]) {
        return;
    }
    let server = Server::start();
    for (id, count, b) in layer_facts() {
        let mut command = Command::new("ogrinfo");
        command.args(["-ro", "-so", &format!("OAPIF:{}", server.base), &id]);
        let (ok, output) = run_bounded(command, Duration::from_secs(60));
        assert!(ok, "ogrinfo {id} failed:\n{output}");
        assert!(
            output.contains(&format!("Feature Count: {count}\n")),
            "{id}: expected {count} features:\n{output}"
        );
        let extent = output
            .lines()
            .find_map(|l| l.strip_prefix("Extent: "))
            .unwrap_or_else(|| panic!("{id}: no extent:\n{output}"));
        let numbers: Vec<f64> = extent
            .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
            .filter(|s| !s.is_empty() && *s != "-")
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(numbers.len(), 4, "{id}: {extent}");
        for (got, want) in numbers.iter().zip(b) {
            assert!(
                (got - want).abs() < 1e-6,
                "{id}: extent {extent}, the layer file spans {b:?}"
            );
        }
        println!("ok: ogrinfo {id}: {count} features, extent {extent}");
    }
}

#[test]
fn schemathesis_finds_no_server_error_and_no_response_outside_the_openapi_document() {
    if !available("schemathesis", "python3", &["-c", "import schemathesis"]) {
        return;
    }
    let server = Server::start();
    let mut command = Command::new("python3");
    // schemathesis keeps a .schemathesis/ folder in its working directory.
    command.current_dir(std::env::temp_dir()).args([
        "-m",
        "schemathesis.cli",
        "run",
        &format!("{}/api", server.base),
        "--checks",
        "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance",
        "--max-examples",
        "25",
        "--seed",
        "1",
        "--generation-database",
        "none",
        "--request-timeout",
        "10",
        "--no-color",
    ]);
    let (ok, output) = run_bounded(command, Duration::from_secs(300));
    println!("{output}");
    assert!(ok, "schemathesis found problems:\n{output}");
}
