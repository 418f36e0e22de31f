//! Extracted HTML to plain paragraphs, and the boilerplate that readability scoring lets
//! through (share prompts, "read more", photo credits, copyright lines) taken out again.

use linkx_core::text::{decode_entities, word_count};

/// Link text above this share of a paragraph marks it as navigation (measured on AEB:
/// 0.5–0.7 score the same).
const LINK_PARAGRAPH_DENSITY: f64 = 0.6;

/// The text paragraphs of an HTML fragment, and the share of all its text inside links.
/// Paragraphs that are mostly link text (lists of other stories, tag clouds) are left out.
pub fn paragraphs(html: &str) -> (Vec<String>, f64) {
    let all = linkx_core::text::html_paragraphs(html);
    let total: usize = all.iter().map(|p| p.text.len()).sum();
    let linked: f64 = all.iter().map(|p| p.link_share * p.text.len() as f64).sum();
    let density = if total == 0 {
        0.0
    } else {
        linked / total as f64
    };
    let kept = all
        .into_iter()
        .filter(|p| p.link_share <= LINK_PARAGRAPH_DENSITY)
        .map(|p| p.text)
        .collect();
    (kept, density)
}

/// Plain text (JSON-LD `articleBody`) split into paragraphs at line breaks.
pub fn plain_paragraphs(text: &str) -> Vec<String> {
    let decoded = decode_entities(text);
    decoded
        .split('\n')
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

/// Short lines that are page furniture rather than the article.
const FURNITURE: &[&str] = &[
    "advertisement",
    "advertisement:",
    "ad",
    "share",
    "share this",
    "share this article",
    "share on facebook",
    "share on twitter",
    "tweet",
    "email",
    "print",
    "read more",
    "read more:",
    "related",
    "related:",
    "related articles",
    "related stories",
    "more on this story",
    "most read",
    "recommended",
    "comments",
    "subscribe",
    "sign up",
    "follow us",
    "skip advertisement",
    "continue reading",
    "continue reading below",
    "story continues below",
    "story continues below advertisement",
    "article continues below",
    "scroll to continue with content",
    "advert",
    "order reprints",
    "print article",
    "text size",
    "sharing is caring",
    "don't miss",
    "more:",
    "this slideshow requires javascript",
    "post comment",
    "you may also like",
    "most read stories",
    "tell us what you think",
    "like this story? share it with a friend",
    "media playback is unsupported on your device",
    "highlights",
    "loading content",
    "recent articles",
    "popular this week",
    "trending",
    "about the author",
    "iklan",
    "see more photos",
    "see more photos:",
    "share tweet submit",
    "related news",
];

/// Drops furniture lines, image-gallery counters, time stamps, newsletter prompts and copyright/credit lines.
pub fn drop_boilerplate(paragraphs: Vec<String>, byline: Option<&str>) -> Vec<String> {
    let byline = byline.map(str::to_lowercase);
    let mut seen = std::collections::HashSet::new();
    let n = paragraphs.len();
    paragraphs
        .into_iter()
        .enumerate()
        // The same caption under every picture of a gallery: once is enough.
        .filter(|(_, p)| word_count(p) < 8 || seen.insert(p.clone()))
        .filter(|(i, p)| *i + 3 < n || !is_sign_off(p))
        .map(|(_, p)| p)
        .filter(|p| !is_boilerplate_line(p, byline.as_deref()))
        .collect()
}

/// Whether a line, wherever it stands, is page furniture rather than the article: escaped
/// editor markup, a caption or credit, the byline, a time stamp, a prompt, a label, a
/// copyright or contact line. `byline` is lowercase.
fn is_boilerplate_line(p: &str, byline: Option<&str>) -> bool {
    // Escaped editor markup that leaked into the text.
    if p.starts_with("&lt;") || p.contains("data-mce-") || is_caption(p) {
        return true;
    }
    let lower = p.to_lowercase();
    let words = word_count(p);
    if byline.is_some_and(|b| {
        words <= 12 && (lower == b || lower.strip_prefix("by ").is_some_and(|r| r.starts_with(b)))
    }) {
        return true;
    }
    let unpunctuated = lower.trim_start_matches(|c: char| !c.is_alphanumeric());
    // "Today 12:01 AM".
    if words <= 4
        && (lower.starts_with("today ") || lower.starts_with("yesterday "))
        && lower.contains(':')
    {
        return true;
    }
    // The comment section's rules: "Note: we are temporarily moderating all comments…"
    // (not a report on moderation: the note speaks to the reader).
    if words <= 40
        && (lower.starts_with("note:") || lower.starts_with("comments"))
        && lower.contains("comments")
        && lower.contains("moderat")
    {
        return true;
    }
    if (words <= 16 && is_timestamp_line(unpunctuated))
        || (words <= 12 && is_date_line(&lower))
        || is_east_asian_date_line(p)
    {
        return true;
    }
    // "By HNN Staff | November 18, 2019 at 2:26 PM", "By Matthew Digby on Monday,
    // November 18th, 2019 at 11:08 a.m.": a byline with its time stamp (not "By 2030,
    // …": a name follows).
    let names_follow = p
        .split_whitespace()
        .nth(1)
        .is_some_and(|w| w.starts_with(char::is_uppercase));
    let has_year = lower.split(|c: char| !c.is_ascii_digit()).any(is_year);
    // …and a time of day, so "By March 2020, the virus had spread …" stays.
    let has_time = lower
        .as_bytes()
        .windows(3)
        .any(|w| w[0].is_ascii_digit() && w[1] == b':' && w[2].is_ascii_digit());
    if words <= 20
        && lower.starts_with("by ")
        && ((lower.contains('|') && lower.chars().any(|c| c.is_ascii_digit()))
            || (names_follow && has_year && has_time))
    {
        return true;
    }
    // Breadcrumbs: "Mensagens » Mensagens de Autoestima » …", "HomeLatest News…".
    let glued_home = p
        .strip_prefix("Home")
        .is_some_and(|rest| rest.starts_with(char::is_uppercase));
    if words <= 20 && (p.matches(" » ").count() >= 2 || glued_home) {
        return true;
    }
    // A wire byline: "Tom Krisher, AP Auto Writer", "Meg Kinnard and Errin Haines,
    // Associated Press".
    if words <= 10
        && ((lower.contains(", ap ") && lower.ends_with("writer"))
            || lower.ends_with(", associated press"))
    {
        return true;
    }
    // Disclosures: "This post may contain affiliate links", "… may earn an Affiliate
    // Commission …" (they speak of this page: "may", "we").
    if words <= 40
        && lower.contains("affiliate")
        && (lower.contains("commission") || lower.contains("links"))
        && (lower.contains(" may ") || lower.contains("we "))
    {
        return true;
    }
    if words <= 25
        && lower.starts_with("follow ")
        && ["twitter", "facebook", "instagram"]
            .iter()
            .any(|s| lower.contains(s))
    {
        return true;
    }
    // An author's note: "… is out now. Follow him on Twitter @michaeldwall."
    if words <= 60
        && ["follow him on", "follow her on", "follow them on"]
            .iter()
            .any(|s| lower.contains(s))
    {
        return true;
    }
    // Contact lines: "paul.takahashi@chron.com", "twitter.com/paultakahashi", "Write to
    // Al Root at allen.root@dowjones.com".
    let email = lower.contains('@') && lower.contains('.');
    if (words == 1 && (email || lower.starts_with("twitter.com/")))
        || (words <= 12 && lower.starts_with("write to ") && lower.contains('@'))
    {
        return true;
    }
    // Section labels: "Filed under: …", "More from UK", "Top stories in Nation",
    // reading times.
    if (words <= 8 && lower.starts_with("filed under"))
        || (words <= 4 && lower.starts_with("more from "))
        || (words <= 10 && lower.starts_with("related coverage"))
        || (words <= 5 && lower.starts_with("top stories in "))
        || (words <= 8
            && (lower.starts_with("reading time") || lower.starts_with("tempo de leitura")))
        || (words <= 25 && lower.starts_with("follow ") && lower.contains("coverage"))
    {
        return true;
    }
    // CMS shortcodes left in the text: "[button link=… type=…]".
    if lower.starts_with('[') && lower.contains('=') && lower.contains(']') {
        return true;
    }
    if words <= 6 && is_gallery_line(&lower) {
        return true;
    }
    if words <= 30 && is_newsletter_prompt(&lower) {
        return true;
    }
    let trimmed = lower.trim_matches(|c: char| !c.is_alphanumeric() && c != ':');
    if FURNITURE.contains(&trimmed) {
        return true;
    }
    let credit = words <= 8
        && (lower.starts_with("image:")
            || lower.starts_with("photo:")
            || lower.starts_with("photograph:")
            || lower.starts_with("©")
            || lower.starts_with("(c)")
            || lower.ends_with("getty images")
            || lower.ends_with("/ reuters")
            || lower.ends_with("/ ap"));
    let copyright = words <= 40
        && (lower.contains("all rights reserved")
            || lower.starts_with("copyright ©")
            || (words <= 12
                && ["copyright ⓒ", "copyright @", "copyright (c)"]
                    .iter()
                    .any(|c| lower.starts_with(c)))
            || lower.contains("subject to copyright")
            || (lower.contains('©') && lower.contains("this site")));
    // The publisher's address: "… Washington DC 20006 | 202-628-8500 tel | … fax".
    let address =
        words <= 30 && lower.contains('|') && lower.contains(" tel") && lower.contains(" fax");
    // A post's filing line: "05/10/2018 - Publicado por: … - Categoria: … - Tags: …".
    let filing = words <= 30
        && lower.contains("tags:")
        && ["categor", "posted by", "publicado por", "filed"]
            .iter()
            .any(|w| lower.contains(w));
    credit || copyright || address || filing
}

/// Cuts lists of other stories: what follows a "More … Stories" heading in the text's second
/// half; a closing run of at least three teasers, each an all-caps kicker line ("LIFE AFTER
/// FEDERER") followed by one paragraph (comment counts between them are skipped); and such a
/// run inside the text when its teasers are headlines. Section headings of the article itself
/// are followed by several paragraphs, or by sentences.
pub fn drop_story_lists(mut paragraphs: Vec<String>) -> Vec<String> {
    // Capitals only (scripts without case, such as Japanese, have no kickers).
    let is_kicker = |p: &str| {
        word_count(p) <= 12
            && p.chars().any(char::is_uppercase)
            && !p.chars().any(char::is_lowercase)
    };
    // "More Great WIRED Stories", "More stories from …": what follows, in the text's second
    // half, is a list of them.
    let list_heading = |p: &String| {
        let lower = p.to_lowercase();
        word_count(p) <= 6
            && lower.starts_with("more ")
            && (lower.ends_with(" stories") || lower.contains(" stories from "))
    };
    let half = paragraphs.len() / 2;
    if let Some(at) = paragraphs.iter().skip(half).position(list_heading) {
        paragraphs.truncate(half + at);
    }
    let is_count = |p: &str| p.chars().all(|c| c.is_ascii_digit() || c.is_whitespace());
    let mut cut = paragraphs.len();
    let mut teasers = 0;
    let mut i = paragraphs.len();
    // Walking back from the end: (kicker, paragraph) pairs, counts anywhere.
    loop {
        while i > 0 && is_count(&paragraphs[i - 1]) {
            i -= 1;
        }
        if i < 2 || is_kicker(&paragraphs[i - 1]) || !is_kicker(&paragraphs[i - 2]) {
            break;
        }
        i -= 2;
        teasers += 1;
        cut = i;
    }
    if teasers >= 3 {
        paragraphs.truncate(cut);
    }
    // Inside the text, a run of teasers is told by their headline shape: a kicker, then a
    // line without a sentence's closing punctuation ("RANDY ANDY" / "Andrew parties in
    // unearthed pics …"); counts and one-word labels ("Warning") may stand between them.
    let is_headline = |p: &str| {
        word_count(p) <= 25 && !is_kicker(p) && !p.ends_with(['.', '!', '?', ':', '"', '”', '…'])
    };
    let is_filler = |p: &str| is_count(p) || word_count(p) == 1 && !is_kicker(p);
    let mut start = 0;
    while start < paragraphs.len() {
        let mut end = start;
        let mut pairs = 0;
        loop {
            let mut next = end;
            while next < paragraphs.len() && pairs > 0 && is_filler(&paragraphs[next]) {
                next += 1;
            }
            match paragraphs.get(next..next + 2) {
                Some([kicker, teaser]) if is_kicker(kicker) && is_headline(teaser) => {
                    pairs += 1;
                    end = next + 2;
                }
                _ => break,
            }
        }
        if pairs >= 3 {
            paragraphs.drain(start..end);
        } else {
            start += 1;
        }
    }
    paragraphs
}

/// The last lines of many articles: the author's bio, a reporting credit, a promotion.
fn is_sign_off(p: &str) -> bool {
    let lower = p.to_lowercase();
    let words = word_count(p);
    words <= 60
        && (lower.starts_with("if you enjoyed this")
            || lower.starts_with("reporting by")
            || lower.ends_with("contributed to this report.")
            || lower.contains("contributed reporting")
            || lower.starts_with("additional reporting by")
            || lower.starts_with("(reporting by")
            || lower.starts_with("associated press writers")
            || lower.starts_with("citation:")
            || lower.starts_with("join our")
            || lower.starts_with("want the best")
            || lower.starts_with("email ")
            || lower.starts_with("follow us")
            || lower.starts_with("get ") && lower.contains("delivered")
            || lower.contains("check out our")
            || (words <= 45 && is_bio(&lower))
            || is_company_boilerplate(&lower))
}

/// A press release's closing "about us": "Ascom is a global solutions provider …", "Ascom is
/// headquartered in Baar (Switzerland), has subsidiaries in 15 countries and employs …".
fn is_company_boilerplate(lower: &str) -> bool {
    let opening = lower
        .split_whitespace()
        .take(6)
        .collect::<Vec<_>>()
        .join(" ");
    let is_statement = [" is a ", " is an ", " is the ", " is headquartered "]
        .iter()
        .any(|r| format!("{opening} ").contains(r));
    is_statement
        && [
            "headquartered",
            "solutions provider",
            "provider of",
            "employs",
            "global leader",
            "listed on",
        ]
        .iter()
        .any(|w| lower.contains(w))
}

/// "Jane Roe is a senior writer at …", "Zac covers Apple news for …".
fn is_bio(lower: &str) -> bool {
    let roles = [" is a ", " is the ", " covers ", " is an "];
    let jobs = [
        "writer",
        "editor",
        "reporter",
        "correspondent",
        "journalist",
        "columnist",
        "contributor",
        "covers",
    ];
    // The role comes right after the name: within the first six words.
    let opening = lower
        .split_whitespace()
        .take(6)
        .collect::<Vec<_>>()
        .join(" ");
    let joined = opening.contains(" joined ")
        && ["reporting", "writing", "covering"]
            .iter()
            .any(|w| lower.contains(w));
    joined
        || roles
            .iter()
            .any(|r| opening.contains(r.trim()) && lower.contains(r))
            && jobs.iter().any(|j| lower.contains(j))
}

/// Photo captions with their credit: "… (Image: GETTY)", "…Credit: The Siberian Times".
fn is_caption(p: &str) -> bool {
    // A caption widget's text with its expand/collapse toggle: "… Tuesday, Nov. 19. less",
    // "… unveil the concept vehicle at ... more" (sentences end with punctuation, not these).
    if p.ends_with(" less") || p.ends_with("... more") || p.ends_with("… more") {
        return true;
    }
    let lower = p.to_lowercase();
    let words = word_count(p);
    // A credit line, or a caption ending in its picture's source rather than a sentence's
    // punctuation: "… outside a co-working space in New York.Reuters", "… colleague Timothy
    // Weeks AP", "The first global geologic map of Titan. (NASA/JPL-Caltech/ASU)".
    if words <= 8
        && (lower.starts_with("credit...")
            || lower.starts_with("courtesy of")
            || lower.starts_with("source:"))
    {
        return true;
    }
    if words <= 12
        && [
            "photo by ",
            "photo illustration by ",
            "photograph by ",
            "illustration by ",
        ]
        .iter()
        .any(|s| lower.starts_with(s))
    {
        return true;
    }
    if words <= 45 && lower.contains('©') && lower.contains("photo") {
        return true;
    }
    // "Image: Jose Mourinho, left, has replaced …"; a photographer's credit "Jason
    // Cipriani/ZDNet".
    if words <= 45 && lower.starts_with("image:") {
        return true;
    }
    let slashed_credit = p.split_once('/').is_some_and(|(who, outlet)| {
        !p.contains([':', ','])
            && !outlet.contains('/')
            && who.starts_with(char::is_uppercase)
            && outlet.starts_with(char::is_uppercase)
            && !who.ends_with(' ')
    });
    if words <= 4 && slashed_credit {
        return true;
    }
    // A picture's source on its own line: "(Walt Disney Co.)", "Detroit News wire services".
    let bracketed = p.starts_with('(')
        && p.ends_with(')')
        && !p[1..].contains(['(', ',', '?', '!'])
        && p[1..].starts_with(char::is_uppercase);
    if words <= 5 && (bracketed || lower.ends_with("wire services")) {
        return true;
    }
    // Captions that describe their picture: "An artist's concept of …", "This illustration
    // shows …", "New Horizons took this image of …".
    let describes_picture = [
        "an artist's ",
        "an artist’s ",
        "artist's concept",
        "artist’s concept",
        "this illustration ",
        "this image ",
        "this photo ",
        "this satellite image",
        "a cross-section through",
    ]
    .iter()
    .any(|s| lower.starts_with(s))
        || lower.contains(" took this image")
        || lower.contains(" took this photo");
    if words <= 45 && describes_picture {
        return true;
    }
    const SOURCES: [&str; 10] = [
        "getty",
        "getty images",
        "reuters",
        "ap",
        "ap file",
        "afp",
        "epa",
        "statista",
        "shutterstock",
        "alamy",
    ];
    let last_word = lower
        .rsplit(|c: char| !c.is_alphanumeric())
        .find(|w| !w.is_empty())
        .unwrap_or("");
    // The source may be in capitals in brackets: "… in Nogales, Ariz. (AP)" (not "… die
    // elektronische Patientenakte (ePA)").
    let capitals_in_brackets = p
        .rsplit_once('(')
        .is_some_and(|(_, inside)| !inside.chars().any(char::is_lowercase));
    let unbracketed = match lower.strip_suffix(')') {
        Some(inner) if capitals_in_brackets => inner,
        _ => &lower,
    };
    let ends_in_source = SOURCES
        .iter()
        .any(|s| unbracketed.ends_with(s) && last_word == s.rsplit(' ').next().unwrap_or(s));
    // A slashed credit names its sources in capitals: "(NASA/JPL-Caltech/ASU)", not "(km/h)".
    let ends_in_credit = p.ends_with(')')
        && p.rsplit_once('(').is_some_and(|(_, inside)| {
            inside.contains('/') && inside.trim_start().starts_with(char::is_uppercase)
        });
    if words <= 45 && (ends_in_source || ends_in_credit) {
        return true;
    }
    let gallery_counter = {
        let digits: String = lower.chars().take_while(char::is_ascii_digit).collect();
        !digits.is_empty() && lower[digits.len()..].starts_with("of")
    };
    if word_count(p) <= 60
        && (gallery_counter
            || lower.starts_with("file photo")
            || lower.starts_with("image caption")
            || lower.starts_with("media caption")
            || lower.starts_with("© ")
            || (lower.starts_with("in this ") && lower.contains("photo")))
    {
        return true;
    }
    word_count(p) <= 45
        && (lower.contains("(image:")
            || lower.contains("credit:")
            || lower.contains("(photo:")
            || lower.contains("photograph:")
            || lower.ends_with("(ap photo)")
            || lower.contains("/ap photo")
            || lower.contains("(afp)") && lower.contains("photo"))
}

fn is_timestamp_line(lower: &str) -> bool {
    let starts = [
        "updated",
        "posted",
        "published",
        "last updated",
        "first published",
        "modified",
    ];
    starts.iter().any(|w| lower.starts_with(w)) && lower.chars().any(|c| c.is_ascii_digit())
}

/// A year of news: four digits starting 19 or 20.
fn is_year(w: &str) -> bool {
    w.len() == 4 && (w.starts_with("19") || w.starts_with("20")) && w.parse::<u32>().is_ok()
}

/// A line that is only a date, perhaps with its time, zone and a two-word source: "Nov. 20,
/// 2019 5:52 AM EST", "19.11.2019, 08:57", "November 20, 2019 / 1:07 AM / CBS News". Not a
/// range of dates ("29 November 2018 | 20 January 2019": an exhibition's dates, part of a text).
fn is_date_line(lower: &str) -> bool {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    // "nov", "sept", "november" (not "mayor").
    let is_month = |w: &str| w.len() >= 3 && MONTHS.iter().any(|m| m.starts_with(w));
    let is_day = |w: &str| w.len() <= 2 && w.parse::<u32>().is_ok_and(|d| (1..=31).contains(&d));
    let is_time = |w: &str| {
        let w = w.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        w.contains(':') && w.chars().all(|c| c.is_ascii_digit() || c == ':')
    };
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == ':'))
        .filter(|w| !w.is_empty())
        .collect();
    const WEEKDAYS: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let is_weekday = |w: &str| w.len() >= 3 && WEEKDAYS.iter().any(|d| d.starts_with(w));
    let words: Vec<&str> = words.into_iter().skip_while(|w| is_weekday(w)).collect();
    let starts_with_date = words.first().is_some_and(|w| is_month(w) || is_day(w));
    let years = words.iter().filter(|w| is_year(w)).count();
    let others = words
        .iter()
        .filter(|w| {
            !(is_month(w)
                || is_year(w)
                || is_day(w)
                || is_time(w)
                || matches!(**w, "am" | "pm" | "at" | "updated"))
        })
        .count();
    // Two dates only as "published … updated …", never a range.
    let dates_allowed = if words.contains(&"updated") { 2 } else { 1 };
    starts_with_date && (1..=dates_allowed).contains(&years) && others <= 2
}

