//! robots.txt (RFC 9309): groups by User-agent, longest matching rule wins, `Allow` wins ties,
//! `*` and `$` patterns.

use url::Url;

#[derive(Debug, Clone, Default)]
pub struct Robots {
    groups: Vec<Group>,
    disallow_all: bool,
}

#[derive(Debug, Clone, Default)]
struct Group {
    agents: Vec<String>,
    /// (allow, pattern)
    rules: Vec<(bool, String)>,
}

impl Robots {
    pub fn allow_all() -> Robots {
        Robots::default()
    }

    pub fn disallow_all() -> Robots {
        Robots {
            groups: Vec::new(),
            disallow_all: true,
        }
    }

    pub fn parse(text: &str) -> Robots {
        let mut groups: Vec<Group> = Vec::new();
        let mut in_agents = false;
        for raw in text.lines() {
            let line = raw.split('#').next().unwrap_or("").trim();
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let key = key.trim().to_ascii_lowercase();
            let value = value.trim();
            match key.as_str() {
                "user-agent" => {
                    if !in_agents {
                        groups.push(Group::default());
                        in_agents = true;
                    }
                    if let Some(g) = groups.last_mut() {
                        g.agents.push(value.to_ascii_lowercase());
                    }
                }
                "allow" | "disallow" => {
                    in_agents = false;
                    if let Some(g) = groups.last_mut() {
                        // An empty Disallow allows everything: it is no rule at all.
                        if !value.is_empty() {
                            g.rules.push((key == "allow", value.to_string()));
                        }
                    }
                }
                _ => in_agents = false,
            }
        }
        Robots {
            groups,
            disallow_all: false,
        }
    }

    /// Whether `user_agent` (its product token, e.g. `linkx` of `linkx/0.1 (+https://…)`) may fetch `url`.
    pub fn allows(&self, user_agent: &str, url: &Url) -> bool {
        if self.disallow_all {
            return false;
        }
        let token = user_agent
            .split(['/', ' '])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let specific = self.groups.iter().filter(|g| {
            g.agents
                .iter()
                .any(|a| a != "*" && !token.is_empty() && token.contains(a.as_str()))
        });
        let chosen: Vec<&Group> = {
            let mine: Vec<&Group> = specific.collect();
            if mine.is_empty() {
                self.groups
                    .iter()
                    .filter(|g| g.agents.iter().any(|a| a == "*"))
                    .collect()
            } else {
                mine
            }
        };
        let mut path = url.path().to_string();
        if let Some(q) = url.query() {
            path.push('?');
            path.push_str(q);
        }
        let mut best: Option<(usize, bool)> = None;
        for (allow, pattern) in chosen.iter().flat_map(|g| g.rules.iter()) {
            if matches(pattern, &path) {
                let len = pattern.len();
                best = match best {
                    Some((l, a)) if l > len || (l == len && a) => Some((l, a)),
                    _ => Some((len, *allow)),
                };
            }
        }
        best.is_none_or(|(_, allow)| allow)
    }
}

/// Matches a robots pattern (`*` any run, trailing `$` end) against the start of a path.
fn matches(pattern: &str, path: &str) -> bool {
    let (pattern, anchored) = match pattern.strip_suffix('$') {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut pos = 0;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            if !path.starts_with(part) {
                return false;
            }
            pos = part.len();
        } else if let Some(found) = path[pos..].find(part) {
            pos += found + part.len();
        } else {
            return false;
        }
    }
    if anchored {
        let last = parts.last().copied().unwrap_or("");
        return pos == path.len() || (parts.len() > 1 && path.ends_with(last));
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(p: &str) -> Url {
        Url::parse(&format!("https://e.org{p}")).unwrap()
    }

    #[test]
    fn specific_group_longest_rule_and_allow_ties() {
        let r = Robots::parse(
            "User-agent: *\nDisallow: /\n\nUser-agent: LinkX\nDisallow: /private\nAllow: /private/feed.xml\nDisallow: /*.pdf$\n",
        );
        assert!(r.allows("linkx/0.1 (+https://n.org)", &url("/feed.xml")));
        assert!(!r.allows("linkx/0.1", &url("/private/page")));
        assert!(r.allows("linkx/0.1", &url("/private/feed.xml")));
        assert!(!r.allows("linkx/0.1", &url("/a/b.pdf")));
        assert!(!r.allows("otherbot/1.0", &url("/feed.xml")));
    }

    #[test]
    fn empty_disallow_allows_and_garbage_is_ignored() {
        let r = Robots::parse("User-agent: *\nDisallow:\n\u{0}garbage\n:::\n");
        assert!(r.allows("linkx/0.1", &url("/anything")));
        assert!(Robots::parse("").allows("linkx", &url("/")));
        assert!(!Robots::disallow_all().allows("linkx", &url("/")));
    }
}
