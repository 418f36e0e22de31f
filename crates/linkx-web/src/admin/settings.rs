//! Runtime site settings: what is safe to change while the site runs (title, description, the
//! comment policy) is stored in the database and laid over `linkx.toml`, which stays the source
//! of truth for deployment settings (addresses, storage, mail, polling).

use super::{AdminForm, Operator, Refusal, page, see_other};
use crate::{AppState, SiteInfo, WebError};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use linkx_core::config::{CommentsConfig, Moderation};
use minijinja::context;
use std::collections::HashMap;

const TITLE: &str = "site.title";
const DESCRIPTION: &str = "site.description";
const MODERATION: &str = "comments.moderation";
const CLOSE_AFTER_DAYS: &str = "comments.close_after_days";
const MAX_LINKS: &str = "comments.max_links";

fn moderation_name(m: Moderation) -> &'static str {
    match m {
        Moderation::All => "all",
        Moderation::FirstTime => "first_time",
        Moderation::None => "none",
    }
}

fn parse_moderation(s: &str) -> Option<Moderation> {
    match s {
        "all" => Some(Moderation::All),
        "first_time" => Some(Moderation::FirstTime),
        "none" => Some(Moderation::None),
        _ => None,
    }
}

/// The configured values with the stored settings laid over them; a stored value that no
/// longer parses is ignored (the configured one applies).
pub fn apply(
    site: &SiteInfo,
    comments: &CommentsConfig,
    stored: &[(String, String)],
) -> (SiteInfo, CommentsConfig) {
    let mut site = site.clone();
    for (name, value) in stored {
        match name.as_str() {
            TITLE => site.title.clone_from(value),
            DESCRIPTION => site.description.clone_from(value),
            _ => {}
        }
    }
    (site, apply_comments(comments, stored))
}

/// The configured comment policy with the stored settings laid over it.
pub fn apply_comments(comments: &CommentsConfig, stored: &[(String, String)]) -> CommentsConfig {
    let mut comments = comments.clone();
    for (name, value) in stored {
        match name.as_str() {
            MODERATION => {
                if let Some(m) = parse_moderation(value) {
                    comments.moderation = m;
                }
            }
            CLOSE_AFTER_DAYS => {
                if let Ok(days) = value.parse() {
                    comments.close_after_days = days;
                }
            }
            MAX_LINKS => {
                if let Ok(n) = value.parse() {
                    comments.max_links = n;
                }
            }
            _ => {}
        }
    }
    comments
}

fn values(state: &AppState) -> minijinja::Value {
    let (site, comments) = (state.site(), state.comments());
    context! {
        title => &site.title,
        description => &site.description,
        moderation => moderation_name(comments.moderation),
        close_after_days => comments.close_after_days,
        max_links => comments.max_links,
    }
}

pub async fn form(
    State(state): State<AppState>,
    op: Operator,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    op.require_admin()?;
    page(
        &state,
        Some(&op),
        "admin_settings.html",
        StatusCode::OK,
        context! { v => values(&state), errors => context! {}, done => super::done_message(&q) },
    )
}

pub async fn save(State(state): State<AppState>, form: AdminForm) -> Result<Response, Refusal> {
    let AdminForm { op, fields } = form;
    op.require_admin()?;
    let mut errors = HashMap::new();
    let title = fields.get("title");
    if title.is_empty() || title.chars().count() > 200 {
        errors.insert("title", "Give the site a title of 1 to 200 characters.");
    }
    let description = fields.get("description");
    if description.chars().count() > 1000 {
        errors.insert(
            "description",
            "Keep the description under 1,000 characters.",
        );
    }
    let moderation = parse_moderation(fields.get("moderation"));
    if moderation.is_none() {
        errors.insert("moderation", "Choose one of the moderation policies.");
    }
    let close: Option<u32> = fields
        .get("close_after_days")
        .parse()
        .ok()
        .filter(|d| *d <= 36_500);
    if close.is_none() {
        errors.insert(
            "close_after_days",
            "Enter a number of days (0 keeps comments open).",
        );
    }
    let max_links: Option<u32> = fields.get("max_links").parse().ok().filter(|n| *n <= 1000);
    if max_links.is_none() {
        errors.insert("max_links", "Enter a number of links.");
    }
    let (Some(moderation), Some(close), Some(max_links), true) =
        (moderation, close, max_links, errors.is_empty())
    else {
        let v = context! {
            title, description, moderation => fields.get("moderation"),
            close_after_days => fields.get("close_after_days"), max_links => fields.get("max_links"),
        };
        return Ok(page(
            &state,
            Some(&op),
            "admin_settings.html",
            StatusCode::UNPROCESSABLE_ENTITY,
            context! { v, errors },
        )?);
    };
    let (close, max_links) = (close.to_string(), max_links.to_string());
    state
        .store
        .set_site_settings(&[
            (TITLE, Some(title)),
            (DESCRIPTION, Some(description)),
            (MODERATION, Some(moderation_name(moderation))),
            (CLOSE_AFTER_DAYS, Some(&close)),
            (MAX_LINKS, Some(&max_links)),
        ])
        .await?;
    state.reload_settings().await?;
    op.audit(
        &state,
        "settings",
        &format!(
            "title {title:?}, moderation {}, close after {close} day(s), max links {max_links}",
            moderation_name(moderation)
        ),
    )
    .await?;
    Ok(see_other("/admin/settings", "Settings saved."))
}
