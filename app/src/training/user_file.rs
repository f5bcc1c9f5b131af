//! The visitor's own text file: read in chunks (so a 100 MB file never blocks the page for long), checked as it
//! arrives, and kept in memory for this tab under `file:<name>`.

use super::tick::yield_now;
use compute::data::{check_size, CheckedText, TextAccumulator};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen_futures::JsFuture;

/// Bytes read per slice of the file: a few milliseconds of work each.
const CHUNK: f64 = 4.0 * 1024.0 * 1024.0;

thread_local! {
    static PICKED: RefCell<Option<(String, Rc<CheckedText>)>> = const { RefCell::new(None) };
}

/// The text picked under `name` in this tab, if any (files are not kept across reloads).
pub fn picked(name: &str) -> Option<Rc<CheckedText>> {
    PICKED.with(|p| p.borrow().as_ref().filter(|(n, _)| n == name).map(|(_, t)| t.clone()))
}

/// Reads and checks `file`, reporting the fraction read; on success it becomes the text `file:<name>` names.
/// Returns the name and any warnings (e.g. invalid UTF-8, which falls back to the byte tokenizer).
pub async fn read(file: web_sys::File, progress: impl Fn(f64)) -> Result<(String, Vec<String>), String> {
    let name = file.name();
    let size = file.size();
    check_size(size as u64).map_err(|e| e.to_string())?;
    let mut text = TextAccumulator::new();
    let mut start = 0.0;
    while start < size {
        let end = (start + CHUNK).min(size);
        let blob = file.slice_with_f64_and_f64(start, end).map_err(|e| format!("could not read {name}: {e:?}"))?;
        let buffer = JsFuture::from(blob.array_buffer()).await.map_err(|e| format!("could not read {name}: {e:?}"))?;
        text.push(&js_sys::Uint8Array::new(&buffer).to_vec()).map_err(|e| e.to_string())?;
        start = end;
        progress(start / size);
        yield_now().await;
    }
    let checked = text.finish().map_err(|e| e.to_string())?;
    let warnings = checked.warnings.clone();
    PICKED.with(|p| *p.borrow_mut() = Some((name.clone(), Rc::new(checked))));
    Ok((name, warnings))
}
