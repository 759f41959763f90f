//! Loading a layer file: read it (GeoJSON or FlatGeobuf, told apart by its
//! first bytes) beside hashing it for its revision, index it, and give the
//! reading's memory back.

use std::path::{Path, PathBuf};

use super::fgb::{self, FgbError};
use super::read::{in_chunks, read_feature};
use super::{Chunks, FeatureProblem, LayerData};

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
    FlatGeobuf { path: PathBuf, source: FgbError },
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

/// A short, stable hash of a layer file's bytes: the layer's revision.
pub fn revision_of(bytes: &[u8]) -> String {
    crate::digest::short_sha256(bytes)
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
    let is_fgb = fgb::is_flatgeobuf(&bytes);
    // The revision hash runs beside the parsing, not before it.
    let (revision, read) = rayon::join(
        || revision_of(&bytes),
        || -> Result<Chunks, LayerError> {
            if is_fgb {
                fgb::read_features(&bytes).map_err(|e| match e {
                    FgbError::Feature { index, reason } => problem(index, reason),
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
    crate::memory::give_back_freed_memory();
    data
}
