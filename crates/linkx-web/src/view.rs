//! Values shaped for templates: dates formatted, status words chosen. No I/O.

use crate::i18n::{t, tf};
use chrono::{DateTime, Utc};
use linkx_store::{ArticleView, Source};
use serde::Serialize;

pub fn iso(ts: i64) -> String {
    DateTime::<Utc>::from_timestamp(ts, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The site's time zone (`[site] timezone`), set once when the server starts: one process serves
/// one site. Until it is set, times are shown in UTC.
static SITE_TIMEZONE: std::sync::OnceLock<chrono_tz::Tz> = std::sync::OnceLock::new();

/// Shows every time on the site's pages in `tz` from now on (the first call wins).
pub fn set_site_timezone(tz: chrono_tz::Tz) {
    let _ = SITE_TIMEZONE.set(tz);
}

/// A time for readers, in the site's time zone and language: "27 Nov 2026, 19:36 CET".
pub fn human(ts: i64) -> String {
    human_in(SITE_TIMEZONE.get().copied().unwrap_or(chrono_tz::UTC), ts)
}

pub fn human_in(tz: chrono_tz::Tz, ts: i64) -> String {
    let time = DateTime::<Utc>::from_timestamp(ts, 0)
        .unwrap_or_default()
        .with_timezone(&tz);
    crate::i18n::locale().human_time(time)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn right_to_left_languages_and_scripts() {
        for tag in [
            "ar",
            "ar-EG",
            "he",
            "fa_IR",
            "ur",
            "yi",
            "az-Arab",
            "ku-Arab-IQ",
        ] {
            assert_eq!(text_direction(Some(tag)), "rtl", "{tag}");
        }
        for tag in ["en", "fr-CA", "ja", "az-Latn", "ary-Latn"] {
            assert_eq!(text_direction(Some(tag)), "ltr", "{tag}");
        }
        assert_eq!(text_direction(None), "auto");
        assert_eq!(text_direction(Some(" ")), "auto");
    }

    #[test]
    fn times_are_shown_in_the_site_time_zone_with_daylight_saving() {
        let winter = 1_795_800_000; // 2026-11-27 17:20 UTC
        let summer = 1_785_000_000; // 2026-07-25 17:20 UTC
        assert_eq!(human_in(chrono_tz::UTC, winter), "27 Nov 2026, 17:20 UTC");
        assert_eq!(
            human_in(chrono_tz::Europe::Berlin, winter),
            "27 Nov 2026, 18:20 CET"
        );
        assert_eq!(
            human_in(chrono_tz::Europe::Berlin, summer),
            "25 Jul 2026, 19:20 CEST"
        );
        assert_eq!(
            human_in(chrono_tz::America::New_York, winter),
            "27 Nov 2026, 12:20 EST"
        );
    }
}

#[derive(Serialize)]
pub struct Card<'a> {
    #[serde(flatten)]
    pub a: &'a ArticleView,
    pub published_iso: String,
    pub published_human: String,
    /// At most ~40 words for listings.
    pub excerpt_short: String,
}

/// The writing direction of text in `language` (a BCP 47 tag): `rtl` for Arabic, Hebrew,
/// Persian, Urdu and the other right-to-left languages (or a right-to-left script subtag),
/// `ltr` for the rest, and `auto` (the browser looks at the text) when the language is unknown.
pub fn text_direction(language: Option<&str>) -> &'static str {
    const RTL_LANGUAGES: [&str; 14] = [
        "ar", "arc", "ckb", "dv", "fa", "he", "iw", "ji", "ps", "sd", "syr", "ug", "ur", "yi",
    ];
    const RTL_SCRIPTS: [&str; 5] = ["arab", "hebr", "syrc", "thaa", "nkoo"];
    let Some(tag) = language.map(str::trim).filter(|t| !t.is_empty()) else {
        return "auto";
    };
    let tag = tag.to_ascii_lowercase().replace('_', "-");
    let mut subtags = tag.split('-');
    let primary = subtags.next().unwrap_or_default();
    let rtl = RTL_LANGUAGES.contains(&primary) || subtags.any(|s| RTL_SCRIPTS.contains(&s));
    if rtl { "rtl" } else { "ltr" }
}

pub fn card(a: &ArticleView) -> Card<'_> {
    Card {
        a,
        published_iso: iso(a.published_at),
        published_human: human(a.published_at),
        excerpt_short: linkx_core::text::excerpt(&a.excerpt.replace("\n\n", " "), 40),
    }
}

/// A source's health in words, and a CSS class for it.
pub fn source_status(s: &Source) -> (String, &'static str) {
    if let Some(reason) = &s.disabled_reason {
        return (tf("Stopped: {reason}", &[("reason", reason)]), "failing");
    }
    if !s.polled {
        return (
            t("Not polled (imported from files, or no longer followed)").to_string(),
            "ok",
        );
    }
    if s.paused_at.is_some() {
        return (t("Paused by the operator").to_string(), "paused");
    }
    match (&s.last_error, s.last_fetch_at) {
        (Some(err), _) => (
            tf(
                "Failing ({count} in a row): {error}",
                &[("count", &s.error_count), ("error", err)],
            ),
            "failing",
        ),
        (None, None) => (t("Waiting for the first check").to_string(), "ok"),
        (None, Some(_)) => (t("OK").to_string(), "ok"),
    }
}

#[derive(Serialize)]
pub struct SourceRow<'a> {
    #[serde(flatten)]
    pub s: &'a Source,
    pub status: String,
    pub status_class: &'static str,
    pub last_fetch: String,
}

pub fn source_row(s: &Source) -> SourceRow<'_> {
    let (status, status_class) = source_status(s);
    SourceRow {
        s,
        status,
        status_class,
        last_fetch: s
            .last_fetch_at
            .map_or_else(|| t("never").to_string(), human),
    }
}
