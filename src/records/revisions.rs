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
use crate::layer::load::{LayerError, load_layer};
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
    /// Publishes and follows are serialised so the store's order and the
    /// swaps agree.
    publishing: Mutex<()>,
    /// Layers of old revisions loaded for `as_of`, diffs and verifying.
    cache: Mutex<RevisionCache>,
    /// Revisions in force that could not be loaded, and when the store was
    /// last followed.
    following: Mutex<Following>,
}

/// Default bound of the cache of old revisions: 512 MiB.
pub const DEFAULT_CACHE_BYTES: usize = 512 * 1024 * 1024;

/// Layers of stored revisions kept in memory, bounded by an estimate of
/// their bytes ([`LayerData::heap_bytes`]); the least recently used goes
/// first. A layer larger than the whole bound is loaded, used and not kept.
struct RevisionCache {
    limit_bytes: usize,
    bytes: usize,
    tick: u64,
    entries: HashMap<(String, String), (Arc<Layer>, usize, u64)>,
    hits: u64,
    misses: u64,
    evictions: u64,
}

impl RevisionCache {
    fn get(&mut self, key: &(String, String)) -> Option<Arc<Layer>> {
        self.tick += 1;
        match self.entries.get_mut(key) {
            Some((layer, _, used)) => {
                *used = self.tick;
                self.hits += 1;
                Some(layer.clone())
            }
            None => {
                self.misses += 1;
                None
            }
        }
    }

    fn put(&mut self, key: (String, String), layer: Arc<Layer>) {
        let size = layer.data.heap_bytes();
        if size > self.limit_bytes || self.entries.contains_key(&key) {
            return;
        }
        while self.bytes + size > self.limit_bytes {
            let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, (_, _, used))| *used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some((_, freed, _)) = self.entries.remove(&oldest) {
                self.bytes -= freed;
                self.evictions += 1;
            }
        }
        self.tick += 1;
        self.bytes += size;
        self.entries.insert(key, (layer, size, self.tick));
    }

    fn stats(&self) -> CacheStats {
        CacheStats {
            limit_bytes: self.limit_bytes,
            bytes: self.bytes,
            entries: self.entries.len(),
            hits: self.hits,
            misses: self.misses,
            evictions: self.evictions,
        }
    }
}

/// The cache of old revisions, as `/health` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CacheStats {
    /// The bound (`--revision-cache-mb`), in bytes.
    pub limit_bytes: usize,
    /// Estimated bytes of the layers kept.
    pub bytes: usize,
    pub entries: usize,
    pub hits: u64,
    pub misses: u64,
    pub evictions: u64,
}

#[derive(Default)]
struct Following {
    last: Option<String>,
    /// By layer: the revision in force that could not be loaded, and why.
    failed: HashMap<String, NotServed>,
}

/// A revision in force that is not served, since it could not be loaded:
/// the revision before it stays served.
#[derive(Debug, Clone, Serialize)]
pub struct NotServed {
    pub layer: String,
    pub revision: String,
    pub effective: String,
    #[serde(skip)]
    seq: i64,
    pub error: String,
}

/// How the served catalog follows the store, as `/health` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct FollowStats {
    /// When the store was last looked at (RFC 3339), if ever.
    pub last_followed: Option<String>,
    /// Revisions in force that failed to load; empty when all are served.
    pub not_served: Vec<NotServed>,
}

impl LiveCatalog {
    pub fn new(catalog: Arc<Catalog>) -> LiveCatalog {
        LiveCatalog {
            current: RwLock::new(catalog),
            publishing: Mutex::new(()),
            cache: Mutex::new(RevisionCache {
                limit_bytes: DEFAULT_CACHE_BYTES,
                bytes: 0,
                tick: 0,
                entries: HashMap::new(),
                hits: 0,
                misses: 0,
                evictions: 0,
            }),
            following: Mutex::new(Following::default()),
        }
    }

    /// The same, keeping at most `bytes` of old revisions in memory.
    pub fn with_cache_bytes(self, bytes: usize) -> LiveCatalog {
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .limit_bytes = bytes;
        self
    }

