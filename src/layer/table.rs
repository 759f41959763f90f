//! A layer's features as columns: every vertex of the layer in one array,
//! ring, part and feature boundaries as offsets into it, ids, names and
//! properties as text in arenas.
//!
//! Why: a provincial farmland layer has millions of parcels. One `Feature`
//! struct each (id, name, property map and `MultiPolygon`, each its own heap
//! allocation) cost about 880 bytes per 20-vertex parcel, of which the
//! vertices are 336. Here a parcel costs its vertices plus about 40 bytes.
//!
//! The engine reads what it needs in place (kind, box, first vertex,
//! measure, rings as slices); everything else asks for a [`Feature`], built
//! on demand.

use geo::{Coord, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon, Rect};
use serde::Serialize;
use serde_json::{Map, Value};

use super::{Feature, FeatureId};
use crate::geom::geojson::{Ring, ring_list};
use crate::geom::shape::Shape;

const AREA: u8 = 0;
const LINES: u8 = 1;
const POINTS: u8 = 2;
const KIND_MASK: u8 = 0b11;
/// The id was a JSON number, not a string.
const NUMERIC_ID: u8 = 0b100;
/// The feature has a `name` (which may be empty).
const HAS_NAME: u8 = 0b1000;

/// Why features could not be put in a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the layer is too large for one table: more than 4,294,967,295 {0}")]
pub struct TooLarge(&'static str);

/// Strings end to end, each found by its end offset.
#[derive(Debug, Default, Clone)]
struct Arena {
    text: String,
    ends: Vec<u32>,
}

impl Arena {
    fn heap_bytes(&self) -> usize {
        self.text.capacity() + self.ends.capacity() * 4
    }

    fn push(&mut self, s: &str) -> Result<(), TooLarge> {
        self.text.push_str(s);
        self.ends.push(offset(self.text.len(), "bytes of text")?);
        Ok(())
    }

    fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    fn append(&mut self, other: Arena) -> Result<(), TooLarge> {
        let base = self.text.len();
        offset(base + other.text.len(), "bytes of text")?;
        self.text.push_str(&other.text);
        self.ends
            .extend(other.ends.into_iter().map(|e| e + base as u32));
        Ok(())
    }

    fn shrink(&mut self) {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
    }
}

fn offset(n: usize, what: &'static str) -> Result<u32, TooLarge> {
    u32::try_from(n).map_err(|_| TooLarge(what))
}

/// The features of one layer, column by column.
#[derive(Debug, Default, Clone)]
pub struct FeatureTable {
    coords: Vec<Coord>,
    /// End of each ring (polygons), line (lines) or run of points in `coords`.
    ring_ends: Vec<u32>,
    /// End of each polygon or line part in `ring_ends`.
    part_ends: Vec<u32>,
    /// End of each feature in `part_ends`.
    feature_ends: Vec<u32>,
    flags: Vec<u8>,
    measures: Vec<f64>,
    ids: Arena,
    names: Arena,
    /// Compact JSON of each feature's properties; empty for none.
    properties: Arena,
}

/// A feature's geometry, read in place.
#[derive(Debug, Clone, Copy)]
pub struct ShapeView<'a> {
    table: &'a FeatureTable,
    feature: usize,
}

