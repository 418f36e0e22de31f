//! Include/exclude rules: the operator's filters on what the pipeline stores, per source or
//! site-wide, by keyword (whole words, any case) or regular expression, on title, text, author,
//! URL or category. An item is dropped when an exclude rule matches it, or when include rules
//! apply to it and none matches.

use regex::{Regex, RegexBuilder};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleAction {
    Include,
    Exclude,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleField {
    Title,
    Text,
    Author,
    Url,
    Category,
    /// Title, text, author or category.
    Any,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleKind {
    Keyword,
    Regex,
}

macro_rules! names {
    ($ty:ident { $($variant:ident => $name:literal),* $(,)? }) => {
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $name),* }
            }
            pub fn parse(s: &str) -> Option<$ty> {
                match s { $($name => Some($ty::$variant),)* _ => None }
            }
        }
    };
}

names!(RuleAction { Include => "include", Exclude => "exclude" });
names!(RuleField { Title => "title", Text => "text", Author => "author", Url => "url", Category => "category", Any => "any" });
names!(RuleKind { Keyword => "keyword", Regex => "regex" });

/// Longest pattern accepted.
pub const MAX_PATTERN_CHARS: usize = 500;

#[derive(Debug, Clone)]
enum Matcher {
    /// Lower-case words, matched as a whole-word phrase.
    Keyword(String),
    Regex(Regex),
}

/// One rule, compiled.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: i64,
    /// `None`: every source.
    pub source_id: Option<i64>,
    pub action: RuleAction,
    pub field: RuleField,
    matcher: Matcher,
}

/// What a rule looks at.
#[derive(Debug, Clone, Copy)]
pub struct Item<'a> {
    pub source_id: i64,
    pub title: &'a str,
    pub text: &'a str,
    pub author: Option<&'a str>,
    pub url: &'a str,
    pub categories: &'a [String],
}

impl Rule {
    /// A rule from what the operator typed; the error says what is wrong with the pattern.
    pub fn new(
        id: i64,
        source_id: Option<i64>,
        action: RuleAction,
        field: RuleField,
        kind: RuleKind,
        pattern: &str,
    ) -> Result<Rule, String> {
        let pattern = pattern.trim();
        if pattern.is_empty() {
            return Err("Enter a keyword or a regular expression.".into());
        }
        if pattern.chars().count() > MAX_PATTERN_CHARS {
            return Err(format!(
                "Keep the pattern under {MAX_PATTERN_CHARS} characters."
            ));
        }
        let matcher = match kind {
            RuleKind::Keyword => Matcher::Keyword(
                pattern
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_lowercase(),
            ),
            RuleKind::Regex => Matcher::Regex(
                RegexBuilder::new(pattern)
                    .case_insensitive(true)
                    .size_limit(1 << 20)
                    .dfa_size_limit(1 << 20)
                    .build()
                    .map_err(|e| format!("This regular expression does not compile: {e}"))?,
            ),
        };
        Ok(Rule {
            id,
            source_id,
            action,
            field,
            matcher,
        })
    }

    fn hit(&self, text: &str) -> bool {
        match &self.matcher {
            Matcher::Regex(re) => re.is_match(text),
            Matcher::Keyword(words) => contains_phrase(&text.to_lowercase(), words),
        }
    }

    /// Whether the rule's pattern matches the item's field.
    pub fn matches(&self, item: &Item<'_>) -> bool {
        let author = item.author.unwrap_or("");
        match self.field {
            RuleField::Title => self.hit(item.title),
            RuleField::Text => self.hit(item.text),
            RuleField::Author => self.hit(author),
            RuleField::Url => self.hit(item.url),
            RuleField::Category => item.categories.iter().any(|c| self.hit(c)),
            RuleField::Any => {
                self.hit(item.title)
                    || self.hit(item.text)
                    || self.hit(author)
                    || item.categories.iter().any(|c| self.hit(c))
            }
        }
    }

    pub fn applies_to(&self, source_id: i64) -> bool {
        self.source_id.is_none_or(|s| s == source_id)
    }
}

