//! planmap: overlap checks of mining-right candidates against the layers of a
//! mineral-resource master plan (矿产资源总体规划).

/// The HTTP API (the only module that knows about axum).
pub mod api;
/// Basic unit blocks (1′×1′), snapping and caps.
pub mod blocks;
/// A candidate block: parsing, reprojection, validation.
pub mod candidate;
/// The layer catalog (`catalog.toml`).
pub mod catalog;
/// The overlap engine.
pub mod check;
/// The command line.
pub mod cli;
/// CQL2 filter expressions: text and JSON parsers, one AST, evaluation.
pub mod cql2;
/// CRS identifiers and PROJ reprojection.
pub mod crs;
/// Selecting features by box, time and filter, a page at a time.
pub mod features;
/// Corner-point coordinates: TXT exchange files, licence lists, DMS.
pub mod formats;
/// Ellipsoid areas and geodesic lengths on CGCS2000.
pub mod geodesy;
/// Layer files, features and their R-tree.
pub mod layer;
/// The answer to a check.
pub mod report;
/// The plan's rules by kind of candidate, and their findings.
pub mod rules;
/// A whole screening: check, parcels, blocks, findings, clean part.
pub mod screening;
/// `planmap seed`: the shipped layers drawn from the published facts in `seeds/`.
pub mod seed;
/// An R-tree over polygon edges.
pub mod segments;
/// GeoJSON geometry to geo types, with structural checks.
pub mod shape;
/// Reading a submitted candidate in any accepted format.
pub mod submission;
/// Polygon validity with locations.
pub mod validate;
