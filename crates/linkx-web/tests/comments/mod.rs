//! "Leave a Reply": every rule of the comment form, through the router, with readers that keep
//! their cookies like a browser and a clock the test moves.

use super::{add_source, article, ingest, site_info};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use linkx_core::ManualClock;
use linkx_core::comment::CommentStatus;
use linkx_core::config::{CommentsConfig, Moderation};
use linkx_core::{Clock, Display};
use linkx_store::Store;
use linkx_web::{AppState, Options, app};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use tower::ServiceExt;

pub(super) const NOW: i64 = 1_795_200_000;
pub(super) const ARTICLE: &str = "/a/1/bridge-reopens";

pub(super) struct CommentSite {
    _dir: tempfile::TempDir,
    pub(super) store: Store,
    pub(super) state: AppState,
    pub(super) clock: Arc<ManualClock>,
}

pub(super) async fn comment_site(config: CommentsConfig) -> CommentSite {
    comment_site_with(config, false).await
}

async fn comment_site_with(config: CommentsConfig, notifications: bool) -> CommentSite {
    let dir = tempfile::tempdir().unwrap();
    let store = linkx_store::testing::open_test_store(dir.path()).await;
    let clock = ManualClock::at(NOW);
    let options = Options {
        comments: config,
        clock: clock.clone(),
        theme_dir: None,
        notifications,
        search: None,
        data_dir: None,
        webmention: true,
    };
    let state = AppState::new(store.clone(), site_info(), options)
        .await
        .unwrap();
    state.set_ready();
    let src = add_source(&store, "Daily Planet", Display::Excerpt).await;
    ingest(
        &store,
        src,
        &[
            article(1, "Bridge reopens", "The bridge reopened today."),
            article(2, "Dam inspected", "Inspectors visited the dam."),
        ],
    )
    .await;
    CommentSite {
        _dir: dir,
        store,
        state,
        clock,
    }
}

/// Publishes at once, so tests about other rules are not held by "first-time commenters".
pub(super) fn open_config() -> CommentsConfig {
    CommentsConfig {
        moderation: Moderation::None,
        ..CommentsConfig::default()
    }
}

pub(super) struct Reply {
    pub(super) status: StatusCode,
    pub(super) headers: HeaderMap,
    pub(super) body: String,
}

impl Reply {
    pub(super) fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// A reader with a browser's cookie jar and an IP address.
pub(super) struct Reader<'a> {
    site: &'a CommentSite,
    pub(super) cookies: HashMap<String, String>,
    ip: SocketAddr,
}

pub(super) fn reader<'a>(site: &'a CommentSite, ip: &str) -> Reader<'a> {
    Reader {
        site,
        cookies: HashMap::new(),
        ip: format!("{ip}:50000").parse().unwrap(),
    }
}

pub(super) fn form_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .map(|i| i + marker.len())
        .unwrap_or_else(|| {
            panic!("no {name} field in the page");
        });
    html[start..].split('"').next().unwrap().to_string()
}

fn encode(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

impl Reader<'_> {
    async fn send(&mut self, request: axum::http::request::Builder, body: Body) -> Reply {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut request = request.header(header::COOKIE, cookie).body(body).unwrap();
        request.extensions_mut().insert(ConnectInfo(self.ip));
        let response = app(self.site.state.clone()).oneshot(request).await.unwrap();
        for value in response.headers().get_all(header::SET_COOKIE) {
            let pair = value.to_str().unwrap().split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            self.cookies.insert(k.to_string(), v.to_string());
        }
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 50 << 20)
            .await
            .unwrap();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub(super) async fn get(&mut self, uri: &str) -> Reply {
        self.send(Request::get(uri), Body::empty()).await
    }

    pub(super) async fn post(&mut self, uri: &str, fields: &[(&str, &str)]) -> Reply {
        let request =
            Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        self.send(request, Body::from(encode(fields))).await
    }

    /// Opens the article, takes a few seconds to write like a person, and posts `fields` with
    /// the page's form token.
    pub(super) async fn comment(&mut self, page: &str, fields: &[(&str, &str)]) -> Reply {
        let shown = self.get(page).await;
        let token = form_value(&shown.body, "_token");
        self.site.clock.advance(5);
        let mut all = fields.to_vec();
        all.push(("_token", &token));
        let id = page.split('/').nth(2).unwrap();
        self.post(&format!("/a/{id}/comments"), &all).await
    }
}

