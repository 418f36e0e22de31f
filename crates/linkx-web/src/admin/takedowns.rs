//! Takedowns from the browser (admins only): remove an article, a URL or pattern, or a domain
//! at once and block it for good; lift a block.

use super::{AdminForm, Operator, Refusal, page, see_other};
use crate::view::human;
use crate::{AppState, WebError};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use linkx_core::blocklist::Block;
use linkx_store::TakedownTarget;
use minijinja::context;
use std::collections::HashMap;

async fn render(
    state: &AppState,
    op: &Operator,
    status: StatusCode,
    extra: minijinja::Value,
) -> Result<Response, WebError> {
    let blocks: Vec<_> = state
        .store
        .blocks()
        .await?
        .into_iter()
        .map(|b| context! { id => b.id, kind => b.kind.as_str(), value => b.value, reason => b.reason, by => b.created_by, when => human(b.created_at) })
        .collect();
    let removed: Vec<_> = state
        .store
        .takedowns(50)
        .await?
        .into_iter()
        .map(|t| context! { id => t.article_id, title => t.title, url => t.url, reason => t.reason, by => t.created_by, when => human(t.created_at) })
        .collect();
    page(
        state,
        Some(op),
        "admin_takedowns.html",
        status,
        context! { blocks, removed, ..extra },
    )
}

pub async fn list(
    State(state): State<AppState>,
    op: Operator,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    op.require_admin()?;
    render(
        &state,
        &op,
        StatusCode::OK,
        context! { done => super::done_message(&q), errors => context! {} },
    )
    .await
}

/// Removes ids from the search index in the background of the request (a stale index shows
/// fewer results, never wrong ones: removed articles are filtered out at query time anyway).
async fn forget_in_search(state: &AppState, ids: Vec<i64>) {
    if let Some(index) = state.search.clone()
        && !ids.is_empty()
    {
        let done =
            tokio::task::spawn_blocking(move || index.delete(&ids).and_then(|()| index.commit()))
                .await;
        if !matches!(done, Ok(Ok(()))) {
            tracing::warn!("search index not updated after a takedown; the next check repairs it");
        }
    }
}

pub async fn take_down(
    State(state): State<AppState>,
    form: AdminForm,
) -> Result<Response, Refusal> {
    let AdminForm { op, fields } = form;
    op.require_admin()?;
    let (kind, value, reason) = (
        fields.get("kind"),
        fields.get("value"),
        fields.get("reason"),
    );
    let mut errors = HashMap::new();
    if reason.is_empty() {
        errors.insert("reason", "Say why (it is kept on record).".to_string());
    }
    let target = match kind {
        "article" => value
            .parse::<i64>()
            .map(TakedownTarget::Article)
            .map_err(|_| "Enter the article's number (from its address /a/NUMBER/…).".to_string()),
        "url" => Block::url(value).map(TakedownTarget::Block),
        "domain" => Block::domain(value).map(TakedownTarget::Block),
        _ => Err("Choose what to take down.".to_string()),
    };
    let target = match target {
        Ok(t) => Some(t),
        Err(e) => {
            errors.insert("value", e);
            None
        }
    };
    let (Some(target), true) = (target, errors.is_empty()) else {
        return Ok(render(
            &state,
            &op,
            StatusCode::UNPROCESSABLE_ENTITY,
            context! { errors, typed_kind => kind, typed_value => value, typed_reason => reason },
        )
        .await?);
    };
    let result = match state
        .store
        .take_down_target(&target, reason, &op.user.name, state.clock.now())
        .await
    {
        Ok(result) => result,
        Err(linkx_store::StoreError::NotFound(_)) => {
            let errors =
                HashMap::from([("value", "There is no article with this number.".to_string())]);
            return Ok(render(
                &state,
                &op,
                StatusCode::UNPROCESSABLE_ENTITY,
                context! { errors, typed_kind => kind, typed_value => value, typed_reason => reason },
            )
            .await?);
        }
        Err(e) => return Err(e.into()),
    };
    let removed = result.removed.len();
    let what = result.blocked.as_ref().map_or_else(
        || value.to_string(),
        |b| format!("{} {}", b.kind.as_str(), b.value),
    );
    op.audit(
        &state,
        "takedown",
        &format!("{what}: {removed} article(s) removed; reason: {reason}"),
    )
    .await?;
    forget_in_search(&state, result.removed).await;
    Ok(see_other(
        "/admin/takedowns",
        &format!("Took down {removed} article(s) and blocked {what} for good."),
    ))
}

pub async fn unblock(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: AdminForm,
) -> Result<Response, Refusal> {
    let d = super::Deletion {
        id: &id,
        action: "unblock",
        detail: |id| format!("block {id} lifted"),
        back: "/admin/takedowns",
        message: "Block lifted: later polls may store these items again (removed articles stay removed).",
    };
    super::delete_row(&state, form, d, |id| state.store.remove_block(id)).await
}
