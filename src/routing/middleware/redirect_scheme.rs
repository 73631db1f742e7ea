//! `redirectScheme`: sends the client to the same URL with another scheme (and port), as
//! Traefik v2/v3 does (`pkg/middlewares/redirect/redirect_scheme.go`). The scheme the request
//! came with is `https` over TLS, and `X-Forwarded-Proto` (`http`/`ws`, `https`/`wss`) says
//! better; the original port is always dropped for the configured one; a request already at
//! the target URL goes on.

use http::header::{HeaderValue, LOCATION};
use http::request::Parts;
use http::{Method, StatusCode};

use super::uri::request_host;
use super::{Answer, RequestContext, RequestStep, ResponseEdits, Verdict};
use crate::routing::options::{OptionError, Options};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedirectScheme {
    pub scheme: String,
    /// `:port`, or empty (also for `http` on 80 and `https` on 443).
    pub port: String,
    pub permanent: bool,
}

impl RedirectScheme {
    pub fn from_options(options: &Options<'_>) -> Result<Self, OptionError> {
        let scheme = options.string("scheme").unwrap_or_default();
        if scheme.is_empty() {
            return Err(options.error("scheme", "is required (you must provide a target scheme)"));
        }
        let port = options.string("port").unwrap_or_default();
        if !port.is_empty() && port.parse::<u16>().is_err() {
            return Err(options.error("port", format!("{port:?} is not a port number")));
        }
        let default_port =
            (scheme == "http" && port == "80") || (scheme == "https" && port == "443");
        let port = if port.is_empty() || default_port {
            String::new()
        } else {
            format!(":{port}")
        };
        Ok(RedirectScheme {
            scheme: scheme.to_owned(),
            port,
            permanent: options.bool("permanent")?.unwrap_or(false),
        })
    }
}

impl RequestStep for RedirectScheme {
    fn on_request(
        &self,
        request: &mut Parts,
        context: &RequestContext,
        _edits: &mut ResponseEdits,
    ) -> Verdict {
        let mut scheme = if context.tls { "https" } else { "http" };
        let forwarded = request
            .headers
            .get("x-forwarded-proto")
            .and_then(|value| value.to_str().ok())
            .unwrap_or("");
        if forwarded.eq_ignore_ascii_case("http") || forwarded.eq_ignore_ascii_case("ws") {
            scheme = "http";
        } else if forwarded.eq_ignore_ascii_case("https") || forwarded.eq_ignore_ascii_case("wss") {
            scheme = "https";
        }
        let (host, mut port) = split_host_port(request_host(request));
        if (scheme == "http" && port == ":80") || (scheme == "https" && port == ":443") {
            port = "";
        }
        let uri = request
            .uri
            .path_and_query()
            .map_or("/", |path_and_query| path_and_query.as_str());
        let old = format!("{scheme}://{host}{port}{uri}");
        let new = format!("{}://{host}{}{uri}", self.scheme, self.port);
        if new == old {
            return Verdict::Continue;
        }
        match redirect(&new, self.permanent, &request.method) {
            Some(answer) => Verdict::Respond(answer),
            None => Verdict::Respond(Answer::status(StatusCode::BAD_GATEWAY)),
        }
    }
}

/// `host` and `:port` of a `Host` value; brackets stay on an IPv6 literal, so that the URL
/// built from them is one (Traefik's `SplitHostPort` drops them and redirects
/// `[::1]:80` to `https://::1`).
fn split_host_port(host: &str) -> (&str, &str) {
    let port_start = match host.rfind(']') {
        Some(bracket) => host[bracket..].find(':').map(|colon| bracket + colon),
        None => host.rfind(':'),
    };
    match port_start {
        Some(colon) if host[colon + 1..].bytes().all(|byte| byte.is_ascii_digit()) => {
            (&host[..colon], &host[colon..])
        }
        _ => (host, ""),
    }
}

