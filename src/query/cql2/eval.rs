//! Preparing a parsed expression (CRS, queryables) and evaluating it on a
//! feature with three-valued logic: a comparison with a missing or null
//! property is unknown (`None`), and unknown never selects a feature.

use std::cmp::Ordering;

use geo::{
    BoundingRect, Coord, Geometry, Intersects, LineString, MapCoordsInPlace, MultiPolygon, Polygon,
    Rect,
};
use serde_json::Value;

use super::{CmpOp, Cql2Error, Expr, GEOMETRY_PROPERTY, Scalar, SpatialLiteral};
use crate::geom::crs::{self, Crs};
use crate::geom::segments::{EdgeIndex, Position};
use crate::geom::shape::Shape;
use crate::layer::Feature;
use crate::layer::queryables::Queryables;

/// Refuses a property no feature of the layer carries, naming those it does.
fn known(q: &Queryables, name: &str) -> Result<(), Cql2Error> {
    if name == GEOMETRY_PROPERTY || q.properties.contains_key(name) {
        return Ok(());
    }
    let mut known: Vec<&str> = q.properties.keys().map(String::as_str).collect();
    known.push(GEOMETRY_PROPERTY);
    Err(Cql2Error::UnknownProperty {
        name: name.to_string(),
        known: known.join(", "),
    })
}

/// Checks property names, reprojects geometry literals to CRS84 and indexes
/// polygon literals.
pub fn prepare(expr: &mut Expr, filter_crs: Crs, q: &Queryables) -> Result<(), Cql2Error> {
    let check = |s: &Scalar| match s {
        Scalar::Property(p) => known(q, p),
        _ => Ok(()),
    };
    match expr {
        Expr::Bool(_) => Ok(()),
        Expr::And(parts) | Expr::Or(parts) => {
            parts.iter_mut().try_for_each(|p| prepare(p, filter_crs, q))
        }
        Expr::Not(inner) => prepare(inner, filter_crs, q),
        Expr::Compare(_, a, b) | Expr::Like(a, b) => check(a).and(check(b)),
        Expr::Between(a, b, c) => check(a).and(check(b)).and(check(c)),
        Expr::In(a, list) => list.iter().try_for_each(check).and(check(a)),
        Expr::IsNull(a) => check(a),
        Expr::Intersects(property, literal) => {
            if property != GEOMETRY_PROPERTY {
                known(q, property)?;
                return Err(Cql2Error::UnknownProperty {
                    name: property.clone(),
                    known: format!("{GEOMETRY_PROPERTY} (the only spatial queryable)"),
                });
            }
            let geometry = to_crs84(literal.geometry.clone(), filter_crs)?;
            literal.bbox = geometry.bounding_rect();
            literal.edges = areas_of(&geometry).map(|a| EdgeIndex::new(&a));
            literal.geometry = geometry;
            Ok(())
        }
    }
}

fn to_crs84(geometry: Geometry, filter_crs: Crs) -> Result<Geometry, Cql2Error> {
    if filter_crs == Crs::Crs84 {
        return Ok(geometry);
    }
    crs::describe(filter_crs)?;
    // A box in a projected CRS is not a box in longitude/latitude: densify
    // its outline so the reprojected envelope covers it.
    let mut geometry = match geometry {
        Geometry::Rect(r) => Geometry::Polygon(densified(r)),
        g => g,
    };
    // Fail here, once, if PROJ cannot convert from this CRS at all.
    crs::to_crs84(filter_crs, &mut [Coord::zero()])?;
    geometry.map_coords_in_place(|c| {
        let mut one = [c];
        let _ = crs::to_crs84(filter_crs, &mut one);
        one[0]
    });
    Ok(geometry)
}

/// A rectangle's outline with 16 points per side.
pub fn densified(r: Rect) -> Polygon {
    let (min, max) = (r.min(), r.max());
    let corners = [
        min,
        Coord { x: max.x, y: min.y },
        max,
        Coord { x: min.x, y: max.y },
    ];
    let mut ring = Vec::new();
    for i in 0..4 {
        let (a, b) = (corners[i], corners[(i + 1) % 4]);
        for k in 0..16 {
            let t = k as f64 / 16.0;
            ring.push(Coord {
                x: a.x + t * (b.x - a.x),
                y: a.y + t * (b.y - a.y),
            });
        }
    }
    ring.push(min);
    Polygon::new(LineString(ring), vec![])
}

