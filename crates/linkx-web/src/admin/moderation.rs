//! The moderation queue: comments awaiting a decision (and, by tab, spam and published ones),
//! approved, marked as spam or deleted one at a time or in bulk. Every control is a real button
//! or checkbox with a label, so the queue works from the keyboard alone.

use super::{AdminForm, Operator, Refusal, page, see_other};
use crate::view::human;
use crate::{AppState, WebError};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use linkx_core::comment::CommentStatus;
use minijinja::context;
use std::collections::HashMap;

const QUEUE_PAGE: i64 = 100;

fn tab(status: Option<&str>) -> CommentStatus {
    match status {
        Some("spam") => CommentStatus::Spam,
        Some("approved") => CommentStatus::Approved,
        _ => CommentStatus::Pending,
    }
}

pub async fn queue(
    State(state): State<AppState>,
    op: Operator,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let status = tab(q.get("status").map(String::as_str));
    let comments: Vec<_> = state
        .store
        .comments_with_status(status, QUEUE_PAGE)
        .await?
        .into_iter()
        .map(|c| {
            context! {
                id => c.id, author => c.author_name, url => c.author_url, body_html => minijinja::Value::from_safe_string(c.body_html),
                reason => c.held_reason, when => human(c.created_at),
                article => context! { id => c.article_id, slug => c.article_slug, title => c.article_title },
            }
        })
        .collect();
    let counts: HashMap<String, i64> = state
        .store
        .comment_status_counts()
        .await?
        .into_iter()
        .collect();
    let mentions: Vec<_> = state
        .store
        .mentions_with_status(status, QUEUE_PAGE)
        .await?
        .into_iter()
        .map(|m| {
            context! {
                id => m.id, kind => m.kind, who => m.author_name.unwrap_or_else(|| m.source_host.clone()),
                source => m.source_url, host => m.source_host, content => m.content,
                when => human(m.received_at),
                article => context! { id => m.article_id, slug => m.article_slug, title => m.article_title },
            }
        })
        .collect();
    let mention_counts: HashMap<String, i64> = state
        .store
        .mention_status_counts()
        .await?
        .into_iter()
        .collect();
    page(
        &state,
        Some(&op),
        "admin_moderation.html",
        StatusCode::OK,
        context! {
            comments, status => status.as_str(), counts, mentions, mention_counts,
            done => super::done_message(&q),
        },
    )
}

/// One decision on one comment or mention (`only=approve-12`, `only=spam-m3`) or one action on
/// every ticked comment and mention (`action=spam&id=3&mention=5`).
pub async fn act(State(state): State<AppState>, form: AdminForm) -> Result<Response, Refusal> {
    let AdminForm { op, fields } = form;
    let (action, comments, mentions): (&str, Vec<i64>, Vec<i64>) =
        match fields.get("only").split_once('-') {
            Some((action, id)) => match id.strip_prefix('m') {
                Some(mention) => (
                    action,
                    Vec::new(),
                    mention.parse().ok().into_iter().collect(),
                ),
                None => (action, id.parse().ok().into_iter().collect(), Vec::new()),
            },
            None => (
                fields.get("action"),
                fields
                    .all("id")
                    .filter_map(|id| id.trim().parse().ok())
                    .collect(),
                fields
                    .all("mention")
                    .filter_map(|id| id.trim().parse().ok())
                    .collect(),
            ),
        };
    let back = format!(
        "/admin/moderation?status={}",
        tab(Some(fields.get("status"))).as_str()
    );
    let (status, verb) = match action {
        "approve" => (CommentStatus::Approved, "approved"),
        "spam" => (CommentStatus::Spam, "marked as spam"),
        "delete" => (CommentStatus::Deleted, "deleted"),
        _ => return Ok(see_other(&back, "Choose approve, spam or delete.")),
    };
    if comments.is_empty() && mentions.is_empty() {
        return Ok(see_other(
            &back,
            "Tick the comments first, then choose what to do with them.",
        ));
    }
    let mut changed = Vec::new();
    for id in comments.into_iter().take(1000) {
        if state.store.set_comment_status(id, status).await? {
            changed.push(id.to_string());
        }
    }
    let mut changed_mentions = Vec::new();
    for id in mentions.into_iter().take(1000) {
        if state.store.set_mention_status(id, status).await? {
            changed_mentions.push(id.to_string());
        }
    }
    if !changed.is_empty() {
        op.audit(
            &state,
            &format!("comments {}", status.as_str()),
            &format!("comment(s) {} {verb}", changed.join(", ")),
        )
        .await?;
    }
    if !changed_mentions.is_empty() {
        op.audit(
            &state,
            &format!("mentions {}", status.as_str()),
            &format!("mention(s) {} {verb}", changed_mentions.join(", ")),
        )
        .await?;
    }
    let plural = |n: usize, what: &str| {
        if n == 1 {
            format!("1 {what}")
        } else {
            format!("{n} {what}s")
        }
    };
    let message = match (changed.len(), changed_mentions.len()) {
        (0, 0) => "Nothing changed: those comments are gone.".to_string(),
        (n, 0) => format!("{} {verb}.", plural(n, "comment")),
        (0, m) => format!("{} {verb}.", plural(m, "mention")),
        (n, m) => format!(
            "{} and {} {verb}.",
            plural(n, "comment"),
            plural(m, "mention")
        ),
    };
    Ok(see_other(&back, &message))
}
