//! Images on our pages go through the site's signed image proxy (`/img/{signature}/{url}`,
//! served by the binary, which fetches with the same protections as every outbound request):
//! readers' browsers never request a third party, and nobody can use the proxy for URLs the
//! site did not put on a page.

use crate::keys::Keys;

/// Rewrites every `<img src>` of sanitized HTML to the proxy and drops `srcset` (each of its
/// candidates would be a third-party request). Other markup is left as it is.
pub fn proxy_images(html: &str, keys: &Keys) -> String {
    if !html.contains("<img") {
        return html.to_string();
    }
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    while let Some(start) = rest.find("<img") {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('>') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let tag = &rest[start..=start + len];
        out.push_str(&rewrite_tag(tag, keys));
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

/// One `<img …>` tag (as ammonia writes them: double-quoted attributes).
fn rewrite_tag(tag: &str, keys: &Keys) -> String {
    let mut out = String::with_capacity(tag.len() + 64);
    let mut rest = tag;
    while let Some(eq) = rest.find("=\"") {
        let name_start = rest[..eq]
            .rfind(|c: char| c.is_ascii_whitespace())
            .map_or(0, |i| i + 1);
        let name = rest[name_start..eq].to_ascii_lowercase();
        let Some(value_len) = rest[eq + 2..].find('"') else {
            break;
        };
        let value = &rest[eq + 2..eq + 2 + value_len];
        let after = &rest[eq + 2 + value_len + 1..];
        match name.as_str() {
            "src" => {
                let url = value.replace("&amp;", "&");
                out.push_str(&rest[..eq + 2]);
                if url.starts_with("https://") || url.starts_with("http://") {
                    out.push_str(&keys.image_path(&url));
                } else if url.starts_with('/') {
                    out.push_str(value);
                }
                out.push('"');
            }
            "srcset" => out.push_str(rest[..name_start].trim_end()),
            _ => out.push_str(&rest[..eq + 2 + value_len + 1]),
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_go_through_the_proxy_and_srcset_is_dropped() {
        let keys = Keys::from_secret("k");
        let html = r#"<p>a</p><img src="https://cdn.test/a.jpg?w=1&amp;h=2" alt="A" srcset="https://cdn.test/b.jpg 2x"><p>b</p><img alt="x" src="/static/x.png">"#;
        let out = proxy_images(html, &keys);
        let path = keys.image_path("https://cdn.test/a.jpg?w=1&h=2");
        assert!(
            out.contains(&format!(r#"<img src="{path}" alt="A">"#)),
            "{out}"
        );
        assert!(!out.contains("cdn.test") && !out.contains("srcset"));
        assert!(out.contains(r#"<img alt="x" src="/static/x.png">"#));
        assert!(out.starts_with("<p>a</p>") && out.contains("<p>b</p>"));
        assert_eq!(proxy_images("<p>no images</p>", &keys), "<p>no images</p>");
        assert_eq!(
            proxy_images("<img src=\"https://x", &keys),
            "<img src=\"https://x"
        );
    }
}
