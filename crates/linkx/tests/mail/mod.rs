//! Reply notifications end to end: comments in the store, the mail job, a local SMTP server,
//! and the confirm and unsubscribe links followed through the site.

use crate::support::{NOW, SmtpSink, TestApp, spawn_app, spawn_smtp_sink};
use crate::{add, held_comment, page};
use linkx::mail::{MailRound, Mailer, compose};
use linkx::poll::poll_source;
use linkx_core::comment::CommentStatus;
use linkx_core::config::SmtpConfig;
use linkx_store::NewComment;

async fn article_id(app: &TestApp) -> i64 {
    let source = add(app, "/feeds/daily-2.xml").await;
    poll_source(&*app.poll_context().await, &source).await;
    app.store.latest_articles(1, 0).await.unwrap()[0].id
}

fn comment(article_id: i64, who: &str, parent: Option<i64>, notify: bool) -> NewComment {
    NewComment {
        parent_id: parent,
        depth: if parent.is_some() { 2 } else { 1 },
        author_name: who.to_string(),
        author_email: format!("{}@example.org", who.to_lowercase()),
        author_key: format!("key-{who}"),
        body_md: format!("{who} says: the detour is **long**."),
        status: CommentStatus::Approved,
        notify,
        ..held_comment(article_id, 0, "unused@example.org")
    }
}

/// An app with one polled article, a local SMTP server (refusing mail when asked) and a
/// mailer for it.
async fn mail_setup(refuse: bool) -> (TestApp, SmtpSink, Mailer, i64) {
    let app = spawn_app().await;
    let sink = spawn_smtp_sink().await;
    sink.refuse
        .store(refuse, std::sync::atomic::Ordering::SeqCst);
    let article = article_id(&app).await;
    let smtp = SmtpConfig {
        url: Some(sink.url.clone()),
        from: Some("Test News <news@news.test>".into()),
    };
    let mailer = Mailer::from_config(&smtp, "http://t", &app.store)
        .await
        .unwrap()
        .unwrap();
    (app, sink, mailer, article)
}

