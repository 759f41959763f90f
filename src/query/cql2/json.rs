//! The CQL2 JSON encoding: `{"op": "and", "args": [...]}` into the same AST
//! as the text encoding. Errors name the JSON Pointer of the failing node.

use geo::{Coord, Geometry, Rect};
use serde_json::Value;

use super::{CmpOp, Cql2Error, Expr, GEOMETRY_PROPERTY, MAX_DEPTH, Scalar};

fn err(pointer: &str, message: impl Into<String>) -> Cql2Error {
    Cql2Error::Json {
        pointer: if pointer.is_empty() {
            "/".into()
        } else {
            pointer.into()
        },
        message: message.into(),
    }
}

/// Parses a CQL2 JSON expression.
pub fn parse_json(src: &str) -> Result<Expr, Cql2Error> {
    let value: Value = crate::intake::strict_json::from_str(src).map_err(|e| {
        err(
            "",
            format!("not JSON: {e} (line {}, column {})", e.line(), e.column()),
        )
    })?;
    expr(&value, "", 0)
}

fn args<'a>(
    node: &'a Value,
    at: &str,
    op: &str,
    n: Option<usize>,
) -> Result<&'a [Value], Cql2Error> {
    let list = node
        .get("args")
        .and_then(Value::as_array)
        .ok_or_else(|| err(at, format!("operator '{op}' needs an \"args\" array")))?;
    match n {
        Some(n) if list.len() != n => Err(err(
            &format!("{at}/args"),
            format!("operator '{op}' takes {n} arguments, found {}", list.len()),
        )),
        _ => Ok(list),
    }
}

fn expr(node: &Value, at: &str, depth: usize) -> Result<Expr, Cql2Error> {
    if let Value::Bool(b) = node {
        return Ok(Expr::Bool(*b));
    }
    if depth >= MAX_DEPTH {
        return Err(err(
            at,
            format!("the filter is nested more than {MAX_DEPTH} levels deep"),
        ));
    }
    let op = node.get("op").and_then(Value::as_str).ok_or_else(|| {
        err(
            at,
            "expected an object with \"op\" and \"args\", or true/false",
        )
    })?;
    let arg = |i: usize| format!("{at}/args/{i}");
    let lower = op.to_ascii_lowercase();
    Ok(match lower.as_str() {
        "and" | "or" => {
            let list = args(node, at, op, None)?;
            if list.len() < 2 {
                return Err(err(
                    &format!("{at}/args"),
                    format!("'{op}' needs at least 2 arguments"),
                ));
            }
            let parts = list
                .iter()
                .enumerate()
                .map(|(i, a)| expr(a, &arg(i), depth + 1))
                .collect::<Result<Vec<_>, _>>()?;
            if lower == "and" {
                Expr::And(parts)
            } else {
                Expr::Or(parts)
            }
        }
        "not" => Expr::Not(Box::new(expr(
            &args(node, at, op, Some(1))?[0],
            &arg(0),
            depth + 1,
        )?)),
        "=" | "<>" | "<" | ">" | "<=" | ">=" => {
            let a = args(node, at, op, Some(2))?;
            let cmp = CmpOp::from_symbol(&lower).unwrap_or(CmpOp::Eq);
            Expr::Compare(cmp, scalar(&a[0], &arg(0))?, scalar(&a[1], &arg(1))?)
        }
        "like" => {
            let a = args(node, at, op, Some(2))?;
            Expr::Like(scalar(&a[0], &arg(0))?, scalar(&a[1], &arg(1))?)
        }
        "between" => {
            let a = args(node, at, op, Some(3))?;
            Expr::Between(
                scalar(&a[0], &arg(0))?,
                scalar(&a[1], &arg(1))?,
                scalar(&a[2], &arg(2))?,
            )
        }
        "in" => {
            let a = args(node, at, op, Some(2))?;
            let list = a[1]
                .as_array()
                .ok_or_else(|| err(&arg(1), "the second argument of 'in' is an array of values"))?;
            Expr::In(
                scalar(&a[0], &arg(0))?,
                list.iter()
                    .enumerate()
                    .map(|(i, v)| scalar(v, &format!("{}/{i}", arg(1))))
                    .collect::<Result<_, _>>()?,
            )
        }
        "isnull" => Expr::IsNull(scalar(&args(node, at, op, Some(1))?[0], &arg(0))?),
        "s_intersects" => {
            let a = args(node, at, op, Some(2))?;
            match (scalar(&a[0], &arg(0))?, scalar(&a[1], &arg(1))?) {
                (Scalar::Property(p), Scalar::Geometry(g))
                | (Scalar::Geometry(g), Scalar::Property(p)) => Expr::intersects(p, g),
                _ => {
                    return Err(err(
                        &format!("{at}/args"),
                        format!(
                            "s_intersects takes the geometry property ('{GEOMETRY_PROPERTY}') and a geometry literal"
                        ),
                    ));
                }
            }
        }
        other => {
            return Err(err(
                &format!("{at}/op"),
                format!(
                    "the operator '{other}' is not supported; planmap answers and, or, not, =, <>, <, >, <=, >=, like, between, in, isNull, s_intersects"
                ),
            ));
        }
    })
}