impl FeatureTable {
    /// Bytes the table holds on the heap, for bounding caches of layers.
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        self.coords.capacity() * size_of::<Coord>()
            + (self.ring_ends.capacity() + self.part_ends.capacity() + self.feature_ends.capacity())
                * 4
            + self.flags.capacity()
            + self.measures.capacity() * 8
            + self.ids.heap_bytes()
            + self.names.heap_bytes()
            + self.properties.heap_bytes()
    }

    pub fn len(&self) -> usize {
        self.feature_ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.feature_ends.is_empty()
    }

    /// Appends one checked, measured feature.
    pub fn push(&mut self, feature: &Feature) -> Result<(), TooLarge> {
        let mut flags = match &feature.shape {
            Shape::Area(area) => {
                for polygon in &area.0 {
                    for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                        self.push_ring(&ring.0)?;
                    }
                    self.end_part()?;
                }
                AREA
            }
            Shape::Lines(lines) => {
                for line in &lines.0 {
                    self.push_ring(&line.0)?;
                    self.end_part()?;
                }
                LINES
            }
            Shape::Points(points) => {
                self.coords.extend(points.0.iter().map(|p| p.0));
                let end = offset(self.coords.len(), "vertices")?;
                self.ring_ends.push(end);
                self.end_part()?;
                POINTS
            }
        };
        self.feature_ends
            .push(offset(self.part_ends.len(), "parts")?);
        match &feature.id {
            FeatureId::Text(s) => self.ids.push(s)?,
            FeatureId::Number(n) => {
                flags |= NUMERIC_ID;
                self.ids.push(&n.to_string())?
            }
        }
        match &feature.name {
            Some(name) => {
                flags |= HAS_NAME;
                self.names.push(name)?
            }
            None => self.names.push("")?,
        }
        if feature.properties.is_empty() {
            self.properties.push("")?;
        } else {
            let json = serde_json::to_string(&feature.properties).expect("a JSON map serialises");
            self.properties.push(&json)?;
        }
        self.flags.push(flags);
        self.measures.push(feature.measure);
        Ok(())
    }

    fn push_ring(&mut self, ring: &[Coord]) -> Result<(), TooLarge> {
        self.coords.extend_from_slice(ring);
        self.ring_ends.push(offset(self.coords.len(), "vertices")?);
        Ok(())
    }

    fn end_part(&mut self) -> Result<(), TooLarge> {
        self.part_ends.push(offset(self.ring_ends.len(), "rings")?);
        Ok(())
    }

    /// Appends another table's features after this one's.
    pub fn append(&mut self, other: FeatureTable) -> Result<(), TooLarge> {
        let (coords, rings, parts) = (
            self.coords.len(),
            self.ring_ends.len(),
            self.part_ends.len(),
        );
        offset(coords + other.coords.len(), "vertices")?;
        offset(rings + other.ring_ends.len(), "rings")?;
        offset(parts + other.part_ends.len(), "parts")?;
        self.coords.extend_from_slice(&other.coords);
        self.ring_ends
            .extend(other.ring_ends.iter().map(|e| e + coords as u32));
        self.part_ends
            .extend(other.part_ends.iter().map(|e| e + rings as u32));
        self.feature_ends
            .extend(other.feature_ends.iter().map(|e| e + parts as u32));
        self.flags.extend_from_slice(&other.flags);
        self.measures.extend_from_slice(&other.measures);
        self.ids.append(other.ids)?;
        self.names.append(other.names)?;
        self.properties.append(other.properties)?;
        Ok(())
    }

    /// Joins tables in order, with the exact capacity (no slack kept).
    pub fn concat(tables: Vec<FeatureTable>) -> Result<FeatureTable, TooLarge> {
        let mut all = FeatureTable::default();
        all.coords
            .reserve_exact(tables.iter().map(|t| t.coords.len()).sum());
        all.ring_ends
            .reserve_exact(tables.iter().map(|t| t.ring_ends.len()).sum());
        all.part_ends
            .reserve_exact(tables.iter().map(|t| t.part_ends.len()).sum());
        let n = tables.iter().map(FeatureTable::len).sum();
        all.feature_ends.reserve_exact(n);
        all.flags.reserve_exact(n);
        all.measures.reserve_exact(n);
        for table in tables {
            all.append(table)?;
        }
        all.ids.shrink();
        all.names.shrink();
        all.properties.shrink();
        Ok(all)
    }

    fn range(ends: &[u32], i: usize) -> std::ops::Range<usize> {
        let start = if i == 0 { 0 } else { ends[i - 1] as usize };
        start..ends[i] as usize
    }

    fn parts(&self, feature: usize) -> std::ops::Range<usize> {
        Self::range(&self.feature_ends, feature)
    }

    fn rings(&self, part: usize) -> std::ops::Range<usize> {
        Self::range(&self.part_ends, part)
    }

    fn ring(&self, ring: usize) -> &[Coord] {
        &self.coords[Self::range(&self.ring_ends, ring)]
    }

    /// Every vertex of a feature, in order.
    fn all_coords(&self, feature: usize) -> &[Coord] {
        let parts = self.parts(feature);
        let first_ring = if parts.start == 0 {
            0
        } else {
            self.part_ends[parts.start - 1] as usize
        };
        let last_ring = self.part_ends[parts.end - 1] as usize;
        let start = if first_ring == 0 {
            0
        } else {
            self.ring_ends[first_ring - 1] as usize
        };
        &self.coords[start..self.ring_ends[last_ring - 1] as usize]
    }

    pub fn is_area(&self, feature: usize) -> bool {
        self.flags[feature] & KIND_MASK == AREA
    }

    pub fn is_points(&self, feature: usize) -> bool {
        self.flags[feature] & KIND_MASK == POINTS
    }

    /// Ellipsoid area in m² for polygons, geodesic length in m for lines, 0 for points.
    pub fn measure(&self, feature: usize) -> f64 {
        self.measures[feature]
    }

    pub fn id(&self, feature: usize) -> FeatureId {
        let text = self.ids.get(feature);
        if self.flags[feature] & NUMERIC_ID != 0 {
            // Integer ids (the common case) without the JSON parser: every
            // conflict record carries its id.
            let number = match text.parse::<i64>() {
                Ok(n) => n.into(),
                Err(_) => serde_json::from_str(text).expect("stored from a JSON number"),
            };
            FeatureId::Number(number)
        } else {
            FeatureId::Text(text.to_string())
        }
    }

    pub fn id_is_numeric(&self, feature: usize) -> bool {
        self.flags[feature] & NUMERIC_ID != 0
    }

    /// The id as text, as a URL names it.
    pub fn id_text(&self, feature: usize) -> &str {
        self.ids.get(feature)
    }

    pub fn name(&self, feature: usize) -> Option<&str> {
        (self.flags[feature] & HAS_NAME != 0).then(|| self.names.get(feature))
    }

    /// One property of a feature. The stored text is searched for the key
    /// before anything is parsed: a check asks this of every conflict
    /// (`valid_to`, `elevation_top_m` …), and most features have neither.
    pub fn property(&self, feature: usize, key: &str) -> Option<Value> {
        let json = self.properties.get(feature);
        let quoted = serde_json::to_string(key).expect("a string serialises");
        if !json.contains(&quoted) {
            return None;
        }
        let mut map: Map<String, Value> = serde_json::from_str(json).ok()?;
        map.remove(key)
    }

    pub fn properties(&self, feature: usize) -> Map<String, Value> {
        match self.properties.get(feature) {
            "" => Map::new(),
            json => serde_json::from_str(json).expect("stored as a JSON object"),
        }
    }

    /// The feature's first vertex: for a polygon, the first of its exterior.
    pub fn first_coord(&self, feature: usize) -> Coord {
        self.all_coords(feature)[0]
    }

    pub fn bbox(&self, feature: usize) -> Rect {
        let coords = self.all_coords(feature);
        let (mut min, mut max) = (coords[0], coords[0]);
        for c in coords {
            min.x = min.x.min(c.x);
            min.y = min.y.min(c.y);
            max.x = max.x.max(c.x);
            max.y = max.y.max(c.y);
        }
        Rect::new(min, max)
    }

    pub fn view(&self, feature: usize) -> ShapeView<'_> {
        ShapeView {
            table: self,
            feature,
        }
    }

    /// The feature's geometry as geo types (a copy).
    pub fn shape(&self, feature: usize) -> Shape {
        let parts = self.parts(feature);
        let line = |ring: usize| LineString(self.ring(ring).to_vec());
        match self.flags[feature] & KIND_MASK {
            AREA => Shape::Area(MultiPolygon(
                parts
                    .map(|p| {
                        let mut rings = self.rings(p).map(line);
                        let exterior = rings.next().expect("a polygon has an exterior");
                        Polygon::new(exterior, rings.collect())
                    })
                    .collect(),
            )),
            LINES => Shape::Lines(MultiLineString(
                parts.flat_map(|p| self.rings(p)).map(line).collect(),
            )),
            _ => Shape::Points(MultiPoint(
                self.all_coords(feature).iter().map(|c| Point(*c)).collect(),
            )),
        }
    }

    /// The whole feature, as a copy.
    pub fn get(&self, feature: usize) -> Feature {
        Feature {
            id: self.id(feature),
            name: self.name(feature).map(str::to_string),
            properties: self.properties(feature),
            shape: self.shape(feature),
            bbox: self.bbox(feature),
            measure: self.measure(feature),
        }
    }

    /// Every feature, as copies, in file order.
    pub fn iter(&self) -> Features<'_> {
        Features {
            table: self,
            next: 0..self.len(),
        }
    }
}

