//! The intake tier: reading what a planner sends. A candidate as GeoJSON, a
//! 界址点 TXT exchange file or a corner list; reprojected to CGCS2000
//! longitude/latitude and checked for validity before any layer sees it.

/// A candidate block: parsing, reprojection, validation.
pub mod candidate;
/// Text encodings of coordinate files: UTF-8, GB18030/GBK, UTF-16.
pub mod encoding;
/// Corner-point coordinates: TXT exchange files, licence lists, DMS.
pub mod formats;
/// A whole set of plan blocks, for a whole-plan QA.
pub mod plan;
/// JSON from outside: duplicate keys refused, nesting bounded.
pub mod strict_json;
/// Reading a submitted candidate in any accepted format.
pub mod submission;
