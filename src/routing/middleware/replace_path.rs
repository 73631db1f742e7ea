//! `replacePath`: replaces the whole path (the query stays), as Traefik v2/v3 does
//! (`pkg/middlewares/replacepath`), and appends the escaped original to `X-Replaced-Path`.

use http::StatusCode;
use http::header::{HeaderName, HeaderValue};
use http::request::Parts;

use super::uri::{escape_path, percent_decode};
use super::{Answer, RequestContext, RequestStep, ResponseEdits, Verdict, set_path};
use crate::routing::options::{OptionError, Options};

pub(super) static X_REPLACED_PATH: HeaderName = HeaderName::from_static("x-replaced-path");

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplacePath {
    /// As it goes on the wire; empty goes as `/`.
    pub path: String,
}

impl ReplacePath {
    pub fn from_options(options: &Options<'_>) -> Result<Self, OptionError> {
        let path = options.string("path").unwrap_or_default();
        // Traefik answers every request 500 when the path does not unescape; say so up front.
        if percent_decode(path).is_none() {
            return Err(options.error(
                "path",
                format!("{path:?} has a % that is not followed by two hex digits"),
            ));
        }
        Ok(ReplacePath {
            path: escape_path(path),
        })
    }
}

/// Appends the path as it was to `X-Replaced-Path`, then puts `path` in its place.
pub(super) fn replace(request: &mut Parts, path: &str) -> Verdict {
    let original = HeaderValue::from_str(request.uri.path());
    let wire_path = if path.is_empty() { "/" } else { path };
    if set_path(request, wire_path).is_err() {
        return Verdict::Respond(Answer::status(StatusCode::INTERNAL_SERVER_ERROR));
    }
    if let Ok(original) = original {
        request.headers.append(X_REPLACED_PATH.clone(), original);
    }
    Verdict::Continue
}

impl RequestStep for ReplacePath {
    fn on_request(
        &self,
        request: &mut Parts,
        _context: &RequestContext,
        _edits: &mut ResponseEdits,
    ) -> Verdict {
        replace(request, &self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::middleware::test_support::{context, request, run};

    fn config(path: &str) -> ReplacePath {
        let mut options = Options::new("traefik.http.middlewares.r.replacepath");
        options.push("path", "traefik.http.middlewares.r.replacepath.path", path);
        ReplacePath::from_options(&options).expect("valid")
    }

    #[test]
    fn the_path_is_replaced_and_the_escaped_original_kept_in_a_header() {
        // pkg/middlewares/replacepath/replace_path_test.go, and the doc's path=/foo
        let cases = [
            (
                "/replacement-path",
                "/example",
                "/replacement-path",
                "/example",
            ),
            (
                "/replacement-path",
                "/foo%2Fbar",
                "/replacement-path",
                "/foo%2Fbar",
            ),
            ("/foo%2Fbar", "/aaa/bbb", "/foo%2Fbar", "/aaa/bbb"),
            ("/path/%08bar", "/x", "/path/%08bar", "/x"),
            ("/foo", "/bar?x=1", "/foo?x=1", "/bar"),
            ("", "/gone", "/", "/gone"),
        ];
        for (replacement, path, expected, original) in cases {
            let outcome = run(&config(replacement), request("GET", path, &[]), &context());
            assert_eq!(outcome.target(), expected, "{replacement} for {path}");
            assert_eq!(outcome.header("x-replaced-path"), Some(original), "{path}");
        }
    }

    #[test]
    fn a_path_with_a_broken_escape_is_an_error_naming_the_label() {
        let mut options = Options::new("traefik.http.middlewares.r.replacepath");
        options.push(
            "path",
            "traefik.http.middlewares.r.replacepath.path",
            "/a%zz",
        );
        let err = ReplacePath::from_options(&options).expect_err("bad escape");
        assert_eq!(err.label, "traefik.http.middlewares.r.replacepath.path");
    }
}