/// The features of a table, read out one by one.
pub struct Features<'a> {
    table: &'a FeatureTable,
    next: std::ops::Range<usize>,
}

impl Iterator for Features<'_> {
    type Item = Feature;

    fn next(&mut self) -> Option<Feature> {
        self.next.next().map(|i| self.table.get(i))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.next.size_hint()
    }
}

impl ExactSizeIterator for Features<'_> {}

impl<'a> IntoIterator for &'a FeatureTable {
    type Item = Feature;
    type IntoIter = Features<'a>;

    fn into_iter(self) -> Features<'a> {
        self.iter()
    }
}

impl<'a> ShapeView<'a> {
    /// Polygon parts (rings, exterior first) or line parts (one ring each);
    /// points are one part with one run of coordinates.
    pub fn parts(&self) -> impl ExactSizeIterator<Item = impl Iterator<Item = &'a [Coord]>> + 'a {
        let table = self.table;
        table
            .parts(self.feature)
            .map(move |p| table.rings(p).map(move |r| table.ring(r)))
    }

    pub fn is_area(&self) -> bool {
        self.table.is_area(self.feature)
    }

    pub fn is_points(&self) -> bool {
        self.table.is_points(self.feature)
    }

    pub fn coords(&self) -> &'a [Coord] {
        self.table.all_coords(self.feature)
    }
}

