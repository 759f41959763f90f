//! Layer revisions: the catalog a request sees, publishing a new revision of a
//! layer atomically, the revisions in force on a date, and what changed
//! between two revisions.
//!
//! Every layer file ever served is kept under its content address (SHA-256),
//! so a review can be re-run on exactly the data it first ran on.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use geo::BooleanOps;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::digest::sha256_hex;
use crate::fault::{Fault, members};
use crate::geom::geodesy;
use crate::geom::shape::Shape;
use crate::layer::catalog::{Catalog, Layer, LayerEntry};
use crate::layer::fgb;
use crate::layer::load::{LayerError, load_layer, revision_of};
use crate::layer::table::FeatureTable;
use crate::layer::{FeatureId, LayerData};
use crate::records::store::{LayerRevisionRecord, NewLayerRevision, Store, StoreError};
use crate::time::today;

/// Why a revision could not be published or found.
#[derive(Debug, thiserror::Error)]
pub enum RevisionError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the layer file is not valid: {0}")]
    Invalid(#[from] LayerError),
    #[error("no layer '{0}' in the catalog")]
    UnknownLayer(String),
    #[error("layer '{layer}' has no revision '{revision}'")]
    UnknownRevision { layer: String, revision: String },
    #[error("'{0}' is not a date (YYYY-MM-DD)")]
    BadDate(String),
    #[error(
        "effective date {0} is in the future; publish a revision on or after the day it comes into force"
    )]
    FutureDate(String),
    #[error(
        "on {date} no revision of {} was in force, so a check then would not cover {}: {}",
        if .missing.len() == 1 { "this layer" } else { "these layers" },
        if .missing.len() == 1 { "it" } else { "them" },
        .missing.iter().map(|m| match &m.first_effective {
            Some(first) => format!("{} (first in force {first})", m.layer),
            None => format!("{} (no revision recorded)", m.layer),
        }).collect::<Vec<_>>().join(", ")
    )]
    NotInForce {
        date: String,
        missing: Vec<NotInForce>,
    },
}

impl Fault for RevisionError {
    fn slug(&self) -> &'static str {
        match self {
            Self::Store(e) => e.slug(),
            Self::Invalid(_) => "invalid-layer-file",
            Self::UnknownLayer(_) => "unknown-layer",
            Self::UnknownRevision { .. } => "unknown-revision",
            Self::BadDate(_) => "invalid-parameter",
            Self::FutureDate(_) => "future-effective-date",
            Self::NotInForce { .. } => "layers-not-in-force",
        }
    }

    fn location(&self) -> Map<String, Value> {
        match self {
            Self::Store(e) => e.location(),
            Self::NotInForce { date, missing } => members([
                ("parameter", json!("as_of")),
                ("as_of", json!(date)),
                ("layers", json!(missing)),
            ]),
            _ => Map::new(),
        }
    }
}

/// A layer a dated check asked for that had no revision in force then.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotInForce {
    pub layer: String,
    /// The first date any revision of it comes into force, if one is recorded.
    pub first_effective: Option<String>,
}

/// The catalog requests are served from. A request takes the current
/// catalog once ([`LiveCatalog::current`]) and uses it to the end, so a
/// publish that lands meanwhile never shows it a mixture of revisions.
pub struct LiveCatalog {
    current: RwLock<Arc<Catalog>>,
    /// Publishes are serialised so the store's order and the swaps agree.
    publishing: Mutex<()>,
    /// Layers loaded from stored revisions, by content address and entry.
    loaded: Mutex<HashMap<(String, String), Arc<Layer>>>,
}

impl LiveCatalog {
    pub fn new(catalog: Arc<Catalog>) -> LiveCatalog {
        LiveCatalog {
            current: RwLock::new(catalog),
            publishing: Mutex::new(()),
            loaded: Mutex::new(HashMap::new()),
        }
    }

    /// The catalog now in force.
    pub fn current(&self) -> Arc<Catalog> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Replaces one layer (by id), leaving the others as they are.
    fn swap_in(&self, layer: Arc<Layer>) {
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        let layers = current
            .layers
            .iter()
            .map(|l| {
                if l.entry.id == layer.entry.id {
                    layer.clone()
                } else {
                    l.clone()
                }
            })
            .collect();
        *current = Arc::new(Catalog {
            dir: current.dir.clone(),
            layers,
        });
    }

