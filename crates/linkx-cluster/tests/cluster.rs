//! Clustering quality on the Google News corpus (B-cubed, ratcheted) and duplicate behaviour.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use linkx_cluster::{Clusterer, Config, Item};
use std::collections::HashMap;
use std::path::PathBuf;

mod near_copies;

/// Committed baselines: the test fails below them. Raise them when the score improves.
const BASELINE_TITLE_SNIPPET_F1: f64 = 0.920;
const BASELINE_TITLE_ONLY_F1: f64 = 0.774;

fn corpus(name: &str) -> Option<Vec<(String, u64)>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpora/clustering/googlenews")
        .join(name);
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!(
            "skipping: {} not found (the shared corpora are not beside the project)",
            path.display()
        );
        return None;
    };
    Some(
        text.lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                (
                    v["text"].as_str().unwrap().to_string(),
                    v["cluster"].as_u64().unwrap(),
                )
            })
            .collect(),
    )
}

/// B-cubed precision, recall and F1 of `predicted` against `gold` labels.
fn bcubed(predicted: &[u64], gold: &[u64]) -> (f64, f64, f64) {
    let mut pred_size: HashMap<u64, f64> = HashMap::new();
    let mut gold_size: HashMap<u64, f64> = HashMap::new();
    let mut both: HashMap<(u64, u64), f64> = HashMap::new();
    for (&p, &g) in predicted.iter().zip(gold) {
        *pred_size.entry(p).or_default() += 1.0;
        *gold_size.entry(g).or_default() += 1.0;
        *both.entry((p, g)).or_default() += 1.0;
    }
    let n = predicted.len() as f64;
    let (mut precision, mut recall) = (0.0, 0.0);
    for (&p, &g) in predicted.iter().zip(gold) {
        let shared = both[&(p, g)];
        precision += shared / pred_size[&p];
        recall += shared / gold_size[&g];
    }
    let (p, r) = (precision / n, recall / n);
    (p, r, 2.0 * p * r / (p + r))
}

fn score(name: &str) -> Option<(f64, f64, f64, usize)> {
    let rows = corpus(name)?;
    let mut clusterer = Clusterer::new(Config {
        window_secs: None,
        ..Config::default()
    });
    for (i, (text, _)) in rows.iter().enumerate() {
        let item = Item {
            id: i.to_string(),
            text: text.clone(),
            ..Item::default()
        };
        clusterer.assign(&item);
    }
    // Scored as the site shows the stories at the end: a story merged away is the one it
    // became part of, and items split off are in their new story.
    let predicted: Vec<u64> = (0..rows.len())
        .map(|i| clusterer.story_of_item(i).unwrap())
        .collect();
    let gold: Vec<u64> = rows.iter().map(|(_, c)| *c).collect();
    let stories = predicted
        .iter()
        .collect::<std::collections::HashSet<_>>()
        .len();
    let (p, r, f) = bcubed(&predicted, &gold);
    Some((p, r, f, stories))
}

#[test]
fn googlenews_title_and_snippet_clusters_at_least_the_baseline() {
    let Some((p, r, f, stories)) = score("title-snippet.jsonl") else {
        return;
    };
    println!(
        "googlenews title+snippet: B-cubed precision {p:.4} recall {r:.4} F1 {f:.4}, {stories} stories (152 true)"
    );
    assert!(
        f >= BASELINE_TITLE_SNIPPET_F1,
        "F1 {f:.4} fell below the baseline {BASELINE_TITLE_SNIPPET_F1}"
    );
}

#[test]
fn googlenews_titles_only_cluster_at_least_the_baseline() {
    let Some((p, r, f, stories)) = score("title.jsonl") else {
        return;
    };
    println!(
        "googlenews titles only: B-cubed precision {p:.4} recall {r:.4} F1 {f:.4}, {stories} stories (152 true)"
    );
    assert!(
        f >= BASELINE_TITLE_ONLY_F1,
        "F1 {f:.4} fell below the baseline {BASELINE_TITLE_ONLY_F1}"
    );
}

