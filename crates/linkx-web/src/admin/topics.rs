//! Topics (admins only): sections of the site filled by a rule (keyword, regular expression, or
//! a category of the item or its source) and by hand. A new topic with a rule is filled at once
//! with the matching articles of the last 30 days.

use super::{AdminForm, Operator, Refusal, page, see_other};
use crate::{AppState, WebError};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use linkx_core::rules::{Item, RuleField, TopicMatcher};
use linkx_store::NewTopic;
use minijinja::context;
use std::collections::HashMap;

const BACKFILL_DAYS: i64 = 30;

async fn render(
    state: &AppState,
    op: &Operator,
    status: StatusCode,
    extra: minijinja::Value,
) -> Result<Response, WebError> {
    let topics = state.store.topics().await?;
    page(
        state,
        Some(op),
        "admin_topics.html",
        status,
        context! { topics, ..extra },
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

pub async fn create(State(state): State<AppState>, form: AdminForm) -> Result<Response, Refusal> {
    let AdminForm { op, fields } = form;
    op.require_admin()?;
    let name = fields.get("name");
    let mut errors: HashMap<&str, String> = HashMap::new();
    if name.is_empty() || name.chars().count() > 100 || linkx_core::slugify(name).is_empty() {
        errors.insert(
            "name",
            "Give the topic a name of 1 to 100 characters.".into(),
        );
    }
    let kind = fields.get("rule_kind");
    let field = RuleField::parse(fields.get("rule_field")).unwrap_or(RuleField::Any);
    let matcher = match kind {
        "" | "none" => None,
        kind => match TopicMatcher::new(kind, field, fields.get_raw("rule_pattern")) {
            Ok(m) => Some(m),
            Err(e) => {
                errors.insert("rule_pattern", e);
                None
            }
        },
    };
    let typed = context! { name, description => fields.get("description"), kind, field => field.as_str(), pattern => fields.get_raw("rule_pattern") };
    if !errors.is_empty() {
        return Ok(render(
            &state,
            &op,
            StatusCode::UNPROCESSABLE_ENTITY,
            context! { errors, typed },
        )
        .await?);
    }
    let new = NewTopic {
        name: name.to_string(),
        description: fields.get("description").chars().take(500).collect(),
        rule_kind: matcher.as_ref().map(|_| kind.to_string()),
        rule_field: matcher.as_ref().map(|_| field.as_str().to_string()),
        rule_pattern: matcher
            .as_ref()
            .map(|_| fields.get_raw("rule_pattern").trim().to_string()),
    };
    let topic = match state.store.add_topic(&new, state.clock.now()).await {
        Ok(topic) => topic,
        Err(linkx_store::StoreError::Duplicate(what)) => {
            errors.insert(
                "name",
                format!("There is already {what}: choose another name."),
            );
            return Ok(render(
                &state,
                &op,
                StatusCode::UNPROCESSABLE_ENTITY,
                context! { errors, typed },
            )
            .await?);
        }
        Err(e) => return Err(e.into()),
    };
    // Filled at once from the last 30 days (item categories are not stored: source ones count).
    let mut filed = 0;
    if let Some(matcher) = &matcher {
        let since = state.clock.now() - BACKFILL_DAYS * 86_400;
        let samples = state.store.rule_samples(since, 50_000).await?;
        let categories = state.store.source_categories().await?;
        let ids: Vec<i64> = samples
            .iter()
            .filter(|s| {
                let item = Item {
                    source_id: s.source_id,
                    title: &s.title,
                    text: &s.text,
                    author: s.author.as_deref(),
                    url: &s.url,
                    categories: &[],
                };
                matcher.matches(
                    &item,
                    categories.get(&s.source_id).map_or(&[][..], Vec::as_slice),
                )
            })
            .map(|s| s.id)
            .collect();
        filed = state.store.file_under_topic(topic.id, &ids, false).await?;
    }
    op.audit(
        &state,
        "topic add",
        &format!(
            "topic {} /t/{} with {filed} article(s)",
            topic.name, topic.slug
        ),
    )
    .await?;
    Ok(see_other(
        "/admin/topics",
        &format!(
            "Topic {} created at /t/{} with {filed} article(s) from the last {BACKFILL_DAYS} days.",
            topic.name, topic.slug
        ),
    ))
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: AdminForm,
) -> Result<Response, Refusal> {
    let d = super::Deletion {
        id: &id,
        action: "topic delete",
        detail: |id| format!("topic {id}"),
        back: "/admin/topics",
        message: "Topic deleted (its articles stay on the site).",
    };
    super::delete_row(&state, form, d, |id| state.store.delete_topic(id)).await
}

/// Files an article under a topic by hand, or takes it out.
pub async fn file(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: AdminForm,
) -> Result<Response, Refusal> {
    let AdminForm { op, fields } = form;
    op.require_admin()?;
    let topic: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let Ok(article) = fields.get("article").parse::<i64>() else {
        return Ok(see_other(
            "/admin/topics",
            "Nothing changed: enter the article's number (from its address /a/NUMBER/…).",
        ));
    };
    let message = if fields.get("remove") == "yes" {
        state.store.unfile_from_topic(topic, article).await?;
        format!("Article {article} taken out of the topic.")
    } else if state
        .store
        .file_under_topic(topic, &[article], true)
        .await?
        > 0
    {
        format!("Article {article} filed under the topic.")
    } else {
        format!("Nothing changed: there is no article {article}.")
    };
    op.audit(&state, "topic file", &format!("topic {topic}: {message}"))
        .await?;
    Ok(see_other("/admin/topics", &message))
}