/// Quoted-printable decoding, enough to read our own mails.
fn unquote(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && let Some(hex) = joined.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The link starting with `path` in the mail's text (the last one: headers come first).
fn link(mail: &str, path: &str) -> String {
    let start = mail
        .rfind(path)
        .unwrap_or_else(|| panic!("no {path} in\n{mail}"));
    mail[start..].split_whitespace().next().unwrap().to_string()
}

#[tokio::test]
async fn reply_mail_goes_once_to_an_unconfirmed_address_and_never_after_unsubscribing() {
    let (app, sink, mailer, article) = mail_setup(false).await;
    let store = &app.store;
    let ana = store
        .insert_comment(&comment(article, "Ana", None, true))
        .await
        .unwrap();
    store
        .insert_comment(&comment(article, "Bo", Some(ana), false))
        .await
        .unwrap();
    assert_eq!(
        mailer.send_due(store, NOW).await.unwrap(),
        MailRound {
            sent: 1,
            skipped: 0,
            failed: 0
        }
    );
    let (rcpt, raw) = sink.messages.lock().unwrap()[0].clone();
    assert_eq!(rcpt, ["<ana@example.org>"]);
    let mail = unquote(&raw);
    assert!(mail.contains("Bo replied to your comment on"), "{mail}");
    assert!(mail.contains("> Bo says: the detour is **long**."));
    assert!(mail.contains("List-Unsubscribe: <http://t/notify/unsubscribe?t="));
    assert!(mail.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
    assert!(
        !mail.contains("bo@example.org"),
        "the replier's address is never shown"
    );
    let confirm = link(&mail, "http://t/notify/confirm?t=");
    let unsubscribe = link(&mail, "http://t/notify/unsubscribe?t=");

    // Unconfirmed: the second reply sends nothing.
    store
        .insert_comment(&comment(article, "Cy", Some(ana), false))
        .await
        .unwrap();
    assert_eq!(mailer.send_due(store, NOW).await.unwrap().skipped, 1);
    assert_eq!(sink.messages.lock().unwrap().len(), 1);

    // Confirmed through the link: replies are mailed again; held replies only once approved.
    let confirmed = page(store, confirm.trim_start_matches("http://t")).await;
    assert!(confirmed.contains("Address confirmed"), "{confirmed}");
    let held = NewComment {
        status: CommentStatus::Pending,
        ..comment(article, "Dee", Some(ana), false)
    };
    let held = store.insert_comment(&held).await.unwrap();
    assert_eq!(
        mailer.send_due(store, NOW).await.unwrap(),
        MailRound::default()
    );
    store
        .set_comment_status(held, CommentStatus::Approved)
        .await
        .unwrap();
    assert_eq!(mailer.send_due(store, NOW).await.unwrap().sent, 1);
    assert_eq!(sink.messages.lock().unwrap().len(), 2);

    // Replying to oneself notifies nobody.
    store
        .insert_comment(&comment(article, "Ana", Some(ana), false))
        .await
        .unwrap();
    assert_eq!(
        mailer.send_due(store, NOW).await.unwrap(),
        MailRound::default()
    );

    // One click unsubscribes; a forged link does nothing.
    let forged = page(store, "/notify/unsubscribe?t=key-Ana.00").await;
    assert!(forged.contains("does not work"));
    let gone = page(store, unsubscribe.trim_start_matches("http://t")).await;
    assert!(gone.contains("Unsubscribed"), "{gone}");
    store
        .insert_comment(&comment(article, "Eve", Some(ana), false))
        .await
        .unwrap();
    assert_eq!(mailer.send_due(store, NOW).await.unwrap().skipped, 1);
    assert_eq!(sink.messages.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_failing_mail_server_is_retried_with_growing_pauses_then_given_up() {
    let (app, sink, mailer, article) = mail_setup(true).await;
    let store = &app.store;
    let ana = store
        .insert_comment(&comment(article, "Ana", None, true))
        .await
        .unwrap();
    store
        .insert_comment(&comment(article, "Bo", Some(ana), false))
        .await
        .unwrap();
    let mut now = NOW;
    for attempt in 0..5u32 {
        assert_eq!(
            mailer.send_due(store, now).await.unwrap().failed,
            1,
            "attempt {attempt}"
        );
        // Not due again before its pause is over.
        assert_eq!(
            mailer.send_due(store, now + 1).await.unwrap(),
            MailRound::default()
        );
        now += 60 * 4_i64.pow(attempt.min(4));
    }
    sink.refuse
        .store(false, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(
        mailer.send_due(store, now + 1_000_000).await.unwrap(),
        MailRound::default()
    );
    let counts = store.notification_counts().await.unwrap();
    assert_eq!(counts, [("failed".to_string(), 1)]);
    assert!(sink.messages.lock().unwrap().is_empty());
}

#[tokio::test]
async fn names_titles_and_addresses_cannot_add_mail_headers() {
    let app = spawn_app().await;
    let secret = app.store.secret("site", "s").await.unwrap();
    let keys = linkx_web::keys::Keys::from_secret(&secret);
    let job = linkx_store::NotificationJob {
        id: 1,
        attempts: 0,
        recipient_key: "k".into(),
        recipient_name: "Ana\r\nBcc: evil@example.org".into(),
        recipient_email: "ana@example.org".into(),
        confirmed: true,
        unsubscribed: false,
        unconfirmed_mail_sent: false,
        reply_visible: true,
        reply_id: 2,
        reply_author: "Bo\nBcc: evil2@example.org".into(),
        reply_text: "hi\r\nBcc: evil3@example.org".into(),
        article_id: 3,
        article_slug: "s".into(),
        article_title: "Title\r\nBcc: evil4@example.org\r\n".into(),
    };
    let from = "news@news.test".parse().unwrap();
    let raw =
        String::from_utf8(compose(&job, &from, "http://t", &keys).unwrap().formatted()).unwrap();
    for line in raw.lines() {
        assert!(
            !line.to_ascii_lowercase().starts_with("bcc:"),
            "injected header: {raw}"
        );
    }
    let injected_address = linkx_store::NotificationJob {
        recipient_email: "ana@example.org\r\nBcc: evil@example.org".into(),
        ..job
    };
    assert!(compose(&injected_address, &from, "http://t", &keys).is_err());
}
