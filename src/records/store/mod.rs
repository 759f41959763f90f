//! What planmap keeps: candidates and their versions, review records, layer
//! revisions, API tokens and the audit log.
//!
//! [`Store`] is the interface; [`SqliteStore`] the embedded implementation
//! (one file in the data directory, WAL, `synchronous=FULL`). Every write is
//! one transaction that also appends its audit entry, so an action and its
//! audit line are committed together or not at all. A PostgreSQL backend is a
//! second implementation of the same trait: the schema uses only integers,
//! text and JSON text, and ids are assigned by the store.

mod sqlite;

use std::path::PathBuf;

use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

pub use sqlite::{LINK_FROM_BYTES, SqliteStore};

use crate::engine::report::Verdict;
use crate::engine::rules::CandidateKind;
use crate::fault::Fault;
use crate::intake::submission::InputFormat;
use crate::layer::catalog::LayerEntry;
use crate::records::access::{Role, TokenState};
use crate::time::parse_timestamp;

/// Why the store could not answer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("storage: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("storage: {0}")]
    Io(#[from] std::io::Error),
    #[error("storage: a stored record cannot be read: {0}")]
    Corrupt(String),
    #[error("no candidate {0}")]
    NoCandidate(i64),
    #[error("a token named '{0}' exists already")]
    DuplicateToken(String),
    #[error(
        "the data directory's schema is version {found}, newer than this planmap knows ({known}): run the planmap that wrote it, or a newer one"
    )]
    NewerSchema { found: i64, known: i64 },
}

impl Fault for StoreError {
    fn slug(&self) -> &'static str {
        match self {
            Self::Sqlite(_) | Self::Io(_) | Self::Corrupt(_) | Self::NewerSchema { .. } => {
                "storage"
            }
            Self::NoCandidate(_) => "not-found",
            Self::DuplicateToken(_) => "duplicate-token",
        }
    }
}

/// How a candidate was submitted, kept verbatim so a review can re-read it
/// exactly as the planner sent it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    pub format: InputFormat,
    /// CRS of GeoJSON coordinates (authority axis order); `None` is CRS84.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crs: Option<String>,
    /// Gauss-Krüger zone for coordinate files without zone numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// The geometry (GeoJSON text) or the coordinate file's text; for a
    /// binary format (.xlsx, zipped Shapefile) the file's bytes in base64.
    pub text: String,
}

impl Source {
    /// The bytes the submission is read from again: the text, or the bytes
    /// a binary format's base64 stands for.
    pub fn bytes(&self) -> Result<std::borrow::Cow<'_, [u8]>, base64::DecodeError> {
        use base64::Engine;
        if self.format.is_binary() {
            base64::engine::general_purpose::STANDARD
                .decode(&self.text)
                .map(std::borrow::Cow::Owned)
        } else {
            Ok(std::borrow::Cow::Borrowed(self.text.as_bytes()))
        }
    }
}

/// The attributes and geometry of one version of a candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionData {
    pub name: String,
    pub kind: CandidateKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mineral: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applicant: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    pub source: Source,
    /// The candidate in CRS84, as read from `source`.
    pub geometry: Value,
    /// `[west, south, east, north]` in CRS84.
    pub bbox: [f64; 4],
    /// Ellipsoid area of the candidate.
    pub area_m2: f64,
}

/// One immutable version of a candidate.
#[derive(Debug, Clone, Serialize)]
pub struct Version {
    pub candidate_id: i64,
    pub version: i64,
    pub created_at: String,
    pub created_by: String,
    #[serde(flatten)]
    pub data: VersionData,
}

/// Where a candidate stands: `submitted` until its current version is
/// reviewed, then the verdict of that version's latest review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CandidateStatus {
    Submitted,
    Reviewed(Verdict),
}

impl CandidateStatus {
    /// The name the status is written with: `submitted`, `pass`, `warn` or `reject`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Reviewed(v) => v.as_str(),
        }
    }

    /// The status named `text` exactly as [`CandidateStatus::as_str`] writes it.
    pub fn parse(text: &str) -> Option<CandidateStatus> {
        match text {
            "submitted" => Some(Self::Submitted),
            _ => Verdict::parse(text).map(Self::Reviewed),
        }
    }
}

