//! The search index on its own: what readers type, what they get back.
#![allow(clippy::unwrap_used)]

use linkx_search::{IndexDoc, SearchIndex, SortBy, parse_query};

fn doc(id: i64, source: &str, title: &str, text: &str, day: i64) -> IndexDoc {
    IndexDoc {
        id,
        story_id: id,
        source_id: if source.starts_with("bbc") { 1 } else { 2 },
        source: source.to_string(),
        author: Some("Ana Silva".into()),
        language: None,
        title: title.into(),
        text: text.into(),
        // 2026-11-01 plus `day` days.
        published_at: 1_793_491_200 + day * 86_400,
    }
}

fn corpus() -> Vec<IndexDoc> {
    vec![
        doc(
            1,
            "bbc-news BBC News",
            "Drone attack on Kadhimi's residence",
            "Iraqi prime minister Mustafa al-Kadhimi survived a drone attack on his residence in Baghdad.",
            5,
        ),
        doc(
            2,
            "reuters Reuters",
            "Iraq PM unhurt after drones target home",
            "Explosive-laden drones targeted the home of Prime Minister Kadhimi, officials said.",
            6,
        ),
        doc(
            3,
            "bbc-news BBC News",
            "Flood barrier approved",
            "The council approved a flood barrier after record spring floods.",
            7,
        ),
        doc(
            4,
            "reuters Reuters",
            "Rumour about Kadhimi denied",
            "A rumour about a second drone attack was denied.",
            8,
        ),
    ]
}

fn ids(index: &SearchIndex, query: &str, sort: SortBy) -> Vec<i64> {
    let q = parse_query(query).unwrap();
    index
        .search(&q, sort, 20, 0)
        .unwrap()
        .hits
        .iter()
        .map(|h| h.id)
        .collect()
}

fn indexed() -> SearchIndex {
    let index = SearchIndex::in_memory().unwrap();
    index.upsert(&corpus()).unwrap();
    index.commit().unwrap();
    index
}

#[test]
fn words_match_title_first_with_english_stemming() {
    let index = indexed();
    let found = ids(&index, "drone", SortBy::Relevance);
    assert_eq!(
        found.len(),
        3,
        "drone, drones and 'drone attack' all match: {found:?}"
    );
    assert!(found.contains(&2), "drones (plural) is stemmed to drone");
    assert_eq!(ids(&index, "Kadhimi drone", SortBy::Relevance).len(), 3);
    assert_eq!(
        ids(&index, "kadhimi flood", SortBy::Relevance),
        Vec::<i64>::new()
    );
    // The title counts more than the text.
    assert_eq!(ids(&index, "attack", SortBy::Relevance)[0], 1);
}

#[test]
fn phrases_exclusions_sources_and_dates_filter() {
    let index = indexed();
    assert_eq!(ids(&index, "\"drone attack\"", SortBy::Relevance).len(), 2);
    assert_eq!(
        ids(&index, "\"attack drone\"", SortBy::Relevance),
        Vec::<i64>::new()
    );
    let mut no_rumour = ids(&index, "kadhimi -rumour", SortBy::Relevance);
    no_rumour.sort();
    assert_eq!(no_rumour, [1, 2]);
    assert_eq!(ids(&index, "kadhimi source:bbc", SortBy::Relevance), [1]);
    assert_eq!(ids(&index, "source:reuters", SortBy::Newest), [4, 2]);
    assert_eq!(ids(&index, "kadhimi after:2026-11-08", SortBy::Newest), [4]);
    assert_eq!(
        ids(&index, "kadhimi before:2026-11-08", SortBy::Newest),
        [2, 1]
    );
    assert_eq!(ids(&index, "author:silva flood", SortBy::Relevance), [3]);
}

