//! The Link Exchange website: `fn app(state) -> Router`, its handlers, templates and feeds out.
//!
//! Handlers are thin: read input, make one store call, render. This crate never makes an
//! outbound request itself and holds no SQL.

pub mod admin;
mod cache;
pub mod comments;
mod error;
mod feeds;
pub mod i18n;
pub mod images;
pub mod keys;
mod ops;
mod pages;
pub mod search;
pub mod view;
pub mod webmention;

pub use error::WebError;
pub use ops::Metrics;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use axum::routing::{get, post};
use linkx_core::Clock;
use linkx_core::config::CommentsConfig;
use linkx_store::Store;
use minijinja::Environment;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;

/// What the site says about itself, from `[site]`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SiteInfo {
    pub title: String,
    pub description: String,
    pub language: String,
    /// Absolute URL without trailing slash, e.g. `https://news.example.org`.
    pub base_url: String,
}

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// The site as configured, and as the operator's runtime settings change it.
    configured: Arc<(SiteInfo, CommentsConfig)>,
    current: Arc<std::sync::RwLock<(Arc<SiteInfo>, Arc<CommentsConfig>)>>,
    templates: Arc<Environment<'static>>,
    /// False until start-up work (migrations, the demo import) is done; `/healthz` reports it.
    pub ready: Arc<AtomicBool>,
    pub metrics: Arc<Metrics>,
    /// Home/listing pages by page number (only the first few are cached).
    /// with the clock time until which each stays right (a pinned story's pin ending changes it).
    page_cache: Arc<cache::RenderCache<i64, (axum::body::Bytes, i64)>>,
    /// Comment threads as anonymous readers see them, by article and whether it is closed.
    thread_cache: Arc<cache::RenderCache<(i64, bool), Arc<str>>>,
    /// Article pages as readers who have not commented see them, with a placeholder where
    /// each reader's form token goes (see `pages::article`).
    article_cache: Arc<cache::RenderCache<i64, Arc<pages::CachedArticle>>>,
    /// That placeholder: random per process, so no text an article carries can contain it.
    token_placeholder: Arc<str>,
    pub clock: Arc<dyn Clock>,
    keys: Arc<keys::Keys>,
    limiter: Arc<comments::RateLimiter>,
    /// Cookies get `Secure` when the site is served over https.
    secure_cookies: bool,
    notifications: bool,
    pub search: Option<Arc<linkx_search::SearchIndex>>,
    /// False while the index is being rebuilt: search says so instead of showing partial results.
    search_ready: Arc<AtomicBool>,
    data_dir: Option<PathBuf>,
    webmention: bool,
    mention_limiter: Arc<comments::RateLimiter>,
    /// Woken when a page queues a job, so a job runner in this process starts at once.
    pub jobs_queued: Arc<tokio::sync::Notify>,
}

/// How the site behaves beyond what it says about itself.
pub struct Options {
    pub comments: CommentsConfig,
    pub clock: Arc<dyn Clock>,
    /// Templates here replace the built-in ones by name.
    pub theme_dir: Option<PathBuf>,
    /// Reply mails can be sent (SMTP is configured): the form offers "notify me of replies".
    pub notifications: bool,
    /// The search index (`None`: search says it is unavailable; every other page works).
    pub search: Option<Arc<linkx_search::SearchIndex>>,
    /// The data directory, for the dashboard's disk usage.
    pub data_dir: Option<PathBuf>,
    /// Receive Webmentions (`[webmention] enabled`): the endpoint is advertised and answers.
    pub webmention: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            comments: CommentsConfig::default(),
            clock: Arc::new(linkx_core::SystemClock),
            theme_dir: None,
            notifications: false,
            search: None,
            data_dir: None,
            webmention: true,
        }
    }
}

