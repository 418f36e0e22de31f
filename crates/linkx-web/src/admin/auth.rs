//! Logging in and out, password changes and accounts. Passwords are hashed with argon2id;
//! failed logins are counted per account and per address in the store (so every process of a
//! site shares the count) and lock the account for a while after too many.

use super::{AdminForm, Fields, Operator, Refusal, page, see_other};
use crate::comments::{Peer, client_ip};
use crate::pages::Visitor;
use crate::{AppState, WebError};
use argon2::password_hash::{PasswordHash, SaltString};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use linkx_core::account::{Role, UserName, check_new_password};
use minijinja::context;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Failed logins are counted over this window.
pub const FAILURE_WINDOW: i64 = 15 * 60;
/// This many failures for one account within the window lock it until the window has passed
/// since the last one.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// This many failures from one address within the window refuse further attempts from it.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;

/// Hashes a password with argon2id (19 MiB, 2 passes: OWASP's recommended minimum) and a random
/// salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::encode_b64(&crate::keys::random_bytes(16))
        .map_err(|e| format!("cannot make a salt: {e}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("cannot hash the password: {e}"))
}

/// True when `password` matches the stored PHC string.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Hashing runs on the blocking pool: it takes tens of milliseconds of CPU on purpose.
async fn verify_blocking(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || verify_password(&password, &stored))
        .await
        .unwrap_or(false)
}

async fn hash_blocking(password: String) -> Result<String, WebError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| WebError::Theme(format!("hashing failed: {e}")))?
        .map_err(WebError::Theme)
}

/// A hash no password matches, verified for unknown user names so a login takes as long
/// whether or not the account exists.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password(&crate::keys::random_hex(16)).unwrap_or_default())
}

fn session_cookie(state: &AppState, token: &str, max_age: i64) -> Option<HeaderValue> {
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}={token}; Path=/admin; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}",
        super::ADMIN_COOKIE
    ))
    .ok()
}

/// Starts a session for `user_id`: a random token in the cookie, its keyed hash in the store.
async fn start_session(
    state: &AppState,
    user_id: i64,
    headers: &mut HeaderMap,
) -> Result<(), WebError> {
    let token = crate::keys::random_hex(32);
    let now = state.clock.now();
    state
        .store
        .create_session(
            &state.keys.hash("admin-session", &token),
            user_id,
            now,
            now + super::SESSION_SECONDS,
        )
        .await?;
    if let Some(cookie) = session_cookie(state, &token, super::SESSION_SECONDS) {
        headers.append(header::SET_COOKIE, cookie);
    }
    Ok(())
}

/// Where to go after logging in: only pages of the desk (no open redirect).
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if n.starts_with("/admin")
                && !n.starts_with("/admin/login")
                && !n.contains("//")
                && !n.contains('\\') =>
        {
            n
        }
        _ => "/admin",
    }
}

fn login_page(
    state: &AppState,
    visitor: &Visitor,
    status: StatusCode,
    name: &str,
    next: &str,
    error: Option<String>,
    notice: Option<&str>,
) -> Result<Response, WebError> {
    let token = state.keys.form_token(&visitor.session, state.clock.now());
    let mut response = page(
        state,
        None,
        "admin_login.html",
        status,
        context! { name, next, error, notice, token },
    )?;
    visitor.set_session_cookie(state, response.headers_mut());
    Ok(response)
}

pub async fn login_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let next = safe_next(q.get("next").map(String::as_str));
    if let Some(token) = super::admin_cookie(&headers)
        && state
            .store
            .session_user(&state.keys.hash("admin-session", token), state.clock.now())
            .await?
            .is_some()
    {
        return Ok(Redirect::to(next).into_response());
    }
    let notice = q
        .contains_key("logged_out")
        .then_some("You are logged out.");
    let visitor = Visitor::from_headers(&state, &headers);
    login_page(&state, &visitor, StatusCode::OK, "", next, None, notice)
}

fn minutes(seconds: i64) -> i64 {
    (seconds + 59).div_euclid(60).max(1)
}

pub async fn login(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let fields = Fields::parse(&body);
    let visitor = Visitor::from_headers(&state, &headers);
    let typed_name = fields.get("name");
    let next = safe_next(Some(fields.get("next"))).to_string();
    let again = |status, error: String| {
        login_page(
            &state,
            &visitor,
            status,
            typed_name,
            &next,
            Some(error),
            None,
        )
    };
    if visitor
        .form_shown_at(&state, fields.get("_token"))
        .is_none()
    {
        return again(
            StatusCode::FORBIDDEN,
            "The login form expired or did not come from this site. Please try again.".into(),
        );
    }
    let Ok(name) = UserName::parse(typed_name) else {
        return again(
            StatusCode::UNAUTHORIZED,
            "Wrong user name or password.".into(),
        );
    };
    let now = state.clock.now();
    let ip = client_ip(&peer, &headers).map_or_else(|| "unknown".to_string(), |ip| ip.to_string());
    let ip_hash = state.keys.ip_hash(&ip);
    let failures = state
        .store
        .login_failures(name.as_str(), &ip_hash, now - FAILURE_WINDOW)
        .await?;
    if failures.for_name >= MAX_FAILURES_PER_ACCOUNT {
        let until = failures.last_for_name.unwrap_or(now) + FAILURE_WINDOW;
        return again(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "Too many failed logins for this account: it is locked for {} more minute(s). Wait, or ask an administrator to reset the password (`linkx user passwd`).",
                minutes(until - now)
            ),
        );
    }
    if failures.from_ip >= MAX_FAILURES_PER_ADDRESS {
        return again(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "Too many failed logins from your address. Try again in {} minute(s).",
                minutes(FAILURE_WINDOW)
            ),
        );
    }
    let user = state.store.user_by_name(name.as_str()).await?;
    let stored = user
        .as_ref()
        .map_or_else(|| decoy_hash().to_string(), |u| u.password_hash.clone());
    let password = fields.get_raw("password").to_string();
    // No stored password is longer than the policy allows: skip the hashing work for such input.
    let matches = password.chars().count() <= linkx_core::account::PASSWORD_MAX_CHARS
        && verify_blocking(password, stored).await;
    let Some(user) = user.filter(|_| matches) else {
        state
            .store
            .record_login_failure(name.as_str(), &ip_hash, now)
            .await?;
        return again(
            StatusCode::UNAUTHORIZED,
            "Wrong user name or password.".into(),
        );
    };
    state
        .store
        .clear_login_failures(&user.name, now - FAILURE_WINDOW)
        .await?;
    state
        .store
        .audit(&user.name, "login", "logged in", now)
        .await?;
    let mut response = Redirect::to(&next).into_response();
    start_session(&state, user.id, response.headers_mut()).await?;
    super::no_store(response.headers_mut());
    Ok(response)
}