    /// The layer of a stored revision with `entry`, from the live catalog
    /// when it is the same, else loaded from the store (and kept).
    pub fn layer_of(
        &self,
        store: &dyn Store,
        record: &LayerRevisionRecord,
        entry: &LayerEntry,
    ) -> Result<Arc<Layer>, RevisionError> {
        if let Some(live) = self.current().get(&record.layer_id)
            && live.data.revision == record.revision
            && same_entry(&live.entry, entry)
        {
            return Ok(live.clone());
        }
        let key = (
            record.sha256.clone(),
            serde_json::to_string(entry).unwrap_or_default(),
        );
        if let Some(layer) = self
            .loaded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Ok(layer.clone());
        }
        let data = load_layer(&store.layer_file(&record.sha256, &record.ext))?;
        let layer = Arc::new(Layer {
            entry: entry.clone(),
            data,
        });
        self.loaded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, layer.clone());
        Ok(layer)
    }
}

fn same_entry(a: &LayerEntry, b: &LayerEntry) -> bool {
    serde_json::to_value(a).ok() == serde_json::to_value(b).ok()
}

/// Checks a `YYYY-MM-DD` date.
pub fn parse_date(text: &str) -> Result<String, RevisionError> {
    crate::time::checked_date(text).ok_or_else(|| RevisionError::BadDate(text.to_string()))
}

/// The extension a layer file is stored under; only a name for people, as
/// loading tells the formats apart by the bytes too.
fn extension_of(bytes: &[u8]) -> &'static str {
    if fgb::is_flatgeobuf(bytes) {
        "fgb"
    } else {
        "geojson"
    }
}

/// Records every layer of a freshly loaded catalog as a revision (effective
/// today when first seen), then serves, for each layer, the revision in force
/// today: a revision published earlier wins over an unchanged file.
pub fn open_catalog(
    store: &dyn Store,
    catalog: Arc<Catalog>,
) -> Result<LiveCatalog, RevisionError> {
    let today = today();
    for layer in &catalog.layers {
        let bytes = std::fs::read(catalog.dir.join(&layer.entry.file)).map_err(StoreError::Io)?;
        let sha256 = sha256_hex(&bytes);
        let ext = extension_of(&bytes);
        store.put_layer_file(&sha256, ext, &bytes)?;
        store.record_layer_revision(
            "startup",
            &NewLayerRevision {
                layer_id: layer.entry.id.clone(),
                revision: revision_of(&bytes),
                sha256,
                ext: ext.to_string(),
                effective: today.clone(),
                features: layer.data.features.len(),
                entry: layer.entry.clone(),
                once: true,
            },
        )?;
    }
    let live = LiveCatalog::new(catalog);
    for record in store.revisions_in_force(&today)? {
        let Some(layer) = live.current().get(&record.layer_id).cloned() else {
            continue;
        };
        if layer.data.revision != record.revision {
            let newer = live.layer_of(store, &record, &layer.entry)?;
            live.swap_in(newer);
        }
    }
    Ok(live)
}

/// What a publish did.
#[derive(Debug, Clone, Serialize)]
pub struct Published {
    pub revision: LayerRevisionRecord,
    /// False when this exact file was already a revision of the layer.
    pub new: bool,
    /// Whether the revision is the one now served.
    pub in_force: bool,
}

