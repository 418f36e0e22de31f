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
    page(
        &state,
        Some(&op),
        "admin_moderation.html",
        StatusCode::OK,
        context! {
            comments, status => status.as_str(), counts,
            done => super::done_message(&q),
        },
    )
}

/// One decision on one comment (`only=approve-12`) or one action on every ticked comment
/// (`action=spam&id=3&id=5`).
pub async fn act(State(state): State<AppState>, form: AdminForm) -> Result<Response, Refusal> {
    let AdminForm { op, fields } = form;
    let (action, ids): (&str, Vec<i64>) = match fields.get("only").split_once('-') {
        Some((action, id)) => (action, id.parse().ok().into_iter().collect()),
        None => (
            fields.get("action"),
            fields
                .all("id")
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
    if ids.is_empty() {
        return Ok(see_other(
            &back,
            "Tick the comments first, then choose what to do with them.",
        ));
    }
    let mut changed = Vec::new();
    for id in ids.into_iter().take(1000) {
        if state.store.set_comment_status(id, status).await? {
            changed.push(id.to_string());
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
    let message = match changed.len() {
        0 => "Nothing changed: those comments are gone.".to_string(),
        1 => format!("1 comment {verb}."),
        n => format!("{n} comments {verb}."),
    };
    Ok(see_other(&back, &message))
}
