//! CQL2 filter expressions (OGC 21-065, the language of OGC API – Features
//! Part 3): one AST that both encodings parse into, and its evaluation over a
//! planning feature's properties and geometry.
//!
//! Supported: Basic CQL2 (comparisons, `AND`/`OR`/`NOT`, `IS NULL`),
//! advanced comparisons (`LIKE`, `BETWEEN`, `IN`) and `S_INTERSECTS` with
//! POINT, MULTIPOINT, LINESTRING, MULTILINESTRING, POLYGON, MULTIPOLYGON,
//! GEOMETRYCOLLECTION and BBOX literals.

mod eval;
mod json;
mod text;

use geo::{Geometry, Rect};
use serde_json::{Map, Value, json};

use crate::fault::{Fault, members};
use crate::geom::crs::CrsError;
use crate::geom::segments::EdgeIndex;
use crate::layer::queryables::Queryables;

pub use eval::densified;
pub use json::parse_json;
pub use text::parse_text;

/// How deeply a filter may nest (parentheses, `NOT`, `and`/`or`/`not`
/// objects, geometry collections). Real filters nest a few levels; the limit
/// keeps every recursive walk of the tree far below the stack.
pub const MAX_DEPTH: usize = 64;

/// The name under which a feature's geometry is queryable.
pub const GEOMETRY_PROPERTY: &str = "geometry";

/// Why a filter was refused; each parse error says where the expression fails.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Cql2Error {
    #[error("cql2-text filter, at character {position}: {message}")]
    Text { position: usize, message: String },
    #[error("cql2-json filter, at {pointer}: {message}")]
    Json { pointer: String, message: String },
    #[error("the filter uses property '{name}', which is not queryable here; queryables: {known}")]
    UnknownProperty { name: String, known: String },
    #[error("filter-crs: {0}")]
    Crs(#[from] CrsError),
}

impl Fault for Cql2Error {
    fn slug(&self) -> &'static str {
        match self {
            Self::Text { .. } | Self::Json { .. } => "invalid-filter",
            Self::UnknownProperty { .. } => "unknown-property",
            Self::Crs(e) => e.slug(),
        }
    }

    /// Always the `filter` parameter, and where in it a parse failed.
    fn location(&self) -> Map<String, Value> {
        let mut m = members([("parameter", json!("filter"))]);
        match self {
            Self::Text { position, .. } => {
                m.insert("position".into(), json!(position));
            }
            Self::Json { pointer, .. } => {
                m.insert("pointer".into(), json!(pointer));
            }
            Self::UnknownProperty { .. } => {}
            Self::Crs(e) => m.extend(e.location()),
        }
        m
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

impl CmpOp {
    fn from_symbol(s: &str) -> Option<CmpOp> {
        Some(match s {
            "=" => CmpOp::Eq,
            "<>" => CmpOp::Ne,
            "<" => CmpOp::Lt,
            ">" => CmpOp::Gt,
            "<=" => CmpOp::Le,
            ">=" => CmpOp::Ge,
            _ => return None,
        })
    }
}

/// A value in an expression: a property reference or a literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Property(String),
    Text(String),
    Number(f64),
    Bool(bool),
    /// A DATE or TIMESTAMP literal, as milliseconds since 1970-01-01T00:00:00Z.
    Instant(i64),
    Geometry(Geometry),
}

/// A geometry literal of `S_INTERSECTS`, in CRS84 once prepared, with the
/// edge index that `/check` uses for polygons.
pub struct SpatialLiteral {
    pub geometry: Geometry,
    pub bbox: Option<Rect>,
    edges: Option<EdgeIndex>,
}

impl std::fmt::Debug for SpatialLiteral {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SpatialLiteral({:?})", self.geometry)
    }
}

/// A parsed CQL2 expression.
#[derive(Debug)]
pub enum Expr {
    Bool(bool),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Compare(CmpOp, Scalar, Scalar),
    Like(Scalar, Scalar),
    Between(Scalar, Scalar, Scalar),
    In(Scalar, Vec<Scalar>),
    IsNull(Scalar),
    /// `S_INTERSECTS(property, literal)`.
    Intersects(String, Box<SpatialLiteral>),
}

impl Expr {
    fn intersects(property: String, geometry: Geometry) -> Expr {
        Expr::Intersects(
            property,
            Box::new(SpatialLiteral {
                geometry,
                bbox: None,
                edges: None,
            }),
        )
    }
}

/// A filter ready to evaluate: geometry literals in CRS84, properties checked.
#[derive(Debug)]
pub struct Filter {
    pub expr: Expr,
}

/// The filter languages of `filter-lang`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Text,
    Json,
}

impl Filter {
    /// Parses `source` in `lang`, brings its geometry literals from
    /// `filter_crs` (authority axis order) to CRS84, and checks that every
    /// property it names is queryable.
    pub fn parse(
        source: &str,
        lang: Lang,
        filter_crs: crate::geom::crs::Crs,
        queryables: &Queryables,
    ) -> Result<Filter, Cql2Error> {
        let mut expr = match lang {
            Lang::Text => parse_text(source)?,
            Lang::Json => parse_json(source)?,
        };
        eval::prepare(&mut expr, filter_crs, queryables)?;
        Ok(Filter { expr })
    }

    /// Whether a feature passes the filter (unknown counts as no).
    pub fn matches(&self, feature: &crate::layer::Feature) -> bool {
        eval::eval(&self.expr, feature) == Some(true)
    }

    /// A box every matching feature's box must meet, when the filter implies one
    /// (an `S_INTERSECTS` at the top level or under `AND`): lets the caller
    /// probe the layer's R-tree instead of scanning.
    pub fn envelope(&self) -> Option<Rect> {
        eval::envelope(&self.expr)
    }
}
