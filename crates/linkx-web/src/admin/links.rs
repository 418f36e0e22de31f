//! The link exchange's partners (admins only): add, remove, check now (a job). The public
//! blogroll is `/links`.

use super::{AdminForm, Operator, Refusal, page, see_other, when};
use crate::{AppState, WebError};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use linkx_core::SourceUrl;
use linkx_core::jobs::JobRequest;
use minijinja::context;
use std::collections::HashMap;

pub(crate) fn partner_views(partners: &[linkx_store::Partner]) -> Vec<minijinja::Value> {
    partners
        .iter()
        .map(|p| {
            context! {
                id => p.id, name => &p.name, url => &p.url,
                links_back => match p.links_back { Some(true) => "yes", Some(false) => "no", None => "not checked yet" },
                checked => when(p.last_checked_at), error => &p.last_error,
            }
        })
        .collect()
}

pub async fn list(
    State(state): State<AppState>,
    op: Operator,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    op.require_admin()?;
    let partners = state.store.partners().await?;
    page(
        &state,
        Some(&op),
        "admin_links.html",
        StatusCode::OK,
        context! { partners => partner_views(&partners), done => super::done_message(&q), errors => context! {} },
    )
}

pub async fn add(State(state): State<AppState>, form: AdminForm) -> Result<Response, Refusal> {
    let AdminForm { op, fields } = form;
    op.require_admin()?;
    let name = fields.get("name");
    let url = SourceUrl::parse(fields.get("url"));
    let mut errors = HashMap::new();
    if name.is_empty() || name.chars().count() > 200 {
        errors.insert(
            "name",
            "Give the partner a name of 1 to 200 characters.".to_string(),
        );
    }
    if let Err(e) = &url {
        errors.insert("url", e.to_string());
    }
    if let (Ok(url), true) = (&url, errors.is_empty()) {
        match state
            .store
            .add_partner(name, url.as_str(), state.clock.now())
            .await
        {
            Ok(_) => {
                op.audit(&state, "partner add", &format!("{name:?} ({url})"))
                    .await?;
                return Ok(see_other(
                    "/admin/links",
                    &format!("Added {name}. Check it now, or wait for the daily check."),
                ));
            }
            Err(linkx_store::StoreError::Duplicate(_)) => {
                errors.insert("url", "This site is already a partner.".to_string());
            }
            Err(e) => return Err(e.into()),
        }
    }
    let partners = state.store.partners().await?;
    Ok(page(
        &state,
        Some(&op),
        "admin_links.html",
        StatusCode::UNPROCESSABLE_ENTITY,
        context! { partners => partner_views(&partners), errors, typed_name => name, typed_url => fields.get("url") },
    )?)
}

pub async fn remove(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: AdminForm,
) -> Result<Response, Refusal> {
    let d = super::Deletion {
        id: &id,
        action: "partner remove",
        detail: |id| format!("partner {id}"),
        back: "/admin/links",
        message: "Removed.",
    };
    super::delete_row(&state, form, d, |id| state.store.remove_partner(id)).await
}

pub async fn check(State(state): State<AppState>, form: AdminForm) -> Result<Response, Refusal> {
    form.op.require_admin()?;
    let job = state
        .enqueue(&JobRequest::CheckPartners, Some(&form.op.user.name))
        .await?;
    Ok(super::redirect(&format!("/admin/jobs/{job}")))
}
