//! A planning layer: its features, their precomputed measures, and an R-tree
//! over their bounding boxes.
//!
//! Loading a layer file:
//! 1. parse the GeoJSON FeatureCollection, or the FlatGeobuf file (`.fgb`,
//!    see [`crate::fgb`]), longitude, latitude on CGCS2000;
//! 2. check every feature: a unique id, a supported geometry, closed rings,
//!    coordinates in range, no self-intersections;
//! 3. precompute each feature's bounding box and ellipsoid area (or length);
//! 4. store them column by column ([`table::FeatureTable`]) and bulk-load one
//!    R-tree of their boxes (in `f32`, rounded outwards) that point into it.

pub mod table;

use std::path::{Path, PathBuf};

use geo::{BoundingRect, Coord, Rect};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::geodesy;
use crate::shape::{Shape, ShapeError, shape_from_geojson};
use crate::validate::{InvalidGeometry, check_multipolygon};
use table::{FeatureTable, TooLarge};

/// What a conflict with a layer means for a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnOverlap {
    /// A hard constraint: the candidate cannot go ahead as drawn.
    Reject,
    /// Allowed with conditions (e.g. remediation while mining).
    Warn,
    /// Context only.
    Info,
}

/// A feature's id exactly as the layer file gives it: string or number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FeatureId {
    Text(String),
    Number(serde_json::Number),
}

impl std::fmt::Display for FeatureId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FeatureId::Text(s) => f.write_str(s),
            FeatureId::Number(n) => write!(f, "{n}"),
        }
    }
}

/// One planning feature: a block, a zone, a licence area, a fissure …
#[derive(Debug, Clone)]
pub struct Feature {
    pub id: FeatureId,
    pub name: Option<String>,
    pub properties: serde_json::Map<String, serde_json::Value>,
    pub shape: Shape,
    pub bbox: Rect,
    /// Ellipsoid area in m² for polygons, geodesic length in m for lines, 0 for points.
    pub measure: f64,
}

/// An R-tree entry: a feature's bounding box, rounded outwards to `f32`
/// (half the memory of `f64`; a box a metre too large only means one more
/// exact test), and its index in the feature table.
pub type IndexEntry = GeomWithData<Rectangle<[f32; 2]>, u32>;

/// A loaded layer's features and index (the catalog entry lives beside it).
#[derive(Debug)]
pub struct LayerData {
    pub features: FeatureTable,
    index: RTree<IndexEntry>,
    /// Feature indices in order of id text, to find a feature by id.
    by_id: Vec<u32>,
    /// Short content hash of the layer file.
    pub revision: String,
    pub bbox: Option<Rect>,
    /// What the layer can be filtered on: worked out on first use, since it
    /// reads every feature's properties.
    queryables: std::sync::OnceLock<crate::cql2::Queryables>,
}

fn down(x: f64) -> f32 {
    let v = x as f32;
    if f64::from(v) > x { v.next_down() } else { v }
}

fn up(x: f64) -> f32 {
    let v = x as f32;
    if f64::from(v) < x { v.next_up() } else { v }
}

/// An `f32` box that covers the `f64` box [min, max].
fn covering(min: Coord, max: Coord) -> Rectangle<[f32; 2]> {
    Rectangle::from_corners([down(min.x), down(min.y)], [up(max.x), up(max.y)])
}

/// Why a layer file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LayerError {
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a GeoJSON FeatureCollection: {message}")]
    NotFeatureCollection { path: PathBuf, message: String },
    #[error("{path}: {source}")]
    FlatGeobuf {
        path: PathBuf,
        source: crate::fgb::FgbError,
    },
    #[error("{path}: feature {index}: {reason}")]
    Feature {
        path: PathBuf,
        index: usize,
        reason: FeatureProblem,
    },
}

impl LayerError {
    /// The same error naming the file as `shown`: an uploaded file's place
    /// on the server is nobody's business but the server's.
    pub fn shown_as(self, shown: &str) -> LayerError {
        let path = PathBuf::from(shown);
        match self {
            LayerError::Read { source, .. } => LayerError::Read { path, source },
            LayerError::NotFeatureCollection { message, .. } => {
                LayerError::NotFeatureCollection { path, message }
            }
            LayerError::FlatGeobuf { source, .. } => LayerError::FlatGeobuf { path, source },
            LayerError::Feature { index, reason, .. } => LayerError::Feature {
                path,
                index,
                reason,
            },
        }
    }
}

