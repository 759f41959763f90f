//! The embedded store: SQLite in `DATA/planmap.sqlite`, layer files under
//! `DATA/layers/<sha256>.<ext>`.
//!
//! Durability: WAL journal with `synchronous=FULL`, so a transaction is on
//! disk when `COMMIT` returns; a layer file is written to a temporary name,
//! fsynced, renamed and its directory fsynced before the revision that names
//! it is committed. A crash leaves at worst an unreferenced layer file.
//!
//! Kinds, verdicts and statuses are text in their columns and enums
//! everywhere else: they are named when written and parsed when read here,
//! and a name this store never writes is a record that cannot be read.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use serde_json::{Value, json};

use super::{
    AuditEntry, CandidateQuery, CandidateRecord, CandidateStatus, LayerRevisionRecord,
    NewLayerRevision, NewReview, ReviewRow, Store, StoreError, TokenRecord, Version, VersionData,
};
use crate::engine::report::Verdict;
use crate::records::access::Role;
use crate::time::now;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS candidates (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    status          TEXT NOT NULL,
    current_version INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    west REAL NOT NULL, south REAL NOT NULL, east REAL NOT NULL, north REAL NOT NULL,
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS candidate_versions (
    candidate_id INTEGER NOT NULL REFERENCES candidates(id),
    version      INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    data         TEXT NOT NULL,
    PRIMARY KEY (candidate_id, version)
);
CREATE TABLE IF NOT EXISTS reviews (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    candidate_id      INTEGER NOT NULL REFERENCES candidates(id),
    candidate_version INTEGER NOT NULL,
    verdict           TEXT NOT NULL,
    body              TEXT NOT NULL,
    answer            TEXT NOT NULL,
    hash              TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS layer_revisions (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    layer_id     TEXT NOT NULL,
    revision     TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    ext          TEXT NOT NULL,
    effective    TEXT NOT NULL,
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL,
    features     INTEGER NOT NULL,
    entry        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS layer_revisions_by_content ON layer_revisions (layer_id, sha256);
CREATE TABLE IF NOT EXISTS tokens (
    name       TEXT PRIMARY KEY,
    role       TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail  TEXT NOT NULL
);
-- Versions, reviews, revisions and the audit log are never changed once written.
CREATE TRIGGER IF NOT EXISTS versions_immutable BEFORE UPDATE ON candidate_versions
    BEGIN SELECT RAISE(ABORT, 'candidate versions are immutable'); END;
CREATE TRIGGER IF NOT EXISTS reviews_immutable BEFORE UPDATE ON reviews
    BEGIN SELECT RAISE(ABORT, 'reviews are immutable'); END;
CREATE TRIGGER IF NOT EXISTS reviews_kept BEFORE DELETE ON reviews
    BEGIN SELECT RAISE(ABORT, 'reviews are never deleted'); END;
CREATE TRIGGER IF NOT EXISTS revisions_immutable BEFORE UPDATE ON layer_revisions
    BEGIN SELECT RAISE(ABORT, 'layer revisions are immutable'); END;
CREATE TRIGGER IF NOT EXISTS audit_append_only BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_kept BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
";

/// Each step takes the schema from version `i` to `i + 1` (SQLite's
/// `user_version`); `SCHEMA` above is version 0. A store opened by an older
/// planmap is brought up to date; one written by a newer planmap is refused
/// rather than misread.
const MIGRATIONS: &[&str] = &[
    // 1: tokens expire, are revoked and say when they were last used. A
    // token's name, role, hash, creation and expiry never change, a revoked
    // token stays revoked, and no token row is deleted (the audit log names
    // them).
    "
ALTER TABLE tokens ADD COLUMN expires_at TEXT;
ALTER TABLE tokens ADD COLUMN revoked_at TEXT;
ALTER TABLE tokens ADD COLUMN last_used_at TEXT;
CREATE TRIGGER tokens_fixed BEFORE UPDATE OF name, role, hash, created_at, expires_at ON tokens
    BEGIN SELECT RAISE(ABORT, 'a token''s name, role, hash and expiry never change'); END;
CREATE TRIGGER tokens_stay_revoked BEFORE UPDATE OF revoked_at ON tokens
    WHEN OLD.revoked_at IS NOT NULL
    BEGIN SELECT RAISE(ABORT, 'a revoked token stays revoked'); END;
CREATE TRIGGER tokens_kept BEFORE DELETE ON tokens
    BEGIN SELECT RAISE(ABORT, 'tokens are revoked, never deleted'); END;
",
];

/// Brings the schema to the last of [`MIGRATIONS`], one transaction a step.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let known = MIGRATIONS.len() as i64;
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
        // Read inside the lock: two servers starting on one directory must
        // not both run the same step.
        let found: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if found > known {
            return Err(StoreError::NewerSchema { found, known });
        }
        if found == known {
            return Ok(());
        }
        tx.execute_batch(MIGRATIONS[found as usize])?;
        tx.pragma_update(None, "user_version", found + 1)?;
        tx.commit()?;
    }
}

/// The SQLite store of one data directory.
pub struct SqliteStore {
    dir: PathBuf,
    conn: Mutex<Connection>,
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `dir`.
    pub fn open(dir: &Path) -> Result<SqliteStore, StoreError> {
        std::fs::create_dir_all(dir.join("layers"))?;
        let mut conn = Connection::open(dir.join("planmap.sqlite"))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.execute_batch(SCHEMA)?;
        migrate(&mut conn)?;
        Ok(SqliteStore {
            dir: dir.to_path_buf(),
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves no open transaction behind
        // (rusqlite rolls back on drop), so the connection is still usable.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` in one IMMEDIATE transaction and commits.
    fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }
}

const TOKEN_COLUMNS: &str =
    "SELECT name, role, created_at, expires_at, revoked_at, last_used_at FROM tokens";

type TokenRow = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn token_row(r: &Row) -> rusqlite::Result<TokenRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn token_from_row(
    (name, role, created_at, expires_at, revoked_at, last_used_at): TokenRow,
) -> Result<TokenRecord, StoreError> {
    Ok(TokenRecord {
        name,
        role: named("role", &role, Role::parse)?,
        created_at,
        expires_at,
        revoked_at,
        last_used_at,
    })
}

fn audit(
    tx: &rusqlite::Transaction,
    actor: &str,
    action: &str,
    subject: &str,
    detail: Value,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO audit (at, actor, action, subject, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![now(), actor, action, subject, detail.to_string()],
    )?;
    Ok(())
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// The value a text column names, or why the record cannot be read.
fn named<T>(column: &str, text: &str, parse: fn(&str) -> Option<T>) -> Result<T, StoreError> {
    parse(text).ok_or_else(|| corrupt(format!("{column} {text}")))
}

fn version_from_row(row: &Row) -> rusqlite::Result<(i64, i64, String, String, String)> {
    row.try_into()
}

fn version_of(raw: (i64, i64, String, String, String)) -> Result<Version, StoreError> {
    let (candidate_id, version, created_at, created_by, data) = raw;
    Ok(Version {
        candidate_id,
        version,
        created_at,
        created_by,
        data: serde_json::from_str(&data).map_err(corrupt)?,
    })
}

const VERSION_COLUMNS: &str = "candidate_id, version, created_at, created_by, data";

fn load_version(conn: &Connection, id: i64, version: i64) -> Result<Option<Version>, StoreError> {
    conn.query_row(
        &format!(
            "SELECT {VERSION_COLUMNS} FROM candidate_versions WHERE candidate_id = ?1 AND version = ?2"
        ),
        params![id, version],
        version_from_row,
    )
    .optional()?
    .map(version_of)
    .transpose()
}

fn load_candidate(conn: &Connection, id: i64) -> Result<Option<CandidateRecord>, StoreError> {
    let header = conn
        .query_row(
            "SELECT status, current_version, created_at, created_by FROM candidates WHERE id = ?1",
            params![id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            },
        )
        .optional()?;
    let Some((status, current, created_at, created_by)) = header else {
        return Ok(None);
    };
    let current =
        load_version(conn, id, current)?.ok_or_else(|| corrupt(format!("candidate {id}")))?;
    Ok(Some(CandidateRecord {
        id,
        status: named("status", &status, CandidateStatus::parse)?,
        created_at,
        created_by,
        current,
    }))
}

fn insert_version(
    tx: &rusqlite::Transaction,
    actor: &str,
    id: i64,
    version: i64,
    data: &VersionData,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO candidate_versions (candidate_id, version, created_at, created_by, data)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            id,
            version,
            now(),
            actor,
            serde_json::to_string(data).map_err(corrupt)?
        ],
    )?;
    let [west, south, east, north] = data.bbox;
    tx.execute(
        "UPDATE candidates SET current_version = ?2, status = 'submitted', kind = ?3,
             west = ?4, south = ?5, east = ?6, north = ?7 WHERE id = ?1",
        params![id, version, data.kind.as_str(), west, south, east, north],
    )?;
    Ok(())
}

/// A review's columns, its verdict still text.
type ReviewColumns = (i64, i64, i64, String, String, String, String);

fn review_from_row(row: &Row) -> rusqlite::Result<ReviewColumns> {
    row.try_into()
}

fn review_of(columns: ReviewColumns) -> Result<ReviewRow, StoreError> {
    let (id, candidate_id, candidate_version, verdict, body, answer, hash) = columns;
    Ok(ReviewRow {
        id,
        candidate_id,
        candidate_version,
        verdict: named("verdict", &verdict, Verdict::parse)?,
        body,
        answer,
        hash,
    })
}

const REVIEW_COLUMNS: &str = "id, candidate_id, candidate_version, verdict, body, answer, hash";

fn revision_from_row(row: &Row) -> rusqlite::Result<LayerRevisionRecord> {
    let entry: String = row.get(9)?;
    Ok(LayerRevisionRecord {
        seq: row.get(0)?,
        layer_id: row.get(1)?,
        revision: row.get(2)?,
        sha256: row.get(3)?,
        ext: row.get(4)?,
        effective: row.get(5)?,
        published_at: row.get(6)?,
        published_by: row.get(7)?,
        features: row.get::<_, i64>(8)? as usize,
        entry: serde_json::from_str(&entry).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(9, rusqlite::types::Type::Text, Box::new(e))
        })?,
    })
}