/// The polygonal parts of a literal, for the edge index.
fn areas_of(g: &Geometry) -> Option<MultiPolygon> {
    match g {
        Geometry::Polygon(p) => Some(MultiPolygon(vec![p.clone()])),
        Geometry::MultiPolygon(m) => Some(m.clone()),
        Geometry::Rect(r) => Some(MultiPolygon(vec![r.to_polygon()])),
        _ => None,
    }
}

/// The box implied by an `S_INTERSECTS` at the top level or under `AND`.
pub fn envelope(expr: &Expr) -> Option<Rect> {
    match expr {
        Expr::Intersects(_, literal) => literal.bbox,
        Expr::And(parts) => parts.iter().find_map(envelope),
        _ => None,
    }
}

/// A resolved value.
#[derive(Debug, Clone, PartialEq)]
enum Val<'a> {
    Text(&'a str),
    Number(f64),
    Bool(bool),
    Instant(i64),
}

fn resolve<'a>(s: &'a Scalar, f: &'a Feature) -> Option<Val<'a>> {
    match s {
        Scalar::Property(name) => match f.properties.get(name)? {
            Value::String(t) => Some(Val::Text(t)),
            Value::Number(n) => n.as_f64().map(Val::Number),
            Value::Bool(b) => Some(Val::Bool(*b)),
            _ => None,
        },
        Scalar::Text(t) => Some(Val::Text(t)),
        Scalar::Number(n) => Some(Val::Number(*n)),
        Scalar::Bool(b) => Some(Val::Bool(*b)),
        Scalar::Instant(ms) => Some(Val::Instant(*ms)),
        Scalar::Geometry(_) => None,
    }
}

fn instant_of(v: &Val) -> Option<i64> {
    match v {
        Val::Instant(ms) => Some(*ms),
        Val::Text(t) => crate::time::parse_date(t).or_else(|| crate::time::parse_timestamp(t)),
        _ => None,
    }
}

/// Orders two values of the same kind; a text compared with a date is read as a date.
fn order(a: &Val, b: &Val) -> Option<Ordering> {
    match (a, b) {
        (Val::Number(x), Val::Number(y)) => x.partial_cmp(y),
        (Val::Text(x), Val::Text(y)) => Some(x.cmp(y)),
        (Val::Bool(x), Val::Bool(y)) => Some(x.cmp(y)),
        (Val::Instant(_), _) | (_, Val::Instant(_)) => Some(instant_of(a)?.cmp(&instant_of(b)?)),
        _ => None,
    }
}

fn like(text: &str, pattern: &str) -> bool {
    // % any run, _ one character, \ escapes the next character. The pattern
    // is cut at each % into pieces that must appear in order: the first at
    // the start, the last at the end, each middle one at its leftmost place
    // (a later place never leaves more room for the pieces after it). So the
    // cost is at most text × pattern, whatever the pattern: a backtracking
    // matcher is exponential in the number of %.
    #[derive(Clone, Copy, PartialEq)]
    enum Unit {
        Char(char),
        One,
    }
    let mut pieces: Vec<Vec<Unit>> = vec![Vec::new()];
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '%' => {
                if !pieces.last().is_some_and(Vec::is_empty) || pieces.len() == 1 {
                    pieces.push(Vec::new());
                }
            }
            '_' => pieces.last_mut().expect("never empty").push(Unit::One),
            '\\' => {
                let escaped = chars.next().unwrap_or('\\');
                pieces
                    .last_mut()
                    .expect("never empty")
                    .push(Unit::Char(escaped));
            }
            c => pieces.last_mut().expect("never empty").push(Unit::Char(c)),
        }
    }
    let t: Vec<char> = text.chars().collect();
    let fits = |piece: &[Unit], at: usize| {
        at + piece.len() <= t.len()
            && piece.iter().zip(&t[at..]).all(|(u, c)| match u {
                Unit::One => true,
                Unit::Char(p) => p == c,
            })
    };
    if pieces.len() == 1 {
        return pieces[0].len() == t.len() && fits(&pieces[0], 0);
    }
    let (first, rest) = pieces.split_first().expect("at least two pieces");
    let (last, middle) = rest.split_last().expect("at least two pieces");
    if !fits(first, 0) {
        return false;
    }
    let mut at = first.len();
    for piece in middle {
        match (at..=t.len().saturating_sub(piece.len())).find(|&i| fits(piece, i)) {
            Some(i) => at = i + piece.len(),
            None => return false,
        }
    }
    t.len() >= at + last.len() && fits(last, t.len() - last.len())
}

