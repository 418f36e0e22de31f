//! The one configuration struct, read from `linkx.toml` and `LINKX_…` environment variables.
//!
//! Parsing only: reading the file is the binary's job. Every field has a default, so an empty
//! file is a valid configuration; an unknown key is an error that names the key.

use crate::domain::{Display, FullText};
use serde::{Deserialize, Deserializer};
use std::path::PathBuf;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The public face of the site.
    pub site: SiteConfig,
    /// Where articles, sources and comments are stored.
    pub storage: StorageConfig,
    /// How sources are fetched.
    pub poll: PollConfig,
    /// Sources to follow; added to the database on start, never removed from it by omission.
    pub sources: Vec<SourceConfig>,
    /// Reader comments.
    pub comments: CommentsConfig,
    /// Webmention sending and receiving.
    pub webmention: WebmentionConfig,
    /// Outgoing mail (reply notifications); without `url` no mail is sent and the "notify me"
    /// box is not offered.
    pub smtp: SmtpConfig,
    /// How long articles are kept (default: forever).
    pub retention: RetentionConfig,
}

/// How long articles are kept. 0 means forever.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionConfig {
    /// After this many days an article keeps only its excerpt and metadata.
    pub full_text_days: u32,
    /// After this many days an article is deleted, with its comments and mentions.
    pub keep_days: u32,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpConfig {
    /// `smtps://user:password@host:465`, `smtp://user:password@host:587?tls=required`, or
    /// `smtp://localhost:25` for a local relay. `LINKX_SMTP_URL` keeps the password out of the file.
    pub url: Option<String>,
    /// The sender, e.g. `Example News <news@example.org>`.
    pub from: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteConfig {
    /// Site name shown in the header, feeds and metadata.
    pub title: String,
    /// Public URL of the site, e.g. `https://news.example.org`; defaults to `http://{listen}`.
    pub base_url: Option<String>,
    /// One-line description for the home page, feeds and search engines.
    pub description: String,
    /// BCP 47 language tag of the site's interface.
    pub language: String,
    /// IANA time zone name used to show dates (`UTC` by default).
    pub timezone: String,
    /// Folder whose `*.html` templates override the built-in ones of the same name.
    pub theme_dir: Option<PathBuf>,
}

impl Default for SiteConfig {
    fn default() -> Self {
        SiteConfig {
            title: "Link Exchange".into(),
            base_url: None,
            description: "News from many sources, each credited and linked to its original.".into(),
            language: "en".into(),
            timezone: "UTC".into(),
            theme_dir: None,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// `sqlite://PATH` (default: `linkx.db` in the data directory) or `postgres://…`.
    pub url: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PollConfig {
    /// Interval for a source until its publishing rhythm is known.
    pub default_interval: Seconds,
    /// No source is polled more often than this, whatever it publishes.
    pub min_interval: Seconds,
    /// Sources fetched at once, in total.
    pub concurrency: usize,
    /// Requests at once to any one host (politeness: 1–2).
    pub per_host: usize,
    /// User-Agent sent with every request; defaults to `linkx/VERSION (+SITE_URL)`.
    pub user_agent: Option<String>,
    /// Whole-request timeout.
    pub timeout: Seconds,
    /// Largest response body accepted, in bytes (or `"15MiB"`).
    pub max_body: Bytes,
    /// Allow requests to loopback and private network addresses (off: they are refused).
    pub allow_private_networks: bool,
    /// How long a worker holds a source it is polling: another worker takes it over only after
    /// this (when the first one died mid-poll).
    pub lease: Seconds,
}

impl Default for PollConfig {
    fn default() -> Self {
        PollConfig {
            default_interval: Seconds(30 * 60),
            min_interval: Seconds(5 * 60),
            concurrency: 16,
            per_host: 2,
            user_agent: None,
            timeout: Seconds(20),
            max_body: Bytes(15 * 1024 * 1024),
            allow_private_networks: false,
            lease: Seconds(10 * 60),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// Feed URL, or a site URL whose feed is discovered.
    pub url: String,
    /// Display name; defaults to the feed's own title.
    pub name: Option<String>,
    /// `excerpt` (default) or `full` (only where licensed).
    #[serde(default)]
    pub display: Display,
    /// `auto` (default), `always` or `never`.
    #[serde(default)]
    pub full_text: FullText,
    /// Fixed polling interval instead of the adaptive one.
    pub interval: Option<Seconds>,
    /// The licence the source publishes under (e.g. "CC BY 4.0"), shown with its items.
    pub licence: Option<String>,
    /// A note of the permission the operator has to show the full text.
    pub permission: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CommentsConfig {
    /// `all` (hold every comment), `first_time` (default: hold a commenter's first comment
    /// until one is approved) or `none` (publish at once; the spam rules still apply).
    pub moderation: Moderation,
    /// Comments with at least this many links are held.
    pub max_links: u32,
    /// Close comments this many days after publication; 0 = never.
    pub close_after_days: u32,
    /// Minimum seconds between two comments from one IP address or email; 0 switches flood
    /// control off.
    pub flood_seconds: u32,
    /// Deepest reply nesting (1 = no replies).
    pub max_depth: u32,
    /// Comment posts one IP address may make per hour, accepted or not; 0 = unlimited.
    pub rate_limit_per_hour: u32,
    /// A form sent sooner than this after it was shown is taken for a bot (at most 3).
    pub min_submit_seconds: u32,
    /// Comments containing any of these words (case-insensitive) are held for moderation.
    pub moderation_words: Vec<String>,
    /// Comments containing any of these words go straight to spam.
    pub disallowed_words: Vec<String>,
    /// `identicon` (default: generated from a keyed hash, no third party) or `gravatar`.
    pub avatars: Avatars,
    /// Readers may edit or delete their own comment for this many seconds after posting.
    pub edit_window_seconds: u32,
}

/// How new comments are moderated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Moderation {
    /// Every comment waits for a moderator.
    All,
    /// A commenter's comments wait until one of theirs has been approved.
    FirstTime,
    /// Comments are published at once (the spam rules still hold some).
    None,
}

/// Where commenters' pictures come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Avatars {
    Identicon,
    Gravatar,
}

impl Default for CommentsConfig {
    fn default() -> Self {
        CommentsConfig {
            moderation: Moderation::FirstTime,
            max_links: 2,
            close_after_days: 0,
            flood_seconds: 15,
            max_depth: 5,
            rate_limit_per_hour: 30,
            min_submit_seconds: 3,
            moderation_words: Vec::new(),
            disallowed_words: Vec::new(),
            avatars: Avatars::Identicon,
            edit_window_seconds: 15 * 60,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebmentionConfig {
    /// Receive and send Webmentions.
    pub enabled: bool,
}

impl Default for WebmentionConfig {
    fn default() -> Self {
        WebmentionConfig { enabled: true }
    }
}

/// A duration in whole seconds, written as a number of seconds or as `"90s"`, `"30m"`, `"2h"`, `"1d"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Seconds(pub u64);

/// A size in bytes, written as a number or as `"512KiB"`, `"15MiB"`, `"1GiB"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bytes(pub u64);

#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrText {
    Number(u64),
    Text(String),
}

fn parse_with_units(input: &str, units: &[(&str, u64)]) -> Option<u64> {
    let s = input.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    let n: u64 = digits.parse().ok()?;
    let unit = unit.trim();
    if unit.is_empty() {
        return Some(n);
    }
    units
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(unit))
        .and_then(|(_, mult)| n.checked_mul(*mult))
}

impl Seconds {
    pub fn parse(s: &str) -> Option<Seconds> {
        parse_with_units(
            s,
            &[("s", 1), ("m", 60), ("min", 60), ("h", 3600), ("d", 86_400)],
        )
        .map(Seconds)
    }
}

impl Bytes {
    pub fn parse(s: &str) -> Option<Bytes> {
        parse_with_units(
            s,
            &[
                ("b", 1),
                ("kib", 1024),
                ("kb", 1000),
                ("mib", 1 << 20),
                ("mb", 1_000_000),
                ("gib", 1 << 30),
            ],
        )
        .map(Bytes)
    }
}

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match NumberOrText::deserialize(d)? {
            NumberOrText::Number(n) => Ok(Seconds(n)),
            NumberOrText::Text(t) => Seconds::parse(&t).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "{t:?} is not a duration: write e.g. 300, \"90s\", \"30m\", \"2h\" or \"1d\""
                ))
            }),
        }
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match NumberOrText::deserialize(d)? {
            NumberOrText::Number(n) => Ok(Bytes(n)),
            NumberOrText::Text(t) => Bytes::parse(&t).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "{t:?} is not a size: write e.g. 1048576, \"512KiB\" or \"15MiB\""
                ))
            }),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}")]
    Toml(String),
    #[error("environment variable {name}: {message}")]
    Env { name: String, message: String },
    #[error("{key}: {message}")]
    Invalid { key: &'static str, message: String },
}

