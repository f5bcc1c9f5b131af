//! The one rule for how big a chart's canvas is: its column's width in CSS pixels times the screen's pixel ratio, a
//! height from the chart's aspect (taller on a phone, where the width alone leaves too little room between lines),
//! measured again when the window resizes.

use crate::plots::Size;
use leptos::html::ElementType;
use leptos::prelude::*;

/// The canvas size for a chart inside `wrap`, `aspect` = height / width, at most `max_css_height` CSS pixels tall.
pub fn chart_size<E>(wrap: NodeRef<E>, aspect: f64, max_css_height: f64) -> Signal<Size>
where
    E: ElementType,
    E::Output: AsRef<web_sys::Element> + Clone + 'static,
    NodeRef<E>: Get<Value = Option<E::Output>> + GetUntracked<Value = Option<E::Output>>,
{
    let (width, set_width) = signal(0.0f64);
    let measure = move || {
        if let Some(el) = wrap.get_untracked() {
            set_width.set(el.as_ref().client_width() as f64);
        }
    };
    // Reads the layout into a signal once the element exists, and again when the window resizes.
    Effect::new(move |_| {
        if wrap.get().is_some() {
            measure();
        }
    });
    let handle = window_event_listener(leptos::ev::resize, move |_| measure());
    on_cleanup(move || handle.remove());
    Signal::derive(move || {
        let ratio = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio()).clamp(1.0, 3.0);
        let css_width = width.get().clamp(240.0, 900.0);
        let aspect = if css_width < 520.0 { aspect.max(0.95) } else { aspect };
        let css_height = (css_width * aspect).clamp(200.0, max_css_height.max(200.0));
        Size { width: (css_width * ratio) as u32, height: (css_height * ratio) as u32, ratio }
    })
}
