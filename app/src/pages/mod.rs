//! The page's views, one module each, and the table the navigation is built from.

pub mod device;

use leptos::prelude::*;

/// Every view: (id used in the URL as `?view=<id>`, title in the navigation).
pub const VIEWS: &[(&str, &str)] = &[("device", "Your GPU")];

/// The view to show for a URL id; unknown ids fall back to the first view.
#[allow(clippy::match_single_binding)] // one arm per view; more views join as they are built
pub fn render(id: &str) -> AnyView {
    match id {
        _ => view! { <device::DevicePage/> }.into_any(),
    }
}
