//! The data a run trains on: synthetic languages made in the tab, the Brown corpus fetched from `data/brown.txt`,
//! or the visitor's own file (see user_file.rs);
//! the last one built is kept, so a second run on the same data starts at once.

use super::tick::yield_now;
use compute::data::{brown, check_bytes, file_info, DataSpec, Dataset, TokenizerSpec};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

thread_local! {
    static CACHE: RefCell<Option<(DataSpec, TokenizerSpec, Rc<Dataset>)>> = const { RefCell::new(None) };
}

/// The dataset for `spec` and `tokenizer`, built (or fetched) once.
pub async fn load(spec: &DataSpec, tokenizer: TokenizerSpec) -> Result<Rc<Dataset>, String> {
    let cached =
        CACHE.with(|c| c.borrow().as_ref().filter(|(s, t, _)| s == spec && *t == tokenizer).map(|(_, _, d)| d.clone()));
    if let Some(d) = cached {
        return Ok(d);
    }
    yield_now().await;
    let data = match spec {
        DataSpec::Synthetic(name) => Dataset::synthetic(name, tokenizer).map_err(|e| e.to_string())?,
        DataSpec::Brown => {
            let bytes = fetch_bytes("data/brown.txt").await?;
            let checked = check_bytes(&bytes).map_err(|e| e.to_string())?;
            Dataset::from_text(DataSpec::Brown, brown::info(), checked, tokenizer).map_err(|e| e.to_string())?
        }
        DataSpec::File(name) => {
            let text = super::user_file::picked(name)
                .ok_or_else(|| format!("pick the file {name} again: files are kept only while this tab is open"))?;
            let info = file_info(name, text.text.len());
            Dataset::from_text(spec.clone(), info, (*text).clone(), tokenizer).map_err(|e| e.to_string())?
        }
    };
    let data = Rc::new(data);
    CACHE.with(|c| *c.borrow_mut() = Some((spec.clone(), tokenizer, data.clone())));
    Ok(data)
}

/// The vocabulary of the cached dataset, if it is the one asked for.
pub fn cached_vocab(spec: &str, tokenizer: &str) -> Option<usize> {
    CACHE.with(|c| {
        c.borrow()
            .as_ref()
            .filter(|(s, t, _)| s.to_string() == spec && t.to_string() == tokenizer)
            .map(|(_, _, d)| d.vocab_size())
    })
}

async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let fail = |e: wasm_bindgen::JsValue| format!("could not fetch {url}: {e:?}");
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(url)).await.map_err(fail)?.unchecked_into();
    if !response.ok() {
        return Err(format!(
            "could not fetch {url}: HTTP {} (was the corpus prepared by the setup script?)",
            response.status()
        ));
    }
    let buffer = JsFuture::from(response.array_buffer().map_err(fail)?).await.map_err(fail)?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}
