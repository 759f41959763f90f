//! A layer written as FlatGeobuf by GDAL loads into the same features as its
//! GeoJSON original: ids, names, properties, rings (holes, multipolygons)
//! and ellipsoid areas. The `.fgb` fixtures were written by an independent
//! tool (GDAL 3.6 `ogr2ogr`, see tests/fixtures/fgb/README.md).

use std::collections::BTreeMap;
use std::path::Path;

use planmap::layer::Feature;
use planmap::layer::load::load_layer;

fn by_id(path: &Path) -> BTreeMap<String, Feature> {
    load_layer(path)
        .unwrap_or_else(|e| panic!("{e}"))
        .features
        .iter()
        .map(|f| (f.id.to_string(), f))
        .collect()
}

fn assert_same_layer(name: &str) {
    let geojson = by_id(&Path::new("tests/fixtures/layers").join(format!("{name}.geojson")));
    let fgb = by_id(&Path::new("tests/fixtures/fgb").join(format!("{name}.fgb")));
    assert_eq!(
        geojson.keys().collect::<Vec<_>>(),
        fgb.keys().collect::<Vec<_>>()
    );
    for (id, g) in &geojson {
        let f = &fgb[id];
        assert_eq!(g.id, f.id, "{name} {id}: the id keeps its type");
        assert_eq!(g.name, f.name, "{name} {id}");
        assert_eq!(g.properties, f.properties, "{name} {id}");
        assert_eq!(g.bbox, f.bbox, "{name} {id}");
        assert_eq!(g.measure, f.measure, "{name} {id}: ellipsoid area");
        match (&g.shape, &f.shape) {
            (planmap::geom::shape::Shape::Area(a), planmap::geom::shape::Shape::Area(b)) => {
                assert_eq!(a, b, "{name} {id}: rings")
            }
            _ => panic!("{name} {id}: not both areas"),
        }
    }
}

#[test]
fn a_layer_with_holes_multipolygons_and_text_ids_loads_like_its_geojson() {
    assert_same_layer("ecological_redline");
    let layer = by_id(Path::new("tests/fixtures/fgb/ecological_redline.fgb"));
    let shapes = layer.values().map(|f| match &f.shape {
        planmap::geom::shape::Shape::Area(a) => {
            (a.0.len(), a.0.iter().map(|p| p.interiors().len()).sum())
        }
        _ => (0, 0),
    });
    let (parts, holes): (Vec<usize>, Vec<usize>) = shapes.unzip();
    assert!(
        parts.iter().any(|&n| n > 1),
        "the fixture has a multipolygon"
    );
    assert!(holes.iter().any(|&n| n > 0), "the fixture has a hole");
}

#[test]
fn a_layer_with_integer_ids_loads_like_its_geojson() {
    assert_same_layer("basic_farmland");
}

#[test]
fn a_flatgeobuf_file_without_an_id_column_is_refused_with_the_reason() {
    let dir = std::env::temp_dir().join(format!("planmap-fgb-noid-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // The same file with its `id` column renamed.
    let mut bytes = std::fs::read("tests/fixtures/fgb/basic_farmland.fgb").unwrap();
    // A flatbuffer string: u32 length, the bytes, a NUL.
    let at = bytes
        .windows(7)
        .position(|w| w == b"\x02\x00\x00\x00id\x00")
        .unwrap();
    bytes[at + 4..at + 6].copy_from_slice(b"ID");
    let path = dir.join("zones.fgb");
    std::fs::write(&path, bytes).unwrap();
    let message = load_layer(&path).unwrap_err().to_string();
    assert!(message.contains("no column 'id'"), "{message}");
}

// An upload has no name of its own and a catalog's file may be misnamed, so
// a layer file is read as what its bytes are, not what its name says.
#[test]
fn a_layer_file_is_read_as_what_its_bytes_are_whatever_its_name_says() {
    let dir = std::env::temp_dir().join(format!("planmap-fgb-misnamed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let geojson = Path::new("tests/fixtures/layers/basic_farmland.geojson");
    let fgb = Path::new("tests/fixtures/fgb/basic_farmland.fgb");
    let fgb_called_geojson = dir.join("basic_farmland.geojson");
    let geojson_called_fgb = dir.join("basic_farmland.fgb");
    std::fs::copy(fgb, &fgb_called_geojson).unwrap();
    std::fs::copy(geojson, &geojson_called_fgb).unwrap();
    for (original, misnamed) in [(fgb, &fgb_called_geojson), (geojson, &geojson_called_fgb)] {
        let (a, b) = (by_id(original), by_id(misnamed));
        assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
        for (id, f) in &a {
            assert_eq!(f.measure, b[id].measure, "{}: {id}", misnamed.display());
        }
    }
}
