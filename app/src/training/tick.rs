//! Time and turns on the main thread: a millisecond clock and futures that hand the event loop back for a moment.

use wasm_bindgen::JsCast;

/// Milliseconds since the page loaded (`performance.now()`).
pub fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// Resolves after `ms` milliseconds (a macrotask: input, layout and paint run before it).
pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(resolve.unchecked_ref(), ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Gives the event loop a turn, so nothing the trainer does holds the main thread for long.
pub async fn yield_now() {
    sleep_ms(0).await;
}

/// The current time as ISO 8601, for run records.
pub fn iso_now() -> String {
    String::from(js_sys::Date::new_0().to_iso_string())
}
