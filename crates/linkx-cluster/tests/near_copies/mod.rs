//! Near-copies of real articles: the 181 texts of the extraction corpus
//! (`../shared/corpora/extraction/aeb/ground-truth.json`), each republished five ways (with
//! boilerplate added, paragraphs reordered, paragraphs dropped, words replaced by synonyms,
//! cut to a teaser) and mixed with the untouched originals. Scored as "is a copy of" pairs:
//! precision over every `duplicate_of` the engine sets, recall over every copy; and whether
//! the original is named as each copy's original. Ratcheted like the clustering scores.

use linkx_cluster::{Clusterer, Item};
use std::collections::HashMap;
use std::path::PathBuf;

/// Committed baselines: the test fails below them. Targets: precision 0.99, recall 0.95.
const BASELINE_PRECISION: f64 = 0.997;
const BASELINE_RECALL: f64 = 0.965;
const BASELINE_ORIGINAL: f64 = 0.955;

/// A small deterministic generator (xorshift), so the test set is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        (self.next() % 10_000) as f64 / 10_000.0 < p
    }
}

/// Common words of news text and a synonym a spinner would put in their place.
const SYNONYMS: [(&str, &str); 123] = [
    ("said", "stated"),
    ("says", "states"),
    ("told", "informed"),
    ("new", "fresh"),
    ("big", "large"),
    ("large", "big"),
    ("small", "little"),
    ("many", "numerous"),
    ("people", "individuals"),
    ("company", "firm"),
    ("companies", "firms"),
    ("city", "town"),
    ("government", "administration"),
    ("officials", "authorities"),
    ("official", "representative"),
    ("year", "twelvemonth"),
    ("years", "twelvemonths"),
    ("week", "seven days"),
    ("month", "four weeks"),
    ("country", "nation"),
    ("world", "globe"),
    ("make", "create"),
    ("made", "created"),
    ("help", "assist"),
    ("helped", "assisted"),
    ("use", "utilise"),
    ("used", "utilised"),
    ("using", "utilising"),
    ("show", "demonstrate"),
    ("showed", "demonstrated"),
    ("shows", "demonstrates"),
    ("start", "begin"),
    ("started", "began"),
    ("begin", "commence"),
    ("end", "finish"),
    ("ended", "finished"),
    ("buy", "purchase"),
    ("bought", "purchased"),
    ("get", "obtain"),
    ("got", "obtained"),
    ("need", "require"),
    ("needs", "requires"),
    ("needed", "required"),
    ("important", "significant"),
    ("major", "key"),
    ("key", "crucial"),
    ("high", "elevated"),
    ("low", "reduced"),
    ("fast", "rapid"),
    ("quickly", "rapidly"),
    ("slowly", "gradually"),
    ("also", "additionally"),
    ("however", "nevertheless"),
    ("but", "yet"),
    ("because", "since"),
    ("about", "regarding"),
    ("around", "roughly"),
    ("almost", "nearly"),
    ("very", "extremely"),
    ("really", "truly"),
    ("often", "frequently"),
    ("children", "kids"),
    ("child", "kid"),
    ("job", "position"),
    ("jobs", "positions"),
    ("work", "labour"),
    ("worked", "laboured"),
    ("money", "funds"),
    ("price", "cost"),
    ("prices", "costs"),
    ("rise", "increase"),
    ("rose", "increased"),
    ("fall", "decline"),
    ("fell", "declined"),
    ("problem", "issue"),
    ("problems", "issues"),
    ("change", "alteration"),
    ("changes", "alterations"),
    ("plan", "scheme"),
    ("plans", "schemes"),
    ("report", "account"),
    ("reported", "announced"),
    ("find", "discover"),
    ("found", "discovered"),
    ("think", "believe"),
    ("thought", "believed"),
    ("want", "wish"),
    ("wanted", "wished"),
    ("try", "attempt"),
    ("tried", "attempted"),
    ("give", "provide"),
    ("gave", "provided"),
    ("keep", "retain"),
    ("kept", "retained"),
    ("leave", "depart"),
    ("left", "departed"),
    ("come", "arrive"),
    ("came", "arrived"),
    ("went", "proceeded"),
    ("look", "glance"),
    ("looked", "glanced"),
    ("ask", "enquire"),
    ("asked", "enquired"),
    ("answer", "reply"),
    ("answered", "replied"),
    ("house", "home"),
    ("home", "residence"),
    ("car", "vehicle"),
    ("cars", "vehicles"),
    ("road", "street"),
    ("game", "match"),
    ("games", "matches"),
    ("team", "squad"),
    ("player", "athlete"),
    ("players", "athletes"),
    ("win", "victory"),
    ("won", "triumphed"),
    ("lost", "was defeated"),
    ("market", "marketplace"),
    ("business", "enterprise"),
    ("school", "academy"),
    ("students", "pupils"),
    ("doctor", "physician"),
];

const BOILERPLATE_TOP: &str =
    "Share this article on Facebook Twitter WhatsApp Email. Advertisement.";