/// A line that is only a date written the Chinese, Japanese or Korean way, perhaps with its
/// time, weekday and a label: "2026年12月4日 6時12分", "2026年12月4日（木）午前6時12分 更新",
/// "发布时间：2026-12-04 06:12", "입력 2026.12.04 06:12".
fn is_east_asian_date_line(p: &str) -> bool {
    const DATE: &str = "年月日時时分秒午前後后曜火水木金土년월일시분초오전후";
    const LABELS: [&str; 10] = [
        "更新",
        "配信",
        "公開",
        "掲載",
        "发布时间",
        "發佈時間",
        "发布",
        "기사입력",
        "입력",
        "수정",
    ];
    let line = p.trim();
    // Every paragraph is asked: the cheap tests first.
    if line.chars().count() > 40 || !line.split(|c: char| !c.is_ascii_digit()).any(is_year) {
        return false;
    }
    let mut rest = line.to_string();
    for label in LABELS {
        rest = rest.replace(label, "");
    }
    // Written that way: a date character or a label (not "19.11.2019, 08:57", which is
    // `is_date_line`'s).
    let east_asian = rest != line || line.chars().any(|c| DATE.contains(c));
    east_asian
        && rest.chars().all(|c| {
            c.is_ascii_digit()
                || c.is_whitespace()
                || ":：/.-()（）,、|".contains(c)
                || DATE.contains(c)
        })
}