fn item(id: &str, title: &str, text: &str, published: i64) -> Item {
    Item {
        id: id.into(),
        title: title.into(),
        text: text.into(),
        published: Some(published),
        source: None,
    }
}

/// Reports of a flood-barrier story, the last one a roundup that also mentions a library.
const BARRIER: [&str; 4] = [
    "Riverport council approves flood barrier on the Ashwater river after spring floods forced residents from their homes",
    "Riverport flood barrier vote: council backs the Ashwater river barrier, residents welcome plan after spring floods",
    "Ashwater river flood barrier: what the Riverport council vote means for residents hit by the spring floods",
    "Week in Riverport: council backs Ashwater flood barrier after spring floods; Lakeside library changes hours",
];
const LIBRARY: &str = "Lakeside library extends weekend opening hours as volunteers staff the reading rooms and children's books corner";

/// An engine that has already seen 60 unrelated items, so word weights are those of an archive.
fn engine_with_background() -> Clusterer {
    let topics = [
        "harvest festival crowds rain stalls music",
        "rail line bridge repairs trains timetable",
        "election candidates debate turnout ballots",
        "hospital nurses wards funding shifts",
        "football cup final goals stadium fans",
        "museum exhibition paintings artists gallery",
    ];
    let mut c = Clusterer::default();
    for i in 0..60 {
        let text = format!("{} item{i} extra{i}", topics[i % topics.len()]);
        c.assign(&item(&format!("bg{i}"), "", &text, i as i64));
    }
    c
}

#[test]
fn a_big_story_needs_two_of_its_reports_to_agree_but_a_small_one_takes_a_follow_up() {
    // Four reports: an item resembling only the roundup starts its own story.
    let mut c = engine_with_background();
    let barrier: Vec<u64> = BARRIER
        .iter()
        .enumerate()
        .map(|(i, text)| {
            c.assign(&item(&format!("b{i}"), "", text, 1_000 + i as i64))
                .story
        })
        .collect();
    assert!(barrier.iter().all(|s| *s == barrier[0]), "{barrier:?}");
    let library = c.assign(&item("library", "", LIBRARY, 2_000));
    assert_ne!(library.story, barrier[0]);
    // With only the first report and the roundup, one neighbour is enough.
    let mut c = engine_with_background();
    let first = c.assign(&item("b0", "", BARRIER[0], 1_000)).story;
    let roundup = c.assign(&item("b3", "", BARRIER[3], 1_001)).story;
    assert_eq!(roundup, first);
    assert_eq!(c.assign(&item("library", "", LIBRARY, 2_000)).story, first);
}

const WIRE: &str = "RIVERPORT (AP) — The Riverport city council voted 31 to 8 on Monday night to build a movable flood \
    barrier across the mouth of the Ashwater river, eight months after spring floods forced 4,000 residents from their \
    homes. The 40 million barrier, modelled on designs used in the Low Countries, will close automatically when the \
    river rises more than two metres above its normal level. Construction is expected to start next summer.";

#[test]
fn exact_and_near_copies_point_at_what_they_copy_and_join_its_story() {
    let mut c = Clusterer::default();
    let original = c.assign(&item("wire", "Council approves flood barrier", WIRE, 1_000));
    let exact = c.assign(&item(
        "exact",
        "Council approves flood barrier",
        WIRE,
        2_000,
    ));
    let reworded = WIRE
        .replace("voted", "decided")
        .replace("build", "construct")
        .replace("homes", "houses");
    let near = c.assign(&item(
        "near",
        "Council backs flood barrier",
        &format!("{reworded} Read more on our site."),
        3_000,
    ));
    let unrelated = c.assign(&item(
        "other",
        "Harvest festival draws crowds",
        "More than 30,000 visitors came to the Ostby harvest festival despite rain.",
        4_000,
    ));
    assert_eq!(exact.duplicate_of.as_deref(), Some("wire"));
    assert_eq!(near.duplicate_of.as_deref(), Some("wire"));
    assert_eq!((exact.story, near.story), (original.story, original.story));
    assert_eq!(near.original.as_deref(), Some("wire"));
    assert_eq!(unrelated.duplicate_of, None);
    assert_ne!(unrelated.story, original.story);
}

