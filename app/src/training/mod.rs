//! Training in the tab: settings from the URL, data loading, the backend choice and the async driver that runs the
//! trainer in slices short enough to keep the page responsive.

pub mod choose;
pub mod dataset;
pub mod driver;
pub mod memory;
pub mod sampler;
pub mod settings;
pub mod tick;
pub mod user_file;