fn is_gallery_line(lower: &str) -> bool {
    if matches!(
        lower,
        "caption" | "close" | "tags" | "hide caption" | "toggle caption" | "expand"
    ) {
        return true;
    }
    // "1 of 6", "Image 1 of 8", "Photo 3 / 12".
    if let Some((a, b)) = lower.split_once(" of ")
        && a.parse::<u32>().is_ok()
        && b.parse::<u32>().is_ok()
    {
        return true;
    }
    let mut parts = lower.split_whitespace();
    matches!(parts.next(), Some("image" | "photo" | "picture" | "slide"))
        && lower.contains(" of ")
        && lower.chars().any(|c| c.is_ascii_digit())
}

fn is_newsletter_prompt(lower: &str) -> bool {
    (lower.contains("newsletter") && (lower.contains("sign up") || lower.contains("subscrib")))
        || lower.starts_with("get the latest")
        || lower.starts_with("have a tip?")
        || lower.starts_with("sign up for")
        || lower.contains("successfully subscribed")
        || lower.starts_with("subscribe to ")
        || lower.starts_with("listen to ")
        || lower.starts_with("how to listen to")
        || lower.contains("apnews.com")
        || (lower.contains("homepage")
            && (lower.starts_with("visit ") || lower.starts_with("make ")))
        || lower.contains("news alerts")
        || lower.contains("your inbox")
        || lower.contains("delivered weekday")
        || lower.starts_with("want more stories")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_become_paragraphs() {
        let (p, _) = paragraphs(
            "<div><h1>Title</h1><p>One &amp; <b>two</b></p><script>x()</script><p>Three<br>Four</p></div>",
        );
        assert_eq!(p, ["Title", "One & two", "Three", "Four"]);
    }

    #[test]
    fn gallery_captions_duplicates_and_sign_offs_go() {
        let caption =
            "A shopper looks at extension cords at a hardware store on Tuesday in Grass Valley";
        let text = vec![
            "1of4A shopper looks at extension cords, Tuesday.".to_string(),
            caption.to_string(),
            "The store sold out of generators within hours of the announcement.".to_string(),
            caption.to_string(),
            "Officials said power would return by the weekend in most of the county.".to_string(),
            "Jane Roe is a senior writer at the Courier, covering energy and the environment."
                .to_string(),
        ];
        let kept = drop_boilerplate(text, None);
        assert_eq!(
            kept,
            [
                caption,
                "The store sold out of generators within hours of the announcement.",
                "Officials said power would return by the weekend in most of the county.",
            ]
        );
    }

    #[test]
    fn paragraphs_of_links_are_navigation() {
        let (p, density) = paragraphs(
            "<p>Read <a href=\"/a\">this</a> and the rest of a normal sentence.</p>\
             <p><a href=\"/b\">Other story one</a> | <a href=\"/c\">Other story two</a></p>",
        );
        assert_eq!(p, ["Read this and the rest of a normal sentence."]);
        assert!(density > 0.3 && density < 0.6, "{density}");
    }

    #[test]
    fn lists_of_other_stories_go_but_section_headings_stay() {
        let p = |s: &str| s.to_string();
        let teasers = vec![
            p("The council voted on Monday."),
            p("Construction starts next summer."),
            p("LIFE AFTER FEDERER"),
            p("When the three greatest players ever were born within six years of one another."),
            p("6"),
            p("'A NATIONAL TRAGEDY'"),
            p("Dozens of bushfires are spreading across Australia."),
            p("FAR OUT, MAN"),
            p("If you have ever driven through a rural area, you know."),
        ];
        assert_eq!(drop_story_lists(teasers.clone()), teasers[..2].to_vec());
        // Two teasers are not yet a list; headings followed by several paragraphs are the text's.
        let short = [&teasers[..2], &teasers[5..]].concat();
        assert_eq!(drop_story_lists(short.clone()), short);
        let sections = vec![
            p("Intro."),
            p("WHAT HAPPENED"),
            p("First paragraph."),
            p("Second paragraph."),
            p("WHAT NEXT"),
            p("Third paragraph."),
            p("Fourth paragraph."),
            p("WHY IT MATTERS"),
            p("Fifth paragraph."),
            p("Sixth paragraph."),
        ];
        assert_eq!(drop_story_lists(sections.clone()), sections);
        // A "More … Stories" heading in the second half starts a list of them.
        let mut wired = sections.clone();
        wired.extend([
            p("More Great WIRED Stories"),
            p("The strange life and mysterious death of a virtuoso coder"),
            p("How to opt out of the sites that sell your personal data"),
        ]);
        assert_eq!(drop_story_lists(wired), sections);
        // Inside the text, teasers are headlines (no closing full stop) under kickers.
        let mut sun = vec![
            p("A hunter has caught the plague."),
            p("Health officials said so."),
        ];
        let story_end = vec![p("Plague is treated with antibiotics."), p("6")];
        sun.extend([
            p("RANDY ANDY"),
            p("Andrew parties in unearthed pics despite claiming he avoids PDAs"),
            p("TIME TRAVELLER"),
            p("Conspiracy theorists say they've spotted a climate activist in old pic"),
            p("Warning"),
            p("EYE POPPING"),
            p("Russian Popeye has tricep removed after injecting oil"),
        ]);
        sun.extend(story_end.clone());
        assert_eq!(drop_story_lists(sun.clone())[..2], sun[..2]);
        assert_eq!(drop_story_lists(sun.clone())[2..], story_end[..]);
        // Text without letter case has no kickers.
        let japanese = vec![
            p("以下、その手順。"),
            p("Ctrl＋Alt＋Kで"),
            p("Windows10での操作方法です。"),
        ];
        assert_eq!(drop_story_lists(japanese.clone()), japanese);
    }

    #[test]
    fn caption_widgets_wire_bylines_and_furniture_go() {
        let text = vec![
            "Tom Krisher, AP Auto Writer".to_string(),
            "Two executives unveil a concept vehicle at the Los Angeles Auto Show on Tuesday, Nov. 19, 2019. less".to_string(),
            "Two executives unveil a concept vehicle at the Los Angeles Auto Show on ... more".to_string(),
            "The carmaker said the vehicle would not be sold before 2025, if at all.".to_string(),
            "Advert".to_string(),
            "| UPDATED: 11:05, Tue, Nov 19, 2019".to_string(),
            "Analysts said the design hinted at the next sedan, which stays on sale for less."
                .to_string(),
            "Meg Kinnard and Errin Haines, Associated Press".to_string(),
            "The WeWork logo is displayed outside of a co-working space in New York.Reuters"
                .to_string(),
            "The first global geologic map of Titan. (NASA/JPL-Caltech/ASU)".to_string(),
            "Credit...Doug Mills/The New York Times".to_string(),
            "This post may contain affiliate links. Please see my disclosure page.".to_string(),
            "Follow Newsbeat on Instagram, Facebook, Twitter and YouTube.".to_string(),
            "You may also like".to_string(),
            "Speeds are quoted in kilometres per hour (km/h), as the agency reported them to AP."
                .to_string(),
            "Additional reporting by Joseph Hudak".to_string(),
            "Jessica Napoli contributed to this report.".to_string(),
        ];
        assert_eq!(
            drop_boilerplate(text, None),
            [
                "The carmaker said the vehicle would not be sold before 2025, if at all.",
                "Analysts said the design hinted at the next sedan, which stays on sale for less.",
                "Speeds are quoted in kilometres per hour (km/h), as the agency reported them to AP.",
            ]
        );
    }

    #[test]
    fn breadcrumbs_dated_bylines_and_bracketed_credits_go() {
        let keep = [
            "(I know, radical statement, right?)",
            "By March 2020, the virus had spread to every state.",
            "The platform said it would moderate comments more strictly from Monday.",
            "The cartel's affiliate links to the port were cut, police said.",
            "She sent the form by fax after a telephone call to the office.",
            "The top speed is 250 kilometres an hour (km/h)",
            "Аккаунт: @darkzip",
            "___",
            "By 2030, the city expects 40,000 more residents than it has homes for today.",
            "Das Thema wird seit Jahren diskutiert: die elektronische Patientenakte (ePA)",
        ];
        let mut text: Vec<String> = [
            "HomeLatest NewsNollywood Actress Is Looking Stunning In New Photos",
            "Mensagens » Mensagens de Autoestima » Só quem se Ama",
            "By Matthew Digby , Minh Do on Monday, November 18th, 2019 at 11:08 a.m.",
            "The border check point near the Port of Entry in Nogales, Ariz. (AP)",
            "Jewels after Jewels, installation views, photos © Inexhibit, 2018",
            "SOURCE: News agencies",
            "An artist's concept of a moon lander and lunar rover on the moon's surface.",
            "This illustration shows a concept moon lander by a satellite maker.",
            "New Horizons took this image of the icy moon Europa rising above Jupiter's clouds.",
            "Media playback is unsupported on your device",
            "Media captionWho is Julian Assange?",
            "paul.takahashi@chron.com",
            "Write to Al Root at allen.root@dowjones.com",
            "Filed under: Politics |",
            "Follow AP's full coverage of Brexit at https://www.apnews.com/Brexit",
            "1 of 6",
            "Subscribe to WIRED and stay smart with more of your favorite writers.",
            "Listen to Newsbeat live at 12:45 and 17:45 weekdays - or listen back here.",
            "More AP NBA: https://apnews.com/NBA and https://twitter.com/AP_Sports",
            "See more photos:",
            "Today 12:01 AM",
            "Note: we are temporarily moderating all comments submitted to deal with spam.",
            "Photo illustration by Slate. Photo by David Dyer-Bennet.",
            "(Walt Disney Co.)",
            "Detroit News wire services",
            "Copyright ⓒ Entermedia.co.kr.",
            "The contents of this site are ©2019 Capitol Hill Publishing Corp.",
            "The Hill 1625 K Street, NW Suite 900 Washington DC 20006 | 202-628-8500 tel | 202-628-8503 fax",
            "05/10/2018 - Publicado por: Clarissa Borba - Categoria: Saúde - Tags: veiculo",
            "Her book about the search for alien life is out now. Follow her on Twitter @author.",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        text.extend(keep.iter().map(|s| s.to_string()));
        assert_eq!(drop_boilerplate(text, None), keep);
    }

    #[test]
    fn a_press_release_loses_its_closing_about_us() {
        let text: Vec<String> = [
            "BAAR, SWITZERLAND",
            "The hospital group chose the company's nurse-call system for its twelve sites.",
            "Acme is a global solutions provider focused on healthcare ICT and mobile workflows.",
            "Acme is headquartered in Baar (Switzerland) and employs around 1,300 people.",
            "Emiliano joined the magazine in March 2017. He has been reporting on solar since 2009.",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(drop_boilerplate(text.clone(), None), text[..2].to_vec());
    }

    #[test]
    fn date_lines_go_but_not_date_ranges() {
        for line in [
            "2026年12月4日 6時12分",
            "2026年12月4日（木）午前6時12分 更新",
            "发布时间：2026-12-04 06:12",
            "입력 2026.12.04 06:12",
            "2026년 12월 4일 오전 6시 12분",
        ] {
            assert!(is_east_asian_date_line(line), "{line}");
        }
        for line in ["2026年の予算案を閣議決定", "12月4日", "更新"] {
            assert!(!is_east_asian_date_line(line), "{line}");
        }
        for line in [
            "November 20, 2019",
            "19.11.2019, 08:57",
            "Nov. 20, 2019 5:52 AM EST",
            "18 NOV 2019",
            "November 18, 2019 | 4:10pm",
            "November 20, 2019 / 1:07 AM / CBS News",
            "Monday, November 18, 2019, 04:05 pm PT (07:05 pm ET)",
            "November 19, 2019 | 4:20am | Updated November 19, 2019 | 9:32pm",
        ] {
            assert!(is_date_line(&line.to_lowercase()), "{line}");
        }
        for line in [
            "29 November 2018 | 20 January 2019",
            "Mayor 2019 budget vote",
            "March 3, 2019 was the day the river rose above the old bridge",
            "The 2019 season",
        ] {
            assert!(!is_date_line(&line.to_lowercase()), "{line}");
            assert!(!is_east_asian_date_line(line), "{line}");
        }
    }

    #[test]
    fn furniture_goes() {
        let kept = drop_boilerplate(
            vec![
                "Advertisement".into(),
                "The council met on Tuesday.".into(),
                "Photo: Getty Images".into(),
                "Copyright © 2026 Example News. All rights reserved.".into(),
                "Image 1 of 8".into(),
                "Updated 5:27 am CST, Wednesday, November 20, 2019".into(),
                "By Jane Roe".into(),
            ],
            Some("Jane Roe"),
        );
        assert_eq!(kept, ["The council met on Tuesday."]);
    }
}