const BOILERPLATE_BOTTOM: &str = "Subscribe to our daily newsletter for the latest headlines in your inbox. \
    Related: Ten things you missed this week. Read more: The best deals of the day. \
    © 2026 Example Media Group. All rights reserved. Comments are closed.";

fn paragraphs(text: &str) -> Vec<&str> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

/// A stand-in synonym for a word the table lacks: the engine has no thesaurus, so to it a
/// synonym is simply another word; this one is made by shifting the vowels.
fn other_word(word: &str) -> String {
    word.chars()
        .map(|c| match c {
            'a' => 'e',
            'e' => 'i',
            'i' => 'o',
            'o' => 'u',
            'u' => 'a',
            c => c,
        })
        .collect()
}

/// Replaces about `share` of all words by synonyms (from the table, else a stand-in) among
/// lower-case words of four letters or more and the table's words; returns the text and the
/// share actually replaced.
fn spin(text: &str, share: f64, rng: &mut Rng) -> (String, f64) {
    let table: HashMap<&str, &str> = SYNONYMS.into_iter().collect();
    let words: Vec<&str> = text.split(' ').collect();
    let synonym = |w: &str| -> Option<String> {
        let core = w.trim_matches(|c: char| !c.is_alphanumeric());
        if let Some(s) = table.get(core.to_lowercase().as_str()) {
            return Some(w.replacen(core, s, 1));
        }
        (core.chars().count() >= 4 && core.chars().all(|c| c.is_lowercase()))
            .then(|| w.replacen(core, &other_word(core), 1))
    };
    let eligible = words.iter().filter(|w| synonym(w).is_some()).count().max(1);
    let p = (share * words.len() as f64 / eligible as f64).min(1.0);
    let mut replaced = 0;
    let out: Vec<String> = words
        .iter()
        .map(|w| match synonym(w) {
            Some(s) if rng.chance(p) => {
                replaced += 1;
                s
            }
            _ => (*w).to_string(),
        })
        .collect();
    (out.join(" "), replaced as f64 / words.len().max(1) as f64)
}

fn variants(text: &str, rng: &mut Rng) -> Vec<(&'static str, String, f64)> {
    let paras = paragraphs(text);
    let mut reordered = paras.clone();
    for i in (1..reordered.len()).rev() {
        let j = rng.below(i + 1);
        reordered.swap(i, j);
    }
    let keep = ((paras.len() as f64) * 0.7).ceil() as usize;
    let mut dropped: Vec<&str> = paras.clone();
    while dropped.len() > keep.max(1) {
        let i = rng.below(dropped.len());
        dropped.remove(i);
    }
    let share = 0.10 + rng.below(21) as f64 / 100.0;
    let (spun, achieved) = spin(text, share, rng);
    let teaser: String = text
        .split_whitespace()
        .take(60)
        .collect::<Vec<_>>()
        .join(" ")
        + " …";
    vec![
        (
            "boilerplate",
            format!("{BOILERPLATE_TOP}\n\n{text}\n\n{BOILERPLATE_BOTTOM}"),
            0.0,
        ),
        ("reordered", reordered.join("\n\n"), 0.0),
        ("dropped", dropped.join("\n\n"), 0.0),
        ("synonyms", spun, achieved),
        ("teaser", teaser, 0.0),
    ]
}