const REVISION_COLUMNS: &str =
    "seq, layer_id, revision, sha256, ext, effective, published_at, published_by, features, entry";

fn write_durably(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().expect("a layer file lives in a directory");
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("layer"),
        std::process::id()
    ));
    {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    std::fs::File::open(dir)?.sync_all()
}

/// Files from this size on are kept as hard links rather than copied: 1 MiB.
/// A smaller file costs nothing to copy, and a copy leaves the catalog file
/// as it was (writable, unshared).
pub const LINK_FROM_BYTES: u64 = 1024 * 1024;

/// Keeps the file at `source` as `path` without a second copy when it is
/// large and can be: a hard link (same filesystem), else a durable copy.
fn link_durably(source: &Path, path: &Path) -> std::io::Result<()> {
    let dir = path.parent().expect("a layer file lives in a directory");
    let tmp = dir.join(format!(
        ".{}.{}.link",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("layer"),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&tmp);
    let large = std::fs::metadata(source)?.len() >= LINK_FROM_BYTES;
    if large && std::fs::hard_link(source, &tmp).is_ok() {
        // The catalog file and the stored revision are now one file: made
        // read-only, an in-place overwrite (`cp` onto it) is refused rather
        // than changing the revision's bytes; replacing it (`mv`, git,
        // planmap-seed) leaves them alone.
        let mut permissions = std::fs::metadata(&tmp)?.permissions();
        permissions.set_readonly(true);
        std::fs::set_permissions(&tmp, permissions)?;
    } else {
        std::fs::copy(source, &tmp)?;
        std::fs::File::open(&tmp)?.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    std::fs::File::open(dir)?.sync_all()
}

impl Store for SqliteStore {
    fn create_candidate(
        &self,
        actor: &str,
        data: &VersionData,
    ) -> Result<CandidateRecord, StoreError> {
        let id = self.write(|tx| {
            let [west, south, east, north] = data.bbox;
            tx.execute(
                "INSERT INTO candidates (status, current_version, kind, west, south, east, north, created_at, created_by)
                 VALUES ('submitted', 1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![data.kind.as_str(), west, south, east, north, now(), actor],
            )?;
            let id = tx.last_insert_rowid();
            insert_version(tx, actor, id, 1, data)?;
            audit(
                tx,
                actor,
                "candidate.create",
                &format!("candidate/{id}"),
                json!({ "version": 1, "name": data.name, "kind": data.kind }),
            )?;
            Ok(id)
        })?;
        self.candidate(id)?
            .ok_or_else(|| corrupt(format!("candidate {id} vanished")))
    }

    fn add_version(
        &self,
        actor: &str,
        id: i64,
        data: &VersionData,
    ) -> Result<CandidateRecord, StoreError> {
        self.write(|tx| {
            let current: Option<i64> = tx
                .query_row(
                    "SELECT current_version FROM candidates WHERE id = ?1",
                    params![id],
                    |r| r.get(0),
                )
                .optional()?;
            let next = current.ok_or(StoreError::NoCandidate(id))? + 1;
            insert_version(tx, actor, id, next, data)?;
            audit(
                tx,
                actor,
                "candidate.edit",
                &format!("candidate/{id}"),
                json!({ "version": next, "name": data.name, "kind": data.kind }),
            )
        })?;
        self.candidate(id)?.ok_or(StoreError::NoCandidate(id))
    }

    fn candidate(&self, id: i64) -> Result<Option<CandidateRecord>, StoreError> {
        load_candidate(&self.conn(), id)
    }

    fn versions(&self, id: i64) -> Result<Vec<Version>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {VERSION_COLUMNS} FROM candidate_versions WHERE candidate_id = ?1 ORDER BY version"
        ))?;
        let rows = stmt
            .query_map(params![id], version_from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(version_of).collect()
    }

    fn version(&self, id: i64, version: i64) -> Result<Option<Version>, StoreError> {
        load_version(&self.conn(), id, version)
    }

    fn list_candidates(
        &self,
        query: &CandidateQuery,
    ) -> Result<(Vec<CandidateRecord>, usize), StoreError> {
        let conn = self.conn();
        let mut filter = String::from("WHERE 1 = 1");
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(kind) = query.kind {
            args.push(kind.as_str().to_string().into());
            filter += &format!(" AND kind = ?{}", args.len());
        }
        if let Some(status) = query.status {
            args.push(status.as_str().to_string().into());
            filter += &format!(" AND status = ?{}", args.len());
        }
        if let Some([west, south, east, north]) = query.bbox {
            for v in [east, west, north, south] {
                args.push(v.into());
            }
            let n = args.len();
            filter += &format!(
                " AND west <= ?{} AND east >= ?{} AND south <= ?{} AND north >= ?{}",
                n - 3,
                n - 2,
                n - 1,
                n
            );
        }
        let total: i64 = conn.query_row(
            &format!("SELECT COUNT(*) FROM candidates {filter}"),
            rusqlite::params_from_iter(args.iter()),
            |r| r.get(0),
        )?;
        args.push((query.limit as i64).into());
        args.push((query.offset as i64).into());
        let n = args.len();
        let ids = conn
            .prepare(&format!(
                "SELECT id FROM candidates {filter} ORDER BY id LIMIT ?{} OFFSET ?{n}",
                n - 1
            ))?
            .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                r.get::<_, i64>(0)
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let records = ids
            .into_iter()
            .filter_map(|id| load_candidate(&conn, id).transpose())
            .collect::<Result<Vec<_>, _>>()?;
        Ok((records, total as usize))
    }

    fn insert_review(&self, actor: &str, review: &NewReview) -> Result<ReviewRow, StoreError> {
        let id = self.write(|tx| {
            tx.execute(
                "INSERT INTO reviews (candidate_id, candidate_version, verdict, body, answer, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    review.candidate_id,
                    review.candidate_version,
                    review.verdict.as_str(),
                    review.body,
                    review.answer,
                    review.hash
                ],
            )?;
            let id = tx.last_insert_rowid();
            tx.execute(
                "UPDATE candidates SET status = ?3 WHERE id = ?1 AND current_version = ?2",
                params![
                    review.candidate_id,
                    review.candidate_version,
                    review.verdict.as_str()
                ],
            )?;
            audit(
                tx,
                actor,
                "review.create",
                &format!("review/{id}"),
                json!({
                    "candidate": review.candidate_id,
                    "version": review.candidate_version,
                    "verdict": review.verdict,
                    "hash": review.hash,
                }),
            )?;
            Ok(id)
        })?;
        self.review(id)?
            .ok_or_else(|| corrupt(format!("review {id} vanished")))
    }

    fn review(&self, id: i64) -> Result<Option<ReviewRow>, StoreError> {
        self.conn()
            .query_row(
                &format!("SELECT {REVIEW_COLUMNS} FROM reviews WHERE id = ?1"),
                params![id],
                review_from_row,
            )
            .optional()?
            .map(review_of)
            .transpose()
    }

    fn reviews(&self, candidate: Option<i64>) -> Result<Vec<ReviewRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {REVIEW_COLUMNS} FROM reviews WHERE ?1 IS NULL OR candidate_id = ?1 ORDER BY id"
        ))?;
        let rows = stmt
            .query_map(params![candidate], review_from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(review_of).collect()
    }

    fn layer_file(&self, sha256: &str, ext: &str) -> PathBuf {
        self.dir.join("layers").join(format!("{sha256}.{ext}"))
    }

    fn put_layer_file(&self, sha256: &str, ext: &str, bytes: &[u8]) -> Result<PathBuf, StoreError> {
        let path = self.layer_file(sha256, ext);
        let present = std::fs::metadata(&path).is_ok_and(|m| m.len() == bytes.len() as u64);
        if !present {
            write_durably(&path, bytes)?;
        }
        Ok(path)
    }

    fn keep_layer_file(
        &self,
        sha256: &str,
        ext: &str,
        source: &Path,
    ) -> Result<PathBuf, StoreError> {
        let path = self.layer_file(sha256, ext);
        let len = std::fs::metadata(source)?.len();
        let present = std::fs::metadata(&path).is_ok_and(|m| m.len() == len);
        if !present {
            link_durably(source, &path)?;
        }
        Ok(path)
    }

    fn record_layer_revision(
        &self,
        actor: &str,
        revision: &NewLayerRevision,
    ) -> Result<Option<LayerRevisionRecord>, StoreError> {
        let seq = self.write(|tx| {
            let known: Option<i64> = tx
                .query_row(
                    "SELECT seq FROM layer_revisions WHERE layer_id = ?1 AND sha256 = ?2",
                    params![revision.layer_id, revision.sha256],
                    |r| r.get(0),
                )
                .optional()?;
            if known.is_some() && revision.once {
                return Ok(None);
            }
            tx.execute(
                "INSERT INTO layer_revisions (layer_id, revision, sha256, ext, effective, published_at, published_by, features, entry)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    revision.layer_id,
                    revision.revision,
                    revision.sha256,
                    revision.ext,
                    revision.effective,
                    now(),
                    actor,
                    revision.features as i64,
                    serde_json::to_string(&revision.entry).map_err(corrupt)?,
                ],
            )?;
            let seq = tx.last_insert_rowid();
            audit(
                tx,
                actor,
                "layer.publish",
                &format!("layer/{}@{}", revision.layer_id, revision.revision),
                json!({
                    "effective": revision.effective,
                    "sha256": revision.sha256,
                    "features": revision.features,
                }),
            )?;
            Ok(Some(seq))
        })?;
        let Some(seq) = seq else { return Ok(None) };
        let conn = self.conn();
        Ok(Some(conn.query_row(
            &format!("SELECT {REVISION_COLUMNS} FROM layer_revisions WHERE seq = ?1"),
            params![seq],
            revision_from_row,
        )?))
    }

    fn layer_revisions(&self, layer_id: &str) -> Result<Vec<LayerRevisionRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {REVISION_COLUMNS} FROM layer_revisions WHERE layer_id = ?1 ORDER BY seq"
        ))?;
        Ok(stmt
            .query_map(params![layer_id], revision_from_row)?
            .collect::<Result<Vec<_>, _>>()?)
    }

    fn revisions_in_force(&self, date: &str) -> Result<Vec<LayerRevisionRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {REVISION_COLUMNS} FROM layer_revisions r
             WHERE effective <= ?1 AND NOT EXISTS (
                 SELECT 1 FROM layer_revisions later
                 WHERE later.layer_id = r.layer_id AND later.effective <= ?1
                   AND (later.effective > r.effective
                        OR (later.effective = r.effective AND later.seq > r.seq)))
             ORDER BY layer_id"
        ))?;
        Ok(stmt
            .query_map(params![date], revision_from_row)?
            .collect::<Result<Vec<_>, _>>()?)
    }

    fn create_token(
        &self,
        actor: &str,
        name: &str,
        role: Role,
        hash: &str,
        expires_at: Option<&str>,
    ) -> Result<TokenRecord, StoreError> {
        let created_at = now();
        self.write(|tx| {
            let taken: Option<String> = tx
                .query_row(
                    "SELECT name FROM tokens WHERE name = ?1",
                    params![name],
                    |r| r.get(0),
                )
                .optional()?;
            if taken.is_some() {
                return Err(StoreError::DuplicateToken(name.to_string()));
            }
            tx.execute(
                "INSERT INTO tokens (name, role, hash, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![name, role.as_str(), hash, created_at, expires_at],
            )?;
            audit(
                tx,
                actor,
                "token.create",
                &format!("token/{name}"),
                json!({ "role": role.as_str(), "expires_at": expires_at }),
            )
        })?;
        Ok(TokenRecord {
            name: name.to_string(),
            role,
            created_at,
            expires_at: expires_at.map(str::to_string),
            revoked_at: None,
            last_used_at: None,
        })
    }

    fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!("{TOKEN_COLUMNS} WHERE hash = ?1"))?;
        let row = stmt.query_row(params![hash], token_row).optional()?;
        row.map(token_from_row).transpose()
    }

    fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("{TOKEN_COLUMNS} ORDER BY rowid"))?;
        let rows = stmt
            .query_map([], token_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(token_from_row).collect()
    }

    fn revoke_token(&self, actor: &str, name: &str) -> Result<Option<TokenRecord>, StoreError> {
        let at = now();
        self.write(|tx| {
            let found = tx
                .query_row(
                    &format!("{TOKEN_COLUMNS} WHERE name = ?1"),
                    params![name],
                    token_row,
                )
                .optional()?;
            let Some(found) = found else {
                return Ok(None);
            };
            let mut token = token_from_row(found)?;
            if token.revoked_at.is_none() {
                tx.execute(
                    "UPDATE tokens SET revoked_at = ?2 WHERE name = ?1",
                    params![name, at],
                )?;
                audit(
                    tx,
                    actor,
                    "token.revoke",
                    &format!("token/{name}"),
                    json!({ "role": token.role.as_str() }),
                )?;
                token.revoked_at = Some(at);
            }
            Ok(Some(token))
        })
    }

    fn token_used(&self, name: &str, at: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE tokens SET last_used_at = ?2 WHERE name = ?1",
            params![name, at],
        )?;
        Ok(())
    }

    fn audit(&self, limit: usize, offset: usize) -> Result<Vec<AuditEntry>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT seq, at, actor, action, subject, detail FROM audit ORDER BY seq LIMIT ?1 OFFSET ?2",
        )?;
        let rows = stmt
            .query_map(params![limit as i64, offset as i64], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(seq, at, actor, action, subject, detail)| {
                Ok(AuditEntry {
                    seq,
                    at,
                    actor,
                    action,
                    subject,
                    detail: serde_json::from_str(&detail).map_err(corrupt)?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rules::CandidateKind;
    use crate::intake::submission::InputFormat;
    use crate::records::store::Source;

    fn store(name: &str) -> SqliteStore {
        let dir = std::env::temp_dir().join(format!(
            "planmap-sqlite-{name}-{}-{}",
            std::process::id(),
            now().replace(':', "-")
        ));
        SqliteStore::open(&dir).unwrap()
    }

    fn data(kind: CandidateKind) -> VersionData {
        VersionData {
            name: "KQ001".into(),
            kind,
            mineral: None,
            applicant: None,
            notes: None,
            source: Source {
                format: InputFormat::Txt,
                crs: None,
                zone: None,
                text: "[地块坐标]".into(),
            },
            geometry: Value::Null,
            bbox: [112.0, 36.0, 112.1, 36.1],
            area_m2: 1.0,
        }
    }

    fn review(candidate_id: i64, verdict: Verdict) -> NewReview {
        NewReview {
            candidate_id,
            candidate_version: 1,
            verdict,
            body: "{}".into(),
            answer: "{}".into(),
            hash: "0".into(),
        }
    }

    /// Version 2 of a candidate, read back after it was stored as the text
    /// of version 1 changed by `change`, as a store written by another
    /// program (or damaged) might hold it.
    fn version_stored_as(
        name: &str,
        change: impl FnOnce(&mut Value),
    ) -> Result<Version, StoreError> {
        let store = store(name);
        let c = store
            .create_candidate("test", &data(CandidateKind::MiningBlock))
            .unwrap();
        let mut text = serde_json::to_value(&c.current.data).unwrap();
        change(&mut text);
        store
            .conn()
            .execute(
                "INSERT INTO candidate_versions (candidate_id, version, created_at, created_by, data)
                 VALUES (?1, 2, '2026-01-01T00:00:00Z', 'test', ?2)",
                params![c.id, text.to_string()],
            )
            .unwrap();
        Ok(store.version(c.id, 2)?.expect("version 2 was stored"))
    }

    #[test]
    fn kinds_verdicts_and_statuses_come_back_as_they_were_stored() {
        let store = store("round-trip");
        let c = store
            .create_candidate("test", &data(CandidateKind::MiningRight))
            .unwrap();
        assert_eq!(c.status, CandidateStatus::Submitted);
        assert_eq!(c.current.data, data(CandidateKind::MiningRight));
        let row = store
            .insert_review("test", &review(c.id, Verdict::Warn))
            .unwrap();
        assert_eq!(row.verdict, Verdict::Warn);
        let query = |kind, status| CandidateQuery {
            limit: 10,
            kind: Some(kind),
            status: Some(status),
            ..CandidateQuery::default()
        };
        let warned = CandidateStatus::Reviewed(Verdict::Warn);
        let (found, total) = store
            .list_candidates(&query(CandidateKind::MiningRight, warned))
            .unwrap();
        assert_eq!((found[0].status, total), (warned, 1));
        let (_, total) = store
            .list_candidates(&query(CandidateKind::MiningBlock, warned))
            .unwrap();
        assert_eq!(total, 0);
    }

    #[test]
    fn a_stored_format_the_store_does_not_know_is_refused_not_read_as_geojson() {
        let read = version_stored_as("format", |v| v["source"]["format"] = "kml".into());
        assert!(matches!(read, Err(StoreError::Corrupt(m)) if m.contains("kml")));
    }

    // Versions were once stored with the kind exactly as it was submitted.
    #[test]
    fn a_kind_stored_in_another_spelling_reads_as_its_kind() {
        let read = version_stored_as("kind", |v| v["kind"] = "勘查规划区块".into());
        assert_eq!(read.unwrap().data.kind, CandidateKind::ExplorationBlock);
    }

    #[test]
    fn a_verdict_or_status_the_store_never_writes_is_a_record_that_cannot_be_read() {
        let store = store("verdict");
        let c = store
            .create_candidate("test", &data(CandidateKind::MiningBlock))
            .unwrap();
        let conn = store.conn();
        conn.execute(
            "INSERT INTO reviews (candidate_id, candidate_version, verdict, body, answer, hash)
             VALUES (?1, 1, 'maybe', '{}', '{}', '0')",
            params![c.id],
        )
        .unwrap();
        let review = conn.last_insert_rowid();
        conn.execute(
            "UPDATE candidates SET status = 'pending' WHERE id = ?1",
            params![c.id],
        )
        .unwrap();
        drop(conn);
        assert!(
            matches!(store.review(review), Err(StoreError::Corrupt(m)) if m == "verdict maybe")
        );
        assert!(matches!(
            store.reviews(Some(c.id)),
            Err(StoreError::Corrupt(_))
        ));
        assert!(
            matches!(store.candidate(c.id), Err(StoreError::Corrupt(m)) if m == "status pending")
        );
    }
}