    /// The catalog now in force.
    pub fn current(&self) -> Arc<Catalog> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The cache of old revisions: its bound, size, hits and misses.
    pub fn cache_stats(&self) -> CacheStats {
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).stats()
    }

    /// When the store was last followed, and what could not be served.
    pub fn follow_stats(&self) -> FollowStats {
        let following = self.following.lock().unwrap_or_else(|e| e.into_inner());
        let mut not_served: Vec<NotServed> = following.failed.values().cloned().collect();
        not_served.sort_by(|a, b| a.layer.cmp(&b.layer));
        FollowStats {
            last_followed: following.last.clone(),
            not_served,
        }
    }

    /// Replaces layers (by id), leaving the others as they are, in one swap.
    fn swap_in_all(&self, newer: Vec<Arc<Layer>>) {
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        let layers = current
            .layers
            .iter()
            .map(|l| {
                newer
                    .iter()
                    .find(|n| n.entry.id == l.entry.id)
                    .unwrap_or(l)
                    .clone()
            })
            .collect();
        *current = Arc::new(Catalog {
            dir: current.dir.clone(),
            layers,
        });
    }

    fn swap_in(&self, layer: Arc<Layer>) {
        self.swap_in_all(vec![layer]);
    }

    /// The layer of a stored revision with `entry`, from the live catalog
    /// when it is the same, else from the cache of old revisions, else
    /// loaded from the store (and kept, within the cache's bound).
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
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Ok(layer);
        }
        let layer = load_revision(store, record, entry)?;
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .put(key, layer.clone());
        Ok(layer)
    }

    /// Brings the served catalog to the revisions the store has in force
    /// today: a revision published by another process (`planmap layers
    /// publish`) or a scheduled one whose date has come. Steps:
    /// 1. read the revisions in force today;
    /// 2. load each that differs from the one served, off the request path
    ///    (a revision that fails to load is logged once, and the one before
    ///    stays served);
    /// 3. if the store still says so, swap them all in at once.
    ///
    /// Returns how many layers were swapped.
    pub fn follow(&self, store: &dyn Store) -> Result<usize, RevisionError> {
        let today = today();
        let in_force = store.revisions_in_force(&today)?;
        let catalog = self.current();
        let mut newer = Vec::new();
        for record in &in_force {
            let Some(served) = catalog.get(&record.layer_id) else {
                continue;
            };
            let mut following = self.following.lock().unwrap_or_else(|e| e.into_inner());
            if served.data.revision == record.revision {
                following.failed.remove(&record.layer_id);
                continue;
            }
            if following
                .failed
                .get(&record.layer_id)
                .is_some_and(|f| f.seq == record.seq)
            {
                continue;
            }
            drop(following);
            match load_revision(store, record, &served.entry) {
                Ok(layer) => newer.push(layer),
                Err(e) => {
                    tracing::error!(
                        "revision {} of layer {} (in force from {}) cannot be served, revision {} stays: {e}",
                        record.revision,
                        record.layer_id,
                        record.effective,
                        served.data.revision
                    );
                    self.following
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .failed
                        .insert(
                            record.layer_id.clone(),
                            NotServed {
                                layer: record.layer_id.clone(),
                                revision: record.revision.clone(),
                                effective: record.effective.clone(),
                                seq: record.seq,
                                error: e.to_string(),
                            },
                        );
                }
            }
        }
        let _serial = self.publishing.lock().unwrap_or_else(|e| e.into_inner());
        // A publish may have landed while the files loaded: swap in only
        // what the store still has in force.
        let again = store.revisions_in_force(&today)?;
        newer.retain(|l| {
            again
                .iter()
                .any(|r| r.layer_id == l.entry.id && r.revision == l.data.revision)
        });
        let swapped = newer.len();
        for layer in &newer {
            tracing::info!(
                "layer {} now serves revision {}",
                layer.entry.id,
                layer.data.revision
            );
        }
        if swapped > 0 {
            self.swap_in_all(newer);
        }
        self.following
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .last = Some(crate::time::now());
        Ok(swapped)
    }
}

/// Loads a stored revision's file and checks it is still the file the
/// revision names: a stored file is never rewritten, but one kept as a
/// hard link to a catalog file changes if that file is overwritten in place.
fn load_revision(
    store: &dyn Store,
    record: &LayerRevisionRecord,
    entry: &LayerEntry,
) -> Result<Arc<Layer>, RevisionError> {
    let data = load_layer(&store.layer_file(&record.sha256, &record.ext))?;
    if data.revision != record.revision {
        return Err(StoreError::Corrupt(format!(
            "the stored file of revision {} of layer {} has changed (it now hashes to {}); was the layer file overwritten in place?",
            record.revision, record.layer_id, data.revision
        ))
        .into());
    }
    Ok(Arc::new(Layer {
        entry: entry.clone(),
        data,
    }))
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
        let file = catalog.dir.join(&layer.entry.file);
        let sha256 = crate::digest::sha256_file(&file).map_err(StoreError::Io)?;
        if !sha256.starts_with(&layer.data.revision) {
            return Err(StoreError::Corrupt(format!(
                "{} changed while planmap started; start again",
                file.display()
            ))
            .into());
        }
        let ext = extension_of(&first_bytes(&file).map_err(StoreError::Io)?);
        warn_if_overwritten(store, &layer.entry.id, &file, &sha256)?;
        store.keep_layer_file(&sha256, ext, &file)?;
        store.record_layer_revision(
            "startup",
            &NewLayerRevision {
                layer_id: layer.entry.id.clone(),
                revision: layer.data.revision.clone(),
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
            live.swap_in(load_revision(store, &record, &layer.entry)?);
        }
    }
    Ok(live)
}

/// The first bytes of a file, enough to tell its format.
fn first_bytes(file: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut head = Vec::with_capacity(16);
    std::fs::File::open(file)?.take(16).read_to_end(&mut head)?;
    Ok(head)
}