#[test]
fn updates_replace_and_deletes_remove() {
    let index = indexed();
    let mut changed = doc(
        3,
        "bbc-news BBC News",
        "Flood barrier cancelled",
        "The council cancelled the barrier.",
        7,
    );
    changed.story_id = 1;
    index.upsert(&[changed]).unwrap();
    index.commit().unwrap();
    assert_eq!(index.len(), 4);
    assert_eq!(ids(&index, "cancelled", SortBy::Relevance), [3]);
    assert!(ids(&index, "approved", SortBy::Relevance).is_empty());
    index.delete(&[1]).unwrap();
    index.delete_source(2).unwrap();
    index.commit().unwrap();
    assert_eq!(ids(&index, "kadhimi", SortBy::Relevance), Vec::<i64>::new());
    assert_eq!(index.len(), 1);
}

#[test]
fn snippets_highlight_and_escape_indexed_text() {
    let index = SearchIndex::in_memory().unwrap();
    let hostile = "<script>alert(1)</script> The drone <img src=x onerror=alert(1)> flew & landed.";
    index
        .upsert(&[doc(9, "x", "Drone news", hostile, 0)])
        .unwrap();
    index.commit().unwrap();
    let results = index
        .search(&parse_query("drone").unwrap(), SortBy::Relevance, 10, 0)
        .unwrap();
    let snippet = results.snippet(hostile);
    assert!(snippet.contains("<b>drone</b>"), "{snippet}");
    assert!(
        !snippet.contains("<script") && !snippet.contains("<img"),
        "{snippet}"
    );
    assert!(
        snippet.contains("&lt;script&gt;") || !snippet.contains("script"),
        "{snippet}"
    );
    assert_eq!(results.snippet("nothing relevant here"), "");
}

#[test]
fn other_languages_are_matched_word_for_word() {
    let index = SearchIndex::in_memory().unwrap();
    let mut fr = doc(
        5,
        "lemonde Le Monde",
        "Les inondations à Paris",
        "Les inondations touchent la capitale.",
        0,
    );
    fr.language = Some("fr".into());
    let mut el = doc(
        6,
        "kathimerini",
        "Πλημμύρες στην Αθήνα",
        "Οι πλημμύρες έπληξαν την πόλη.",
        0,
    );
    el.language = Some("el".into());
    index.upsert(&[fr, el]).unwrap();
    index.commit().unwrap();
    assert_eq!(ids(&index, "inondations", SortBy::Relevance), [5]);
    assert_eq!(ids(&index, "πλημμύρες", SortBy::Relevance), [6]);
    assert_eq!(ids(&index, "Αθήνα", SortBy::Relevance), [6], "case-folded");
}

#[test]
fn scripts_written_without_spaces_are_searchable_by_their_words() {
    let index = SearchIndex::in_memory().unwrap();
    // Japanese, tagged: "Heavy rain in Tokyo; trains suspended".
    let mut ja = doc(
        7,
        "nhk NHK",
        "東京都で大雨、電車が運休",
        "気象庁によると、東京都心では一時間に八十ミリの猛烈な雨が降りました。",
        0,
    );
    ja.language = Some("ja".into());
    // Chinese with no language tag (analysed as English would be): "Beijing hosts summit".
    let cn = doc(8, "xinhua", "北京举行峰会", "各国领导人在北京会面。", 1);
    // Korean: "Snow in Seoul" (the particle 에서 is written onto the word).
    let mut ko = doc(9, "yonhap", "서울에서 폭설", "서울에 많은 눈이 내렸다.", 2);
    ko.language = Some("ko".into());
    // Thai: "Floods in Bangkok".
    let mut th = doc(10, "thairath", "น้ำท่วมกรุงเทพ", "ฝนตกหนักในกรุงเทพ", 3);
    th.language = Some("th".into());
    index.upsert(&[ja, cn, ko, th]).unwrap();
    index.commit().unwrap();
    assert_eq!(
        ids(&index, "東京", SortBy::Relevance),
        [7],
        "a word inside a sentence"
    );
    assert_eq!(ids(&index, "大雨", SortBy::Relevance), [7]);
    assert_eq!(
        ids(&index, "東京都心", SortBy::Relevance),
        [7],
        "a longer word"
    );
    assert_eq!(ids(&index, "雨", SortBy::Relevance), [7], "one character");
    assert_eq!(
        ids(&index, "北京", SortBy::Relevance),
        [8],
        "untagged Chinese"
    );
    assert_eq!(ids(&index, "峰会", SortBy::Relevance), [8]);
    assert_eq!(
        ids(&index, "서울", SortBy::Relevance),
        [9],
        "a word with a particle"
    );
    assert_eq!(ids(&index, "กรุงเทพ", SortBy::Relevance), [10]);
    // Characters of the text that are not adjacent there do not match as a word.
    assert!(ids(&index, "東雨", SortBy::Relevance).is_empty());
    assert!(ids(&index, "京北", SortBy::Relevance).is_empty());
    assert!(
        ids(&index, "大阪", SortBy::Relevance).is_empty(),
        "Osaka is not there"
    );
    // A word's characters are highlighted where they stand.
    let results = index
        .search(&parse_query("東京").unwrap(), SortBy::Relevance, 10, 0)
        .unwrap();
    let snippet = results.snippet("気象庁によると、東京都心では");
    assert!(snippet.contains("<b>東京</b>"), "{snippet}");
}

