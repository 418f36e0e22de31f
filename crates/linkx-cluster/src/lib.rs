//! One story, every outlet: exact and near-duplicate detection, incremental story clustering
//! and the choice of a story's original.
//!
//! A pure, in-memory, incremental engine: items go in one at a time in stream order and each
//! gets its story at once. It does no I/O; the pipeline rebuilds it from the store (recent
//! articles with their stored stories) and `linkx cluster` runs it over a JSONL file, so both
//! use exactly this code.

mod split;
mod text;

/// Keys are ids and hashes already: the fast hasher suffices (and the engine's results never
/// depend on iteration order).
type HashMap<K, V> = std::collections::HashMap<K, V, rustc_hash::FxBuildHasher>;
use text::{Terms, content_hash, minhash, tokens};

/// One item to place: an article (or a corpus line).
#[derive(Debug, Clone, Default)]
pub struct Item {
    pub id: String,
    pub title: String,
    pub text: String,
    /// Unix seconds; items without a time are taken as published when they arrive.
    pub published: Option<i64>,
    pub source: Option<String>,
}

/// Where an item went.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Assignment {
    pub id: String,
    pub story: u64,
    /// The earlier item this one copies (same or nearly the same text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
    /// The story's original as far as the evidence so far shows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original: Option<String>,
    /// Stories this item bridged into `story`: their items are now `story`'s.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub merged: Vec<u64>,
    /// Stories that turned out to be two, once this item joined: part of their items left
    /// for a new story.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub splits: Vec<Split>,
}

/// Items that left story `from` for the new story `story` (see [`Config::split_conductance`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Split {
    pub from: u64,
    pub story: u64,
    pub items: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Nearest earlier items consulted for each new item.
    pub neighbours: usize,
    /// Cosine similarity (TF-IDF) an earlier item needs to count as evidence for its story…
    pub threshold: f32,
    /// …plus this much divided by the square root of the item's term count: one shared word
    /// means more between two long texts than between two headlines.
    pub short_text_margin: f32,
    /// A story of at least this many items…
    pub support_from: u32,
    /// …is joined only when this many of its items are among the neighbours…
    pub min_support: u32,
    /// …or one of them is at least this similar: one similar item no longer pulls an unrelated
    /// report into a big story (whose next reports would follow it there). Smaller stories
    /// take a report on one neighbour's word: a follow-up often resembles only the original.
    pub strong_similarity: f32,
    /// Estimated Jaccard similarity of word 3-shingles above which an item is a near-copy…
    pub near_duplicate: f32,
    /// …or TF-IDF cosine similarity to an earlier item above which it is a rewrite of it (word
    /// order, synonyms and added boilerplate change shingles far more than word weights).
    pub rewrite_similarity: f32,
    /// Items older than this (relative to the newest item seen) no longer attract new items:
    /// the story is closed. `None` keeps every story open (offline corpora without dates).
    pub window_secs: Option<i64>,
    /// Postings kept per term, newest first; bounds the work per item on very common terms.
    pub max_postings: usize,
    /// A new item bridges another story into the one it joins when it is at least this similar
    /// to one of that story's items…
    pub merge_similarity: f32,
    /// …and that story has at most this many items: two fragments of one event, split because
    /// their first reports were worded apart, become one story; a big story is never merged
    /// away (merges chain: one bridge between big stories makes one of two unrelated events).
    pub merge_max_size: u32,
    /// A term weighs its inverse document frequency raised to this power: below 1, a rare word
    /// (a name, a typo, a copy's synonym) counts for less against the words two reports share.
    pub idf_exponent: f32,
    /// A story whose items form two groups, joined by edges weighing less than this share of
    /// the smaller group's (conductance of the graph of each item's nearest items in the
    /// story), splits in two; 0 never splits. Checked as a story grows by half.
    pub split_conductance: f32,
    /// Nearest items of each item in that graph.
    pub split_neighbours: usize,
    /// Neither part of a split has fewer items (so a story is checked from twice this size).
    pub split_min_part: u32,
    /// Stories bigger than this are not checked again (a check costs the square of the size).
    pub split_max_size: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            neighbours: 20,
            threshold: 0.09,
            short_text_margin: 0.25,
            support_from: 4,
            min_support: 2,
            strong_similarity: 0.3,
            near_duplicate: 0.5,
            rewrite_similarity: 0.6,
            window_secs: Some(3 * 86_400),
            max_postings: 1024,
            merge_similarity: 0.3,
            merge_max_size: 3,
            idf_exponent: 0.8,
            split_conductance: 0.08,
            split_neighbours: 25,
            split_min_part: 10,
            split_max_size: 2_000,
        }
    }
}

