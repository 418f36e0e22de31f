//! Configuration loading (file + environment) and the derived settings every command uses.

use crate::fetch::FetchConfig;
use crate::schedule::Policy;
use linkx_core::Config;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// An error in what the user gave us (exit code 2), as opposed to a runtime failure (exit 1).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

pub struct Settings {
    pub config: Config,
    /// The configuration file read, if any.
    pub config_file: Option<PathBuf>,
    pub data_dir: PathBuf,
    /// True when the data directory had no database before this run.
    pub new_data_dir: bool,
    pub storage_url: String,
}

pub const DEFAULT_CONFIG: &str = "linkx.toml";
pub const DEFAULT_DATA_DIR: &str = "linkx-data";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

impl Settings {
    /// Reads `--config FILE` (which must exist) or `./linkx.toml` (if present), applies
    /// `LINKX_…` environment overrides and prepares the data directory.
    pub fn load(config: Option<&Path>, data: Option<&Path>) -> Result<Settings, UsageError> {
        let (text, config_file) = match config {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    UsageError(format!("cannot read the configuration file {}: {e}. Check the path given to --config.", path.display()))
                })?;
                (text, Some(path.to_path_buf()))
            }
            None if Path::new(DEFAULT_CONFIG).is_file() => {
                let text = std::fs::read_to_string(DEFAULT_CONFIG)
                    .map_err(|e| UsageError(format!("cannot read ./{DEFAULT_CONFIG}: {e}")))?;
                (text, Some(PathBuf::from(DEFAULT_CONFIG)))
            }
            None => (String::new(), None),
        };
        let shown = config_file.as_ref().map_or_else(
            || "the environment".to_string(),
            |p| p.display().to_string(),
        );
        let config = Config::parse(&text, std::env::vars())
            .map_err(|e| UsageError(format!("invalid configuration in {shown}: {e}")))?;
        let data_dir = data.map_or_else(|| PathBuf::from(DEFAULT_DATA_DIR), Path::to_path_buf);
        let db_path = data_dir.join("linkx.db");
        let storage_url = config
            .storage
            .url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", db_path.display()));
        let new_data_dir = config.storage.url.is_none() && !db_path.exists();
        Ok(Settings {
            config,
            config_file,
            data_dir,
            new_data_dir,
            storage_url,
        })
    }

    /// The SQLite database file, when the store is SQLite.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let rest = self.storage_url.strip_prefix("sqlite://")?;
        let path = rest.split('?').next().unwrap_or(rest);
        (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
    }

    pub fn ensure_data_dir(&self) -> anyhow::Result<()> {
        use anyhow::Context;
        std::fs::create_dir_all(&self.data_dir).with_context(|| {
            format!(
                "while creating the data directory {}",
                self.data_dir.display()
            )
        })
    }

    /// The site's public URL without a trailing slash.
    pub fn base_url(&self, listen: &str) -> String {
        self.config
            .site
            .base_url
            .clone()
            .unwrap_or_else(|| format!("http://{listen}"))
            .trim_end_matches('/')
            .to_string()
    }

    pub fn fetch_config(&self, base_url: &str) -> FetchConfig {
        let poll = &self.config.poll;
        FetchConfig {
            user_agent: poll
                .user_agent
                .clone()
                .unwrap_or_else(|| format!("linkx/{} (+{base_url})", env!("CARGO_PKG_VERSION"))),
            timeout: Duration::from_secs(poll.timeout.0),
            max_body: poll.max_body.0,
            per_host: poll.per_host,
            allow_private_networks: poll.allow_private_networks,
        }
    }

    pub fn policy(&self) -> Policy {
        Policy {
            min_interval: i64::try_from(self.config.poll.min_interval.0).unwrap_or(i64::MAX),
            default_interval: i64::try_from(self.config.poll.default_interval.0)
                .unwrap_or(i64::MAX),
            lease: i64::try_from(self.config.poll.lease.0).unwrap_or(i64::MAX),
        }
    }
}