pub(super) fn fields<'a>(
    author: &'a str,
    email: &'a str,
    comment: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![("author", author), ("email", email), ("comment", comment)]
}

pub(super) async fn stored(site: &CommentSite) -> Vec<linkx_store::CommentView> {
    let mut all = Vec::new();
    for status in [
        CommentStatus::Approved,
        CommentStatus::Pending,
        CommentStatus::Spam,
        CommentStatus::Deleted,
    ] {
        all.extend(site.store.comments_with_status(status, 1000).await.unwrap());
    }
    all.sort_by_key(|c| c.id);
    all
}

#[tokio::test]
async fn the_article_page_ends_with_the_reply_form() {
    let site = comment_site(CommentsConfig::default()).await;
    let page = reader(&site, "10.0.0.1").get(ARTICLE).await;
    assert_eq!(page.status, StatusCode::OK);
    for expected in [
        "Leave a Reply",
        "Your email address will not be published.",
        "Required fields are marked",
        r#"name="author""#,
        r#"name="email""#,
        r#"name="url""#,
        r#"name="comment""#,
        r#"name="comment_parent""#,
        r#"<label for="email">"#,
    ] {
        assert!(page.body.contains(expected), "missing {expected}");
    }
    let cookie = page.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    assert!(cookie.contains("Secure"), "the site is served over https");
}