/// Terms of an item used to look up its neighbours.
const QUERY_TERMS: usize = 24;

/// The end of a band chain.
const NO_DOC: u32 = u32::MAX;

/// One entry of a term's posting list: a doc and the term's weight in it, stored in 16 bits
/// (steps of 1/65,535 of a weight in 0..=1, far finer than any threshold), so 6 bytes rather
/// than 8: posting lists are the engine's largest part.
#[derive(Clone, Copy)]
#[repr(C, packed(2))]
struct Posting {
    doc: u32,
    weight: u16,
}

impl Posting {
    const STEPS: f32 = 65_535.0;

    fn new(doc: u32, weight: f32) -> Posting {
        // Never zero: a posting always adds something to its doc's score.
        let steps = (weight.clamp(0.0, 1.0) * Self::STEPS).round().max(1.0);
        Posting {
            doc,
            weight: steps as u16,
        }
    }

    fn weight(self) -> f32 {
        f32::from(self.weight) / Self::STEPS
    }
}

/// Band table slots per band when the engine is empty; the table doubles as documents arrive.
const MIN_BAND_SLOTS: usize = 1024;

enum Placement {
    /// The story is already decided (restoring from the store).
    Known(u64),
    /// Decide; a new story gets this id.
    New(u64),
}

/// What the engine remembers of one item: well under a kilobyte.
struct Doc {
    /// Where its id ends in [`Clusterer::ids`] (it starts where the previous doc's ends).
    id_end: u32,
    story: u64,
    published: i64,
    content_hash: u64,
    signature: text::Signature,
    /// Whether the text credits a wire service ("(AP)", "Reuters", …).
    wire_credit: bool,
    words: u32,
    /// Its heaviest terms, to split its story by.
    profile: split::Profile,
}

/// A story's support among an item's neighbours: their summed similarity, how many they are
/// and the closest one's similarity.
struct Vote {
    story: u64,
    total: f32,
    neighbours: u32,
    closest: f32,
}

struct Story {
    original: usize,
    /// Its items, in the order they joined.
    members: Vec<u32>,
    /// The size at which it is next checked for a split.
    next_check: u32,
}

impl Story {
    fn size(&self) -> u32 {
        u32::try_from(self.members.len()).unwrap_or(u32::MAX)
    }
}

pub struct Clusterer {
    config: Config,
    terms: Terms,
    /// Documents containing each term (for IDF).
    df: Vec<u32>,
    /// Term → (doc index, weight in that doc's normalised vector), oldest first; only the
    /// newest `max_postings` count (a list is trimmed when it reaches twice that).
    postings: Vec<Vec<Posting>>,
    /// Exact content → first doc with it.
    by_hash: HashMap<u64, usize>,
    /// The first item with each lead (opening words), for teasers of it.
    by_lead: HashMap<u64, usize>,
    /// Per band, a slot for each LSH band key (its low bits) holding the newest doc with a key
    /// in that slot…
    band_heads: Vec<u32>,
    /// …(slots per band: a power of two, at least half the docs, so a slot holds about two
    /// docs; keys that share a slot only add candidates, which are compared anyway)…
    band_slots: usize,
    /// …and per doc and band, the previous doc in the same slot ([`NO_DOC`] at the end): one
    /// number per band per doc rather than a list per key.
    band_chain: Vec<u32>,
    docs: Vec<Doc>,
    /// Every doc's id, one after another (see [`Doc::id_end`]).
    ids: String,
    stories: HashMap<u64, Story>,
    /// Stories merged into another: the story they are now part of.
    merged_into: HashMap<u64, u64>,
    /// Scratch space of the neighbour search: a score per doc, all zero between searches.
    scores: std::cell::Cell<Vec<f32>>,
    next_story: u64,
    newest: i64,
    /// A story split off is named after its first item's id (a number), as the pipeline
    /// names every story, rather than numbered by the engine.
    stories_named_after_items: bool,
}