/// `phrase` in `text` with word boundaries on both sides (both lower-case).
fn contains_phrase(text: &str, phrase: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric();
    let mut from = 0;
    while let Some(at) = text[from..].find(phrase) {
        let start = from + at;
        let end = start + phrase.len();
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        if !before.is_some_and(is_word) && !after.is_some_and(is_word) {
            return true;
        }
        from = start + text[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// What fills a topic: a keyword or regular expression on a field (as rules match), or a
/// category of the item or of its source (whole value, any case).
#[derive(Debug, Clone)]
pub enum TopicMatcher {
    Rule(Rule),
    Category(String),
}

impl TopicMatcher {
    /// `kind` is `keyword`, `regex` or `category`.
    pub fn new(kind: &str, field: RuleField, pattern: &str) -> Result<TopicMatcher, String> {
        if kind == "category" {
            let category = pattern.trim().to_lowercase();
            if category.is_empty() {
                return Err("Enter the category.".into());
            }
            return Ok(TopicMatcher::Category(category));
        }
        let kind =
            RuleKind::parse(kind).ok_or("Choose keyword, regular expression or category.")?;
        Rule::new(0, None, RuleAction::Include, field, kind, pattern).map(TopicMatcher::Rule)
    }

    pub fn matches(&self, item: &Item<'_>, source_categories: &[String]) -> bool {
        match self {
            TopicMatcher::Rule(rule) => rule.matches(item),
            TopicMatcher::Category(category) => item
                .categories
                .iter()
                .chain(source_categories)
                .any(|c| c.trim().to_lowercase() == *category),
        }
    }
}

/// The site setting listing extra tracking parameters to strip from item URLs (the built-in
/// list is in `urlnorm`).
pub const STRIP_PARAMS_SETTING: &str = "urls.strip_params";

/// Parameter names from the operator's text (commas or white space between them): lower-cased,
/// each once, at most 200.
pub fn parse_param_list(text: &str) -> Vec<String> {
    let mut params: Vec<String> = Vec::new();
    for p in text.split([',', ' ', '\n', '\t', '\r']) {
        let p = p.trim().to_ascii_lowercase();
        if !p.is_empty() && p.len() <= 100 && !params.contains(&p) && params.len() < 200 {
            params.push(p);
        }
    }
    params
}

/// Every rule of a site.
#[derive(Debug, Clone, Default)]
pub struct RuleSet(pub Vec<Rule>);

impl RuleSet {
    /// Whether the pipeline stores `item`.
    pub fn keeps(&self, item: &Item<'_>) -> bool {
        let applicable = || self.0.iter().filter(|r| r.applies_to(item.source_id));
        if applicable().any(|r| r.action == RuleAction::Exclude && r.matches(item)) {
            return false;
        }
        let mut includes = applicable()
            .filter(|r| r.action == RuleAction::Include)
            .peekable();
        includes.peek().is_none() || includes.any(|r| r.matches(item))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item<'a>(title: &'a str, categories: &'a [String]) -> Item<'a> {
        Item {
            source_id: 1,
            title,
            text: "Body text about the harbour.",
            author: Some("Ann Lee"),
            url: "https://example.org/sport/1?utm_source=x",
            categories,
        }
    }

    fn rule(action: RuleAction, field: RuleField, kind: RuleKind, pattern: &str) -> Rule {
        Rule::new(1, None, action, field, kind, pattern).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn keywords_match_whole_words_in_any_case() {
        let r = rule(
            RuleAction::Exclude,
            RuleField::Title,
            RuleKind::Keyword,
            "Horoscope",
        );
        assert!(r.matches(&item("Your HOROSCOPE today", &[])));
        assert!(!r.matches(&item("Horoscopes ranked", &[])));
        let phrase = rule(
            RuleAction::Exclude,
            RuleField::Any,
            RuleKind::Keyword,
            "the  harbour",
        );
        assert!(phrase.matches(&item("x", &[])));
        let cat = rule(
            RuleAction::Exclude,
            RuleField::Category,
            RuleKind::Keyword,
            "sport",
        );
        assert!(cat.matches(&item("x", &["Sport".into()])));
        assert!(!cat.matches(&item("x", &["Sports".into()])));
    }

    #[test]
    fn regexes_are_case_insensitive_and_bounded() {
        let r = rule(
            RuleAction::Exclude,
            RuleField::Url,
            RuleKind::Regex,
            r"/sport/\d+",
        );
        assert!(r.matches(&item("x", &[])));
        assert!(
            Rule::new(
                1,
                None,
                RuleAction::Exclude,
                RuleField::Url,
                RuleKind::Regex,
                "("
            )
            .is_err()
        );
        assert!(
            Rule::new(
                1,
                None,
                RuleAction::Exclude,
                RuleField::Url,
                RuleKind::Regex,
                "a{1000}{1000}"
            )
            .is_err()
        );
        assert!(
            Rule::new(
                1,
                None,
                RuleAction::Exclude,
                RuleField::Url,
                RuleKind::Keyword,
                " "
            )
            .is_err()
        );
    }

    #[test]
    fn topics_match_by_rule_or_by_item_or_source_category() {
        let by_word = TopicMatcher::new("keyword", RuleField::Any, "harbour")
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(by_word.matches(&item("x", &[]), &[]));
        let by_category = TopicMatcher::new("category", RuleField::Any, " Sport ")
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(by_category.matches(&item("x", &["SPORT".into()]), &[]));
        assert!(by_category.matches(&item("x", &[]), &["sport".into()]));
        assert!(!by_category.matches(&item("x", &["Sports".into()]), &["Politics".into()]));
        assert!(TopicMatcher::new("category", RuleField::Any, " ").is_err());
        assert!(TopicMatcher::new("magic", RuleField::Any, "x").is_err());
    }

    #[test]
    fn excludes_win_and_includes_narrow_only_their_sources() {
        let include = Rule::new(
            1,
            Some(1),
            RuleAction::Include,
            RuleField::Title,
            RuleKind::Keyword,
            "harbour",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let exclude = rule(
            RuleAction::Exclude,
            RuleField::Author,
            RuleKind::Keyword,
            "ann lee",
        );
        let set = RuleSet(vec![include.clone()]);
        assert!(set.keeps(&item("Harbour reopens", &[])));
        assert!(!set.keeps(&item("Bridge reopens", &[])));
        let other = Item {
            source_id: 2,
            ..item("Bridge reopens", &[])
        };
        assert!(
            set.keeps(&other),
            "a source's include rule does not narrow other sources"
        );
        let both = RuleSet(vec![include, exclude]);
        assert!(!both.keeps(&item("Harbour reopens", &[])));
        assert!(RuleSet::default().keeps(&item("anything", &[])));
    }
}