/// Publishes `bytes` as a revision of layer `layer_id`, in force from
/// `effective` (default today). Publishing the file already in force is a
/// no-op; publishing an earlier file again records it again (a rollback).
/// Steps:
/// 1. check the file loads as a layer (else nothing is recorded);
/// 2. store the file under its content address, durably;
/// 3. record the revision and its audit entry in one transaction;
/// 4. swap the served layer for the revision now in force.
pub fn publish(
    store: &dyn Store,
    live: &LiveCatalog,
    actor: &str,
    layer_id: &str,
    bytes: &[u8],
    effective: Option<&str>,
) -> Result<Published, RevisionError> {
    let today = today();
    let effective = match effective {
        Some(date) => parse_date(date)?,
        None => today.clone(),
    };
    if effective > today {
        return Err(RevisionError::FutureDate(effective));
    }
    let entry = live
        .current()
        .get(layer_id)
        .map(|l| l.entry.clone())
        .ok_or_else(|| RevisionError::UnknownLayer(layer_id.to_string()))?;
    let sha256 = sha256_hex(bytes);
    let ext = extension_of(bytes);
    let earlier = store.layer_revisions(layer_id)?;
    let known = earlier.iter().any(|r| r.sha256 == sha256);
    let path = store.put_layer_file(&sha256, ext, bytes)?;
    let data = match load_layer(&path) {
        Ok(data) => data,
        Err(e) => {
            if !known {
                let _ = std::fs::remove_file(&path);
            }
            return Err(e
                .shown_as(&format!("the file published for layer {layer_id}"))
                .into());
        }
    };
    let _serial = live.publishing.lock().unwrap_or_else(|e| e.into_inner());
    let served = store
        .revisions_in_force(&today)?
        .into_iter()
        .find(|r| r.layer_id == layer_id);
    if let Some(served) = served
        && served.sha256 == sha256
        && served.effective == effective
    {
        // The same file is already in force from the same date: nothing to do.
        return Ok(Published {
            revision: served,
            new: false,
            in_force: true,
        });
    }
    let recorded = store.record_layer_revision(
        actor,
        &NewLayerRevision {
            layer_id: layer_id.to_string(),
            revision: data.revision.clone(),
            sha256: sha256.clone(),
            ext: ext.to_string(),
            effective,
            features: data.features.len(),
            entry: entry.clone(),
            once: false,
        },
    )?;
    let new = recorded.is_some();
    let revision = match recorded {
        Some(r) => r,
        None => find_revision(store, layer_id, &data.revision)?,
    };
    let in_force = store
        .revisions_in_force(&today)?
        .into_iter()
        .find(|r| r.layer_id == layer_id);
    let mut served = false;
    if let Some(record) = in_force {
        let layer = if record.sha256 == sha256 {
            served = true;
            Arc::new(Layer { entry, data })
        } else {
            live.layer_of(store, &record, &entry)?
        };
        live.swap_in(layer);
    }
    Ok(Published {
        revision,
        new,
        in_force: served,
    })
}

/// A recorded revision of a layer by its short revision.
pub fn find_revision(
    store: &dyn Store,
    layer_id: &str,
    revision: &str,
) -> Result<LayerRevisionRecord, RevisionError> {
    store
        .layer_revisions(layer_id)?
        .into_iter()
        .rev()
        .find(|r| r.revision == revision)
        .ok_or_else(|| RevisionError::UnknownRevision {
            layer: layer_id.to_string(),
            revision: revision.to_string(),
        })
}

/// The layers in force on `date`, in catalog order, with today's catalog
/// entries: those of `wanted`, or every layer of the catalog.
///
/// A check against fewer layers than it asked for could pass where the full
/// check would not, so a wanted layer with no revision in force on `date` is
/// an error naming it and its first effective date, never a silent omission.
/// Ids the catalog does not know are left for the catalog's selection to refuse.
pub fn layers_as_of(
    store: &dyn Store,
    live: &LiveCatalog,
    date: &str,
    wanted: Option<&[String]>,
) -> Result<Vec<Arc<Layer>>, RevisionError> {
    let by_layer: HashMap<String, LayerRevisionRecord> = store
        .revisions_in_force(date)?
        .into_iter()
        .map(|r| (r.layer_id.clone(), r))
        .collect();
    let catalog = live.current();
    let asked: Vec<&Arc<Layer>> = catalog
        .layers
        .iter()
        .filter(|l| wanted.is_none_or(|w| w.iter().any(|id| *id == l.entry.id)))
        .collect();
    let mut missing = Vec::new();
    for layer in &asked {
        if !by_layer.contains_key(&layer.entry.id) {
            let first_effective = store
                .layer_revisions(&layer.entry.id)?
                .into_iter()
                .map(|r| r.effective)
                .min();
            missing.push(NotInForce {
                layer: layer.entry.id.clone(),
                first_effective,
            });
        }
    }
    if !missing.is_empty() {
        return Err(RevisionError::NotInForce {
            date: date.to_string(),
            missing,
        });
    }
    asked
        .into_iter()
        .map(|l| live.layer_of(store, &by_layer[&l.entry.id], &l.entry))
        .collect()
}

