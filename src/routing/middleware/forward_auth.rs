//! `forwardAuth`: every request is first put to an authentication server, as Traefik v3.7
//! does (`pkg/middlewares/auth/forward.go`). A GET (the request's own method with
//! `preserveRequestMethod`) to `address` with the request's headers (only
//! `authRequestHeaders` when listed), hop-by-hop ones out, and `X-Forwarded-Method`, `-Proto`,
//! `-Host`, `-Uri`, `-For` (and `-Port`) as `trustForwardHeader` says; no body unless
//! `forwardBody` (up to `maxBodySize`, 401 past it). A 2xx lets the request go on with
//! `authResponseHeaders` (and those matching `authResponseHeadersRegex`) copied from the
//! answer, and the answer's cookies named in `addAuthCookiesToResponse` added to the
//! response; any other answer goes back to the client as it is, hop-by-hop headers out and a
//! relative `Location` made absolute against `address` (unless `preserveLocationHeader`), or,
//! for a 401 with `authSigninURL`, a 302 there. The server's redirects are never followed.
//!
//! `address` is plain `http://` (the server's name, a Swarm service's, is resolved when a
//! request comes): hawser does not speak TLS to authentication servers, so `https://` and the
//! `tls.*` options are refused. `headerField` (a user name for Traefik's access log) is read
//! and has no effect: hawser's access log has no user field.

use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::request::Parts;
use http::{Method, Uri};

use super::RequestContext;
use super::go_regex::GoRegex;
use super::uri::request_host;
use crate::routing::options::{OptionError, Options};

#[derive(Clone, Debug, PartialEq)]
pub struct ForwardAuth {
    /// Absolute, `http`.
    pub address: Uri,
    /// `None`: the legacy behaviour (Traefik's `oldWriteHeader`) when the option is unset.
    pub trust_forward_header: Option<bool>,
    pub auth_response_headers: Vec<HeaderName>,
    pub auth_response_headers_regex: Option<GoRegex>,
    pub auth_request_headers: Vec<HeaderName>,
    pub add_auth_cookies_to_response: Vec<String>,
    pub forward_body: bool,
    pub max_body_size: Option<u64>,
    pub preserve_location_header: bool,
    pub preserve_request_method: bool,
    pub max_response_body_size: Option<u64>,
    pub auth_signin_url: Option<String>,
}

/// Traefik's `hopHeaders` for the auth request and answer (it forwards `Proxy-Authorization`).
const HOP_HEADERS: [HeaderName; 6] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

/// Traefik's managed X-headers (`forwardedheaders.XHeadersSet`), deleted from an untrusted
/// request's auth request, in their `_` spellings too.
const X_HEADERS: [&str; 13] = [
    "x-forwarded-proto",
    "x-forwarded-scheme",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-port",
    "x-forwarded-server",
    "x-forwarded-uri",
    "x-forwarded-method",
    "x-forwarded-prefix",
    "x-forwarded-tls-client-cert",
    "x-forwarded-tls-client-cert-info",
    "x-scheme",
    "x-real-ip",
];

impl ForwardAuth {
    pub fn from_options(options: &Options<'_>) -> Result<Self, OptionError> {
        let text = options.required("address")?;
        let address = parse_address(text).map_err(|reason| options.error("address", reason))?;
        if options.has("tls") {
            return Err(options.error(
                "tls",
                "is not supported: hawser reaches authentication servers over plain http",
            ));
        }
        let headers = |key: &str| -> Result<Vec<HeaderName>, OptionError> {
            options
                .list(key)
                .unwrap_or_default()
                .into_iter()
                .map(|name| {
                    HeaderName::from_bytes(name.as_bytes())
                        .map_err(|_| options.error(key, format!("{name:?} is not a header name")))
                })
                .collect()
        };
        let regex = match options.string("authresponseheadersregex").map(str::trim) {
            None | Some("") => None,
            Some(pattern) => Some(GoRegex::from_option(
                options,
                "authresponseheadersregex",
                pattern,
            )?),
        };
        let size = |key: &str| -> Result<Option<u64>, OptionError> {
            Ok(options
                .number::<i64>(key)?
                .and_then(|bytes| u64::try_from(bytes).ok()))
        };
        options.ignore("headerfield");
        Ok(ForwardAuth {
            address,
            trust_forward_header: options.bool("trustforwardheader")?,
            auth_response_headers: headers("authresponseheaders")?,
            auth_response_headers_regex: regex,
            auth_request_headers: headers("authrequestheaders")?,
            add_auth_cookies_to_response: options
                .list("addauthcookiestoresponse")
                .unwrap_or_default()
                .into_iter()
                .map(str::to_owned)
                .collect(),
            forward_body: options.bool("forwardbody")?.unwrap_or(false),
            max_body_size: size("maxbodysize")?,
            preserve_location_header: options.bool("preservelocationheader")?.unwrap_or(false),
            preserve_request_method: options.bool("preserverequestmethod")?.unwrap_or(false),
            max_response_body_size: size("maxresponsebodysize")?,
            auth_signin_url: options
                .string("authsigninurl")
                .map(str::trim)
                .filter(|url| !url.is_empty())
                .map(str::to_owned),
        })
    }

