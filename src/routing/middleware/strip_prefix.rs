//! `stripPrefix`: removes the first of its prefixes the path starts with, as Traefik v2/v3 does
//! (`pkg/middlewares/stripprefix`): prefixes tried in the order written (not longest first), a
//! plain string prefix (`/stat` strips `/status` to `/us`), the prefix added to
//! `X-Forwarded-Prefix`. A result with a dot or empty segment is refused with 400.

use http::StatusCode;
use http::header::{HeaderName, HeaderValue};
use http::request::Parts;

use super::{Answer, RequestContext, RequestStep, ResponseEdits, Verdict, is_clean_path, set_path};
use crate::routing::options::{OptionError, Options};

static X_FORWARDED_PREFIX: HeaderName = HeaderName::from_static("x-forwarded-prefix");

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StripPrefix {
    pub prefixes: Vec<String>,
    /// Deprecated in Traefik (default false in v3): the rest always starts with exactly one `/`.
    pub force_slash: bool,
}

impl StripPrefix {
    pub fn from_options(options: &Options<'_>) -> Result<Self, OptionError> {
        let prefixes = options
            .list("prefixes")
            .unwrap_or_default()
            .into_iter()
            .map(str::to_owned)
            .collect();
        let force_slash = options.bool("forceslash")?.unwrap_or(false);
        Ok(StripPrefix {
            prefixes,
            force_slash,
        })
    }

    /// The path after stripping, and the prefix stripped; `None` when no prefix matches.
    pub fn strip<'p>(&'p self, path: &str) -> Option<(String, &'p str)> {
        let prefix = self
            .prefixes
            .iter()
            .find(|prefix| path.starts_with(prefix.as_str()))?;
        let rest = &path[prefix.len()..];
        let stripped = if self.force_slash {
            format!("/{}", rest.trim_start_matches('/'))
        } else if rest.starts_with('/') {
            rest.to_owned()
        } else {
            format!("/{rest}")
        };
        Some((stripped, prefix))
    }
}

impl RequestStep for StripPrefix {
    fn on_request(
        &self,
        request: &mut Parts,
        _context: &RequestContext,
        _edits: &mut ResponseEdits,
    ) -> Verdict {
        let Some((path, prefix)) = self.strip(request.uri.path()) else {
            return Verdict::Continue;
        };
        if !is_clean_path(&path) || set_path(request, &path).is_err() {
            return Verdict::Respond(Answer::status(StatusCode::BAD_REQUEST));
        }
        if let Ok(value) = HeaderValue::from_str(prefix) {
            request.headers.append(X_FORWARDED_PREFIX.clone(), value);
        }
        Verdict::Continue
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use http::Request;

    use super::*;

    fn strip(prefixes: &[&str], force_slash: bool, path: &str) -> (Verdict, String, Vec<String>) {
        let config = StripPrefix {
            prefixes: prefixes.iter().map(|prefix| (*prefix).to_owned()).collect(),
            force_slash,
        };
        let (mut parts, ()) = Request::get(format!("http://localhost{path}"))
            .body(())
            .expect("request")
            .into_parts();
        let context = RequestContext {
            client_ip: [127, 0, 0, 1].into(),
            trusted_proxy: false,
            tls: false,
            now: Instant::now(),
            entry_point: 0,
        };
        let verdict = config.on_request(&mut parts, &context, &mut ResponseEdits::default());
        let prefix = parts
            .headers
            .get_all("x-forwarded-prefix")
            .iter()
            .map(|value| value.to_str().expect("ascii").to_owned())
            .collect();
        (verdict, parts.uri.to_string(), prefix)
    }

    #[test]
    fn prefixes_are_tried_in_order_as_plain_string_prefixes() {
        // pkg/middlewares/stripprefix/strip_prefix_test.go (forceSlash false, as in v3)
        let cases: &[(&[&str], &str, &str, Option<&str>)] = &[
            (&[], "/noprefixes", "/noprefixes", None),
            (&["/"], "/", "/", Some("/")),
            (&["/stat"], "/stat", "/", Some("/stat")),
            (&["/stat/"], "/stat/", "/", Some("/stat/")),
            (&["/stat/"], "/stat/us", "/us", Some("/stat/")),
            (&["/stat/"], "/status", "/status", None),
            (&["/stat"], "/stat/", "/", Some("/stat")),
            (&["/stat", "/stat/us"], "/stat/us", "/us", Some("/stat")),
            (&["/mismatch", "/stat"], "/stat", "/", Some("/stat")),
            (&["/stat"], "/status", "/us", Some("/stat")),
            (
                &["/foobar", "/fiibar"],
                "/foobar/x?q=1",
                "/x?q=1",
                Some("/foobar"),
            ),
        ];
        for (prefixes, path, expected, header) in cases {
            let (verdict, uri, forwarded) = strip(prefixes, false, path);
            assert_eq!(verdict, Verdict::Continue, "{path}");
            assert!(uri.ends_with(expected), "{prefixes:?} {path}: {uri}");
            assert_eq!(forwarded.first().map(String::as_str), *header, "{path}");
        }
    }

    #[test]
    fn force_slash_keeps_exactly_one_leading_slash() {
        // the forceSlash table of Traefik v2.11's stripprefix documentation
        let cases = [
            ("/", "/", "/"),
            ("/foo", "/foo", "/"),
            ("/foo/", "/foo", "/"),
            ("/foo/", "/foo/", "/"),
            ("/bar", "/foo", "/bar"),
            ("/foo/bar", "/foo", "/bar"),
        ];
        for (path, prefix, expected) in cases {
            let (_, uri, _) = strip(&[prefix], true, path);
            assert!(uri.ends_with(expected), "{path} - {prefix}: {uri}");
        }
    }

    #[test]
    fn a_result_with_dot_segments_is_refused() {
        // Traefik 3.6.18+: "/api./foo" and "/api../foo" minus "/api" are 400
        for path in ["/api./foo", "/api../foo"] {
            let (verdict, _, _) = strip(&["/api"], false, path);
            assert!(
                matches!(verdict, Verdict::Respond(Answer { status, .. }) if status == StatusCode::BAD_REQUEST),
                "{path}"
            );
        }
    }

    #[test]
    fn options_read_like_traefik_labels() {
        let mut options = Options::new("traefik.http.middlewares.s.stripprefix");
        options.push("Prefixes", "…stripprefix.Prefixes", "/foobar, /fiibar");
        options.push("forceSlash", "…stripprefix.forceSlash", "true");
        let parsed = StripPrefix::from_options(&options).expect("valid");
        assert_eq!(parsed.prefixes, ["/foobar", "/fiibar"]);
        assert!(parsed.force_slash);
        assert_eq!(options.finish(), Ok(()));
    }
}
