//! Bytes to text: which character encoding a feed is in, by byte-order mark, XML declaration and
//! HTTP `Content-Type` (RFC 3023 precedence, as Python feedparser applies it), with fallbacks
//! when the declared encoding is wrong. Never fails: the worst case is a lossy decode and a
//! reported problem.

use encoding_rs::Encoding;
use std::borrow::Cow;

/// A decoded document.
#[derive(Debug)]
pub struct Decoded<'a> {
    /// Borrowed when the input was already UTF-8.
    pub text: Cow<'a, str>,
    /// The encoding the text was decoded from, named as feedparser names it (`utf-8`,
    /// `iso-8859-1`, `utf-16le`, …); empty when nothing worked and the decode is lossy.
    pub encoding: String,
    /// Why the result is not trustworthy (wrong media type, declared encoding wrong).
    pub problem: Option<String>,
}

/// The HTTP facts that affect decoding.
#[derive(Debug, Default, Clone)]
pub struct HttpContext<'a> {
    /// The response's `Content-Type`; `None` for a file, or a response without one (then the
    /// document's own declaration decides, as for a file).
    pub content_type: Option<&'a str>,
}

const UTF16_FAMILY: &[&str] = &[
    "u16",
    "utf-16",
    "utf16",
    "utf_16",
    "u32",
    "utf-32",
    "utf32",
    "utf_32",
    "iso-10646-ucs-2",
    "iso-10646-ucs-4",
    "csucs4",
    "csunicode",
    "ucs-2",
    "ucs-4",
];

/// Decodes `bytes` to text.
pub fn decode<'a>(bytes: &'a [u8], http: &HttpContext<'_>) -> Decoded<'a> {
    let (bom, body) = sniff_bom(bytes);
    let xml = declared_encoding(body, bom).map(|declared| match bom {
        Some(b) if UTF16_FAMILY.contains(&declared.as_str()) => b.to_string(),
        _ => declared,
    });
    let xml = xml.unwrap_or_default();

    let (media_type, charset) = http
        .content_type
        .map(parse_content_type)
        .unwrap_or_default();
    let is_app_xml = matches!(
        media_type.as_str(),
        "application/xml" | "application/xml-dtd" | "application/xml-external-parsed-entity"
    ) || (media_type.starts_with("application/") && media_type.ends_with("+xml"));
    let is_text_xml = matches!(
        media_type.as_str(),
        "text/xml" | "text/xml-external-parsed-entity"
    ) || (media_type.starts_with("text/") && media_type.ends_with("+xml"));
    let or = |a: &str, b: &str| {
        if a.is_empty() {
            b.to_string()
        } else {
            a.to_string()
        }
    };
    let mut declared = if is_app_xml {
        or(&charset, &or(&xml, "utf-8"))
    } else if is_text_xml || media_type.starts_with("text/") {
        or(&charset, "us-ascii")
    } else {
        or(&xml, "utf-8")
    };
    if declared.eq_ignore_ascii_case("gb2312") {
        declared = "gb18030".into();
    }
    let xml = if xml.eq_ignore_ascii_case("gb2312") {
        "gb18030".to_string()
    } else {
        xml
    };
    let mut problem = http
        .content_type
        .filter(|_| !(is_app_xml || is_text_xml))
        .map(|header| format!("{header} is not an XML media type"));

    // Statistical detection runs only when every declared or defaulted encoding failed.
    let detected = std::cell::OnceCell::new();
    let detect = || {
        let mut detector = chardetng::EncodingDetector::new();
        detector.feed(body, true);
        detector.guess(None, true).name().to_ascii_lowercase()
    };
    let candidates = [
        declared.as_str(),
        xml.as_str(),
        bom.unwrap_or(""),
        "\0detect",
        "utf-8",
        "windows-1252",
        "iso-8859-2",
    ];
    let mut tried: Vec<&str> = Vec::new();
    for candidate in candidates {
        let candidate = if candidate == "\0detect" {
            detected.get_or_init(detect).as_str()
        } else {
            candidate
        };
        if candidate.is_empty() || tried.contains(&candidate) {
            continue;
        }
        tried.push(candidate);
        if let Some(text) = decode_strict(body, candidate) {
            if candidate != declared {
                problem = Some(format!(
                    "document declared as {declared}, but parsed as {candidate}"
                ));
            }
            return Decoded {
                text,
                encoding: candidate.to_string(),
                problem,
            };
        }
    }
    Decoded {
        text: String::from_utf8_lossy(body),
        encoding: String::new(),
        problem: Some(format!(
            "document encoding unknown, I tried {declared}, {xml}, utf-8, windows-1252, and iso-8859-2 but nothing worked"
        )),
    }
}

/// The byte-order mark (or the UTF-16/32 / EBCDIC signature of `<?`), and the bytes after a
/// real BOM.
fn sniff_bom(bytes: &[u8]) -> (Option<&'static str>, &[u8]) {
    let head = |n: usize| bytes.get(..n).unwrap_or(&[]);
    let rest = |n: usize| bytes.get(n..).unwrap_or(&[]);
    match head(4) {
        [0x00, 0x00, 0xFE, 0xFF] => return (Some("utf-32be"), rest(4)),
        [0xFF, 0xFE, 0x00, 0x00] => return (Some("utf-32le"), rest(4)),
        [0xFE, 0xFF, a, b] if !(*a == 0 && *b == 0) => return (Some("utf-16be"), rest(2)),
        [0xFF, 0xFE, a, b] if !(*a == 0 && *b == 0) => return (Some("utf-16le"), rest(2)),
        [0x4C, 0x6F, 0xA7, 0x94] => return (Some("cp037"), bytes),
        [0x00, 0x3C, 0x00, 0x3F] => return (Some("utf-16be"), bytes),
        [0x3C, 0x00, 0x3F, 0x00] => return (Some("utf-16le"), bytes),
        [0x00, 0x00, 0x00, 0x3C] => return (Some("utf-32be"), bytes),
        [0x3C, 0x00, 0x00, 0x00] => return (Some("utf-32le"), bytes),
        _ => {}
    }
    if head(3) == [0xEF, 0xBB, 0xBF] {
        return (Some("utf-8"), rest(3));
    }
    match head(2) {
        [0xFE, 0xFF] => (Some("utf-16be"), rest(2)),
        [0xFF, 0xFE] => (Some("utf-16le"), rest(2)),
        _ => (None, bytes),
    }
}

