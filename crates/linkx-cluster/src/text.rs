//! Text features: words, content terms, exact-content hashes and MinHash signatures.

use rustc_hash::FxBuildHasher;
use std::collections::HashMap;

/// MinHash signature length; 8 LSH bands of 2 rows make pairs above ≈0.6 Jaccard candidates
/// almost surely (the estimate then decides), in 32 bytes per item.
pub const SIGNATURE: usize = 16;
/// A MinHash signature: 16-bit minima, since two different shingle sets share a minimum by
/// chance once in 65,536 rows, far below what moves an estimate made of 16 rows.
pub type Signature = [u16; SIGNATURE];
const EMPTY: u16 = u16::MAX;
const ROWS: usize = 2;
/// LSH bands of a signature.
pub const BANDS: usize = SIGNATURE / ROWS;

/// Lowercase word tokens (Unicode letters and digits; in scripts written without spaces, pairs
/// of adjacent characters, see `linkx_core::script`).
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    linkx_core::script::for_each_word(text, |word| out.push(word.to_lowercase()));
    out
}

/// Words that carry topic: tokens without stopwords and single characters.
pub fn content_tokens(text: &str) -> Vec<String> {
    tokens(text)
        .into_iter()
        .filter(|w| w.chars().count() > 1 && !is_stopword(w))
        .collect()
}

fn is_stopword(w: &str) -> bool {
    matches!(
        w,
        "the"
            | "and"
            | "for"
            | "that"
            | "with"
            | "from"
            | "this"
            | "was"
            | "are"
            | "has"
            | "have"
            | "had"
            | "its"
            | "his"
            | "her"
            | "their"
            | "they"
            | "will"
            | "would"
            | "been"
            | "were"
            | "not"
            | "but"
            | "can"
            | "into"
            | "about"
            | "after"
            | "over"
            | "more"
            | "said"
            | "says"
            | "who"
            | "which"
            | "what"
            | "when"
            | "where"
            | "than"
            | "then"
            | "also"
            | "out"
            | "our"
            | "you"
            | "your"
            | "all"
            | "new"
            | "one"
            | "two"
            | "on"
            | "in"
            | "of"
            | "to"
            | "is"
            | "it"
            | "at"
            | "by"
            | "an"
            | "as"
            | "be"
            | "or"
            | "he"
            | "she"
            | "we"
            | "a"
            | "i"
            | "up"
            | "so"
            | "if"
            | "no"
            | "do"
            | "did"
            | "how"
            | "why"
            | "there"
            | "these"
            | "those"
            | "such"
            | "other"
            | "some"
            | "any"
            | "may"
            | "could"
            | "should"
            | "being"
            | "while"
            | "during"
            | "before"
            | "under"
            | "between"
            | "against"
            | "because"
            | "just"
            | "only"
            | "very"
            | "most"
            | "many"
            | "much"
    )
}

/// FNV-1a, 64 bits: stable across runs and platforms.
fn fnv(bytes: &[u8], seed: u64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325_u64 ^ seed;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Identity of the normalised text: the same words in the same order.
pub fn content_hash(words: &[String]) -> u64 {
    let mut h = 0_u64;
    for w in words {
        h = mix(h ^ fnv(w.as_bytes(), 0));
    }
    h
}

/// Words of the opening that identify a text's lead.
pub const LEAD_WORDS: usize = 12;

/// A hash of a text's first [`LEAD_WORDS`] words: a teaser cut from an article shares its
/// lead, however short the teaser. `None` for texts shorter than that.
pub fn lead_hash(words: &[String]) -> Option<u64> {
    let lead = words.get(..LEAD_WORDS)?;
    Some(mix(content_hash(lead) ^ 0x9e37_79b9_7f4a_7c15))
}

/// MinHash of the word 3-shingles (a text of fewer than 3 words is one shingle).
pub fn minhash(words: &[String]) -> Signature {
    let mut signature = [EMPTY; SIGNATURE];
    let shingle_hashes = words.windows(3.min(words.len()).max(1)).map(|w| {
        w.iter()
            .fold(0_u64, |h, word| mix(h ^ fnv(word.as_bytes(), 7)))
    });
    for base in shingle_hashes {
        for (i, slot) in signature.iter_mut().enumerate() {
            let h = (mix(base ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)) >> 48) as u16;
            if h < *slot {
                *slot = h;
            }
        }
    }
    signature
}