#[test]
fn the_earliest_report_is_the_original_even_when_it_arrives_late() {
    let mut c = Clusterer::default();
    c.assign(&item("copy", "Flood barrier approved", WIRE, 5_000));
    let late = c.assign(&item("first", "Flood barrier approved", WIRE, 1_000));
    assert_eq!(
        late.original.as_deref(),
        Some("first"),
        "published earlier, so it is the original"
    );
}

#[test]
fn closed_stories_attract_no_new_items() {
    let mut c = Clusterer::default();
    let old = c.assign(&item("old", "Council approves flood barrier", WIRE, 0));
    let much_later = c.assign(&item(
        "new",
        "Council approves flood barrier",
        WIRE,
        30 * 86_400,
    ));
    assert_ne!(
        much_later.story, old.story,
        "a month later the old story is closed"
    );
    assert_eq!(much_later.duplicate_of, None);
}

#[test]
fn restored_items_keep_their_story_and_attract_new_ones() {
    let mut c = Clusterer::default();
    c.restore(
        &item("a1", "Council approves flood barrier", WIRE, 1_000),
        77,
    );
    let next = c.assign(&item("a2", "Flood barrier: what it means", "The Riverport council flood barrier vote on the Ashwater river, eight months after spring floods.", 2_000));
    assert_eq!(next.story, 77);
    let fresh = c.assign(&item(
        "a3",
        "Library opens on Sundays",
        "The Lakeside library extends weekend opening hours after a petition.",
        2_000,
    ));
    assert!(
        fresh.story > 77,
        "new story ids never collide with restored ones"
    );
}

#[test]
fn empty_and_odd_inputs_do_not_panic() {
    let mut c = Clusterer::default();
    for (t, x) in [
        ("", ""),
        ("   ", "!!!"),
        ("ü", "日本語のテキスト"),
        ("a", &"word ".repeat(10_000)),
    ] {
        c.assign(&item("x", t, x, 0));
    }
    assert_eq!(c.len(), 4);
}

#[test]
fn a_reworded_reordered_copy_is_marked_as_a_copy_and_a_different_report_is_not() {
    let mut c = Clusterer::default();
    // Word weights need a background of other news, as a running site has.
    let background = [
        "Harvest festival draws record crowds despite two days of rain in Ostby",
        "Library extends weekend opening hours after a petition signed by residents",
        "Rail line reopens two weeks early after engineers strengthen the viaduct",
        "Football club appoints new coach after a season of poor results",
        "Central bank holds interest rates as inflation slows for a third month",
        "Storm brings heavy snow and cold air to the north of the country",
        "Hospital opens new wing for children with funding from the region",
        "Elections: turnout rises as young voters return to the polls",
    ];
    for (i, text) in background.iter().enumerate() {
        c.assign(&item(&format!("bg{i}"), "", text, 500));
    }
    c.assign(&item("wire", "Council approves flood barrier", WIRE, 1_000));
    let spun = "Construction is set to begin next summer. The 40 million barrier, based on designs employed in the Low \
        Countries, will shut automatically when the river climbs over two metres above its usual level. RIVERPORT — \
        The Riverport city council decided 31 to 8 on Monday evening to construct a movable flood barrier across the \
        mouth of the Ashwater river, eight months after spring floods drove 4,000 residents from their houses.";
    let copy = c.assign(&item(
        "spun",
        "Riverport council backs flood barrier",
        spun,
        2_000,
    ));
    assert_eq!(copy.duplicate_of.as_deref(), Some("wire"));
    let report = "Residents of Lower Town welcomed the council vote on the Ashwater flood barrier. Three years is a long \
        time to wait, said a baker whose shop was closed for eleven weeks after the spring floods in Riverport.";
    let other = c.assign(&item(
        "report",
        "What the flood barrier means for Lower Town",
        report,
        3_000,
    ));
    assert_eq!(other.duplicate_of, None, "same story, not a copy");
}

