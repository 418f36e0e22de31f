//! Work the web process queues for the job runner (it never makes outbound requests itself),
//! and what the runner reports back. Both travel as JSON through the store's job queue.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobRequest {
    /// Find the feeds a site (or feed) URL offers, for the operator to choose from.
    Discover { url: String },
    /// Poll one source now, whatever its schedule.
    Poll { source_id: i64 },
    /// Check every link-exchange partner for a link back to this site now.
    CheckPartners,
    /// Verify a received Webmention: fetch the source, check it links to the target, read it.
    Verify {
        source: String,
        target: String,
        article_id: i64,
    },
}

impl JobRequest {
    pub fn kind(&self) -> &'static str {
        match self {
            JobRequest::Discover { .. } => "discover",
            JobRequest::Poll { .. } => "poll",
            JobRequest::Verify { .. } => "verify",
            JobRequest::CheckPartners => "check_partners",
        }
    }
}

/// One feed found by discovery, read once so the operator sees what they would follow.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedOffer {
    pub url: String,
    pub title: Option<String>,
    /// `rss`, `atom` or `json`.
    pub format: String,
    pub site_url: Option<String>,
    pub items: usize,
    /// The newest few item titles.
    pub latest: Vec<String>,
    /// Why the feed could not be read (it is still listed, so the operator knows).
    pub error: Option<String>,
    /// A source already follows this feed.
    pub followed: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discovery {
    /// The address the operator gave.
    pub input: String,
    pub feeds: Vec<FeedOffer>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollOutcome {
    pub source_id: i64,
    pub new_items: u64,
    pub error: Option<String>,
}
