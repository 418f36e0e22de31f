//! Slugs: the readable part of an address (`/a/{id}/{slug}`, `/source/{slug}`, `/t/{slug}`),
//! made from a title or a name. A slug is always ASCII, so it goes unchanged into links,
//! redirects, feeds and sitemaps; it never decides which page is shown beyond its own lookup.
//!
//! Words are runs of letters, digits and their combining marks, joined by `-`. Latin letters lose
//! their accents (`Café Zürich` → `cafe-zurich`, `İstanbul'da ağır` → `istanbul-da-agir`),
//! Cyrillic and Greek are romanised as news sites in those languages do (`Москва` → `moskva`);
//! the letters of other scripts are kept, lowercased and percent-encoded (a browser shows
//! `/a/7/%E6%9D%B1%E4%BA%AC` as `/a/7/東京`), as Wikipedia's addresses are.

use std::fmt::Write;
use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Characters of a slug at most (a romanised letter counts as one), and bytes once encoded.
const MAX_CHARS: usize = 79;
const MAX_BYTES: usize = 240;

/// The slug of `title`: never empty (`item` when the title has no letter or digit).
pub fn slugify(title: &str) -> String {
    let mut slug = Slug::default();
    for ch in title.chars() {
        if !(ch.is_alphanumeric() || is_combining_mark(ch)) {
            slug.between_words = true;
        } else if !slug.push(ch) {
            break;
        }
    }
    if slug.text.is_empty() {
        slug.text.push_str("item");
    }
    slug.text
}

/// The slug a path segment names, as slugs are stored: `segment` as a browser sent it and the
/// router decoded it, with its non-ASCII characters percent-encoded again (a slug of any
/// script then matches whichever way it was written in the address bar).
pub fn slug_from_path(segment: &str) -> String {
    let mut slug = String::with_capacity(segment.len());
    for ch in segment.chars() {
        if ch.is_ascii() {
            slug.push(ch);
        } else {
            encode(ch, &mut slug);
        }
    }
    slug
}

#[derive(Default)]
struct Slug {
    text: String,
    /// Characters shown (a romanised letter is as many as its Latin letters).
    shown: usize,
    /// A dash goes before the next letter (not after the last word, nor for a word whose
    /// letters all fell away).
    between_words: bool,
}

impl Slug {
    /// Appends the spelling of a word character, unless that would pass a limit: whether
    /// there was room.
    fn push(&mut self, ch: char) -> bool {
        if ch.is_ascii() {
            return self.push_spelled(ch.to_ascii_lowercase().encode_utf8(&mut [0; 4]), 1);
        }
        let mut spelled = String::new();
        let mut shown = 0;
        match romanise(ch) {
            Some(roman) => {
                spelled.push_str(roman);
                shown = roman.len();
            }
            None => {
                for lower in without_accents(ch).flat_map(char::to_lowercase) {
                    match fold_latin(lower) {
                        Some(ascii) => {
                            spelled.push_str(ascii);
                            shown += ascii.len();
                        }
                        None => {
                            match lower.is_ascii() {
                                true => spelled.push(lower),
                                false => encode(lower, &mut spelled),
                            }
                            shown += 1;
                        }
                    }
                }
            }
        }
        self.push_spelled(&spelled, shown)
    }

    /// Appends a character's spelling (`shown` characters), after a dash when it starts a
    /// word, unless that would pass a limit.
    fn push_spelled(&mut self, spelled: &str, shown: usize) -> bool {
        if spelled.is_empty() {
            return true;
        }
        let dash = usize::from(self.between_words && !self.text.is_empty());
        if self.shown + dash + shown > MAX_CHARS
            || self.text.len() + dash + spelled.len() > MAX_BYTES
        {
            return false;
        }
        if dash == 1 {
            self.text.push('-');
        }
        self.text.push_str(spelled);
        self.shown += dash + shown;
        self.between_words = false;
        true
    }
}

/// Percent-encodes the UTF-8 bytes of `ch`.
fn encode(ch: char, out: &mut String) {
    let mut bytes = [0; 4];
    for byte in ch.encode_utf8(&mut bytes).bytes() {
        let _ = write!(out, "%{byte:02X}");
    }
}

/// `ch` without its accents (`é` is `e` and U+0301 once decomposed), or as it is when it has
/// none: kana (`で` is `て` and a voicing mark) and Hangul syllables (their letters) stay whole.
fn without_accents(ch: char) -> impl Iterator<Item = char> {
    let mut parts = Vec::new();
    decompose_canonical(ch, |part| parts.push(part));
    if !parts.iter().copied().any(is_latin_accent) {
        parts = vec![ch];
    }
    parts.into_iter().filter(|&part| !is_latin_accent(part))
}

