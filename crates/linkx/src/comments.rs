//! `linkx comments …`: the moderation queue from the command line, and erasure on request.

use crate::cli::CommentsCommand;
use crate::settings::UsageError;
use linkx_core::Clock;
use linkx_core::comment::{AuthorName, AuthorUrl, CommentStatus, Email};
use linkx_feed::{WxrComment, WxrPost};
use linkx_store::{CommentView, NewComment, Store};
use std::collections::HashMap;
use std::path::Path;

pub async fn run(store: &Store, command: CommentsCommand) -> anyhow::Result<()> {
    match command {
        CommentsCommand::List { status, limit } => {
            let comments = store.comments_with_status(status.into(), limit).await?;
            print!("{}", format_list(&comments));
        }
        CommentsCommand::Approve { ids } => {
            set_status(store, &ids, CommentStatus::Approved, "approved").await?;
        }
        CommentsCommand::Spam { ids } => {
            set_status(store, &ids, CommentStatus::Spam, "marked as spam").await?;
        }
        CommentsCommand::Delete { ids } => {
            set_status(store, &ids, CommentStatus::Deleted, "deleted").await?;
        }
        CommentsCommand::Erase { email } => {
            let email = Email::parse(&email)
                .map_err(|e| UsageError(format!("--email {email:?}: {}", e.message)))?;
            let erased = store.erase_commenter(email.as_str()).await?;
            println!(
                "anonymised {erased} comment(s) of {}: name, email, website and IP hash removed",
                email.as_str()
            );
        }
        CommentsCommand::ImportWxr { file } => {
            let report = import_wxr(store, &file, linkx_core::SystemClock.now()).await?;
            println!(
                "imported {} comment(s) onto {} article(s); {} already there; {} pingback(s), trackback(s) or trashed comment(s) left out",
                report.imported, report.articles, report.duplicates, report.left_out
            );
            for post in &report.unmatched {
                println!(
                    "  no article for \"{}\" ({}): its comments were not imported",
                    post.0, post.1
                );
            }
        }
    }
    Ok(())
}

/// The deepest reply nesting an import keeps.
const MAX_IMPORTED_DEPTH: i64 = 32;

/// What a WXR import did.
#[derive(Debug, Default)]
pub struct WxrReport {
    pub imported: usize,
    pub articles: usize,
    pub duplicates: usize,
    pub left_out: usize,
    /// Posts (title, link) with no matching article.
    pub unmatched: Vec<(String, String)>,
}

/// Imports the comments of a WordPress export file.
pub async fn import_wxr(store: &Store, file: &Path, now: i64) -> anyhow::Result<WxrReport> {
    let bytes = std::fs::read(file)
        .map_err(|e| UsageError(format!("cannot read {}: {e}", file.display())))?;
    let text = String::from_utf8_lossy(&bytes);
    let posts = linkx_feed::parse_wxr(&text);
    if posts.is_empty() && !text.contains("wordpress.org/export") {
        return Err(UsageError(format!(
            "{} is not a WordPress export (WXR): export one under Tools → Export in WordPress",
            file.display()
        ))
        .into());
    }
    let secret = store
        .secret("site", &linkx_web::keys::random_hex(32))
        .await?;
    let keys = linkx_web::keys::Keys::from_secret(&secret);
    let mut report = WxrReport::default();
    for post in &posts {
        let key = url::Url::parse(&post.link)
            .map(|u| linkx_core::urlnorm::canonical_key(&u))
            .unwrap_or_default();
        let Some(article_id) = store.find_article(&key, &post.title).await? else {
            report
                .unmatched
                .push((post.title.clone(), post.link.clone()));
            continue;
        };
        report.articles += 1;
        import_post_comments(store, &keys, article_id, post, now, &mut report).await?;
    }
    Ok(report)
}