    /// The server's host (a name or an IP) and port, to resolve and connect to.
    pub fn server(&self) -> (&str, u16) {
        let authority = self.address.authority();
        let host = authority.map_or("", |authority| authority.host());
        let host = host.trim_start_matches('[').trim_end_matches(']');
        (host, self.address.port_u16().unwrap_or(80))
    }

    /// The auth request's method.
    pub fn method(&self, request: &Parts) -> Method {
        match self.preserve_request_method {
            true => request.method.clone(),
            false => Method::GET,
        }
    }

    /// The auth request's headers, from the request's as the proxy has them (after its own
    /// `X-Forwarded-For`), in Traefik v3.7's `writeHeader` (trust set) or `oldWriteHeader`
    /// (unset) way. `Host` is the address's; length headers are the caller's to set.
    pub fn request_headers(&self, request: &Parts, context: &RequestContext) -> HeaderMap {
        let mut headers = request.headers.clone();
        remove_hop_headers(&mut headers);
        for name in [header::HOST, header::CONTENT_LENGTH, header::EXPECT] {
            headers.remove(name);
        }
        let trust = self.trust_forward_header;
        if trust == Some(false) {
            let managed: Vec<HeaderName> = headers
                .keys()
                .filter(|name| X_HEADERS.contains(&name.as_str().replace('_', "-").as_str()))
                .cloned()
                .collect();
            for name in managed {
                headers.remove(name);
            }
        }
        if trust.is_some() && !headers.contains_key(header::USER_AGENT) {
            // Traefik sends an empty User-Agent rather than Go's own.
            headers.insert(header::USER_AGENT, HeaderValue::from_static(""));
        }
        if !self.auth_request_headers.is_empty() {
            let mut kept = HeaderMap::new();
            for name in &self.auth_request_headers {
                for value in headers.get_all(name) {
                    kept.append(name.clone(), value.clone());
                }
            }
            headers = kept;
        }
        let prior_for = headers.get(&X_FORWARDED_FOR).cloned();
        let proto = if context.tls { "https" } else { "http" };
        let host = request_host(request);
        let uri = request
            .uri
            .path_and_query()
            .map_or("/", |path| path.as_str());
        let client = context.client_ip.to_string();
        let value = |text: &str| HeaderValue::from_str(text).ok();
        match trust {
            Some(true) => {
                // hawser's X-Forwarded-For already ends with the client.
                let chain = prior_for.or_else(|| value(&client));
                set(&mut headers, &X_FORWARDED_FOR, chain);
                set_absent(
                    &mut headers,
                    &X_FORWARDED_METHOD,
                    value(request.method.as_str()),
                );
                set_absent(&mut headers, &X_FORWARDED_PROTO, value(proto));
                let port = forwarded_port(host, &headers, context.tls);
                set_absent(&mut headers, &X_FORWARDED_PORT, value(&port));
                set_absent(&mut headers, &X_FORWARDED_HOST, value(host));
                set_absent(&mut headers, &X_FORWARDED_URI, value(uri));
            }
            Some(false) => {
                set(&mut headers, &X_FORWARDED_FOR, value(&client));
                set(
                    &mut headers,
                    &X_FORWARDED_METHOD,
                    value(request.method.as_str()),
                );
                set(&mut headers, &X_FORWARDED_PROTO, value(proto));
                let port = forwarded_port(host, &headers, context.tls);
                set(&mut headers, &X_FORWARDED_PORT, value(&port));
                set(&mut headers, &X_FORWARDED_HOST, value(host));
                set(&mut headers, &X_FORWARDED_URI, value(uri));
            }
            None => {
                set(&mut headers, &X_FORWARDED_FOR, value(&client));
                set(&mut headers, &X_FORWARDED_PROTO, value(proto));
                set(
                    &mut headers,
                    &X_FORWARDED_METHOD,
                    value(request.method.as_str()),
                );
                set(&mut headers, &X_FORWARDED_HOST, value(host));
                set(&mut headers, &X_FORWARDED_URI, value(uri));
            }
        }
        headers
    }

    /// A 2xx answer's headers onto the request: each listed one replaced (removed when the
    /// answer has none), and every one matching the regex.
    pub fn copy_granted_headers(&self, answer: &HeaderMap, request: &mut HeaderMap) {
        for name in &self.auth_response_headers {
            request.remove(name);
            for value in answer.get_all(name) {
                request.append(name.clone(), value.clone());
            }
        }
        if let Some(regex) = &self.auth_response_headers_regex {
            let matching = |name: &HeaderName| regex.is_match(&canonical_header_key(name.as_str()));
            let doomed: Vec<HeaderName> = request.keys().filter(|n| matching(n)).cloned().collect();
            for name in doomed {
                request.remove(name);
            }
            for (name, value) in answer {
                if matching(name) {
                    request.append(name.clone(), value.clone());
                }
            }
        }
    }

