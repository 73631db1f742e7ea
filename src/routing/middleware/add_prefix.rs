//! `addPrefix`: puts a prefix in front of the path, as Traefik v2/v3 does
//! (`pkg/middlewares/addprefix`): no header, no normalisation, the escaped path kept.

use http::StatusCode;
use http::request::Parts;

use super::uri::{ensure_leading_slash, escape_path};
use super::{Answer, RequestContext, RequestStep, ResponseEdits, Verdict, set_path};
use crate::routing::options::{OptionError, Options};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddPrefix {
    /// As it goes on the wire (characters a path cannot carry escaped).
    pub prefix: String,
}

impl AddPrefix {
    pub fn from_options(options: &Options<'_>) -> Result<Self, OptionError> {
        match options.string("prefix") {
            Some(prefix) if !prefix.is_empty() => Ok(AddPrefix {
                prefix: escape_path(prefix),
            }),
            _ => Err(options.error("prefix", "is required (prefix cannot be empty)")),
        }
    }
}

impl RequestStep for AddPrefix {
    fn on_request(
        &self,
        request: &mut Parts,
        _context: &RequestContext,
        _edits: &mut ResponseEdits,
    ) -> Verdict {
        let path = ensure_leading_slash(format!("{}{}", self.prefix, request.uri.path()));
        match set_path(request, &path) {
            Ok(()) => Verdict::Continue,
            Err(_) => Verdict::Respond(Answer::status(StatusCode::BAD_REQUEST)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::middleware::test_support::{context, request, run};

    #[test]
    fn the_prefix_goes_in_front_of_the_escaped_path() {
        // pkg/middlewares/addprefix/add_prefix_test.go, and the doc's /foo + /bar
        let cases = [
            ("/a", "/b", "/a/b"),
            ("a", "/", "/a/"),
            ("/a", "/b%2Fc", "/a/b%2Fc"),
            ("/foo", "/bar?x=1", "/foo/bar?x=1"),
            ("/a b", "/c", "/a%20b/c"),
        ];
        for (prefix, path, expected) in cases {
            let config = AddPrefix {
                prefix: escape_path(prefix),
            };
            let outcome = run(&config, request("GET", path, &[]), &context());
            assert_eq!(outcome.target(), expected, "{prefix} + {path}");
        }
    }

    #[test]
    fn an_empty_prefix_is_an_error() {
        // add_prefix_test.go: "prefix cannot be empty"
        for options in [Options::new("traefik.http.middlewares.a.addprefix"), {
            let mut options = Options::new("traefik.http.middlewares.a.addprefix");
            options.push("prefix", "traefik.http.middlewares.a.addprefix.prefix", "");
            options
        }] {
            let err = AddPrefix::from_options(&options).expect_err("empty");
            assert_eq!(err.label, "traefik.http.middlewares.a.addprefix.prefix");
        }
    }
}
