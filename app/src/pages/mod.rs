//! The page's views, one module each, and the table the navigation is built from.

pub mod calculator;
pub mod chart_size;
pub mod device;
pub mod experiments;
pub mod model_check;
pub mod tour;
pub mod train;

use leptos::prelude::*;

/// Every view: (id used in the URL as `?view=<id>`, title in the navigation).
pub const VIEWS: &[(&str, &str)] = &[
    ("train", "Train"),
    ("device", "Your GPU"),
    ("calculator", "Calculator"),
    ("experiments", "Experiments"),
    ("tour", "Six questions"),
];

/// The view to show for a URL id; unknown ids fall back to the first view.
pub fn render(id: &str) -> AnyView {
    match id {
        "train" => view! { <train::TrainPage/> }.into_any(),
        "calculator" => view! { <calculator::CalculatorPage/> }.into_any(),
        "experiments" => view! { <experiments::ExperimentsPage/> }.into_any(),
        "tour" => view! { <tour::TourPage/> }.into_any(),
        _ => view! { <device::DevicePage/> }.into_any(),
    }
}
