//! The query tier: choosing a layer's features for OGC API – Features, by
//! box, time and CQL2 filter, through the same R-tree the engine uses.

/// CQL2 filter expressions: text and JSON parsers, one AST, evaluation.
pub mod cql2;
/// Selecting features by box, time and filter, a page at a time.
pub mod select;
/// Counts, areas and lengths of a selection, grouped by properties.
pub mod stats;
/// Vector tiles (MVT) of layers on WebMercatorQuad.
pub mod tiles;