impl Clusterer {
    pub fn new(config: Config) -> Clusterer {
        Clusterer {
            config,
            terms: Terms::default(),
            df: Vec::new(),
            postings: Vec::new(),
            by_hash: HashMap::default(),
            by_lead: HashMap::default(),
            band_heads: vec![NO_DOC; MIN_BAND_SLOTS * text::BANDS],
            band_slots: MIN_BAND_SLOTS,
            band_chain: Vec::new(),
            docs: Vec::new(),
            ids: String::new(),
            stories: HashMap::default(),
            merged_into: HashMap::default(),
            scores: std::cell::Cell::default(),
            next_story: 1,
            newest: i64::MIN,
            stories_named_after_items: false,
        }
    }

    /// An engine whose new stories are named after their first item (as [`assign_as`] is
    /// told), so a story split off is named after its first item's id, which must be a number.
    ///
    /// [`assign_as`]: Self::assign_as
    pub fn naming_stories_after_items(mut self) -> Clusterer {
        self.stories_named_after_items = true;
        self
    }

    /// Number of items placed so far.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Bytes held by each part of the engine, from the capacities of its tables (what the
    /// allocator adds on top is not counted).
    pub fn memory(&self) -> Vec<(&'static str, usize)> {
        use std::mem::size_of;
        let postings: usize = self
            .postings
            .iter()
            .map(|l| l.capacity() * size_of::<Posting>())
            .sum();
        vec![
            ("posting lists", postings),
            (
                "per-term tables",
                self.postings.capacity() * size_of::<Vec<Posting>>()
                    + self.df.capacity() * size_of::<u32>(),
            ),
            ("term map", self.terms.memory()),
            (
                "band table and chains",
                (self.band_heads.capacity() + self.band_chain.capacity()) * size_of::<u32>(),
            ),
            (
                "documents",
                self.docs.capacity() * size_of::<Doc>() + self.ids.capacity(),
            ),
            (
                "exact-text, lead, story and merge maps",
                map_bytes(&self.by_hash)
                    + map_bytes(&self.by_lead)
                    + map_bytes(&self.stories)
                    + map_bytes(&self.merged_into),
            ),
            (
                "stories' item lists",
                (self.stories.values())
                    .map(|s| s.members.capacity() * size_of::<u32>())
                    .sum(),
            ),
        ]
    }

    /// Places a new item: a copy joins the story of what it copies, otherwise the story its
    /// nearest earlier neighbours agree on, otherwise a new story.
    pub fn assign(&mut self, item: &Item) -> Assignment {
        let story = self.next_story;
        self.place(item, Placement::New(story))
    }

    /// Like [`assign`](Self::assign), but a new story gets the caller's id `new_story` (the
    /// pipeline names a story after its first article).
    pub fn assign_as(&mut self, item: &Item, new_story: u64) -> Assignment {
        self.place(item, Placement::New(new_story))
    }

    /// Re-enters an item whose story is already known (rebuilding from the store), so later
    /// items can join it. Story ids must be the caller's, and stay unique.
    pub fn restore(&mut self, item: &Item, story: u64) -> Assignment {
        self.place(item, Placement::Known(story))
    }