#[test]
fn pages_and_totals() {
    let index = SearchIndex::in_memory().unwrap();
    let docs: Vec<IndexDoc> = (1..=25)
        .map(|i| {
            doc(
                i,
                "wire",
                &format!("Storm update {i}"),
                "The storm moved north.",
                i,
            )
        })
        .collect();
    index.upsert(&docs).unwrap();
    index.commit().unwrap();
    let q = parse_query("storm").unwrap();
    let first = index.search(&q, SortBy::Newest, 10, 0).unwrap();
    assert_eq!(first.total, 25);
    assert_eq!(
        first.hits.iter().map(|h| h.id).collect::<Vec<_>>(),
        (16..=25).rev().collect::<Vec<_>>()
    );
    let third = index.search(&q, SortBy::Newest, 10, 20).unwrap();
    assert_eq!(third.hits.len(), 5);
}

#[test]
fn an_index_on_disk_survives_reopening_and_another_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    {
        let index = SearchIndex::open(&path).unwrap();
        index.upsert(&corpus()).unwrap();
        index.commit().unwrap();
    }
    let index = SearchIndex::open(&path).unwrap();
    assert_eq!(index.len(), 4);
    drop(index);
    std::fs::write(path.join("linkx-index-version"), "0").unwrap();
    let err = SearchIndex::open(&path).err().unwrap().to_string();
    assert!(err.contains("linkx reindex"), "{err}");
    SearchIndex::destroy(&path).unwrap();
    assert_eq!(SearchIndex::open(&path).unwrap().len(), 0);
    // A damaged index is an error to rebuild from, not a panic.
    std::fs::write(path.join("meta.json"), "{not json").unwrap();
    assert!(SearchIndex::open(&path).is_err());
}

#[test]
fn phrases_with_common_words_match_exactly() {
    let index = SearchIndex::in_memory().unwrap();
    index
        .upsert(&[
            doc(
                1,
                "a",
                "Speech",
                "The president gave the state of the union address.",
                0,
            ),
            doc(2, "b", "Other", "The union of the state workers met.", 0),
            doc(
                3,
                "c",
                "Third",
                "Out of the blue, a state visit; the union voted.",
                0,
            ),
        ])
        .unwrap();
    index.commit().unwrap();
    assert_eq!(
        ids(&index, "\"state of the union\"", SortBy::Relevance),
        [1]
    );
    assert_eq!(
        ids(&index, "\"union of the state\"", SortBy::Relevance),
        [2]
    );
    let mut of_the = ids(&index, "\"of the\"", SortBy::Relevance);
    of_the.sort();
    assert_eq!(of_the, [1, 2, 3]);
    assert_eq!(ids(&index, "\"the union voted\"", SortBy::Relevance), [3]);
    let results = index
        .search(
            &parse_query("\"state of the union\"").unwrap(),
            SortBy::Relevance,
            5,
            0,
        )
        .unwrap();
    let snippet = results.snippet("The president gave the state of the union address.");
    // The phrase's words are highlighted where the phrase is, not every "the".
    assert_eq!(
        snippet,
        "The president gave the <b>state</b> <b>of the</b> <b>union</b> address"
    );
}

