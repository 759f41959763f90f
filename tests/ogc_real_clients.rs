//! Real clients against the real server binary on loopback: OWSLib
//! (Python), GDAL's `ogrinfo` (OAPIF driver), Debian's QGIS 3.22 (PyQGIS,
//! OAPIF provider), schemathesis (the OpenAPI 3.0 document at /api), and the
//! README's MapLibre and OpenLayers snippets in Debian's Chromium.
//!
//! `tests/clients/install.sh` installs them. When one is missing the test
//! prints `skipped: <client> not installed` and passes, unless
//! `PLANMAP_CLIENT_TESTS=1` (set by CI), where a missing client fails.

mod served;

use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use served::{LAYERS, Server, available, repo, run_bounded};

/// A GeoJSON feature's `[west, south, east, north]`.
fn box_of(feature: &Value) -> [f64; 4] {
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
    let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    walk(&feature["geometry"]["coordinates"], &mut b);
    b
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
            let features = data["features"].as_array().unwrap();
            let b = features.iter().map(box_of).fold(
                [f64::MAX, f64::MAX, f64::MIN, f64::MIN],
                |b, f| {
                    [
                        b[0].min(f[0]),
                        b[1].min(f[1]),
                        b[2].max(f[2]),
                        b[3].max(f[3]),
                    ]
                },
            );
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
fn qgis_reads_every_collection_with_the_features_and_attributes_of_its_file() {
    // Debian's QGIS (python3-qgis) runs on Debian's own Python, not on
    // whichever python3 comes first on the PATH.
    let python = "/usr/bin/python3";
    if !available("QGIS (python3-qgis)", python, &["-c", "import qgis.core"]) {
        return;
    }
    let server = Server::start();
    let token = server.token("planner");
    // Qt wants a runtime directory only its user can enter.
    let runtime = server.data.with_extension("qt-runtime");
    std::fs::create_dir_all(&runtime).unwrap();
    std::fs::set_permissions(
        &runtime,
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    let mut command = Command::new(python);
    command
        .current_dir(repo())
        .env("QT_QPA_PLATFORM", "offscreen")
        .env("XDG_RUNTIME_DIR", &runtime)
        .args(["tests/clients/qgis_check.py", &server.base, LAYERS, &token]);
    let (ok, output) = run_bounded(command, Duration::from_secs(180));
    let _ = std::fs::remove_dir_all(&runtime);
    println!("{output}");
    assert!(ok, "QGIS checks failed:\n{output}");
    let layers = layer_facts().len();
    assert_eq!(
        output
            .lines()
            .filter(|l| l.starts_with("ok: QGIS") && l.contains(" reads "))
            .count(),
        layers + 2,
        "QGIS must read each of the {layers} layers and the candidates (and the submitted ones):\n{output}"
    );
}

/// The URLs GDAL fetched, from its `CPL_DEBUG` log.
fn fetched(output: &str) -> Vec<&str> {
    output
        .lines()
        .filter_map(|l| l.split("Fetch(").nth(1))
        .filter_map(|l| l.strip_suffix(')'))
        .collect()
}

#[test]
fn gdal_sends_spat_to_the_server_as_bbox_and_evaluates_where_itself() {
    if !available("GDAL ogrinfo", "ogrinfo", &["--version"]) {
        return;
    }
    let server = Server::start();
    let layers = repo().join(LAYERS);
    let file: Value = serde_json::from_str(
        &std::fs::read_to_string(layers.join("basic_farmland.geojson")).unwrap(),
    )
    .unwrap();
    let features = file["features"].as_array().unwrap();
    let name = features[0]["properties"]["name"].as_str().unwrap();
    let want_where = features
        .iter()
        .filter(|f| f["properties"]["name"] == name)
        .count();
    let mut command = Command::new("ogrinfo");
    command.env("CPL_DEBUG", "ON").args([
        "-ro",
        "-so",
        &format!("OAPIF:{}", server.base),
        "basic_farmland",
        "-where",
        &format!("name = '{name}'"),
    ]);
    let (ok, output) = run_bounded(command, Duration::from_secs(60));
    assert!(ok, "{output}");
    assert!(
        output.contains(&format!("Feature Count: {want_where}\n")),
        "-where: the file has {want_where} features named {name}:\n{output}"
    );
    let items: Vec<&str> = fetched(&output)
        .into_iter()
        .filter(|u| u.contains("/items"))
        .collect();
    assert!(
        !items.is_empty() && items.iter().all(|u| !u.contains("filter")),
        "GDAL 3.6 evaluates -where itself and sends no filter: {items:?}"
    );
    // -spat: the box goes to the server; the count is the file's features
    // whose boxes meet it, as the server's bbox test counts them.
    let (w, s, e, n) = (112.49, 36.41, 112.50, 36.42);
    let mut command = Command::new("ogrinfo");
    command.env("CPL_DEBUG", "ON").args([
        "-ro",
        "-so",
        &format!("OAPIF:{}", server.base),
        "basic_farmland",
        "-spat",
        &w.to_string(),
        &s.to_string(),
        &e.to_string(),
        &n.to_string(),
    ]);
    let (ok, output) = run_bounded(command, Duration::from_secs(60));
    assert!(ok, "{output}");
    let sent: Vec<f64> = fetched(&output)
        .iter()
        .filter_map(|u| u.split("bbox=").nth(1))
        .flat_map(|b| b.split('&').next().unwrap_or("").split(','))
        .filter_map(|v| v.parse().ok())
        .collect();
    assert!(
        sent.len() == 4
            && sent
                .iter()
                .zip([w, s, e, n])
                .all(|(a, b)| (a - b).abs() < 1e-9),
        "GDAL sends -spat as bbox={w},{s},{e},{n}: {:?}",
        fetched(&output)
    );
    let meets = |f: &Value| {
        let b = box_of(f);
        b[0] <= e && b[2] >= w && b[1] <= n && b[3] >= s
    };
    let boxes_meeting = features.iter().filter(|f| meets(f)).count();
    let count: usize = output
        .lines()
        .find_map(|l| l.strip_prefix("Feature Count: "))
        .unwrap_or_else(|| panic!("no count:\n{output}"))
        .trim()
        .parse()
        .unwrap();
    // GDAL keeps only what intersects the box, of what the server sent.
    assert!(
        count >= 1 && count <= boxes_meeting,
        "-spat: {count} features, {boxes_meeting} file features' boxes meet the box:\n{output}"
    );
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

/// The README's fenced `html` block under `heading`.
fn readme_snippet(heading: &str) -> String {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = readme
        .split(&format!("\n{heading}\n"))
        .nth(1)
        .unwrap_or_else(|| panic!("README has no {heading}"));
    section
        .split("```html\n")
        .nth(1)
        .and_then(|s| s.split("\n```").next())
        .unwrap_or_else(|| panic!("README's {heading} has no html snippet"))
        .to_string()
}

/// Runs a README web-map snippet in Chromium against planmap on the demo
/// layers, with every other address refused.
fn run_snippet(heading: &str, kind: &str, layer: &str, instrument: impl Fn(String) -> String) {
    let node_modules = repo().join("web/node_modules/playwright-core");
    let chromium = "/usr/bin/chromium";
    if !available("node", "node", &["--version"])
        || !available("Chromium", chromium, &["--version"])
        || !available(
            "playwright-core (npm ci in web/)",
            "test",
            &["-d", node_modules.to_str().unwrap()],
        )
    {
        return;
    }
    let server = Server::start_on("layers");
    let html = instrument(readme_snippet(heading)).replace("http://127.0.0.1:8080", &server.base);
    let page = server.data.with_extension(format!("{kind}.html"));
    std::fs::write(
        &page,
        format!("<!doctype html><meta charset=utf-8><body>{html}</body>"),
    )
    .unwrap();
    let file: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join(format!("layers/{layer}.geojson"))).unwrap(),
    )
    .unwrap();
    let names: Vec<&Value> = file["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["properties"]["name"])
        .collect();
    let expected = server.data.with_extension(format!("{kind}.json"));
    std::fs::write(
        &expected,
        serde_json::json!({"layer": layer, "names": names}).to_string(),
    )
    .unwrap();
    let shot = repo().join(format!("target/readme-{kind}.png"));
    let mut command = Command::new("node");
    command
        .current_dir(repo())
        .arg("web/tests/snippets.mjs")
        .args([
            page.to_str().unwrap(),
            &server.base,
            kind,
            expected.to_str().unwrap(),
            shot.to_str().unwrap(),
        ]);
    let (ok, output) = run_bounded(command, Duration::from_secs(120));
    let _ = std::fs::remove_file(&page);
    let _ = std::fs::remove_file(&expected);
    println!("{output}");
    assert!(
        ok,
        "the README's {heading} snippet does not work offline:\n{output}"
    );
}

#[test]
fn the_readme_maplibre_snippet_draws_the_red_lines_with_no_internet() {
    // The snippet's map is module-scoped: let the test reach it.
    run_snippet(
        "### MapLibre GL JS",
        "maplibre",
        "ecological_redline",
        |html| html.replacen("const map = new", "const map = window.map = new", 1),
    );
}

#[test]
fn the_readme_vector_tiles_snippet_draws_the_red_lines_from_tiles_with_no_internet() {
    run_snippet(
        "### Vector tiles",
        "maplibre",
        "ecological_redline",
        |html| html.replacen("const map = new", "const map = window.map = new", 1),
    );
}

#[test]
fn the_readme_openlayers_snippet_draws_the_farmland_with_no_internet() {
    run_snippet("### OpenLayers", "openlayers", "basic_farmland", |html| {
        html
    });
}

#[test]
fn the_readme_openlayers_tiles_snippet_draws_the_red_lines_from_ogc_tiles_with_no_internet() {
    run_snippet(
        "### OpenLayers vector tiles",
        "openlayers-tiles",
        "ecological_redline",
        |html| html,
    );
}

#[test]
fn the_served_map_libraries_are_the_pinned_npm_packages_byte_for_byte() {
    let modules = repo().join("web/node_modules");
    if !available(
        "the web packages (npm ci in web/)",
        "test",
        &["-d", modules.to_str().unwrap()],
    ) {
        return;
    }
    let pairs = [
        (
            "maplibre-gl/maplibre-gl.mjs",
            "maplibre-gl/dist/maplibre-gl.mjs",
        ),
        (
            "maplibre-gl/maplibre-gl-worker.mjs",
            "maplibre-gl/dist/maplibre-gl-worker.mjs",
        ),
        (
            "maplibre-gl/maplibre-gl.css",
            "maplibre-gl/dist/maplibre-gl.css",
        ),
        ("maplibre-gl/LICENSE.txt", "maplibre-gl/LICENSE.txt"),
        ("ol/ol.js", "ol/dist/ol.js"),
        ("ol/ol.css", "ol/ol.css"),
        ("ol/LICENSE.md", "ol/LICENSE.md"),
    ];
    let server = Server::start();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for (served, package) in pairs {
        let want = std::fs::read(modules.join(package)).unwrap();
        let vendored = std::fs::read(repo().join("web/vendor").join(served)).unwrap();
        assert!(
            vendored == want,
            "web/vendor/{served} is not {package}: run web/vendor.sh"
        );
        let url = format!("{}/assets/{served}", server.base);
        let got =
            runtime.block_on(async { reqwest::get(&url).await.unwrap().bytes().await.unwrap() });
        assert!(got == want, "{url} is not the package's {package}");
    }
}