pub async fn logout(State(state): State<AppState>, form: AdminForm) -> Result<Response, Refusal> {
    state
        .store
        .delete_session(&state.keys.hash("admin-session", &form.op.token))
        .await?;
    form.op.audit(&state, "logout", "logged out").await?;
    let mut response = Redirect::to("/admin/login?logged_out=1").into_response();
    if let Some(cookie) = session_cookie(&state, "", 0) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    super::no_store(response.headers_mut());
    Ok(response)
}

pub async fn password_form(
    State(state): State<AppState>,
    op: Operator,
) -> Result<Response, WebError> {
    page(
        &state,
        Some(&op),
        "admin_password.html",
        StatusCode::OK,
        context! { errors => context! {} },
    )
}

pub async fn change_password(
    State(state): State<AppState>,
    form: AdminForm,
) -> Result<Response, Refusal> {
    let AdminForm { op, fields } = form;
    let (current, new, confirm) = (
        fields.get_raw("current"),
        fields.get_raw("new_password"),
        fields.get_raw("confirm"),
    );
    let mut errors = HashMap::new();
    if !verify_blocking(current.to_string(), op.user.password_hash.clone()).await {
        errors.insert("current", "This is not your current password.".to_string());
    }
    if let Err(e) = check_new_password(new, &op.user.name) {
        errors.insert("new_password", e);
    } else if new != confirm {
        errors.insert("confirm", "The two new passwords differ.".to_string());
    }
    if !errors.is_empty() {
        return Ok(page(
            &state,
            Some(&op),
            "admin_password.html",
            StatusCode::UNPROCESSABLE_ENTITY,
            context! { errors },
        )?);
    }
    let hash = hash_blocking(new.to_string()).await?;
    // Ends every session of the account, this one included; this browser gets a new one.
    state
        .store
        .set_password(op.user.id, &hash, state.clock.now())
        .await?;
    op.audit(
        &state,
        "password",
        "changed their password (all sessions ended)",
    )
    .await?;
    let mut response = see_other(
        "/admin",
        "Password changed. Every other session of your account has been logged out.",
    );
    start_session(&state, op.user.id, response.headers_mut()).await?;
    Ok(response)
}

pub async fn users(
    State(state): State<AppState>,
    op: Operator,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    op.require_admin()?;
    users_page(
        &state,
        &op,
        StatusCode::OK,
        context! { done => super::done_message(&q) },
    )
    .await
}

async fn users_page(
    state: &AppState,
    op: &Operator,
    status: StatusCode,
    extra: minijinja::Value,
) -> Result<Response, WebError> {
    let users: Vec<_> = state
        .store
        .list_users()
        .await?
        .into_iter()
        .map(|u| {
            context! {
                id => u.id, name => u.name, role => u.role.as_str(),
                created => crate::view::human(u.created_at),
                password_changed => crate::view::human(u.password_changed_at),
            }
        })
        .collect();
    page(
        state,
        Some(op),
        "admin_users.html",
        status,
        context! { users, ..extra },
    )
}

/// Adds an account (admins only); the same rules as `linkx user add`.
pub async fn add_user(State(state): State<AppState>, form: AdminForm) -> Result<Response, Refusal> {
    let AdminForm { op, fields } = form;
    op.require_admin()?;
    let typed = fields.get("name");
    let role = Role::parse(fields.get("role"));
    let mut errors = HashMap::new();
    let name = match UserName::parse(typed) {
        Ok(name) => Some(name),
        Err(e) => {
            errors.insert("name", e);
            None
        }
    };
    if role.is_err() {
        errors.insert("role", "Choose admin or moderator.".to_string());
    }
    let password = fields.get_raw("password");
    if let Err(e) = check_new_password(password, name.as_ref().map_or(typed, UserName::as_str)) {
        errors.insert("password", e);
    }
    if let (Some(name), Ok(role), true) = (&name, role, errors.is_empty()) {
        let hash = hash_blocking(password.to_string()).await?;
        match state
            .store
            .add_user(name.as_str(), role, &hash, state.clock.now())
            .await
        {
            Ok(user) => {
                op.audit(
                    &state,
                    "user add",
                    &format!("added {} as {}", user.name, role.as_str()),
                )
                .await?;
                return Ok(see_other(
                    "/admin/users",
                    &format!("Added {} ({}).", user.name, role.as_str()),
                ));
            }
            Err(linkx_store::StoreError::Duplicate(_)) => {
                errors.insert("name", "An account with this name exists.".to_string());
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(users_page(
        &state,
        &op,
        StatusCode::UNPROCESSABLE_ENTITY,
        context! { errors, typed_name => typed, typed_role => fields.get("role") },
    )
    .await?)
}
