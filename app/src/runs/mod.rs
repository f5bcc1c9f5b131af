//! Runs that outlive the tab: IndexedDB storage, the saver the driver publishes to, import checks and exports.

pub mod export;
pub mod idb;
pub mod saver;
pub mod store;
pub mod validate;