/// A feature as a diff lists it.
#[derive(Debug, Clone, Serialize)]
pub struct FeatureRef {
    pub id: FeatureId,
    pub name: Option<String>,
    /// Area (m²) of a polygon feature, length (m) of a line feature.
    pub measure: f64,
}

/// A feature present in both revisions that differs.
#[derive(Debug, Clone, Serialize)]
pub struct ChangedFeature {
    pub id: FeatureId,
    pub name: Option<String>,
    pub geometry_changed: bool,
    pub properties_changed: bool,
    /// Ellipsoid area of the symmetric difference of the two geometries.
    pub changed_area_m2: f64,
}

/// What changed from one revision of a layer to another.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub layer: String,
    pub from: String,
    pub to: String,
    pub added: Vec<FeatureRef>,
    pub removed: Vec<FeatureRef>,
    pub changed: Vec<ChangedFeature>,
    pub unchanged: usize,
    /// Area added + removed + the symmetric difference of changed polygons, m².
    pub changed_area_m2: f64,
    pub changed_area_mu: f64,
}

fn same_shape(a: &Shape, b: &Shape) -> bool {
    match (a, b) {
        (Shape::Area(a), Shape::Area(b)) => a == b,
        (Shape::Lines(a), Shape::Lines(b)) => a == b,
        (Shape::Points(a), Shape::Points(b)) => a == b,
        _ => false,
    }
}

/// Each feature's index by id (numeric or text, as the file gives it).
fn ids(features: &FeatureTable) -> HashMap<(bool, &str), usize> {
    (0..features.len())
        .map(|i| ((features.id_is_numeric(i), features.id_text(i)), i))
        .collect()
}

/// A polygon feature's area, 0 for lines and points.
fn area_of(features: &FeatureTable, i: usize) -> f64 {
    if features.is_area(i) {
        features.measure(i)
    } else {
        0.0
    }
}

/// Compares two revisions of a layer feature by feature (matched by id).
pub fn diff(
    store: &dyn Store,
    live: &LiveCatalog,
    layer_id: &str,
    from: &str,
    to: &str,
) -> Result<Diff, RevisionError> {
    let load = |revision: &str| {
        let record = find_revision(store, layer_id, revision)?;
        live.layer_of(store, &record, &record.entry)
    };
    let (old, new) = (load(from)?, load(to)?);
    diff_data(layer_id, &old.data, &new.data)
}

fn diff_data(layer_id: &str, old: &LayerData, new: &LayerData) -> Result<Diff, RevisionError> {
    // Features are matched by id in place: only a pair with the same id is
    // read out of the tables, so diffing two million-parcel revisions does
    // not copy either.
    let (old_features, new_features) = (&old.features, &new.features);
    let (before, after) = (ids(old_features), ids(new_features));
    let reference = |features: &FeatureTable, i: usize| FeatureRef {
        id: features.id(i),
        name: features.name(i).map(str::to_string),
        measure: features.measure(i),
    };
    let mut diff = Diff {
        layer: layer_id.to_string(),
        from: old.revision.clone(),
        to: new.revision.clone(),
        added: Vec::new(),
        removed: Vec::new(),
        changed: Vec::new(),
        unchanged: 0,
        changed_area_m2: 0.0,
        changed_area_mu: 0.0,
    };
    for j in 0..new_features.len() {
        let id = (new_features.id_is_numeric(j), new_features.id_text(j));
        if !before.contains_key(&id) {
            diff.changed_area_m2 += area_of(new_features, j);
            diff.added.push(reference(new_features, j));
        }
    }
    for i in 0..old_features.len() {
        let id = (old_features.id_is_numeric(i), old_features.id_text(i));
        let Some(&j) = after.get(&id) else {
            diff.changed_area_m2 += area_of(old_features, i);
            diff.removed.push(reference(old_features, i));
            continue;
        };
        let (f, g) = (old_features.shape(i), new_features.shape(j));
        let geometry_changed = !same_shape(&f, &g);
        let properties_changed = old_features.properties(i) != new_features.properties(j);
        if !geometry_changed && !properties_changed {
            diff.unchanged += 1;
            continue;
        }
        let changed_area_m2 = match (&f, &g) {
            (Shape::Area(a), Shape::Area(b)) if geometry_changed => {
                geodesy::multipolygon_area_m2(&a.xor(b))
            }
            _ => 0.0,
        };
        diff.changed_area_m2 += changed_area_m2;
        diff.changed.push(ChangedFeature {
            id: old_features.id(i),
            name: new_features.name(j).map(str::to_string),
            geometry_changed,
            properties_changed,
            changed_area_m2,
        });
    }
    diff.changed_area_mu = geodesy::AreaFigures::from_m2(diff.changed_area_m2).area_mu;
    Ok(diff)
}

