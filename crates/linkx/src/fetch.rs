//! The one HTTP client for every outbound request: polite, bounded and SSRF-safe.
//!
//! Private network addresses are refused at connect time (in the DNS resolver, so a name that
//! re-resolves to 127.0.0.1 cannot pass) unless `poll.allow_private_networks` is set. Redirects
//! are followed by hand so every hop is checked and a permanent move can be reported.

use crate::robots::Robots;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

const MAX_REDIRECTS: usize = 5;
const ROBOTS_MAX_BODY: u64 = 512 * 1024;
/// How long a host's robots.txt is trusted before it is fetched again (RFC 9309 suggests ≤ 24 h).
const ROBOTS_TTL: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Clone)]
pub struct FetchConfig {
    pub user_agent: String,
    pub timeout: Duration,
    pub max_body: u64,
    pub per_host: usize,
    pub allow_private_networks: bool,
}

/// Caching hints from the response, in seconds from now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheHints {
    pub max_age: Option<i64>,
    pub retry_after: Option<i64>,
}

#[derive(Debug)]
pub enum Fetched {
    NotModified { hints: CacheHints },
    Body(Box<Body>),
}

#[derive(Debug)]
pub struct Body {
    pub final_url: Url,
    pub status: u16,
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub hints: CacheHints,
    /// Set when every redirect on the way was permanent (301/308): the resource moved here.
    pub moved_permanently_to: Option<Url>,
    /// Every `Link` header value of the final response, in order (Webmention discovery).
    pub links: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(
        "refused to connect to {0}: it is a private or local network address (set poll.allow_private_networks = true to allow)"
    )]
    PrivateAddress(String),
    #[error("host {0} not found (DNS lookup failed)")]
    HostNotFound(String),
    #[error("could not connect to {host}: {detail}")]
    Connect { host: String, detail: String },
    #[error("no response within {0} s (poll.timeout)")]
    Timeout(u64),
    #[error("response is larger than the {limit} byte limit (poll.max_body)")]
    TooLarge { limit: u64 },
    #[error("HTTP {status}{}", retry_after.map(|s| format!(": server asks to retry after {s} s")).unwrap_or_default())]
    Status {
        status: u16,
        retry_after: Option<i64>,
    },
    #[error("the feed is gone (HTTP 410): the publisher removed it")]
    Gone,
    #[error("too many redirects (more than {MAX_REDIRECTS})")]
    TooManyRedirects,
    #[error("redirect without a valid Location header")]
    BadRedirect,
    #[error("robots.txt of {0} disallows fetching this URL")]
    DisallowedByRobots(String),
    #[error("not an http(s) URL: {0}")]
    BadUrl(String),
    #[error("transfer failed: {0}")]
    Transfer(String),
}

impl FetchError {
    /// The HTTP status the server answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Status { status, .. } => Some(*status),
            FetchError::Gone => Some(410),
            _ => None,
        }
    }
}

type RobotsSlot = tokio::sync::Mutex<Option<(std::time::Instant, Arc<Robots>)>>;

/// The fetcher: one connection pool, per-host politeness, robots.txt cache.
pub struct Fetcher {
    client: reqwest::Client,
    config: FetchConfig,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
    /// One slot per origin, each behind its own lock: concurrent requests to one host wait for a
    /// single robots.txt fetch, requests to other hosts do not wait at all.
    robots: Mutex<HashMap<String, Arc<RobotsSlot>>>,
    /// Requests sent, for reports and benchmarks.
    pub requests: std::sync::atomic::AtomicU64,
}

