//! Statistics of a layer (查询统计): how many features, how much area or
//! length, grouped by properties, after the same selection `items` makes
//! (box, time, CQL2 filter).
//!
//! The measures are each feature's own, taken when the layer was loaded:
//! the ellipsoid area of a polygon, the geodesic length of a line. They are
//! summed, never recomputed, so a statistic costs one pass over the
//! selected features of the table.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::geom::geodesy::AreaFigures;
use crate::layer::LayerData;
use crate::layer::table::FeatureTable;
use crate::query::select::{ItemQuery, for_each_match};

/// Properties a statistic may be grouped by at once.
pub const MAX_GROUP_BY: usize = 5;

/// What to count and how to group it.
pub struct StatsQuery {
    /// The features to count: `limit` and `offset` are not read.
    pub selection: ItemQuery,
    /// Property names; the features of a group share their values.
    pub group_by: Vec<String>,
}

/// Why a statistic was refused.
#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    #[error("'{name}' is not a property of this collection; it has: {known}")]
    UnknownProperty { name: String, known: String },
    #[error("group by at most {MAX_GROUP_BY} properties")]
    TooManyProperties,
    #[error("'{0}' is named twice")]
    Repeated(String),
    #[error("'{0}' has no areas for other features to lie inside")]
    NoAreas(String),
    #[error(transparent)]
    Deadline(#[from] crate::deadline::DeadlineExceeded),
}

/// One group's figures.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Figures {
    pub count: usize,
    /// Polygon features among them, and their ellipsoid area.
    pub areas: usize,
    #[serde(flatten)]
    pub area: AreaFigures,
    /// Line features among them, and their geodesic length in metres.
    pub lines: usize,
    pub length_m: f64,
    /// Point features among them.
    pub points: usize,
}

/// A group: the values its features share, and its figures.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub key: Map<String, Value>,
    #[serde(flatten)]
    pub figures: Figures,
}

/// A layer's statistic.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub group_by: Vec<String>,
    /// Groups in the order of their keys (JSON values compared as text;
    /// a feature without the property falls in the `null` group).
    pub groups: Vec<Group>,
    pub total: Figures,
}

/// What one feature adds to its group.
#[derive(Debug, Clone, Copy)]
pub enum Measured {
    /// A polygon's ellipsoid area (m²).
    Area(f64),
    /// A line's geodesic length (m).
    Length(f64),
    Point,
}

impl Measured {
    /// Feature `i`'s own measure, as loaded, without copying its shape.
    pub fn of_feature(table: &FeatureTable, i: usize) -> Measured {
        if table.is_area(i) {
            Measured::Area(table.measure(i))
        } else if table.is_points(i) {
            Measured::Point
        } else {
            Measured::Length(table.measure(i))
        }
    }
}

/// Groups being summed: the features of a statistic, one at a time.
pub struct Tally {
    group_by: Vec<String>,
    // Keyed by the values' JSON text, so 1 and "1" stay apart and the
    // order is stable from run to run.
    groups: BTreeMap<Vec<String>, (Map<String, Value>, Sums)>,
    total: Sums,
}

impl Tally {
    pub fn new(group_by: Vec<String>) -> Tally {
        Tally {
            group_by,
            groups: BTreeMap::new(),
            total: Sums::default(),
        }
    }

    /// Adds a feature whose grouping properties have `values` (in the order
    /// of `group_by`).
    pub fn add(&mut self, values: Vec<Value>, measured: Measured) {
        let text: Vec<String> = values.iter().map(Value::to_string).collect();
        let group_by = &self.group_by;
        let (_, sums) = self.groups.entry(text).or_insert_with(|| {
            let key = group_by.iter().cloned().zip(values).collect();
            (key, Sums::default())
        });
        sums.add(measured);
        self.total.add(measured);
    }

    pub fn finish(self) -> Stats {
        Stats {
            group_by: self.group_by,
            groups: self
                .groups
                .into_values()
                .map(|(key, sums)| Group {
                    key,
                    figures: sums.figures(),
                })
                .collect(),
            total: self.total.figures(),
        }
    }
}

