//! The operator's desk under `/admin`: login, the dashboard, sources, the moderation queue,
//! runtime settings, accounts and the audit log.
//!
//! Every page needs a live session (`Operator`); pages that change sources, settings or
//! accounts need the admin role (`Operator::require_admin`). Every POST carries a CSRF token
//! derived from the session (`AdminForm`), so a page on another site cannot make a logged-in
//! operator's browser act. Outbound work (feed discovery, "poll now") is queued as a job for the
//! job runner; this module never makes a request itself.

pub mod auth;
mod chart;
mod dashboard;
pub(crate) mod links;
mod moderation;
mod rules;
pub mod settings;
mod sources;
mod stories;
mod takedowns;
mod topics;

use crate::pages::render_html;
use crate::view::human;
use crate::{AppState, WebError};
use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use linkx_core::account::Role;
use linkx_store::User;
use minijinja::context;

pub const ADMIN_COOKIE: &str = "lx_admin";
/// A session lasts this long from login.
pub const SESSION_SECONDS: i64 = 7 * 24 * 3600;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(dashboard::dashboard))
        .route("/admin/", get(dashboard::dashboard))
        .route("/admin/login", get(auth::login_form).post(auth::login))
        .route("/admin/logout", post(auth::logout))
        .route(
            "/admin/password",
            get(auth::password_form).post(auth::change_password),
        )
        .route("/admin/sources", get(sources::list).post(sources::create))
        .route(
            "/admin/sources/new",
            get(sources::new_form).post(sources::discover),
        )
        .route("/admin/sources/export.opml", get(sources::export_opml))
        .route("/admin/sources/import", post(sources::import_opml))
        .route(
            "/admin/sources/{id}",
            get(sources::show).post(sources::edit),
        )
        .route("/admin/sources/{id}/pause", post(sources::pause))
        .route("/admin/sources/{id}/resume", post(sources::resume))
        .route("/admin/sources/{id}/poll", post(sources::poll_now))
        .route("/admin/sources/{id}/delete", post(sources::delete))
        .route("/admin/jobs/{id}", get(sources::job))
        .route(
            "/admin/moderation",
            get(moderation::queue).post(moderation::act),
        )
        .route("/admin/settings", get(settings::form).post(settings::save))
        .route("/admin/users", get(auth::users).post(auth::add_user))
        .route("/admin/audit", get(dashboard::audit))
        .route("/admin/links", get(links::list).post(links::add))
        .route("/admin/stories", get(stories::list))
        .route("/admin/topics", get(topics::list).post(topics::create))
        .route("/admin/topics/{id}/delete", post(topics::delete))
        .route("/admin/topics/{id}/file", post(topics::file))
        .route("/admin/rules", get(rules::list).post(rules::submit))
        .route("/admin/rules/params", post(rules::save_params))
        .route("/admin/rules/{id}/delete", post(rules::delete))
        .route("/admin/stories/{id}", post(stories::curate))
        .route(
            "/admin/takedowns",
            get(takedowns::list).post(takedowns::take_down),
        )
        .route(
            "/admin/takedowns/blocks/{id}/delete",
            post(takedowns::unblock),
        )
        .route("/admin/links/check", post(links::check))
        .route("/admin/links/{id}/delete", post(links::remove))
}

/// A logged-in operator, from the session cookie. Without a live session a page redirects to
/// the login form (which comes back here after logging in).
pub struct Operator {
    pub user: User,
    /// The session token as the cookie holds it (the CSRF token is derived from it).
    token: String,
    pub csrf: String,
}

pub enum Refusal {
    Login { next: String },
    Error(WebError),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Login { next } => redirect(&format!("/admin/login?next={}", encode(&next))),
            Refusal::Error(e) => e.into_response(),
        }
    }
}

impl From<WebError> for Refusal {
    fn from(e: WebError) -> Self {
        Refusal::Error(e)
    }
}

impl From<linkx_store::StoreError> for Refusal {
    fn from(e: linkx_store::StoreError) -> Self {
        Refusal::Error(e.into())
    }
}

pub(crate) fn admin_cookie(headers: &HeaderMap) -> Option<&str> {
    crate::pages::cookie(headers, ADMIN_COOKIE)
        .filter(|v| v.len() == 64 && v.chars().all(|c| c.is_ascii_hexdigit()))
}

impl FromRequestParts<AppState> for Operator {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Refusal> {
        let next = parts
            .uri
            .path_and_query()
            .map_or("/admin", |p| p.as_str())
            .to_string();
        let Some(token) = admin_cookie(&parts.headers) else {
            return Err(Refusal::Login { next });
        };
        let now = state.clock.now();
        let token_hash = state.keys.hash("admin-session", token);
        match state.store.session_user(&token_hash, now).await? {
            Some(user) => Ok(Operator {
                csrf: state.keys.hash("admin-csrf", token),
                token: token.to_string(),
                user,
            }),
            None => Err(Refusal::Login { next }),
        }
    }
}

