//! `redirectRegex`: rewrites the request's URL with a regex and sends the client there, as
//! Traefik v2/v3 does (`pkg/middlewares/redirect/redirect_regex.go`). The regex sees
//! `scheme://host[:port]/path?query`: `https` only over TLS (Traefik ≥2.1 does not look at
//! `X-Forwarded-Proto` here), the host as the client sent it, port included. A result that is
//! not a URL is a 502, as in Traefik; a result equal to the URL lets the request go on.

use http::StatusCode;
use http::request::Parts;

use super::go_regex::GoRegex;
use super::redirect_scheme::redirect;
use super::uri::{escape_url, percent_decode, request_host};
use super::{Answer, RequestContext, RequestStep, ResponseEdits, Verdict};
use crate::routing::options::{OptionError, Options};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedirectRegex {
    pub regex: GoRegex,
    pub replacement: String,
    pub permanent: bool,
}

impl RedirectRegex {
    pub fn from_options(options: &Options<'_>) -> Result<Self, OptionError> {
        let pattern = options.string("regex").unwrap_or_default();
        Ok(RedirectRegex {
            regex: GoRegex::from_option(options, "regex", pattern)?,
            replacement: options.string("replacement").unwrap_or_default().to_owned(),
            permanent: options.bool("permanent")?.unwrap_or(false),
        })
    }
}

impl RequestStep for RedirectRegex {
    fn on_request(
        &self,
        request: &mut Parts,
        context: &RequestContext,
        _edits: &mut ResponseEdits,
    ) -> Verdict {
        let scheme = if context.tls { "https" } else { "http" };
        let uri = request
            .uri
            .path_and_query()
            .map_or("/", |path_and_query| path_and_query.as_str());
        let old = format!("{scheme}://{}{uri}", request_host(request));
        if !self.regex.is_match(&old) {
            return Verdict::Continue;
        }
        let new = self.regex.replace_all(&old, self.replacement.as_str());
        if new == old {
            return Verdict::Continue;
        }
        match as_location(&new)
            .and_then(|location| redirect(&location, self.permanent, &request.method))
        {
            Some(answer) => Verdict::Respond(answer),
            None => Verdict::Respond(Answer::status(StatusCode::BAD_GATEWAY)),
        }
    }
}

