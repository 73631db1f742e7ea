//! Sticky sessions by cookie, as Traefik v3 keeps them: a balancer with a sticky cookie names
//! each backend by the first 16 hex digits of the SHA-256 of its server URL
//! (`http://10.0.1.5:80`), sends a client that presents a known name to that backend while it
//! is usable, and otherwise picks as usual and tells the proxy to set the cookie. A raw URL
//! is accepted as a value too, as Traefik does for cookies set before it hashed them.

use std::fmt::Write as _;
use std::net::SocketAddr;

use http::HeaderMap;
use http::HeaderValue;
use http::header::COOKIE;
use sha1::{Digest, Sha1};

use super::load_balancer::{SameSite, Scheme, StickyCookie};

/// A balancer's cookie and its backends' names in it.
#[derive(Debug)]
pub struct Sticky {
    /// The cookie's name: as configured, or Traefik's default for the balancer.
    pub name: String,
    cookie: StickyCookie,
    /// By backend position: the hashed value, and the server URL also accepted.
    values: Vec<(String, String)>,
}

impl Sticky {
    /// `service` is the balancer's (qualified) name the default cookie name derives from.
    pub fn new(
        cookie: &StickyCookie,
        service: &str,
        scheme: Scheme,
        addresses: &[SocketAddr],
    ) -> Self {
        Sticky {
            name: cookie
                .name
                .clone()
                .unwrap_or_else(|| default_cookie_name(service)),
            cookie: cookie.clone(),
            values: addresses
                .iter()
                .map(|address| {
                    let url = server_url(scheme, *address);
                    (hash_value(&url), url)
                })
                .collect(),
        }
    }

    /// The backend position the request's cookie names, if any (known or not, usable or not:
    /// the caller decides).
    pub fn presented(&self, headers: &HeaderMap) -> Option<usize> {
        let value = cookie_value(headers, &self.name)?;
        self.values
            .iter()
            .position(|(hashed, url)| hashed == value || url == value)
    }

    /// The `Set-Cookie` value that pins a client to the backend at `position`.
    pub fn set_cookie(&self, position: usize) -> Option<HeaderValue> {
        let (value, _) = self.values.get(position)?;
        let cookie = &self.cookie;
        let mut text = format!("{}={value}", self.name);
        if !cookie.path.is_empty() {
            let _ = write!(text, "; Path={}", cookie.path);
        }
        if let Some(domain) = &cookie.domain {
            let _ = write!(text, "; Domain={domain}");
        }
        // Go's `http.Cookie`: a positive MaxAge is sent, a negative one is `Max-Age=0`.
        match cookie.max_age {
            0 => {}
            age if age < 0 => text.push_str("; Max-Age=0"),
            age => {
                let _ = write!(text, "; Max-Age={age}");
            }
        }
        if cookie.http_only {
            text.push_str("; HttpOnly");
        }
        if cookie.secure {
            text.push_str("; Secure");
        }
        match cookie.same_site {
            None => {}
            Some(SameSite::None) => text.push_str("; SameSite=None"),
            Some(SameSite::Lax) => text.push_str("; SameSite=Lax"),
            Some(SameSite::Strict) => text.push_str("; SameSite=Strict"),
        }
        HeaderValue::from_str(&text).ok()
    }
}

/// Traefik's `cookie.GenerateName`: `_` and the first five hex digits of the SHA-1 of
/// `_TRAEFIK_BACKEND_<service>`.
pub fn default_cookie_name(service: &str) -> String {
    let digest = Sha1::digest(format!("_TRAEFIK_BACKEND_{service}").as_bytes());
    let mut name = String::from("_");
    for byte in digest.iter().take(3) {
        let _ = write!(name, "{byte:02x}");
    }
    name.truncate(6);
    name
}

/// The server URL Traefik keys a backend by.
fn server_url(scheme: Scheme, address: SocketAddr) -> String {
    format!("{}://{address}", scheme.name())
}

/// Traefik's `sha256Hash`: the first 16 hex digits of the SHA-256 of the input.
fn hash_value(input: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, input.as_bytes());
    let mut hex = String::with_capacity(16);
    for byte in digest.as_ref().iter().take(8) {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// The value of the first cookie called `name` in the request's `Cookie` headers.
fn cookie_value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim().trim_matches('"'))
}

#[cfg(test)]
#[path = "sticky_tests.rs"]
mod tests;