/// What is wrong with one feature of a layer file.
#[derive(Debug, thiserror::Error)]
pub enum FeatureProblem {
    #[error("has no id; every feature needs a unique GeoJSON id")]
    MissingId,
    #[error("id {0} is used by feature {1} too")]
    DuplicateId(FeatureId, usize),
    #[error("has no geometry")]
    NoGeometry,
    #[error(transparent)]
    Shape(#[from] ShapeError),
    #[error(
        "coordinate ({x}, {y}) is outside longitude/latitude range; layer files are CRS84 (longitude, latitude)"
    )]
    OutOfRange { x: f64, y: f64 },
    #[error("invalid polygon: {0}")]
    Invalid(#[from] InvalidGeometry),
    #[error("cannot be decoded: {0}")]
    Encoding(String),
    #[error(transparent)]
    TooLarge(#[from] TooLarge),
}

/// A short, stable hash of a layer file's bytes: the layer's revision.
pub fn revision_of(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest[..6].iter().map(|b| format!("{b:02x}")).collect()
}

/// Loads and indexes one layer file.
pub fn load_layer(path: &Path) -> Result<LayerData, LayerError> {
    let bytes = std::fs::read(path).map_err(|source| LayerError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let problem = |index: usize, reason: FeatureProblem| LayerError::Feature {
        path: path.to_path_buf(),
        index,
        reason,
    };
    let is_fgb = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("fgb"));
    // The revision hash runs beside the parsing, not before it.
    let (revision, read) = rayon::join(
        || revision_of(&bytes),
        || -> Result<Chunks, LayerError> {
            if is_fgb {
                crate::fgb::read_features(&bytes).map_err(|e| match e {
                    crate::fgb::FgbError::Feature { index, reason } => problem(index, reason),
                    source => LayerError::FlatGeobuf {
                        path: path.to_path_buf(),
                        source,
                    },
                })
            } else {
                let collection: geojson::FeatureCollection = serde_json::from_slice(&bytes)
                    .map_err(|e| LayerError::NotFeatureCollection {
                        path: path.to_path_buf(),
                        message: e.to_string(),
                    })?;
                in_chunks(collection.features, read_feature)
                    .map_err(|(index, reason)| problem(index, reason))
            }
        },
    );
    drop(bytes);
    let data =
        LayerData::from_chunks(read?, revision).map_err(|(index, reason)| problem(index, reason));
    give_back_freed_memory();
    data
}

/// Returns the heap pages freed (while reading a layer, or by a burst of
/// checks) to the operating system.
///
/// Why: reading a layer allocates and frees a few small buffers per feature
/// on every thread; glibc keeps those pages, about 50 bytes per feature of a
/// million-parcel layer, resident for good unless asked to trim.
pub(crate) fn give_back_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory; it is thread-safe.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Makes the threads of a server share as many allocator arenas as there
/// are cores, not eight per core.
///
/// Why: glibc gives each thread that meets contention an arena of its own;
/// a server's dozens of short-lived blocking threads then leave a dozen
/// arenas whose free pages, scattered between live allocations, stay
/// resident after a burst of checks (58 MiB at the peak of a 20 s load run,
/// 29 MiB after it, against 38 and 20 MiB with two arenas on two cores).
pub fn few_allocator_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let arenas = std::thread::available_parallelism().map_or(2, |n| n.get().max(2));
        // SAFETY: mallopt only sets a tunable of the allocator; it is called
        // before the server's threads start.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas as libc::c_int);
        }
    }
}

/// Features read in parallel: tables in file order, with each feature's box.
pub(crate) type Chunks = Vec<(FeatureTable, Vec<Rect>)>;

/// How many features one parallel task reads into its own table.
const CHUNK: usize = 4096;

/// Reads items into features in parallel, chunk by chunk, each chunk into
/// a table of its own (no per-feature allocation survives the read).
pub(crate) fn in_chunks<T: Send>(
    items: Vec<T>,
    read: impl Fn(T) -> Result<Feature, FeatureProblem> + Sync,
) -> Result<Chunks, (usize, FeatureProblem)> {
    let mut chunks = Vec::with_capacity(items.len().div_ceil(CHUNK));
    let mut items = items.into_iter();
    loop {
        let chunk: Vec<T> = items.by_ref().take(CHUNK).collect();
        if chunk.is_empty() {
            break;
        }
        chunks.push((chunks.len() * CHUNK, chunk));
    }
    chunks
        .into_par_iter()
        .map(|(first, chunk)| {
            let mut table = FeatureTable::default();
            let mut boxes = Vec::with_capacity(chunk.len());
            for (index, item) in (first..).zip(chunk) {
                let feature = read(item).map_err(|reason| (index, reason))?;
                table
                    .push(&feature)
                    .map_err(|e| (index, FeatureProblem::from(e)))?;
                boxes.push(feature.bbox);
            }
            Ok((table, boxes))
        })
        .collect()
}

