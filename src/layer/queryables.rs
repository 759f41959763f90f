//! What a layer can be filtered on: each property any feature carries, with
//! the JSON Schema type of its values, and the kind of its geometries.

use std::collections::BTreeMap;

use serde_json::Value;

use super::table::FeatureTable;
use crate::time::{parse_date, parse_timestamp};

/// The properties a collection can be filtered on, with their JSON Schema types.
#[derive(Debug, Clone, Default)]
pub struct Queryables {
    /// Property name → JSON Schema of its values (`{"type": "string"}`, …).
    pub properties: BTreeMap<String, Value>,
    /// The geometry type as JSON Schema `format` (`geometry-polygon`, …).
    pub geometry_format: &'static str,
}

impl Queryables {
    /// Every property any feature carries, typed by the values seen.
    pub fn of(features: &FeatureTable) -> Queryables {
        let mut properties: BTreeMap<String, Value> = BTreeMap::new();
        let mut kinds = [false; 3];
        for i in 0..features.len() {
            kinds[if features.is_area(i) {
                0
            } else if features.is_points(i) {
                2
            } else {
                1
            }] = true;
            for (name, value) in &features.properties(i) {
                let schema = match value {
                    Value::String(s) if parse_date(s).is_some() => {
                        serde_json::json!({"type": "string", "format": "date"})
                    }
                    Value::String(s) if parse_timestamp(s).is_some() => {
                        serde_json::json!({"type": "string", "format": "date-time"})
                    }
                    Value::String(_) => serde_json::json!({"type": "string"}),
                    Value::Number(n) if n.is_i64() || n.is_u64() => {
                        serde_json::json!({"type": "integer"})
                    }
                    Value::Number(_) => serde_json::json!({"type": "number"}),
                    Value::Bool(_) => serde_json::json!({"type": "boolean"}),
                    Value::Null => continue,
                    _ => continue,
                };
                let entry = properties.entry(name.clone()).or_insert(schema.clone());
                if *entry != schema {
                    // Mixed integers and decimals are numbers; anything else mixed is untyped.
                    let numeric =
                        |v: &Value| matches!(v["type"].as_str(), Some("integer" | "number"));
                    *entry = if numeric(entry) && numeric(&schema) {
                        serde_json::json!({"type": "number"})
                    } else {
                        serde_json::json!({})
                    };
                }
            }
        }
        let geometry_format = match kinds {
            [true, false, false] => "geometry-multipolygon",
            [false, true, false] => "geometry-multilinestring",
            [false, false, true] => "geometry-multipoint",
            _ => "geometry-any",
        };
        Queryables {
            properties,
            geometry_format,
        }
    }
}