/// The sections an environment variable `LINKX_{SECTION}_{KEY}` may set.
const SECTIONS: [&str; 7] = [
    "site",
    "storage",
    "poll",
    "comments",
    "webmention",
    "smtp",
    "retention",
];

impl Config {
    /// Parses `linkx.toml` text, then applies `LINKX_SECTION_KEY=value` overrides, then checks
    /// the values against each other.
    pub fn parse(
        toml_text: &str,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut table: toml::Table = toml_text
            .parse()
            .map_err(|e: toml::de::Error| ConfigError::Toml(e.to_string()))?;
        for (name, value) in env {
            apply_env_override(&mut table, &name, &value)?;
        }
        let config: Config = Config::deserialize(toml::Value::Table(table))
            .map_err(|e| ConfigError::Toml(e.to_string()))?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), ConfigError> {
        let invalid = |key, message: String| Err(ConfigError::Invalid { key, message });
        if self.site.timezone.parse::<chrono_tz::Tz>().is_err() {
            return invalid(
                "site.timezone",
                format!(
                    "{:?} is not a time zone: use an IANA name such as \"Europe/Berlin\" or \"UTC\"",
                    self.site.timezone
                ),
            );
        }
        if self.poll.lease.0 == 0 {
            return invalid("poll.lease", "must be at least 1 second".into());
        }
        if self.poll.min_interval.0 == 0 {
            return invalid("poll.min_interval", "must be at least 1 second".into());
        }
        if self.poll.default_interval < self.poll.min_interval {
            return invalid(
                "poll.default_interval",
                "must not be shorter than poll.min_interval".into(),
            );
        }
        if self.poll.concurrency == 0 || self.poll.per_host == 0 {
            return invalid(
                "poll.concurrency",
                "poll.concurrency and poll.per_host must be at least 1".into(),
            );
        }
        if self.poll.per_host > 16 {
            return invalid(
                "poll.per_host",
                "more than 16 requests at once to one host is impolite".into(),
            );
        }
        if self.sources.iter().any(|s| {
            s.display == Display::Full
                && s.licence.as_deref().is_none_or(|l| l.trim().is_empty())
                && s.permission.as_deref().is_none_or(|p| p.trim().is_empty())
        }) {
            return invalid(
                "sources.display",
                "display = \"full\" needs the source's licence (licence = \"CC BY 4.0\") or a note of your permission (permission = \"…\")".into(),
            );
        }
        if self.retention.keep_days > 0 && self.retention.keep_days < self.retention.full_text_days
        {
            return invalid(
                "retention.keep_days",
                "must not be shorter than retention.full_text_days (or 0: forever)".into(),
            );
        }
        if self.comments.min_submit_seconds > 3 {
            return invalid(
                "comments.min_submit_seconds",
                "at most 3: fast, honest readers must not be taken for bots".into(),
            );
        }
        if self.comments.max_depth == 0 {
            return invalid(
                "comments.max_depth",
                "must be at least 1 (1 = no replies)".into(),
            );
        }
        if let Some(url) = &self.smtp.url {
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                return invalid(
                    "smtp.url",
                    "use smtps://user:password@host:465 or smtp://host:587?tls=required".into(),
                );
            }
            if self.smtp.from.is_none() {
                return invalid(
                    "smtp.from",
                    "set the sender, e.g. \"Example News <news@example.org>\"".into(),
                );
            }
        }
        if self.poll.timeout.0 == 0 {
            return invalid("poll.timeout", "must be at least 1 second".into());
        }
        if let Some(base) = &self.site.base_url {
            match url::Url::parse(base) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => {}
                _ => {
                    return invalid(
                        "site.base_url",
                        format!("{base:?} is not an http(s) URL such as https://news.example.org"),
                    );
                }
            }
        }
        if let Some(storage) = &self.storage.url
            && !(storage.starts_with("sqlite:")
                || storage.starts_with("postgres://")
                || storage.starts_with("postgresql://"))
        {
            return invalid(
                "storage.url",
                format!("{storage:?}: use sqlite://PATH or postgres://…"),
            );
        }
        for (i, source) in self.sources.iter().enumerate() {
            if let Err(e) = crate::SourceUrl::parse(&source.url) {
                return Err(ConfigError::Invalid {
                    key: "sources.url",
                    message: format!("source #{}: {e}", i + 1),
                });
            }
        }
        Ok(())
    }
}

