//! The dashboard's chart: articles per day per source as a stacked-bar SVG, rendered on the
//! server (no script), with its numbers also given as a table for screen readers.

use linkx_store::DailyCount;
use std::collections::HashMap;
use std::fmt::Write;

/// Sources beyond this many (by volume) are summed as "Other".
const MAX_SERIES: usize = 7;
const COLOURS: [&str; MAX_SERIES + 1] = [
    "#0b5cad", "#d9730d", "#2e7d32", "#8e24aa", "#c62828", "#00838f", "#6d4c41", "#757575",
];

pub struct Series {
    pub name: String,
    pub colour: &'static str,
    /// One count per day, oldest first.
    pub counts: Vec<i64>,
}

pub struct Chart {
    /// Unix days, oldest first.
    pub days: Vec<i64>,
    pub series: Vec<Series>,
}

/// Groups `counts` (for `days` days ending with `last_day`) into at most `MAX_SERIES` named
/// series plus "Other".
pub fn build(
    counts: &[DailyCount],
    names: &HashMap<i64, String>,
    last_day: i64,
    days: i64,
) -> Chart {
    let first_day = last_day - days + 1;
    let width = usize::try_from(days).unwrap_or(0);
    let mut per_source: HashMap<i64, Vec<i64>> = HashMap::new();
    for c in counts
        .iter()
        .filter(|c| (first_day..=last_day).contains(&c.day))
    {
        let row = per_source
            .entry(c.source_id)
            .or_insert_with(|| vec![0; width]);
        if let Some(slot) = usize::try_from(c.day - first_day)
            .ok()
            .and_then(|i| row.get_mut(i))
        {
            *slot += c.count;
        }
    }
    let mut ranked: Vec<(i64, Vec<i64>)> = per_source.into_iter().collect();
    ranked.sort_by_key(|(id, row)| (std::cmp::Reverse(row.iter().sum::<i64>()), *id));
    let mut series = Vec::new();
    let mut other = vec![0; width];
    for (i, (id, row)) in ranked.into_iter().enumerate() {
        if i < MAX_SERIES {
            series.push(Series {
                name: names
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| format!("source {id}")),
                colour: COLOURS[i],
                counts: row,
            });
        } else {
            other.iter_mut().zip(row).for_each(|(o, n)| *o += n);
        }
    }
    if other.iter().any(|&n| n > 0) {
        series.push(Series {
            name: "Other sources".into(),
            colour: COLOURS[MAX_SERIES],
            counts: other,
        });
    }
    Chart {
        days: (first_day..=last_day).collect(),
        series,
    }
}

pub fn day_label(day: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp(day * 86_400, 0)
        .map(|d| d.format("%-d %b").to_string())
        .unwrap_or_default()
}

impl Chart {
    pub fn total(&self, day_index: usize) -> i64 {
        self.series
            .iter()
            .filter_map(|s| s.counts.get(day_index))
            .sum()
    }

    /// The chart as inline SVG (presentation attributes only: the CSP allows no inline styles).
    pub fn svg(&self) -> String {
        const W: f64 = 640.0;
        const H: f64 = 220.0;
        const LEFT: f64 = 36.0;
        const BOTTOM: f64 = 24.0;
        let n = self.days.len().max(1);
        let max = (0..n).map(|i| self.total(i)).max().unwrap_or(0).max(1);
        let plot_h = H - BOTTOM - 8.0;
        let step = (W - LEFT) / n as f64;
        let bar = (step * 0.7).max(1.0);
        let mut out = String::new();
        let _ = write!(
            out,
            r#"<svg class="chart" viewBox="0 0 {W} {H}" width="100%" role="img" aria-labelledby="chart-title"><title id="chart-title">Articles per day per source, last {n} days (most in one day: {max})</title>"#
        );
        for frac in [0.0, 0.5, 1.0] {
            let y = 8.0 + plot_h * (1.0 - frac);
            let label = (max as f64 * frac).round();
            let _ = write!(
                out,
                r##"<line x1="{LEFT}" x2="{W}" y1="{y:.1}" y2="{y:.1}" stroke="#8886" stroke-width="1"/><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end" fill="currentColor">{label}</text>"##,
                LEFT - 4.0,
                y + 4.0
            );
        }
        for (i, day) in self.days.iter().enumerate() {
            let x = LEFT + step * i as f64 + (step - bar) / 2.0;
            let mut y = 8.0 + plot_h;
            for s in &self.series {
                let count = s.counts.get(i).copied().unwrap_or(0);
                if count == 0 {
                    continue;
                }
                let h = plot_h * count as f64 / max as f64;
                y -= h;
                let _ = write!(
                    out,
                    r#"<rect x="{x:.1}" y="{y:.1}" width="{bar:.1}" height="{h:.1}" fill="{}"><title>{}: {count} on {}</title></rect>"#,
                    s.colour,
                    crate::feeds::xml_escape(&s.name),
                    day_label(*day)
                );
            }
            if i % 2 == (n - 1) % 2 {
                let _ = write!(
                    out,
                    r#"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="currentColor">{}</text>"#,
                    x + bar / 2.0,
                    H - 6.0,
                    day_label(*day)
                );
            }
        }
        out.push_str("</svg>");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_sources_are_summed_and_names_escaped() {
        let counts: Vec<DailyCount> = (1..=10)
            .map(|id| DailyCount {
                source_id: id,
                day: 100,
                count: id,
            })
            .collect();
        let names: HashMap<i64, String> = (1..=10).map(|id| (id, format!("<S{id}>"))).collect();
        let chart = build(&counts, &names, 100, 14);
        assert_eq!(chart.series.len(), MAX_SERIES + 1);
        assert_eq!(chart.series[0].name, "<S10>");
        assert_eq!(chart.series.last().map(|s| s.counts[13]), Some(1 + 2 + 3));
        assert_eq!(chart.total(13), 55);
        let svg = chart.svg();
        assert!(svg.contains("&lt;S10&gt;: 10") && !svg.contains("<S10>"));
    }
}