impl Fetcher {
    pub fn new(config: FetchConfig) -> Result<Fetcher, FetchError> {
        // rustls needs a process-wide crypto provider; a second install is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .pool_max_idle_per_host(config.per_host)
            .dns_resolver(Arc::new(GuardedResolver {
                allow_private: config.allow_private_networks,
            }))
            .build()
            .map_err(|e| FetchError::Transfer(e.to_string()))?;
        Ok(Fetcher {
            client,
            config,
            hosts: Mutex::new(HashMap::new()),
            robots: Mutex::new(HashMap::new()),
            requests: std::sync::atomic::AtomicU64::new(0),
        })
    }

    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// Waits for a free slot on `host` (at most `per_host` requests at once to one host).
    async fn host_permit(&self, host: &str) -> Option<OwnedSemaphorePermit> {
        let semaphore = {
            let mut hosts = self
                .hosts
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            hosts
                .entry(host.to_string())
                .or_insert_with(|| Arc::new(Semaphore::new(self.config.per_host)))
                .clone()
        };
        // The semaphore is never closed, so this only yields `None` in theory.
        semaphore.acquire_owned().await.ok()
    }

    /// Fetches `url` politely: robots.txt checked, conditional headers sent, redirects followed
    /// and checked, the body bounded.
    pub async fn fetch(
        &self,
        url: &Url,
        etag: Option<&str>,
        last_modified: Option<&str>,
    ) -> Result<Fetched, FetchError> {
        let mut current = url.clone();
        let mut all_permanent = true;
        for hop in 0..=MAX_REDIRECTS {
            self.check_target(&current)?;
            if !self.robots_allow(&current).await {
                return Err(FetchError::DisallowedByRobots(
                    current.host_str().unwrap_or("").to_string(),
                ));
            }
            let host = current.host_str().unwrap_or("").to_string();
            let _permit = self.host_permit(&host).await;
            let mut request = self.client.get(current.clone()).header(
                reqwest::header::ACCEPT,
                "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
            );
            // Validators belong to the original URL only.
            if hop == 0 {
                if let Some(etag) = etag {
                    request = request.header(reqwest::header::IF_NONE_MATCH, etag);
                }
                if let Some(lm) = last_modified {
                    request = request.header(reqwest::header::IF_MODIFIED_SINCE, lm);
                }
            }
            self.requests
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let response = request.send().await.map_err(|e| self.classify(&host, e))?;
            let status = response.status().as_u16();
            let headers = response.headers();
            let hints = cache_hints(headers);
            match status {
                301 | 302 | 303 | 307 | 308 => {
                    all_permanent &= matches!(status, 301 | 308);
                    let location = headers
                        .get(reqwest::header::LOCATION)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|l| current.join(l).ok())
                        .ok_or(FetchError::BadRedirect)?;
                    current = location;
                    continue;
                }
                304 => return Ok(Fetched::NotModified { hints }),
                410 => return Err(FetchError::Gone),
                200..=299 => {
                    let header_text = |name| {
                        headers
                            .get(name)
                            .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                            .map(str::to_string)
                    };
                    let content_type = header_text(reqwest::header::CONTENT_TYPE);
                    let new_etag = header_text(reqwest::header::ETAG);
                    let new_last_modified = header_text(reqwest::header::LAST_MODIFIED);
                    let links = headers
                        .get_all(reqwest::header::LINK)
                        .iter()
                        .filter_map(|v| v.to_str().ok())
                        .map(str::to_string)
                        .collect();
                    let bytes =
                        read_limited(response, self.config.max_body, &host, self.config.timeout)
                            .await?;
                    let moved = (hop > 0 && all_permanent).then(|| current.clone());
                    return Ok(Fetched::Body(Box::new(Body {
                        final_url: current,
                        status,
                        bytes,
                        content_type,
                        etag: new_etag,
                        last_modified: new_last_modified,
                        hints,
                        moved_permanently_to: moved,
                        links,
                    })));
                }
                _ => {
                    return Err(FetchError::Status {
                        status,
                        retry_after: hints.retry_after,
                    });
                }
            }
        }
        Err(FetchError::TooManyRedirects)
    }

    /// Fetches any page (not a feed), e.g. a site's home page for feed discovery.
    pub async fn fetch_page(&self, url: &Url) -> Result<Body, FetchError> {
        match self.fetch(url, None, None).await? {
            Fetched::Body(body) => Ok(*body),
            Fetched::NotModified { .. } => Err(FetchError::Status {
                status: 304,
                retry_after: None,
            }),
        }
    }

    /// POSTs a form (a Webmention) with the same protections as every fetch: private
    /// addresses refused, per-host limit, timeout. Redirects are not followed. Returns the
    /// status and at most 64 KiB of the response body.
    pub async fn post_form(
        &self,
        url: &Url,
        fields: &[(&str, &str)],
    ) -> Result<(u16, String), FetchError> {
        self.check_target(url)?;
        let host = url.host_str().unwrap_or("").to_string();
        let _permit = self.host_permit(&host).await;
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let response = self
            .client
            .post(url.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .send()
            .await
            .map_err(|e| self.classify(&host, e))?;
        let status = response.status().as_u16();
        let text = read_limited(response, 64 * 1024, &host, self.config.timeout)
            .await
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        Ok((status, text))
    }

    /// Rejects non-http(s) URLs and literal private addresses (names are checked at resolve time).
    fn check_target(&self, url: &Url) -> Result<(), FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::BadUrl(url.to_string()));
        }
        let literal: Option<IpAddr> = match url.host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            Some(url::Host::Domain(_)) => None,
            None => return Err(FetchError::BadUrl(url.to_string())),
        };
        if let Some(ip) = literal
            && !self.config.allow_private_networks
            && !is_public(ip)
        {
            return Err(FetchError::PrivateAddress(ip.to_string()));
        }
        Ok(())
    }

    /// Whether robots.txt of the URL's origin allows our User-Agent to fetch it. A missing
    /// robots.txt (4xx) or an unreachable one allows; a 5xx disallows for this run (RFC 9309).
    async fn robots_allow(&self, url: &Url) -> bool {
        let origin = url.origin().ascii_serialization();
        let slot = {
            let mut slots = self.robots.lock().unwrap_or_else(|p| p.into_inner());
            slots.entry(origin.clone()).or_default().clone()
        };
        let mut cached = slot.lock().await;
        let robots = match cached.as_ref() {
            Some((fetched, robots)) if fetched.elapsed() < ROBOTS_TTL => robots.clone(),
            _ => {
                let robots = Arc::new(self.fetch_robots(&origin).await);
                *cached = Some((std::time::Instant::now(), robots.clone()));
                robots
            }
        };
        drop(cached);
        robots.allows(&self.config.user_agent, url)
    }

    async fn fetch_robots(&self, origin: &str) -> Robots {
        let Ok(url) = Url::parse(&format!("{origin}/robots.txt")) else {
            return Robots::allow_all();
        };
        if self.check_target(&url).is_err() {
            return Robots::allow_all();
        }
        let host = url.host_str().unwrap_or("").to_string();
        let _permit = self.host_permit(&host).await;
        self.requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let response = match self.client.get(url).send().await {
            Ok(r) => r,
            Err(_) => return Robots::allow_all(),
        };
        match response.status().as_u16() {
            200..=299 => {
                match read_limited(response, ROBOTS_MAX_BODY, &host, self.config.timeout).await {
                    Ok(bytes) => Robots::parse(&String::from_utf8_lossy(&bytes)),
                    Err(_) => Robots::allow_all(),
                }
            }
            500..=599 => Robots::disallow_all(),
            _ => Robots::allow_all(),
        }
    }

    fn classify(&self, host: &str, err: reqwest::Error) -> FetchError {
        if err.is_timeout() {
            return FetchError::Timeout(self.config.timeout.as_secs());
        }
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
        while let Some(e) = source {
            if let Some(refused) = e.downcast_ref::<PrivateAddressRefused>() {
                return FetchError::PrivateAddress(refused.0.clone());
            }
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                if io.kind() == std::io::ErrorKind::NotFound
                    || io.to_string().contains("failed to lookup address")
                {
                    return FetchError::HostNotFound(host.to_string());
                }
                return FetchError::Connect {
                    host: host.to_string(),
                    detail: io.to_string(),
                };
            }
            source = e.source();
        }
        if err.is_connect() {
            return FetchError::Connect {
                host: host.to_string(),
                detail: root_cause(&err),
            };
        }
        FetchError::Transfer(root_cause(&err))
    }
}

fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut last = err.to_string();
    let mut source = err.source();
    while let Some(e) = source {
        last = e.to_string();
        source = e.source();
    }
    last
}

/// Reads a response body, failing as soon as it passes `limit` bytes (after decompression).
async fn read_limited(
    mut response: reqwest::Response,
    limit: u64,
    host: &str,
    timeout: Duration,
) -> Result<Vec<u8>, FetchError> {
    if response.content_length().is_some_and(|len| len > limit) {
        return Err(FetchError::TooLarge { limit });
    }
    let mut bytes = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if bytes.len() as u64 + chunk.len() as u64 > limit {
                    return Err(FetchError::TooLarge { limit });
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(bytes),
            Err(e) if e.is_timeout() => return Err(FetchError::Timeout(timeout.as_secs())),
            Err(e) => {
                return Err(FetchError::Connect {
                    host: host.to_string(),
                    detail: root_cause(&e),
                });
            }
        }
    }
}

/// `Cache-Control: max-age`, `Expires` and `Retry-After` as seconds from now.
fn cache_hints(headers: &reqwest::header::HeaderMap) -> CacheHints {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
    };
    let date = text(reqwest::header::DATE).and_then(parse_http_date);
    let now = date.unwrap_or_else(|| chrono::Utc::now().timestamp());
    let max_age = text(reqwest::header::CACHE_CONTROL)
        .and_then(|cc| {
            cc.split(',').find_map(|d| {
                let d = d.trim();
                d.strip_prefix("max-age=")
                    .or_else(|| d.strip_prefix("s-maxage="))
                    .and_then(|v| v.trim_matches('"').parse::<i64>().ok())
            })
        })
        .or_else(|| {
            text(reqwest::header::EXPIRES)
                .and_then(parse_http_date)
                .map(|exp| exp - now)
        })
        .filter(|s| *s > 0);
    let retry_after = text(reqwest::header::RETRY_AFTER).and_then(|v| {
        v.trim()
            .parse::<i64>()
            .ok()
            .or_else(|| parse_http_date(v).map(|at| at - now))
            .map(|s| s.max(0))
    });
    CacheHints {
        max_age,
        retry_after,
    }
}