/// The URL as Go's `url.Parse(...).String()` would give it, or `None` where Go's parse
/// fails: control characters, a bad `%` escape, an escape in the host, a port that is not
/// a number. Characters a URL cannot carry are escaped, as Go does when it prints one.
fn as_location(url: &str) -> Option<String> {
    if url.bytes().any(|byte| byte.is_ascii_control()) {
        return None;
    }
    let escaped = escape_url(url);
    let parsed: http::Uri = escaped.parse().ok()?;
    if let Some(authority) = parsed.authority() {
        let host = authority.host();
        if host.contains('%') && !host.starts_with('[') {
            return None;
        }
        let host_port = authority.as_str().rsplit('@').next().unwrap_or_default();
        let port = host_port
            .rsplit_once(']')
            .map_or(host_port, |(_, rest)| rest);
        if let Some((_, port)) = port.rsplit_once(':') {
            if !port.is_empty() && port.parse::<u16>().is_err() {
                return None;
            }
        }
    }
    percent_decode(&escaped)?;
    Some(escaped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::middleware::test_support::{context, request, run};

    fn config(regex: &str, replacement: &str, permanent: bool) -> RedirectRegex {
        RedirectRegex {
            regex: GoRegex::new(regex).expect("valid"),
            replacement: replacement.to_owned(),
            permanent,
        }
    }

    /// regex, replacement, permanent, method, URL, TLS, status, Location
    type Case<'a> = (
        &'a str,
        &'a str,
        bool,
        &'a str,
        &'a str,
        bool,
        u16,
        Option<&'a str>,
    );

    #[test]
    fn the_whole_url_is_rewritten() {
        // pkg/middlewares/redirect/redirect_regex_test.go; Traefik's absolute request URIs
        // become a Host header here (and https comes from TLS)
        let host_port = r"^(?:http?:\/\/)(foo)(\.com)(:\d+)(.*)$";
        let any_host = r"(https?)://[^/:]+(:[0-9]+)?/(.*)";
        let cases: &[Case] = &[
            (
                host_port,
                "https://${1}bar$2:443$4",
                false,
                "GET",
                "http://foo.com:80/",
                false,
                302,
                Some("https://foobar.com:443/"),
            ),
            (
                host_port,
                "https://${1}bar$2:443$4",
                false,
                "GET",
                "http://bar.com:80/",
                false,
                200,
                None,
            ),
            (
                r"^(.*)$",
                "http://192.168.0.%31/",
                false,
                "GET",
                "http://foo/",
                false,
                502,
                None,
            ),
            (
                r"^http://",
                "https://$1",
                true,
                "GET",
                "http://foo/",
                false,
                301,
                Some("https://foo/"),
            ),
            (
                "https://foo",
                "http://foo",
                true,
                "GET",
                "http://foo/",
                true,
                301,
                Some("http://foo/"),
            ),
            (
                "http://foo:80",
                "https://foo:443",
                false,
                "GET",
                "http://foo:80/",
                false,
                302,
                Some("https://foo:443/"),
            ),
            (
                r"^http://",
                "https://$1",
                false,
                "POST",
                "http://foo/",
                false,
                307,
                Some("https://foo/"),
            ),
            (
                r"^http://",
                "https://$1",
                true,
                "POST",
                "http://foo/",
                false,
                308,
                Some("https://foo/"),
            ),
            (
                any_host,
                "$1://example.com$2/$3",
                true,
                "GET",
                "http://www.example.com:8080/path",
                false,
                301,
                Some("http://example.com:8080/path"),
            ),
            (
                any_host,
                "$1://example.com$2/$3",
                true,
                "GET",
                "http://www.example.com/path",
                true,
                301,
                Some("https://example.com/path"),
            ),
            // the doc: regex=^http://localhost/(.*), replacement=http://mydomain/${1}
            (
                r"^http://localhost/(.*)",
                "http://mydomain/${1}",
                false,
                "GET",
                "http://localhost/foo?x=1",
                false,
                302,
                Some("http://mydomain/foo?x=1"),
            ),
            (
                r"^http://localhost/(.*)",
                "http://localhost/$1",
                false,
                "GET",
                "http://localhost/same",
                false,
                200,
                None,
            ),
        ];
        for &(regex, replacement, permanent, method, url, tls, status, location) in cases {
            let step = config(regex, replacement, permanent);
            let context = RequestContext { tls, ..context() };
            let outcome = run(&step, request(method, url, &[]), &context);
            assert_eq!(
                outcome.status().as_u16(),
                status,
                "{regex} on {method} {url}"
            );
            if let Some(location) = location {
                assert_eq!(outcome.answer().headers["location"], location, "{url}");
            }
        }
    }

    #[test]
    fn x_forwarded_proto_is_not_the_scheme() {
        // redirect_regex_test.go: http://foo:80 with X-Forwarded-Proto: https still redirects
        let step = config("http://foo:80", "https://foo:443", false);
        let headers = [("x-forwarded-proto", "https")];
        let outcome = run(
            &step,
            request("GET", "http://foo:80/", &headers),
            &context(),
        );
        assert_eq!(outcome.status(), StatusCode::FOUND);
    }

    #[test]
    fn locations_are_urls_as_go_prints_them() {
        assert_eq!(
            as_location("https://a/b c?d=e f").as_deref(),
            Some("https://a/b%20c?d=e%20f")
        );
        assert_eq!(as_location("/relative").as_deref(), Some("/relative"));
        assert_eq!(as_location("http://192.168.0.%31/"), None);
        assert_eq!(as_location("http://a/\n"), None);
        assert_eq!(as_location("http://a/%zz"), None);
        assert_eq!(as_location("http://a:port/"), None);
    }

    #[test]
    fn options_read_like_traefik_labels() {
        // redirect_regex_test.go: "^(.*" is a build error
        let mut options = Options::new("traefik.http.middlewares.r.redirectregex");
        options.push(
            "regex",
            "traefik.http.middlewares.r.redirectregex.regex",
            "^(.*",
        );
        let err = RedirectRegex::from_options(&options).expect_err("bad regex");
        assert_eq!(err.label, "traefik.http.middlewares.r.redirectregex.regex");
        let mut options = Options::new("traefik.http.middlewares.r.redirectregex");
        options.push("Regex", "…Regex", "^http://localhost/(.*)");
        options.push("Replacement", "…Replacement", "http://mydomain/${1}");
        options.push("Permanent", "…Permanent", "true");
        let parsed = RedirectRegex::from_options(&options).expect("valid");
        assert_eq!(
            parsed,
            config("^http://localhost/(.*)", "http://mydomain/${1}", true)
        );
        assert_eq!(options.finish(), Ok(()));
    }
}
