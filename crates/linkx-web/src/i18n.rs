//! The site's interface in the site's language: message catalogues and their use.
//!
//! A message is looked up by its English text (the msgid), so templates and code read naturally
//! and English needs no catalogue. A catalogue is a TOML file, `locales/{language}.toml`:
//!
//! ```toml
//! language = "de"
//! [messages]
//! "Leave a Reply" = "Schreibe einen Kommentar"
//! "{n} report" = ["{n} Bericht", "{n} Berichte"]   # plural forms, in the language's order
//! ```
//!
//! `{name}` marks a value filled in at the call. Languages shipped: English and German
//! ([`SHIPPED`]); a theme can add or override one with `{theme_dir}/locales/{language}.toml`.
//! One process serves one site, so the catalogue is installed once at start-up ([`install`]),
//! like the time zone; until then (and in tests of the web layer) the interface is English.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::OnceLock;

/// Catalogues built into the binary: (language, TOML source).
pub const SHIPPED: &[(&str, &str)] = &[("de", include_str!("../locales/de.toml"))];

/// How a language picks among the plural forms of a message (CLDR's cardinal rules for the
/// languages we can expect, reduced to the forms a catalogue lists).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PluralRule {
    /// English, German, Dutch, the Nordic languages, Spanish, Italian…: one, other.
    OneOther,
    /// French, Portuguese (Brazil): 0 and 1 are "one".
    ZeroOneOther,
    /// Chinese, Japanese, Korean, Vietnamese, Thai, Indonesian, Turkish: a single form.
    Single,
    /// Russian, Ukrainian, Belarusian, Serbian, Croatian, Bosnian: one, few, many.
    EastSlavic,
    /// Polish: one, few, many.
    Polish,
    /// Czech, Slovak: one, few, other.
    Czech,
}

impl PluralRule {
    pub fn for_language(language: &str) -> PluralRule {
        match primary_subtag(language).as_str() {
            "fr" | "pt" => PluralRule::ZeroOneOther,
            "zh" | "ja" | "ko" | "vi" | "th" | "id" | "ms" | "tr" => PluralRule::Single,
            "ru" | "uk" | "be" | "sr" | "hr" | "bs" => PluralRule::EastSlavic,
            "pl" => PluralRule::Polish,
            "cs" | "sk" => PluralRule::Czech,
            _ => PluralRule::OneOther,
        }
    }

    /// How many forms a plural message of this language has.
    pub fn forms(self) -> usize {
        match self {
            PluralRule::Single => 1,
            PluralRule::OneOther | PluralRule::ZeroOneOther => 2,
            PluralRule::EastSlavic | PluralRule::Polish | PluralRule::Czech => 3,
        }
    }

    /// The index of the form for `n`.
    pub fn form(self, n: i64) -> usize {
        let n = n.unsigned_abs();
        let (n10, n100) = (n % 10, n % 100);
        let few = (2..=4).contains(&n10) && !(12..=14).contains(&n100);
        match self {
            PluralRule::Single => 0,
            PluralRule::OneOther => usize::from(n != 1),
            PluralRule::ZeroOneOther => usize::from(n > 1),
            PluralRule::EastSlavic if n10 == 1 && n100 != 11 => 0,
            PluralRule::Polish if n == 1 => 0,
            PluralRule::EastSlavic | PluralRule::Polish if few => 1,
            PluralRule::EastSlavic | PluralRule::Polish => 2,
            PluralRule::Czech => match n {
                1 => 0,
                2..=4 => 1,
                _ => 2,
            },
        }
    }
}