/// The `encoding="…"` of an XML declaration at the very start, lowercased.
fn declared_encoding(body: &[u8], bom: Option<&str>) -> Option<String> {
    let head: String = match bom {
        Some(enc) if enc != "utf-8" => {
            let prefix = body.get(..body.len().min(1024)).unwrap_or(body);
            decode_strict(prefix, enc)
                .or_else(|| decode_lossy_prefix(prefix, enc))
                .map(Cow::into_owned)
                .unwrap_or_default()
        }
        _ => String::from_utf8_lossy(body.get(..body.len().min(512)).unwrap_or(body)).into_owned(),
    };
    if !head.starts_with("<?") {
        return None;
    }
    let decl = &head[..head.find("?>")?];
    let at = decl.find("encoding=")?;
    let value = decl.get(at + "encoding=".len()..)?;
    let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = value.get(1..)?;
    let end = value.find(quote)?;
    Some(value[..end].to_ascii_lowercase())
}

fn decode_lossy_prefix<'a>(prefix: &'a [u8], enc: &str) -> Option<Cow<'a, str>> {
    // An odd-length prefix cut mid-character: drop the tail and try again.
    let trimmed = prefix.get(..prefix.len() - prefix.len() % 4)?;
    decode_strict(trimmed, enc)
}

/// Decodes with no replacement characters: `None` if any byte sequence is invalid in `label`.
fn decode_strict<'a>(bytes: &'a [u8], label: &str) -> Option<Cow<'a, str>> {
    let label = label.trim().to_ascii_lowercase();
    match label.as_str() {
        "us-ascii" | "ascii" | "646" | "us" => {
            return bytes.is_ascii().then(|| String::from_utf8_lossy(bytes));
        }
        "utf-8" | "utf8" | "u8" | "utf" => {
            return std::str::from_utf8(bytes).ok().map(Cow::Borrowed);
        }
        "utf-32be" | "utf-32le" | "utf-32" | "utf32" | "u32" | "utf_32" => {
            return decode_utf32(bytes, &label).map(Cow::Owned);
        }
        "utf-16" | "utf16" | "u16" | "utf_16" => {
            let (enc, body) = match bytes {
                [0xFF, 0xFE, rest @ ..] => ("utf-16le", rest),
                [0xFE, 0xFF, rest @ ..] => ("utf-16be", rest),
                _ => ("utf-16le", bytes),
            };
            return decode_strict(body, enc);
        }
        "iso-8859-1" | "latin-1" | "latin1" | "l1" | "iso8859-1" | "8859" | "cp819" => {
            // True Latin-1: every byte is the code point of the same number.
            return Some(Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()));
        }
        "cp037" => return None,
        _ => {}
    }
    let encoding = Encoding::for_label(label.replace('_', "-").as_bytes())?;
    if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE {
        if !bytes.len().is_multiple_of(2) {
            return None;
        }
    } else if encoding == encoding_rs::REPLACEMENT {
        return None;
    }
    encoding.decode_without_bom_handling_and_without_replacement(bytes)
}

fn decode_utf32(bytes: &[u8], label: &str) -> Option<String> {
    let (big_endian, body) = match (label, bytes) {
        ("utf-32be", _) => (true, bytes),
        ("utf-32le", _) => (false, bytes),
        (_, [0, 0, 0xFE, 0xFF, rest @ ..]) => (true, rest),
        (_, [0xFF, 0xFE, 0, 0, rest @ ..]) => (false, rest),
        _ => (false, bytes),
    };
    if body.len() % 4 != 0 {
        return None;
    }
    body.chunks_exact(4)
        .map(|c| {
            let word = [c[0], c[1], c[2], c[3]];
            let n = if big_endian {
                u32::from_be_bytes(word)
            } else {
                u32::from_le_bytes(word)
            };
            char::from_u32(n)
        })
        .collect()
}

/// Splits `text/xml; charset="utf-8"` into its lowercased media type and its charset.
pub fn parse_content_type(header: &str) -> (String, String) {
    let mut parts = header.split(';');
    let media_type = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let charset = parts
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
        .map(|(_, v)| {
            v.trim()
                .trim_matches(|c| c == '"' || c == '\'')
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    (media_type, charset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_with_bom_and_declaration() {
        let text = "<?xml version=\"1.0\" encoding=\"utf-16\"?><rss/>";
        let mut bytes = vec![0xFF, 0xFE];
        for unit in text.encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let decoded = decode(&bytes, &HttpContext::default());
        assert_eq!(decoded.encoding, "utf-16le");
        assert!(decoded.text.ends_with("<rss/>"));
    }

    #[test]
    fn wrong_declaration_falls_back_and_says_so() {
        let decoded = decode(
            "<?xml version='1.0' encoding='us-ascii'?><rss>é</rss>".as_bytes(),
            &HttpContext::default(),
        );
        assert_eq!(decoded.encoding, "utf-8");
        assert!(decoded.problem.is_some());
    }
}
