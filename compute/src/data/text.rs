//! The user's own text: checks on its bytes (empty, binary, not UTF-8, too large), read in chunks, and the split.

use super::DataError;

/// Largest text accepted: 256 MiB. Tokens are held as u32, four bytes per byte-level token, and a tab's wasm memory
/// stops at 4 GiB, so a bigger file would not fit beside its tokens; tiny models gain nothing from more anyway.
pub const MAX_TEXT_BYTES: usize = 256 << 20;

/// One validation chunk in this many: the split sends chunk 9, 19, 29, ... to validation.
pub const VALIDATION_EVERY: usize = 10;

/// Text as it arrived: UTF-8, or raw bytes when it is not (then only the byte tokenizer applies).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Text {
    Utf8(String),
    Bytes(Vec<u8>),
}

impl Text {
    pub fn len(&self) -> usize {
        match self {
            Text::Utf8(s) => s.len(),
            Text::Bytes(b) => b.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Text::Utf8(s) => s.as_bytes(),
            Text::Bytes(b) => b,
        }
    }
}

/// Text that passed the checks, with anything the user should be told.
#[derive(Clone, Debug)]
pub struct CheckedText {
    pub text: Text,
    pub warnings: Vec<String>,
}

/// Refuses a file by its size before reading it (the page knows `File.size` up front).
pub fn check_size(len: u64) -> Result<(), DataError> {
    check_size_against(len, MAX_TEXT_BYTES)
}

fn check_size_against(len: u64, limit: usize) -> Result<(), DataError> {
    if len > limit as u64 {
        return Err(DataError::Input(format!(
            "the file is {}, over the limit of {}; use a part of it",
            human_bytes(len),
            human_bytes(limit as u64)
        )));
    }
    Ok(())
}

/// Checks a whole file at once; see [`TextAccumulator`] for what is checked.
pub fn check_bytes(bytes: &[u8]) -> Result<CheckedText, DataError> {
    let mut acc = TextAccumulator::new();
    acc.push(bytes)?;
    acc.finish()
}

/// Collects a file read in chunks, checking UTF-8 across chunk boundaries and counting control bytes as it goes.
///
/// [`finish`](Self::finish) refuses empty or whitespace-only text and text that looks binary (a NUL byte, or more
/// than 1% control bytes other than tab, newline, carriage return and form feed), and accepts text that is not UTF-8
/// as raw bytes with a warning. [`push`](Self::push) refuses as soon as the size passes the limit.
#[derive(Clone, Debug)]
pub struct TextAccumulator {
    bytes: Vec<u8>,
    limit: usize,
    /// Bytes before this offset are known to be valid UTF-8.
    valid_up_to: usize,
    /// Offset of the first byte that cannot start or continue valid UTF-8.
    invalid_at: Option<usize>,
    nul: usize,
    control: usize,
}

impl Default for TextAccumulator {
    fn default() -> Self {
        Self::new()
    }
}

impl TextAccumulator {
    pub fn new() -> Self {
        Self::with_limit(MAX_TEXT_BYTES)
    }

    /// A smaller limit (tests, or a page that wants less).
    pub fn with_limit(limit: usize) -> Self {
        TextAccumulator { bytes: Vec::new(), limit, valid_up_to: 0, invalid_at: None, nul: 0, control: 0 }
    }