    fn place(&mut self, item: &Item, placement: Placement) -> Assignment {
        let published = item.published.unwrap_or(self.newest.max(0));
        self.newest = self.newest.max(published);
        let body = format!("{}\n{}", item.title, item.text);
        let words = tokens(&body);
        let hash = content_hash(&words);
        let signature = minhash(&words);
        let lead = text::lead_hash(&tokens(&item.text));

        let vector = self.vectorize(&item.title, &item.text);
        let (nearest_story, closest, votes) = self.nearest_story(&vector, published);
        let copy = self
            .find_copy(hash, &signature, published)
            .or_else(|| lead.and_then(|l| self.find_lead(l, published)));
        let story = match placement {
            Placement::Known(story) => story,
            Placement::New(fresh) => copy
                .map(|d| self.story_of(d))
                .or(nearest_story)
                .unwrap_or(fresh),
        };
        // A rewrite counts as a copy only of an item in the story the neighbours chose.
        let duplicate_of = copy
            .or(closest
                .filter(|&(doc, similarity)| {
                    similarity >= self.config.rewrite_similarity && self.story_of(doc) == story
                })
                .map(|(doc, _)| doc))
            // An item published before the one it resembles is not its copy: it came first
            // (the other one only reached us sooner).
            .filter(|&d| self.docs[d].published <= published + 60);
        self.next_story = self.next_story.max(story.saturating_add(1));

        let index = self.docs.len();
        self.ids.push_str(&item.id);
        self.docs.push(Doc {
            id_end: u32::try_from(self.ids.len()).unwrap_or(u32::MAX),
            story,
            published,
            content_hash: hash,
            signature,
            wire_credit: text::has_wire_credit(&item.text),
            words: u32::try_from(words.len()).unwrap_or(u32::MAX),
            profile: split::Profile::new(&vector),
        });
        self.index(index, &vector, hash, &signature);
        if let Some(lead) = lead {
            self.by_lead.entry(lead).or_insert(index);
        }
        // A new item the neighbours placed may bridge other small stories into its own.
        let mut merged = Vec::new();
        if matches!(placement, Placement::New(_)) && copy.is_none() && nearest_story == Some(story)
        {
            merged = (votes.iter())
                .filter(|vote| self.bridges(vote, story))
                .map(|vote| vote.story)
                .collect();
            merged.sort_unstable();
        }
        for &from in &merged {
            self.merge(from, story);
        }
        self.join(story, index);
        let splits = match placement {
            Placement::New(_) => self.split_if_two(story),
            Placement::Known(_) => Vec::new(),
        };
        let story = self.story_of(index);
        let original = self.stories.get(&story).map_or(index, |s| s.original);
        Assignment {
            id: item.id.clone(),
            story,
            duplicate_of: duplicate_of
                .filter(|&d| self.story_of(d) == story)
                .map(|d| self.doc_id(d).to_string()),
            original: Some(self.doc_id(original).to_string()),
            merged,
            splits,
        }
    }

    /// Checks a story that has grown by half since its last check, and splits it while it is
    /// two groups (see [`Config::split_conductance`]); returns the splits.
    fn split_if_two(&mut self, story: u64) -> Vec<Split> {
        let rule = split::Rule {
            neighbours: self.config.split_neighbours,
            conductance: self.config.split_conductance,
            min_part: self.config.split_min_part as usize,
        };
        let mut splits = Vec::new();
        let mut queue = vec![story];
        while let Some(story) = queue.pop() {
            let Some(entry) = self.stories.get_mut(&story) else {
                continue;
            };
            let size = entry.size();
            if rule.conductance <= 0.0
                || size < entry.next_check
                || size > self.config.split_max_size
            {
                continue;
            }
            entry.next_check = size
                .saturating_add(size / 2)
                .max(2 * self.config.split_min_part);
            let members = entry.members.clone();
            let profiles: Vec<split::Profile> = members
                .iter()
                .map(|&d| self.docs[d as usize].profile)
                .collect();
            let Some(leaving) = split::cut(&profiles, &rule) else {
                continue;
            };
            let (mut stay, mut leave): (Vec<u32>, Vec<u32>) = (Vec::new(), Vec::new());
            for (&d, &leaves) in members.iter().zip(&leaving) {
                if leaves { leave.push(d) } else { stay.push(d) }
            }
            // The part holding the story's first item keeps its name.
            if leave.iter().min() < stay.iter().min() {
                std::mem::swap(&mut stay, &mut leave);
            }
            let first = leave.iter().min().copied().unwrap_or_default() as usize;
            let new_story = self.split_story_name(first);
            // Every item names its story directly now: one that came by a merge may have
            // named the story that was merged away, which may be the new story's name.
            self.merged_into.remove(&new_story);
            for (part, name) in [(&stay, story), (&leave, new_story)] {
                for &d in part {
                    self.docs[d as usize].story = name;
                }
            }
            splits.push(Split {
                from: story,
                story: new_story,
                items: leave
                    .iter()
                    .map(|&d| self.doc_id(d as usize).to_string())
                    .collect(),
            });
            self.stories.remove(&story);
            for (name, part) in [(story, stay), (new_story, leave)] {
                for d in part {
                    self.join(name, d as usize);
                }
                queue.push(name);
            }
        }
        splits
    }

