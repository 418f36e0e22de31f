//! Webmention, the binary's side: verifying received mentions (a job the endpoint queued),
//! discovering endpoints and sending mentions for our pages, and checking that link-exchange
//! partners still link back. Every request goes through `Fetcher`, so private addresses are
//! refused exactly as for polling.

use crate::fetch::{FetchError, Fetcher};
use linkx_core::comment::CommentStatus;
use linkx_core::config::{CommentsConfig, Moderation};
use linkx_extract::webmention::{discover_endpoint, links_to, read_mention};
use linkx_store::{NewMention, SendOutcome, Store};
use url::Url;

/// Verification fetches give up after this long (the Recommendation suggests a short limit).
pub const VERIFY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
/// The largest source page read when verifying.
pub const VERIFY_MAX_BODY: u64 = 1 << 20;
/// Sending is retried this many times on temporary failures, with growing delays.
const SEND_DELAYS: [i64; 4] = [300, 1800, 7200, 43_200];

/// A fetcher for verification: the poller's settings with a 5 s timeout and a 1 MiB limit.
pub fn verify_fetcher(poller: &Fetcher) -> Result<Fetcher, FetchError> {
    let mut config = poller.config().clone();
    config.timeout = config.timeout.min(VERIFY_TIMEOUT);
    config.max_body = config.max_body.min(VERIFY_MAX_BODY);
    Fetcher::new(config)
}

/// The status a new mention gets under the comment policy: mentions are moderated like
/// comments, a "first-time" sender being a host with no approved mention yet.
async fn initial_status(
    store: &Store,
    comments: &CommentsConfig,
    host: &str,
) -> linkx_store::Result<CommentStatus> {
    Ok(match comments.moderation {
        Moderation::None => CommentStatus::Approved,
        Moderation::All => CommentStatus::Pending,
        Moderation::FirstTime if store.host_is_known(host).await? => CommentStatus::Approved,
        Moderation::FirstTime => CommentStatus::Pending,
    })
}

/// Verifies the mention of `target` by `source` and stores, updates or deletes it. Returns a
/// sentence saying what happened.
pub async fn verify(
    store: &Store,
    fetcher: &Fetcher,
    comments: &CommentsConfig,
    source: &str,
    target: &str,
    article_id: i64,
    now: i64,
) -> anyhow::Result<String> {
    let source_url = Url::parse(source)?;
    let target_url = Url::parse(target)?;
    let body = match fetcher.fetch_page(&source_url).await {
        Ok(body) => body,
        Err(FetchError::Gone) => {
            let deleted = store.delete_mention(source, target).await?;
            return Ok(if deleted {
                "the source is gone (410): its mention was deleted".into()
            } else {
                "the source is gone (410): nothing stored".into()
            });
        }
        Err(e) => return Err(anyhow::anyhow!("could not fetch the source: {e}")),
    };
    let html = String::from_utf8_lossy(&body.bytes);
    if !links_to(&html, &body.final_url, &target_url) {
        let deleted = store.delete_mention(source, target).await?;
        return Ok(if deleted {
            "the source no longer links to the target: its mention was deleted".into()
        } else {
            "the source does not link to the target: nothing stored".into()
        });
    }
    let mention = read_mention(&html, &body.final_url, &target_url);
    let host = source_url.host_str().unwrap_or_default().to_string();
    let status = initial_status(store, comments, &host).await?;
    store
        .upsert_mention(&NewMention {
            article_id,
            source_url: source.to_string(),
            target_url: target.to_string(),
            source_host: host,
            kind: mention.kind.as_str().to_string(),
            author_name: mention.author_name,
            author_url: mention.author_url,
            entry_url: mention.url,
            content: mention.content,
            published_at: mention.published.map(|p| p.timestamp()),
            status,
            now,
        })
        .await?;
    Ok(format!("verified: a {} stored", mention.kind.as_str()))
}

/// The Webmention endpoint `target` advertises, if any.
pub async fn discover(fetcher: &Fetcher, target: &Url) -> Result<Option<Url>, FetchError> {
    let body = fetcher.fetch_page(target).await?;
    let html = String::from_utf8_lossy(&body.bytes);
    Ok(discover_endpoint(&body.links, &html, &body.final_url))
}