async fn import_post_comments(
    store: &Store,
    keys: &linkx_web::keys::Keys,
    article_id: i64,
    post: &WxrPost,
    now: i64,
    report: &mut WxrReport,
) -> anyhow::Result<()> {
    // Parents first, whatever the file's order; WordPress ids map to ours as they are stored.
    let mut comments: Vec<&WxrComment> = post.comments.iter().collect();
    comments.sort_by_key(|c| (c.date.unwrap_or(0), c.id));
    let mut ours: HashMap<i64, (i64, i64)> = HashMap::new();
    for c in comments {
        let status = match c.approved.as_str() {
            "1" | "approve" | "approved" => CommentStatus::Approved,
            "0" | "hold" => CommentStatus::Pending,
            "spam" => CommentStatus::Spam,
            // "trash" and anything unknown: not imported.
            _ => CommentStatus::Deleted,
        };
        let is_comment = matches!(c.kind.as_str(), "" | "comment");
        if !is_comment || status == CommentStatus::Deleted {
            report.left_out += 1;
            continue;
        }
        let email = Email::parse(&c.email).ok();
        let author = AuthorName::parse(&c.author)
            .map(|a| a.as_str().to_string())
            .unwrap_or_else(|_| "Anonymous".to_string());
        let author_key = match &email {
            Some(e) => keys.author_key(&e.identity()),
            None => keys.hash("author-wxr", &author),
        };
        let (body_html, body_text) = linkx_web::comments::markdown::render_wordpress(&c.content);
        if body_text.trim().is_empty() {
            report.left_out += 1;
            continue;
        }
        if store
            .is_duplicate_comment(article_id, &author_key, &body_text)
            .await?
        {
            report.duplicates += 1;
            continue;
        }
        // WordPress allows any nesting; a thread deeper than this continues at the top level,
        // so no export can make a thread too deep to show.
        let (parent_id, depth) = match ours.get(&c.parent) {
            Some(&(id, depth)) if depth < MAX_IMPORTED_DEPTH => (Some(id), depth + 1),
            _ => (None, 1),
        };
        let new = NewComment {
            article_id,
            parent_id,
            depth,
            author_name: author,
            author_email: email.map(|e| e.as_str().to_string()).unwrap_or_default(),
            author_key,
            author_url: AuthorUrl::parse(&c.url)
                .ok()
                .flatten()
                .map(|u| u.as_str().to_string()),
            avatar_hash: None,
            body_md: body_text,
            body_html,
            status,
            held_reason: (status == CommentStatus::Pending)
                .then(|| "held in WordPress".to_string()),
            notify: false,
            ip_hash: None,
            created_at: c.date.unwrap_or(now),
        };
        let id = store.insert_comment(&new).await?;
        ours.insert(c.id, (id, depth));
        report.imported += 1;
    }
    Ok(())
}

async fn set_status(
    store: &Store,
    ids: &[i64],
    status: CommentStatus,
    done: &str,
) -> anyhow::Result<()> {
    let mut missing = Vec::new();
    for &id in ids {
        if store.set_comment_status(id, status).await? {
            println!("comment {id} {done}");
        } else {
            missing.push(id.to_string());
        }
    }
    if !missing.is_empty() {
        return Err(UsageError(format!(
            "no comment with id {} (deleted comments cannot change): see `linkx comments list`",
            missing.join(", ")
        ))
        .into());
    }
    Ok(())
}

/// One block per comment: id, status and reason, author, article, then the text.
pub fn format_list(comments: &[CommentView]) -> String {
    if comments.is_empty() {
        return "no comments\n".to_string();
    }
    let mut out = String::new();
    for c in comments {
        let when = chrono::DateTime::from_timestamp(c.created_at, 0)
            .unwrap_or_default()
            .format("%Y-%m-%d %H:%M UTC");
        out.push_str(&format!(
            "#{} [{}{}] {} on \"{}\" (/a/{}/{}) at {when}\n",
            c.id,
            c.status.as_str(),
            c.held_reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default(),
            c.author_name,
            c.article_title,
            c.article_id,
            c.article_slug,
        ));
        for line in c.body_md.lines() {
            out.push_str("    ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}
