//! Loading refuses a bad catalog or layer file, naming the file, the feature
//! index and the reason — a service never starts on data it cannot trust.

use std::path::PathBuf;

use planmap::layer::catalog::Catalog;
use serde_json::{Value, json};

fn temp_layers(name: &str, features: Value) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("planmap-catalog-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("catalog.toml"),
        "[[layer]]\nid = \"zones\"\ntitle = \"测试\"\nfile = \"zones.geojson\"\non_overlap = \"reject\"\nrule = \"test\"\n",
    )
    .unwrap();
    let fc = json!({"type": "FeatureCollection", "features": features});
    std::fs::write(dir.join("zones.geojson"), fc.to_string()).unwrap();
    dir
}

fn square(id: Value, x: f64) -> Value {
    json!({"type": "Feature", "id": id, "properties": {"name": "sq"},
           "geometry": {"type": "Polygon", "coordinates": [[[x, 36.0], [x + 0.1, 36.0], [x + 0.1, 36.1], [x, 36.1], [x, 36.0]]]}})
}

fn refusal(name: &str, features: Value) -> String {
    let dir = temp_layers(name, features);
    let message = Catalog::load(&dir).unwrap_err().to_string();
    let _ = std::fs::remove_dir_all(&dir);
    message
}

#[test]
fn a_good_layer_loads_with_its_features_and_a_revision() {
    let dir = temp_layers(
        "good",
        json!([square(json!("a"), 112.0), square(json!(7), 112.5)]),
    );
    let catalog = Catalog::load(&dir).unwrap();
    let layer = &catalog.layers[0];
    assert_eq!(layer.data.features.len(), 2);
    assert_eq!(layer.data.revision.len(), 12);
    assert!(layer.entry.facts.is_empty(), "facts are optional");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_layers_facts_are_any_toml_table_of_its_entry() {
    let dir = temp_layers("facts", json!([square(json!("a"), 112.0)]));
    let catalog = dir.join("catalog.toml");
    let mut text = std::fs::read_to_string(&catalog).unwrap();
    text.push_str(
        "\n[layer.facts]\ncount = 41\n\n[[layer.facts.figures]]\nquantity = \"collapse_area\"\nvalue = 30.0\n",
    );
    std::fs::write(&catalog, text).unwrap();
    let loaded = Catalog::load(&dir).unwrap();
    let facts = &loaded.layers[0].entry.facts;
    assert_eq!(facts["count"], 41);
    assert_eq!(facts["figures"][0]["value"], 30.0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_feature_without_an_id_is_refused_with_its_index() {
    let mut f = square(json!("a"), 112.0);
    f.as_object_mut().unwrap().remove("id");
    let m = refusal("noid", json!([square(json!("b"), 113.0), f]));
    assert!(
        m.contains("zones.geojson") && m.contains("feature 1") && m.contains("no id"),
        "{m}"
    );
}

#[test]
fn a_duplicate_id_is_refused_naming_both_features() {
    let m = refusal(
        "dup",
        json!([
            square(json!("a"), 112.0),
            square(json!("b"), 112.2),
            square(json!("a"), 112.4)
        ]),
    );
    assert!(m.contains("feature 2") && m.contains("feature 0"), "{m}");
}

#[test]
fn a_geometry_collection_is_refused() {
    let f = json!({"type": "Feature", "id": 1, "properties": {}, "geometry": {"type": "GeometryCollection", "geometries": []}});
    let m = refusal("gc", json!([f]));
    assert!(
        m.contains("feature 0") && m.contains("GeometryCollection"),
        "{m}"
    );
}

#[test]
fn an_unclosed_ring_is_refused() {
    let f = json!({"type": "Feature", "id": 1, "properties": {},
                   "geometry": {"type": "Polygon", "coordinates": [[[112.0, 36.0], [112.1, 36.0], [112.1, 36.1], [112.0, 36.1]]]}});
    let m = refusal("unclosed", json!([f]));
    assert!(m.contains("feature 0") && m.contains("not closed"), "{m}");
}

#[test]
fn a_ring_too_short_is_refused() {
    let f = json!({"type": "Feature", "id": 1, "properties": {},
                   "geometry": {"type": "Polygon", "coordinates": [[[112.0, 36.0], [112.1, 36.0], [112.0, 36.0]]]}});
    let m = refusal("short", json!([f]));
    assert!(m.contains("at least 4"), "{m}");
}

#[test]
fn a_self_intersecting_polygon_is_refused() {
    let f = json!({"type": "Feature", "id": 1, "properties": {},
                   "geometry": {"type": "Polygon", "coordinates": [[[112.0, 36.0], [112.1, 36.1], [112.1, 36.0], [112.0, 36.1], [112.0, 36.0]]]}});
    let m = refusal("bowtie", json!([f]));
    assert!(m.contains("self-intersection"), "{m}");
}

#[test]
fn coordinates_outside_longitude_latitude_range_are_refused() {
    // Gauss-Krüger metres in a layer file that must be lon/lat.
    let f = json!({"type": "Feature", "id": 1, "properties": {},
                   "geometry": {"type": "Polygon", "coordinates": [[[38500000.0, 4000000.0], [38501000.0, 4000000.0], [38501000.0, 4001000.0], [38500000.0, 4000000.0]]]}});
    let m = refusal("range", json!([f]));
    assert!(m.contains("outside longitude/latitude range"), "{m}");
}

#[test]
fn a_catalog_with_a_duplicate_layer_id_is_refused() {
    let dir = temp_layers("duplayer", json!([square(json!("a"), 112.0)]));
    let toml = std::fs::read_to_string(dir.join("catalog.toml")).unwrap();
    std::fs::write(dir.join("catalog.toml"), format!("{toml}\n{toml}")).unwrap();
    let m = Catalog::load(&dir).unwrap_err().to_string();
    assert!(m.contains("appears twice"), "{m}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_catalog_entry_with_an_unknown_on_overlap_is_refused() {
    let dir = temp_layers("onoverlap", json!([square(json!("a"), 112.0)]));
    let toml = std::fs::read_to_string(dir.join("catalog.toml")).unwrap();
    std::fs::write(
        dir.join("catalog.toml"),
        toml.replace("\"reject\"", "\"maybe\""),
    )
    .unwrap();
    let m = Catalog::load(&dir).unwrap_err().to_string();
    assert!(m.contains("catalog.toml") && m.contains("maybe"), "{m}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_protection_buffer_out_of_range_or_an_unknown_expiry_rule_is_refused_naming_the_layer() {
    for (line, says) in [
        ("buffer_m = -1.0", "buffer_m = -1"),
        ("buffer_m = 0", "buffer_m = 0"),
        ("buffer_m = 5000.5", "at most 5000"),
        ("buffer_m = nan", "buffer_m = NaN"),
        ("buffer_m = \"wide\"", "buffer_m"),
        ("on_expired = \"maybe\"", "maybe"),
    ] {
        let dir = temp_layers("buffer", json!([square(json!("a"), 112.0)]));
        let catalog = dir.join("catalog.toml");
        let mut text = std::fs::read_to_string(&catalog).unwrap();
        text.push_str(line);
        text.push('\n');
        std::fs::write(&catalog, text).unwrap();
        let message = Catalog::load(&dir).unwrap_err().to_string();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(message.contains(says), "{line}: {message}");
        assert!(message.contains("catalog.toml"), "{line}: {message}");
    }
}
