//! `errors`: a response whose status is in `status` is replaced by a page from another
//! service, as Traefik v3.6+ does (`pkg/middlewares/customerrors`): a GET of `query` (`{status}`,
//! `{originalStatus}` and `{url}` replaced; `/` when empty) sent to `service` with the request's
//! headers (or only `errorRequestHeaders`) and its `Host`, answered to the client with the
//! page's headers and body and the original status, or the one `statusRewrites` maps it to
//! (`statusRewrites.502-504=500`). `{url}` is the whole original URL, query-escaped (v3.6+;
//! earlier versions put only the path and query).

use http::header::HeaderName;

use super::code_ranges::CodeRanges;
use crate::routing::options::{OptionError, Options};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Errors {
    pub status: CodeRanges,
    /// A balancer of the same table; qualified with the middleware's provider by
    /// [`Errors::qualify`] when written without one.
    pub service: String,
    pub query: String,
    /// Tried in order: lowest first code first (Traefik's map order is random).
    pub status_rewrites: Vec<(CodeRanges, u16)>,
    /// `None`: every request header goes to the error page service.
    pub request_headers: Option<Vec<HeaderName>>,
}

impl Errors {
    pub fn from_options(options: &Options<'_>) -> Result<Self, OptionError> {
        let status = CodeRanges::from_options(options, "status")?;
        let service = options.required("service")?.to_owned();
        let query = options.string("query").unwrap_or("").trim().to_owned();
        let mut status_rewrites = Vec::new();
        for (from, to) in options.map("statusrewrites") {
            let label = format!("statusrewrites.{from}");
            let codes = CodeRanges::parse_one(from).ok_or_else(|| {
                options.error(
                    &label,
                    format!("{from:?} is not a status code or a range such as 500-599"),
                )
            })?;
            let code = to
                .trim()
                .parse::<u16>()
                .ok()
                .filter(|code| (100..=999).contains(code))
                .ok_or_else(|| options.error(&label, format!("{to:?} is not a status code")))?;
            status_rewrites.push((codes, code));
        }
        status_rewrites.sort_by_key(|(codes, _)| codes.lowest());
        let request_headers = match options.list("errorrequestheaders") {
            None => None,
            Some(names) if names.is_empty() => None,
            Some(names) => Some(
                names
                    .into_iter()
                    .map(|name| {
                        HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                            options.error(
                                "errorrequestheaders",
                                format!("{name:?} is not a header name"),
                            )
                        })
                    })
                    .collect::<Result<_, _>>()?,
            ),
        };
        Ok(Errors {
            status,
            service,
            query,
            status_rewrites,
            request_headers,
        })
    }

    /// Names the service as Traefik does: one written without `@` belongs to the
    /// middleware's provider (`error-pages` in a `file` middleware is `error-pages@file`).
    pub fn qualify(&mut self, provider: &str) {
        if !self.service.contains('@') {
            self.service = format!("{}@{provider}", self.service);
        }
    }

    /// The status the client gets when `code` is caught: rewritten or not; `None` when the
    /// response passes through.
    pub fn catches(&self, code: u16) -> Option<u16> {
        if !self.status.contains(code) {
            return None;
        }
        let rewritten = self
            .status_rewrites
            .iter()
            .find(|(codes, _)| codes.contains(code))
            .map_or(code, |(_, to)| *to);
        Some(rewritten)
    }

    /// The error page's path and query. `url` is the original request's whole URL.
    pub fn page_path(&self, status: u16, original: u16, url: &str) -> String {
        if self.query.is_empty() {
            return "/".to_owned();
        }
        format!("/{}", self.query.trim_start_matches('/'))
            .replace("{status}", &status.to_string())
            .replace("{originalStatus}", &original.to_string())
            .replace("{url}", &query_escape(url))
    }
}