/// Discovers `target`'s endpoint and sends it the mention; the outcome says whether to retry.
pub async fn send(
    fetcher: &Fetcher,
    source: &str,
    target: &str,
    attempts: i64,
    now: i64,
) -> SendOutcome {
    let retry_or_fail = |error: String, endpoint: Option<String>, status: Option<u16>| {
        let delay = usize::try_from(attempts)
            .ok()
            .and_then(|a| SEND_DELAYS.get(a));
        SendOutcome {
            status: if delay.is_some() { "queued" } else { "failed" },
            endpoint,
            response_status: status,
            error: Some(error),
            next_attempt_at: now + delay.copied().unwrap_or(0),
        }
    };
    let target_url = match Url::parse(target) {
        Ok(u) => u,
        Err(e) => {
            return SendOutcome {
                status: "failed",
                endpoint: None,
                response_status: None,
                error: Some(format!("the target is not a URL: {e}")),
                next_attempt_at: now,
            };
        }
    };
    let endpoint = match discover(fetcher, &target_url).await {
        Ok(Some(endpoint)) => endpoint,
        Ok(None) => {
            return SendOutcome {
                status: "no_endpoint",
                endpoint: None,
                response_status: None,
                error: None,
                next_attempt_at: now,
            };
        }
        // Refused addresses, robots.txt and client errors do not get better by retrying.
        Err(
            e @ (FetchError::PrivateAddress(_)
            | FetchError::BadUrl(_)
            | FetchError::DisallowedByRobots(_)
            | FetchError::Gone),
        ) => {
            return SendOutcome {
                status: "failed",
                endpoint: None,
                response_status: e.status(),
                error: Some(e.to_string()),
                next_attempt_at: now,
            };
        }
        // A target that answers 4xx (other than 408/429) will not have an endpoint later.
        Err(e)
            if e.status()
                .is_some_and(|s| (400..500).contains(&s) && s != 408 && s != 429) =>
        {
            return SendOutcome {
                status: "failed",
                endpoint: None,
                response_status: e.status(),
                error: Some(format!("discovery: {e}")),
                next_attempt_at: now,
            };
        }
        Err(e) => return retry_or_fail(format!("discovery: {e}"), None, e.status()),
    };
    let endpoint_text = Some(endpoint.to_string());
    match fetcher
        .post_form(&endpoint, &[("source", source), ("target", target)])
        .await
    {
        Ok((status @ 200..=299, _)) => SendOutcome {
            status: "sent",
            endpoint: endpoint_text,
            response_status: Some(status),
            error: None,
            next_attempt_at: now,
        },
        Ok((status @ (429 | 500..=599), _)) => retry_or_fail(
            format!("the endpoint answered {status}"),
            endpoint_text,
            Some(status),
        ),
        Ok((status, body)) => SendOutcome {
            status: "failed",
            endpoint: endpoint_text,
            response_status: Some(status),
            error: Some(format!(
                "the endpoint refused it ({status}): {}",
                body.chars().take(200).collect::<String>()
            )),
            next_attempt_at: now,
        },
        Err(e @ FetchError::PrivateAddress(_)) => SendOutcome {
            status: "failed",
            endpoint: endpoint_text,
            response_status: None,
            error: Some(e.to_string()),
            next_attempt_at: now,
        },
        Err(e) => retry_or_fail(e.to_string(), endpoint_text, None),
    }
}

/// Sends the mentions that are due; returns how many were tried.
pub async fn send_due(store: &Store, fetcher: &Fetcher, now: i64) -> anyhow::Result<usize> {
    let due = store.due_webmention_sends(now, 20).await?;
    for job in &due {
        let outcome = send(fetcher, &job.source_url, &job.target_url, job.attempts, now).await;
        store.finish_webmention_send(job.id, &outcome, now).await?;
    }
    Ok(due.len())
}

/// The pairs to send for newly stored articles: our article page mentions its original.
pub fn article_mentions(base_url: &str, articles: &[(i64, &str, &str)]) -> Vec<(String, String)> {
    articles
        .iter()
        .filter(|(_, _, url)| url.starts_with("http://") || url.starts_with("https://"))
        .map(|(id, slug, url)| (format!("{base_url}/a/{id}/{slug}"), (*url).to_string()))
        .collect()
}

/// Checks every partner of the link exchange for a link back to `base_url` (any link to a page
/// of this site counts).
pub async fn check_partners(
    store: &Store,
    fetcher: &Fetcher,
    base_url: &str,
    now: i64,
) -> anyhow::Result<usize> {
    let ours = Url::parse(base_url)?;
    let partners = store.partners().await?;
    for partner in &partners {
        let result = match Url::parse(&partner.url) {
            Ok(url) => fetcher.fetch_page(&url).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match result {
            Ok(body) => {
                let html = String::from_utf8_lossy(&body.bytes);
                let found = linkx_extract::webmention::links_to_site(&html, &body.final_url, &ours);
                store
                    .record_partner_check(partner.id, Some(found), None, now)
                    .await?;
            }
            Err(e) => {
                store
                    .record_partner_check(partner.id, None, Some(&e), now)
                    .await?
            }
        }
    }
    Ok(partners.len())
}