    /// The backend's `Set-Cookie`s once the server granted access with cookies of its own:
    /// the backend's not in `addAuthCookiesToResponse`, then the server's that are.
    pub fn merge_cookies(&self, granted: &[HeaderValue], response: &mut HeaderMap) {
        let listed = |cookie: &HeaderValue| {
            let name = cookie_name(cookie);
            self.add_auth_cookies_to_response
                .iter()
                .any(|listed| listed == name)
        };
        let backend: Vec<HeaderValue> = response
            .get_all(header::SET_COOKIE)
            .iter()
            .cloned()
            .collect();
        response.remove(header::SET_COOKIE);
        for cookie in backend.into_iter().filter(|cookie| !listed(cookie)) {
            response.append(header::SET_COOKIE, cookie);
        }
        for cookie in granted.iter().filter(|cookie| listed(cookie)) {
            response.append(header::SET_COOKIE, cookie.clone());
        }
    }

    /// The `Location` a refusal carries, as the client gets it: resolved against `address`
    /// (Go's `Response.Location`) unless `preserveLocationHeader`.
    pub fn location(&self, location: &str) -> String {
        if self.preserve_location_header {
            return location.to_owned();
        }
        resolve_reference(&self.address, location)
    }
}

/// The hop-by-hop headers of the auth exchange, and those `Connection` names.
pub fn remove_hop_headers(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named.into_iter().chain(HOP_HEADERS) {
        headers.remove(name);
    }
}

static X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
static X_FORWARDED_METHOD: HeaderName = HeaderName::from_static("x-forwarded-method");
static X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
static X_FORWARDED_PORT: HeaderName = HeaderName::from_static("x-forwarded-port");
static X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
static X_FORWARDED_URI: HeaderName = HeaderName::from_static("x-forwarded-uri");

fn set(headers: &mut HeaderMap, name: &HeaderName, value: Option<HeaderValue>) {
    match value {
        Some(value) => {
            headers.insert(name.clone(), value);
        }
        None => {
            headers.remove(name);
        }
    }
}

fn set_absent(headers: &mut HeaderMap, name: &HeaderName, value: Option<HeaderValue>) {
    if !headers.contains_key(name) {
        set(headers, name, value);
    }
}

/// Traefik's `forwardedPort`: the `Host`'s port, else 443 for https (or wss), else 80.
fn forwarded_port(host: &str, headers: &HeaderMap, tls: bool) -> String {
    if let Some((_, port)) = host.rsplit_once(':') {
        if !port.is_empty()
            && port.bytes().all(|byte| byte.is_ascii_digit())
            && !host.ends_with(']')
        {
            return port.to_owned();
        }
    }
    let proto = headers
        .get(&X_FORWARDED_PROTO)
        .and_then(|value| value.to_str().ok());
    if matches!(proto, Some("https" | "wss")) || tls {
        "443".to_owned()
    } else {
        "80".to_owned()
    }
}

fn parse_address(text: &str) -> Result<Uri, String> {
    let uri: Uri = text
        .parse()
        .map_err(|err| format!("{text:?} is not a URL: {err}"))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some("https") => {
            return Err(format!(
                "{text:?}: https is not supported: hawser reaches authentication servers over plain http"
            ));
        }
        _ => return Err(format!("{text:?} is not an http:// URL")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(format!("{text:?} has no host"));
    }
    Ok(uri)
}

/// RFC 3986 §5.2 for the cases a `Location` has: absolute, scheme-relative, absolute path,
/// relative path (against the base's directory).
fn resolve_reference(base: &Uri, reference: &str) -> String {
    if reference.contains("://") {
        return reference.to_owned();
    }
    let scheme = base.scheme_str().unwrap_or("http");
    if let Some(rest) = reference.strip_prefix("//") {
        return format!("{scheme}://{rest}");
    }
    let authority = base.authority().map_or("", |authority| authority.as_str());
    if reference.starts_with('/') {
        return format!("{scheme}://{authority}{reference}");
    }
    if reference.is_empty() {
        return base.to_string();
    }
    let path = base.path();
    let directory = &path[..path.rfind('/').map_or(0, |slash| slash + 1)];
    let directory = if directory.is_empty() { "/" } else { directory };
    format!("{scheme}://{authority}{directory}{reference}")
}

/// A cookie's name, from a `Set-Cookie` value.
fn cookie_name(cookie: &HeaderValue) -> &str {
    let text = cookie.to_str().unwrap_or("");
    text.split(';')
        .next()
        .and_then(|pair| pair.split_once('=').map(|(name, _)| name))
        .unwrap_or("")
        .trim()
}

/// Go's `CanonicalHeaderKey`: each `-`-separated word capitalised.
fn canonical_header_key(name: &str) -> String {
    let mut canonical = String::with_capacity(name.len());
    let mut upper = true;
    for ch in name.chars() {
        canonical.push(if upper {
            ch.to_ascii_uppercase()
        } else {
            ch.to_ascii_lowercase()
        });
        upper = ch == '-';
    }
    canonical
}

#[cfg(test)]
#[path = "forward_auth_tests.rs"]
mod tests;
