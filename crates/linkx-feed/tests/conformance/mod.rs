//! Python feedparser's own test suite (`../shared/corpora/feeds/feedparser/cases.jsonl`) run
//! against our parser: every assertion, scored per folder, ratcheted against a committed
//! baseline. Sanitizer cases are scored on safety, not on feedparser's exact output.

use linkx_feed::{ParseOptions, parse_document};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Passing assertions last committed; the test fails below them. Ratchet up, never down.
const BASELINE_EXACT: usize = 1141;
const BASELINE_SANITIZE: usize = 629;

fn corpus_dir() -> Option<PathBuf> {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/feeds/feedparser");
    dir.join("cases.jsonl").exists().then_some(dir)
}

struct Outcome {
    passed: bool,
    sanitize: bool,
    folder: String,
    detail: String,
}

fn navigate<'v>(root: &'v Value, path: &[Value]) -> Option<&'v Value> {
    let mut at = root;
    for step in path {
        at = match step {
            Value::String(key) => at.get(key)?,
            Value::Number(n) => at.get(usize::try_from(n.as_u64()?).ok()?)?,
            _ => return None,
        };
    }
    Some(at)
}

/// `2004-01-01T19:48:21Z` as Python's 9-field time tuple.
fn time_tuple(s: &str) -> Option<Value> {
    use chrono::{Datelike, Timelike};
    let d = chrono::DateTime::parse_from_rfc3339(s).ok()?;
    let fields = [
        i64::from(d.year()),
        i64::from(d.month()),
        i64::from(d.day()),
        i64::from(d.hour()),
        i64::from(d.minute()),
        i64::from(d.second()),
        i64::from(d.weekday().num_days_from_monday()),
        i64::from(d.ordinal()),
        0,
    ];
    Some(Value::Array(
        fields.iter().map(|n| Value::from(*n)).collect(),
    ))
}

fn same(ours: &Value, expected: &Value) -> bool {
    match (ours, expected) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Number(a), Value::Bool(b)) | (Value::Bool(b), Value::Number(a)) => {
            a.as_f64() == Some(if *b { 1.0 } else { 0.0 })
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        _ => ours == expected,
    }
}

/// Encodings match when they name the same decoder (`GB2312` is decoded as GBK, `TIS-620` as
/// windows-874 under the WHATWG Encoding Standard).
fn same_encoding(ours: &Value, expected: &Value) -> Result<(), String> {
    let decoder = |v: &Value| {
        v.as_str()
            .and_then(|s| encoding_rs::Encoding::for_label(s.as_bytes()))
    };
    let equal =
        same(ours, expected) || (decoder(ours).is_some() && decoder(ours) == decoder(expected));
    if equal {
        Ok(())
    } else {
        Err(format!("got {ours}"))
    }
}

/// The sanitizer's promise: no script, no event handler, no script-capable URL, no style that
/// can hide or overlay.
fn is_safe(html: &str) -> Result<(), String> {
    let lower = html.to_ascii_lowercase();
    for bad in [
        "<script", "<iframe", "<object", "<embed", "<applet", "<style", "<meta", "<link",
    ] {
        if lower.contains(bad) {
            return Err(format!("contains {bad}"));
        }
    }
    if lower.contains("javascript:") || lower.contains("vbscript:") || lower.contains("=\"data:") {
        return Err("script-capable URL".into());
    }
    let mut rest = lower.as_str();
    while let Some(i) = rest.find('<') {
        let tag = &rest[i..rest[i..].find('>').map_or(rest.len(), |e| i + e)];
        for attr in tag.split_whitespace().skip(1) {
            if attr.starts_with("on") && attr.contains('=') {
                return Err(format!("event handler {attr}"));
            }
        }
        if let Some(style) = tag.find("style=\"") {
            let value = &tag[style + 7..];
            let value = &value[..value.find('"').unwrap_or(value.len())];
            for bad in [
                "position",
                "expression",
                "url(",
                "behavior",
                "-moz-binding",
                "display: none",
                "visibility",
            ] {
                if value.contains(bad) {
                    return Err(format!("dangerous style {value}"));
                }
            }
        }
        rest = &rest[i + 1..];
    }
    Ok(())
}