/// The combining marks Latin, Greek and Cyrillic letters take (accents, cedillas, ogoneks):
/// dropped. Other scripts' marks (Devanagari vowel signs, Arabic vowels) are part of the word.
fn is_latin_accent(ch: char) -> bool {
    ('\u{300}'..='\u{36F}').contains(&ch)
}

/// Latin letters that do not decompose into a base letter and accents.
fn fold_latin(ch: char) -> Option<&'static str> {
    Some(match ch {
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'ø' => "o",
        'ł' => "l",
        'đ' | 'ð' => "d",
        'þ' => "th",
        'ı' => "i",
        'ħ' => "h",
        'ŀ' => "l",
        _ => return None,
    })
}

/// Cyrillic and Greek letters in Latin ones, as news sites in those languages romanise their
/// addresses; `Some("")` for the Cyrillic hard and soft signs, which are not spelled.
fn romanise(ch: char) -> Option<&'static str> {
    let lower = ch.to_lowercase().next()?;
    Some(match lower {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' | 'ґ' => "g",
        'д' => "d",
        'е' | 'ё' | 'э' => "e",
        'є' => "ye",
        'ж' => "zh",
        'з' => "z",
        'и' | 'і' => "i",
        'ї' => "yi",
        'й' | 'ы' => "y",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' | 'ў' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' | 'ь' => "",
        'ю' => "yu",
        'я' => "ya",
        'ђ' => "dj",
        'ј' => "j",
        'љ' => "lj",
        'њ' => "nj",
        'ћ' => "c",
        'џ' => "dz",
        'α' | 'ά' => "a",
        'β' => "v",
        'γ' => "g",
        'δ' => "d",
        'ε' | 'έ' => "e",
        'ζ' => "z",
        'η' | 'ή' | 'ι' | 'ί' | 'ϊ' | 'ΐ' => "i",
        'θ' => "th",
        'κ' => "k",
        'λ' => "l",
        'μ' => "m",
        'ν' => "n",
        'ξ' => "x",
        'ο' | 'ό' | 'ω' | 'ώ' => "o",
        'π' => "p",
        'ρ' => "r",
        'σ' | 'ς' => "s",
        'τ' => "t",
        'υ' | 'ύ' | 'ϋ' | 'ΰ' => "y",
        'φ' => "f",
        'χ' => "ch",
        'ψ' => "ps",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_titles_lose_their_accents() {
        assert_eq!(
            slugify("Café in Zürich: 3 new rules!"),
            "cafe-in-zurich-3-new-rules"
        );
        assert_eq!(
            slugify("İstanbul'da ağır yağış; Łódź, Straße"),
            "istanbul-da-agir-yagis-lodz-strasse"
        );
        assert_eq!(slugify("¿¡!?"), "item");
        assert_eq!(slugify("  --  "), "item");
    }

    #[test]
    fn cyrillic_and_greek_titles_are_romanised() {
        assert_eq!(
            slugify("Москва объявила режим ЧС"),
            "moskva-obyavila-rezhim-chs"
        );
        assert_eq!(slugify("Львів і Одеса"), "lviv-i-odesa");
        // The hard sign is not spelled, and leaves no empty word behind.
        assert_eq!(slugify("a ъ b"), "a-b");
        assert_eq!(slugify("Πλημμύρες στην Αθήνα"), "plimmyres-stin-athina");
    }

    #[test]
    fn other_scripts_keep_their_letters_percent_encoded() {
        // Tokyo (東京), a kana that decomposes (で), Korean, a Hindi word whose vowel signs are combining marks, Arabic.
        assert_eq!(
            slugify("東京、大雨"),
            "%E6%9D%B1%E4%BA%AC-%E5%A4%A7%E9%9B%A8"
        );
        assert_eq!(slugify("で"), "%E3%81%A7");
        assert_eq!(slugify("서울"), slug_from_path("서울"));
        assert_eq!(
            slugify("हिन्दी समाचार"),
            format!("{}-{}", slug_from_path("हिन्दी"), slug_from_path("समाचार"))
        );
        let arabic = slugify("الكاظمي: طائرة مسيرة");
        assert!(arabic.is_ascii() && arabic.matches('-').count() == 2);
        // The address bar's form of a slug is the stored one once encoded again.
        assert_eq!(slug_from_path("東京-大雨"), slugify("東京、大雨"));
        assert_eq!(slug_from_path("cafe-zurich"), "cafe-zurich");
    }

    #[test]
    fn long_titles_are_cut_between_characters() {
        assert!(slugify(&"word ".repeat(100)).len() <= MAX_CHARS);
        let chinese = slugify(&"东京".repeat(100));
        assert!(chinese.len() <= MAX_BYTES);
        // Never half a character: whole `%XX%XX%XX` groups.
        assert_eq!(chinese.len() % 9, 0);
        assert!(!slugify(&"ab ".repeat(100)).ends_with('-'));
    }
}