fn primary_subtag(language: &str) -> String {
    language
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// One language's messages.
#[derive(Debug, Clone)]
pub struct Catalogue {
    language: String,
    rule: PluralRule,
    /// msgid (for plurals: the singular msgid) → the translation's forms.
    messages: HashMap<String, Vec<String>>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    language: String,
    #[serde(default)]
    messages: HashMap<String, Translation>,
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Translation {
    One(String),
    Plural(Vec<String>),
}

impl Catalogue {
    /// The interface as written: every message is its own msgid.
    pub fn english() -> Catalogue {
        Catalogue {
            language: "en".into(),
            rule: PluralRule::OneOther,
            messages: HashMap::new(),
        }
    }

    /// Reads a catalogue file; `origin` names it in errors.
    pub fn parse(source: &str, origin: &str) -> Result<Catalogue, String> {
        let file: CatalogueFile =
            toml::from_str(source).map_err(|e| format!("{origin}: {}", e.message()))?;
        let rule = PluralRule::for_language(&file.language);
        let mut messages = HashMap::with_capacity(file.messages.len());
        for (msgid, translation) in file.messages {
            let forms = match translation {
                Translation::One(text) => vec![text],
                Translation::Plural(forms) if forms.len() == rule.forms() => forms,
                Translation::Plural(forms) => {
                    return Err(format!(
                        "{origin}: {msgid:?} has {} plural forms; {} takes {}",
                        forms.len(),
                        file.language,
                        rule.forms()
                    ));
                }
            };
            messages.insert(msgid, forms);
        }
        Ok(Catalogue {
            language: file.language,
            rule,
            messages,
        })
    }

    /// The catalogue for `language` ("de", "de-AT"): the theme's file for the whole tag or its
    /// primary subtag, layered over the shipped one; `None` for English or when there is none.
    pub fn for_language(
        language: &str,
        theme_dir: Option<&Path>,
    ) -> Result<Option<Catalogue>, String> {
        let primary = primary_subtag(language);
        if primary == "en" {
            return Ok(None);
        }
        let mut catalogue = match SHIPPED.iter().find(|(lang, _)| *lang == primary) {
            Some((lang, source)) => {
                Some(Catalogue::parse(source, &format!("locales/{lang}.toml"))?)
            }
            None => None,
        };
        let themed = theme_dir.into_iter().flat_map(|dir| {
            [language.to_ascii_lowercase(), primary.clone()]
                .map(|name| dir.join("locales").join(format!("{name}.toml")))
        });
        for path in themed {
            if !path.is_file() {
                continue;
            }
            let source = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let theme = Catalogue::parse(&source, &path.display().to_string())?;
            catalogue = Some(match catalogue {
                Some(mut shipped) => {
                    shipped.messages.extend(theme.messages);
                    shipped
                }
                None => theme,
            });
            break;
        }
        Ok(catalogue)
    }

    pub fn language(&self) -> &str {
        &self.language
    }

    /// The msgids this catalogue translates.
    pub fn msgids(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.messages
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// `msgid` in this language (itself when untranslated).
    pub fn text<'a>(&'a self, msgid: &'a str) -> &'a str {
        self.messages
            .get(msgid)
            .and_then(|forms| forms.first())
            .map_or(msgid, String::as_str)
    }

    /// The form for `n` of a message with English forms `one` and `other`.
    pub fn plural<'a>(&'a self, one: &'a str, other: &'a str, n: i64) -> &'a str {
        match self.messages.get(one) {
            Some(forms) => forms
                .get(self.rule.form(n))
                .or(forms.last())
                .map_or(other, String::as_str),
            None if n == 1 => one,
            None => other,
        }
    }

    /// `msgid` translated with its `{name}` placeholders filled in, as plain text.
    pub fn format(&self, msgid: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        fill_args(self.text(msgid), args)
    }

    /// A time for readers: "27 Nov 2026, 19:36 CET" in English, "27. Nov. 2026, 19:36 CET" in
    /// German. The order and month names come from the catalogue.
    pub fn human_time(&self, time: chrono::DateTime<chrono_tz::Tz>) -> String {
        use chrono::Datelike as _;
        let month = MONTHS
            .get(time.month0() as usize)
            .copied()
            .unwrap_or_default();
        self.format(
            "{day} {month} {year}, {time} {zone}",
            &[
                ("day", &time.day()),
                ("month", &self.text(month)),
                ("year", &time.year()),
                ("time", &time.format("%H:%M")),
                ("zone", &time.format("%Z")),
            ],
        )
    }
}

/// Month abbreviations, msgids for [`Catalogue::human_time`].
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Copies `text`, replacing each `{name}` for which `value(name, out)` writes something; other
/// braces stay as they are.
pub(crate) fn fill(text: &str, mut value: impl FnMut(&str, &mut String) -> bool) -> String {
    fill_with(text, |piece, out| out.push_str(piece), &mut value)
}

/// As [`fill`], with the literal pieces of `text` passed through `literal` (to escape them).
pub(crate) fn fill_with(
    text: &str,
    mut literal: impl FnMut(&str, &mut String),
    value: &mut impl FnMut(&str, &mut String) -> bool,
) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|i| open + i) else {
            break;
        };
        let name = &rest[open + 1..close];
        let is_name =
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        literal(&rest[..open], &mut out);
        if !(is_name && value(name, &mut out)) {
            literal(&rest[open..=close], &mut out);
        }
        rest = &rest[close + 1..];
    }
    literal(rest, &mut out);
    out
}