/// Publishes a file from disk (the `planmap layers publish` command).
pub fn publish_file(
    store: &dyn Store,
    live: &LiveCatalog,
    actor: &str,
    layer_id: &str,
    file: &Path,
    effective: Option<&str>,
) -> Result<Published, RevisionError> {
    let bytes = std::fs::read(file).map_err(StoreError::Io)?;
    publish(store, live, actor, layer_id, &bytes, effective)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::Feature;
    use geo::{BoundingRect, MultiPolygon, polygon};

    fn square(id: FeatureId, x: f64, colour: &str) -> Feature {
        let p = polygon![(x: x, y: 36.0), (x: x + 0.01, y: 36.0), (x: x + 0.01, y: 36.01), (x: x, y: 36.01), (x: x, y: 36.0)];
        let area = MultiPolygon(vec![p]);
        Feature {
            id,
            name: Some(format!("square {x}")),
            properties: serde_json::json!({"colour": colour})
                .as_object()
                .unwrap()
                .clone(),
            bbox: area.bounding_rect().unwrap(),
            measure: geodesy::multipolygon_area_m2(&area),
            shape: Shape::Area(area),
        }
    }

    fn text(s: &str) -> FeatureId {
        FeatureId::Text(s.into())
    }

    #[test]
    fn features_are_matched_by_id_and_each_kind_of_change_is_told_apart() {
        let old = vec![
            square(text("moved"), 112.0, "red"),
            square(text("recoloured"), 112.1, "red"),
            square(text("gone"), 112.2, "red"),
            square(FeatureId::Number(7.into()), 112.3, "red"),
        ];
        let new = vec![
            square(FeatureId::Number(7.into()), 112.3, "red"),
            square(text("recoloured"), 112.1, "blue"),
            square(text("moved"), 112.005, "red"),
            square(text("7"), 112.4, "red"),
        ];
        let one_square = old[0].measure;
        let old = LayerData::from_features(old, "a".into()).unwrap();
        let new = LayerData::from_features(new, "b".into()).unwrap();
        let diff = diff_data("squares", &old, &new).unwrap();
        let ids = |refs: &[FeatureRef]| refs.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
        // A text id "7" is another feature than the number 7.
        assert_eq!(ids(&diff.added), vec![text("7")]);
        assert_eq!(ids(&diff.removed), vec![text("gone")]);
        assert_eq!(diff.unchanged, 1);
        let moved = diff.changed.iter().find(|c| c.id == text("moved")).unwrap();
        assert!(moved.geometry_changed && !moved.properties_changed);
        // Shifted by half its width: the symmetric difference is two halves,
        // one square's worth.
        assert!((moved.changed_area_m2 / one_square - 1.0).abs() < 1e-3);
        let recoloured = diff
            .changed
            .iter()
            .find(|c| c.id == text("recoloured"))
            .unwrap();
        assert!(!recoloured.geometry_changed && recoloured.properties_changed);
        assert_eq!(recoloured.changed_area_m2, 0.0);
        let expected = 2.0 * one_square + moved.changed_area_m2; // added, removed, moved
        assert!((diff.changed_area_m2 - expected).abs() < 1.0);
    }
}
