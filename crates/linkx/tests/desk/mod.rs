//! The operator's desk from the binary's side: the job runner doing what admin pages queue, and
//! `linkx user …`.

use crate::support::{NOW, spawn_app, stderr, stdout};
use linkx::jobs::{JobContext, run_next};
use linkx_core::account::Role;
use linkx_core::jobs::{Discovery, JobRequest, PollOutcome};
use linkx_store::{JobStatus, NewSource, Store};
use linkx_web::admin::auth::verify_password;
use std::io::Write;

async fn queue(store: &Store, request: &JobRequest) -> i64 {
    let payload = serde_json::to_string(request).unwrap();
    store
        .enqueue_job(request.kind(), &payload, Some("editor"), NOW)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_job_runner_discovers_a_sites_feeds_and_polls_a_source_on_request() {
    let app = spawn_app().await;
    let ctx = JobContext::new(
        app.poll_context().await,
        Default::default(),
        "http://127.0.0.1",
    )
    .unwrap();
    assert!(!run_next(&ctx).await.unwrap(), "nothing queued yet");

    let job = queue(
        &app.store,
        &JobRequest::Discover {
            url: app.url("/site/"),
        },
    )
    .await;
    assert!(run_next(&ctx).await.unwrap());
    let done = app.store.job(job).await.unwrap().unwrap();
    assert_eq!(done.status, JobStatus::Done);
    let discovery: Discovery = serde_json::from_str(done.result.as_deref().unwrap()).unwrap();
    let urls: Vec<&str> = discovery.feeds.iter().map(|f| f.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            app.url("/feeds/discovered.xml"),
            app.url("/feeds/other.xml")
        ]
    );
    let first = &discovery.feeds[0];
    assert_eq!(
        (first.title.as_deref(), first.items),
        (Some("discovered"), 5)
    );
    assert_eq!(first.latest.len(), 3);
    assert!(first.error.is_none() && !first.followed);

    let source = app
        .store
        .add_source(
            &NewSource::feed(&linkx_core::SourceUrl::parse(&first.url).unwrap(), None),
            NOW,
        )
        .await
        .unwrap();
    // Discovering again marks the feed as followed.
    queue(
        &app.store,
        &JobRequest::Discover {
            url: app.url("/site/"),
        },
    )
    .await;
    run_next(&ctx).await.unwrap();
    let again = app.store.recent_jobs(1).await.unwrap().remove(0);
    let discovery: Discovery = serde_json::from_str(again.result.as_deref().unwrap()).unwrap();
    assert!(discovery.feeds[0].followed && !discovery.feeds[1].followed);

    let job = queue(
        &app.store,
        &JobRequest::Poll {
            source_id: source.id,
        },
    )
    .await;
    run_next(&ctx).await.unwrap();
    let done = app.store.job(job).await.unwrap().unwrap();
    let outcome: PollOutcome = serde_json::from_str(done.result.as_deref().unwrap()).unwrap();
    assert_eq!((outcome.new_items, outcome.error), (5, None));
    assert_eq!(
        app.store.count_articles_of_source(source.id).await.unwrap(),
        5
    );
}

