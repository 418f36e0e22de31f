//! Splitting a story that turns out to be two: a spectral cut of the graph of its items'
//! nearest neighbours within the story.
//!
//! Items are placed one at a time, and a report that resembles two events can join their
//! reports into one story (a Kardashian item between two celebrity stories, a basketball game
//! between two stories about one team). Such a story is two dense groups joined by a few
//! edges; one story about one event is not. This module only decides where to cut: it never
//! moves anything (the engine does, and reports it).

/// Terms kept per item for splitting: its heaviest, which carry its topic.
pub const KEPT_TERMS: usize = 16;

/// An item's heaviest terms, each packed as its id (24 bits) and its weight (8 bits), in term
/// order; unused slots are zero. 64 bytes rather than the whole vector.
#[derive(Clone, Copy, Default)]
pub struct Profile([u32; KEPT_TERMS]);

impl Profile {
    /// The heaviest terms of a (normalised) vector. Terms whose id does not fit in 24 bits are
    /// left out: an engine that has seen sixteen million words splits on the others.
    pub fn new(vector: &[(u32, f32)]) -> Profile {
        let mut heaviest: Vec<(u32, f32)> = vector
            .iter()
            .copied()
            .filter(|&(term, _)| term < 1 << 24)
            .collect();
        heaviest.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        heaviest.truncate(KEPT_TERMS);
        heaviest.sort_unstable_by_key(|&(term, _)| term);
        let mut packed = [0_u32; KEPT_TERMS];
        for (slot, (term, weight)) in packed.iter_mut().zip(heaviest) {
            // Never zero, so an empty slot is told from a term with a tiny weight.
            let steps = (weight.clamp(0.0, 1.0) * 255.0).round().max(1.0) as u32;
            *slot = term << 8 | steps;
        }
        Profile(packed)
    }

    fn terms(&self) -> impl Iterator<Item = (u32, f32)> + '_ {
        (self.0.iter())
            .take_while(|&&p| p != 0)
            .map(|&p| (p >> 8, (p & 0xff) as f32 / 255.0))
    }

    /// The length of the kept terms' vector (profiles are compared by cosine, each
    /// renormalised over its kept terms).
    fn norm(&self) -> f32 {
        self.terms().map(|(_, w)| w * w).sum::<f32>().sqrt()
    }

    fn dot(&self, other: &Profile) -> f32 {
        let (mut a, mut b) = (self.terms().peekable(), other.terms().peekable());
        let mut dot = 0.0;
        while let (Some(&(ta, wa)), Some(&(tb, wb))) = (a.peek(), b.peek()) {
            match ta.cmp(&tb) {
                std::cmp::Ordering::Equal => {
                    dot += wa * wb;
                    a.next();
                    b.next();
                }
                std::cmp::Ordering::Less => {
                    a.next();
                }
                std::cmp::Ordering::Greater => {
                    b.next();
                }
            }
        }
        dot
    }
}

/// How a story is cut.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Neighbours of each item in the story's graph.
    pub neighbours: usize,
    /// The story is cut where the edges across weigh less than this share of the smaller
    /// side's edges (conductance).
    pub conductance: f32,
    /// Neither side may have fewer items.
    pub min_part: usize,
}

/// Where to cut a story of these items' profiles, if anywhere: `true` marks the items of the
/// side that leaves.
pub fn cut(profiles: &[Profile], rule: &Rule) -> Option<Vec<bool>> {
    let n = profiles.len();
    // Each side holds at least one item, whatever the rule says.
    let min_part = rule.min_part.max(1);
    if n < 2 * min_part {
        return None;
    }
    let graph = neighbour_graph(profiles, rule.neighbours);
    let degree: Vec<f32> = graph
        .iter()
        .map(|edges| edges.iter().map(|&(_, w)| w).sum::<f32>().max(1e-9))
        .collect();
    let order = fiedler_order(&graph, &degree);
    // Sweep: the prefix of the ordering with the lowest conductance, both sides big enough.
    let total: f32 = degree.iter().sum();
    let mut inside = vec![false; n];
    let (mut volume, mut across) = (0.0_f32, 0.0_f32);
    let mut best: Option<(f32, usize)> = None;
    for (taken, &i) in order.iter().enumerate() {
        for &(j, w) in &graph[i] {
            across += if inside[j] { -w } else { w };
        }
        inside[i] = true;
        volume += degree[i];
        let size = taken + 1;
        if size < min_part || n - size < min_part {
            continue;
        }
        let conductance = across / volume.min(total - volume).max(1e-9);
        if best.is_none_or(|(c, _)| conductance < c) {
            best = Some((conductance, size));
        }
    }
    let (_, size) = best.filter(|&(conductance, _)| conductance < rule.conductance)?;
    let mut side = vec![false; n];
    for &i in order.iter().take(size) {
        side[i] = true;
    }
    Some(side)
}