/// Go's `url.QueryEscape`: unreserved bytes kept, a space as `+`, the rest `%XX`.
pub fn query_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                escaped.push(char::from(byte));
            }
            b' ' => escaped.push('+'),
            other => escaped.push_str(&format!("%{other:02X}")),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<Errors, OptionError> {
        let mut options = Options::new("traefik.http.middlewares.e.errors");
        for (key, value) in pairs {
            options.push(key, key, value);
        }
        let config = Errors::from_options(&options)?;
        options.finish()?;
        Ok(config)
    }

    #[test]
    fn the_documented_example_catches_and_rewrites() {
        // errors doc: status=500,501,503,505-599, statusRewrites.418=404,
        // statusRewrites.502-504=500, query=/{status}.html: 503 -> /500.html with 500; 500 ->
        // 500; 418, 502 and 504 are not in status and pass through
        let config = parse(&[
            ("status", "500,501,503,505-599"),
            ("statusRewrites.418", "404"),
            ("statusRewrites.502-504", "500"),
            ("service", "error-handler-service"),
            ("query", "/{status}.html"),
        ])
        .expect("valid");
        assert_eq!(config.catches(503), Some(500));
        assert_eq!(config.page_path(500, 503, "http://a/"), "/500.html");
        assert_eq!(config.catches(500), Some(500));
        for passes in [418, 502, 504, 200, 404] {
            assert_eq!(config.catches(passes), None, "{passes}");
        }
    }

    #[test]
    fn queries_are_filled_in_as_traefik_fills_them() {
        // custom_errors_test.go: /{status} -> /503; {url} of http://localhost/test?foo=bar&baz=buz
        let config = parse(&[
            ("status", "500-599"),
            ("service", "pages"),
            ("query", "/?status={status}&url={url}&was={originalStatus}"),
        ])
        .expect("valid");
        assert_eq!(
            config.page_path(503, 502, "http://localhost/test?foo=bar&baz=buz"),
            "/?status=503&url=http%3A%2F%2Flocalhost%2Ftest%3Ffoo%3Dbar%26baz%3Dbuz&was=502"
        );
        let bare = parse(&[
            ("status", "500"),
            ("service", "pages"),
            ("query", "{status}.html"),
        ])
        .expect("valid");
        assert_eq!(
            bare.page_path(500, 500, ""),
            "/500.html",
            "a leading / is added"
        );
        let empty = parse(&[("status", "500"), ("service", "pages")]).expect("valid");
        assert_eq!(empty.page_path(500, 500, ""), "/");
    }

    #[test]
    fn ranges_without_their_status_pass_through() {
        // custom_errors_test.go: status 500-501,503-599: 200, 206, 304 and 502 pass
        let config = parse(&[("status", "500-501,503-599"), ("service", "pages")]).expect("valid");
        for passes in [200, 206, 304, 502] {
            assert_eq!(config.catches(passes), None, "{passes}");
        }
        assert_eq!(config.catches(500), Some(500));
    }

    #[test]
    fn services_are_qualified_with_the_provider_unless_they_name_one() {
        let mut config = parse(&[("status", "500"), ("service", "pages")]).expect("valid");
        config.qualify("swarm");
        assert_eq!(config.service, "pages@swarm");
        config.qualify("file");
        assert_eq!(config.service, "pages@swarm", "already qualified");
    }

    #[test]
    fn bad_options_name_their_label() {
        let err = parse(&[("status", "500")]).expect_err("no service");
        assert!(err.label.ends_with("service"), "{err}");
        let err = parse(&[
            ("status", "500"),
            ("service", "p"),
            ("statusRewrites.5xx", "500"),
        ])
        .expect_err("bad range");
        assert!(err.label.contains("statusRewrites.5xx"), "{err}");
        let err = parse(&[
            ("status", "500"),
            ("service", "p"),
            ("statusRewrites.500", "oops"),
        ])
        .expect_err("bad code");
        assert!(err.reason.contains("oops"), "{err}");
        assert!(parse(&[("status", "five"), ("service", "p")]).is_err());
    }

    #[test]
    fn only_the_listed_headers_go_to_the_page_service_when_listed() {
        let all = parse(&[("status", "500"), ("service", "p")]).expect("valid");
        assert_eq!(all.request_headers, None);
        let listed = parse(&[
            ("status", "500"),
            ("service", "p"),
            ("errorRequestHeaders", "X-Request-Id"),
        ])
        .expect("valid");
        assert_eq!(
            listed.request_headers,
            Some(vec![HeaderName::from_static("x-request-id")])
        );
    }
}
