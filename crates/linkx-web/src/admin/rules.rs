//! Include/exclude rules (admins only), each tried on the last 30 days of articles before it is
//! saved (the dry-run), and extra tracking parameters stripped from item URLs.

use super::{AdminForm, Operator, Refusal, page, see_other};
use crate::view::human;
use crate::{AppState, WebError};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use linkx_core::rules::{
    Item, Rule, RuleAction, RuleField, RuleKind, RuleSet, STRIP_PARAMS_SETTING,
};
use minijinja::context;
use std::collections::HashMap;

/// How far back a dry-run looks, and how many articles at most.
const DRY_RUN_DAYS: i64 = 30;
const DRY_RUN_LIMIT: i64 = 50_000;

async fn render(
    state: &AppState,
    op: &Operator,
    status: StatusCode,
    extra: minijinja::Value,
) -> Result<Response, WebError> {
    let rules = state.store.rules().await?;
    let sources: Vec<_> = state
        .store
        .list_sources()
        .await?
        .into_iter()
        .map(|s| context! { id => s.id, name => s.name })
        .collect();
    let params = state
        .store
        .site_settings()
        .await?
        .into_iter()
        .find(|(n, _)| n == STRIP_PARAMS_SETTING)
        .map(|(_, v)| v)
        .unwrap_or_default();
    page(
        state,
        Some(op),
        "admin_rules.html",
        status,
        context! { rules, sources, params, ..extra },
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

/// The rule the form describes, or what is wrong with it.
fn rule_from(fields: &super::Fields) -> Result<(Rule, Option<i64>), String> {
    let scope = match fields.get("scope") {
        "" | "all" => None,
        id => Some(
            id.parse::<i64>()
                .map_err(|_| "Choose where the rule applies.".to_string())?,
        ),
    };
    let action = RuleAction::parse(fields.get("action")).ok_or("Choose include or exclude.")?;
    let field = RuleField::parse(fields.get("field")).ok_or("Choose what the rule looks at.")?;
    let kind =
        RuleKind::parse(fields.get("kind")).ok_or("Choose keyword or regular expression.")?;
    let rule = Rule::new(0, scope, action, field, kind, fields.get_raw("pattern"))?;
    Ok((rule, scope))
}

pub async fn submit(State(state): State<AppState>, form: AdminForm) -> Result<Response, Refusal> {
    let AdminForm { op, fields } = form;
    op.require_admin()?;
    let typed = context! {
        scope => fields.get("scope"), action => fields.get("action"), field => fields.get("field"),
        kind => fields.get("kind"), pattern => fields.get_raw("pattern"),
    };
    let (rule, scope) = match rule_from(&fields) {
        Ok(r) => r,
        Err(e) => {
            return Ok(render(
                &state,
                &op,
                StatusCode::UNPROCESSABLE_ENTITY,
                context! { errors => context! { pattern => e }, typed },
            )
            .await?);
        }
    };
    if scope.is_some_and(|id| id <= 0) {
        return Err(WebError::NotFound.into());
    }
    if fields.get("do") == "save" {
        let new = linkx_store::NewRule {
            source_id: scope,
            action: rule.action,
            field: rule.field,
            kind: RuleKind::parse(fields.get("kind")).unwrap_or(RuleKind::Keyword),
            pattern: fields.get_raw("pattern"),
        };
        let id = state
            .store
            .add_rule(&new, &op.user.name, state.clock.now())
            .await?;
        op.audit(
            &state,
            "rule add",
            &format!(
                "rule {id}: {} {} {} {:?}{}",
                rule.action.as_str(),
                rule.field.as_str(),
                new.kind.as_str(),
                new.pattern.trim(),
                scope.map_or(String::new(), |s| format!(" for source {s}"))
            ),
        )
        .await?;
        return Ok(see_other(
            "/admin/rules",
            &format!("Rule {id} saved: new items are filtered from the next poll on."),
        ));
    }
    // Dry-run: what the rule would have matched among recent articles.
    let now = state.clock.now();
    let samples = state
        .store
        .rule_samples(now - DRY_RUN_DAYS * 86_400, DRY_RUN_LIMIT)
        .await?;
    let names: HashMap<i64, String> = state
        .store
        .list_sources()
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let alone = RuleSet(vec![rule.clone()]);
    let (mut matched, mut left_out, mut considered) = (Vec::new(), 0usize, 0usize);
    for s in &samples {
        let item = Item {
            source_id: s.source_id,
            title: &s.title,
            text: &s.text,
            author: s.author.as_deref(),
            url: &s.url,
            categories: &[],
        };
        if !rule.applies_to(s.source_id) {
            continue;
        }
        considered += 1;
        if rule.matches(&item) {
            if matched.len() < 200 {
                matched.push(context! {
                    id => s.id, title => &s.title, when => human(s.published_at),
                    source => names.get(&s.source_id),
                });
            } else {
                matched.push(minijinja::Value::UNDEFINED);
            }
        }
        if !alone.keeps(&item) {
            left_out += 1;
        }
    }
    let matched_count = matched.len();
    matched.retain(|m| !m.is_undefined());
    matched.truncate(50);
    let dry_run = context! {
        considered, matched_count, left_out, matched, days => DRY_RUN_DAYS,
        category => rule.field == RuleField::Category,
    };
    Ok(render(
        &state,
        &op,
        StatusCode::OK,
        context! { dry_run, typed, errors => context! {} },
    )
    .await?)
}

pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: AdminForm,
) -> Result<Response, Refusal> {
    let d = super::Deletion {
        id: &id,
        action: "rule delete",
        detail: |id| format!("rule {id}"),
        back: "/admin/rules",
        message: "Rule deleted.",
    };
    super::delete_row(&state, form, d, |id| state.store.delete_rule(id)).await
}

pub async fn save_params(
    State(state): State<AppState>,
    form: AdminForm,
) -> Result<Response, Refusal> {
    let AdminForm { op, fields } = form;
    op.require_admin()?;
    let params = linkx_core::rules::parse_param_list(fields.get("params"));
    let text = params.join(", ");
    state
        .store
        .set_site_settings(&[(
            STRIP_PARAMS_SETTING,
            (!text.is_empty()).then_some(text.as_str()),
        )])
        .await?;
    op.audit(
        &state,
        "url rules",
        &format!("extra tracking parameters: {text}"),
    )
    .await?;
    Ok(see_other(
        "/admin/rules",
        "Saved: new items' addresses lose these parameters.",
    ))
}
