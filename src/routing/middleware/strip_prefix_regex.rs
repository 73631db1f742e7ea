//! `stripPrefixRegex`: removes the start of the path that the first matching regex matches, as
//! Traefik v2/v3 does (`pkg/middlewares/stripprefixregex`): regexes tried in order against the
//! decoded path, unanchored, but a match counts only when it starts the path; the matched text
//! goes to `X-Forwarded-Prefix`; the escaped path is cut by as many bytes as spell the match.
//! A result with a dot or empty segment is refused with 400.

use http::StatusCode;
use http::header::{HeaderName, HeaderValue};
use http::request::Parts;

use super::go_regex::GoRegex;
use super::uri::{decoded_path, ensure_leading_slash, raw_prefix_len};
use super::{Answer, RequestContext, RequestStep, ResponseEdits, Verdict, is_clean_path, set_path};
use crate::routing::options::{OptionError, Options};

static X_FORWARDED_PREFIX: HeaderName = HeaderName::from_static("x-forwarded-prefix");

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StripPrefixRegex {
    pub regexes: Vec<GoRegex>,
}

impl StripPrefixRegex {
    pub fn from_options(options: &Options<'_>) -> Result<Self, OptionError> {
        let regexes = options
            .list("regex")
            .unwrap_or_default()
            .into_iter()
            .map(|pattern| GoRegex::from_option(options, "regex", pattern))
            .collect::<Result<_, _>>()?;
        Ok(StripPrefixRegex { regexes })
    }

    /// The escaped path after stripping and the decoded prefix stripped; `None` when no regex
    /// matches the start of the path.
    pub fn strip(&self, raw_path: &str) -> Option<(String, String)> {
        let decoded = decoded_path(raw_path)?;
        let prefix = self.regexes.iter().find_map(|regex| {
            let found = regex.find(&decoded)?;
            (found.start() == 0 && !found.is_empty()).then(|| found.as_str().to_owned())
        })?;
        let rest = &raw_path[raw_prefix_len(raw_path, prefix.len())..];
        Some((ensure_leading_slash(rest.to_owned()), prefix))
    }
}

impl RequestStep for StripPrefixRegex {
    fn on_request(
        &self,
        request: &mut Parts,
        _context: &RequestContext,
        _edits: &mut ResponseEdits,
    ) -> Verdict {
        let Some((path, prefix)) = self.strip(request.uri.path()) else {
            return Verdict::Continue;
        };
        let clean = decoded_path(&path).is_some_and(|decoded| is_clean_path(&decoded));
        let wire_path = if path.is_empty() { "/" } else { &path };
        if !clean || set_path(request, wire_path).is_err() {
            return Verdict::Respond(Answer::status(StatusCode::BAD_REQUEST));
        }
        if let Ok(value) = HeaderValue::from_str(&prefix) {
            request.headers.append(X_FORWARDED_PREFIX.clone(), value);
        }
        Verdict::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::middleware::test_support::{context, request, run};

    fn config(regexes: &[&str]) -> StripPrefixRegex {
        StripPrefixRegex {
            regexes: regexes
                .iter()
                .map(|pattern| GoRegex::new(pattern).expect("valid"))
                .collect(),
        }
    }

    #[test]
    fn the_first_regex_matching_the_start_of_the_decoded_path_is_stripped() {
        // pkg/middlewares/stripprefixregex/strip_prefix_regex_test.go
        let regexes = ["/a/api/", "/b/([a-z0-9]+)/", "/c/[a-z0-9]+/[0-9]+/"];
        let cases = [
            ("/a/test", "/a/test", None),
            ("/a/api/", "/", Some("/a/api/")),
            ("/a/api/test/", "/test/", Some("/a/api/")),
            ("/b/api", "/b/api", None),
            ("/b/api2/test2", "/test2", Some("/b/api2/")),
            ("/c/api/123/test3", "/test3", Some("/c/api/123/")),
            ("/c/api/abc/test4", "/c/api/abc/test4", None),
            ("/a/api/a%2Fb", "/a%2Fb", Some("/a/api/")),
            ("/b/ap%69/test", "/test", Some("/b/api/")),
            ("/a/api/x?q=1", "/x?q=1", Some("/a/api/")),
        ];
        for (path, expected, prefix) in cases {
            let outcome = run(&config(&regexes), request("GET", path, &[]), &context());
            assert_eq!(outcome.status(), StatusCode::OK, "{path}");
            assert_eq!(outcome.target(), expected, "{path}");
            assert_eq!(outcome.header("x-forwarded-prefix"), prefix, "{path}");
        }
    }

    #[test]
    fn escaped_characters_match_decoded() {
        // strip_prefix_regex_test.go: regex "/t /test"
        let strip = config(&["/t /test"]);
        let outcome = run(&strip, request("GET", "/t%2F/test/foo", &[]), &context());
        assert_eq!(
            outcome.target(),
            "/t%2F/test/foo",
            "%2F is a slash, no match"
        );
        let outcome = run(&strip, request("GET", "/t%20/test/a%2Fb", &[]), &context());
        assert_eq!(outcome.target(), "/a%2Fb");
        assert_eq!(outcome.header("x-forwarded-prefix"), Some("/t /test"));
    }

    #[test]
    fn a_match_that_does_not_start_the_path_is_not_a_prefix() {
        let outcome = run(
            &config(&["api/"]),
            request("GET", "/x/api/y", &[]),
            &context(),
        );
        assert_eq!(outcome.target(), "/x/api/y");
        let outcome = run(
            &config(&["^$", "x*"]),
            request("GET", "/y", &[]),
            &context(),
        );
        assert_eq!(outcome.target(), "/y", "empty matches strip nothing");
    }

    #[test]
    fn a_result_with_dot_segments_is_refused() {
        // Traefik 3.6.18+: "/api./foo" and "/api../foo" minus "/api" are 400
        for path in ["/api./foo", "/api../foo", "/api%2E%2E/foo"] {
            let outcome = run(&config(&["/api"]), request("GET", path, &[]), &context());
            assert_eq!(outcome.status(), StatusCode::BAD_REQUEST, "{path}");
        }
    }

    #[test]
    fn options_read_like_traefik_labels() {
        let mut options = Options::new("traefik.http.middlewares.s.stripprefixregex");
        options.push("regex", "…regex", "/foo/[a-z0-9]+/[0-9]+/, ^/bar");
        let parsed = StripPrefixRegex::from_options(&options).expect("valid");
        assert_eq!(parsed, config(&["/foo/[a-z0-9]+/[0-9]+/", "^/bar"]));
        let mut options = Options::new("traefik.http.middlewares.s.stripprefixregex");
        options.push(
            "regex",
            "traefik.http.middlewares.s.stripprefixregex.regex",
            "^(.*",
        );
        let err = StripPrefixRegex::from_options(&options).expect_err("bad regex");
        assert_eq!(
            err.label,
            "traefik.http.middlewares.s.stripprefixregex.regex"
        );
        assert!(err.reason.contains("not a valid regex"), "{err}");
    }
}
