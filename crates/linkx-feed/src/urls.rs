//! URL joining the way feed consumers expect it: absolute URLs are kept exactly as written,
//! relative ones are resolved against a base, and only schemes that cannot run code pass.

use url::Url;

/// Schemes a link in feed content may use.
const ACCEPTABLE_SCHEMES: &[&str] = &[
    "aim", "callto", "cvs", "facetime", "feed", "file", "ftp", "git", "gopher", "gtalk", "h323",
    "hdl", "http", "https", "imap", "irc", "irc6", "ircs", "itms", "magnet", "mailto", "mms",
    "msnim", "news", "nntp", "prospero", "rsync", "rtsp", "rtspu", "sftp", "shttp", "sip", "sips",
    "skype", "smb", "snews", "ssh", "svn", "svn+ssh", "telnet", "tel", "urn", "wais", "ymsg",
];

pub fn is_acceptable_scheme(scheme: &str) -> bool {
    ACCEPTABLE_SCHEMES.contains(&scheme)
}

/// The scheme of an absolute URL (`http` in `http://…`), if `s` has one.
pub fn scheme_of(s: &str) -> Option<&str> {
    let (scheme, _) = s.split_once(':')?;
    let valid = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then_some(scheme)
}

/// Resolves `reference` against `base`. An absolute reference is returned as written (less the
/// extra slashes of `http:///host`); with no usable base a relative one stays relative.
pub fn join_url(base: &str, reference: &str) -> String {
    let reference = collapse_scheme_slashes(reference);
    if scheme_of(&reference).is_some() || base.is_empty() {
        return reference;
    }
    match Url::parse(base).and_then(|b| b.join(&reference)) {
        Ok(joined) if !base.is_ascii() || !reference.is_ascii() => {
            // Keep an IRI an IRI: the `url` crate punycodes hosts and percent-encodes paths.
            as_iri(
                joined.as_str(),
                base.contains('%') || reference.contains('%'),
            )
        }
        Ok(joined) => joined.to_string(),
        Err(_) => reference,
    }
}

/// Unicode host labels and non-ASCII path characters back from their ASCII encodings.
fn as_iri(url: &str, had_percent: bool) -> String {
    let (host_start, host_end) = match url.find("://") {
        Some(i) => {
            let start = i + 3;
            let end = url[start..]
                .find(['/', '?', '#'])
                .map_or(url.len(), |e| start + e);
            (start, end)
        }
        None => (0, 0),
    };
    let host = &url[host_start..host_end];
    let host = if host.contains("xn--") {
        idna::domain_to_unicode(host).0
    } else {
        host.to_string()
    };
    let rest = &url[host_end..];
    let rest = if had_percent {
        rest.to_string()
    } else {
        decode_non_ascii_escapes(rest)
    };
    format!("{}{host}{rest}", &url[..host_start])
}

/// Decodes runs of `%XX` that spell non-ASCII UTF-8; ASCII escapes (`%20`, `%2F`) stay.
fn decode_non_ascii_escapes(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let mut run = Vec::new();
        let mut j = i;
        while j + 2 < bytes.len() && bytes[j] == b'%' {
            let hex = std::str::from_utf8(&bytes[j + 1..j + 3]).ok();
            match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(b) if b >= 0x80 => {
                    run.push(b);
                    j += 3;
                }
                _ => break,
            }
        }
        if !run.is_empty() && std::str::from_utf8(&run).is_ok() {
            out.extend_from_slice(&run);
            i = j;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// `http:////example.com` → `http://example.com`.
fn collapse_scheme_slashes(s: &str) -> String {
    if let Some(scheme) = scheme_of(s) {
        let after = &s[scheme.len() + 1..];
        if let Some(path) = after.strip_prefix("//") {
            let trimmed = path.trim_start_matches('/');
            if trimmed.len() != path.len() {
                return format!("{scheme}://{trimmed}");
            }
        }
    }
    s.to_string()
}

/// Like [`join_url`], but an unsafe scheme yields an empty string.
pub fn safe_join(base: &str, reference: &str) -> String {
    let joined = join_url(base, reference);
    match scheme_of(&joined) {
        Some(scheme) if !is_acceptable_scheme(&scheme.to_ascii_lowercase()) => String::new(),
        _ => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_like_a_feed_reader() {
        assert_eq!(join_url("http://a.com/b/c", "d"), "http://a.com/b/d");
        assert_eq!(join_url("http://a.com/b/c", "http://x.org"), "http://x.org");
        assert_eq!(join_url("", "d"), "d");
        assert_eq!(join_url("", "http:///x.org/"), "http://x.org/");
        assert_eq!(safe_join("http://a.com/", "javascript:alert(1)"), "");
    }
}