    /// The name of a story split off, whose first item is doc `d`.
    fn split_story_name(&mut self, d: usize) -> u64 {
        let named = self.doc_id(d).parse::<u64>().ok();
        match named.filter(|_| self.stories_named_after_items) {
            Some(name) if !self.stories.contains_key(&name) => {
                self.next_story = self.next_story.max(name.saturating_add(1));
                name
            }
            _ => {
                let name = self.next_story;
                self.next_story += 1;
                name
            }
        }
    }

    /// The id of doc `d`.
    fn doc_id(&self, d: usize) -> &str {
        let start = d
            .checked_sub(1)
            .and_then(|p| self.docs.get(p))
            .map_or(0, |p| p.id_end as usize);
        let end = self.docs.get(d).map_or(start, |doc| doc.id_end as usize);
        self.ids.get(start..end).unwrap_or("")
    }

    /// The slot of a band key in the band table.
    fn band_slot(&self, band: usize, key: u64) -> usize {
        band * self.band_slots + (key as usize & (self.band_slots - 1))
    }

    /// Adds doc `index` to the story's items and its original's candidates.
    fn join(&mut self, story: u64, index: usize) {
        let min_check = 2 * self.config.split_min_part;
        let entry = self.stories.entry(story).or_insert(Story {
            original: index,
            members: Vec::new(),
            next_check: min_check,
        });
        entry.members.push(u32::try_from(index).unwrap_or(NO_DOC));
        self.update_original(story, index);
    }

    /// The story's original: the earliest published item; on a tie (or within a minute), the
    /// one crediting a wire service, then the most complete text.
    fn update_original(&mut self, story: u64, index: usize) {
        let Some(entry) = self.stories.get_mut(&story) else {
            return;
        };
        let current = &self.docs[entry.original];
        let candidate = &self.docs[index];
        let earlier = candidate.published + 60 < current.published;
        let same_time = (candidate.published - current.published).abs() <= 60;
        let better_evidence = (candidate.wire_credit && !current.wire_credit)
            || (candidate.wire_credit == current.wire_credit && candidate.words > current.words);
        if earlier
            || (same_time && better_evidence && candidate.content_hash != current.content_hash)
        {
            entry.original = index;
        }
    }

    /// An earlier open item with the same text, or nearly the same (MinHash estimate).
    fn find_copy(&self, hash: u64, signature: &text::Signature, published: i64) -> Option<usize> {
        if let Some(&d) = self.by_hash.get(&hash)
            && self.is_open(d, published)
        {
            return Some(d);
        }
        let mut best: Option<(usize, f32)> = None;
        for (band, key) in text::bands(signature) {
            let mut next = self.band_heads[self.band_slot(band, key)];
            while next != NO_DOC {
                let d = next as usize;
                next = self.band_chain[d * text::BANDS + band];
                if !self.is_open(d, published) {
                    continue;
                }
                let similarity = text::estimate_jaccard(signature, &self.docs[d].signature);
                // The most similar; on a tie, the earliest.
                if similarity >= self.config.near_duplicate
                    && best.is_none_or(|(b, s)| similarity > s || (similarity == s && d < b))
                {
                    best = Some((d, similarity));
                }
            }
        }
        best.map(|(d, _)| d)
    }

    /// An earlier open item that opens with the same words (the article a teaser was cut from).
    fn find_lead(&self, lead: u64, published: i64) -> Option<usize> {
        self.by_lead
            .get(&lead)
            .copied()
            .filter(|&d| self.is_open(d, published))
    }

    fn is_open(&self, doc: usize, published: i64) -> bool {
        match self.config.window_secs {
            Some(window) => (published - self.docs[doc].published).abs() <= window,
            None => true,
        }
    }

