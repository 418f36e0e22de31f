//! One site, several processes, one PostgreSQL: `linkx serve --role web` twice and
//! `--role worker` twice (plus a worker that dies mid-poll), each with its own data directory,
//! against the throwaway PostgreSQL server of `linkx_store::testing`. The deployment has no
//! SQLite database anywhere.

use super::KillOnDrop;
use super::support::spawn_app;
use linkx_core::FullText;
use linkx_store::{NewSource, Store};
use std::collections::HashMap;
use std::io::BufRead;
use std::time::{Duration, Instant};

const FEEDS: usize = 500;
const ITEMS: usize = 4;

/// A `linkx serve` process, and what it printed until it was ready (or exited).
struct Process {
    child: KillOnDrop,
    data: tempfile::TempDir,
    startup: Vec<String>,
    /// Kept open: the process dies writing to a closed pipe.
    _stderr: std::io::Lines<std::io::BufReader<std::process::ChildStderr>>,
}

fn start(config: &std::path::Path, role: &str, listen: &str, env: &[(&str, &str)]) -> Process {
    let data = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_linkx"));
    command
        .arg("--config")
        .arg(config)
        .arg("--data")
        .arg(data.path())
        .args(["serve", "--role", role, "--listen", listen])
        .env_remove("LINKX_LOG")
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let mut startup = Vec::new();
    for line in lines.by_ref().map_while(Result::ok) {
        let ready = line.starts_with("ready:");
        startup.push(line);
        if ready {
            break;
        }
    }
    Process {
        child: KillOnDrop(child),
        data,
        startup,
        _stderr: lines,
    }
}

fn free_address() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("127.0.0.1:{port}")
}