#[test]
fn an_article_indexed_again_is_replaced_whether_or_not_it_was_committed() {
    let index = SearchIndex::in_memory().unwrap();
    let version = |word: &str| doc(7, "bbc", "Report", &format!("The {word} edition"), 0);
    // Twice before a commit (stored, then updated within one round).
    index.upsert(&[version("alpha")]).unwrap();
    index.upsert(&[version("beta")]).unwrap();
    index.commit().unwrap();
    assert_eq!(index.len(), 1);
    assert!(ids(&index, "alpha", SortBy::Relevance).is_empty());
    assert_eq!(ids(&index, "beta", SortBy::Relevance), [7]);
    // Again after the commit.
    index.upsert(&[version("gamma")]).unwrap();
    index.commit().unwrap();
    assert_eq!(index.len(), 1);
    assert!(ids(&index, "beta", SortBy::Relevance).is_empty());
    assert_eq!(ids(&index, "gamma", SortBy::Relevance), [7]);
    // A rebuild adds to a cleared index.
    index.clear(&linkx_search::Sample::default()).unwrap();
    index
        .add(&[version("delta"), doc(8, "cnn", "Other", "Delta too", 0)])
        .unwrap();
    index.commit().unwrap();
    assert_eq!(index.len(), 2);
    assert!(ids(&index, "gamma", SortBy::Relevance).is_empty());
    assert_eq!(ids(&index, "delta", SortBy::Relevance).len(), 2);
}

#[test]
fn a_rebuilt_index_learns_its_frequent_words_and_phrases_still_match_exactly() {
    // 1,500 articles that all mention drones and mostly strikes: "drone strike" is a phrase
    // the archive is full of, so a rebuilt index pairs the two words.
    let docs: Vec<IndexDoc> = (1..=1_500)
        .map(|id| {
            let text = match id % 3 {
                0 => "Officials said the drone strike hit the port at dawn.",
                1 => "A strike by a drone was reported; the port was closed.",
                _ => "The drone was seen over the port.",
            };
            doc(id, "wire", &format!("Report {id}"), text, id % 30)
        })
        .collect();
    let every = |query: &str, index: &SearchIndex| {
        let q = parse_query(query).unwrap();
        let results = index.search(&q, SortBy::Newest, 2_000, 0).unwrap();
        let mut ids: Vec<i64> = results.hits.iter().map(|h| h.id).collect();
        ids.sort_unstable();
        assert_eq!(ids.len(), results.total);
        ids
    };
    let adjacent: Vec<i64> = (1..=1_500).filter(|id| id % 3 == 0).collect();
    let apart: Vec<i64> = (1..=1_500).filter(|id| id % 3 == 1).collect();

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    let index = SearchIndex::open(&path).unwrap();
    index.upsert(&docs).unwrap();
    index.commit().unwrap();
    let english = index.gram_words();
    assert_eq!(every("\"drone strike\"", &index), adjacent);
    assert!(
        index.wants_relearning(),
        "1,500 articles and nothing learnt yet"
    );

    let mut sample = linkx_search::Sample::new(1_500);
    sample.add(&docs);
    assert_eq!(sample.articles(), 1_500);
    index.clear(&sample).unwrap();
    // Until the rebuild commits, searches see the index as it was.
    assert_eq!(every("\"drone strike\"", &index), adjacent);
    index.add(&docs).unwrap();
    index.commit().unwrap();
    assert_ne!(
        index.gram_words(),
        english,
        "the archive's own words are learnt"
    );
    assert!(!index.wants_relearning());
    for index in [index, SearchIndex::open(&path).unwrap()] {
        assert_eq!(every("\"drone strike\"", &index), adjacent);
        assert_eq!(every("\"the drone strike hit the port\"", &index), adjacent);
        assert_eq!(every("\"strike by a drone\"", &index), apart);
        assert_eq!(every("\"drone was\"", &index).len(), 1_000);
        assert!(every("\"strike drone\"", &index).is_empty());
        assert_eq!(every("drone -\"drone strike\"", &index).len(), 1_000);
    }
}

