//! Finds the routes a request could match without trying every route. The table keeps one
//! index per entry point, holding the routes served there.
//!
//! Routes are filed by the hosts their rule requires (or under "any host"), then by the literal
//! path prefix their rule requires (or the empty prefix). A lookup hashes the request's host
//! once, then one slice of its path per distinct prefix length in that host's bucket, and tries
//! only the routes filed there, best rank first. The cost depends on how many distinct prefix
//! lengths there are, not on how many routes there are. The maps hash with foldhash (randomly
//! seeded per process): request paths are attacker-chosen, and SipHash would cost more than the
//! rest of the lookup.

use foldhash::HashMap;

use super::rule::RequestView;

/// Route ranks (positions in priority order) filed by host and path prefix.
#[derive(Debug, Default)]
pub struct RouteIndex {
    by_host: HashMap<Box<str>, PathIndex>,
    any_host: PathIndex,
}

#[derive(Debug, Default)]
struct PathIndex {
    /// Ranks in ascending order per prefix.
    by_prefix: HashMap<Box<str>, Vec<u32>>,
    /// Distinct prefix lengths present, ascending.
    lengths: Vec<usize>,
}

impl RouteIndex {
    /// Files route `rank` under every host and prefix its rule requires. Ranks must be added in
    /// ascending order.
    pub fn insert(&mut self, rank: u32, hosts: Option<Vec<&str>>, prefixes: Option<Vec<&str>>) {
        let prefixes = prefixes.unwrap_or_else(|| vec![""]);
        match hosts {
            None => self.any_host.insert(rank, &prefixes),
            Some(hosts) => {
                for host in hosts {
                    self.by_host
                        .entry(host.into())
                        .or_default()
                        .insert(rank, &prefixes);
                }
            }
        }
    }

    /// The best-ranked route for which `matches` holds, trying only indexed candidates.
    pub fn find(&self, request: &RequestView<'_>, matches: impl Fn(u32) -> bool) -> Option<u32> {
        let mut best: Option<u32> = None;
        if let Some(paths) = self.by_host.get(request.host) {
            paths.find(request.path, &matches, &mut best);
        }
        self.any_host.find(request.path, &matches, &mut best);
        best
    }
}

impl PathIndex {
    fn insert(&mut self, rank: u32, prefixes: &[&str]) {
        for prefix in prefixes {
            let ranks = self.by_prefix.entry((*prefix).into()).or_default();
            if ranks.last() != Some(&rank) {
                ranks.push(rank);
            }
            if let Err(position) = self.lengths.binary_search(&prefix.len()) {
                self.lengths.insert(position, prefix.len());
            }
        }
    }

    fn find(&self, path: &str, matches: &impl Fn(u32) -> bool, best: &mut Option<u32>) {
        for &length in &self.lengths {
            if length > path.len() {
                break;
            }
            let Some(ranks) = path
                .get(..length)
                .and_then(|prefix| self.by_prefix.get(prefix))
            else {
                continue;
            };
            for &rank in ranks {
                if best.is_some_and(|found| rank >= found) {
                    break;
                }
                if matches(rank) {
                    *best = Some(rank);
                    break;
                }
            }
        }
    }
}