    /// TF-IDF vector (L2-normalised) of an item; title terms count twice.
    fn vectorize(&mut self, title: &str, text: &str) -> Vec<(u32, f32)> {
        let mut counts: HashMap<u32, f32> = HashMap::default();
        for (words, weight) in [
            (text::content_tokens(title), 2.0),
            (text::content_tokens(text), 1.0),
        ] {
            for word in words {
                let id = self.terms.id(&word);
                *counts.entry(id).or_insert(0.0) += weight;
            }
        }
        let n = self.docs.len() as f32 + 1.0;
        for &term in counts.keys() {
            let t = term as usize;
            if self.df.len() <= t {
                // Grown by an eighth, not doubled: millions of terms, each slot 28 bytes.
                if self.postings.len() == self.postings.capacity() {
                    let more = self.postings.len() / 8 + 1024;
                    self.postings.reserve_exact(more);
                    self.df.reserve_exact(more);
                }
                self.df.resize(t + 1, 0);
                self.postings.resize_with(t + 1, Vec::new);
            }
            self.df[t] += 1;
        }
        let mut vector: Vec<(u32, f32)> = counts
            .into_iter()
            .map(|(term, count)| {
                let idf = ((n + 1.0) / self.df[term as usize] as f32).ln().max(0.0);
                (
                    term,
                    (1.0 + count.ln()) * idf.powf(self.config.idf_exponent),
                )
            })
            .filter(|(_, w)| *w > 0.0)
            .collect();
        // Term order fixes the order of float sums, so results never depend on hash seeds.
        vector.sort_unstable_by_key(|(term, _)| *term);
        let norm = vector.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            for (_, w) in &mut vector {
                *w /= norm;
            }
        }
        vector
    }

    /// The story most supported by the `neighbours` most similar earlier open items that pass
    /// the threshold, found through the inverted index; and the most similar item itself.
    fn nearest_story(
        &self,
        vector: &[(u32, f32)],
        published: i64,
    ) -> (Option<u64>, Option<(usize, f32)>, Vec<Vote>) {
        let threshold = self.config.threshold
            + self.config.short_text_margin / (vector.len().max(1) as f32).sqrt();
        // The heaviest terms find the candidate neighbours; the common terms, which weigh little
        // in a cosine but have the longest posting lists, only complete the candidates' scores.
        let mut query: Vec<(u32, f32)> = vector.to_vec();
        query.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        // Scores accumulate in a per-doc array (every weight is positive, so a candidate's score
        // is above zero); the candidates are listed to read and reset it.
        let mut scores = self.scores.take();
        scores.resize(self.docs.len(), 0.0);
        let mut candidates: Vec<u32> = Vec::new();
        for (rank, &(term, weight)) in query.iter().enumerate() {
            let postings = self.postings(term);
            if rank < QUERY_TERMS {
                for &posting in postings {
                    let doc = posting.doc;
                    let score = &mut scores[doc as usize];
                    if *score == 0.0 {
                        candidates.push(doc);
                    }
                    *score += weight * posting.weight();
                }
            } else {
                for &posting in postings {
                    let score = &mut scores[posting.doc as usize];
                    if *score > 0.0 {
                        *score += weight * posting.weight();
                    }
                }
            }
        }
        let mut ranked: Vec<(u32, f32)> = Vec::new();
        for doc in candidates {
            let score = std::mem::take(&mut scores[doc as usize]);
            if score >= threshold && self.is_open(doc as usize, published) {
                ranked.push((doc, score));
            }
        }
        self.scores.set(scores);
        ranked.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(self.config.neighbours);
        let closest = ranked.first().map(|&(doc, s)| (doc as usize, s));
        let mut votes: Vec<Vote> = Vec::new();
        for (doc, s) in ranked {
            let story = self.story_of(doc as usize);
            match votes.iter_mut().find(|v| v.story == story) {
                Some(vote) => {
                    vote.total += s;
                    vote.neighbours += 1;
                }
                None => votes.push(Vote {
                    story,
                    total: s,
                    neighbours: 1,
                    closest: s,
                }),
            }
        }
        let story = votes
            .iter()
            .max_by(|a, b| a.total.total_cmp(&b.total).then(b.story.cmp(&a.story)))
            .filter(|vote| self.supported(vote))
            .map(|vote| vote.story);
        (story, closest, votes)
    }

    /// The story doc `d` is in now (its own, or the one that was merged into).
    fn story_of(&self, d: usize) -> u64 {
        self.story_now(self.docs[d].story)
    }

    /// The story the `n`-th item placed (counting from 0, restored ones included) is part of
    /// now: merges and splits since it was placed included.
    pub fn story_of_item(&self, n: usize) -> Option<u64> {
        (n < self.docs.len()).then(|| self.story_of(n))
    }

    /// The story that `story` is part of now: itself, or the one it was merged into (see
    /// [`Assignment::merged`]).
    pub fn story_now(&self, story: u64) -> u64 {
        let mut story = story;
        while let Some(&into) = self.merged_into.get(&story) {
            story = into;
        }
        story
    }

    /// Whether the new item, joining story `joined`, bridges the story of `vote` into it: a
    /// small story holding an item very like the new one (see [`Config::merge_similarity`]).
    fn bridges(&self, vote: &Vote, joined: u64) -> bool {
        let size = self.stories.get(&vote.story).map_or(1, Story::size);
        vote.story != joined
            && vote.closest >= self.config.merge_similarity
            && size <= self.config.merge_max_size
    }

    /// Makes story `from` part of `into`: its items count as `into`'s from now on, and its
    /// original competes with `into`'s.
    fn merge(&mut self, from: u64, into: u64) {
        let Some(mut gone) = self.stories.remove(&from) else {
            return;
        };
        self.merged_into.insert(from, into);
        if let Some(story) = self.stories.get_mut(&into) {
            story.members.append(&mut gone.members);
        }
        self.update_original(into, gone.original);
    }

    /// Whether the neighbours' support is enough to join the story (see [`Config::min_support`]).
    fn supported(&self, vote: &Vote) -> bool {
        let size = self.stories.get(&vote.story).map_or(1, Story::size);
        size < self.config.support_from
            || vote.neighbours >= self.config.min_support
            || vote.closest >= self.config.strong_similarity
    }

    fn index(&mut self, doc: usize, vector: &[(u32, f32)], hash: u64, signature: &text::Signature) {
        let id = u32::try_from(doc).unwrap_or(NO_DOC);
        let cap = self.config.max_postings;
        for &(term, weight) in vector {
            let list = &mut self.postings[term as usize];
            // Trimmed in one move when twice the cap (not one element per push at the cap).
            if list.len() >= 2 * cap.max(1) {
                list.drain(..list.len() - cap);
            }
            if list.len() == list.capacity() {
                // Grown by half, not doubled: most lists stay short, and their slack adds up.
                list.reserve_exact((list.len() / 2).max(2));
            }
            list.push(Posting::new(id, weight));
        }
        self.by_hash.entry(hash).or_insert(doc);
        self.band_chain
            .resize(self.band_chain.len().max((doc + 1) * text::BANDS), NO_DOC);
        if doc + 1 > 2 * self.band_slots {
            self.grow_band_table(doc);
        }
        self.add_to_bands(doc, signature);
    }

    /// Puts doc `doc` at the head of its band slots.
    fn add_to_bands(&mut self, doc: usize, signature: &text::Signature) {
        let id = u32::try_from(doc).unwrap_or(NO_DOC);
        for (band, key) in text::bands(signature) {
            let slot = self.band_slot(band, key);
            self.band_chain[doc * text::BANDS + band] = self.band_heads[slot];
            self.band_heads[slot] = id;
        }
    }

    /// Doubles the band table and puts the first `docs` docs back in it, oldest first (so each
    /// slot's chain runs from the newest doc again).
    fn grow_band_table(&mut self, docs: usize) {
        self.band_slots *= 2;
        self.band_heads.clear();
        self.band_heads
            .resize(self.band_slots * text::BANDS, NO_DOC);
        self.band_chain[..docs * text::BANDS].fill(NO_DOC);
        for d in 0..docs {
            let signature = self.docs[d].signature;
            self.add_to_bands(d, &signature);
        }
    }

    /// The postings of a term that count: the newest `max_postings`.
    fn postings(&self, term: u32) -> &[Posting] {
        let list = self
            .postings
            .get(term as usize)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        &list[list.len().saturating_sub(self.config.max_postings)..]
    }
}

/// Bytes a hash map's table takes: its buckets (a power of two at most 7/8 full), each an entry
/// and a control byte.
fn map_bytes<K, V>(map: &HashMap<K, V>) -> usize {
    text::table_bytes(map.capacity(), std::mem::size_of::<(K, V)>())
}

impl Default for Clusterer {
    fn default() -> Self {
        Clusterer::new(Config::default())
    }
}