#[test]
fn phrases_stay_exact_across_segments_merges_deletes_and_lost_gram_lists() {
    // Twelve commits (twelve segments, merged in the background), then deletes and updates.
    let text = |id: i64| match id % 4 {
        0 => "The state of the union was discussed.",
        1 => "Out of the blue, the state union met.",
        2 => "The union of workers and the state.",
        _ => "Nothing of note; the end.",
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    let index = SearchIndex::open(&path).unwrap();
    for batch in 0..12 {
        let docs: Vec<IndexDoc> = (batch * 50..(batch + 1) * 50)
            .map(|id| doc(id, "wire", &format!("Report {id}"), text(id), id % 30))
            .collect();
        index.upsert(&docs).unwrap();
        index.commit().unwrap();
    }
    let deleted: Vec<i64> = (0..600).filter(|id| id % 7 == 0).collect();
    index.delete(&deleted).unwrap();
    // Article 1 no longer says "of the".
    index
        .upsert(&[doc(1, "wire", "Report 1", "The state union met.", 1)])
        .unwrap();
    index.commit().unwrap();
    index.wait_for_merges().unwrap();
    assert!(index.segments() < 12, "the segments were merged");

    let every = |query: &str, index: &SearchIndex| {
        let results = index
            .search(&parse_query(query).unwrap(), SortBy::Newest, 1_000, 0)
            .unwrap();
        let mut ids: Vec<i64> = results.hits.iter().map(|h| h.id).collect();
        ids.sort_unstable();
        assert_eq!(ids.len(), results.total);
        ids
    };
    let alive = |keep: fn(i64) -> bool| -> Vec<i64> {
        (0..600)
            .filter(|&id| id % 7 != 0 && id != 1 && keep(id))
            .collect()
    };
    let of_the = alive(|id| id % 4 <= 1);
    let state_of_the_union = alive(|id| id % 4 == 0);
    let union_of = alive(|id| id % 4 == 2);
    let check = |index: &SearchIndex| {
        assert_eq!(every("\"of the\"", index), of_the);
        assert_eq!(every("\"state of the union\"", index), state_of_the_union);
        assert_eq!(every("\"union of\"", index), union_of);
        assert!(every("\"the of\"", index).is_empty());
    };
    check(&index);
    assert_eq!(index.segments_with_gram_lists(), index.segments());
    drop(index);

    // Gram lists damaged (their lists overwritten, their entries intact): still no error, and
    // phrases compare positions instead.
    let grams_files = || -> Vec<std::path::PathBuf> {
        (std::fs::read_dir(&path).unwrap())
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "grams"))
            .collect()
    };
    let mut damaged = 0;
    for file in grams_files() {
        // Our part of the file ends with 16 bytes per list, the list count (8 bytes), the
        // table (8) and "LXG1"; tantivy's own footer follows.
        let mut bytes = std::fs::read(&file).unwrap();
        let magic = bytes.windows(4).rposition(|w| w == b"LXG1").unwrap();
        let count_at = magic - 16;
        let count = u64::from_le_bytes(bytes[count_at..count_at + 8].try_into().unwrap());
        let lists = count_at - 16 * count as usize;
        bytes[..lists].fill(0xff);
        damaged += lists;
        std::fs::write(&file, bytes).unwrap();
    }
    assert!(damaged > 0);
    check(&SearchIndex::open(&path).unwrap());

    // Gram lists lost (or written with another table): phrases compare positions instead.
    let mut removed = 0;
    for entry in std::fs::read_dir(&path).unwrap() {
        let file = entry.unwrap().path();
        if file.extension().is_some_and(|e| e == "grams") {
            std::fs::remove_file(file).unwrap();
            removed += 1;
        }
    }
    assert!(removed > 0);
    let index = SearchIndex::open(&path).unwrap();
    assert_eq!(index.segments_with_gram_lists(), 0);
    check(&index);
}
