//! The page's views, one module each.

pub mod home;
