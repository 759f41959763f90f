//! A planning layer: its features, their precomputed measures, and an R-tree
//! over their bounding boxes.
//!
//! Loading a layer file:
//! 1. parse the GeoJSON FeatureCollection, or the FlatGeobuf file (told by
//!    its magic bytes, see [`crate::layer::fgb`]), longitude, latitude on
//!    CGCS2000;
//! 2. check every feature: a unique id, a supported geometry, closed rings,
//!    coordinates in range, no self-intersections;
//! 3. precompute each feature's bounding box and ellipsoid area (or length);
//! 4. store them column by column ([`table::FeatureTable`]) and bulk-load one
//!    R-tree of their boxes (in `f32`, rounded outwards) that point into it.

pub mod catalog;
pub mod fgb;
pub mod load;
pub mod queryables;
pub mod read;
pub mod table;

use geo::{Coord, Rect};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::fault::{Fault, members};
use crate::geom::shape::{Shape, ShapeError};
use crate::geom::validate::InvalidGeometry;
use catalog::UnknownLayers;
use queryables::Queryables;
use table::{FeatureTable, TooLarge};

/// The catalog's refusal of layer ids it does not have, with both lists so
/// a client can correct itself.
impl Fault for UnknownLayers {
    fn slug(&self) -> &'static str {
        "unknown-layer"
    }

    fn location(&self) -> Map<String, Value> {
        members([
            ("unknown_layers", json!(self.unknown)),
            ("known_layers", json!(self.known)),
        ])
    }
}

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
    queryables: std::sync::OnceLock<Queryables>,
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

/// A step of [`LayerData::nearest_first`]: a node to open or a feature.
enum Walk<'a> {
    Node(&'a rstar::ParentNode<IndexEntry>),
    Feature(u32),
}

/// A step and its bound, least bound first out of a (max-)heap; a feature
/// before a node at the same bound, so ties are yielded without opening more.
struct Nearer<'a>(f64, Walk<'a>);

impl Nearer<'_> {
    fn rank(&self) -> (f64, u8) {
        (self.0, matches!(self.1, Walk::Node(_)) as u8)
    }
}

impl PartialEq for Nearer<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}

impl Eq for Nearer<'_> {}

impl PartialOrd for Nearer<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Nearer<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let (a, b) = (self.rank(), other.rank());
        b.0.total_cmp(&a.0).then(b.1.cmp(&a.1))
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

/// Features read in parallel: tables in file order, with each feature's box.
pub(crate) type Chunks = Vec<(FeatureTable, Vec<Rect>)>;

impl LayerData {
    /// An estimate of the bytes the layer holds in memory: its table, its
    /// id order and its R-tree (leaves plus about a third more for the inner
    /// nodes), for bounding caches of layers.
    pub fn heap_bytes(&self) -> usize {
        let leaves = self.index.size() * std::mem::size_of::<IndexEntry>();
        self.features.heap_bytes() + self.by_id.capacity() * 4 + leaves + leaves / 3
    }

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

    pub(crate) fn from_chunks(
        chunks: Chunks,
        revision: String,
    ) -> Result<LayerData, (usize, FeatureProblem)> {
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

    pub fn queryables(&self) -> &Queryables {
        self.queryables
            .get_or_init(|| Queryables::of(&self.features))
    }

    /// Indices of the features whose box meets the box [min, max].
    pub fn hits(&self, min: Coord, max: Coord) -> impl Iterator<Item = usize> + '_ {
        let probe = covering(min, max);
        let envelope = AABB::from_corners(probe.lower(), probe.upper());
        self.index
            .locate_in_envelope_intersecting(envelope)
            .map(|e| e.data as usize)
    }

    /// Every feature, in increasing order of `bound` of its box, with that
    /// bound: a best-first walk of the index. `bound` must be a lower bound
    /// that only grows as a box shrinks (the distance in metres from a
    /// candidate to anything in the box, say); then the walk opens only the
    /// nodes nearer than where the caller stops, and what it yields is in
    /// the caller's order, not the index's degrees.
    pub fn nearest_first<'a>(
        &'a self,
        bound: impl Fn(Rect) -> f64 + 'a,
    ) -> impl Iterator<Item = (f64, usize)> + 'a {
        let rect = |e: AABB<[f32; 2]>| {
            let (lo, hi) = (e.lower(), e.upper());
            Rect::new(
                Coord {
                    x: f64::from(lo[0]),
                    y: f64::from(lo[1]),
                },
                Coord {
                    x: f64::from(hi[0]),
                    y: f64::from(hi[1]),
                },
            )
        };
        let mut queue = std::collections::BinaryHeap::new();
        let root = self.index.root();
        if self.index.size() > 0 {
            queue.push(Nearer(bound(rect(root.envelope())), Walk::Node(root)));
        }
        std::iter::from_fn(move || {
            while let Some(Nearer(at, step)) = queue.pop() {
                match step {
                    Walk::Feature(i) => return Some((at, i as usize)),
                    Walk::Node(node) => {
                        for child in node.children() {
                            let next = match child {
                                rstar::RTreeNode::Leaf(entry) => Nearer(
                                    bound(rect(rstar::RTreeObject::envelope(entry))),
                                    Walk::Feature(entry.data),
                                ),
                                rstar::RTreeNode::Parent(inner) => {
                                    Nearer(bound(rect(inner.envelope())), Walk::Node(inner))
                                }
                            };
                            queue.push(next);
                        }
                    }
                }
            }
            None
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{BoundingRect, polygon};

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
    fn the_best_first_walk_yields_every_feature_once_least_bound_first() {
        // Enough squares for the index to have inner nodes, scattered.
        let features = (0..500)
            .map(|i| {
                let x = 112.0 + ((i * 7919) % 500) as f64 * 0.013;
                square(FeatureId::Number(i.into()), x)
            })
            .collect();
        let data = LayerData::from_features(features, "r".into()).unwrap();
        // The distance in degrees from a point west of them all to a box:
        // a lower bound that grows as a box shrinks.
        let bound = |b: Rect| (b.min().x - 111.5).max(0.0);
        let walked: Vec<(f64, usize)> = data.nearest_first(bound).collect();
        assert_eq!(walked.len(), 500);
        assert!(walked.windows(2).all(|w| w[0].0 <= w[1].0), "not in order");
        let mut seen: Vec<usize> = walked.iter().map(|&(_, i)| i).collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..500).collect::<Vec<_>>());
        for &(at, i) in &walked {
            // The bound of the feature's own (f32, outward) box.
            assert!((at - bound(data.features.bbox(i))).abs() < 1e-5);
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
