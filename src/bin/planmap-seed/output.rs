//! Writing layers: GeoJSON with one feature per line and sorted keys, and
//! `catalog.toml`, so the same seeds give the same bytes.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use geo::{Coord, LineString, MapCoords, MultiLineString, MultiPoint, MultiPolygon, Point};
use serde_json::{Map, Value, json};

use super::csv::{Row, Table};
use super::geom::round7;
use planmap::geom::shape::Shape;
use planmap::layer::OnOverlap;

/// An illustrative feature with published attributes.
#[derive(Debug, Clone)]
pub struct Feature {
    pub id: String,
    pub properties: Map<String, Value>,
    pub geometry: Geometry,
}

/// The geometry of a generated feature (CRS84, already rounded).
#[derive(Debug, Clone)]
pub enum Geometry {
    Area(MultiPolygon),
    Line(LineString),
    Point(Coord),
}

/// A generated layer and its catalog entry.
#[derive(Debug, Clone)]
pub struct LayerOut {
    pub id: &'static str,
    pub title: &'static str,
    pub title_en: &'static str,
    pub on_overlap: OnOverlap,
    pub rule: String,
    pub source: String,
    pub region: &'static str,
    pub description: String,
    /// Facts about the layer as a whole, written once into its catalog entry
    /// instead of onto every feature.
    pub facts: Vec<Fact>,
    pub features: Vec<Feature>,
}

/// A fact about a layer as a whole: every record of a seed table, as
/// `[[layer.facts.NAME]]` tables in the catalog, columns in table order.
#[derive(Debug, Clone)]
pub struct Fact {
    pub name: &'static str,
    pub rows: Vec<Vec<(String, Value)>>,
}

impl Fact {
    /// Every record of `table`, each cell as [`cell_value`] reads it.
    pub fn table(name: &'static str, table: &Table) -> Fact {
        Fact {
            name,
            rows: table
                .rows()
                .map(|r| {
                    r.cells()
                        .map(|(k, v)| (k.to_string(), cell_value(v)))
                        .collect()
                })
                .collect(),
        }
    }
}

/// A seed cell as JSON: empty → null, `true`/`false` → boolean, a number as
/// written → number, anything else the text itself.
pub fn cell_value(cell: &str) -> Value {
    if cell.is_empty() {
        return Value::Null;
    }
    match cell {
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        _ => {}
    }
    if let Ok(i) = cell.parse::<i64>() {
        return json!(i);
    }
    match cell.parse::<f64>() {
        Ok(f) if f.is_finite() => json!(f),
        _ => Value::String(cell.to_string()),
    }
}

/// Every column of a seed record as a property, plus `geometry_source`.
pub fn seed_properties(row: &Row) -> Map<String, Value> {
    let mut map: Map<String, Value> = row
        .cells()
        .map(|(k, v)| (k.to_string(), cell_value(v)))
        .collect();
    map.insert("geometry_source".into(), json!("illustrative"));
    map
}

/// The geometry as GeoJSON, coordinates rounded to 1e-7° (about 1 cm).
fn geometry_json(g: &Geometry) -> Value {
    let shape = match g {
        Geometry::Area(area) => Shape::Area(area.map_coords(round7)),
        Geometry::Line(line) => Shape::Lines(MultiLineString(vec![line.map_coords(round7)])),
        Geometry::Point(c) => Shape::Points(MultiPoint(vec![Point(round7(*c))])),
    };
    planmap::geom::geojson::geometry_value(&shape)
}

/// A FeatureCollection, one feature per line (small diffs, readable greps).
pub fn feature_collection(layer: &LayerOut) -> String {
    let mut out = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
    for (i, f) in layer.features.iter().enumerate() {
        let feature = json!({
            "type": "Feature",
            "id": f.id,
            "properties": Value::Object(f.properties.clone()),
            "geometry": geometry_json(&f.geometry),
        });
        out.push_str(&feature.to_string());
        out.push_str(if i + 1 < layer.features.len() {
            ",\n"
        } else {
            "\n"
        });
    }
    out.push_str("]}\n");
    out
}

fn toml_string(s: &str) -> String {
    // A TOML basic string is a JSON string as far as escapes go.
    serde_json::to_string(s).expect("a string serialises")
}

/// A scalar cell as a TOML value; `None` for an empty cell, which TOML
/// cannot write (an absent key is an unpublished figure).
fn toml_value(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) if n.is_f64() => {
            let text = n.to_string();
            // A TOML float needs a fraction or an exponent.
            Some(if text.contains(['.', 'e', 'E']) {
                text
            } else {
                format!("{text}.0")
            })
        }
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(toml_string(s)),
        other => Some(toml_string(&other.to_string())),
    }
}