/// `LINKX_POLL_ALLOW_PRIVATE_NETWORKS=true` sets `poll.allow_private_networks`. Values are read as
/// TOML (numbers, booleans, quoted strings) and otherwise taken as a plain string.
fn apply_env_override(table: &mut toml::Table, name: &str, value: &str) -> Result<(), ConfigError> {
    let Some(rest) = name.strip_prefix("LINKX_") else {
        return Ok(());
    };
    let rest = rest.to_ascii_lowercase();
    let Some(section) = SECTIONS.iter().find(|s| rest.starts_with(&format!("{s}_"))) else {
        return Ok(());
    };
    let key = &rest[section.len() + 1..];
    let parsed = format!("v = {value}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(value.to_string()));
    let entry = table
        .entry(section.to_string())
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    match entry {
        toml::Value::Table(t) => {
            t.insert(key.to_string(), parsed);
            Ok(())
        }
        _ => Err(ConfigError::Env {
            name: name.to_string(),
            message: format!("[{section}] is not a table in the config file"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_gives_defaults() {
        let c = Config::parse("", []).unwrap();
        assert_eq!(c.poll.max_body, Bytes(15 * 1024 * 1024));
        assert!(c.webmention.enabled);
        assert_eq!(c.comments.close_after_days, 0);
    }

    #[test]
    fn full_text_sources_need_a_licence_or_permission() {
        let bare = "[[sources]]\nurl = \"https://a.test/feed\"\ndisplay = \"full\"\n";
        let err = Config::parse(bare, []).unwrap_err().to_string();
        assert!(err.contains("licence"), "{err}");
        let licensed = format!("{bare}licence = \"CC BY 4.0\"\n");
        assert!(Config::parse(&licensed, []).is_ok());
        let permitted = format!("{bare}permission = \"our own site\"\n");
        assert!(Config::parse(&permitted, []).is_ok());
    }

    #[test]
    fn unknown_key_is_named() {
        let err = Config::parse("[poll]\nconcurrenzy = 3\n", [])
            .unwrap_err()
            .to_string();
        assert!(err.contains("concurrenzy"), "{err}");
    }

    #[test]
    fn units_and_env_overrides() {
        let c = Config::parse(
            "[poll]\nmin_interval = \"2m\"\nmax_body = \"1MiB\"\n",
            [
                (
                    "LINKX_POLL_ALLOW_PRIVATE_NETWORKS".to_string(),
                    "true".to_string(),
                ),
                ("LINKX_SITE_TITLE".into(), "My News".into()),
            ],
        )
        .unwrap();
        assert_eq!(c.poll.min_interval, Seconds(120));
        assert_eq!(c.poll.max_body, Bytes(1 << 20));
        assert!(c.poll.allow_private_networks);
        assert_eq!(c.site.title, "My News");
    }

    #[test]
    fn inconsistent_values_are_rejected_with_the_key() {
        let err = Config::parse("[poll]\nmin_interval = 600\ndefault_interval = 60\n", [])
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("poll.default_interval"), "{err}");
    }
}