impl std::fmt::Display for CandidateStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CandidateStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A candidate: its header and its current version.
#[derive(Debug, Clone, Serialize)]
pub struct CandidateRecord {
    pub id: i64,
    pub status: CandidateStatus,
    pub created_at: String,
    pub created_by: String,
    pub current: Version,
}

/// A page of candidates and how many match in all.
#[derive(Debug, Clone, Default)]
pub struct CandidateQuery {
    pub limit: usize,
    pub offset: usize,
    pub kind: Option<CandidateKind>,
    pub status: Option<CandidateStatus>,
    /// `[west, south, east, north]`: candidates whose bbox meets it.
    pub bbox: Option<[f64; 4]>,
}

/// A review before the store has given it an id.
#[derive(Debug, Clone)]
pub struct NewReview {
    pub candidate_id: i64,
    pub candidate_version: i64,
    pub verdict: Verdict,
    /// The canonical JSON of the record (see [`crate::records::review`]); it names
    /// the SHA-256 of `answer`.
    pub body: String,
    /// The canonical JSON of the check's answer.
    pub answer: String,
    /// SHA-256 (hex) of `body`: the record's content hash.
    pub hash: String,
}

/// A stored review.
#[derive(Debug, Clone)]
pub struct ReviewRow {
    pub id: i64,
    pub candidate_id: i64,
    pub candidate_version: i64,
    pub verdict: Verdict,
    pub body: String,
    pub answer: String,
    pub hash: String,
}

/// A layer revision to record.
#[derive(Debug, Clone)]
pub struct NewLayerRevision {
    pub layer_id: String,
    /// Short revision (first 12 hex of the file's SHA-256), as answers name it.
    pub revision: String,
    /// Full SHA-256 (hex): the content address of the file.
    pub sha256: String,
    /// File extension, `geojson` or `fgb`.
    pub ext: String,
    /// The date from which the revision is in force, `YYYY-MM-DD`.
    pub effective: String,
    pub features: usize,
    /// The catalog entry when it was recorded.
    pub entry: LayerEntry,
    /// Record only if this file was never a revision of the layer (startup);
    /// otherwise publishing an earlier file again records it again, which
    /// brings it back into force (a rollback).
    pub once: bool,
}

/// A recorded layer revision.
#[derive(Debug, Clone, Serialize)]
pub struct LayerRevisionRecord {
    /// Order of recording, across all layers.
    pub seq: i64,
    pub layer_id: String,
    pub revision: String,
    pub sha256: String,
    pub ext: String,
    pub effective: String,
    pub published_at: String,
    pub published_by: String,
    pub features: usize,
    pub entry: LayerEntry,
}

/// A stored API token (only its hash is kept, and never shown).
#[derive(Debug, Clone, Serialize)]
pub struct TokenRecord {
    pub name: String,
    pub role: Role,
    pub created_at: String,
    /// RFC 3339 UTC; from this instant on the token is refused. `None`: never.
    pub expires_at: Option<String>,
    /// RFC 3339 UTC; once set, never unset.
    pub revoked_at: Option<String>,
    /// When the token was last used, to the minute (a use within a minute of
    /// the last recorded one is not written again, so that reads stay reads).
    pub last_used_at: Option<String>,
}

impl TokenRecord {
    /// Whether the token may be used at `now` (milliseconds since the epoch).
    pub fn state(&self, now: i64) -> TokenState {
        if self.revoked_at.is_some() {
            TokenState::Revoked
        } else if self
            .expires_at
            .as_deref()
            .and_then(parse_timestamp)
            .is_some_and(|at| at <= now)
        {
            TokenState::Expired
        } else {
            TokenState::Active
        }
    }
}