#[test]
fn near_copies_of_real_articles_are_found_and_credited_to_their_original() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpora/extraction/aeb/ground-truth.json");
    let Ok(json) = std::fs::read_to_string(&path) else {
        eprintln!("skipping: {} not found", path.display());
        return;
    };
    let truth: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut keys: Vec<&String> = truth.as_object().unwrap().keys().collect();
    keys.sort();
    let mut rng = Rng(0x00c0_ffee_1234_5678);
    // (published, arrival order, item): originals first in time, each copy minutes later.
    let mut stream: Vec<(i64, usize, Item)> = Vec::new();
    let mut family: HashMap<String, String> = HashMap::new();
    let mut spun_share = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let body = truth[key.as_str()]["articleBody"].as_str().unwrap_or("");
        let original = format!("o{i}");
        let t0 = 1_790_000_000 + i as i64 * 900;
        let title: String = body
            .split_whitespace()
            .take(9)
            .collect::<Vec<_>>()
            .join(" ");
        family.insert(original.clone(), original.clone());
        stream.push((
            t0,
            stream.len(),
            Item {
                id: original.clone(),
                title: title.clone(),
                text: body.to_string(),
                published: Some(t0),
                source: Some("origin".into()),
            },
        ));
        for (k, (kind, text, share)) in variants(body, &mut rng).into_iter().enumerate() {
            if kind == "synonyms" {
                spun_share.push(share);
            }
            let id = format!("{original}-{kind}");
            family.insert(id.clone(), original.clone());
            let title = if kind == "synonyms" {
                spin(&title, 0.3, &mut rng).0
            } else {
                title.clone()
            };
            stream.push((
                t0 + 300 * (k as i64 + 1),
                stream.len(),
                Item {
                    id,
                    title,
                    text,
                    published: Some(t0 + 300 * (k as i64 + 1)),
                    source: Some(format!("copier-{k}")),
                },
            ));
        }
    }
    stream.sort_by_key(|(t, order, _)| (*t, *order));

    let mut clusterer = Clusterer::default();
    let mut copied_from: HashMap<String, String> = HashMap::new();
    let (mut predicted, mut correct, mut copies, mut found, mut originals_right) = (0, 0, 0, 0, 0);
    let mut misses: HashMap<&str, usize> = HashMap::new();
    for (_, _, item) in &stream {
        let a = clusterer.assign(item);
        let is_copy = item.id.contains('-');
        if let Some(of) = &a.duplicate_of {
            copied_from.insert(item.id.clone(), of.clone());
            predicted += 1;
            if family.get(of) == family.get(&item.id) {
                correct += 1;
            }
        }
        if is_copy {
            copies += 1;
            let right = a
                .duplicate_of
                .as_ref()
                .is_some_and(|of| family.get(of) == family.get(&item.id));
            if right {
                found += 1;
            } else {
                let kind = item.id.rsplit('-').next().unwrap_or("");
                *misses
                    .entry(match kind {
                        "boilerplate" => "boilerplate",
                        "reordered" => "reordered",
                        "dropped" => "dropped",
                        "synonyms" => "synonyms",
                        _ => "teaser",
                    })
                    .or_default() += 1;
            }
            // Following "copy of" links back must end at the original.
            let mut root = item.id.clone();
            for _ in 0..10 {
                match copied_from.get(&root) {
                    Some(of) => root = of.clone(),
                    None => break,
                }
            }
            if Some(&root) == family.get(&item.id) {
                originals_right += 1;
            }
        }
    }
    let precision = correct as f64 / predicted.max(1) as f64;
    let recall = found as f64 / copies.max(1) as f64;
    let original = originals_right as f64 / copies.max(1) as f64;
    let mean_spun = spun_share.iter().sum::<f64>() / spun_share.len().max(1) as f64;
    eprintln!(
        "near-copies: {} originals, {copies} copies (synonyms replaced {:.0}% of words on average): \
         precision {precision:.3} ({correct}/{predicted}), recall {recall:.3} ({found}/{copies}), \
         original named {original:.3}; missed by kind: {misses:?}",
        keys.len(),
        mean_spun * 100.0
    );
    assert!(
        precision >= BASELINE_PRECISION,
        "precision {precision:.3} fell below {BASELINE_PRECISION}"
    );
    assert!(
        recall >= BASELINE_RECALL,
        "recall {recall:.3} fell below {BASELINE_RECALL}"
    );
    assert!(
        original >= BASELINE_ORIGINAL,
        "original {original:.3} fell below {BASELINE_ORIGINAL}"
    );
}

#[test]
fn an_original_that_arrives_after_its_copy_is_not_called_a_copy() {
    let text = "The river council voted on Monday to build a movable flood barrier across the mouth of \
        the Ashwater, eight months after spring floods forced four thousand residents from their homes.";
    let mut c = Clusterer::default();
    let copy = c.assign(&Item {
        id: "copy".into(),
        title: "Council backs barrier".into(),
        text: format!("{text} Share this article."),
        published: Some(2_000),
        source: Some("copier".into()),
    });
    assert_eq!(copy.duplicate_of, None);
    let original = c.assign(&Item {
        id: "original".into(),
        title: "Council backs barrier".into(),
        text: text.into(),
        published: Some(1_000),
        source: Some("wire".into()),
    });
    assert_eq!(
        original.duplicate_of, None,
        "published first, so not a copy"
    );
    assert_eq!(original.original.as_deref(), Some("original"));
    assert_eq!(original.story, copy.story);
}

#[test]
fn a_teaser_is_a_copy_of_the_article_it_was_cut_from() {
    let article = "The river council voted on Monday to build a movable flood barrier across the mouth of \
        the Ashwater, eight months after spring floods forced four thousand residents from their homes. \
        Construction starts next summer and takes three years. The barrier closes when the river rises \
        two metres above its normal level. Opponents said the money would be better spent on raising \
        the embankments along the old town and on compensation for the shops that flooded.";
    let teaser: String = article
        .split_whitespace()
        .take(20)
        .collect::<Vec<_>>()
        .join(" ")
        + " …";
    let mut c = Clusterer::default();
    c.assign(&Item {
        id: "full".into(),
        title: "Council backs barrier".into(),
        text: article.into(),
        published: Some(1_000),
        source: None,
    });
    let t = c.assign(&Item {
        id: "teaser".into(),
        title: "Council backs barrier".into(),
        text: teaser,
        published: Some(1_500),
        source: None,
    });
    assert_eq!(t.duplicate_of.as_deref(), Some("full"));
    // Two different articles that open alike only for a few words are not copies.
    let other = c.assign(&Item {
        id: "other".into(),
        title: "Council rejects tram".into(),
        text: "The river council voted on Monday to reject the tram extension proposed by the mayor last spring.".into(),
        published: Some(2_000),
        source: None,
    });
    assert_eq!(other.duplicate_of, None);
}
