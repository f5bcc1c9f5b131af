//! What leaves the page as files: run records as JSON (one, or all as an array), curves as CSV, a chart as PNG,
//! a checkpoint as safetensors with its vocabulary; each handed to the browser as a download.

use compute::train::RunRecord;
use wasm_bindgen::JsCast;

/// JSON of one record (exactly what `lab train --out` writes).
pub fn one_json(r: &RunRecord) -> String {
    r.to_json()
}

/// JSON array of records, which the import (and `lab fit`) read back.
pub fn all_json(records: &[&RunRecord]) -> String {
    serde_json::to_string_pretty(records).expect("run records serialise")
}

/// Every run's curves as one CSV table: run, name, series (train or val), step, tokens, seconds, loss, lr, grad_norm;
/// a diverged (non-finite) value is left empty.
pub fn curves_csv(runs: &[(&str, &str, &RunRecord)]) -> String {
    let num = |v: f64| if v.is_finite() { v.to_string() } else { String::new() };
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut out = String::from("run,name,series,step,tokens,seconds,loss,lr,grad_norm\n");
    for (id, name, r) in runs {
        for p in &r.train_series {
            out += &format!(
                "{id},{},train,{},{},{},{},{},{}\n",
                quote(name),
                p.step,
                p.tokens,
                num(p.seconds),
                num(p.train_loss),
                num(p.lr),
                num(p.grad_norm)
            );
        }
        for p in &r.eval_series {
            out +=
                &format!("{id},{},val,{},{},{},{},,\n", quote(name), p.step, p.tokens, num(p.seconds), num(p.val_loss));
        }
    }
    out
}

/// A file name made of safe characters.
pub fn file_name(stem: &str, ext: &str) -> String {
    let s: String =
        stem.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).take(60).collect();
    format!("{s}.{ext}")
}

/// Offers `bytes` as a download named `name`.
pub fn download_bytes(name: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts).map_err(|e| format!("{e:?}"))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))?;
    click_link(name, &url)?;
    // The download reads the blob after this call returns; the URL is released a little later.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    if let Some(w) = web_sys::window() {
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 10_000);
    }
    Ok(())
}

/// Offers a chart's canvas (found by its test id) as a PNG download; the image is what the chart's `draw` drew.
pub fn download_canvas_png(testid: &str, name: &str) -> Result<(), String> {
    let canvas = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(&format!("canvas[data-testid=\"{testid}\"]")).ok().flatten())
        .and_then(|c| c.dyn_into::<web_sys::HtmlCanvasElement>().ok())
        .ok_or("the chart is not on the page")?;
    let url = canvas.to_data_url_with_type("image/png").map_err(|e| format!("{e:?}"))?;
    click_link(name, &url)
}

fn click_link(name: &str, href: &str) -> Result<(), String> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a").map_err(|e| format!("{e:?}"))?.unchecked_into();
    a.set_href(href);
    a.set_download(name);
    a.click();
    Ok(())
}