#[test]
fn a_report_bridging_two_fragments_of_one_event_merges_them_but_never_a_big_story() {
    const VOTE: [&str; 2] = [
        "Riverport council votes for Ashwater flood barrier",
        "Council in Riverport backs Ashwater flood barrier in vote",
    ];
    const EVACUATION: &str = "Spring floods force thousands from their homes as river bursts banks";
    const BRIDGE: &str = "Riverport council backs Ashwater flood barrier after spring floods force thousands from homes";
    let mut c = engine_with_background();
    let vote: Vec<u64> = (VOTE.iter().enumerate())
        .map(|(i, t)| {
            c.assign(&item(&format!("v{i}"), t, "", 1_000 + i as i64))
                .story
        })
        .collect();
    let evacuation = c.assign(&item("e0", EVACUATION, "", 900)).story;
    assert_eq!(vote[0], vote[1]);
    assert_ne!(
        evacuation, vote[0],
        "the evacuation report starts a story of its own"
    );
    let bridge = c.assign(&item("bridge", BRIDGE, "", 1_100));
    assert_eq!(bridge.story, vote[0]);
    assert_eq!(bridge.merged, vec![evacuation], "{bridge:?}");
    // The evacuation report was first: it is now the merged story's original.
    assert_eq!(bridge.original.as_deref(), Some("e0"));
    // A later evacuation report joins the merged story.
    let later = c.assign(&item("e1", EVACUATION, "Shelters reopen", 1_200));
    assert_eq!(later.story, vote[0]);

    // Between two stories of four reports each, the same bridge joins one and merges nothing.
    let mut c = engine_with_background();
    let four = |c: &mut Clusterer, name: &str, title: &str, at: i64| -> u64 {
        let stories: Vec<u64> = (0..4)
            .map(|i| {
                let title = format!("{title} update {i}");
                c.assign(&item(&format!("{name}{i}"), &title, "", at + i))
                    .story
            })
            .collect();
        assert!(stories.iter().all(|s| *s == stories[0]), "{stories:?}");
        stories[0]
    };
    let vote = four(&mut c, "v", VOTE[0], 1_000);
    let evacuation = four(&mut c, "e", EVACUATION, 900);
    assert_ne!(vote, evacuation);
    let bridge = c.assign(&item("bridge", BRIDGE, "", 1_100));
    assert!(bridge.merged.is_empty(), "{bridge:?}");
}

#[test]
fn reports_in_a_script_without_spaces_cluster_and_copies_are_found() {
    // Japanese: heavy rain in Tokyo (a report, a reworded one, a follow-up, a copy with
    // boilerplate) and an unrelated parade in Osaka.
    let first = "東京都心で記録的な大雨、電車の運休相次ぐ。気象庁によると、東京都心では一時間に八十ミリの猛烈な雨が降り、首都圏の鉄道各線で運休や遅れが相次いだ。";
    let mut c = engine_with_background();
    let report = c.assign(&item("nhk", "", first, 1_000));
    let reworded = c.assign(&item(
        "asahi",
        "",
        "首都圏で猛烈な雨、鉄道に乱れ。東京都心では一時間に八十ミリの雨を観測し、鉄道各線で運休が相次いだ。気象庁は土砂災害に警戒するよう呼びかけている。",
        1_100,
    ));
    let follow_up = c.assign(&item(
        "mainichi",
        "",
        "大雨から一夜明け、首都圏の鉄道各線は運転を再開。気象庁は引き続き土砂災害への警戒を呼びかけている。",
        1_200,
    ));
    let parade = c.assign(&item(
        "sankei",
        "",
        "大阪でプロ野球の優勝パレード、二十万人が沿道に。選手らが御堂筋をパレードし、ファンが声援を送った。",
        1_300,
    ));
    let copy = c.assign(&item(
        "copy",
        "",
        &format!("【速報】{first}詳しくはこちらをご覧ください。"),
        1_400,
    ));
    assert_eq!(reworded.story, report.story);
    assert_eq!(follow_up.story, report.story);
    assert_ne!(parade.story, report.story);
    assert_eq!(reworded.duplicate_of, None, "reworded, not copied");
    assert_eq!(copy.duplicate_of.as_deref(), Some("nhk"));
    assert_eq!(copy.story, report.story);
}

