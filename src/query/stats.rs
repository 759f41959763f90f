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
use crate::geom::shape::Shape;
use crate::layer::LayerData;
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
    fn add(&mut self, shape: &Shape, measure: f64) {
        self.count += 1;
        match shape {
            Shape::Area(_) => {
                self.areas += 1;
                self.area_m2 += measure;
            }
            Shape::Lines(_) => {
                self.lines += 1;
                self.length_m += measure;
            }
            Shape::Points(_) => self.points += 1,
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

/// Checks the properties to group by against what the layer's features carry.
pub fn check_group_by(layer: &LayerData, group_by: &[String]) -> Result<(), StatsError> {
    if group_by.len() > MAX_GROUP_BY {
        return Err(StatsError::TooManyProperties);
    }
    let known = &layer.queryables().properties;
    for (i, name) in group_by.iter().enumerate() {
        if group_by[..i].contains(name) {
            return Err(StatsError::Repeated(name.clone()));
        }
        if !known.contains_key(name) {
            return Err(StatsError::UnknownProperty {
                name: name.clone(),
                known: known.keys().cloned().collect::<Vec<_>>().join(", "),
            });
        }
    }
    Ok(())
}

/// Counts and measures the features `q` selects, group by group.
pub fn stats(layer: &LayerData, q: &StatsQuery) -> Result<Stats, StatsError> {
    check_group_by(layer, &q.group_by)?;
    // Keyed by the values' JSON text, so 1 and "1" stay apart and the order
    // is stable from run to run.
    let mut groups: BTreeMap<Vec<String>, (Map<String, Value>, Sums)> = BTreeMap::new();
    let mut total = Sums::default();
    for_each_match(layer, &q.selection, |_, feature| {
        let values: Vec<Value> = q
            .group_by
            .iter()
            .map(|name| feature.properties.get(name).cloned().unwrap_or(Value::Null))
            .collect();
        let text: Vec<String> = values.iter().map(Value::to_string).collect();
        let (_, sums) = groups.entry(text).or_insert_with(|| {
            let key = q.group_by.iter().cloned().zip(values).collect();
            (key, Sums::default())
        });
        sums.add(&feature.shape, feature.measure);
        total.add(&feature.shape, feature.measure);
    })?;
    Ok(Stats {
        group_by: q.group_by.clone(),
        groups: groups
            .into_values()
            .map(|(key, sums)| Group {
                key,
                figures: sums.figures(),
            })
            .collect(),
        total: total.figures(),
    })
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