/// Waits until `done` holds, checking every 200 ms, for at most `limit`.
async fn wait_for<F: std::future::Future<Output = bool>>(
    limit: Duration,
    mut done: impl FnMut() -> F,
) -> bool {
    let started = Instant::now();
    while started.elapsed() < limit {
        if done().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    false
}

/// The body of `GET url`.
async fn text(client: &reqwest::Client, url: &str) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

/// Posts a comment through `web` as a new reader would: the page first (its session cookie and
/// form token), then the form.
async fn comment(client: &reqwest::Client, web: &str, page: &str, id: i64, text: &str) -> u16 {
    let response = client
        .get(format!("http://{web}{page}"))
        .send()
        .await
        .unwrap();
    let cookie = response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .collect::<Vec<_>>()
        .join("; ");
    let html = response.text().await.unwrap();
    let token = html
        .split("name=\"_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    let body = format!(
        "comment={}&author=Ana&email=ana%40example.org&url=&comment_parent=0&_token={token}",
        text.replace(' ', "+")
    );
    client
        .post(format!("http://{web}/a/{id}/comments"))
        .header(reqwest::header::COOKIE, cookie)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_web_and_two_worker_processes_share_one_postgresql_and_a_dead_worker_loses_nothing() {
    let Some(url) = linkx_store::testing::PgServer::fresh_database_url() else {
        return;
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let app = spawn_app().await;
    let pg = Store::open(&url).await.unwrap();
    for i in 0..FEEDS {
        let feed =
            linkx_core::SourceUrl::parse(&app.url(&format!("/feeds/f{i}-{ITEMS}.xml"))).unwrap();
        let source = NewSource {
            full_text: FullText::Never,
            ..NewSource::feed(&feed, Some(&format!("Feed {i}")))
        };
        pg.add_source(&source, 0).await.unwrap();
    }
    let config = app.dir.path().join("cluster.toml");
    std::fs::write(
        &config,
        format!(
            "[site]\ntitle = \"Cluster\"\n[storage]\nurl = \"{url}\"\n\
             [poll]\nallow_private_networks = true\nconcurrency = 8\nlease = \"2s\"\ntimeout = 30\n\
             [comments]\nmoderation = \"none\"\nmin_submit_seconds = 0\nflood_seconds = 0\n"
        ),
    )
    .unwrap();

    // A worker that dies mid-poll, holding the sources it was fetching.
    let crashing = start(
        &config,
        "worker",
        &free_address(),
        &[("LINKX_FAULT_ABORT_AFTER_WRITES", "40")],
    );
    let Process {
        child: mut crashing,
        data: crashed_data,
        ..
    } = crashing;
    let status = tokio::task::spawn_blocking(move || crashing.0.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(
        !status.success(),
        "the fault injection stopped the first worker"
    );
    let stored_by_the_dead = pg.count_articles().await.unwrap();
    assert!(
        (1..(FEEDS * ITEMS) as i64).contains(&stored_by_the_dead),
        "{stored_by_the_dead}"
    );

    let workers = [
        start(&config, "worker", &free_address(), &[]),
        start(&config, "worker", &free_address(), &[]),
    ];
    let (web1, web2) = (free_address(), free_address());
    let webs = [
        start(&config, "web", &web1, &[]),
        start(&config, "web", &web2, &[]),
    ];
    for p in workers.iter().chain(&webs) {
        assert!(
            p.startup.last().is_some_and(|l| l.starts_with("ready:")),
            "{:?}",
            p.startup
        );
    }
    assert!(webs[0].startup.iter().any(|l| l.contains("(Web)")));
    assert!(workers[0].startup.iter().any(|l| l.contains("(Worker)")));

    // The live workers take over the dead one's sources once its lease ends.
    let expected = (FEEDS * ITEMS) as i64;
    let complete = wait_for(Duration::from_secs(120), || async {
        pg.count_articles().await.unwrap() >= expected
    })
    .await;
    if !complete {
        // What held the rest back: each source's last error and next check.
        let sources = pg.list_sources().await.unwrap();
        let states: Vec<_> = (sources.iter())
            .map(|s| (&s.name, &s.last_error, s.error_count, s.next_check_at))
            .collect();
        panic!(
            "{} of {expected} stored; sources: {states:?}",
            pg.count_articles().await.unwrap()
        );
    }
    // Every item exactly once (the store also refuses a second copy of a source's guid).
    assert_eq!(pg.count_articles().await.unwrap(), expected);
    let sources = pg.list_sources().await.unwrap();
    assert!(sources.iter().all(|s| s.last_success_at.is_some()));
    // No two workers fetched one source in the same interval: only the sources the dead worker
    // had in flight (at most its concurrency) were fetched twice.
    let mut fetches: HashMap<String, usize> = HashMap::new();
    for path in app.hits.paths.lock().unwrap().iter() {
        if path.starts_with("/feeds/f") {
            *fetches.entry(path.clone()).or_default() += 1;
        }
    }
    assert_eq!(fetches.len(), FEEDS);
    let twice = fetches.values().filter(|n| **n > 1).count();
    assert!(fetches.values().all(|n| *n <= 2), "{fetches:?}");
    assert!(twice <= 8, "{twice} sources fetched twice");

    // Both web processes show what the workers stored, and each other's comments.
    let client = reqwest::Client::new();
    let article = pg.latest_articles(1, 0).await.unwrap().remove(0);
    let page = format!("/a/{}/{}", article.id, article.slug);
    for web in [&web1, &web2] {
        let html = text(&client, &format!("http://{web}{page}")).await;
        assert!(html.contains(&article.title), "{web}");
    }
    let one = comment(&client, &web1, &page, article.id, "posted to the first web").await;
    let two = comment(
        &client,
        &web2,
        &page,
        article.id,
        "posted to the second web",
    )
    .await;
    assert_eq!(
        (one, two),
        (200, 200),
        "each comment was accepted (and redirected)"
    );
    // Each page shows both within the thread cache's bound on staleness (10 s).
    for web in [&web1, &web2] {
        let shown = wait_for(Duration::from_secs(30), || async {
            let html = text(&client, &format!("http://{web}{page}")).await;
            html.contains("posted to the first web") && html.contains("posted to the second web")
        })
        .await;
        assert!(shown, "{web} shows both comments");
    }
    // Each web process keeps its own search index, following the store's change log: what the
    // workers stored is found there, and a source removed elsewhere disappears from it.
    let search = |web: String, words: String| {
        let client = client.clone();
        async move {
            let url = format!("http://{web}/search?q={}", words.replace(' ', "+"));
            text(&client, &url).await
        }
    };
    let removed = pg.list_sources().await.unwrap()[0].clone();
    let removed_article = pg
        .articles_of_source(removed.id, 1, 0)
        .await
        .unwrap()
        .remove(0);
    let removed_link = format!("/a/{}/", removed_article.id);
    for web in [&web1, &web2] {
        let found = wait_for(Duration::from_secs(30), || async {
            search(web.clone(), removed_article.title.clone())
                .await
                .contains(&removed_link)
        })
        .await;
        assert!(found, "{web} finds what the workers stored");
    }
    pg.remove_source(removed.id).await.unwrap();
    for web in [&web1, &web2] {
        let gone = wait_for(Duration::from_secs(30), || async {
            !search(web.clone(), removed_article.title.clone())
                .await
                .contains(&removed_link)
        })
        .await;
        assert!(gone, "{web} forgets the removed source's articles");
    }
    for data in workers
        .iter()
        .chain(&webs)
        .map(|p| &p.data)
        .chain([&crashed_data])
    {
        assert!(!data.path().join("linkx.db").exists());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_site_moves_to_postgresql_with_export_and_import_db() {
    let Some(url) = linkx_store::testing::PgServer::fresh_database_url() else {
        return;
    };
    let app = spawn_app().await;
    for name in ["alpha-5", "beta-3"] {
        let feed = linkx_core::SourceUrl::parse(&app.url(&format!("/feeds/{name}.xml"))).unwrap();
        app.store
            .add_source(&NewSource::feed(&feed, Some(name)), 0)
            .await
            .unwrap();
    }
    let config = app.write_config("");
    let config = config.to_str().unwrap();
    let polled = app.linkx(&["--config", config, "poll", "--once"]);
    assert!(polled.status.success(), "{}", super::stderr(&polled));
    let account = app.linkx(&[
        "--config", config, "user", "add", "editor", "--role", "admin",
    ]);
    assert!(account.status.success(), "{}", super::stderr(&account));

    let exported = app.linkx(&["--config", config, "export", "site.jsonl"]);
    assert!(exported.status.success(), "{}", super::stderr(&exported));
    assert!(super::stdout(&exported).contains("(8 articles, 2 sources, 0 comments)"));
    let again = app.linkx(&["--config", config, "export", "site.jsonl"]);
    assert!(!again.status.success(), "an export never overwrites a file");

    let to_pg = [("LINKX_STORAGE_URL", url.as_str())];
    let imported = app.linkx_with_env(&["--config", config, "import-db", "site.jsonl"], &to_pg);
    assert!(imported.status.success(), "{}", super::stderr(&imported));
    assert!(
        super::stdout(&imported).contains("verified"),
        "{}",
        super::stdout(&imported)
    );
    assert!(!super::stdout(&imported).contains("MISMATCH"));

    // The same site: every table's rows, the same articles under the same ids and links.
    let pg = Store::open(&url).await.unwrap();
    assert_eq!(
        pg.table_counts().await.unwrap(),
        app.store.table_counts().await.unwrap()
    );
    let listing = |articles: Vec<linkx_store::ArticleView>| {
        articles
            .into_iter()
            .map(|a| (a.id, a.slug, a.url, a.story_id, a.source_name))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        listing(pg.latest_articles(100, 0).await.unwrap()),
        listing(app.store.latest_articles(100, 0).await.unwrap())
    );
    assert_eq!(pg.count_users().await.unwrap(), 1);
    // New rows continue after the moved ones.
    let feed = linkx_core::SourceUrl::parse(&app.url("/feeds/gamma-2.xml")).unwrap();
    let added = pg
        .add_source(&NewSource::feed(&feed, Some("gamma")), 0)
        .await
        .unwrap();
    assert!(
        pg.list_sources()
            .await
            .unwrap()
            .iter()
            .all(|s| s.id <= added.id)
    );

    // A store that already holds a site is never overwritten.
    let twice = app.linkx_with_env(&["--config", config, "import-db", "site.jsonl"], &to_pg);
    assert!(!twice.status.success());
    assert!(
        super::stderr(&twice).contains("not empty"),
        "{}",
        super::stderr(&twice)
    );
}

/// A process that keeps its own index (a web process) sees what other processes change through
/// the store's change log, updates included (which leave the article count as it was).
#[tokio::test]
async fn an_index_follows_new_updated_and_removed_articles_through_the_change_log() {
    use linkx_search::{SearchIndex, SortBy, parse_query};
    let app = spawn_app().await;
    let feed = linkx_core::SourceUrl::parse(&app.url("/feeds/unused.xml")).unwrap();
    let source = app
        .store
        .add_source(&NewSource::feed(&feed, Some("Wire")), 0)
        .await
        .unwrap();
    let article =
        |n: i64, title: &str| super::support::new_article(n, title, title, super::support::NOW);
    let ingest = |articles: Vec<linkx_store::NewArticle>| {
        let store = app.store.clone();
        async move {
            let record = linkx_store::PollRecord {
                at: super::support::NOW,
                ..Default::default()
            };
            store
                .ingest(source.id, &articles, &record, &mut || {})
                .await
                .unwrap();
        }
    };
    ingest(vec![article(1, "Harbour crane collapses")]).await;
    // This process's index, in step with the store now.
    let index = std::sync::Arc::new(SearchIndex::in_memory().unwrap());
    linkx::search::rebuild(&app.store, &index, |_, _| {})
        .await
        .unwrap();
    let mut last = app.store.index_log_span().await.unwrap().1;
    let hits = |words: &str| {
        index
            .search(&parse_query(words).unwrap(), SortBy::Relevance, 10, 0)
            .unwrap()
            .hits
            .len()
    };
    assert_eq!(hits("crane"), 1);

    // Another process rewrites the headline (the article count stays the same)…
    ingest(vec![article(1, "Harbour gantry collapses")]).await;
    assert_eq!(hits("gantry"), 0);
    last = linkx::search::follow_once(&app.store, &index, last)
        .await
        .unwrap();
    assert_eq!((hits("gantry"), hits("crane")), (1, 0));
    // …and stores a new article.
    ingest(vec![article(2, "Ferry strike ends")]).await;
    last = linkx::search::follow_once(&app.store, &index, last)
        .await
        .unwrap();
    assert_eq!(hits("ferry"), 1);

    // And removes the source.
    app.store.remove_source(source.id).await.unwrap();
    linkx::search::follow_once(&app.store, &index, last)
        .await
        .unwrap();
    assert_eq!((hits("gantry"), hits("ferry")), (0, 0));
    assert_eq!(index.len(), 0);
}

/// Two workers, each with its own clustering engine loaded before either article existed: the
/// copy one fetches joins the story of the original the other placed.
#[tokio::test]
async fn a_copy_joins_the_original_placed_by_another_worker() {
    use linkx::stories::StoryDesk;
    let app = spawn_app().await;
    let now = super::support::NOW;
    let mut sources = Vec::new();
    for name in ["Wire", "Daily"] {
        let feed = linkx_core::SourceUrl::parse(&app.url(&format!("/feeds/{name}.xml"))).unwrap();
        sources.push(
            app.store
                .add_source(&NewSource::feed(&feed, Some(name)), 0)
                .await
                .unwrap(),
        );
    }
    let worker_a = StoryDesk::load(&app.store, now).await.unwrap();
    let worker_b = StoryDesk::load(&app.store, now).await.unwrap();
    let text = "The harbour council approved the new flood barrier on Tuesday after a long debate \
        about its cost, which engineers put at forty million euros. Residents of the lower town, \
        flooded three times in the past decade, filled the public gallery. The barrier will close \
        the river mouth during storm surges and is due to be finished within four years, the \
        mayor said, adding that the regional government had promised half of the money.";
    let article = |n: i64, published_at: i64| {
        super::support::new_article(
            n,
            "Harbour council approves flood barrier",
            text,
            published_at,
        )
    };
    let record = linkx_store::PollRecord {
        at: now,
        ..Default::default()
    };
    let mut placed = Vec::new();
    for (worker, source, n, published) in [
        (&worker_a, &sources[0], 1, now - 3600),
        (&worker_b, &sources[1], 2, now - 600),
    ] {
        let batch = [article(n, published)];
        let ingested = app
            .store
            .ingest(source.id, &batch, &record, &mut || {})
            .await
            .unwrap();
        worker
            .assign(&app.store, &batch, &ingested, &source.name)
            .await
            .unwrap();
        placed.push(ingested.new_ids[0].1);
    }
    let original = app.store.article(placed[0]).await.unwrap().unwrap();
    let copy = app.store.article(placed[1]).await.unwrap().unwrap();
    assert_eq!(copy.story_id, original.story_id, "one story");
    assert_eq!(
        copy.duplicate_of,
        Some(original.id),
        "marked as a copy of it"
    );
}

/// The "Wire" source, whose feed the app's fixture server serves.
async fn wire_source(app: &super::support::TestApp) -> linkx_store::Source {
    let feed = linkx_core::SourceUrl::parse(&app.url("/feeds/Wire.xml")).unwrap();
    (app.store)
        .add_source(&NewSource::feed(&feed, Some("Wire")), 0)
        .await
        .unwrap()
}

/// A report bridging two stories merges them in the store, and a worker whose engine still
/// holds the story merged away places its next report in the merged one.
#[tokio::test]
async fn a_bridging_report_merges_two_stories_for_every_worker() {
    use linkx::stories::StoryDesk;
    let app = spawn_app().await;
    let now = super::support::NOW;
    let source = wire_source(&app).await;
    let worker_a = StoryDesk::load(&app.store, now).await.unwrap();
    let worker_b = StoryDesk::load(&app.store, now).await.unwrap();
    let record = linkx_store::PollRecord {
        at: now,
        ..Default::default()
    };
    let reports = [
        (
            &worker_a,
            "Riverport council votes for Ashwater flood barrier",
        ),
        (
            &worker_a,
            "Council in Riverport backs Ashwater flood barrier in vote",
        ),
        (
            &worker_b,
            "Spring floods force thousands from their homes as river bursts banks",
        ),
        (
            &worker_a,
            "Riverport council backs Ashwater flood barrier after spring floods force thousands from homes",
        ),
        (
            &worker_b,
            "Spring floods force thousands from their homes as the river bursts its banks again",
        ),
    ];
    let (mut ids, mut moved) = (Vec::new(), Vec::new());
    for (n, (worker, title)) in reports.into_iter().enumerate() {
        let batch = [super::support::new_article(
            n as i64,
            title,
            "",
            now - 3600 + n as i64,
        )];
        let ingested = (app.store.ingest(source.id, &batch, &record, &mut || {}))
            .await
            .unwrap();
        moved.push(
            worker
                .assign(&app.store, &batch, &ingested, "Wire")
                .await
                .unwrap(),
        );
        ids.push(ingested.new_ids[0].1);
    }
    let story_of = async |id| app.store.article(id).await.unwrap().unwrap().story_id;
    let vote = story_of(ids[0]).await;
    assert_eq!(story_of(ids[1]).await, vote);
    assert!(
        moved[..3].iter().all(Vec::is_empty),
        "nothing merged before the bridge"
    );
    assert_eq!(moved[3], vec![ids[2]], "the bridge moved the flood report");
    for &id in &ids {
        assert_eq!(story_of(id).await, vote, "article {id} in the merged story");
    }
    assert!(app.store.story(ids[2]).await.unwrap().is_none());
    assert_eq!(app.store.story_redirect(ids[2]).await.unwrap(), Some(vote));
    assert_eq!(
        app.store.story(vote).await.unwrap().unwrap().article_count,
        5
    );
}

/// A report of one of two events about one team, as a headline: some of the event's words,
/// some of the team's, and words of its own.
fn team_headline(event: &[&str], n: usize) -> String {
    const TEAM: [&str; 4] = ["Lakers", "Los", "Angeles", "basketball"];
    let mut seed = (n as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut pick = |from: &[&str]| {
        seed ^= seed >> 29;
        seed = seed.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        from[(seed >> 33) as usize % from.len()].to_string()
    };
    let mut words: Vec<String> = (0..5).map(|_| pick(event)).collect();
    words.extend((0..2).map(|_| pick(&TEAM)));
    words.extend((0..3).map(|i| format!("own{n}x{i}")));
    words.join(" ")
}

/// A story an earlier engine left holding two events splits when the next report joins it:
/// the other event's articles move to a story named after the first of them, in the store.
#[tokio::test]
async fn a_story_of_two_events_splits_in_the_store_when_a_report_joins_it() {
    use linkx::stories::StoryDesk;
    const EXTENSION: [&str; 8] = [
        "Kobe",
        "Bryant",
        "contract",
        "extension",
        "million",
        "signed",
        "years",
        "salary",
    ];
    const GAME: [&str; 8] = [
        "Wizards", "game", "points", "victory", "quarter", "scored", "Wall", "rebounds",
    ];
    let app = spawn_app().await;
    let now = super::support::NOW;
    let source = wire_source(&app).await;
    let record = linkx_store::PollRecord {
        at: now,
        ..Default::default()
    };
    let batch: Vec<_> = (0..80)
        .map(|n| {
            let event = if n % 2 == 0 { &EXTENSION } else { &GAME };
            let title = team_headline(event, n);
            super::support::new_article(n as i64, &title, "", now - 7200 + n as i64)
        })
        .collect();
    let ingested = (app.store.ingest(source.id, &batch, &record, &mut || {}))
        .await
        .unwrap();
    let ids: Vec<i64> = ingested.new_ids.iter().map(|&(_, id)| id).collect();
    let together: Vec<linkx_store::StoryAssignment> = (ids.iter())
        .map(|&article_id| linkx_store::StoryAssignment {
            article_id,
            story_id: ids[0],
            duplicate_of: None,
            original_id: ids[0],
        })
        .collect();
    app.store.assign_stories(&together).await.unwrap();

    let desk = StoryDesk::load(&app.store, now).await.unwrap();
    let next = [super::support::new_article(
        80,
        &team_headline(&EXTENSION, 80),
        "",
        now - 60,
    )];
    let ingested = (app.store.ingest(source.id, &next, &record, &mut || {}))
        .await
        .unwrap();
    let moved = desk
        .assign(&app.store, &next, &ingested, "Wire")
        .await
        .unwrap();
    let games: Vec<i64> = ids.iter().skip(1).step_by(2).copied().collect();
    assert_eq!(moved, games, "the game reports left, and only they");
    for (n, &id) in ids.iter().enumerate() {
        let story = app.store.article(id).await.unwrap().unwrap().story_id;
        let expected = if n % 2 == 0 { ids[0] } else { ids[1] };
        assert_eq!(story, expected, "report {n}");
    }
    let new = app.store.article(ingested.new_ids[0].1).await.unwrap();
    assert_eq!(new.unwrap().story_id, ids[0]);
    let kept = app.store.story(ids[0]).await.unwrap().unwrap();
    let split = app.store.story(ids[1]).await.unwrap().unwrap();
    assert_eq!((kept.article_count, split.article_count), (41, 40));
    assert_eq!(split.lead.id, ids[1]);
}
