//! The operator's desk through the router: who may reach what, CSRF, login limits, sessions,
//! and what each action changes for readers.

use super::comments::{
    ARTICLE, CommentSite, Reader, Reply, comment_site, fields, form_value, open_config, reader,
    stored,
};
use axum::http::StatusCode;
use linkx_core::account::Role;
use linkx_core::comment::CommentStatus;
use linkx_core::config::{CommentsConfig, Moderation};
use linkx_core::jobs::{Discovery, FeedOffer, JobRequest};
use linkx_web::admin::auth::hash_password;

const ADMIN_PASSWORD: &str = "correct horse battery staple";
const MOD_PASSWORD: &str = "moderating is my calling";
const NOW: i64 = super::comments::NOW;

async fn desk(config: CommentsConfig) -> CommentSite {
    let site = comment_site(config).await;
    for (name, role, password) in [
        ("editor", Role::Admin, ADMIN_PASSWORD),
        ("mo", Role::Moderator, MOD_PASSWORD),
    ] {
        let hash = hash_password(password).unwrap();
        site.store.add_user(name, role, &hash, NOW).await.unwrap();
    }
    site
}

/// Logs in through the form like a browser; returns the login's response.
async fn login(r: &mut Reader<'_>, name: &str, password: &str) -> Reply {
    login_to(r, name, password, "/admin").await
}

async fn login_to(r: &mut Reader<'_>, name: &str, password: &str, next: &str) -> Reply {
    let form = r.get("/admin/login").await;
    assert_eq!(form.status, StatusCode::OK);
    let token = form_value(&form.body, "_token");
    r.post(
        "/admin/login",
        &[
            ("name", name),
            ("password", password),
            ("_token", &token),
            ("next", next),
        ],
    )
    .await
}

async fn logged_in<'a>(site: &'a CommentSite, name: &str, password: &str, ip: &str) -> Reader<'a> {
    let mut r = reader(site, ip);
    let reply = login(&mut r, name, password).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.location(), "/admin");
    r
}

/// The CSRF token the page at `uri` carries for this session.
async fn csrf(r: &mut Reader<'_>, uri: &str) -> String {
    let page = r.get(uri).await;
    assert_eq!(page.status, StatusCode::OK, "{uri}: {}", page.body);
    form_value(&page.body, "csrf")
}

/// Where a redirect to `?job=N` points, and N.
fn job_of(reply: &Reply) -> (String, i64) {
    let location = reply.location().to_string();
    let id = location.rsplit('=').next().unwrap().parse().unwrap();
    (location, id)
}

/// Plays the job runner's part: claims the job and stores `result`.
async fn finish(site: &CommentSite, job: i64, result: &str) {
    let claimed = site.store.claim_job(NOW, 60).await.unwrap().unwrap();
    assert_eq!(claimed.id, job);
    site.store.finish_job(job, Ok(result), NOW).await.unwrap();
}

const GET_ROUTES: &[&str] = &[
    "/admin",
    "/admin/sources",
    "/admin/sources/new",
    "/admin/sources/1",
    "/admin/sources/export.opml",
    "/admin/jobs/1",
    "/admin/moderation",
    "/admin/settings",
    "/admin/users",
    "/admin/audit",
    "/admin/password",
    "/admin/links",
    "/admin/takedowns",
    "/admin/stories",
    "/admin/rules",
    "/admin/topics",
];

const POST_ROUTES: &[&str] = &[
    "/admin/logout",
    "/admin/password",
    "/admin/sources",
    "/admin/sources/new",
    "/admin/sources/import",
    "/admin/sources/1",
    "/admin/sources/1/pause",
    "/admin/sources/1/resume",
    "/admin/sources/1/poll",
    "/admin/sources/1/delete",
    "/admin/moderation",
    "/admin/settings",
    "/admin/users",
    "/admin/links",
    "/admin/links/check",
    "/admin/links/1/delete",
    "/admin/takedowns",
    "/admin/takedowns/blocks/1/delete",
    "/admin/stories/1",
    "/admin/rules",
    "/admin/rules/params",
    "/admin/rules/1/delete",
    "/admin/topics",
    "/admin/topics/1/delete",
    "/admin/topics/1/file",
];

#[tokio::test]
async fn every_admin_route_sends_strangers_to_the_login_form() {
    let site = desk(open_config()).await;
    let mut stranger = reader(&site, "203.0.113.9");
    for uri in GET_ROUTES {
        let reply = stranger.get(uri).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "GET {uri}");
        assert!(
            reply.location().starts_with("/admin/login?next=%2Fadmin"),
            "GET {uri} → {}",
            reply.location()
        );
        assert_eq!(reply.headers["cache-control"], "no-store");
    }
    for uri in POST_ROUTES {
        let reply = stranger
            .post(uri, &[("csrf", "x"), ("confirm", "yes")])
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "POST {uri}");
        assert!(reply.location().starts_with("/admin/login"), "POST {uri}");
    }
    // A made-up session cookie is no better.
    stranger.cookies.insert("lx_admin".into(), "ab".repeat(32));
    assert!(
        stranger
            .get("/admin")
            .await
            .location()
            .starts_with("/admin/login")
    );
    // Nothing changed: the source is still there and followed.
    let source = site.store.source(1).await.unwrap().unwrap();
    assert!(source.paused_at.is_none() && source.polled);
    // The login page is not indexed and comes back to the page asked for after logging in.
    let form = stranger.get("/admin/login?next=/admin/moderation").await;
    assert!(form.body.contains("noindex"));
    assert!(
        form.body
            .contains(r#"name="next" value="/admin/moderation""#)
    );
    let reply = login_to(&mut stranger, "mo", MOD_PASSWORD, "/admin/moderation").await;
    assert_eq!(reply.location(), "/admin/moderation");
}