#[tokio::test]
async fn failed_jobs_say_why() {
    let app = spawn_app().await;
    let ctx = JobContext::new(
        app.poll_context().await,
        Default::default(),
        "http://127.0.0.1",
    )
    .unwrap();
    let cases = [
        (
            JobRequest::Discover {
                url: app.url("/plain.html"),
            },
            "advertises no feed",
        ),
        (
            JobRequest::Discover {
                url: "https://".into(),
            },
            "URL",
        ),
        (
            JobRequest::Poll { source_id: 99 },
            "source 99 no longer exists",
        ),
    ];
    for (request, reason) in cases {
        let job = queue(&app.store, &request).await;
        run_next(&ctx).await.unwrap();
        let failed = app.store.job(job).await.unwrap().unwrap();
        assert_eq!(failed.status, JobStatus::Failed, "{request:?}");
        let message = failed.result.unwrap_or_default();
        assert!(message.contains(reason), "{request:?}: {message}");
    }
    // A payload this version does not know fails instead of looping.
    let job = app
        .store
        .enqueue_job("teleport", "{\"kind\":\"teleport\"}", None, NOW)
        .await
        .unwrap();
    run_next(&ctx).await.unwrap();
    let failed = app.store.job(job).await.unwrap().unwrap();
    assert_eq!(failed.status, JobStatus::Failed);
    assert!(
        failed
            .result
            .unwrap_or_default()
            .contains("cannot run a teleport job")
    );
    // Private addresses stay refused for jobs as for polls.
    let strict = linkx::poll::PollContext {
        fetcher: linkx::fetch::Fetcher::new(app.fetch_config(false)).unwrap(),
        ..std::sync::Arc::try_unwrap(app.poll_context().await)
            .ok()
            .unwrap()
    };
    let strict = JobContext::new(
        std::sync::Arc::new(strict),
        Default::default(),
        "http://127.0.0.1",
    )
    .unwrap();
    let job = queue(
        &app.store,
        &JobRequest::Discover {
            url: app.url("/site/"),
        },
    )
    .await;
    run_next(&strict).await.unwrap();
    let refused = app.store.job(job).await.unwrap().unwrap();
    assert_eq!(refused.status, JobStatus::Failed);
    assert!(
        refused
            .result
            .as_deref()
            .unwrap_or_default()
            .contains("private"),
        "{refused:?}"
    );
}

fn linkx_with_stdin(
    app: &crate::support::TestApp,
    args: &[&str],
    stdin: &str,
) -> std::process::Output {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_linkx"))
        .arg("--data")
        .arg(app.dir.path())
        .args(args)
        .current_dir(app.dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn operators_are_managed_from_the_command_line() {
    let app = spawn_app().await;
    let out = linkx_with_stdin(
        &app,
        &[
            "user",
            "add",
            "Editor",
            "--role",
            "admin",
            "--password-stdin",
        ],
        "correct horse battery staple\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "added user editor (admin)\n");
    let user = app.store.user_by_name("editor").await.unwrap().unwrap();
    assert_eq!(user.role, Role::Admin);
    assert!(user.password_hash.starts_with("$argon2id$"));
    assert!(verify_password(
        "correct horse battery staple",
        &user.password_hash
    ));

    // Without --password-stdin a strong password is generated and shown once.
    let out = app.linkx(&["user", "add", "mo", "--role", "moderator"]);
    assert!(out.status.success());
    let generated = stdout(&out)
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .unwrap()
        .to_string();
    assert_eq!(generated.len(), 40);
    let mo = app.store.user_by_name("mo").await.unwrap().unwrap();
    assert!(verify_password(&generated, &mo.password_hash));

    // Mistakes are usage errors that say what to do.
    let out = linkx_with_stdin(
        &app,
        &["user", "add", "weak", "--role", "admin", "--password-stdin"],
        "short\n",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("at least 12 characters"));
    let out = app.linkx(&["user", "add", "EDITOR", "--role", "moderator"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("linkx user passwd editor"),
        "{}",
        stderr(&out)
    );
    let out = app.linkx(&["user", "add", "x", "--role", "root"]);
    assert_eq!(out.status.code(), Some(2));

    let out = linkx_with_stdin(
        &app,
        &["user", "passwd", "editor", "--password-stdin"],
        "another long passphrase\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let user = app.store.user_by_name("editor").await.unwrap().unwrap();
    assert!(verify_password(
        "another long passphrase",
        &user.password_hash
    ));
    assert!(!verify_password(
        "correct horse battery staple",
        &user.password_hash
    ));

    let list = stdout(&app.linkx(&["user", "list"]));
    assert!(list.contains("editor") && list.contains("moderator"));
    assert!(app.linkx(&["user", "remove", "mo"]).status.success());
    assert_eq!(app.linkx(&["user", "remove", "mo"]).status.code(), Some(2));
    let log = app.store.audit_log(10, 0).await.unwrap();
    assert!(
        log.iter()
            .any(|e| e.user_name == "cli" && e.detail == "removed mo")
    );
}