impl Operator {
    /// Refuses moderators: sources, settings and accounts are for admins.
    pub fn require_admin(&self) -> Result<(), WebError> {
        if self.user.role == Role::Admin {
            Ok(())
        } else {
            Err(WebError::Forbidden(
                "This page is for administrators; your account can moderate comments and mentions.",
            ))
        }
    }

    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }

    /// Records an action in the audit log.
    pub async fn audit(
        &self,
        state: &AppState,
        action: &str,
        detail: &str,
    ) -> Result<(), WebError> {
        state
            .store
            .audit(&self.user.name, action, detail, state.clock.now())
            .await?;
        Ok(())
    }
}

/// The fields of a form POST (`application/x-www-form-urlencoded`); names may repeat (the
/// moderation queue's checkboxes).
pub struct Fields(Vec<(String, String)>);

impl Fields {
    pub fn parse(body: &[u8]) -> Fields {
        Fields(
            url::form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of `name`, trimmed; `""` when absent.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }

    /// The first value of `name` exactly as sent (passwords keep their spaces).
    pub fn get_raw(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }
}

/// Largest form accepted (an OPML file pasted or uploaded as text).
const MAX_FORM_BYTES: usize = 4 << 20;

/// A POST from a logged-in operator whose CSRF token matches their session.
pub struct AdminForm {
    pub op: Operator,
    pub fields: Fields,
}

impl FromRequest<AppState> for AdminForm {
    type Rejection = Refusal;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Refusal> {
        let (mut parts, body) = req.into_parts();
        let op = Operator::from_request_parts(&mut parts, state).await?;
        let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
            .await
            .map_err(|_| WebError::Forbidden("The form is too large (at most 4 MB)."))?;
        let fields = Fields::parse(&bytes);
        let presented = fields.get("csrf");
        if state
            .keys
            .verify("admin-csrf", &format!("{}.{presented}", op.token))
            .is_none()
        {
            return Err(WebError::Forbidden(
                "The form did not carry this session's security token (it may come from another site, or from before you logged in again). Reload the page and try again.",
            )
            .into());
        }
        Ok(AdminForm { op, fields })
    }
}

/// Admin pages are private: never cached, never indexed.
pub(crate) fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        "x-robots-tag",
        HeaderValue::from_static("noindex, nofollow"),
    );
}

/// Renders an admin page with the operator's name, role and CSRF token in the context.
pub(crate) fn page(
    state: &AppState,
    op: Option<&Operator>,
    name: &str,
    status: StatusCode,
    ctx: minijinja::Value,
) -> Result<Response, WebError> {
    let who = op.map(|op| {
        context! { name => &op.user.name, role => op.user.role.as_str(), admin => op.is_admin(), csrf => &op.csrf }
    });
    let html = render_html(state, name, context! { op => who, ..ctx })?;
    let mut response = (status, Html(html)).into_response();
    no_store(response.headers_mut());
    Ok(response)
}

pub(crate) fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A `303 See Other` that is never cached.
pub(crate) fn redirect(to: &str) -> Response {
    let mut response = Redirect::to(to).into_response();
    no_store(response.headers_mut());
    response
}

/// Back to `to` after a POST, with a message for the next page (`?done=`).
pub(crate) fn see_other(to: &str, message: &str) -> Response {
    let sep = if to.contains('?') { '&' } else { '?' };
    redirect(&format!("{to}{sep}done={}", encode(message)))
}

/// The `?done=` message a page shows after a redirect, bounded and shown as text.
pub(crate) fn done_message(query: &std::collections::HashMap<String, String>) -> Option<String> {
    query
        .get("done")
        .map(|m| m.chars().take(300).collect::<String>())
        .filter(|m| !m.is_empty())
}

/// What a delete button names: the row to delete, what to record and where to go back.
pub(crate) struct Deletion<'a> {
    pub id: &'a str,
    pub action: &'a str,
    /// The audit detail, given the id.
    pub detail: fn(i64) -> String,
    pub back: &'a str,
    pub message: &'a str,
}

/// The shared end of every admin delete: admins only, the id parsed, `delete` run, 404 when
/// nothing was there, the audit entry written, back to the list with a message.
pub(crate) async fn delete_row<F, Fut>(
    state: &AppState,
    form: AdminForm,
    d: Deletion<'_>,
    delete: F,
) -> Result<Response, Refusal>
where
    F: FnOnce(i64) -> Fut,
    Fut: std::future::Future<Output = Result<bool, linkx_store::StoreError>>,
{
    form.op.require_admin()?;
    let id: i64 = d.id.parse().map_err(|_| WebError::NotFound)?;
    if !delete(id).await? {
        return Err(WebError::NotFound.into());
    }
    form.op.audit(state, d.action, &(d.detail)(id)).await?;
    Ok(see_other(d.back, d.message))
}

pub(crate) fn when(ts: Option<i64>) -> String {
    ts.map_or_else(|| "never".to_string(), human)
}
