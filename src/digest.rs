//! Hex digests, written once: the SHA-256 that names layer files, tokens and
//! review records, and the short form revisions and tags are named by.

use sha2::{Digest, Sha256};

/// Bytes of a SHA-256 digest kept in a short name: 6 bytes, 12 hex digits,
/// short enough to read in a URL and long enough that two revisions of a
/// layer do not meet by chance.
const SHORT_BYTES: usize = 6;

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of bytes, in lower-case hex (64 digits).
pub fn sha256_hex(bytes: impl AsRef<[u8]>) -> String {
    hex(&Sha256::digest(bytes))
}

/// The SHA-256 of a file, in lower-case hex, read in pieces so a layer file
/// of gigabytes is not held in memory to be named.
pub fn sha256_file(path: &std::path::Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(hex(&hasher.finalize()));
        }
        hasher.update(&buf[..n]);
    }
}

/// The short name of a SHA-256 digest: its first 6 bytes in hex.
pub fn short(digest: &[u8]) -> String {
    hex(&digest[..SHORT_BYTES])
}

/// The short name of the SHA-256 of bytes.
pub fn short_sha256(bytes: impl AsRef<[u8]>) -> String {
    short(&Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_is_lower_case_hex_and_its_short_name_is_its_first_twelve_digits() {
        // SHA-256 of the empty string.
        let full = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(sha256_hex(b""), full);
        assert_eq!(short_sha256(""), full[..12]);
        assert_eq!(hex(&[0x00, 0x0f, 0xab]), "000fab");
    }
}