/// Every position of a GeoJSON geometry literal has two numbers or more:
/// the conversion to geo types would index a missing second one.
fn positions_ok(geometry: &Value) -> Result<(), String> {
    fn walk(v: &Value) -> Result<(), String> {
        match v {
            Value::Array(items) if items.iter().all(Value::is_number) => {
                if items.len() < 2 {
                    return Err(format!(
                        "a position needs two numbers (longitude, latitude); found {}",
                        items.len()
                    ));
                }
                Ok(())
            }
            Value::Array(items) => items.iter().try_for_each(walk),
            _ => Err("coordinates are arrays of positions, each an array of numbers".into()),
        }
    }
    if let Some(c) = geometry.get("coordinates") {
        walk(c)?;
    }
    if let Some(Value::Array(parts)) = geometry.get("geometries") {
        parts.iter().try_for_each(positions_ok)?;
    }
    Ok(())
}

fn scalar(node: &Value, at: &str) -> Result<Scalar, Cql2Error> {
    Ok(match node {
        Value::String(s) => Scalar::Text(s.clone()),
        Value::Number(n) => Scalar::Number(n.as_f64().unwrap_or(f64::NAN)),
        Value::Bool(b) => Scalar::Bool(*b),
        Value::Object(o) => {
            if let Some(p) = o.get("property") {
                Scalar::Property(
                    p.as_str()
                        .ok_or_else(|| {
                            err(&format!("{at}/property"), "a property name is a string")
                        })?
                        .to_string(),
                )
            } else if let Some(d) = o.get("date") {
                let s = d.as_str().unwrap_or_default();
                Scalar::Instant(crate::time::parse_date(s).ok_or_else(|| {
                    err(
                        &format!("{at}/date"),
                        format!("'{s}' is not a date (YYYY-MM-DD)"),
                    )
                })?)
            } else if let Some(t) = o.get("timestamp") {
                let s = t.as_str().unwrap_or_default();
                Scalar::Instant(crate::time::parse_timestamp(s).ok_or_else(|| {
                    err(
                        &format!("{at}/timestamp"),
                        format!("'{s}' is not an RFC 3339 timestamp"),
                    )
                })?)
            } else if let Some(b) = o.get("bbox") {
                let n: Vec<f64> = b
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_f64).collect())
                    .unwrap_or_default();
                let (a, b) = match n.as_slice() {
                    [x0, y0, x1, y1] => ((*x0, *y0), (*x1, *y1)),
                    [x0, y0, _, x1, y1, _] => ((*x0, *y0), (*x1, *y1)),
                    _ => return Err(err(&format!("{at}/bbox"), "bbox takes 4 or 6 numbers")),
                };
                Scalar::Geometry(Geometry::Rect(Rect::new(
                    Coord { x: a.0, y: a.1 },
                    Coord { x: b.0, y: b.1 },
                )))
            } else if o.contains_key("type")
                && (o.contains_key("coordinates") || o.contains_key("geometries"))
            {
                positions_ok(node).map_err(|m| err(at, m))?;
                let g: geojson::Geometry = serde_json::from_value(node.clone())
                    .map_err(|e| err(at, format!("not a GeoJSON geometry: {e}")))?;
                Scalar::Geometry(
                    Geometry::try_from(g)
                        .map_err(|e| err(at, format!("not a usable geometry: {e}")))?,
                )
            } else if o.contains_key("op") {
                return Err(err(
                    at,
                    "a nested expression is not allowed as a value here",
                ));
            } else {
                return Err(err(
                    at,
                    "expected a value: a string, number, boolean, {\"property\"}, {\"date\"}, {\"timestamp\"}, {\"bbox\"} or a GeoJSON geometry",
                ));
            }
        }
        Value::Null => return Err(err(at, "null is not a value in CQL2; use isNull")),
        Value::Array(_) => return Err(err(at, "an array is not a value here")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_position_of_one_number_is_an_error_not_a_panic() {
        // Found by the cql2_json fuzz target.
        let e = parse_json(r#"{"op":"s_intersects","args":[{"property":"ra"},{"type":"Polygon","coordinates":[[[11.119]]]}]}"#)
            .unwrap_err();
        assert!(
            matches!(&e, Cql2Error::Json { pointer, .. } if pointer == "/args/1"),
            "{e}"
        );
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_refused_with_a_pointer() {
        let mut deep = r#"{"op":"=","args":[{"property":"a"},1]}"#.to_string();
        for _ in 0..(MAX_DEPTH + 5) {
            deep = format!(r#"{{"op":"not","args":[{deep}]}}"#);
        }
        let e = parse_json(&deep).unwrap_err();
        assert!(matches!(&e, Cql2Error::Json { .. }), "{e}");
        // Far past serde_json's own limit, still an error and no overflow.
        let very = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse_json(&very).is_err());
    }

    #[test]
    fn a_json_error_names_the_pointer_of_the_failing_node() {
        let e = parse_json(r#"{"op":"and","args":[{"op":"=","args":[{"property":"a"},1]},{"op":"frob","args":[]}]}"#)
            .unwrap_err();
        assert!(
            matches!(&e, Cql2Error::Json { pointer, .. } if pointer == "/args/1/op"),
            "{e}"
        );
    }
}
