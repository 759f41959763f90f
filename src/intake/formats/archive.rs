//! Zip archives as they come from outside — .xlsx workbooks and zipped
//! Shapefiles — opened within bounds before anything is decompressed:
//!
//! 1. the central directory is read (by the `zip` crate) and the number of
//!    members and their declared uncompressed sizes are summed and checked;
//! 2. each member is then read no further than its declared size (the `zip`
//!    crate stops a member that inflates beyond it, and planmap reads at
//!    most one byte more to see it), so a member whose header lies about
//!    its size is refused too rather than inflated into memory.
//!
//! A zip bomb (a few kilobytes of deflated zeros declaring gigabytes) is
//! refused at step 1 naming the limit; one that declares small sizes and
//! inflates to more is refused at step 2.

use std::io::{Cursor, Read};

use zip::ZipArchive;

use super::FormatError;

/// The most an archive may hold once decompressed, all members together.
pub const MAX_UNCOMPRESSED_BYTES: u64 = 64 * 1024 * 1024;

/// The most members an archive may have (a workbook has a dozen or so, a
/// Shapefile four to six).
pub const MAX_MEMBERS: usize = 1000;

/// A zip archive whose declared sizes are within the limits.
pub struct Archive<'a> {
    zip: ZipArchive<Cursor<&'a [u8]>>,
}

/// Whether the bytes start like a zip archive (a local file header).
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

impl<'a> Archive<'a> {
    /// Opens an archive and checks its members' count and declared sizes;
    /// `what` names what the bytes should have been, for the refusal.
    pub fn open(bytes: &'a [u8], what: &'static str) -> Result<Archive<'a>, FormatError> {
        let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(|e| FormatError::Unreadable {
            what,
            reason: format!("not a zip archive: {e}"),
        })?;
        if zip.len() > MAX_MEMBERS {
            return Err(FormatError::ArchiveLimit {
                reason: format!("has {} members", zip.len()),
                limit: MAX_MEMBERS as u64,
                unit: "members",
            });
        }
        let mut total: u64 = 0;
        for i in 0..zip.len() {
            let member = zip.by_index_raw(i).map_err(|e| FormatError::Unreadable {
                what,
                reason: format!("member {i} cannot be read: {e}"),
            })?;
            total = total.saturating_add(member.size());
        }
        if total > MAX_UNCOMPRESSED_BYTES {
            return Err(FormatError::ArchiveLimit {
                reason: format!("declares {total} bytes uncompressed"),
                limit: MAX_UNCOMPRESSED_BYTES,
                unit: "bytes",
            });
        }
        Ok(Archive { zip })
    }

    /// The members' names, in the archive's order (folders left out).
    pub fn names(&self) -> Vec<String> {
        self.zip
            .file_names()
            .filter_map(Result::ok)
            .filter(|n| !n.ends_with('/'))
            .map(|n| n.into_owned())
            .collect()
    }

    /// A member's bytes, read no further than its declared size.
    pub fn read(&mut self, name: &str, what: &'static str) -> Result<Vec<u8>, FormatError> {
        let unreadable = |e: &dyn std::fmt::Display| FormatError::Unreadable {
            what,
            reason: format!("{name} cannot be read: {e}"),
        };
        let member = self.zip.by_name(name).map_err(|e| unreadable(&e))?;
        let declared = member.size();
        let mut bytes = Vec::with_capacity(declared.min(MAX_UNCOMPRESSED_BYTES) as usize);
        member
            .take(declared.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| unreadable(&e))?;
        if bytes.len() as u64 > declared {
            return Err(FormatError::ArchiveLimit {
                reason: format!(
                    "member {name} inflates to more than the {declared} bytes it declares"
                ),
                limit: declared,
                unit: "bytes",
            });
        }
        Ok(bytes)
    }

    /// Inflates every member once, to nowhere, to check that none inflates
    /// beyond its declared size before another reader (calamine) is given
    /// the archive.
    pub fn check_sizes(&mut self, what: &'static str) -> Result<(), FormatError> {
        for i in 0..self.zip.len() {
            let member = self.zip.by_index(i).map_err(|e| FormatError::Unreadable {
                what,
                reason: format!("member {i} cannot be read: {e}"),
            })?;
            let name = member.name().map(|n| n.into_owned()).unwrap_or_default();
            let declared = member.size();
            let read = std::io::copy(
                &mut member.take(declared.saturating_add(1)),
                &mut std::io::sink(),
            )
            .map_err(|e| FormatError::Unreadable {
                what,
                reason: format!("{name} cannot be read: {e}"),
            })?;
            if read > declared {
                return Err(FormatError::ArchiveLimit {
                    reason: format!(
                        "member {name} inflates to more than the {declared} bytes it declares"
                    ),
                    limit: declared,
                    unit: "bytes",
                });
            }
        }
        Ok(())
    }
}