fn tags_and_text(html: &str) -> (Vec<String>, String) {
    let mut tags = Vec::new();
    let mut text = String::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        text.push_str(&rest[..i]);
        let end = rest[i..].find('>').map_or(rest.len(), |e| i + e + 1);
        let tag = &rest[i + 1..end.saturating_sub(1).max(i + 1)];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if !tag.starts_with('/') && !name.is_empty() {
            tags.push(name.to_ascii_lowercase());
        }
        rest = &rest[end..];
    }
    text.push_str(rest);
    (tags, text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Safe, and what feedparser kept (its tags and text) is still there.
fn sanitize_ok(ours: &Value, expected: &Value) -> Result<(), String> {
    let (Some(ours), Some(expected)) = (ours.as_str(), expected.as_str()) else {
        return if same(ours, expected) {
            Ok(())
        } else {
            Err("not text".into())
        };
    };
    is_safe(ours)?;
    let (our_tags, our_text) = tags_and_text(ours);
    let (their_tags, their_text) = tags_and_text(expected);
    if our_text != their_text {
        return Err(format!("text {our_text:?} != {their_text:?}"));
    }
    if let Some(missing) = their_tags.iter().find(|t| !our_tags.contains(t)) {
        return Err(format!("lost harmless <{missing}>"));
    }
    Ok(())
}

fn run_case(case: &Value, parsed: &Result<Value, String>) -> Outcome {
    let file = case["file"].as_str().unwrap_or_default();
    let sanitize = file.contains("/sanitize/");
    let folder = {
        let parts: Vec<&str> = file.split('/').collect();
        if parts.len() > 3 {
            parts[1..3].join("/")
        } else {
            parts.get(1).unwrap_or(&"").to_string()
        }
    };
    let fail = |detail: String| Outcome {
        passed: false,
        sanitize,
        folder: folder.clone(),
        detail,
    };
    // A typed error is a stronger "not well-formed": it counts as bozo with nothing parsed.
    let error_doc;
    let doc = match parsed {
        Ok(doc) => doc,
        Err(e) => {
            error_doc =
                serde_json::json!({"bozo": true, "bozo_exception": e, "feed": {}, "entries": []});
            &error_doc
        }
    };
    let want_bozo = case["bozo"].as_bool().unwrap_or(false);
    if doc["bozo"].as_bool() != Some(want_bozo) {
        return fail(format!(
            "{file}: bozo {} (want {want_bozo}) {}",
            doc["bozo"],
            doc.get("bozo_exception").unwrap_or(&Value::Null)
        ));
    }
    if case["op"] == "bozo-only" {
        return Outcome {
            passed: true,
            sanitize,
            folder,
            detail: String::new(),
        };
    }
    let path = case["canonical_path"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let expected = &case["expected"];
    let last = path.iter().rev().find_map(Value::as_str).unwrap_or("");
    let ours = navigate(doc, &path).cloned();
    let ours = match (ours, last.ends_with("_parsed")) {
        (Some(Value::String(s)), true) => time_tuple(&s),
        (o, _) => o,
    };
    let Some(ours) = ours else {
        return fail(format!("{file}: {path:?} missing, want {expected}"));
    };
    let verdict = if last == "encoding" {
        same_encoding(&ours, expected)
    } else if sanitize {
        sanitize_ok(&ours, expected)
    } else if same(&ours, expected) {
        Ok(())
    } else {
        Err(format!("got {ours}"))
    };
    match verdict {
        Ok(()) => Outcome {
            passed: true,
            sanitize,
            folder,
            detail: String::new(),
        },
        Err(why) => fail(format!("{file}: {path:?}: {why}, want {expected}")),
    }
}

fn parse_case_file(dir: &Path, case: &Value) -> Result<Value, String> {
    let file = case["file"].as_str().unwrap_or_default();
    let bytes = std::fs::read(dir.join(file)).map_err(|e| e.to_string())?;
    let headers: Vec<(String, String)> = case["http_headers"]
        .as_object()
        .map(|h| {
            h.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                .collect()
        })
        .unwrap_or_default();
    let header_refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let base = format!("http://127.0.0.1:8097/{file}");
    let options = ParseOptions {
        headers: &header_refs,
        base_url: file.contains("http").then_some(base.as_str()),
        sanitize: true,
    };
    parse_document(&bytes, &options)
        .map(|d| d.to_json())
        .map_err(|e| e.to_string())
}

#[test]
fn feedparser_suite_conformance() {
    let Some(dir) = corpus_dir() else {
        eprintln!("skipping: ../shared/corpora/feeds/feedparser is not here (CI always has it)");
        return;
    };
    let text = std::fs::read_to_string(dir.join("cases.jsonl")).unwrap();
    let cases: Vec<Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let mut parsed: HashMap<(String, String), Result<Value, String>> = HashMap::new();
    let mut table: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let (mut exact, mut exact_total, mut safe, mut safe_total) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for case in &cases {
        let key = (case["file"].to_string(), case["http_headers"].to_string());
        let doc = parsed
            .entry(key)
            .or_insert_with(|| parse_case_file(&dir, case));
        let outcome = run_case(case, doc);
        let row = table.entry(outcome.folder.clone()).or_default();
        row.1 += 1;
        if outcome.sanitize {
            safe_total += 1;
        } else {
            exact_total += 1;
        }
        if outcome.passed {
            row.0 += 1;
            if outcome.sanitize {
                safe += 1
            } else {
                exact += 1
            }
        } else {
            failures.push(outcome.detail);
        }
    }
    eprintln!("{:<28} {:>6} {:>6}", "folder", "pass", "of");
    for (folder, (pass, total)) in &table {
        eprintln!("{folder:<28} {pass:>6} {total:>6}");
    }
    eprintln!(
        "exact-match cases: {exact} of {exact_total} ({:.1}%); sanitizer cases safe and complete: {safe} of {safe_total}",
        100.0 * exact as f64 / exact_total.max(1) as f64
    );
    if std::env::var_os("CONFORMANCE_FAILURES").is_some() {
        for f in &failures {
            eprintln!("  {f}");
        }
    }
    assert!(
        exact >= BASELINE_EXACT,
        "exact-match cases fell below the baseline {BASELINE_EXACT}: {exact}"
    );
    assert!(
        safe >= BASELINE_SANITIZE,
        "sanitizer cases fell below the baseline {BASELINE_SANITIZE}: {safe}"
    );
}