/// Each item's `k` most similar items in the story, edges made symmetric (an edge either
/// item chose, weighing their similarity): a list of (item, weight) per item, in item order.
fn neighbour_graph(profiles: &[Profile], k: usize) -> Vec<Vec<(usize, f32)>> {
    let n = profiles.len();
    let norms: Vec<f32> = profiles.iter().map(Profile::norm).collect();
    let mut similarity = vec![0.0_f32; n * n];
    for i in 0..n {
        for j in i + 1..n {
            let norms = norms[i] * norms[j];
            let dot = profiles[i].dot(&profiles[j]);
            let s = if norms > 0.0 {
                (dot / norms).max(0.0)
            } else {
                0.0
            };
            similarity[i * n + j] = s;
            similarity[j * n + i] = s;
        }
    }
    let mut chosen = vec![false; n * n];
    let mut others: Vec<usize> = Vec::with_capacity(n);
    for i in 0..n {
        others.clear();
        others.extend((0..n).filter(|&j| j != i));
        let row = &similarity[i * n..(i + 1) * n];
        // The k most similar, in no particular order (ties broken by position).
        let most_similar = |a: &usize, b: &usize| row[*b].total_cmp(&row[*a]).then(a.cmp(b));
        if k > 0 && k < others.len() {
            others.select_nth_unstable_by(k - 1, most_similar);
        }
        for &j in others.iter().take(k).filter(|&&j| row[j] > 0.0) {
            chosen[i * n + j] = true;
            chosen[j * n + i] = true;
        }
    }
    (0..n)
        .map(|i| {
            (0..n)
                .filter(|&j| chosen[i * n + j])
                .map(|j| (j, similarity[i * n + j]))
                .collect()
        })
        .collect()
}

/// The items ordered along the graph's second eigenvector (of the normalised adjacency, by
/// power iteration with the first one projected out): the two groups end up at its ends.
fn fiedler_order(graph: &[Vec<(usize, f32)>], degree: &[f32]) -> Vec<usize> {
    let n = graph.len();
    let root: Vec<f32> = degree.iter().map(|d| d.sqrt()).collect();
    let root_norm = root.iter().map(|r| r * r).sum::<f32>().sqrt().max(1e-12);
    let first: Vec<f32> = root.iter().map(|r| r / root_norm).collect();
    // A fixed, uneven start: the result never depends on anything but the input.
    let mut x: Vec<f32> = (0..n)
        .map(|i| ((i.wrapping_mul(2_654_435_761) % 1000) as f32 / 1000.0) - 0.5)
        .collect();
    let mut y = vec![0.0_f32; n];
    for _ in 0..300 {
        let along: f32 = x.iter().zip(&first).map(|(a, b)| a * b).sum();
        for (xi, fi) in x.iter_mut().zip(&first) {
            *xi -= along * fi;
        }
        // (I + D^-1/2 W D^-1/2) x: shifted so every eigenvalue is positive.
        for i in 0..n {
            let spread: f32 = graph[i]
                .iter()
                .map(|&(j, w)| w / (root[i] * root[j]).max(1e-12) * x[j])
                .sum();
            y[i] = x[i] + spread;
        }
        let norm = y.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
        for (xi, yi) in x.iter_mut().zip(&y) {
            *xi = yi / norm;
        }
    }
    let position: Vec<f32> = x.iter().zip(&root).map(|(v, r)| v / r.max(1e-12)).collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by(|&a, &b| position[a].total_cmp(&position[b]).then(a.cmp(&b)));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An item with the given terms, equally weighted.
    fn profile(terms: &[u32]) -> Profile {
        let weight = 1.0 / (terms.len() as f32).sqrt();
        let vector: Vec<(u32, f32)> = terms.iter().map(|&t| (t, weight)).collect();
        Profile::new(&vector)
    }

    /// Two events: items 0, 2, 4… share terms 1–4, the others terms 11–14, all share term 99;
    /// each item has a term of its own.
    fn two_events(n: u32) -> Vec<Profile> {
        (0..n)
            .map(|i| {
                let base = if i % 2 == 0 { 1 } else { 11 };
                let event: Vec<u32> = (base..base + 4).filter(|t| (t + i) % 4 != 0).collect();
                profile(&[&event[..], &[99, 1_000 + i]].concat())
            })
            .collect()
    }

    #[test]
    fn two_events_are_cut_apart_and_one_is_not() {
        let rule = Rule {
            neighbours: 10,
            conductance: 0.08,
            min_part: 5,
        };
        let side = cut(&two_events(40), &rule).expect("a cut");
        let first = side[0];
        for (i, s) in side.iter().enumerate() {
            assert_eq!(*s == first, i % 2 == 0, "item {i}");
        }
        let one: Vec<Profile> = (0..40)
            .map(|i| profile(&[1, 2, 3, 99, 1_000 + i]))
            .collect();
        assert_eq!(cut(&one, &rule), None);
    }

    #[test]
    fn neither_side_is_ever_empty_or_below_the_rule() {
        for min_part in [0, 1, 25] {
            let rule = Rule {
                neighbours: 10,
                conductance: 1.0,
                min_part,
            };
            if let Some(side) = cut(&two_events(40), &rule) {
                let leaving = side.iter().filter(|s| **s).count();
                assert!(leaving >= min_part.max(1) && 40 - leaving >= min_part.max(1));
            }
        }
        assert_eq!(
            cut(
                &[],
                &Rule {
                    neighbours: 10,
                    conductance: 1.0,
                    min_part: 0
                }
            ),
            None
        );
    }

    fn similarity(a: &Profile, b: &Profile) -> f32 {
        let norms = a.norm() * b.norm();
        if norms > 0.0 { a.dot(b) / norms } else { 0.0 }
    }

    #[test]
    fn profiles_keep_the_heaviest_terms_and_compare_by_cosine() {
        let vector: Vec<(u32, f32)> = (0..40).map(|t| (t, (t + 1) as f32 / 100.0)).collect();
        let kept: Vec<u32> = Profile::new(&vector).terms().map(|(t, _)| t).collect();
        assert_eq!(kept, (24..40).collect::<Vec<u32>>());
        let a = profile(&[1, 2]);
        assert!((similarity(&a, &a) - 1.0).abs() < 0.01);
        assert!((similarity(&a, &profile(&[2, 3])) - 0.5).abs() < 0.01);
        assert_eq!(similarity(&a, &profile(&[5])), 0.0);
        assert_eq!(similarity(&Profile::default(), &a), 0.0);
    }
}
