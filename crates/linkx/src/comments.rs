//! `linkx comments …`: the moderation queue from the command line, and erasure on request.

use crate::cli::CommentsCommand;
use crate::settings::UsageError;
use linkx_core::comment::{CommentStatus, Email};
use linkx_store::{CommentView, Store};

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
