//! Domain types, URL normalisation, text helpers and configuration of Link Exchange.
//!
//! Everything here is a pure function of its input: this crate must never do I/O or be async,
//! so every other crate can depend on it.

pub mod account;
pub mod blocklist;
pub mod clock;
pub mod comment;
pub mod config;
pub mod domain;
pub mod jobs;
pub mod rules;
pub mod script;
pub mod slug;
pub mod text;
pub mod urlnorm;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::Config;
pub use domain::{Display, FullText, SourceUrl};
pub use slug::{slug_from_path, slugify};
