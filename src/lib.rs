//! planmap: overlap checks of mining-right candidates against the layers of a
//! mineral-resource master plan (矿产资源总体规划).

/// API tokens and roles.
pub mod access;
/// The HTTP API (the only module that knows about axum).
pub mod api;
/// Basic unit blocks (1′×1′), snapping and caps.
pub mod blocks;
/// A candidate block: parsing, reprojection, validation.
pub mod candidate;
/// Candidate submissions checked and normalised into stored versions.
pub mod candidates;
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
/// A request's compute deadline, seen by the engine's loops.
pub mod deadline;
/// Selecting features by box, time and filter, a page at a time.
pub mod features;
/// FlatGeobuf layer files (`.fgb`).
pub mod fgb;
/// Corner-point coordinates: TXT exchange files, licence lists, DMS.
pub mod formats;
/// Ellipsoid areas and geodesic lengths on CGCS2000.
pub mod geodesy;
/// Layer files, features and their R-tree.
pub mod layer;
/// The answer to a check.
pub mod report;
/// Review records: stored screenings that hold up as evidence, and their report.
pub mod review;
/// Layer revisions: the live catalog, publishing, revisions in force, diffs.
pub mod revisions;
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
/// Persistence: candidates, reviews, layer revisions, tokens, audit log.
pub mod store;
/// JSON from outside: duplicate keys refused, nesting bounded.
pub mod strict_json;
/// Reading a submitted candidate in any accepted format.
pub mod submission;
/// Polygon validity with locations.
pub mod validate;