impl LayerData {
    /// Indexes features already read (from a file, a generator or a test),
    /// refusing a duplicate id with the index of the feature that repeats it.
    pub fn from_features(
        features: Vec<Feature>,
        revision: String,
    ) -> Result<LayerData, (usize, FeatureProblem)> {
        let mut table = FeatureTable::default();
        for (index, f) in features.iter().enumerate() {
            table
                .push(f)
                .map_err(|e| (index, FeatureProblem::from(e)))?;
        }
        let boxes = features.iter().map(|f| f.bbox).collect();
        drop(features);
        Self::from_chunks(vec![(table, boxes)], revision)
    }

    fn from_chunks(chunks: Chunks, revision: String) -> Result<LayerData, (usize, FeatureProblem)> {
        let (tables, boxes): (Vec<_>, Vec<_>) = chunks.into_iter().unzip();
        // The R-tree is built from the boxes alone (rstar bulk-loads on one
        // thread), beside joining the tables and sorting the ids.
        let (table, (index, bbox)) = rayon::join(
            || {
                let features =
                    FeatureTable::concat(tables).map_err(|e| (0, FeatureProblem::from(e)))?;
                let by_id = ids_in_order(&features)?;
                Ok((features, by_id))
            },
            || {
                let entries: Vec<IndexEntry> = boxes
                    .iter()
                    .flatten()
                    .enumerate()
                    .map(|(i, b)| GeomWithData::new(covering(b.min(), b.max()), i as u32))
                    .collect();
                let bbox = boxes.into_iter().flatten().reduce(|a, b| {
                    Rect::new(
                        geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                        geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
                    )
                });
                (RTree::bulk_load(entries), bbox)
            },
        );
        let (features, by_id) = table?;
        Ok(LayerData {
            features,
            index,
            by_id,
            revision,
            bbox,
            queryables: std::sync::OnceLock::new(),
        })
    }

    pub fn queryables(&self) -> &crate::cql2::Queryables {
        self.queryables
            .get_or_init(|| crate::cql2::Queryables::of(&self.features))
    }

    /// Indices of the features whose box meets the box [min, max].
    pub fn hits(&self, min: Coord, max: Coord) -> impl Iterator<Item = usize> + '_ {
        let probe = covering(min, max);
        let envelope = AABB::from_corners(probe.lower(), probe.upper());
        self.index
            .locate_in_envelope_intersecting(envelope)
            .map(|e| e.data as usize)
    }

    /// The index of the feature with this id (as text, as a URL gives it).
    pub fn find(&self, id: &str) -> Option<usize> {
        let start = self
            .by_id
            .partition_point(|&i| self.features.id_text(i as usize) < id);
        self.by_id[start..]
            .iter()
            .take_while(|&&i| self.features.id_text(i as usize) == id)
            .map(|&i| i as usize)
            .min()
    }
}

/// Feature indices sorted by id, refusing a repeated id: the first feature
/// (in file order) that repeats an earlier one's id is reported.
fn ids_in_order(features: &FeatureTable) -> Result<Vec<u32>, (usize, FeatureProblem)> {
    let mut by_id: Vec<u32> = (0..features.len() as u32).collect();
    let key = |i: u32| {
        let f = i as usize;
        (features.id_text(f), features.id_is_numeric(f), i)
    };
    by_id.par_sort_unstable_by(|&a, &b| key(a).cmp(&key(b)));
    let repeat = by_id
        .windows(2)
        .filter(|w| {
            let (a, b) = (key(w[0]), key(w[1]));
            (a.0, a.1) == (b.0, b.1)
        })
        .map(|w| (w[1] as usize, w[0] as usize))
        .fold(None, |best: Option<(usize, usize)>, (second, first)| {
            // Within a run of equal ids each pair is (later, earlier); the
            // earliest repeat overall is the one to report, against the
            // first feature that carries the id.
            match best {
                Some(b) if b.0 <= second => Some(b),
                _ => Some((second, first)),
            }
        });
    if let Some((second, _)) = repeat {
        let id = features.id(second);
        let first = (0..second)
            .find(|&i| features.id(i) == id)
            .expect("a repeat has an earlier feature");
        return Err((second, FeatureProblem::DuplicateId(id, first)));
    }
    Ok(by_id)
}