fn parse_http_date(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc2822(s.trim())
        .ok()
        .map(|d| d.timestamp())
}

/// True for addresses on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 198 && (o[1] == 18 || o[1] == 19))
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                || (s[0] == 0x64 && s[1] == 0xff9b))
        }
    }
}

#[derive(Debug)]
struct PrivateAddressRefused(String);

impl std::fmt::Display for PrivateAddressRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} resolves only to private network addresses", self.0)
    }
}

impl std::error::Error for PrivateAddressRefused {}

/// Resolves names and drops private addresses unless allowed; the connection can only go to
/// what this returns, so the check holds at connect time.
struct GuardedResolver {
    allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = addrs
                .into_iter()
                .filter(|a| allow_private || is_public(a.ip()))
                .collect();
            if allowed.is_empty() {
                return Err(Box::new(PrivateAddressRefused(host))
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:2800:220:1::1"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn cache_hints_read_max_age_and_retry_after() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("cache-control", "public, max-age=900".parse().unwrap());
        h.insert("retry-after", "120".parse().unwrap());
        assert_eq!(
            cache_hints(&h),
            CacheHints {
                max_age: Some(900),
                retry_after: Some(120)
            }
        );
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("date", "Wed, 25 Nov 2026 10:00:00 GMT".parse().unwrap());
        h.insert("expires", "Wed, 25 Nov 2026 11:00:00 GMT".parse().unwrap());
        assert_eq!(cache_hints(&h).max_age, Some(3600));
    }
}