/// Built-in templates, each overridable by a file of the same name in the theme folder.
const TEMPLATES: [(&str, &str); 35] = [
    ("base.html", include_str!("../templates/base.html")),
    ("card.html", include_str!("../templates/card.html")),
    ("pager.html", include_str!("../templates/pager.html")),
    ("index.html", include_str!("../templates/index.html")),
    ("article.html", include_str!("../templates/article.html")),
    ("story.html", include_str!("../templates/story.html")),
    ("source.html", include_str!("../templates/source.html")),
    ("sources.html", include_str!("../templates/sources.html")),
    ("error.html", include_str!("../templates/error.html")),
    ("comments.html", include_str!("../templates/comments.html")),
    ("thread.html", include_str!("../templates/thread.html")),
    ("search.html", include_str!("../templates/search.html")),
    (
        "comment_edit.html",
        include_str!("../templates/comment_edit.html"),
    ),
    ("mentions.html", include_str!("../templates/mentions.html")),
    ("links.html", include_str!("../templates/links.html")),
    ("topic.html", include_str!("../templates/topic.html")),
    ("topics.html", include_str!("../templates/topics.html")),
    (
        "admin_topics.html",
        include_str!("../templates/admin_topics.html"),
    ),
    (
        "admin_stories.html",
        include_str!("../templates/admin_stories.html"),
    ),
    (
        "admin_rules.html",
        include_str!("../templates/admin_rules.html"),
    ),
    (
        "admin_takedowns.html",
        include_str!("../templates/admin_takedowns.html"),
    ),
    (
        "admin_links.html",
        include_str!("../templates/admin_links.html"),
    ),
    (
        "admin_base.html",
        include_str!("../templates/admin_base.html"),
    ),
    (
        "admin_login.html",
        include_str!("../templates/admin_login.html"),
    ),
    (
        "admin_dashboard.html",
        include_str!("../templates/admin_dashboard.html"),
    ),
    (
        "admin_sources.html",
        include_str!("../templates/admin_sources.html"),
    ),
    (
        "admin_source.html",
        include_str!("../templates/admin_source.html"),
    ),
    (
        "admin_source_new.html",
        include_str!("../templates/admin_source_new.html"),
    ),
    (
        "admin_source_settings.html",
        include_str!("../templates/admin_source_settings.html"),
    ),
    (
        "admin_job.html",
        include_str!("../templates/admin_job.html"),
    ),
    (
        "admin_moderation.html",
        include_str!("../templates/admin_moderation.html"),
    ),
    (
        "admin_settings.html",
        include_str!("../templates/admin_settings.html"),
    ),
    (
        "admin_users.html",
        include_str!("../templates/admin_users.html"),
    ),
    (
        "admin_password.html",
        include_str!("../templates/admin_password.html"),
    ),
    (
        "admin_audit.html",
        include_str!("../templates/admin_audit.html"),
    ),
];