/// Reads one GeoJSON feature: id, geometry checks, bounding box and measure.
pub fn read_feature(f: geojson::Feature) -> Result<Feature, FeatureProblem> {
    let id = match f.id {
        Some(geojson::feature::Id::String(s)) => FeatureId::Text(s),
        Some(geojson::feature::Id::Number(n)) => FeatureId::Number(n),
        None => return Err(FeatureProblem::MissingId),
    };
    let geometry = f.geometry.ok_or(FeatureProblem::NoGeometry)?;
    let shape = shape_from_geojson(&geometry.value)?;
    feature_from_parts(id, shape, f.properties.unwrap_or_default())
}

/// Checks a feature read from any layer file format and precomputes its
/// bounding box and measure.
pub(crate) fn feature_from_parts(
    id: FeatureId,
    shape: Shape,
    properties: serde_json::Map<String, serde_json::Value>,
) -> Result<Feature, FeatureProblem> {
    if let Some(c) = shape
        .coords()
        .find(|c| !(-180.0..=180.0).contains(&c.x) || !(-90.0..=90.0).contains(&c.y))
    {
        return Err(FeatureProblem::OutOfRange { x: c.x, y: c.y });
    }
    let (bbox, measure) = match &shape {
        Shape::Area(area) => {
            check_multipolygon(area)?;
            (area.bounding_rect(), geodesy::multipolygon_area_m2(area))
        }
        Shape::Lines(lines) => (
            lines.bounding_rect(),
            lines.0.iter().map(geodesy::line_length_m).sum(),
        ),
        Shape::Points(points) => (points.bounding_rect(), 0.0),
    };
    let name = properties
        .get("name")
        .and_then(|v| v.as_str())
        .map(str::to_string);
    Ok(Feature {
        id,
        name,
        properties,
        shape,
        bbox: bbox.ok_or(FeatureProblem::NoGeometry)?,
        measure,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    fn square(id: FeatureId, x: f64) -> Feature {
        let p = polygon![(x: x, y: 36.0), (x: x + 0.01, y: 36.0), (x: x + 0.01, y: 36.01), (x: x, y: 36.01), (x: x, y: 36.0)];
        Feature {
            id,
            name: None,
            properties: Default::default(),
            bbox: p.bounding_rect().unwrap(),
            shape: Shape::Area(geo::MultiPolygon(vec![p])),
            measure: 1.0,
        }
    }

    fn text(s: &str) -> FeatureId {
        FeatureId::Text(s.into())
    }

    #[test]
    fn the_first_repeated_id_in_file_order_is_reported_against_its_first_use() {
        let ids = ["b", "a", "c", "a", "b"];
        let features = ids
            .iter()
            .enumerate()
            .map(|(i, s)| square(text(s), 112.0 + i as f64 * 0.1))
            .collect();
        match LayerData::from_features(features, "r".into()) {
            Err((3, FeatureProblem::DuplicateId(id, 1))) => assert_eq!(id, text("a")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_feature_is_found_by_its_id_as_a_url_gives_it() {
        let features = vec![
            square(text("KQ-2"), 112.0),
            square(FeatureId::Number(17.into()), 112.1),
            square(text("KQ-10"), 112.2),
        ];
        let data = LayerData::from_features(features, "r".into()).unwrap();
        assert_eq!(data.find("17"), Some(1));
        assert_eq!(data.find("KQ-10"), Some(2));
        assert_eq!(data.find("KQ-2"), Some(0));
        assert_eq!(data.find("KQ-3"), None);
    }

    #[test]
    fn the_index_finds_a_feature_whose_box_only_touches_the_probe() {
        // Boxes are kept in f32, rounded outwards: a probe that touches a
        // feature's f64 box must still find it.
        let features = vec![square(text("a"), 112.123_456_789)];
        let data = LayerData::from_features(features, "r".into()).unwrap();
        let b = data.features.bbox(0);
        let east = Coord {
            x: b.max().x,
            y: b.min().y,
        };
        let beyond = Coord {
            x: b.max().x + 1.0,
            y: b.max().y,
        };
        assert_eq!(data.hits(east, beyond).collect::<Vec<_>>(), vec![0]);
        let west = Coord {
            x: b.min().x - 1.0,
            y: b.min().y,
        };
        let just_west = Coord {
            x: b.min().x,
            y: b.max().y,
        };
        assert_eq!(data.hits(west, just_west).collect::<Vec<_>>(), vec![0]);
    }
}