/// A key, bare where TOML allows it.
fn toml_key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        toml_string(k)
    }
}

/// `catalog.toml` for the layers, in check order.
pub fn catalog(layers: &[LayerOut]) -> String {
    let mut out = String::from(
        "# planmap's shipped planning layers, generated from seeds/ by planmap-seed\n\
         # (`cargo run --bin planmap-seed -- --seeds seeds --out layers`).\n\
         # Do not edit by hand: change seeds/ or src/bin/planmap-seed/ and regenerate.\n\
         # ATTRIBUTES are published facts (each feature's `source`); ALL GEOMETRY IS\n\
         # ILLUSTRATIVE (`geometry_source = \"illustrative\"`): no boundary coordinates\n\
         # are published in the source documents. See the Data section of README.md.\n\
         # Figures published for a layer as a whole (not for any one feature) are\n\
         # that layer's `facts`, once, not repeated on its features.\n",
    );
    for l in layers {
        let on = match l.on_overlap {
            OnOverlap::Reject => "reject",
            OnOverlap::Warn => "warn",
            OnOverlap::Info => "info",
        };
        let roles = roles_of(l.id)
            .iter()
            .map(|r| toml_string(r))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = write!(
            out,
            "\n[[layer]]\nid = {}\ntitle = {}\ntitle_en = {}\nfile = {}\non_overlap = {}\nroles = [{roles}]\nrule = {}\nsource = {}\nregion = {}\ndescription = {}\n",
            toml_string(l.id),
            toml_string(l.title),
            toml_string(l.title_en),
            toml_string(&format!("{}.geojson", l.id)),
            toml_string(on),
            toml_string(&l.rule),
            toml_string(&l.source),
            toml_string(l.region),
            toml_string(&l.description),
        );
        if l.id == "mining_rights" {
            let _ = writeln!(
                out,
                "# Each licence's elevation_top_m/elevation_bottom_m is illustrative (depth_source).\ndepth_aware = true"
            );
        }
        if let Some(m) = buffer_of(l.id) {
            let _ = writeln!(
                out,
                "# buffer_m is illustrative: no distance is published; set the local one.\nbuffer_m = {m:.1}"
            );
        }
        for fact in &l.facts {
            for row in &fact.rows {
                let _ = writeln!(out, "\n[[layer.facts.{}]]", toml_key(fact.name));
                for (k, v) in row {
                    if let Some(v) = toml_value(v) {
                        let _ = writeln!(out, "{} = {v}", toml_key(k));
                    }
                }
            }
        }
    }
    out
}

/// Writes `text` to `dir/name`, creating `dir`. The file is replaced (a new
/// file renamed over the old one), not overwritten in place: a server keeps
/// the layer files it has served as hard links in its data directory, and
/// those must keep their bytes.
pub fn write(dir: &Path, name: &str, text: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| dir.display().to_string())?;
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, text).with_context(|| tmp.display().to_string())?;
    std::fs::rename(&tmp, &path).with_context(|| path.display().to_string())
}

/// Protection buffers of the demo layers (m). ILLUSTRATIVE: the law leaves
/// the distance to local rules and neither plan publishes one; these show
/// `buffer_m` at work on a line layer and a point layer.
fn buffer_of(id: &str) -> Option<f64> {
    match id {
        "ground_fissures" => Some(50.0),
        "yangcheng_closures" => Some(200.0),
        _ => None,
    }
}

/// The roles a shipped layer plays in the plan's rules (see `src/engine/rules.rs`):
/// which rule reads which layer is said here, in the catalog, not in code.
/// The plan's own blocks say their kind, which whole-plan QA reads.
fn roles_of(id: &str) -> &'static [&'static str] {
    match id {
        "ecological_redline" | "basic_farmland" | "urban_boundary" => {
            &["control_line", "protected_area"]
        }
        "prohibited_zones" => &["prohibited_zone", "project_site"],
        "mining_rights" => &["existing_right", "project_site"],
        "yangcheng_new_mining_rights" => &["proposed_right", "project_site"],
        "remediation_zones" => &["remediation_zone"],
        "prevention_zones" => &["prevention_zone"],
        "subsidence_areas" | "ground_fissures" => &["subsidence"],
        "exploration_blocks" => &["exploration_block"],
        "mining_blocks" => &["mining_block"],
        _ => &[],
    }
}
