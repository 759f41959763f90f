//! A FlatGeobuf header's feature count and index node size are what the file
//! says, not facts: a layer file that claims more than it holds is read for
//! what it holds or refused with a reason, never allocated for or asserted on.
//! (Found by `tests/fuzz` target `layer_fgb`: a count of 2^58 made planmap
//! ask for 3.7e18 bytes and abort.)

use std::path::PathBuf;

use flatbuffers::FlatBufferBuilder;
use flatgeobuf::{
    Column, ColumnArgs, ColumnType, Feature, FeatureArgs, Geometry, GeometryArgs, GeometryType,
    Header, HeaderArgs,
};
use planmap::layer::load::load_layer;

/// A FlatGeobuf file of one square polygon (id 1) whose header claims
/// `features_count` features and an index of `index_node_size`.
fn fgb(features_count: u64, index_node_size: u16) -> Vec<u8> {
    fgb_with_rings(features_count, index_node_size, &SQUARE, None)
}

const SQUARE: [(f64, f64); 5] = [
    (112.9, 36.1),
    (112.91, 36.1),
    (112.91, 36.11),
    (112.9, 36.11),
    (112.9, 36.1),
];

/// [`fgb`] with these coordinates and ring ends.
fn fgb_with_rings(
    features_count: u64,
    index_node_size: u16,
    coords: &[(f64, f64)],
    ends: Option<&[u32]>,
) -> Vec<u8> {
    let mut fbb = FlatBufferBuilder::new();
    let column_name = fbb.create_string("id");
    let column = Column::create(
        &mut fbb,
        &ColumnArgs {
            name: Some(column_name),
            type_: ColumnType::Long,
            ..Default::default()
        },
    );
    let columns = fbb.create_vector(&[column]);
    let header = Header::create(
        &mut fbb,
        &HeaderArgs {
            geometry_type: GeometryType::Polygon,
            columns: Some(columns),
            features_count,
            index_node_size,
            ..Default::default()
        },
    );
    fbb.finish_size_prefixed(header, None);
    let mut out = b"fgb\x03fgb\x00".to_vec();
    out.extend_from_slice(fbb.finished_data());

    let mut fbb = FlatBufferBuilder::new();
    let xy: Vec<f64> = coords.iter().flat_map(|&(x, y)| [x, y]).collect();
    let xy = fbb.create_vector(&xy);
    let ends = ends.map(|e| fbb.create_vector(e));
    let geometry = Geometry::create(
        &mut fbb,
        &GeometryArgs {
            xy: Some(xy),
            ends,
            ..Default::default()
        },
    );
    let mut props = vec![0u8, 0];
    props.extend_from_slice(&1i64.to_le_bytes());
    let properties = fbb.create_vector(&props);
    let feature = Feature::create(
        &mut fbb,
        &FeatureArgs {
            geometry: Some(geometry),
            properties: Some(properties),
            columns: None,
        },
    );
    fbb.finish_size_prefixed(feature, None);
    out.extend_from_slice(fbb.finished_data());
    out
}

fn write(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("planmap-fgb-trust-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.fgb"));
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn the_file_built_here_loads_when_its_header_tells_the_truth() {
    let layer = load_layer(&write("truthful", &fgb(1, 0))).unwrap();
    assert_eq!(layer.features.len(), 1);
}

#[test]
fn a_header_counting_more_features_than_the_file_holds_reads_the_features_it_holds() {
    let path = write("overcounted", &fgb(0x0333_3333_3333_3335, 0));
    let layer = load_layer(&path).unwrap();
    assert_eq!(layer.features.len(), 1);
}

#[test]
fn an_index_larger_than_the_file_is_refused_not_skipped_past() {
    for count in [1 << 20, 1 << 40, u64::MAX] {
        let path = write(&format!("index-{count}"), &fgb(count, 16));
        let message = load_layer(&path).unwrap_err().to_string();
        assert!(
            message.contains("index"),
            "count {count}: the answer names the index: {message}"
        );
    }
}

#[test]
fn an_index_node_size_of_one_is_refused() {
    let message = load_layer(&write("node-size-1", &fgb(1, 1)))
        .unwrap_err()
        .to_string();
    assert!(message.contains("index node size 1"), "{message}");
}

#[test]
fn ring_ends_that_go_backwards_are_refused_not_subtracted_past_zero() {
    let coords: Vec<(f64, f64)> = SQUARE.iter().chain(SQUARE.iter()).copied().collect();
    let bytes = fgb_with_rings(1, 0, &coords, Some(&[5, 3, 10]));
    let message = load_layer(&write("backwards-ends", &bytes))
        .unwrap_err()
        .to_string();
    assert!(message.contains("feature 0"), "{message}");
}