#[derive(Default, Clone, Copy)]
struct Sums {
    count: usize,
    areas: usize,
    area_m2: f64,
    lines: usize,
    length_m: f64,
    points: usize,
}

impl Sums {
    fn add(&mut self, measured: Measured) {
        self.count += 1;
        match measured {
            Measured::Area(m2) => {
                self.areas += 1;
                self.area_m2 += m2;
            }
            Measured::Length(m) => {
                self.lines += 1;
                self.length_m += m;
            }
            Measured::Point => self.points += 1,
        }
    }

    fn figures(self) -> Figures {
        Figures {
            count: self.count,
            areas: self.areas,
            area: AreaFigures::from_m2(self.area_m2),
            lines: self.lines,
            length_m: self.length_m,
            points: self.points,
        }
    }
}

/// Checks the number of properties to group by and that none is repeated.
pub fn check_group_count(group_by: &[String]) -> Result<(), StatsError> {
    if group_by.len() > MAX_GROUP_BY {
        return Err(StatsError::TooManyProperties);
    }
    for (i, name) in group_by.iter().enumerate() {
        if group_by[..i].contains(name) {
            return Err(StatsError::Repeated(name.clone()));
        }
    }
    Ok(())
}

/// Checks that `layer`'s features carry the property `name`.
pub fn check_property(layer: &LayerData, name: &str, shown_as: &str) -> Result<(), StatsError> {
    let known = &layer.queryables().properties;
    if known.contains_key(name) {
        return Ok(());
    }
    Err(StatsError::UnknownProperty {
        name: shown_as.to_string(),
        known: known.keys().cloned().collect::<Vec<_>>().join(", "),
    })
}

/// Checks the properties to group by against what the layer's features carry.
pub fn check_group_by(layer: &LayerData, group_by: &[String]) -> Result<(), StatsError> {
    check_group_count(group_by)?;
    group_by
        .iter()
        .try_for_each(|name| check_property(layer, name, name))
}

/// Counts and measures the features `q` selects, group by group.
pub fn stats(layer: &LayerData, q: &StatsQuery) -> Result<Stats, StatsError> {
    check_group_by(layer, &q.group_by)?;
    let mut tally = Tally::new(q.group_by.clone());
    let table = &layer.features;
    for_each_match(layer, &q.selection, |i, feature| {
        let values: Vec<Value> = if q.group_by.is_empty() {
            Vec::new()
        } else {
            let properties = feature.map_or_else(|| table.properties(i), |f| f.properties);
            q.group_by
                .iter()
                .map(|name| properties.get(name).cloned().unwrap_or(Value::Null))
                .collect()
        };
        tally.add(values, Measured::of_feature(table, i));
    })?;
    Ok(tally.finish())
}

/// The statistic as a CSV table: one row a group, the key's columns first;
/// UTF-8 with a byte-order mark, so Excel reads the Chinese.
pub fn to_csv(stats: &Stats) -> String {
    fn cell(text: &str) -> String {
        if text.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_string()
        }
    }
    fn value(v: &Value) -> String {
        match v {
            Value::Null => String::new(),
            Value::String(s) => cell(s),
            other => cell(&other.to_string()),
        }
    }
    let mut out = String::from("\u{feff}");
    let mut head: Vec<String> = stats.group_by.iter().map(|g| cell(g)).collect();
    head.extend(
        [
            "count", "area_m2", "area_mu", "area_ha", "area_km2", "length_m", "points",
        ]
        .map(String::from),
    );
    out.push_str(&head.join(","));
    out.push_str("\r\n");
    let row = |key: Vec<String>, f: &Figures| {
        let mut cells = key;
        cells.extend([
            f.count.to_string(),
            f.area.area_m2.to_string(),
            f.area.area_mu.to_string(),
            f.area.area_ha.to_string(),
            f.area.area_km2.to_string(),
            f.length_m.to_string(),
            f.points.to_string(),
        ]);
        cells.join(",") + "\r\n"
    };
    for g in &stats.groups {
        let key = stats
            .group_by
            .iter()
            .map(|name| value(g.key.get(name).unwrap_or(&Value::Null)))
            .collect();
        out.push_str(&row(key, &g.figures));
    }
    out
}
