//! The text encodings coordinate files come in. Files made by Windows tools
//! are GBK/GB18030 more often than UTF-8, and Excel's "Unicode text" is
//! UTF-16 with a byte-order mark; decoding is left to `encoding_rs`, the
//! decoder Firefox uses, so that no hand-written table decides a character.

use std::borrow::Cow;

use encoding_rs::{DecoderResult, Encoding, GB18030, UTF_8, UTF_16BE, UTF_16LE};

/// A text file's bytes that are none of the encodings planmap reads.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "line {line}: byte 0x{byte:02X} is not text in UTF-8, GB18030/GBK or UTF-16 with a byte-order mark; save the file in one of these encodings"
)]
pub struct NotText {
    /// The line (from 1) of the first byte no encoding reads.
    pub line: usize,
    pub byte: u8,
}

/// A coordinate file decoded, and the encoding it was read in.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded<'a> {
    pub text: Cow<'a, str>,
    /// `UTF-8`, `UTF-8 BOM`, `GB18030`, `UTF-16LE` or `UTF-16BE`.
    pub encoding: &'static str,
}

/// Decodes a coordinate file: the byte-order mark decides when there is one;
/// otherwise UTF-8 when the bytes are UTF-8, else GB18030 (which contains
/// GBK and GB2312). A NUL byte is refused: it is UTF-16 without a mark, or
/// not text at all.
pub fn decode(bytes: &[u8]) -> Result<Decoded<'_>, NotText> {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        let name = match encoding.name() {
            "UTF-8" => "UTF-8 BOM",
            other => other_name(other),
        };
        let text = strict(encoding, &bytes[bom..]).map_err(|at| not_text(bytes, bom + at))?;
        return Ok(Decoded {
            text,
            encoding: name,
        });
    }
    if let Some(at) = bytes.iter().position(|b| *b == 0) {
        return Err(not_text(bytes, at));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(Decoded {
            text: Cow::Borrowed(text),
            encoding: "UTF-8",
        }),
        Err(utf8) => match strict(GB18030, bytes) {
            Ok(text) => Ok(Decoded {
                text,
                encoding: "GB18030",
            }),
            // The encoding that reads further is the one the file was meant in.
            Err(at) => Err(not_text(bytes, at.max(utf8.valid_up_to()))),
        },
    }
}

/// The first 64 kB decoded as [`decode`] would choose, replacing what does
/// not decode: enough to tell a format by its section names.
pub fn decode_prefix(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let encoding = match Encoding::for_bom(head) {
        Some((e, _)) => e,
        // A cut multi-byte character at the end is still UTF-8.
        // As in `decode`: the encoding that reads further.
        None => match std::str::from_utf8(head) {
            Err(e) if e.error_len().is_some() => match strict(GB18030, head) {
                Err(at) if at <= e.valid_up_to() => UTF_8,
                _ => GB18030,
            },
            _ => UTF_8,
        },
    };
    encoding.decode(head).0.into_owned()
}

fn other_name(name: &'static str) -> &'static str {
    match name {
        n if n == UTF_16LE.name() => "UTF-16LE",
        n if n == UTF_16BE.name() => "UTF-16BE",
        n => n,
    }
}

/// Decodes without replacement; `Err` is the offset of the first bad byte.
fn strict<'a>(encoding: &'static Encoding, bytes: &'a [u8]) -> Result<Cow<'a, str>, usize> {
    if encoding == UTF_8 {
        return std::str::from_utf8(bytes)
            .map(Cow::Borrowed)
            .map_err(|e| e.valid_up_to());
    }
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut text = String::with_capacity(
        decoder
            .max_utf8_buffer_length_without_replacement(bytes.len())
            .unwrap_or(bytes.len() * 3),
    );
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut text, true);
    match result {
        DecoderResult::InputEmpty => Ok(Cow::Owned(text)),
        DecoderResult::Malformed(bad, after) => Err(read - bad as usize - after as usize),
        // The buffer was sized for the worst case.
        DecoderResult::OutputFull => Err(read),
    }
}

fn not_text(bytes: &[u8], at: usize) -> NotText {
    let at = at.min(bytes.len().saturating_sub(1));
    NotText {
        line: bytes[..at].iter().filter(|b| **b == b'\n').count() + 1,
        byte: bytes.get(at).copied().unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_bytes_are_read_as_gb18030() {
        // "地块" in GBK.
        let d = decode(&[0xB5, 0xD8, 0xBF, 0xE9]).unwrap();
        assert_eq!((d.text.as_ref(), d.encoding), ("地块", "GB18030"));
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_read_in_either_byte_order() {
        let le = [0xFF, 0xFE, 0x30, 0x57, 0x57, 0x57];
        let be = [0xFE, 0xFF, 0x57, 0x30, 0x57, 0x57];
        assert_eq!(decode(&le).unwrap().text, "地块");
        assert_eq!(decode(&le).unwrap().encoding, "UTF-16LE");
        assert_eq!(decode(&be).unwrap().encoding, "UTF-16BE");
    }

    #[test]
    fn a_byte_no_encoding_reads_is_named_by_its_line() {
        let e = decode(b"1,2\n3,4\n5,\xFF6\n").unwrap_err();
        assert_eq!(
            e,
            NotText {
                line: 3,
                byte: 0xFF
            }
        );
        assert_eq!(decode(b"a\nb\0").unwrap_err().line, 2);
    }

    #[test]
    fn a_utf8_byte_order_mark_is_taken_off() {
        let d = decode("\u{feff}点".as_bytes()).unwrap();
        assert_eq!((d.text.as_ref(), d.encoding), ("点", "UTF-8 BOM"));
    }
}