impl AppState {
    /// Builds the state, creating the site's signing secret in the store on first use.
    pub async fn new(store: Store, site: SiteInfo, options: Options) -> Result<AppState, WebError> {
        let secret = store.secret("site", &keys::random_hex(32)).await?;
        let keys = Arc::new(keys::Keys::from_secret(&secret));
        let theme_dir = options.theme_dir.as_deref();
        let mut env = Environment::new();
        env.set_formatter(html_formatter);
        // `{{ url|img }}`: the image's path through the site's signed image proxy.
        let signer = keys.clone();
        env.add_filter("img", move |url: String| signer.image_path(&url));
        // `{{ language|dir }}`: `rtl`, `ltr`, or `auto` when the language is unknown.
        env.add_filter("dir", |language: Option<String>| {
            view::text_direction(language.as_deref())
        });
        i18n::register(&mut env);
        // Block tags leave no blank lines and indentation behind: a 200-comment thread is
        // a sixth smaller.
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        for (name, builtin) in TEMPLATES {
            let source = match theme_dir.map(|dir| dir.join(name)) {
                Some(path) if path.is_file() => std::fs::read_to_string(&path)
                    .map_err(|e| WebError::Theme(format!("cannot read {}: {e}", path.display())))?,
                _ => builtin.to_string(),
            };
            env.add_template_owned(name, source)
                .map_err(|e| WebError::Theme(format!("template {name}: {e}")))?;
        }
        let secure_cookies = site.base_url.starts_with("https://");
        let state = AppState {
            store,
            secure_cookies,
            keys,
            limiter: Arc::new(comments::RateLimiter::new(
                options.comments.rate_limit_per_hour,
            )),
            current: Arc::new(std::sync::RwLock::new((
                Arc::new(site.clone()),
                Arc::new(options.comments.clone()),
            ))),
            configured: Arc::new((site, options.comments)),
            clock: options.clock,
            notifications: options.notifications,
            search: options.search,
            data_dir: options.data_dir,
            webmention: options.webmention,
            mention_limiter: Arc::new(comments::RateLimiter::new(webmention::PER_HOST_PER_HOUR)),
            search_ready: Arc::new(AtomicBool::new(false)),
            templates: Arc::new(env),
            ready: Arc::new(AtomicBool::new(false)),
            metrics: Arc::new(Metrics::default()),
            page_cache: Arc::new(cache::RenderCache::new(5)),
            thread_cache: Arc::new(cache::RenderCache::new(1024)),
            // About 20 KB each.
            article_cache: Arc::new(cache::RenderCache::new(256)),
            token_placeholder: Arc::from(format!("lxtoken{}", keys::random_hex(16))),
            jobs_queued: Arc::new(tokio::sync::Notify::new()),
        };
        state.reload_settings().await?;
        Ok(state)
    }

    /// Queues `request` for the job runner (the web process never fetches anything itself) and
    /// wakes a runner in this process. `by` is the operator who asked, if any.
    pub async fn enqueue(
        &self,
        request: &linkx_core::jobs::JobRequest,
        by: Option<&str>,
    ) -> Result<i64, WebError> {
        let payload = serde_json::to_string(request)
            .map_err(|e| WebError::Theme(format!("cannot encode job: {e}")))?;
        let id = self
            .store
            .enqueue_job(request.kind(), &payload, by, self.clock.now())
            .await?;
        self.jobs_queued.notify_one();
        Ok(id)
    }

    /// The site's signing keys (shared with the binary's image proxy).
    pub fn keys(&self) -> Arc<keys::Keys> {
        self.keys.clone()
    }

    /// What the site says about itself now (configuration plus runtime settings).
    pub fn site(&self) -> Arc<SiteInfo> {
        match self.current.read() {
            Ok(current) => current.0.clone(),
            Err(poisoned) => poisoned.into_inner().0.clone(),
        }
    }

    /// The comment policy now (configuration plus runtime settings).
    pub fn comments(&self) -> Arc<CommentsConfig> {
        match self.current.read() {
            Ok(current) => current.1.clone(),
            Err(poisoned) => poisoned.into_inner().1.clone(),
        }
    }

    /// Applies the runtime settings stored in the database over the configured values. Called
    /// at start, after the operator saves settings, and periodically by the server so every
    /// process of a site follows.
    pub async fn reload_settings(&self) -> Result<(), WebError> {
        let stored = self.store.site_settings().await?;
        let (site, comments) =
            admin::settings::apply(&self.configured.0, &self.configured.1, &stored);
        let mut current = match self.current.write() {
            Ok(current) => current,
            Err(poisoned) => poisoned.into_inner(),
        };
        *current = (Arc::new(site), Arc::new(comments));
        Ok(())
    }

    pub fn set_ready(&self) {
        self.ready.store(true, Ordering::Release);
    }

    /// The search index holds every article: search results are complete.
    pub fn set_search_ready(&self) {
        self.search_ready.store(true, Ordering::Release);
    }
}