#[tokio::test]
async fn a_valid_comment_redirects_to_its_anchor_and_appears() {
    let site = comment_site(open_config()).await;
    let mut ana = reader(&site, "10.0.0.1");
    let posted = ana
        .comment(
            ARTICLE,
            &fields("Ana", "ana@example.org", "Good to *see* this."),
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER);
    assert_eq!(posted.location(), "/a/1/bridge-reopens#comment-1");
    let page = reader(&site, "10.0.0.2").get(ARTICLE).await;
    assert!(page.body.contains(r#"id="comment-1""#));
    assert!(page.body.contains("Good to <em>see</em> this."));
    assert!(page.body.contains("One response to"));
}

#[tokio::test]
async fn missing_fields_are_named_and_nothing_typed_is_lost() {
    let site = comment_site(open_config()).await;
    let mut ana = reader(&site, "10.0.0.1");
    let refused = ana
        .comment(
            ARTICLE,
            &[
                ("author", "Ana"),
                ("url", "ana.example.org"),
                ("comment", "A long thought I do not want to type again."),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains(r#"id="email-error""#));
    assert!(refused.body.contains("Please enter your email address"));
    assert!(
        refused
            .body
            .contains("A long thought I do not want to type again.")
    );
    assert!(refused.body.contains(r#"value="Ana""#));
    assert!(refused.body.contains(r#"value="ana.example.org""#));
    let empty = ana.comment(ARTICLE, &fields("", "", "  ")).await;
    for field in ["author-error", "email-error", "comment-error"] {
        assert!(empty.body.contains(field), "{field}");
    }
    assert!(stored(&site).await.is_empty());
}

#[tokio::test]
async fn first_time_commenters_are_held_and_see_their_own_comment() {
    let site = comment_site(CommentsConfig::default()).await;
    let mut ana = reader(&site, "10.0.0.1");
    ana.comment(ARTICLE, &fields("Ana", "ana@example.org", "First words"))
        .await;
    let own = ana.get(ARTICLE).await;
    assert!(own.body.contains("First words"));
    assert!(own.body.contains("awaiting moderation"));
    let other = reader(&site, "10.0.0.2").get(ARTICLE).await;
    assert!(!other.body.contains("First words"));

    site.store
        .set_comment_status(1, CommentStatus::Approved)
        .await
        .unwrap();
    assert!(
        reader(&site, "10.0.0.2")
            .get(ARTICLE)
            .await
            .body
            .contains("First words")
    );
    site.clock.advance(60);
    // Known now: the next comment is published at once, whatever the letter case.
    ana.comment(ARTICLE, &fields("Ana", "ANA@example.org", "Second words"))
        .await;
    assert_eq!(stored(&site).await[1].status, CommentStatus::Approved);
}

#[tokio::test]
async fn hold_all_holds_even_known_commenters() {
    let config = CommentsConfig {
        moderation: Moderation::All,
        ..CommentsConfig::default()
    };
    let site = comment_site(config).await;
    let mut ana = reader(&site, "10.0.0.1");
    ana.comment(ARTICLE, &fields("Ana", "ana@example.org", "one"))
        .await;
    site.store
        .set_comment_status(1, CommentStatus::Approved)
        .await
        .unwrap();
    site.clock.advance(60);
    ana.comment(ARTICLE, &fields("Ana", "ana@example.org", "two"))
        .await;
    assert_eq!(stored(&site).await[1].status, CommentStatus::Pending);
}

#[tokio::test]
async fn links_and_word_lists_hold_or_reject() {
    let config = CommentsConfig {
        moderation_words: vec!["casino".into()],
        disallowed_words: vec!["pills".into()],
        flood_seconds: 0,
        ..open_config()
    };
    let site = comment_site(config).await;
    let mut ana = reader(&site, "10.0.0.1");
    ana.comment(
        ARTICLE,
        &fields(
            "Ana",
            "ana@example.org",
            "See https://a.example and [b](https://b.example)",
        ),
    )
    .await;
    ana.comment(
        ARTICLE,
        &fields("Ana", "ana@example.org", "Visit my Casino"),
    )
    .await;
    let spam = ana
        .comment(ARTICLE, &fields("Bot", "bot@example.org", "cheap pills"))
        .await;
    assert_eq!(spam.location(), "/a/1/bridge-reopens#respond");
    let all = stored(&site).await;
    assert_eq!(all[0].status, CommentStatus::Pending);
    assert_eq!(
        all[0].held_reason.as_deref(),
        Some("2 links (the limit is 2)")
    );
    assert_eq!(all[1].status, CommentStatus::Pending);
    assert_eq!(all[2].status, CommentStatus::Spam);
    assert!(!ana.get(ARTICLE).await.body.contains("cheap pills"));
}

#[tokio::test]
async fn flooding_is_429_and_refused_posts_do_not_count() {
    let site = comment_site(open_config()).await;
    let mut ana = reader(&site, "10.0.0.1");
    // A refused post (no email) does not start the flood window.
    let refused = ana.comment(ARTICLE, &fields("Ana", "", "hello")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let first = ana
        .comment(ARTICLE, &fields("Ana", "ana@example.org", "hello"))
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    let flood = ana
        .comment(ARTICLE, &fields("Ana", "ana@example.org", "again, quickly"))
        .await;
    assert_eq!(flood.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(flood.body.contains("too quickly"));
    assert!(flood.body.contains("again, quickly"), "text kept");
    // Another address from the same IP is flooding too; another person elsewhere is not.
    let same_ip = reader(&site, "10.0.0.1")
        .comment(ARTICLE, &fields("Bo", "bo@example.org", "me too"))
        .await;
    assert_eq!(same_ip.status, StatusCode::TOO_MANY_REQUESTS);
    site.clock.advance(15);
    let later = ana
        .comment(ARTICLE, &fields("Ana", "ana@example.org", "again, quickly"))
        .await;
    assert_eq!(later.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_same_comment_twice_is_409() {
    let site = comment_site(CommentsConfig {
        flood_seconds: 0,
        ..open_config()
    })
    .await;
    let mut ana = reader(&site, "10.0.0.1");
    let body = fields("Ana", "ana@example.org", "Same words");
    assert_eq!(
        ana.comment(ARTICLE, &body).await.status,
        StatusCode::SEE_OTHER
    );
    let again = ana.comment(ARTICLE, &body).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("already posted"));
    // The same words under another article are a new comment.
    let other = ana.comment("/a/2/dam-inspected", &body).await;
    assert_eq!(other.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn honeypot_and_too_fast_posts_are_refused() {
    let site = comment_site(open_config()).await;
    let mut bot = reader(&site, "10.0.0.9");
    let mut trap = fields("Bot", "bot@example.org", "buy now");
    trap.push(("hp_leave_empty", "http://spam.example"));
    let caught = bot.comment(ARTICLE, &trap).await;
    assert_eq!(caught.status, StatusCode::BAD_REQUEST);

    let page = bot.get(ARTICLE).await;
    let token = form_value(&page.body, "_token");
    site.clock.advance(1);
    let mut quick = fields("Bot", "bot@example.org", "instant words");
    quick.push(("_token", &token));
    let fast = bot.post("/a/1/comments", &quick).await;
    assert_eq!(fast.status, StatusCode::BAD_REQUEST);
    assert!(
        fast.body.contains("instant words"),
        "a hasty person keeps their text"
    );
    assert!(stored(&site).await.is_empty());
}

#[tokio::test]
async fn posts_without_this_sessions_token_are_refused() {
    let site = comment_site(open_config()).await;
    let mut victim = reader(&site, "10.0.0.1");
    let mut attacker = reader(&site, "10.6.6.6");
    let attacker_page = attacker.get(ARTICLE).await;
    let attacker_token = form_value(&attacker_page.body, "_token");
    victim.get(ARTICLE).await;
    site.clock.advance(10);
    let mut forged = fields("Victim", "victim@example.org", "forged words");
    forged.push(("_token", &attacker_token));
    assert_eq!(
        victim.post("/a/1/comments", &forged).await.status,
        StatusCode::FORBIDDEN
    );
    // No cookie at all (a cross-site form: SameSite keeps the cookie home).
    let mut stranger = reader(&site, "10.0.0.3");
    let refused = stranger.post("/a/1/comments", &forged).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("forged words"), "text kept to resend");
    // An expired form is refused too.
    let mut slow = reader(&site, "10.0.0.4");
    let page = slow.get(ARTICLE).await;
    let token = form_value(&page.body, "_token");
    site.clock.advance(3 * 24 * 3600);
    let mut late = fields("Slow", "slow@example.org", "late words");
    late.push(("_token", &token));
    assert_eq!(
        slow.post("/a/1/comments", &late).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(stored(&site).await.is_empty());
}

#[tokio::test]
async fn comments_close_after_the_configured_days() {
    let site = comment_site(CommentsConfig {
        close_after_days: 1,
        ..open_config()
    })
    .await;
    // The articles were published about two days before NOW.
    let mut ana = reader(&site, "10.0.0.1");
    let page = ana.get(ARTICLE).await;
    assert!(page.body.contains("Comments are closed"));
    assert!(!page.body.contains(r#"id="commentform""#));
    let session = ana.cookies["lx_session"].clone();
    let token = site_token(&site, &session).await;
    site.clock.advance(10);
    let mut post = fields("Ana", "ana@example.org", "late");
    post.push(("_token", &token));
    assert_eq!(
        ana.post("/a/1/comments", &post).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(stored(&site).await.is_empty());
}

/// The article page is rendered once for every reader who has not commented, each reader's
/// form token put in when it is served: each token works for its own reader only, and the page
/// changes as soon as a comment is posted or comments close.
#[tokio::test]
async fn readers_share_one_rendered_page_but_each_gets_their_own_form_token() {
    let site = comment_site(CommentsConfig {
        close_after_days: 3,
        flood_seconds: 0,
        ..open_config()
    })
    .await;
    let mut ana = reader(&site, "10.0.0.1");
    let mut bo = reader(&site, "10.0.0.2");
    let first = ana.get(ARTICLE).await;
    let second = bo.get(ARTICLE).await;
    let (ana_token, bo_token) = (
        form_value(&first.body, "_token"),
        form_value(&second.body, "_token"),
    );
    assert_ne!(ana_token, bo_token);
    for page in [&first.body, &second.body] {
        assert!(!page.contains("lxtoken"), "no placeholder is ever served");
    }
    assert_eq!(
        first.body.replace(&ana_token, ""),
        second.body.replace(&bo_token, ""),
        "the same page otherwise"
    );
    site.clock.advance(10);
    // Bo's token is refused from Ana's session and accepted from Bo's.
    let mut wrong = fields("Ana", "ana@example.org", "with Bo's token");
    wrong.push(("_token", &bo_token));
    assert_eq!(
        ana.post("/a/1/comments", &wrong).await.status,
        StatusCode::FORBIDDEN
    );
    let mut right = fields("Bo", "bo@example.org", "Seen from the bridge");
    right.push(("_token", &bo_token));
    assert_eq!(
        bo.post("/a/1/comments", &right).await.status,
        StatusCode::SEE_OTHER
    );
    let mut carl = reader(&site, "10.0.0.3");
    assert!(
        carl.get(ARTICLE)
            .await
            .body
            .contains("Seen from the bridge"),
        "a new comment shows at once"
    );
    // The articles were published about two days before NOW: a day later comments close.
    site.clock.advance(24 * 3600);
    let closed = carl.get(ARTICLE).await;
    assert!(closed.body.contains("Comments are closed"));
    assert!(!closed.body.contains(r#"id="commentform""#));
}

/// A valid form token for a session, as the page would have given (the closed page has none).
async fn site_token(site: &CommentSite, session: &str) -> String {
    let secret = site.store.secret("site", "unused").await.unwrap();
    linkx_web::keys::Keys::from_secret(&secret).form_token(session, site.clock.now())
}

#[tokio::test]
async fn replies_nest_up_to_the_maximum_depth() {
    let site = comment_site(CommentsConfig {
        max_depth: 2,
        flood_seconds: 0,
        ..open_config()
    })
    .await;
    let mut ana = reader(&site, "10.0.0.1");
    let mut bo = reader(&site, "10.0.0.2");
    ana.comment(ARTICLE, &fields("Ana", "ana@example.org", "Top"))
        .await;
    let form = bo.get(&format!("{ARTICLE}?replytocom=1")).await;
    assert!(form.body.contains("Reply to Ana"));
    assert_eq!(form_value(&form.body, "comment_parent"), "1");
    let mut reply = fields("Bo", "bo@example.org", "Answer");
    reply.push(("comment_parent", "1"));
    let posted = bo.comment(ARTICLE, &reply).await;
    assert_eq!(posted.location(), "/a/1/bridge-reopens#comment-2");
    let page = ana.get(ARTICLE).await;
    let nested = page.body.find(r#"<ol class="children">"#).unwrap();
    assert!(page.body[nested..].contains(r#"id="comment-2""#));
    assert!(page.body.contains("?replytocom=1#respond"));
    assert!(
        !page.body.contains("?replytocom=2#respond"),
        "no reply link at max depth"
    );
    let mut too_deep = fields("Ana", "ana@example.org", "Deeper");
    too_deep.push(("comment_parent", "2"));
    let refused = ana.comment(ARTICLE, &too_deep).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("Deeper"));
    // A parent from another article is refused too.
    let mut elsewhere = fields("Ana", "ana@example.org", "Wrong thread");
    elsewhere.push(("comment_parent", "1"));
    let refused = ana.comment("/a/2/dam-inspected", &elsewhere).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn authors_edit_and_delete_within_the_window_only() {
    let site = comment_site(CommentsConfig {
        flood_seconds: 0,
        ..open_config()
    })
    .await;
    let mut ana = reader(&site, "10.0.0.1");
    let mut bo = reader(&site, "10.0.0.2");
    ana.comment(ARTICLE, &fields("Ana", "ana@example.org", "Tpyo here"))
        .await;
    assert!(ana.get(ARTICLE).await.body.contains("/comments/1/edit"));
    assert!(!bo.get(ARTICLE).await.body.contains("/comments/1/edit"));
    assert_eq!(
        bo.get("/comments/1/edit").await.status,
        StatusCode::FORBIDDEN
    );

    let form = ana.get("/comments/1/edit").await;
    assert_eq!(form.status, StatusCode::OK);
    let token = form_value(&form.body, "_token");
    let saved = ana
        .post(
            "/comments/1/edit",
            &[("comment", "Typo fixed"), ("_token", &token)],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let page = bo.get(ARTICLE).await;
    assert!(page.body.contains("Typo fixed") && page.body.contains("(edited)"));

    // Someone else's post with a stolen token is still not the author's.
    let stolen = bo
        .post(
            "/comments/1/edit",
            &[("comment", "hijacked"), ("_token", &token)],
        )
        .await;
    assert_eq!(stolen.status, StatusCode::FORBIDDEN);

    site.clock.advance(16 * 60);
    assert_eq!(
        ana.get("/comments/1/edit").await.status,
        StatusCode::FORBIDDEN
    );
    let late = ana.post("/comments/1/delete", &[("_token", &token)]).await;
    assert_eq!(late.status, StatusCode::FORBIDDEN);

    // Within the window, delete works; a deleted comment with a reply stays as a placeholder.
    ana.comment(ARTICLE, &fields("Ana", "ana@example.org", "Second"))
        .await;
    let mut reply = fields("Bo", "bo@example.org", "Reply to second");
    reply.push(("comment_parent", "2"));
    bo.comment(ARTICLE, &reply).await;
    let form = ana.get("/comments/2/edit").await;
    let token = form_value(&form.body, "_token");
    let deleted = ana.post("/comments/2/delete", &[("_token", &token)]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    let page = bo.get(ARTICLE).await;
    assert!(!page.body.contains(">Second<"));
    assert!(page.body.contains("This comment was deleted."));
    assert!(page.body.contains("Reply to second"));
}

#[tokio::test]
async fn preview_shows_the_rendered_comment_and_stores_nothing() {
    let site = comment_site(open_config()).await;
    let mut ana = reader(&site, "10.0.0.1");
    let mut preview = fields("Ana", "ana@example.org", "**Bold** claim");
    preview.push(("preview", "1"));
    let shown = ana.comment(ARTICLE, &preview).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.body.contains("<strong>Bold</strong> claim"));
    assert!(shown.body.contains(">**Bold** claim</textarea>"));
    assert!(stored(&site).await.is_empty());
}

#[tokio::test]
async fn one_ip_address_is_rate_limited_even_when_its_posts_are_refused() {
    let site = comment_site(CommentsConfig {
        rate_limit_per_hour: 3,
        flood_seconds: 0,
        ..open_config()
    })
    .await;
    let mut bot = reader(&site, "10.0.0.7");
    for i in 0..3 {
        let reply = bot
            .comment(ARTICLE, &fields("Bot", "", &format!("try {i}")))
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let limited = bot
        .comment(ARTICLE, &fields("Bot", "bot@example.org", "now valid"))
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    let neighbour = reader(&site, "10.0.0.8")
        .comment(ARTICLE, &fields("Ana", "ana@example.org", "fine"))
        .await;
    assert_eq!(neighbour.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_email_address_never_leaves_the_database() {
    let site = comment_site(open_config()).await;
    let mut ana = reader(&site, "10.0.0.1");
    let mut post = fields("Ana", "ana.secret@example.org", "Visible words");
    post.push(("url", "https://ana.example/"));
    ana.comment(ARTICLE, &post).await;
    let mut anyone = reader(&site, "10.0.0.2");
    for uri in [
        ARTICLE,
        "/comments.atom",
        "/a/1/comments.atom",
        "/api/v1/articles/1/comments",
        "/feed.atom",
    ] {
        let reply = anyone.get(uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}");
        assert!(!reply.body.contains("ana.secret"), "{uri} shows the email");
    }
    // The author's own page (cookie set) does not show it either.
    assert!(!ana.get(ARTICLE).await.body.contains("ana.secret"));
}

#[tokio::test]
async fn comment_feeds_and_api_list_approved_comments_only() {
    let site = comment_site(CommentsConfig::default()).await;
    let mut ana = reader(&site, "10.0.0.1");
    ana.comment(ARTICLE, &fields("Ana", "ana@example.org", "Approved words"))
        .await;
    site.store
        .set_comment_status(1, CommentStatus::Approved)
        .await
        .unwrap();
    site.clock.advance(60);
    reader(&site, "10.0.0.2")
        .comment(ARTICLE, &fields("Bo", "bo@example.org", "Held words"))
        .await;
    let mut anyone = reader(&site, "10.0.0.3");
    let api = anyone.get("/api/v1/articles/1/comments").await;
    let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    let comments = json["comments"].as_array().unwrap();
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0]["author"], "Ana");
    assert_eq!(comments[0]["content_html"], "<p>Approved words</p>\n");
    assert_eq!(
        comments[0]["url"],
        "https://news.test/a/1/bridge-reopens#comment-1"
    );
    for uri in ["/comments.atom", "/a/1/comments.atom"] {
        let feed = anyone.get(uri).await;
        let parsed = linkx_feed::parse_feed(feed.body.as_bytes(), None).unwrap();
        assert_eq!(parsed.entries.len(), 1, "{uri}");
        assert!(feed.body.contains("Approved words") && !feed.body.contains("Held words"));
    }
    assert_eq!(
        anyone.get("/api/v1/articles/99/comments").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn erasing_a_commenter_anonymises_their_comments() {
    let site = comment_site(open_config()).await;
    let mut ana = reader(&site, "10.0.0.1");
    let mut post = fields("Ana Secret", "ana@example.org", "Words stay");
    post.push(("url", "https://ana.example/"));
    ana.comment(ARTICLE, &post).await;
    let erased = site.store.erase_commenter("ANA@example.org").await.unwrap();
    assert_eq!(erased, 1);
    let page = reader(&site, "10.0.0.2").get(ARTICLE).await;
    assert!(page.body.contains("Words stay"));
    assert!(page.body.contains("Anonymous"));
    assert!(!page.body.contains("Ana Secret") && !page.body.contains("ana.example"));
}

/// Known XSS payloads in every field a reader controls. None may produce markup that runs
/// script or leaves its context.
#[tokio::test]
async fn hostile_comments_cannot_run_script_or_escape_their_context() {
    let site = comment_site(CommentsConfig {
        flood_seconds: 0,
        max_links: 0,
        ..open_config()
    })
    .await;
    let payloads = [
        "<script>alert(1)</script>",
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](javascript&#58;alert(1))",
        "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![img](javascript:alert(1))",
        "<img src=x onerror=alert(1)>",
        "<svg><script>alert(1)</script></svg>",
        "<svg/onload=alert(1)>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
        "<a href=\"https://ok.example\" onclick=\"alert(1)\">x</a>",
        "[x](https://ok.example \"title\\\" onmouseover=alert(1) x=\\\"\")",
        "<iframe src=javascript:alert(1)></iframe>",
        "`<script>`code is text`</script>`",
        "<div style=\"background:url(javascript:alert(1))\">x</div>",
    ];
    let mut ana = reader(&site, "10.0.0.1");
    for (i, payload) in payloads.iter().enumerate() {
        let email = format!("p{i}@example.org");
        let reply = ana.comment(ARTICLE, &fields("Ana", &email, payload)).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{payload}");
    }
    // Hostile name and website fields.
    let mut hostile = fields("\"><script>alert(1)</script>", "x@example.org", "hi");
    hostile.push(("url", "https://ex.org/\"><script>alert(2)</script>"));
    assert_eq!(
        ana.comment(ARTICLE, &hostile).await.status,
        StatusCode::SEE_OTHER
    );
    for bad_url in [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        " JAVASCRIPT:alert(1)",
    ] {
        let mut post = fields("Ana", "y@example.org", "website check");
        post.push(("url", bad_url));
        let refused = ana.comment(ARTICLE, &post).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad_url}"
        );
        assert!(refused.body.contains("url-error"));
    }

    let page = reader(&site, "10.0.0.2").get(ARTICLE).await;
    let comments = &page.body[page.body.find(r#"id="comments""#).unwrap()..];
    // Only markup can run: text shows `&lt;` for every `<` typed, so every real `<` starts a tag.
    let markup: String = comments
        .split('<')
        .skip(1)
        .map(|t| format!("<{}>", t.split('>').next().unwrap_or("")))
        .collect::<String>()
        .to_lowercase();
    for forbidden in [
        "<script",
        "<svg",
        "<math",
        "<iframe",
        "<img src",
        "<style",
        "href=\"javascript",
        "href=\"data:",
    ] {
        assert!(
            !markup.contains(forbidden),
            "{forbidden} in the rendered comments"
        );
    }
    // Event handlers and styles as attribute names (quoted values are data, not attributes).
    let names: String = markup.split('"').step_by(2).collect::<Vec<_>>().join(" ");
    for forbidden in [
        " onerror=",
        " onload=",
        " onclick=",
        " onmouseover=",
        " style=",
    ] {
        assert!(
            !names.contains(forbidden),
            "{forbidden} in the rendered comments"
        );
    }
    assert!(
        comments.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "shown as text"
    );
    assert!(comments.contains(r#"href="https://ex.org/%22%3E%3Cscript%3Ealert(2)%3C/script%3E""#));
    assert!(comments.contains(r#"rel="nofollow ugc noopener""#));
    let feed = reader(&site, "10.0.0.3").get("/comments.atom").await;
    assert!(!feed.body.to_lowercase().contains("<script"));
}

#[tokio::test]
async fn notify_me_is_offered_only_with_mail_and_queues_a_reply_mail() {
    let without = comment_site(open_config()).await;
    let page = reader(&without, "10.0.0.1").get(ARTICLE).await;
    assert!(
        !page.body.contains(r#"name="notify""#),
        "no SMTP, no promise"
    );

    let site = comment_site_with(
        CommentsConfig {
            flood_seconds: 0,
            ..open_config()
        },
        true,
    )
    .await;
    let mut ana = reader(&site, "10.0.0.1");
    let page = ana.get(ARTICLE).await;
    assert!(
        page.body
            .contains(r#"<label for="notify">Notify me of replies by email</label>"#)
    );
    let mut post = fields("Ana", "ana@example.org", "Tell me when someone answers");
    post.push(("notify", "1"));
    ana.comment(ARTICLE, &post).await;
    let mut reply = fields("Bo", "bo@example.org", "Answering");
    reply.push(("comment_parent", "1"));
    reader(&site, "10.0.0.2").comment(ARTICLE, &reply).await;
    let jobs = site
        .store
        .due_notifications(site.clock.now(), 10)
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].recipient_email, "ana@example.org");
    assert_eq!(jobs[0].reply_author, "Bo");
}

#[tokio::test]
async fn avatars_are_identicons_unless_gravatar_is_enabled_and_never_reveal_the_address() {
    let site = comment_site(open_config()).await;
    let mut ana = reader(&site, "10.0.0.1");
    ana.comment(ARTICLE, &fields("Ana", "Ana@Example.org", "hello"))
        .await;
    let page = reader(&site, "10.0.0.2").get(ARTICLE).await;
    let src = form_attr(&page.body, "class=\"avatar\" src=\"");
    assert!(
        src.starts_with("/avatar/") && src.ends_with(".svg"),
        "{src}"
    );
    assert!(!page.body.contains("gravatar.com"));
    let svg = reader(&site, "10.0.0.2").get(&src).await;
    assert_eq!(svg.headers[header::CONTENT_TYPE], "image/svg+xml");
    assert!(svg.body.starts_with("<svg"));

    let gravatar = comment_site(CommentsConfig {
        avatars: linkx_core::config::Avatars::Gravatar,
        ..open_config()
    })
    .await;
    reader(&gravatar, "10.0.0.1")
        .comment(ARTICLE, &fields("Ana", "Ana@Example.org", "hello"))
        .await;
    let page = reader(&gravatar, "10.0.0.2").get(ARTICLE).await;
    let src = form_attr(&page.body, "class=\"avatar\" src=\"");
    // Gravatar's SHA-256 of the lower-cased address (`printf ana@example.org | sha256sum`),
    // through the site's image proxy: the reader's browser never asks Gravatar itself.
    assert_eq!(
        src,
        gravatar.state.keys().image_path(
            "https://www.gravatar.com/avatar/86b9260a115ceac89a9738af23696ce3a5d70449de8d95ef28bd754bb80196b9?s=96&d=identicon"
        )
    );
    assert!(!page.body.contains("gravatar.com"));
}

fn form_attr(html: &str, marker: &str) -> String {
    let start = html.find(marker).unwrap() + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn a_story_page_ends_with_its_originals_discussion() {
    let site = comment_site(open_config()).await;
    let mut ana = reader(&site, "10.0.0.1");
    ana.comment(
        ARTICLE,
        &fields("Ana", "ana@example.org", "Said on the article page"),
    )
    .await;
    let story = reader(&site, "10.0.0.2").get("/s/1").await;
    assert_eq!(story.status, StatusCode::OK);
    assert!(story.body.contains("Said on the article page"));
    assert!(story.body.contains(r#"action="/a/1/comments""#));
    assert!(story.body.contains("Leave a Reply"));
    let replying = reader(&site, "10.0.0.2").get("/s/1?replytocom=1").await;
    assert!(replying.body.contains("Reply to Ana"));
    // Posting from the story page is posting to the original.
    let mut bo = reader(&site, "10.0.0.3");
    let page = bo.get("/s/1").await;
    let token = form_value(&page.body, "_token");
    site.clock.advance(20);
    let mut post = fields("Bo", "bo@example.org", "From the story page");
    post.push(("_token", &token));
    let posted = bo.post("/a/1/comments", &post).await;
    assert_eq!(posted.location(), "/a/1/bridge-reopens#comment-2");
}
