//! planmap: overlap checks of mining-right candidates against the layers of a
//! mineral-resource master plan (矿产资源总体规划).
//!
//! The modules are tiers; each imports only the tiers below it (see
//! `ARCHITECTURE.md`):
//!
//! | tier | holds |
//! | --- | --- |
//! | [`cli`], [`api`] | the command line and the HTTP API (the only tier that knows axum) |
//! | [`records`] | what is kept as evidence: the store, tokens, layer revisions, submitted candidates, reviews |
//! | [`engine`], [`query`] | the overlap check and the screening around it; selecting a layer's features |
//! | [`intake`] | reading what a planner sends: candidates in every accepted format |
//! | [`layer`] | layers: the feature table, the R-tree, reading layer files, the catalog |
//! | [`geom`] | geometry: shapes, validity, CRS and PROJ, ellipsoid areas, GeoJSON writing |
//! | [`time`], [`deadline`], [`memory`], [`fault`], [`digest`] | dates, a request's compute deadline, the allocator's memory, what an error says about itself, hex digests: below everything |

/// The HTTP API (the only module that knows about axum).
pub mod api;
/// The command line.
pub mod cli;
/// A request's compute deadline, seen by the engine's loops.
pub mod deadline;
/// Hex digests: SHA-256 names and the short names of revisions.
pub mod digest;
/// The overlap engine, the screening around it, the plan's rules and basic unit blocks.
pub mod engine;
/// What an error says about itself: its problem slug and where it lies.
pub mod fault;
/// Geometry: shapes, validity, CRS, ellipsoid areas, GeoJSON writing.
pub mod geom;
/// Reading what a planner submits: candidates in every accepted format.
pub mod intake;
/// Layer files, features, their R-tree and the catalog.
pub mod layer;
/// Memory the allocator holds and the system could have back.
pub mod memory;
/// Selecting a layer's features: boxes, times, CQL2 filters.
pub mod query;
/// What is kept: the store, tokens, layer revisions, candidates, reviews.
pub mod records;
/// Dates, timestamps and intervals, as layers, filters and records write them.
pub mod time;