/// A report of one of two events about one team: a few of each event's words, a few of the
/// team's, and words of its own (a deterministic pseudo-random pick).
fn team_report(event: &[&str], n: usize) -> String {
    const TEAM: [&str; 4] = ["lakers", "los", "angeles", "basketball"];
    let mut seed = (n as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut pick = |from: &[&str]| {
        seed ^= seed >> 29;
        seed = seed.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        from[(seed >> 33) as usize % from.len()].to_string()
    };
    let mut words: Vec<String> = (0..5).map(|_| pick(event)).collect();
    words.extend((0..2).map(|_| pick(&TEAM)));
    words.extend((0..3).map(|i| format!("own{n}x{i}")));
    words.join(" ")
}

const EXTENSION: [&str; 8] = [
    "kobe",
    "bryant",
    "contract",
    "extension",
    "million",
    "signed",
    "years",
    "salary",
];
const GAME: [&str; 8] = [
    "wizards", "game", "points", "victory", "quarter", "scored", "wall", "rebounds",
];

#[test]
fn a_story_that_turns_out_to_be_two_events_splits_and_the_new_one_is_named_after_its_first_report()
{
    let mut c = engine_with_background().naming_stories_after_items();
    // An earlier engine placed the reports of both events in story 500 (say, a roundup bridged
    // them), oldest first: the contract first.
    for n in 0..80 {
        let event = if n % 2 == 0 { &EXTENSION } else { &GAME };
        let report = item(
            &(1_000 + n).to_string(),
            "",
            &team_report(event, n),
            n as i64,
        );
        c.restore(&report, 500);
    }
    let next = c.assign(&item("2000", "", &team_report(&EXTENSION, 99), 100));
    assert_eq!(next.story, 500, "{next:?}");
    let games: Vec<String> = (0..80)
        .filter(|n| n % 2 == 1)
        .map(|n| (1_000 + n).to_string())
        .collect();
    assert_eq!(
        next.splits,
        vec![linkx_cluster::Split {
            from: 500,
            story: 1_001,
            items: games,
        }]
    );
    // Placed items are in their new story, and later game reports join it.
    assert_eq!(c.story_of_item(60 + 1), Some(1_001));
    assert_eq!(c.story_of_item(60), Some(500));
    let later = c.assign(&item("2001", "", &team_report(&GAME, 100), 101));
    assert_eq!(later.story, 1_001, "{later:?}");
    assert_eq!(later.original.as_deref(), Some("1001"));
}

#[test]
fn a_story_of_one_event_in_many_wordings_does_not_split() {
    let mut c = engine_with_background();
    let both: Vec<&str> = EXTENSION.iter().chain(&GAME).copied().collect();
    for n in 0..80 {
        c.restore(
            &item(&n.to_string(), "", &team_report(&both, n), n as i64),
            500,
        );
    }
    for n in 80..100 {
        let placed = c.assign(&item(&n.to_string(), "", &team_report(&both, n), n as i64));
        assert!(placed.splits.is_empty(), "{placed:?}");
    }
}