#[tokio::test]
async fn moderators_moderate_but_cannot_reach_sources_settings_or_accounts() {
    let site = desk(open_config()).await;
    let mut mo = logged_in(&site, "mo", MOD_PASSWORD, "198.51.100.2").await;
    let token = csrf(&mut mo, "/admin/moderation").await;
    for uri in [
        "/admin/sources",
        "/admin/sources/new",
        "/admin/sources/1",
        "/admin/sources/export.opml",
        "/admin/settings",
        "/admin/users",
        "/admin/audit",
        "/admin/links",
        "/admin/takedowns",
        "/admin/stories",
        "/admin/rules",
        "/admin/topics",
    ] {
        let reply = mo.get(uri).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "GET {uri}");
        assert!(reply.body.contains("for administrators"), "GET {uri}");
    }
    for uri in [
        "/admin/sources/1/pause",
        "/admin/sources/1/delete",
        "/admin/settings",
        "/admin/users",
    ] {
        let reply = mo
            .post(
                uri,
                &[("csrf", &token), ("confirm", "yes"), ("title", "Mine now")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "POST {uri}");
    }
    let source = site.store.source(1).await.unwrap().unwrap();
    assert!(source.paused_at.is_none() && source.polled);
    // Their menu offers only what they may use.
    let dash = mo.get("/admin").await;
    assert_eq!(dash.status, StatusCode::OK);
    assert!(dash.body.contains("/admin/moderation"));
    assert!(!dash.body.contains(r#"href="/admin/sources""#));
}

#[tokio::test]
async fn posts_without_the_sessions_csrf_token_change_nothing() {
    let site = desk(open_config()).await;
    let mut editor = logged_in(&site, "editor", ADMIN_PASSWORD, "198.51.100.3").await;
    let mut other = logged_in(&site, "editor", ADMIN_PASSWORD, "198.51.100.4").await;
    let others_token = csrf(&mut other, "/admin/settings").await;
    let settings = [
        ("title", "Hijacked"),
        ("description", ""),
        ("moderation", "none"),
        ("close_after_days", "0"),
        ("max_links", "2"),
    ];
    for token in [None, Some("0".repeat(64)), Some(others_token)] {
        let mut form = settings.to_vec();
        if let Some(token) = &token {
            form.push(("csrf", token));
        }
        let reply = editor.post("/admin/settings", &form).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "token {token:?}");
        assert!(reply.body.contains("security token"));
    }
    assert!(editor.get("/").await.body.contains("Test News"));
    // With its own token the same form works, and readers see the new title at once.
    let token = csrf(&mut editor, "/admin/settings").await;
    let mut form = settings.to_vec();
    form[0].1 = "Evening Wire";
    form.push(("csrf", &token));
    let reply = editor.post("/admin/settings", &form).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert!(
        editor
            .get("/")
            .await
            .body
            .contains("<title>Evening Wire</title>")
    );
    // The login form has its own token, bound to the browser's session cookie.
    let mut fresh = reader(&site, "198.51.100.5");
    let reply = fresh
        .post(
            "/admin/login",
            &[
                ("name", "editor"),
                ("password", ADMIN_PASSWORD),
                ("_token", "1.00"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(!reply.headers.contains_key("location"));
}

#[tokio::test]
async fn wrong_passwords_lock_the_account_for_a_while_with_a_clear_message() {
    let site = desk(open_config()).await;
    let mut attacker = reader(&site, "203.0.113.50");
    for _ in 0..5 {
        let reply = login(&mut attacker, "editor", "password123456").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert!(reply.body.contains("Wrong user name or password."));
        // The name typed is kept, the password is not.
        assert!(reply.body.contains(r#"value="editor""#));
        assert!(!reply.body.contains("password123456"));
    }
    // Locked now, even for the right password, and from another address too.
    let mut owner = reader(&site, "198.51.100.7");
    let reply = login(&mut owner, "editor", ADMIN_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        reply.body.contains("locked for 15 more minute(s)"),
        "{}",
        reply.body
    );
    site.clock.advance(10 * 60);
    let reply = login(&mut owner, "editor", ADMIN_PASSWORD).await;
    assert!(reply.body.contains("locked for 5 more minute(s)"));
    site.clock.advance(5 * 60 + 1);
    let reply = login(&mut owner, "editor", ADMIN_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    // Unknown accounts fail the same way, and one address trying many names is stopped too.
    for n in 0..20 {
        let reply = login(&mut attacker, &format!("guess{n}"), "password123456").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "attempt {n}");
    }
    let reply = login(&mut attacker, "mo", MOD_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(reply.body.contains("from your address"));
}

#[tokio::test]
async fn logging_out_ends_the_session_on_the_server() {
    let site = desk(open_config()).await;
    let mut editor = logged_in(&site, "editor", ADMIN_PASSWORD, "198.51.100.8").await;
    let cookie = editor.cookies["lx_admin"].clone();
    assert_eq!(cookie.len(), 64);
    let token = csrf(&mut editor, "/admin").await;
    let reply = editor.post("/admin/logout", &[("csrf", &token)]).await;
    assert_eq!(reply.location(), "/admin/login?logged_out=1");
    // Even a browser that kept the old cookie is logged out.
    editor.cookies.insert("lx_admin".into(), cookie);
    assert!(
        editor
            .get("/admin")
            .await
            .location()
            .starts_with("/admin/login")
    );
}

#[tokio::test]
async fn the_session_cookie_is_httponly_samesite_and_secure_over_https() {
    let site = desk(open_config()).await;
    let mut r = reader(&site, "198.51.100.9");
    // User names are not case-sensitive.
    let reply = login(&mut r, "Editor", ADMIN_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let cookie = reply
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with("lx_admin="))
        .unwrap()
        .to_string();
    for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/admin"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
}

#[tokio::test]
async fn changing_the_password_logs_out_every_other_session() {
    let site = desk(open_config()).await;
    let mut here = logged_in(&site, "editor", ADMIN_PASSWORD, "198.51.100.10").await;
    let mut elsewhere = logged_in(&site, "editor", ADMIN_PASSWORD, "198.51.100.11").await;
    let token = csrf(&mut here, "/admin/password").await;
    // Mistakes are named next to their fields.
    let reply = here
        .post(
            "/admin/password",
            &[
                ("csrf", &token),
                ("current", "nope"),
                ("new_password", "short"),
                ("confirm", "short"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("not your current password"));
    assert!(reply.body.contains("at least 12"));
    let new = "a much longer passphrase";
    let reply = here
        .post(
            "/admin/password",
            &[
                ("csrf", &token),
                ("current", ADMIN_PASSWORD),
                ("new_password", new),
                ("confirm", new),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    // This browser carries on with a new session; the other one is out.
    assert_eq!(here.get("/admin").await.status, StatusCode::OK);
    assert!(
        elsewhere
            .get("/admin")
            .await
            .location()
            .starts_with("/admin/login")
    );
    let mut again = reader(&site, "198.51.100.12");
    let reply = login(&mut again, "editor", ADMIN_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        login(&mut again, "editor", new).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn login_never_redirects_off_the_desk() {
    let site = desk(open_config()).await;
    for next in [
        "//evil.example/",
        "https://evil.example/",
        "/admin//evil.example",
        "/\\evil.example",
    ] {
        let mut r = reader(&site, "198.51.100.13");
        let reply = login_to(&mut r, "editor", ADMIN_PASSWORD, next).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        assert_eq!(reply.location(), "/admin", "{next}");
    }
}

#[tokio::test]
async fn the_moderation_queue_approves_spams_and_deletes_in_bulk() {
    let site = desk(CommentsConfig {
        moderation: Moderation::All,
        ..CommentsConfig::default()
    })
    .await;
    for (i, who) in ["Ann", "Ben", "Cy", "Dee"].iter().enumerate() {
        let mut r = reader(&site, &format!("192.0.2.{}", i + 1));
        let email = format!("{}@example.org", who.to_lowercase());
        let text = format!("{who} thinks the bridge <b>matters</b>.");
        r.comment(ARTICLE, &fields(who, &email, &text)).await;
    }
    let pending = stored(&site).await;
    assert!(pending.iter().all(|c| c.status == CommentStatus::Pending));
    assert_eq!(pending.len(), 4);
    let mut mo = logged_in(&site, "mo", MOD_PASSWORD, "198.51.100.20").await;
    let queue = mo.get("/admin/moderation").await;
    assert!(queue.body.contains("Awaiting (4)"));
    // Comment text is shown as readers would see it (raw HTML as text), never as markup.
    assert!(!queue.body.contains("<b>matters</b>"));
    assert!(queue.body.contains("Ann thinks the bridge"));
    assert_eq!(queue.body.matches(r#"type="checkbox""#).count(), 4);
    let token = form_value(&queue.body, "csrf");
    let reply = mo
        .post(
            "/admin/moderation",
            &[
                ("csrf", &token),
                ("status", "pending"),
                ("action", "approve"),
                ("id", "1"),
                ("id", "2"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert!(
        mo.get(reply.location())
            .await
            .body
            .contains("2 comments approved.")
    );
    mo.post("/admin/moderation", &[("csrf", &token), ("only", "spam-3")])
        .await;
    mo.post(
        "/admin/moderation",
        &[("csrf", &token), ("only", "delete-4")],
    )
    .await;
    let statuses: Vec<_> = stored(&site).await.iter().map(|c| c.status).collect();
    assert_eq!(
        statuses,
        [
            CommentStatus::Approved,
            CommentStatus::Approved,
            CommentStatus::Spam,
            CommentStatus::Deleted
        ]
    );
    let article = reader(&site, "192.0.2.99").get(ARTICLE).await;
    assert!(article.body.contains("Ann thinks") && article.body.contains("Ben thinks"));
    assert!(!article.body.contains("Cy thinks"));
    assert!(
        mo.get("/admin/moderation")
            .await
            .body
            .contains("No comment is waiting")
    );
    // Who did what is on record.
    let log = site.store.audit_log(10, 0).await.unwrap();
    assert!(
        log.iter()
            .any(|e| e.user_name == "mo" && e.detail.contains("1, 2 approved"))
    );
    assert!(
        log.iter()
            .any(|e| e.user_name == "mo" && e.action == "comments spam")
    );
}

fn source_form<'a>(token: &'a str, interval: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", token),
        ("name", "The Planet"),
        ("display", "full"),
        ("full_text", "never"),
        ("interval_minutes", interval),
        ("licence", "CC BY 4.0"),
    ]
}

#[tokio::test]
async fn sources_are_edited_paused_polled_and_deleted_with_or_without_articles() {
    let site = desk(open_config()).await;
    let mut editor = logged_in(&site, "editor", ADMIN_PASSWORD, "198.51.100.30").await;
    let page = editor.get("/admin/sources/1").await;
    assert!(page.body.contains("Daily Planet") && page.body.contains("Poll history"));
    let token = form_value(&page.body, "csrf");
    // Edit: a bad interval is named, a good edit is saved and shown to readers.
    let reply = editor
        .post("/admin/sources/1", &source_form(&token, "0"))
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("between 1 and 10080"));
    // Full text needs a licence or a permission note.
    let unlicensed: Vec<_> = source_form(&token, "45")
        .into_iter()
        .filter(|(k, _)| *k != "licence")
        .collect();
    let reply = editor.post("/admin/sources/1", &unlicensed).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply
            .body
            .contains("Full text needs the source&#39;s licence")
    );
    let reply = editor
        .post("/admin/sources/1", &source_form(&token, "45"))
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let s = site.store.source(1).await.unwrap().unwrap();
    assert_eq!(s.name, "The Planet");
    assert_eq!(
        (s.display.as_str(), s.full_text.as_str()),
        ("full", "never")
    );
    assert_eq!(s.interval_secs, Some(2700));
    let page = reader(&site, "192.0.2.1").get(ARTICLE).await.body;
    assert!(page.contains("The Planet") && page.contains("under CC BY 4.0."));
    // Pause: no longer due; resume: due at once.
    editor
        .post("/admin/sources/1/pause", &[("csrf", &token)])
        .await;
    assert!(site.store.due_sources(i64::MAX).await.unwrap().is_empty());
    let page = editor.get("/admin/sources/1").await;
    assert!(page.body.contains("Paused by the operator"));
    editor
        .post("/admin/sources/1/resume", &[("csrf", &token)])
        .await;
    assert_eq!(site.store.due_sources(NOW).await.unwrap().len(), 1);
    // Poll now queues a job for the job runner; the page follows it.
    let reply = editor
        .post("/admin/sources/1/poll", &[("csrf", &token)])
        .await;
    let (page_uri, job) = job_of(&reply);
    let queued = site.store.job(job).await.unwrap().unwrap();
    let request: JobRequest = serde_json::from_str(&queued.payload).unwrap();
    assert_eq!(request, JobRequest::Poll { source_id: 1 });
    let waiting = editor.get(&page_uri).await;
    assert!(waiting.body.contains("Polling now"));
    assert!(waiting.body.contains(r#"http-equiv="refresh""#));
    finish(&site, job, r#"{"source_id":1,"new_items":3,"error":null}"#).await;
    let finished = editor.get(&page_uri).await;
    assert!(finished.body.contains("Polled: 3 new article(s)."));
    assert!(!finished.body.contains("refresh"));
    // Deleting needs the confirmation box; keeping the articles keeps them published.
    let keep = [("csrf", token.as_str()), ("articles", "keep")];
    editor.post("/admin/sources/1/delete", &keep).await;
    assert!(site.store.source(1).await.unwrap().unwrap().polled);
    let confirmed = [keep.as_slice(), &[("confirm", "yes")]].concat();
    editor.post("/admin/sources/1/delete", &confirmed).await;
    assert!(!site.store.source(1).await.unwrap().unwrap().polled);
    assert_eq!(
        reader(&site, "192.0.2.1").get(ARTICLE).await.status,
        StatusCode::OK
    );
    let delete = [
        ("csrf", token.as_str()),
        ("articles", "delete"),
        ("confirm", "yes"),
    ];
    editor.post("/admin/sources/1/delete", &delete).await;
    assert!(site.store.source(1).await.unwrap().is_none());
    let gone = reader(&site, "192.0.2.1").get(ARTICLE).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let actions: Vec<String> = site
        .store
        .audit_log(20, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for action in [
        "source edit",
        "source pause",
        "source resume",
        "source poll",
        "source unfollow",
        "source delete",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} not audited: {actions:?}"
        );
    }
}

#[tokio::test]
async fn adding_a_source_offers_the_feeds_discovery_found() {
    let site = desk(open_config()).await;
    let mut editor = logged_in(&site, "editor", ADMIN_PASSWORD, "198.51.100.31").await;
    let token = csrf(&mut editor, "/admin/sources/new").await;
    let reply = editor
        .post(
            "/admin/sources/new",
            &[("csrf", &token), ("url", "not a url")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains(r#"aria-invalid="true""#));
    let reply = editor
        .post(
            "/admin/sources/new",
            &[("csrf", &token), ("url", "https://gazette.test/")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let (page_uri, job) = job_of(&reply);
    let waiting = editor.get(&page_uri).await;
    assert!(
        waiting
            .body
            .contains("Looking for feeds at https://gazette.test/")
    );
    // The job runner (the browser test drives the real one) reports two feeds, one unreadable.
    let discovery = Discovery {
        input: "https://gazette.test/".into(),
        feeds: vec![
            FeedOffer {
                url: "https://gazette.test/feed.xml".into(),
                title: Some("Gazette <Top>".into()),
                format: "rss".into(),
                site_url: Some("https://gazette.test/".into()),
                items: 12,
                latest: vec!["Harbour opens".into()],
                ..FeedOffer::default()
            },
            FeedOffer {
                url: "https://gazette.test/broken.xml".into(),
                format: "atom".into(),
                error: Some("HTTP 500".into()),
                ..FeedOffer::default()
            },
        ],
    };
    finish(&site, job, &serde_json::to_string(&discovery).unwrap()).await;
    let offers = editor.get(&page_uri).await;
    assert!(offers.body.contains("Gazette &lt;Top&gt;"));
    assert!(offers.body.contains("12 item(s)") && offers.body.contains("Harbour opens"));
    assert!(offers.body.contains("Cannot be read: HTTP 500"));
    let job = job.to_string();
    let reply = editor
        .post(
            "/admin/sources",
            &[
                ("csrf", &token),
                ("job", &job),
                ("feed_url", "https://gazette.test/feed.xml"),
                ("site_url", "https://gazette.test/"),
                ("name", "Gazette"),
                ("display", "excerpt"),
                ("full_text", "auto"),
                ("interval_minutes", ""),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let added = site
        .store
        .source_by_feed_url("https://gazette.test/feed.xml")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (added.name.as_str(), added.interval_secs),
        ("Gazette", None)
    );
    assert!(
        reply
            .location()
            .starts_with(&format!("/admin/sources/{}", added.id))
    );
}

#[tokio::test]
async fn opml_goes_out_and_comes_back_in() {
    let site = desk(open_config()).await;
    let mut editor = logged_in(&site, "editor", ADMIN_PASSWORD, "198.51.100.32").await;
    let exported = editor.get("/admin/sources/export.opml").await;
    assert_eq!(
        exported.headers["content-type"],
        "text/x-opml; charset=utf-8"
    );
    assert!(
        exported
            .body
            .contains(r#"xmlUrl="https://daily-planet.test/feed""#)
    );
    let token = csrf(&mut editor, "/admin/sources").await;
    let opml = r#"<opml version="2.0"><body>
        <outline text="Wire" title="Wire" type="rss" xmlUrl="https://wire.test/rss" htmlUrl="https://wire.test/"/>
        <outline text="Planet" xmlUrl="https://daily-planet.test/feed"/>
        <outline text="Bad" xmlUrl="javascript:alert(1)"/></body></opml>"#;
    let reply = editor
        .post("/admin/sources/import", &[("csrf", &token), ("opml", opml)])
        .await;
    let done = editor.get(reply.location()).await;
    assert!(
        done.body
            .contains("1 source(s) added, 1 already followed, 1 with an invalid address"),
        "{}",
        done.body
    );
    let wire = site
        .store
        .source_by_feed_url("https://wire.test/rss")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(wire.name, "Wire");
}

fn settings_form<'a>(
    token: &'a str,
    title: &'a str,
    moderation: &'a str,
    close: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", token),
        ("title", title),
        ("description", "d"),
        ("moderation", moderation),
        ("close_after_days", close),
        ("max_links", "2"),
    ]
}

#[tokio::test]
async fn runtime_comment_policy_applies_at_once() {
    let site = desk(open_config()).await;
    let mut editor = logged_in(&site, "editor", ADMIN_PASSWORD, "198.51.100.33").await;
    let token = csrf(&mut editor, "/admin/settings").await;
    let form = settings_form(&token, "Test News", "all", "0");
    assert_eq!(
        editor.post("/admin/settings", &form).await.status,
        StatusCode::SEE_OTHER
    );
    let mut r = reader(&site, "192.0.2.40");
    r.comment(ARTICLE, &fields("Eve", "eve@example.org", "Held now?"))
        .await;
    assert_eq!(stored(&site).await[0].status, CommentStatus::Pending);
    // Bad values are named and nothing is stored.
    let form = settings_form(&token, "", "whatever", "-1");
    let reply = editor.post("/admin/settings", &form).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.body.matches("class=\"field-error\"").count(), 3);
    assert_eq!(site.state.comments().moderation, Moderation::All);
}

#[tokio::test]
async fn the_dashboard_charts_articles_and_shows_what_needs_attention() {
    let site = desk(CommentsConfig {
        moderation: Moderation::All,
        ..CommentsConfig::default()
    })
    .await;
    reader(&site, "192.0.2.50")
        .comment(ARTICLE, &fields("Fay", "fay@example.org", "Waiting."))
        .await;
    let mut editor = logged_in(&site, "editor", ADMIN_PASSWORD, "198.51.100.34").await;
    let dash = editor.get("/admin").await;
    assert_eq!(dash.status, StatusCode::OK);
    assert!(
        dash.body
            .contains(r#"<strong id="pending-count">1</strong>"#)
    );
    assert!(dash.body.contains(r#"<svg class="chart""#));
    assert!(dash.body.contains("Daily Planet: 2 on"), "{}", dash.body);
    assert!(dash.body.contains("Disk:") && dash.body.contains(" MB"));
    // Accounts added in the browser follow the same rules as the CLI.
    let token = form_value(&dash.body, "csrf");
    let weak = [
        ("csrf", token.as_str()),
        ("name", "new one"),
        ("role", "moderator"),
        ("password", "short"),
    ];
    let reply = editor.post("/admin/users", &weak).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let good = [
        ("csrf", token.as_str()),
        ("name", "night-desk"),
        ("role", "moderator"),
        ("password", "a long enough secret"),
    ];
    assert_eq!(
        editor.post("/admin/users", &good).await.status,
        StatusCode::SEE_OTHER
    );
    let mut night = reader(&site, "198.51.100.35");
    let reply = login(&mut night, "night-desk", "a long enough secret").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let audit = editor.get("/admin/audit").await;
    assert!(audit.body.contains("added night-desk as moderator"));
    assert!(audit.body.contains("logged in"));
}

#[tokio::test]
async fn webmentions_wait_in_the_same_queue_as_comments() {
    let site = desk(open_config()).await;
    let pending = linkx_store::NewMention {
        article_id: 1,
        source_url: "https://blog.test/reply".into(),
        target_url: format!("https://news.test{ARTICLE}"),
        source_host: "blog.test".into(),
        kind: "reply".into(),
        author_name: Some("Nia".into()),
        author_url: None,
        entry_url: None,
        content: "A reply from my blog.".into(),
        published_at: None,
        status: CommentStatus::Pending,
        now: NOW,
    };
    let id = site.store.upsert_mention(&pending).await.unwrap();
    let mut mo = logged_in(&site, "mo", MOD_PASSWORD, "198.51.100.40").await;
    let queue = mo.get("/admin/moderation").await;
    assert!(queue.body.contains("Awaiting (1)") && queue.body.contains("A reply from my blog."));
    assert!(
        mo.get("/admin")
            .await
            .body
            .contains(r#"<strong id="pending-count">1</strong>"#)
    );
    let article = reader(&site, "192.0.2.3").get(ARTICLE).await;
    assert!(!article.body.contains("A reply from my blog."));
    let token = form_value(&queue.body, "csrf");
    let only = format!("approve-m{id}");
    let reply = mo
        .post("/admin/moderation", &[("csrf", &token), ("only", &only)])
        .await;
    assert!(
        mo.get(reply.location())
            .await
            .body
            .contains("1 mention approved.")
    );
    let article = reader(&site, "192.0.2.3").get(ARTICLE).await;
    assert!(article.body.contains("A reply from my blog."));
    let log = site.store.audit_log(5, 0).await.unwrap();
    assert!(log.iter().any(|e| e.action == "mentions approved"));
}

#[tokio::test]
async fn partners_of_the_link_exchange_are_managed_and_listed_publicly() {
    let site = desk(open_config()).await;
    let mut editor = logged_in(&site, "editor", ADMIN_PASSWORD, "198.51.100.41").await;
    let token = csrf(&mut editor, "/admin/links").await;
    let reply = editor
        .post(
            "/admin/links",
            &[("csrf", &token), ("name", "Friends"), ("url", "ftp://x")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let add = [
        ("csrf", token.as_str()),
        ("name", "Friends <3"),
        ("url", "https://friends.test/"),
    ];
    assert_eq!(
        editor.post("/admin/links", &add).await.status,
        StatusCode::SEE_OTHER
    );
    let again = editor.post("/admin/links", &add).await;
    assert!(again.body.contains("already a partner"));
    let public = reader(&site, "192.0.2.9").get("/links").await;
    assert!(public.body.contains("Friends &lt;3") && public.body.contains("not checked yet"));
    let id = site.store.partners().await.unwrap()[0].id;
    site.store
        .record_partner_check(id, Some(true), None, NOW)
        .await
        .unwrap();
    let public = reader(&site, "192.0.2.9").get("/links").await;
    assert!(public.body.contains("<td>yes</td>"));
    // "Check all now" is a job for the job runner.
    let reply = editor.post("/admin/links/check", &[("csrf", &token)]).await;
    assert!(reply.location().starts_with("/admin/jobs/"));
    assert_eq!(
        site.store.recent_jobs(1).await.unwrap()[0].kind,
        "check_partners"
    );
    let remove = format!("/admin/links/{id}/delete");
    editor.post(&remove, &[("csrf", &token)]).await;
    assert!(site.store.partners().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_admin_takes_an_article_down_and_can_lift_the_block() {
    let site = desk(open_config()).await;
    let mut editor = logged_in(&site, "editor", ADMIN_PASSWORD, "198.51.100.42").await;
    let token = csrf(&mut editor, "/admin/takedowns").await;
    let form = |value: &'static str, reason: &'static str| {
        [
            ("csrf", token.clone()),
            ("kind", "article".into()),
            ("value", value.into()),
            ("reason", reason.into()),
        ]
    };
    let bad = form("999", "legal");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = editor.post("/admin/takedowns", &bad).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("no article with this number"));
    let good = form("1", "court order 7");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = editor.post("/admin/takedowns", &good).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let done = editor.get(reply.location()).await;
    assert!(done.body.contains("Took down 1 article(s)"));
    assert!(done.body.contains("court order 7"));
    let gone = reader(&site, "192.0.2.5").get(ARTICLE).await;
    assert_eq!(gone.status, StatusCode::GONE);
    assert!(
        !reader(&site, "192.0.2.5")
            .get("/")
            .await
            .body
            .contains("Bridge reopens")
    );
    let blocks = site.store.blocks().await.unwrap();
    assert_eq!(blocks.len(), 1);
    let lift = format!("/admin/takedowns/blocks/{}/delete", blocks[0].id);
    editor.post(&lift, &[("csrf", &token)]).await;
    assert!(site.store.blocks().await.unwrap().is_empty());
    // The removed article stays removed.
    assert_eq!(
        reader(&site, "192.0.2.5").get(ARTICLE).await.status,
        StatusCode::GONE
    );
    let log = site.store.audit_log(5, 0).await.unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == "takedown" && e.detail.contains("court order 7"))
    );
}

/// The article titles of the home page's cards, in order.
async fn home_titles(site: &CommentSite) -> Vec<String> {
    let home = reader(site, "192.0.2.6").get("/").await.body;
    home.split("<h2><a href=\"/a/")
        .skip(1)
        .filter_map(|card| {
            card.split('>')
                .nth(1)?
                .split('<')
                .next()
                .map(str::to_string)
        })
        .collect()
}

#[tokio::test]
async fn a_pinned_story_leads_until_its_time_ends_and_headlines_and_hiding_apply() {
    let site = desk(open_config()).await;
    let before = home_titles(&site).await;
    assert_eq!(before.len(), 2);
    let last = before[1].clone();
    let last_story = if last == "Bridge reopens" { 1 } else { 2 };
    let mut editor = logged_in(&site, "editor", ADMIN_PASSWORD, "198.51.100.43").await;
    let token = csrf(&mut editor, "/admin/stories").await;
    let uri = format!("/admin/stories/{last_story}");
    let pin = [
        ("csrf", token.as_str()),
        ("pin_hours", "2"),
        ("headline", ""),
    ];
    assert_eq!(editor.post(&uri, &pin).await.status, StatusCode::SEE_OTHER);
    assert_eq!(home_titles(&site).await, [last.clone(), before[0].clone()]);
    assert!(
        reader(&site, "192.0.2.6")
            .get("/")
            .await
            .body
            .contains("Pinned")
    );
    // Still first just before the pin ends, back in its place after.
    site.clock.advance(2 * 3600 - 1);
    assert_eq!(home_titles(&site).await[0], last);
    site.clock.advance(2);
    assert_eq!(home_titles(&site).await, before);

    // The operator's headline is the story's; the article keeps its source's title.
    let headline = [
        ("csrf", token.as_str()),
        ("pin_hours", "0"),
        ("headline", "Our <own> headline"),
    ];
    editor.post(&uri, &headline).await;
    let home = reader(&site, "192.0.2.6").get("/").await.body;
    assert!(home.contains("Our &lt;own&gt; headline") && !home.contains(&format!(">{last}<")));
    let story = reader(&site, "192.0.2.6")
        .get(&format!("/s/{last_story}"))
        .await
        .body;
    assert!(story.contains("<h1>Our &lt;own&gt; headline</h1>"));
    assert!(story.contains(&format!("The original's headline: “{last}”")));
    let article = site.store.article(last_story).await.unwrap().unwrap();
    let page = reader(&site, "192.0.2.6")
        .get(&format!("/a/{}/{}", article.id, article.slug))
        .await
        .body;
    assert!(page.contains(&format!("<h1>{last}</h1>")) || page.contains(&format!(">{last}</h1>")));

    // Hidden: off the home page, still reachable.
    let hide = [
        ("csrf", token.as_str()),
        ("pin_hours", "0"),
        ("headline", ""),
        ("hidden", "yes"),
    ];
    editor.post(&uri, &hide).await;
    assert_eq!(home_titles(&site).await, [before[0].clone()]);
    let story = reader(&site, "192.0.2.6")
        .get(&format!("/s/{last_story}"))
        .await;
    assert_eq!(story.status, StatusCode::OK);
    // Out-of-range pins change nothing.
    let silly = [
        ("csrf", token.as_str()),
        ("pin_hours", "99999"),
        ("headline", ""),
    ];
    let reply = editor.post(&uri, &silly).await;
    assert!(
        editor
            .get(reply.location())
            .await
            .body
            .contains("Nothing changed")
    );
    assert!(
        site.store
            .audit_log(10, 0)
            .await
            .unwrap()
            .iter()
            .any(|e| e.action == "story")
    );
}

#[tokio::test]
async fn a_rule_is_tried_on_recent_articles_before_it_is_saved() {
    let site = desk(open_config()).await;
    let mut editor = logged_in(&site, "editor", ADMIN_PASSWORD, "198.51.100.44").await;
    let token = csrf(&mut editor, "/admin/rules").await;
    let rule = |pattern: &'static str, kind: &'static str, go: &'static str| {
        [
            ("csrf", token.clone()),
            ("scope", "all".to_string()),
            ("action", "exclude".to_string()),
            ("field", "title".to_string()),
            ("kind", kind.to_string()),
            ("pattern", pattern.to_string()),
            ("do", go.to_string()),
        ]
    };
    let post = |fields: [(&'static str, String); 7]| fields.into_iter().collect::<Vec<_>>();
    let bad = post(rule("(", "regex", "dry-run"));
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = editor.post("/admin/rules", &bad).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("does not compile"));
    let dry = post(rule("Bridge", "keyword", "dry-run"));
    let dry: Vec<(&str, &str)> = dry.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = editor.post("/admin/rules", &dry).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains("Of 2 article(s)"), "{}", reply.body);
    assert!(reply.body.contains("it matches <strong>1</strong>"));
    assert!(reply.body.contains(">Bridge reopens</a>"));
    assert!(
        site.store.rules().await.unwrap().is_empty(),
        "a dry run saves nothing"
    );
    let save = post(rule("Bridge", "keyword", "save"));
    let save: Vec<(&str, &str)> = save.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        editor.post("/admin/rules", &save).await.status,
        StatusCode::SEE_OTHER
    );
    let rules = site.store.rules().await.unwrap();
    assert_eq!(
        (rules[0].action.as_str(), rules[0].pattern.as_str()),
        ("exclude", "Bridge")
    );
    let params = [("csrf", token.as_str()), ("params", "Ref, src\nsrc")];
    editor.post("/admin/rules/params", &params).await;
    let page = editor.get("/admin/rules").await.body;
    assert!(
        page.contains(">ref, src</textarea>"),
        "parameters are lower-cased, once each"
    );
    let delete = format!("/admin/rules/{}/delete", rules[0].id);
    editor.post(&delete, &[("csrf", &token)]).await;
    assert!(site.store.rules().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_topic_is_filled_from_recent_articles_and_by_hand() {
    let site = desk(open_config()).await;
    let mut editor = logged_in(&site, "editor", ADMIN_PASSWORD, "198.51.100.45").await;
    let token = csrf(&mut editor, "/admin/topics").await;
    let bad = [
        ("csrf", token.as_str()),
        ("name", "Infrastructure"),
        ("rule_kind", "regex"),
        ("rule_field", "title"),
        ("rule_pattern", "(bridge"),
    ];
    let reply = editor.post("/admin/topics", &bad).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.body.contains("does not compile"));
    let good = [
        ("csrf", token.as_str()),
        ("name", "Infrastructure"),
        ("description", "Bridges and roads"),
        ("rule_kind", "keyword"),
        ("rule_field", "title"),
        ("rule_pattern", "bridge"),
    ];
    let reply = editor.post("/admin/topics", &good).await;
    assert!(
        editor
            .get(reply.location())
            .await
            .body
            .contains("created at /t/infrastructure with 1 article(s)")
    );
    let page = reader(&site, "192.0.2.7").get("/t/infrastructure").await;
    assert!(page.body.contains("Bridge reopens") && !page.body.contains("Dam inspected"));
    assert!(page.body.contains("Bridges and roads"));
    let topic = site
        .store
        .topic_by_slug("infrastructure")
        .await
        .unwrap()
        .unwrap();
    let file = format!("/admin/topics/{}/file", topic.id);
    editor
        .post(&file, &[("csrf", &token), ("article", "2")])
        .await;
    assert!(
        reader(&site, "192.0.2.7")
            .get("/t/infrastructure")
            .await
            .body
            .contains("Dam inspected")
    );
    editor
        .post(
            &file,
            &[("csrf", &token), ("article", "1"), ("remove", "yes")],
        )
        .await;
    let page = reader(&site, "192.0.2.7")
        .get("/t/infrastructure")
        .await
        .body;
    assert!(!page.contains("Bridge reopens") && page.contains("Dam inspected"));
    let again = editor.post("/admin/topics", &good).await;
    assert!(again.body.contains("choose another name"));
    editor
        .post(
            &format!("/admin/topics/{}/delete", topic.id),
            &[("csrf", &token)],
        )
        .await;
    assert_eq!(
        reader(&site, "192.0.2.7")
            .get("/t/infrastructure")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        reader(&site, "192.0.2.7").get(ARTICLE).await.status,
        StatusCode::OK
    );
}