/// LSH bands of a signature: each band's number and its key (the band's rows and its number
/// hashed together, so one table holds every band).
pub fn bands(signature: &Signature) -> impl Iterator<Item = (usize, u64)> + '_ {
    signature
        .chunks(ROWS)
        .enumerate()
        .filter(|(_, rows)| rows.iter().any(|&r| r != EMPTY))
        .map(|(band, rows)| {
            let key = rows
                .iter()
                .fold(mix(band as u64 + 1), |h, &r| mix(h ^ u64::from(r)));
            (band, key)
        })
}

pub fn estimate_jaccard(a: &Signature, b: &Signature) -> f32 {
    let equal = a
        .iter()
        .zip(b)
        .filter(|(x, y)| x == y && **x != EMPTY)
        .count();
    equal as f32 / SIGNATURE as f32
}

/// Whether a text credits a news agency, the usual mark of wire copy and of its origin.
pub fn has_wire_credit(text: &str) -> bool {
    const CREDITS: [&str; 24] = [
        "(AP)",
        "Associated Press",
        "(Reuters)",
        "Reuters",
        "(AFP)",
        "Agence France-Presse",
        "(dpa)",
        "(UPI)",
        "Wire)",
        "(PA)",
        "(EFE)",
        "(ANSA)",
        "(ANP)",
        "(TASS)",
        "(PTI)",
        "(Xinhua)",
        "(Yonhap)",
        "(Kyodo)",
        // Kyodo, Jiji (Japanese); Xinhua (simplified, traditional); Yonhap; CNA (Taiwan).
        "共同通信",
        "時事通信",
        "新华社",
        "新華社",
        "연합뉴스",
        "中央社",
    ];
    let head: String = text.chars().take(600).collect();
    CREDITS.iter().any(|c| head.contains(c))
}

/// Interns terms as small integers.
#[derive(Default)]
pub struct Terms {
    /// A 32-bit hash of each term → its id: 8 bytes a term instead of the word's own string
    /// as well. Two words sharing a hash only share their statistics: among the ~300,000 words
    /// of a three-day window that is a handful of rare words, among five million words about
    /// one in a thousand.
    ids: HashMap<u32, u32, FxBuildHasher>,
}

/// Bytes of a hash table holding `capacity` entries of `entry` bytes: its buckets (a power of
/// two at most 7/8 full), each an entry and a control byte.
pub fn table_bytes(capacity: usize, entry: usize) -> usize {
    if capacity == 0 {
        return 0;
    }
    let buckets = (capacity * 8).div_ceil(7).next_power_of_two();
    buckets * (entry + 1)
}

impl Terms {
    /// Bytes of the term table.
    pub fn memory(&self) -> usize {
        table_bytes(self.ids.capacity(), std::mem::size_of::<(u32, u32)>())
    }

    pub fn id(&mut self, term: &str) -> u32 {
        let next = u32::try_from(self.ids.len()).unwrap_or(u32::MAX);
        let hash = (mix(fnv(term.as_bytes(), 0)) >> 32) as u32;
        *self.ids.entry(hash).or_insert(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_credits_of_many_agencies_and_languages() {
        for text in [
            "RIVERPORT (AP) — The council voted…",
            "MADRID (EFE) - El Gobierno…",
            "【北京12月4日新华社电】",
            "東京都心で大雨（共同通信）",
            "서울=연합뉴스) 폭설",
        ] {
            assert!(has_wire_credit(text), "{text}");
        }
        assert!(!has_wire_credit("The council voted on Monday."));
        assert!(!has_wire_credit("東京都心で記録的な大雨"));
    }
}
