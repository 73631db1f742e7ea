//! `replacePathRegex`: replaces every match of a regex in the escaped path (the query stays),
//! as Traefik v2/v3 does (`pkg/middlewares/replacepathregex`) with Go's `ReplaceAllString`:
//! `$1` and `${name}` expand (`$1x` is the group named `1x`; write `${1}x`). The escaped
//! original goes to `X-Replaced-Path`; no match leaves the request alone. A result that does
//! not unescape is a 500, one with a dot or empty segment a 400, as in Traefik.

use http::StatusCode;
use http::request::Parts;

use super::go_regex::GoRegex;
use super::replace_path::replace;
use super::uri::{ensure_leading_slash, escape_path, percent_decode};
use super::{Answer, RequestContext, RequestStep, ResponseEdits, Verdict, is_clean_path};
use crate::routing::options::{OptionError, Options};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplacePathRegex {
    pub regex: GoRegex,
    pub replacement: String,
}

impl ReplacePathRegex {
    pub fn from_options(options: &Options<'_>) -> Result<Self, OptionError> {
        let pattern = options.string("regex").unwrap_or_default().trim();
        let regex = GoRegex::from_option(options, "regex", pattern)?;
        let replacement = options.string("replacement").unwrap_or_default().trim();
        Ok(ReplacePathRegex {
            regex,
            replacement: replacement.to_owned(),
        })
    }
}

impl RequestStep for ReplacePathRegex {
    fn on_request(
        &self,
        request: &mut Parts,
        _context: &RequestContext,
        _edits: &mut ResponseEdits,
    ) -> Verdict {
        let current = request.uri.path();
        if !self.regex.is_match(current) {
            return Verdict::Continue;
        }
        let replaced = self.regex.replace_all(current, self.replacement.as_str());
        let path = ensure_leading_slash(escape_path(&replaced));
        let Some(decoded) = percent_decode(&path) else {
            return Verdict::Respond(Answer::status(StatusCode::INTERNAL_SERVER_ERROR));
        };
        if !is_clean_path(&String::from_utf8_lossy(&decoded)) {
            return Verdict::Respond(Answer::status(StatusCode::BAD_REQUEST));
        }
        replace(request, &path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::middleware::test_support::{context, request, run};

    fn config(regex: &str, replacement: &str) -> Result<ReplacePathRegex, OptionError> {
        let mut options = Options::new("traefik.http.middlewares.r.replacepathregex");
        options.push(
            "regex",
            "traefik.http.middlewares.r.replacepathregex.regex",
            regex,
        );
        options.push("replacement", "…replacement", replacement);
        ReplacePathRegex::from_options(&options)
    }

    #[test]
    fn every_match_in_the_escaped_path_is_replaced() {
        // pkg/middlewares/replacepathregex/replace_path_regex_test.go, and the doc's example
        let cases = [
            (
                "^/whoami/(.*)",
                "/who-am-i/$1",
                "/whoami/and/whoami",
                "/who-am-i/and/whoami",
            ),
            (
                "/whoami",
                "/who-am-i",
                "/whoami/and/whoami",
                "/who-am-i/and/who-am-i",
            ),
            ("/whoami", "", "/whoami/and/whoami", "/and"),
            ("/whoami", " ", "/whoami/and/whoami", "/and"),
            (
                "^(?i)/downloads/([^/]+)/([^/]+)$",
                "/downloads/$1-$2",
                "/downloads/src/source.go",
                "/downloads/src-source.go",
            ),
            ("/aaa/bbb", "/foo%2Fbar", "/aaa/bbb", "/foo%2Fbar"),
            ("/aaa%2Fbbb", "/foo/bar", "/aaa%2Fbbb", "/foo/bar"),
            ("^/foo/(.*)", "/$1", "/foo/%08bar", "/%08bar"),
            ("^/foo/(.*)", "/bar/$1", "/foo/x?y=1", "/bar/x?y=1"),
            ("^/foo/(.*)", "/bar/$1x", "/foo/x", "/bar/"),
            ("^/foo/(.*)", "/bar/${1}x", "/foo/x", "/bar/xx"),
        ];
        for (regex, replacement, path, expected) in cases {
            let step = config(regex, replacement).expect("valid");
            let outcome = run(&step, request("GET", path, &[]), &context());
            assert_eq!(outcome.status(), StatusCode::OK, "{regex} on {path}");
            assert_eq!(
                outcome.target(),
                expected,
                "{regex} -> {replacement} on {path}"
            );
            let original = path.split('?').next();
            assert_eq!(outcome.header("x-replaced-path"), original, "{path}");
        }
    }

    #[test]
    fn no_match_leaves_the_request_alone() {
        // replace_path_regex_test.go: "/no-match", and "/aaa/bbb" against "/aaa%2Fbbb"
        for (regex, path) in [
            ("/no-match", "/whoami/and/whoami"),
            ("/aaa/bbb", "/aaa%2Fbbb"),
        ] {
            let step = config(regex, "/whoami").expect("valid");
            let outcome = run(&step, request("GET", path, &[]), &context());
            assert_eq!(outcome.target(), path);
            assert_eq!(outcome.header("x-replaced-path"), None);
        }
    }

    #[test]
    fn bad_results_are_refused_as_traefik_does() {
        // replace_path_regex_test.go: "^/foo(.*)" -> "/$1" on "/foo../bar" is 400
        let step = config("^/foo(.*)", "/$1").expect("valid");
        let outcome = run(&step, request("GET", "/foo../bar", &[]), &context());
        assert_eq!(outcome.status(), StatusCode::BAD_REQUEST);
        let step = config("^/(.*)", "/%zz$1").expect("valid");
        let outcome = run(&step, request("GET", "/x", &[]), &context());
        assert_eq!(outcome.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn a_regex_that_does_not_compile_names_the_label() {
        // replace_path_regex_test.go: "^(?err)/invalid/regexp/([^/]+)$"
        let err = config("^(?err)/invalid/regexp/([^/]+)$", "").expect_err("bad regex");
        assert_eq!(
            err.label,
            "traefik.http.middlewares.r.replacepathregex.regex"
        );
    }
}
