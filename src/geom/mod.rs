//! The geometry tier, below everything that knows a layer: shapes and their
//! validity, an R-tree of edges, CRS and PROJ, ellipsoid areas and geodesic
//! lengths on CGCS2000, and the one GeoJSON geometry writer.

/// Cutting rings and lines down to a box.
pub mod clip;
/// CRS identifiers and PROJ reprojection.
pub mod crs;
/// Ellipsoid areas and geodesic lengths on CGCS2000.
pub mod geodesy;
/// The one GeoJSON geometry writer.
pub mod geojson;
/// An R-tree over polygon edges.
pub mod segments;
/// GeoJSON geometry to geo types, with structural checks.
pub mod shape;
/// The exact area two areas share, with no fixed-point grid.
pub mod shared_area;
/// Polygon validity with locations.
pub mod validate;