/// Evaluates with three-valued logic.
pub fn eval(expr: &Expr, f: &Feature) -> Option<bool> {
    match expr {
        Expr::Bool(b) => Some(*b),
        Expr::And(parts) => parts
            .iter()
            .try_fold(Some(true), |acc, p| match eval(p, f) {
                Some(false) => Err(()),
                Some(true) => Ok(acc),
                None => Ok(None),
            })
            .unwrap_or(Some(false)),
        Expr::Or(parts) => parts
            .iter()
            .try_fold(Some(false), |acc, p| match eval(p, f) {
                Some(true) => Err(()),
                Some(false) => Ok(acc),
                None => Ok(None),
            })
            .unwrap_or(Some(true)),
        Expr::Not(inner) => eval(inner, f).map(|b| !b),
        Expr::Compare(op, a, b) => {
            let o = order(&resolve(a, f)?, &resolve(b, f)?)?;
            Some(match op {
                CmpOp::Eq => o == Ordering::Equal,
                CmpOp::Ne => o != Ordering::Equal,
                CmpOp::Lt => o == Ordering::Less,
                CmpOp::Gt => o == Ordering::Greater,
                CmpOp::Le => o != Ordering::Greater,
                CmpOp::Ge => o != Ordering::Less,
            })
        }
        Expr::Like(a, p) => match (resolve(a, f)?, resolve(p, f)?) {
            (Val::Text(t), Val::Text(p)) => Some(like(t, p)),
            _ => None,
        },
        Expr::Between(a, lo, hi) => {
            let v = resolve(a, f)?;
            Some(
                order(&v, &resolve(lo, f)?)? != Ordering::Less
                    && order(&v, &resolve(hi, f)?)? != Ordering::Greater,
            )
        }
        Expr::In(a, list) => {
            let v = resolve(a, f)?;
            let mut unknown = false;
            for item in list {
                match resolve(item, f).and_then(|i| order(&v, &i)) {
                    Some(Ordering::Equal) => return Some(true),
                    Some(_) => {}
                    None => unknown = true,
                }
            }
            if unknown { None } else { Some(false) }
        }
        Expr::IsNull(a) => match a {
            Scalar::Property(name) => {
                Some(matches!(f.properties.get(name), None | Some(Value::Null)))
            }
            _ => Some(false),
        },
        Expr::Intersects(_, literal) => Some(intersects(literal, f)),
    }
}

/// Whether a literal meets a feature, decided as `/check` decides it: a box
/// test first; when the literal's boundary never enters the feature's box one
/// point-in-polygon test over the literal's edge index; otherwise the exact
/// geometric predicate.
pub fn intersects(literal: &SpatialLiteral, f: &Feature) -> bool {
    let Some(bbox) = literal.bbox else {
        return false;
    };
    if !bbox.intersects(&f.bbox) {
        return false;
    }
    if let Some(edges) = &literal.edges {
        let (min, max) = (f.bbox.min(), f.bbox.max());
        if !edges.boundary_may_meet(min, max) {
            let first = f.shape.coords().next();
            return first.is_some_and(|c| edges.position_of(c) != Position::Outside);
        }
    }
    match &f.shape {
        Shape::Area(a) => literal.geometry.intersects(a),
        Shape::Lines(l) => literal.geometry.intersects(l),
        Shape::Points(p) => literal.geometry.intersects(p),
    }
}

#[cfg(test)]
mod tests {
    use super::like;

    #[test]
    fn like_patterns_follow_sql() {
        assert!(like("CQ001", "CQ%"));
        assert!(like("CQ001", "CQ00_"));
        assert!(!like("CQ001", "KQ%"));
        assert!(like("50%", "50\\%"));
        assert!(like("沉陷区", "%陷%"));
        assert!(like("abcabd", "%ab_"));
        assert!(like("", "%"));
        assert!(!like("a", ""));
        assert!(like("a%b", "a\\%b"));
        assert!(!like("ab", "a%%bb"));
        assert!(like("aXbYc", "a%b%c"));
        assert!(!like("aXcYb", "a%b%c"));
    }

    #[test]
    fn a_pattern_of_many_percent_signs_is_matched_without_backtracking() {
        // A backtracking matcher takes minutes here (issue 11 §1.4).
        let text = "x".repeat(2_000);
        let pattern = format!("{}z", "%".repeat(1_000));
        let started = std::time::Instant::now();
        assert!(!like(&text, &pattern));
        let pattern = "%x".repeat(500) + "z";
        assert!(!like(&text, &pattern));
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }
}
