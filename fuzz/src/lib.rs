//! What the fuzz targets share: requests made from a rule's own strings (so that a fuzzed rule
//! matches now and then, which random requests almost never do), and the check that the route
//! index may rely on what a rule says it requires.
#![forbid(unsafe_code)]

pub mod swarm;

use std::net::{IpAddr, Ipv4Addr};

use arbitrary::{Arbitrary, Unstructured};
use hawser::routing::RequestView;
use hawser::routing::host::canonical_host;
use hawser::routing::rule::{Expr, Matcher};
use http::{HeaderMap, HeaderName, HeaderValue, Method};

/// Splits a rule target's input at its first NUL: the rule text before it (seeds are just a
/// rule), the bytes for [`RequestParts`] after it.
pub fn split_rule_input(data: &[u8]) -> Option<(&str, RequestParts)> {
    let (text, rest) = match data.iter().position(|&byte| byte == 0) {
        Some(nul) => (&data[..nul], &data[nul + 1..]),
        None => (data, &[][..]),
    };
    let text = std::str::from_utf8(text).ok()?;
    let parts = RequestParts::arbitrary_take_rest(Unstructured::new(rest)).unwrap_or_default();
    Some((text, parts))
}

/// Request parts the fuzzer chooses itself.
#[derive(Arbitrary, Debug, Default)]
pub struct RequestParts {
    pub method: u8,
    pub host: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub client_ip: Option<IpAddr>,
}

/// A request's parts, owned, for a [`RequestView`] on them.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: Method,
    pub host: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub client_ip: IpAddr,
}

impl Request {
    pub fn view(&self) -> RequestView<'_> {
        RequestView {
            method: &self.method,
            host: &self.host,
            path: &self.path,
            query: self.query.as_deref(),
            headers: &self.headers,
            client_ip: self.client_ip,
        }
    }
}

const METHODS: [Method; 4] = [Method::GET, Method::POST, Method::DELETE, Method::OPTIONS];
const MAX_EACH: usize = 6;

/// Requests to try a rule on: hosts, paths, headers, query pairs and methods taken from the
/// rule's own matchers, crossed with the fuzzer's own.
pub fn candidates(expr: &Expr, parts: &RequestParts) -> Vec<Request> {
    let mut seen = Seen::default();
    collect(expr, &mut seen);
    let fuzzed_path = if parts.path.starts_with('/') {
        parts.path.clone()
    } else {
        format!("/{}", parts.path)
    };
    let mut hosts = vec![String::new(), canonical_host(&parts.host).into_owned()];
    hosts.extend(expr.literal_hosts().into_iter().map(|host| {
        let host = host
            .strip_prefix("*.")
            .map_or(host.to_owned(), |rest| format!("a.{rest}"));
        canonical_host(&host).into_owned()
    }));
    hosts.extend(
        seen.hosts
            .iter()
            .map(|host| canonical_host(host).into_owned()),
    );
    let mut paths = vec!["/".to_owned(), fuzzed_path.clone()];
    for prefix in expr.required_path_prefixes().unwrap_or_default() {
        paths.push(prefix.to_owned());
        paths.push(format!("{prefix}{}", &fuzzed_path[1..]));
    }
    paths.extend(seen.paths.iter().cloned());
    dedup_capped(&mut hosts);
    dedup_capped(&mut paths);

    let mut headers = HeaderMap::new();
    for (name, value) in parts.headers.iter().chain(&seen.headers) {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.append(name, value);
        }
    }
    let mut query = parts.query.clone();
    if !seen.query.is_empty() {
        let ours = seen.query.join("&");
        query = Some(match query {
            Some(theirs) if !theirs.is_empty() => format!("{ours}&{theirs}"),
            _ => ours,
        });
    }
    let mut methods = vec![METHODS[usize::from(parts.method) % METHODS.len()].clone()];
    methods.extend(seen.methods.iter().cloned());
    methods.truncate(2);
    let client_ip = parts
        .client_ip
        .unwrap_or(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7)));

    let mut requests = Vec::new();
    for host in &hosts {
        for path in &paths {
            for method in &methods {
                requests.push(Request {
                    method: method.clone(),
                    host: host.clone(),
                    path: path.clone(),
                    query: query.clone(),
                    headers: headers.clone(),
                    client_ip,
                });
            }
        }
    }
    requests
}

/// The route index files a route under the hosts and path prefixes its rule requires and never
/// tries it for other requests: a request the rule matches must have one of each, or the route
/// would silently never be found for it.
pub fn assert_index_sound(expr: &Expr, request: &Request, rule: &str) {
    if !expr.matches(&request.view()) {
        return;
    }
    if let Some(hosts) = expr.required_hosts() {
        assert!(
            hosts.contains(&request.host.as_str()),
            "rule {rule:?} matched host {:?}, which is not among the hosts it requires {hosts:?}",
            request.host
        );
    }
    if let Some(prefixes) = expr.required_path_prefixes() {
        assert!(
            prefixes
                .iter()
                .any(|prefix| request.path.starts_with(prefix)),
            "rule {rule:?} matched path {:?}, which starts with none of the prefixes it \
             requires {prefixes:?}",
            request.path
        );
    }
}

#[derive(Default)]
struct Seen {
    hosts: Vec<String>,
    paths: Vec<String>,
    headers: Vec<(String, String)>,
    query: Vec<String>,
    methods: Vec<Method>,
}

fn collect(expr: &Expr, seen: &mut Seen) {
    match expr {
        Expr::All(children) | Expr::Any(children) => {
            for child in children {
                collect(child, seen);
            }
        }
        Expr::Not(child) => collect(child, seen),
        Expr::Test(matcher) => match matcher {
            Matcher::Host(host) => seen.hosts.push(host.clone()),
            Matcher::HostPattern(pattern) => seen.hosts.push(pattern.source().to_owned()),
            Matcher::Path(pattern) | Matcher::PathPrefix(pattern) => {
                seen.paths.push(pattern.source().to_owned());
            }
            Matcher::Method(method) => seen.methods.push(method.clone()),
            Matcher::Header {
                name,
                value: Some(value),
            } => seen.headers.push((name.to_string(), value.clone())),
            Matcher::Header { name, value: None } => {
                seen.headers.push((name.to_string(), "x".to_owned()));
            }
            Matcher::QueryValue { key, value } => seen.query.push(format!("{key}={value}")),
            Matcher::Query { key, value } => seen.query.push(match value {
                Some(pattern) => format!("{key}={}", pattern.source()),
                None => key.clone(),
            }),
            _ => {}
        },
    }
}

fn dedup_capped(values: &mut Vec<String>) {
    let mut kept: Vec<String> = Vec::new();
    for value in values.drain(..) {
        if !kept.contains(&value) {
            kept.push(value);
        }
    }
    kept.truncate(MAX_EACH);
    *values = kept;
}
