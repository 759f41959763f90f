//! The one GeoJSON geometry writer: every geometry of every answer (checks,
//! items, candidates, reviews) is written by these, straight from geo types
//! without a `geojson::Geometry` copy in between.

use geo::{Coord, MultiPolygon, Point, Polygon};
use serde::Serialize;
use serde_json::Value;

use super::shape::Shape;

/// GeoJSON of a shape: single-part geometries as Polygon, LineString, Point.
pub struct ShapeJson<'a>(pub &'a Shape);

pub struct Ring<'a>(pub &'a [Coord]);
struct Rings<'a>(&'a Polygon);
struct Points<'a>(&'a [Point]);

impl Serialize for Ring<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|c| [c.x, c.y]))
    }
}

impl Serialize for Rings<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            std::iter::once(self.0.exterior())
                .chain(self.0.interiors())
                .map(|r| Ring(&r.0)),
        )
    }
}

impl Serialize for Points<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|p| [p.x(), p.y()]))
    }
}

impl Serialize for ShapeJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(2))?;
        match self.0 {
            Shape::Area(a) => match a.0.as_slice() {
                [one] => {
                    map.serialize_entry("type", "Polygon")?;
                    map.serialize_entry("coordinates", &Rings(one))?;
                }
                parts => {
                    map.serialize_entry("type", "MultiPolygon")?;
                    let parts: Vec<Rings> = parts.iter().map(Rings).collect();
                    map.serialize_entry("coordinates", &parts)?;
                }
            },
            Shape::Lines(l) => match l.0.as_slice() {
                [one] => {
                    map.serialize_entry("type", "LineString")?;
                    map.serialize_entry("coordinates", &Ring(&one.0))?;
                }
                parts => {
                    map.serialize_entry("type", "MultiLineString")?;
                    let parts: Vec<Ring> = parts.iter().map(|p| Ring(&p.0)).collect();
                    map.serialize_entry("coordinates", &parts)?;
                }
            },
            Shape::Points(p) => match p.0.as_slice() {
                [one] => {
                    map.serialize_entry("type", "Point")?;
                    map.serialize_entry("coordinates", &[one.x(), one.y()])?;
                }
                parts => {
                    map.serialize_entry("type", "MultiPoint")?;
                    map.serialize_entry("coordinates", &Points(parts))?;
                }
            },
        }
        map.end()
    }
}

/// A list of rings (or lines) read in place.
pub struct RingList<'a>(Vec<&'a [Coord]>);

impl Serialize for RingList<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|r| Ring(r)))
    }
}

pub fn ring_list<'a>(rings: impl Iterator<Item = &'a [Coord]>) -> RingList<'a> {
    RingList(rings.collect())
}

/// A shape's GeoJSON as a JSON value, written by [`ShapeJson`] like every
/// other geometry of an answer.
pub fn geometry_value(shape: &Shape) -> Value {
    // Coordinates are numbers and keys are strings: nothing here can fail.
    serde_json::to_value(ShapeJson(shape)).unwrap_or(Value::Null)
}

/// GeoJSON for an area: a Polygon when it has one part, else a MultiPolygon.
pub fn area_geometry(area: &MultiPolygon) -> Value {
    geometry_value(&Shape::Area(area.clone()))
}
