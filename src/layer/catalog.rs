//! The layer catalog: `catalog.toml` in a layers directory names each layer,
//! its file, what an overlap with it means and the plan's rule behind that.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::load::{LayerError, load_layer};
use super::{LayerData, OnOverlap};

/// The widest protection buffer (m) a layer or a check may ask for. The
/// law's distances are tens to hundreds of metres. Wider buffers cost far
/// more than their area: arcs of nearly one circle about vertices metres
/// apart make the union slow (1.5 s for a 7-vertex line at 50 km).
pub const MAX_BUFFER_M: f64 = 5_000.0;

/// Whether `metres` can be a protection buffer: finite, above 0, at most
/// [`MAX_BUFFER_M`].
pub fn buffer_is_valid(metres: f64) -> bool {
    metres.is_finite() && metres > 0.0 && metres <= MAX_BUFFER_M
}

/// One `[[layer]]` entry of `catalog.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerEntry {
    /// URL-safe, unique id, e.g. `ecological_redline`.
    pub id: String,
    /// Title as the plan writes it, e.g. 生态保护红线.
    pub title: String,
    /// Layer file, relative to the layers directory.
    pub file: PathBuf,
    pub on_overlap: OnOverlap,
    /// The clause of the plan that applies on overlap.
    pub rule: String,
    /// The roles this layer plays in the plan's rules, e.g. `control_line`,
    /// `existing_right`, `prohibited_zone` (see the README's rules table).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// English title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_en: Option<String>,
    /// The published document the layer's attributes come from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Region, e.g. 屯留区.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// A protection buffer (m): a candidate within this geodesic distance
    /// of a feature conflicts with it as `on_overlap` says, even where the
    /// two do not overlap (the distance is set locally; at most
    /// [`MAX_BUFFER_M`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buffer_m: Option<f64>,
    /// The clause behind the buffer, where it is not `rule`'s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buffer_rule: Option<String>,
    /// Whether the layer's features are bounded in depth (立体分层): their
    /// `elevation_top_m`/`elevation_bottom_m` (m above sea level). A check
    /// that gives its own range (`depth`) reports a feature it overlaps in
    /// plan, but not in depth, as separated in depth rather than a conflict.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub depth_aware: bool,
    /// What a conflict with a feature outside its validity on the check
    /// date (`valid_from`/`valid_to`, e.g. an expired licence) means. By
    /// default what `on_overlap` says: a right stays registered, and in
    /// the way, until it is cancelled; the answer states the expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_expired: Option<OnOverlap>,
    /// Free text for people: how the geometry was made, caveats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Facts about the layer as a whole, written once here rather than on
    /// every feature: e.g. the published totals the subsidence areas add up
    /// to. Any TOML table (`[layer.facts]`, `[[layer.facts.NAME]]`); served
    /// as `planmap:facts` in the layer's `/collections/{id}` document.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub facts: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    #[serde(default)]
    layer: Vec<LayerEntry>,
}

/// A layer ready to be checked against: its catalog entry and its data.
#[derive(Debug)]
pub struct Layer {
    pub entry: LayerEntry,
    pub data: LayerData,
}

/// All layers of a layers directory, in catalog order.
#[derive(Debug)]
pub struct Catalog {
    pub dir: PathBuf,
    pub layers: Vec<Arc<Layer>>,
}

/// Why a catalog could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Toml { path: PathBuf, message: String },
    #[error(
        "{path}: layer id '{id}' must be non-empty and use only ASCII letters, digits, '_' and '-'"
    )]
    BadId { path: PathBuf, id: String },
    #[error(
        "{path}: layer '{id}': buffer_m = {value} must be a distance in metres above 0 and at most {MAX_BUFFER_M}"
    )]
    BadBuffer {
        path: PathBuf,
        id: String,
        value: f64,
    },
    #[error("{path}: layer id '{id}' appears twice")]
    DuplicateId { path: PathBuf, id: String },
    #[error(transparent)]
    Layer(#[from] LayerError),
}

/// Layer ids asked for that the catalog does not have.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown layer id(s): {}; known: {}", .unknown.join(", "), .known.join(", "))]
pub struct UnknownLayers {
    pub unknown: Vec<String>,
    pub known: Vec<String>,
}

fn id_is_url_safe(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Layer (or feature) ids as a URL or a command line lists them:
/// comma-separated, trimmed, empty entries skipped.
pub fn id_list(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl Catalog {
    /// Loads `DIR/catalog.toml` and every layer it names.
    pub fn load(dir: &Path) -> Result<Catalog, CatalogError> {
        let path = dir.join("catalog.toml");
        let text = std::fs::read_to_string(&path).map_err(|source| CatalogError::Read {
            path: path.clone(),
            source,
        })?;
        let file: CatalogFile = toml::from_str(&text).map_err(|e| CatalogError::Toml {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let mut seen = std::collections::HashSet::new();
        for entry in &file.layer {
            if !id_is_url_safe(&entry.id) {
                return Err(CatalogError::BadId {
                    path,
                    id: entry.id.clone(),
                });
            }
            if let Some(value) = entry.buffer_m.filter(|m| !buffer_is_valid(*m)) {
                return Err(CatalogError::BadBuffer {
                    path,
                    id: entry.id.clone(),
                    value,
                });
            }
            if !seen.insert(entry.id.clone()) {
                return Err(CatalogError::DuplicateId {
                    path,
                    id: entry.id.clone(),
                });
            }
        }
        let layers = file
            .layer
            .into_iter()
            .map(|entry| {
                let data = load_layer(&dir.join(&entry.file))?;
                Ok(Arc::new(Layer { entry, data }))
            })
            .collect::<Result<Vec<_>, CatalogError>>()?;
        Ok(Catalog {
            dir: dir.to_path_buf(),
            layers,
        })
    }

    pub fn get(&self, id: &str) -> Option<&Arc<Layer>> {
        self.layers.iter().find(|l| l.entry.id == id)
    }

    /// The layers named (in catalog order), or all of them when `ids` is None.
    pub fn select(&self, ids: Option<&[String]>) -> Result<Vec<Arc<Layer>>, UnknownLayers> {
        let Some(ids) = ids else {
            return Ok(self.layers.clone());
        };
        let unknown: Vec<String> = ids
            .iter()
            .filter(|id| self.get(id).is_none())
            .cloned()
            .collect();
        if !unknown.is_empty() {
            return Err(UnknownLayers {
                unknown,
                known: self.layers.iter().map(|l| l.entry.id.clone()).collect(),
            });
        }
        Ok(self
            .layers
            .iter()
            .filter(|l| ids.contains(&l.entry.id))
            .cloned()
            .collect())
    }
}
