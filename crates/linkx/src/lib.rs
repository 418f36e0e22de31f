//! The `linkx` binary's library: CLI commands, configuration loading, the HTTP client, the
//! scheduler and the poll pipeline. Everything with I/O that is not the store or the site.

pub mod cli;
pub use linkx_core::clock;
pub mod commands;
pub mod comments;
pub mod defaults;
pub mod fetch;
pub mod fulltext;
pub mod images;
pub mod import;
pub mod jobs;
pub mod mail;
pub mod poll;
pub mod process;
pub mod retention;
pub mod robots;
pub mod schedule;
pub mod search;
pub mod settings;
pub mod sources;
pub mod stories;
pub mod topics;
pub mod users;
pub mod webmention;