/// Escapes a message's own text for HTML (text and double-quoted attributes); apostrophes stay.
fn escape_text(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

/// The `{name}` placeholders of a message, sorted.
pub fn placeholders(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    fill(text, |name, _| {
        names.push(name.to_string());
        true
    });
    names.sort();
    names.dedup();
    names
}

static SITE_LOCALE: OnceLock<Catalogue> = OnceLock::new();
static ENGLISH: OnceLock<Catalogue> = OnceLock::new();

/// Shows the site's interface in `catalogue`'s language from now on (the first call wins).
pub fn install(catalogue: Catalogue) {
    let _ = SITE_LOCALE.set(catalogue);
}

/// The site's catalogue: the installed one, else English.
pub fn locale() -> &'static Catalogue {
    SITE_LOCALE
        .get()
        .unwrap_or_else(|| ENGLISH.get_or_init(Catalogue::english))
}

/// `msgid` in the site's language.
pub fn t(msgid: &'static str) -> &'static str {
    locale().text(msgid)
}

/// `msgid` in the site's language with its placeholders filled in.
pub fn tf(msgid: &'static str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    locale().format(msgid, args)
}

/// The form for `n` of a message in the site's language, `{n}` and the placeholders filled in.
pub fn tn(
    one: &'static str,
    other: &'static str,
    n: i64,
    args: &[(&str, &dyn std::fmt::Display)],
) -> String {
    let mut all: Vec<(&str, &dyn std::fmt::Display)> = vec![("n", &n)];
    all.extend_from_slice(args);
    fill_args(locale().plural(one, other, n), &all)
}

/// `text` with each `{name}` that `args` names filled in.
fn fill_args(text: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    fill(text, |name, out| {
        match args.iter().find(|(k, _)| *k == name) {
            Some((_, value)) => {
                let _ = write!(out, "{value}");
                true
            }
            None => false,
        }
    })
}

/// Template functions: `_("Leave a Reply")`, `_("Reply to {name}", name=c.author_name)`,
/// `_n("{n} report", "{n} reports", count)` (which fills `{n}` itself). The message text and
/// plain values are HTML-escaped; values marked safe (already HTML) are inserted as they are.
pub fn register(env: &mut minijinja::Environment<'static>) {
    use minijinja::value::{Kwargs, Value};
    fn render(text: &str, n: Option<i64>, kwargs: &Kwargs) -> Result<Value, minijinja::Error> {
        let mut failed = None;
        let html = fill_with(text, escape_text, &mut |name, out| {
            if name == "n"
                && let Some(n) = n
            {
                let _ = write!(out, "{n}");
                return true;
            }
            match kwargs.get::<Option<Value>>(name) {
                Ok(Some(value)) if value.is_safe() => {
                    let _ = write!(out, "{value}");
                    true
                }
                Ok(Some(value)) => {
                    let _ = write!(out, "{}", minijinja::HtmlEscape(&value.to_string()));
                    true
                }
                Ok(None) => false,
                Err(e) => {
                    failed = Some(e);
                    false
                }
            }
        });
        match failed {
            Some(e) => Err(e),
            None => {
                kwargs.assert_all_used()?;
                Ok(Value::from_safe_string(html))
            }
        }
    }
    env.add_function("_", |msgid: String, kwargs: Kwargs| {
        render(locale().text(&msgid), None, &kwargs)
    });
    env.add_function(
        "_n",
        |one: String, other: String, n: i64, kwargs: Kwargs| {
            render(locale().plural(&one, &other, n), Some(n), &kwargs)
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn german() -> Catalogue {
        Catalogue::for_language("de-AT", None).unwrap().unwrap()
    }

    #[test]
    fn plural_rules_pick_the_right_form() {
        let pick =
            |rule: PluralRule, ns: &[i64]| ns.iter().map(|n| rule.form(*n)).collect::<Vec<_>>();
        assert_eq!(pick(PluralRule::OneOther, &[0, 1, 2, 21]), [1, 0, 1, 1]);
        assert_eq!(pick(PluralRule::ZeroOneOther, &[0, 1, 2]), [0, 0, 1]);
        assert_eq!(
            pick(PluralRule::EastSlavic, &[1, 2, 5, 11, 12, 21, 22, 25, 111]),
            [0, 1, 2, 2, 2, 0, 1, 2, 2]
        );
        assert_eq!(
            pick(PluralRule::Polish, &[1, 2, 5, 21, 22]),
            [0, 1, 2, 2, 1]
        );
        assert_eq!(pick(PluralRule::Czech, &[1, 3, 5]), [0, 1, 2]);
        assert_eq!(PluralRule::for_language("pt-BR"), PluralRule::ZeroOneOther);
    }

    #[test]
    fn the_shipped_german_catalogue_translates_plurals_dates_and_placeholders() {
        let de = german();
        assert_eq!(de.language(), "de");
        assert_eq!(de.text("Leave a Reply"), "Schreibe einen Kommentar");
        assert_eq!(de.plural("{n} source", "{n} sources", 1), "{n} Quelle");
        assert_eq!(de.plural("{n} source", "{n} sources", 3), "{n} Quellen");
        // Untranslated plurals fall back to English by English rules.
        assert_eq!(de.plural("{n} egg", "{n} eggs", 0), "{n} eggs");
        assert_eq!(
            de.format("Reply to {name}", &[("name", &"Ana")]),
            "Antwort an Ana"
        );
        let t = chrono::DateTime::from_timestamp(1_795_800_000, 0)
            .unwrap()
            .with_timezone(&chrono_tz::Europe::Berlin);
        assert_eq!(de.human_time(t), "27. Nov. 2026, 18:20 CET");
        assert_eq!(Catalogue::english().human_time(t), "27 Nov 2026, 18:20 CET");
        // Untranslated text stays English rather than disappearing.
        assert_eq!(de.text("No such message"), "No such message");
    }

    #[test]
    fn placeholders_fill_values_and_leave_other_braces() {
        let en = Catalogue::english();
        assert_eq!(
            en.format(
                "{a} and {b} but not {c} or { x } or {",
                &[("a", &1), ("b", &"two")]
            ),
            "1 and two but not {c} or { x } or {"
        );
        assert_eq!(placeholders("{n} of {who}, {n}"), ["n", "who"]);
    }

    #[test]
    fn template_messages_escape_text_and_plain_values_but_not_safe_ones() {
        let mut env = minijinja::Environment::new();
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        register(&mut env);
        let render = |source: &str| env.render_str(source, minijinja::context! {}).unwrap();
        assert_eq!(
            render(r#"{{ _("Tom & Jerry's <b>{x}</b>", x="<script>") }}"#),
            "Tom &amp; Jerry's &lt;b&gt;&lt;script&gt;&lt;/b&gt;"
        );
        assert_eq!(
            render(r#"{{ _("See {link}.", link="<a href='/'>home</a>"|safe) }}"#),
            "See <a href='/'>home</a>."
        );
        assert_eq!(
            render(
                r#"{{ _n("{n} story", "{n} stories", 2) }} {{ _n("{n} story", "{n} stories", 1) }}"#
            ),
            "2 stories 1 story"
        );
        // A misspelt value name is a template error, not a silent gap.
        assert!(
            env.render_str(r#"{{ _("Hi {name}", nmae="x") }}"#, minijinja::context! {})
                .is_err()
        );
    }

    #[test]
    fn a_catalogue_with_the_wrong_number_of_plural_forms_is_refused() {
        let bad = "language = \"ru\"\n[messages]\n\"{n} report\" = [\"a\", \"b\"]\n";
        let err = Catalogue::parse(bad, "ru.toml").unwrap_err();
        assert!(err.contains("2 plural forms; ru takes 3"), "{err}");
        assert!(Catalogue::parse("language = 1", "x.toml").is_err());
    }

    #[test]
    fn a_theme_catalogue_overrides_the_shipped_one() {
        let dir = tempfile::tempdir().unwrap();
        let locales = dir.path().join("locales");
        std::fs::create_dir_all(&locales).unwrap();
        std::fs::write(
            locales.join("de.toml"),
            "language = \"de\"\n[messages]\n\"Leave a Reply\" = \"Ihre Meinung\"\n",
        )
        .unwrap();
        let de = Catalogue::for_language("de", Some(dir.path()))
            .unwrap()
            .unwrap();
        assert_eq!(de.text("Leave a Reply"), "Ihre Meinung");
        assert_eq!(de.text("Reply"), "Antworten");
        assert!(matches!(Catalogue::for_language("en-GB", None), Ok(None)));
        assert!(matches!(Catalogue::for_language("xx", None), Ok(None)));
    }

    /// Every message the public site shows, by scanning its templates and code: (English forms,
    /// whether it is a plural). The operator's desk (`admin*`) is English only.
    fn used_messages() -> Vec<(Vec<String>, bool)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let string = r#""((?:[^"\\]|\\.)*)""#;
        let patterns = [
            (format!(r"\b(?:_n|tn)\(\s*{string}\s*,\s*{string}"), true),
            (format!(r"\b(?:_|t|tf)\(\s*{string}"), false),
            (format!(r"Forbidden\(\s*{string}"), false),
            (format!(r"field_error\(\s*Field::\w+,\s*{string}"), false),
        ]
        .map(|(p, plural)| (regex::Regex::new(&p).unwrap(), plural));
        let mut files: Vec<_> = std::fs::read_dir(root.join("templates"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                !p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("admin")
            })
            .collect();
        for code in [
            "view.rs",
            "pages.rs",
            "error.rs",
            "search.rs",
            "feeds.rs",
            "comments/mod.rs",
        ] {
            files.push(root.join("src").join(code));
        }
        files.push(root.join("../linkx-core/src/comment.rs"));
        let mut used = vec![(
            vec!["{day} {month} {year}, {time} {zone}".to_string()],
            false,
        )];
        used.extend(MONTHS.iter().map(|m| (vec![m.to_string()], false)));
        for file in files {
            let source = std::fs::read_to_string(&file).unwrap();
            for (pattern, plural) in &patterns {
                for m in pattern.captures_iter(&source) {
                    let forms = m
                        .iter()
                        .skip(1)
                        .flatten()
                        .map(|s| s.as_str().replace("\\\"", "\""))
                        .collect();
                    used.push((forms, *plural));
                }
            }
        }
        assert!(
            used.len() > 100,
            "the scan found too little: {}",
            used.len()
        );
        used
    }

    #[test]
    fn every_shipped_catalogue_translates_every_public_message_and_nothing_else() {
        let used = used_messages();
        for (language, _) in SHIPPED {
            let catalogue = Catalogue::for_language(language, None).unwrap().unwrap();
            let mut missing = Vec::new();
            for (forms, plural) in &used {
                let Some(translation) = catalogue.messages.get(&forms[0]) else {
                    missing.push(forms[0].clone());
                    continue;
                };
                let expected = if *plural { catalogue.rule.forms() } else { 1 };
                assert_eq!(translation.len(), expected, "{language}: {:?}", forms[0]);
                // The same values are shown: `{n}` may be spelled out ("One response").
                let wanted: Vec<String> = forms
                    .iter()
                    .flat_map(|f| placeholders(f))
                    .filter(|p| p != "n")
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                for form in translation {
                    let got: Vec<String> = placeholders(form)
                        .into_iter()
                        .filter(|p| p != "n")
                        .collect();
                    assert_eq!(got, wanted, "{language}: {form:?} for {:?}", forms[0]);
                }
            }
            assert!(missing.is_empty(), "{language} lacks {missing:#?}");
            let stale: Vec<&str> = catalogue
                .messages
                .keys()
                .filter(|k| !used.iter().any(|(forms, _)| &forms[0] == *k))
                .map(String::as_str)
                .collect();
            assert!(
                stale.is_empty(),
                "{language} translates unused messages: {stale:#?}"
            );
        }
    }
}
