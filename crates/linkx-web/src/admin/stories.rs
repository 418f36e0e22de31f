//! Curation (admins only): pin a story to the top of the home page until a time, give it a
//! headline of the operator's own (its articles keep their sources' titles), or hide it.

use super::{AdminForm, Operator, Refusal, page, see_other};
use crate::view::human;
use crate::{AppState, WebError};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use linkx_store::Curation;
use minijinja::context;
use std::collections::HashMap;

/// Longest pin: a month.
const MAX_PIN_HOURS: i64 = 24 * 31;

pub async fn list(
    State(state): State<AppState>,
    op: Operator,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    op.require_admin()?;
    let now = state.clock.now();
    let stories: Vec<_> = state
        .store
        .stories_for_desk(60, 0)
        .await?
        .into_iter()
        .map(|s| {
            let pinned = s.pinned_until.filter(|&p| p > now);
            context! {
                id => s.id, title => s.lead.title, headline => s.headline, hidden => s.hidden,
                pinned_until => pinned.map(human),
                pin_hours => pinned.map(|p| (p - now + 3599) / 3600),
                reports => s.article_count, sources => s.source_count,
            }
        })
        .collect();
    page(
        &state,
        Some(&op),
        "admin_stories.html",
        StatusCode::OK,
        context! { stories, done => super::done_message(&q) },
    )
}

pub async fn curate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: AdminForm,
) -> Result<Response, Refusal> {
    let AdminForm { op, fields } = form;
    op.require_admin()?;
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let now = state.clock.now();
    let hours = fields.get("pin_hours");
    let pinned_until = if hours.is_empty() || hours == "0" {
        None
    } else {
        match hours.parse::<i64>() {
            Ok(h) if (1..=MAX_PIN_HOURS).contains(&h) => Some(now + h * 3600),
            _ => {
                return Ok(see_other(
                    "/admin/stories",
                    &format!("Nothing changed: pin for 1 to {MAX_PIN_HOURS} hours, or 0 to unpin."),
                ));
            }
        }
    };
    let headline = fields.get("headline");
    if headline.chars().count() > 300 {
        return Ok(see_other(
            "/admin/stories",
            "Nothing changed: keep the headline under 300 characters.",
        ));
    }
    let curation = Curation {
        pinned_until,
        headline: Some(headline.to_string()),
        hidden: fields.get("hidden") == "yes",
    };
    match state.store.curate_story(id, &curation).await {
        Ok(()) => {}
        Err(linkx_store::StoreError::NotFound(_)) => return Err(WebError::NotFound.into()),
        Err(e) => return Err(e.into()),
    }
    op.audit(
        &state,
        "story",
        &format!(
            "story {id}: {}, headline {:?}, {}",
            pinned_until.map_or("not pinned".to_string(), |p| format!(
                "pinned until {}",
                human(p)
            )),
            headline,
            if curation.hidden { "hidden" } else { "shown" }
        ),
    )
    .await?;
    Ok(see_other("/admin/stories", &format!("Story {id} saved.")))
}
