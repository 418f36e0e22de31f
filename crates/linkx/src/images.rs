//! The signed, size-limited, caching image proxy behind `/img/{signature}/{url}`: pages name
//! every image through it (see `linkx_web::images`), so readers' browsers never request a third
//! party. Served by the binary, not by `linkx-web`, because it fetches: through the same
//! `Fetcher` as everything else, so private addresses are refused on every hop.

use crate::fetch::{FetchError, Fetcher};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use linkx_web::keys::Keys;
use std::path::PathBuf;
use std::sync::Arc;

/// The largest image fetched.
pub const MAX_IMAGE_BYTES: u64 = 5 << 20;

pub struct ImageProxy {
    fetcher: Fetcher,
    keys: Arc<Keys>,
    dir: PathBuf,
}

impl ImageProxy {
    /// A proxy fetching with the poller's settings (5 MiB, 10 s at most) and caching in `dir`.
    pub fn new(poller: &Fetcher, keys: Arc<Keys>, dir: PathBuf) -> Result<ImageProxy, FetchError> {
        let mut config = poller.config().clone();
        config.max_body = MAX_IMAGE_BYTES;
        config.timeout = config.timeout.min(std::time::Duration::from_secs(10));
        Ok(ImageProxy {
            fetcher: Fetcher::new(config)?,
            keys,
            dir,
        })
    }
}

pub fn router(proxy: Arc<ImageProxy>) -> Router {
    Router::new()
        .route("/img/{signature}/{url}", axum::routing::get(image))
        .with_state(proxy)
}

/// The image type of `bytes` by their magic numbers (SVG is refused: it can carry script).
pub fn image_type(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0x89, b'P', b'N', b'G', ..] => Some("image/png"),
        [0xFF, 0xD8, 0xFF, ..] => Some("image/jpeg"),
        [b'G', b'I', b'F', b'8', ..] => Some("image/gif"),
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => Some("image/webp"),
        [
            _,
            _,
            _,
            _,
            b'f',
            b't',
            b'y',
            b'p',
            b'a',
            b'v',
            b'i',
            b'f',
            ..,
        ] => Some("image/avif"),
        _ => None,
    }
}

fn refuse(status: StatusCode, why: &str) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        format!("{why}\n"),
    )
        .into_response()
}

fn image_response(kind: &'static str, bytes: Vec<u8>) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=2592000, immutable"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    response
}

async fn image(
    State(proxy): State<Arc<ImageProxy>>,
    Path((signature, encoded)): Path<(String, String)>,
) -> Response {
    let Some(url) = proxy.keys.check_image_path(&signature, &encoded) else {
        return refuse(
            StatusCode::FORBIDDEN,
            "not an image address signed by this site",
        );
    };
    let cached = proxy.dir.join(proxy.keys.hash("image-cache", &url));
    if let Ok(bytes) = tokio::fs::read(&cached).await
        && let Some(kind) = image_type(&bytes)
    {
        return image_response(kind, bytes);
    }
    let Ok(parsed) = url::Url::parse(&url) else {
        return refuse(StatusCode::BAD_GATEWAY, "the image address is not a URL");
    };
    let body = match proxy.fetcher.fetch_page(&parsed).await {
        Ok(body) => body,
        Err(e @ (FetchError::PrivateAddress(_) | FetchError::BadUrl(_))) => {
            return refuse(StatusCode::FORBIDDEN, &format!("refused: {e}"));
        }
        Err(e @ FetchError::TooLarge { .. }) => {
            return refuse(
                StatusCode::BAD_GATEWAY,
                &format!("the image is too large: {e}"),
            );
        }
        Err(e) => {
            return refuse(
                StatusCode::BAD_GATEWAY,
                &format!("the image could not be fetched: {e}"),
            );
        }
    };
    let Some(kind) = image_type(&body.bytes) else {
        return refuse(
            StatusCode::BAD_GATEWAY,
            "the address does not serve an image (PNG, JPEG, GIF, WebP or AVIF)",
        );
    };
    // Cached through a temporary file, so a reader never gets half an image.
    if tokio::fs::create_dir_all(&proxy.dir).await.is_ok() {
        let partial = cached.with_extension("partial");
        if tokio::fs::write(&partial, &body.bytes).await.is_ok() {
            let _ = tokio::fs::rename(&partial, &cached).await;
        }
    }
    image_response(kind, body.bytes)
}