/// Auto-escaping that leaves `/` alone (minijinja escapes it by default), so URLs in attributes
/// read as written: `href="https://…"`. `&`, `<`, `>`, `"` and `'` are still escaped.
fn html_formatter(
    out: &mut minijinja::Output<'_>,
    state: &minijinja::State<'_, '_>,
    value: &minijinja::Value,
) -> Result<(), minijinja::Error> {
    if state.auto_escape() == minijinja::AutoEscape::Html
        && !value.is_safe()
        && !value.is_none()
        && !value.is_undefined()
    {
        let owned;
        let text = match value.as_str() {
            Some(text) => text,
            None => {
                owned = value.to_string();
                owned.as_str()
            }
        };
        // Write unescaped runs straight through; only the five special characters are replaced.
        let mut rest = text;
        while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
            let entity = match rest.as_bytes()[i] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            };
            write_out(out, &rest[..i])?;
            write_out(out, entity)?;
            rest = &rest[i + 1..];
        }
        return write_out(out, rest);
    }
    minijinja::escape_formatter(out, state, value)
}

fn write_out(out: &mut minijinja::Output<'_>, s: &str) -> Result<(), minijinja::Error> {
    out.write_str(s)
        .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()))
}

/// The whole site as a router; serve it with `axum::serve` or test it with `oneshot`.
pub fn app(state: AppState) -> Router {
    let security_headers = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; object-src 'none'; \
             frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        (
            HeaderName::from_static("permissions-policy"),
            "interest-cohort=(), browsing-topics=()",
        ),
    ];
    let (state_webmention, base_url) = (state.webmention, state.site().base_url.clone());
    let mut router = Router::new()
        .route("/", get(pages::index))
        .route("/a/{id}/{slug}", get(pages::article))
        .route("/a/{id}", get(pages::article_without_slug))
        .route("/a/{id}/comments", post(comments::post_comment))
        .route("/a/{id}/comments.atom", get(feeds::article_comments_atom))
        .route(
            "/comments/{id}/edit",
            get(comments::edit_form).post(comments::edit_post),
        )
        .route("/comments/{id}/delete", post(comments::delete_post))
        .route("/comments.atom", get(feeds::comments_atom))
        .route("/avatar/{file}", get(comments::avatar))
        .route("/notify/confirm", get(comments::notify_confirm))
        .route(
            "/notify/unsubscribe",
            get(comments::notify_unsubscribe).post(comments::notify_unsubscribe),
        )
        .route(
            "/api/v1/articles/{id}/comments",
            get(comments::api_comments),
        )
        .route("/s/{id}", get(pages::story))
        .route("/source/{slug}", get(pages::source))
        .route("/sources", get(pages::sources))
        .route("/links", get(pages::links))
        .route("/topics", get(pages::topics))
        .route("/t/{slug}", get(pages::topic))
        .route("/t/{slug}/feed.atom", get(feeds::topic_atom))
        .route("/search", get(search::search_page))
        .route("/api/v1/search", get(search::search_api))
        .route("/opensearch.xml", get(search::opensearch))
        .route("/feed.atom", get(feeds::atom))
        .route("/rss.xml", get(feeds::rss))
        .route("/feed.json", get(feeds::json_feed))
        .route("/sitemap.xml", get(feeds::sitemap))
        .route("/sitemap-{page}", get(feeds::sitemap_page))
        .route("/robots.txt", get(feeds::robots))
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .route("/static/style.css", get(ops::stylesheet))
        .merge(admin::routes())
        .route("/webmention", post(webmention::receive))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ops::count_requests,
        ))
        // Pages are dynamic and large (a long thread): the fastest level compresses them 3–4×
        // faster than the default for a few per cent more bytes.
        .layer(
            CompressionLayer::new()
                .gzip(true)
                .br(true)
                .quality(tower_http::CompressionLevel::Fastest),
        )
        .with_state(state);
    // Every page advertises the Webmention endpoint (HTTP `Link` header; pages also carry
    // `<link rel="webmention">`).
    if state_webmention
        && let Ok(value) = HeaderValue::from_str(&format!(
            "<{}/webmention>; rel=\"webmention\"",
            base_url.trim_end_matches('/')
        ))
    {
        router = router.layer(SetResponseHeaderLayer::if_not_present(header::LINK, value));
    }
    for (name, value) in security_headers {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ));
    }
    router
}