/// One line of the append-only audit log.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    /// `candidate.create`, `candidate.edit`, `review.create`, `layer.publish`,
    /// `token.create`, `token.revoke`.
    pub action: String,
    /// What the action was on, e.g. `candidate/3`, `layer/ecological_redline@3da275475f76`.
    pub subject: String,
    pub detail: Value,
}

/// The store interface. Methods are blocking; the API calls them off the executor.
pub trait Store: Send + Sync {
    /// Creates candidate and its version 1.
    fn create_candidate(
        &self,
        actor: &str,
        data: &VersionData,
    ) -> Result<CandidateRecord, StoreError>;
    /// Adds the next version of a candidate; earlier versions are untouched.
    fn add_version(
        &self,
        actor: &str,
        id: i64,
        data: &VersionData,
    ) -> Result<CandidateRecord, StoreError>;
    fn candidate(&self, id: i64) -> Result<Option<CandidateRecord>, StoreError>;
    fn versions(&self, id: i64) -> Result<Vec<Version>, StoreError>;
    fn version(&self, id: i64, version: i64) -> Result<Option<Version>, StoreError>;
    fn list_candidates(
        &self,
        query: &CandidateQuery,
    ) -> Result<(Vec<CandidateRecord>, usize), StoreError>;

    /// Stores a review and sets the candidate's status to its verdict, if
    /// the review is of the candidate's current version.
    fn insert_review(&self, actor: &str, review: &NewReview) -> Result<ReviewRow, StoreError>;
    fn review(&self, id: i64) -> Result<Option<ReviewRow>, StoreError>;
    /// Reviews, of one candidate or all, oldest first.
    fn reviews(&self, candidate: Option<i64>) -> Result<Vec<ReviewRow>, StoreError>;

    /// A local file holding the bytes whose SHA-256 is `sha256`.
    fn layer_file(&self, sha256: &str, ext: &str) -> PathBuf;
    /// Stores a layer file's bytes under their content address, durably,
    /// before its revision is recorded. Returns the file's path.
    fn put_layer_file(&self, sha256: &str, ext: &str, bytes: &[u8]) -> Result<PathBuf, StoreError>;
    /// Stores the layer file at `source` (whose SHA-256 is `sha256`) under its
    /// content address without a second copy of its bytes where the
    /// filesystem allows (a hard link), durably. Returns the stored path.
    fn keep_layer_file(
        &self,
        sha256: &str,
        ext: &str,
        source: &std::path::Path,
    ) -> Result<PathBuf, StoreError>;
    /// Records a revision of a layer; `None` when `once` and it was recorded before.
    fn record_layer_revision(
        &self,
        actor: &str,
        revision: &NewLayerRevision,
    ) -> Result<Option<LayerRevisionRecord>, StoreError>;
    /// Every revision of a layer, in the order they were recorded.
    fn layer_revisions(&self, layer_id: &str) -> Result<Vec<LayerRevisionRecord>, StoreError>;
    /// For each layer, the revision in force on `date` (`YYYY-MM-DD`): the
    /// latest effective on or before it, the later-recorded one on a tie.
    fn revisions_in_force(&self, date: &str) -> Result<Vec<LayerRevisionRecord>, StoreError>;

    /// Stores a new token's hash; `expires_at` is RFC 3339 UTC.
    fn create_token(
        &self,
        actor: &str,
        name: &str,
        role: Role,
        hash: &str,
        expires_at: Option<&str>,
    ) -> Result<TokenRecord, StoreError>;
    fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError>;
    /// Every token, revoked and expired ones too, in the order they were made.
    fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError>;
    /// Revokes a token by name, with its audit line; a token revoked before
    /// stays as it was (no second line). `None` if there is no such token.
    fn revoke_token(&self, actor: &str, name: &str) -> Result<Option<TokenRecord>, StoreError>;
    /// Records that the token was used at `at` (RFC 3339 UTC).
    fn token_used(&self, name: &str, at: &str) -> Result<(), StoreError>;

    /// The audit log, oldest first.
    fn audit(&self, limit: usize, offset: usize) -> Result<Vec<AuditEntry>, StoreError>;
}