/// GeoJSON of a feature read in place, written as [`ShapeJson`] writes its copy.
impl Serialize for ShapeView<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let view = *self;
        let mut map = s.serialize_map(Some(2))?;
        let mut parts = view.parts();
        if view.is_points() {
            match view.coords() {
                [one] => {
                    map.serialize_entry("type", "Point")?;
                    map.serialize_entry("coordinates", &[one.x, one.y])?;
                }
                all => {
                    map.serialize_entry("type", "MultiPoint")?;
                    map.serialize_entry("coordinates", &Ring(all))?;
                }
            }
        } else if view.is_area() {
            if parts.len() == 1 {
                map.serialize_entry("type", "Polygon")?;
                map.serialize_entry("coordinates", &ring_list(parts.next().expect("one part")))?;
            } else {
                map.serialize_entry("type", "MultiPolygon")?;
                let parts: Vec<_> = parts.map(ring_list).collect();
                map.serialize_entry("coordinates", &parts)?;
            }
        } else if parts.len() == 1 {
            map.serialize_entry("type", "LineString")?;
            map.serialize_entry("coordinates", &Ring(view.coords()))?;
        } else {
            map.serialize_entry("type", "MultiLineString")?;
            map.serialize_entry("coordinates", &ring_list(parts.flatten()))?;
        }
        map.end()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use geo::{line_string, point, polygon};

    fn feature(id: FeatureId, name: Option<&str>, properties: Value, shape: Shape) -> Feature {
        let bbox = match &shape {
            Shape::Area(a) => geo::BoundingRect::bounding_rect(a),
            Shape::Lines(l) => geo::BoundingRect::bounding_rect(l),
            Shape::Points(p) => geo::BoundingRect::bounding_rect(p),
        }
        .unwrap();
        Feature {
            id,
            name: name.map(str::to_string),
            properties: properties.as_object().cloned().unwrap_or_default(),
            shape,
            bbox,
            measure: 12.5,
        }
    }

    /// One feature of every geometry type and id kind.
    pub(crate) fn samples() -> Vec<Feature> {
        let square = polygon![(x: 0., y: 0.), (x: 4., y: 0.), (x: 4., y: 4.), (x: 0., y: 4.), (x: 0., y: 0.)];
        let with_hole = polygon!(
            exterior: [(x: 10., y: 0.), (x: 14., y: 0.), (x: 14., y: 4.), (x: 10., y: 4.)],
            interiors: [[(x: 11., y: 1.), (x: 12., y: 1.), (x: 12., y: 2.)], [(x: 13., y: 3.), (x: 13.5, y: 3.), (x: 13.5, y: 3.5)]],
        );
        vec![
            feature(
                FeatureId::Text("KQ001".into()),
                Some("勘查区块"),
                serde_json::json!({"name": "勘查区块", "area_km2": 1.5, "remediated": true}),
                Shape::Area(MultiPolygon(vec![square.clone()])),
            ),
            feature(
                FeatureId::Number(7.into()),
                None,
                Value::Null,
                Shape::Area(MultiPolygon(vec![with_hole, square])),
            ),
            feature(
                FeatureId::Text("7".into()),
                Some(""),
                serde_json::json!({"name": ""}),
                Shape::Lines(MultiLineString(vec![
                    line_string![(x: 0., y: 0.), (x: 1., y: 1.)],
                    line_string![(x: 2., y: 2.), (x: 3., y: 2.), (x: 3., y: 3.)],
                ])),
            ),
            feature(
                FeatureId::Number(serde_json::Number::from_f64(2.5).unwrap()),
                None,
                serde_json::json!({"kind": null}),
                Shape::Points(MultiPoint(vec![point!(x: 5., y: 5.), point!(x: 6., y: 7.)])),
            ),
            feature(
                FeatureId::Text("one point".into()),
                None,
                Value::Null,
                Shape::Points(MultiPoint(vec![point!(x: -1., y: -2.)])),
            ),
        ]
    }

    fn same(a: &Feature, b: &Feature) {
        assert_eq!(a.id, b.id);
        assert_eq!(a.name, b.name);
        assert_eq!(a.properties, b.properties);
        assert_eq!(a.bbox, b.bbox);
        assert_eq!(a.measure, b.measure);
        assert_eq!(format!("{:?}", a.shape), format!("{:?}", b.shape));
    }

    #[test]
    fn every_feature_reads_back_as_it_was_stored() {
        let features = samples();
        let mut table = FeatureTable::default();
        for f in &features {
            table.push(f).unwrap();
        }
        assert_eq!(table.len(), features.len());
        for (i, f) in features.iter().enumerate() {
            same(&table.get(i), f);
            assert_eq!(table.is_area(i), matches!(f.shape, Shape::Area(_)));
            assert_eq!(table.is_points(i), matches!(f.shape, Shape::Points(_)));
            assert_eq!(table.id_text(i), f.id.to_string());
            assert_eq!(table.first_coord(i), f.shape.coords().next().unwrap());
        }
    }

    #[test]
    fn one_property_reads_as_in_the_whole_map() {
        let features = samples();
        let mut table = FeatureTable::default();
        for f in &features {
            table.push(f).unwrap();
        }
        for (i, f) in features.iter().enumerate() {
            for key in ["name", "area_km2", "remediated", "kind", "absent"] {
                assert_eq!(
                    table.property(i, key),
                    f.properties.get(key).cloned(),
                    "{i} {key}"
                );
            }
        }
        // A key that appears only inside a value is not a property.
        let mut t = FeatureTable::default();
        t.push(&feature(
            FeatureId::Text("x".into()),
            None,
            serde_json::json!({"note": "\"valid_to\""}),
            features[0].shape.clone(),
        ))
        .unwrap();
        assert_eq!(t.property(0, "valid_to"), None);
    }

    #[test]
    fn tables_joined_in_order_read_like_one_table() {
        let features = samples();
        let tables: Vec<FeatureTable> = features
            .chunks(2)
            .map(|chunk| {
                let mut t = FeatureTable::default();
                chunk.iter().for_each(|f| t.push(f).unwrap());
                t
            })
            .collect();
        let joined = FeatureTable::concat(tables).unwrap();
        for (i, f) in features.iter().enumerate() {
            same(&joined.get(i), f);
        }
    }

    #[test]
    fn a_numeric_id_stays_a_number_and_a_text_id_stays_text() {
        let mut table = FeatureTable::default();
        for f in samples() {
            table.push(&f).unwrap();
        }
        assert!(matches!(table.id(1), FeatureId::Number(_)));
        assert!(matches!(table.id(2), FeatureId::Text(_)));
        assert_eq!(table.id_text(1), table.id_text(2));
        assert_eq!(
            table.id(3),
            FeatureId::Number(serde_json::Number::from_f64(2.5).unwrap())
        );
    }

    #[test]
    fn a_whole_feature_is_written_read_in_place_as_its_copy_would_be() {
        let features = samples();
        let shapes: Vec<Shape> = features.iter().map(|f| f.shape.clone()).collect();
        let data =
            crate::layer::LayerData::from_features(features, "r".into()).expect("valid samples");
        for (i, shape) in shapes.iter().enumerate() {
            let in_place = serde_json::to_value(data.features.view(i)).unwrap();
            let copied = serde_json::to_value(crate::geom::geojson::ShapeJson(shape)).unwrap();
            assert_eq!(in_place, copied, "feature {i}");
        }
    }
}