/// Logs, loudly, a stored revision whose file is the catalog file itself
/// (a hard link) under another hash: the catalog file was overwritten in
/// place, and the old revision's bytes went with it.
#[cfg(unix)]
fn warn_if_overwritten(
    store: &dyn Store,
    layer_id: &str,
    file: &Path,
    sha256: &str,
) -> Result<(), RevisionError> {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::metadata(file) else {
        return Ok(());
    };
    for record in store.layer_revisions(layer_id)? {
        if record.sha256 == sha256 {
            continue;
        }
        let stored = store.layer_file(&record.sha256, &record.ext);
        if std::fs::metadata(&stored).is_ok_and(|m| m.dev() == meta.dev() && m.ino() == meta.ino())
        {
            tracing::error!(
                "{} was overwritten in place, and revision {} of layer {} was kept as that same file: its bytes are gone; replace layer files by renaming a new file over them, or publish them",
                file.display(),
                record.revision,
                layer_id
            );
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn warn_if_overwritten(_: &dyn Store, _: &str, _: &Path, _: &str) -> Result<(), RevisionError> {
    Ok(())
}

/// What a publish did.
#[derive(Debug, Clone, Serialize)]
pub struct Published {
    pub revision: LayerRevisionRecord,
    /// False when this exact file was already a revision of the layer.
    pub new: bool,
    /// Whether the revision is the one now served.
    pub in_force: bool,
    /// Whether its effective date is still to come: it is served from that
    /// date on, without a restart.
    pub scheduled: bool,
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
            scheduled: false,
        });
    }
    let scheduled = effective > today;
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
        scheduled,
    })
}

/// A recorded revision as `/collections/{id}/revisions` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct ListedRevision {
    #[serde(flatten)]
    pub record: LayerRevisionRecord,
    /// Its effective date is still to come (China Standard Time).
    pub scheduled: bool,
}

/// Every revision of a layer in the order recorded, the scheduled ones marked.
pub fn list(store: &dyn Store, layer_id: &str) -> Result<Vec<ListedRevision>, RevisionError> {
    let today = today();
    Ok(store
        .layer_revisions(layer_id)?
        .into_iter()
        .map(|record| ListedRevision {
            scheduled: record.effective > today,
            record,
        })
        .collect())
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
    /// CRS84 GeoJSON, when the diff was asked with geometry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geometry: Option<serde_json::Value>,
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
    /// With geometry: the feature in the newer revision, and in the older.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geometry: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<serde_json::Value>,
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
    /// With geometry: how many features at most carry theirs (the rest are
    /// listed without), so a diff of a million parcels stays a bounded answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geometry_limit: Option<usize>,
}

/// Features a diff with geometry draws at most.
pub const DIFF_GEOMETRY_LIMIT: usize = 5_000;

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
    with_geometry: bool,
) -> Result<Diff, RevisionError> {
    let load = |revision: &str| {
        let record = find_revision(store, layer_id, revision)?;
        live.layer_of(store, &record, &record.entry)
    };
    let (old, new) = (load(from)?, load(to)?);
    diff_data(layer_id, &old.data, &new.data, with_geometry)
}

fn diff_data(
    layer_id: &str,
    old: &LayerData,
    new: &LayerData,
    with_geometry: bool,
) -> Result<Diff, RevisionError> {
    let mut drawn = 0;
    let mut geometry_of = |features: &FeatureTable, i: usize| {
        (with_geometry && drawn < DIFF_GEOMETRY_LIMIT).then(|| {
            drawn += 1;
            crate::geom::geojson::geometry_value(&features.shape(i))
        })
    };
    // Features are matched by id in place: only a pair with the same id is
    // read out of the tables, so diffing two million-parcel revisions does
    // not copy either.
    let (old_features, new_features) = (&old.features, &new.features);
    let (before, after) = (ids(old_features), ids(new_features));
    let reference = |features: &FeatureTable, i: usize, geometry| FeatureRef {
        id: features.id(i),
        name: features.name(i).map(str::to_string),
        measure: features.measure(i),
        geometry,
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
        geometry_limit: with_geometry.then_some(DIFF_GEOMETRY_LIMIT),
    };
    for j in 0..new_features.len() {
        let id = (new_features.id_is_numeric(j), new_features.id_text(j));
        if !before.contains_key(&id) {
            diff.changed_area_m2 += area_of(new_features, j);
            let geometry = geometry_of(new_features, j);
            diff.added.push(reference(new_features, j, geometry));
        }
    }
    for i in 0..old_features.len() {
        let id = (old_features.id_is_numeric(i), old_features.id_text(i));
        let Some(&j) = after.get(&id) else {
            diff.changed_area_m2 += area_of(old_features, i);
            let geometry = geometry_of(old_features, i);
            diff.removed.push(reference(old_features, i, geometry));
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
        let (geometry, before) = (geometry_of(new_features, j), geometry_of(old_features, i));
        diff.changed.push(ChangedFeature {
            id: old_features.id(i),
            name: new_features.name(j).map(str::to_string),
            geometry_changed,
            properties_changed,
            changed_area_m2,
            geometry,
            before,
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
        let diff = diff_data("squares", &old, &new, false).unwrap();
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
