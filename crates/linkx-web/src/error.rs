//! The one error type of the web layer. Internals are logged, never shown to the reader.

use crate::i18n::{locale, t};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::HtmlEscape;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not found")]
    NotFound,
    /// The reader may not do this; the message says why, in their words.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("theme: {0}")]
    Theme(String),
    #[error(transparent)]
    Store(#[from] linkx_store::StoreError),
    #[error("template: {0}")]
    Render(#[from] minijinja::Error),
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, heading, message) = match &self {
            WebError::NotFound => (
                StatusCode::NOT_FOUND,
                t("Not found"),
                t("There is no page at this address."),
            ),
            WebError::Forbidden(message) => (StatusCode::FORBIDDEN, t("Not allowed"), t(message)),
            other => {
                tracing::error!(error = %other, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    t("Something went wrong"),
                    t("The page could not be shown. Please try again in a moment."),
                )
            }
        };
        plain_page(status, heading, message)
    }
}

/// A page without templates: rendering through them could fail the same way again.
/// `heading` and `message` are plain text, in the site's language.
pub fn plain_page(status: StatusCode, heading: &str, message: &str) -> Response {
    let (heading, message) = (HtmlEscape(heading), HtmlEscape(message));
    let dir = crate::view::text_direction(Some(locale().language()));
    let language = HtmlEscape(locale().language());
    let back = HtmlEscape(t("Back to the latest stories"));
    let body = format!(
        "<!DOCTYPE html><html lang=\"{language}\" dir=\"{dir}\"><head><meta charset=\"utf-8\"><title>{heading}</title>\
             <link rel=\"stylesheet\" href=\"/static/style.css\"></head><body><main id=\"main\"><section class=\"empty\">\
             <h1>{heading}</h1><p>{message}</p><p><a href=\"/\">{back}</a></p></section></main></body></html>"
    );
    (status, Html(body)).into_response()
}