    /// Bytes received so far.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub fn push(&mut self, chunk: &[u8]) -> Result<(), DataError> {
        check_size_against((self.bytes.len() + chunk.len()) as u64, self.limit)?;
        for &b in chunk {
            match b {
                0 => self.nul += 1,
                b'\t' | b'\n' | b'\r' | 0x0c => {}
                0x01..=0x1f | 0x7f => self.control += 1,
                _ => {}
            }
        }
        self.bytes.extend_from_slice(chunk);
        if self.invalid_at.is_none() {
            match std::str::from_utf8(&self.bytes[self.valid_up_to..]) {
                Ok(_) => self.valid_up_to = self.bytes.len(),
                // A character cut by the chunk boundary: valid so far, finished by the next chunk.
                Err(e) if e.error_len().is_none() => self.valid_up_to += e.valid_up_to(),
                Err(e) => self.invalid_at = Some(self.valid_up_to + e.valid_up_to()),
            }
        }
        Ok(())
    }

    pub fn finish(self) -> Result<CheckedText, DataError> {
        let n = self.bytes.len();
        if n == 0 {
            return Err(DataError::Input("the file is empty".into()));
        }
        if self.nul > 0 || self.control * 100 > n {
            let utf16 = self.nul * 3 > n;
            return Err(DataError::Input(format!(
                "this looks like a binary file, not text ({} NUL and {} other control bytes in {}){}; pick a plain-text file",
                self.nul,
                self.control,
                human_bytes(n as u64),
                if utf16 { ", perhaps UTF-16: save it as UTF-8" } else { "" }
            )));
        }
        if self.bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(DataError::Input("the file holds only whitespace".into()));
        }
        // Still short of the end with no invalid byte seen means the text stops inside a character.
        let invalid_at = self.invalid_at.or((self.valid_up_to < n).then_some(self.valid_up_to));
        match invalid_at {
            None => Ok(CheckedText {
                text: Text::Utf8(String::from_utf8(self.bytes).expect("checked incrementally")),
                warnings: Vec::new(),
            }),
            Some(at) => Ok(CheckedText {
                text: Text::Bytes(self.bytes),
                warnings: vec![format!(
                    "the file is not valid UTF-8 (first bad byte at offset {at}); training on its raw bytes with the \
                     byte tokenizer"
                )],
            }),
        }
    }
}

/// Sizes as people read them: "512 B", "3.4 KiB", "6.1 MiB".
pub fn human_bytes(n: u64) -> String {
    match n {
        0..1024 => format!("{n} B"),
        1024..1_048_576 => format!("{:.1} KiB", n as f64 / 1024.0),
        1_048_576..1_073_741_824 => format!("{:.1} MiB", n as f64 / 1_048_576.0),
        _ => format!("{:.1} GiB", n as f64 / 1_073_741_824.0),
    }
}

/// Cut points of the chunk-interleaved split: chunks of about 1% of the text (16 B to 64 KiB), each cut just
/// after whitespace when there is some within a chunk (at most 1 KiB) further, otherwise at a character boundary.
///
/// Chunk-interleaved rather than "the last 10%" because files are often ordered (the Brown corpus runs through its
/// genres, press to humour): validation then samples the whole text, not its ending.
fn cuts(bytes: &[u8]) -> Vec<usize> {
    let chunk = (bytes.len() / 100).clamp(16, 64 << 10);
    let search = chunk.min(1024);
    let mut cuts = vec![0];
    let mut at = chunk;
    while at < bytes.len() {
        let mut cut = at;
        while cut < bytes.len() && cut < at + search && !bytes[cut - 1].is_ascii_whitespace() {
            cut += 1;
        }
        if cut == at + search {
            cut = at;
        }
        while cut < bytes.len() && (bytes[cut] & 0xC0) == 0x80 {
            cut += 1; // never inside a UTF-8 character
        }
        if cut >= bytes.len() {
            break;
        }
        cuts.push(cut);
        at = cut + chunk;
    }
    cuts.push(bytes.len());
    cuts
}

/// Deterministic train/validation split of bytes: every [`VALIDATION_EVERY`]th chunk to validation, in order.
pub fn split_bytes(bytes: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let cuts = cuts(bytes);
    let (mut train, mut val) = (Vec::new(), Vec::new());
    for (i, w) in cuts.windows(2).enumerate() {
        let part = &bytes[w[0]..w[1]];
        if i % VALIDATION_EVERY == VALIDATION_EVERY - 1 {
            val.extend_from_slice(part);
        } else {
            train.extend_from_slice(part);
        }
    }
    (train, val)
}

/// The same split for UTF-8 text (cuts fall on character boundaries).
pub fn split_text(text: &str) -> (String, String) {
    let (train, val) = split_bytes(text.as_bytes());
    (String::from_utf8(train).expect("cut at char boundaries"), String::from_utf8(val).expect("cut at char boundaries"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_a_partition_at_whitespace_with_about_a_tenth_held_out() {
        let text: String = (0..20_000).map(|i| format!("w{} é ", i % 97)).collect();
        let (train, val) = split_text(&text);
        assert_eq!(train.len() + val.len(), text.len());
        let frac = val.len() as f64 / text.len() as f64;
        assert!((0.07..0.13).contains(&frac), "validation fraction {frac}");
        assert_eq!(split_text(&text), (train, val));
    }
}