/// Traefik's `moveHandler`: 302 for a GET, 307 for any other method; 301 and 308 when
/// permanent; the status text as the body. `None` when `location` cannot be a header.
pub(super) fn redirect(location: &str, permanent: bool, method: &Method) -> Option<Answer> {
    let get = method == Method::GET;
    let status = match (permanent, get) {
        (false, true) => StatusCode::FOUND,
        (false, false) => StatusCode::TEMPORARY_REDIRECT,
        (true, true) => StatusCode::MOVED_PERMANENTLY,
        (true, false) => StatusCode::PERMANENT_REDIRECT,
    };
    let location = HeaderValue::from_str(location).ok()?;
    let mut answer = Answer::text(status, status.canonical_reason().unwrap_or(""));
    answer.headers.insert(LOCATION, location);
    Some(answer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::middleware::test_support::{context, request, run};

    fn config(scheme: &str, port: &str, permanent: bool) -> RedirectScheme {
        let mut options = Options::new("traefik.http.middlewares.r.redirectscheme");
        options.push("scheme", "…scheme", scheme);
        if !port.is_empty() {
            options.push("port", "…port", port);
        }
        if permanent {
            options.push("permanent", "…permanent", "true");
        }
        let parsed = RedirectScheme::from_options(&options).expect("valid");
        assert_eq!(options.finish(), Ok(()));
        parsed
    }

    /// scheme, port, permanent, URL, TLS, X-Forwarded-Proto, Location (`None`: no redirect)
    type Case<'a> = (
        &'a str,
        &'a str,
        bool,
        &'a str,
        bool,
        Option<&'a str>,
        Option<&'a str>,
    );

    #[test]
    fn redirects_follow_traefiks_table() {
        // pkg/middlewares/redirect/redirect_scheme_test.go (GET). Traefik's "https://foo:8000"
        // requests are absolute URIs; here the same scheme comes from TLS.
        let cases: &[Case] = &[
            (
                "https",
                "",
                false,
                "http://foo",
                false,
                None,
                Some("https://foo/"),
            ),
            (
                "https",
                "",
                false,
                "http://foo",
                false,
                Some("http"),
                Some("https://foo/"),
            ),
            ("https", "", false, "http://foo", false, Some("https"), None),
            (
                "https",
                "",
                false,
                "http://foo",
                false,
                Some("bar"),
                Some("https://foo/"),
            ),
            (
                "https",
                "",
                false,
                "http://foo",
                false,
                Some("ws"),
                Some("https://foo/"),
            ),
            ("https", "", false, "http://foo", false, Some("wss"), None),
            ("https", "", false, "http://foo", false, Some("HTTPS"), None),
            (
                "https",
                "",
                false,
                "http://foo:8080",
                false,
                None,
                Some("https://foo/"),
            ),
            (
                "https",
                "8443",
                false,
                "http://foo",
                false,
                None,
                Some("https://foo:8443/"),
            ),
            (
                "https",
                "8443",
                false,
                "http://foo:8000",
                false,
                None,
                Some("https://foo:8443/"),
            ),
            (
                "https",
                "8443",
                false,
                "http://foo:8000",
                true,
                None,
                Some("https://foo:8443/"),
            ),
            (
                "https",
                "",
                false,
                "http://foo:8000",
                true,
                None,
                Some("https://foo/"),
            ),
            (
                "https",
                "",
                false,
                "http://foo:8000/theother?x=1",
                true,
                None,
                Some("https://foo/theother?x=1"),
            ),
            (
                "https",
                "8443",
                true,
                "http://foo",
                false,
                None,
                Some("https://foo:8443/"),
            ),
            ("http", "80", false, "http://foo:80", false, None, None),
            ("https", "443", false, "http://foo:443", true, None, None),
            (
                "wss",
                "9443",
                false,
                "http://foo",
                false,
                None,
                Some("wss://foo:9443/"),
            ),
            (
                "wss",
                "",
                false,
                "http://foo:5678",
                false,
                None,
                Some("wss://foo/"),
            ),
            (
                "https",
                "",
                false,
                "http://foo:443",
                false,
                None,
                Some("https://foo/"),
            ),
            (
                "http",
                "8181",
                false,
                "http://foo:8080",
                false,
                None,
                Some("http://foo:8181/"),
            ),
            (
                "https",
                "",
                false,
                "http://foo:80",
                true,
                None,
                Some("https://foo/"),
            ),
            (
                "https",
                "",
                false,
                "http://[::1]",
                false,
                None,
                Some("https://[::1]/"),
            ),
            (
                "https",
                "",
                false,
                "http://[::1]:80",
                false,
                None,
                Some("https://[::1]/"),
            ),
            (
                "https",
                "8443",
                false,
                "http://[::1]:80",
                false,
                None,
                Some("https://[::1]:8443/"),
            ),
        ];
        for &(scheme, port, permanent, url, tls, forwarded, location) in cases {
            let step = config(scheme, port, permanent);
            let headers: Vec<(&str, &str)> = forwarded
                .map(|proto| ("x-forwarded-proto", proto))
                .into_iter()
                .collect();
            let context = RequestContext { tls, ..context() };
            let outcome = run(&step, request("GET", url, &headers), &context);
            let label = format!("{scheme}:{port} {url} tls={tls} xfp={forwarded:?}");
            match location {
                None => assert_eq!(outcome.status(), StatusCode::OK, "{label}"),
                Some(location) => {
                    let answer = outcome.answer();
                    let expected = if permanent { 301 } else { 302 };
                    assert_eq!(answer.status.as_u16(), expected, "{label}");
                    assert_eq!(answer.headers["location"], location, "{label}");
                }
            }
        }
    }

    #[test]
    fn statuses_depend_on_the_method_and_permanence() {
        // the doc: permanent=true gives 301 for GET and 308 for POST; redirect.go's moveHandler
        let cases = [
            ("GET", false, 302, "Found"),
            ("POST", false, 307, "Temporary Redirect"),
            ("HEAD", false, 307, "Temporary Redirect"),
            ("GET", true, 301, "Moved Permanently"),
            ("POST", true, 308, "Permanent Redirect"),
        ];
        for (method, permanent, status, body) in cases {
            let step = config("https", "", permanent);
            let outcome = run(&step, request(method, "http://h/p", &[]), &context());
            let answer = outcome.answer();
            assert_eq!(answer.status.as_u16(), status, "{method} {permanent}");
            assert_eq!(answer.body, body.as_bytes(), "{method}");
            assert_eq!(answer.headers["location"], "https://h/p");
        }
    }

    #[test]
    fn bad_options_name_their_label() {
        // redirect_scheme_test.go: an empty config is "you must provide a target scheme"
        let options = Options::new("traefik.http.middlewares.r.redirectscheme");
        let err = RedirectScheme::from_options(&options).expect_err("no scheme");
        assert_eq!(
            err.label,
            "traefik.http.middlewares.r.redirectscheme.scheme"
        );
        let mut options = Options::new("traefik.http.middlewares.r.redirectscheme");
        options.push("scheme", "…scheme", "https");
        options.push(
            "port",
            "traefik.http.middlewares.r.redirectscheme.port",
            "https",
        );
        let err = RedirectScheme::from_options(&options).expect_err("bad port");
        assert_eq!(err.label, "traefik.http.middlewares.r.redirectscheme.port");
    }
}
