//! The CORS part of `headers`, as Traefik v3.6.22+/v3.7.6+ does it
//! (`pkg/middlewares/headers/header.go`): a `*` in a list with credentials allowed echoes the
//! request instead (browsers refuse `*` with credentials), and `Access-Control-Max-Age` is
//! sent only when set.

use http::header::{self, HeaderName, HeaderValue};
use http::request::Parts;
use http::{Method, StatusCode};

use super::go_regex::GoRegex;
use super::{Answer, ResponseEdits};
use crate::routing::options::{OptionError, Options};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cors {
    pub allow_credentials: bool,
    pub allow_headers: Vec<String>,
    pub allow_methods: Vec<String>,
    /// Exact origins, or `*`.
    pub allow_origins: Vec<String>,
    /// Unanchored: a match anywhere in the origin allows it.
    pub allow_origin_regexes: Vec<GoRegex>,
    pub expose_headers: Vec<String>,
    pub max_age: Option<i64>,
    pub add_vary: bool,
}

impl Cors {
    pub fn from_options(options: &Options<'_>) -> Result<Self, OptionError> {
        let list = |key: &str| -> Vec<String> {
            options
                .list(key)
                .unwrap_or_default()
                .into_iter()
                .map(str::to_owned)
                .collect()
        };
        let allow_origin_regexes = options
            .list("accesscontrolalloworiginlistregex")
            .unwrap_or_default()
            .into_iter()
            .map(|pattern| {
                GoRegex::from_option(options, "accesscontrolalloworiginlistregex", pattern)
            })
            .collect::<Result<_, _>>()?;
        let cors = Cors {
            allow_credentials: options
                .bool("accesscontrolallowcredentials")?
                .unwrap_or(false),
            allow_headers: list("accesscontrolallowheaders"),
            allow_methods: list("accesscontrolallowmethods"),
            allow_origins: list("accesscontrolalloworiginlist"),
            allow_origin_regexes,
            expose_headers: list("accesscontrolexposeheaders"),
            max_age: options.number("accesscontrolmaxage")?,
            add_vary: options.bool("addvaryheader")?.unwrap_or(false),
        };
        for (key, items) in [
            ("accesscontrolallowheaders", &cors.allow_headers),
            ("accesscontrolallowmethods", &cors.allow_methods),
            ("accesscontrolexposeheaders", &cors.expose_headers),
        ] {
            HeaderValue::from_str(&items.join(","))
                .map_err(|_| options.error(key, "cannot be a header value"))?;
        }
        Ok(cors)
    }

    fn is_set(&self) -> bool {
        *self != Cors::default()
    }

    /// The answer to a preflight request, when this is one and CORS is configured.
    pub fn preflight(&self, request: &Parts) -> Option<Answer> {
        let requested_method = text(request, header::ACCESS_CONTROL_REQUEST_METHOD);
        let origin = text(request, header::ORIGIN);
        if !self.is_set()
            || request.method != Method::OPTIONS
            || requested_method.is_empty()
            || origin.is_empty()
        {
            return None;
        }
        let mut headers = http::HeaderMap::new();
        let mut set = |name: HeaderName, value: &str| {
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.insert(name, value);
            }
        };
        if self.allow_credentials {
            set(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        }
        if self.echoes(&self.allow_headers) {
            let requested = text(request, header::ACCESS_CONTROL_REQUEST_HEADERS);
            if !requested.is_empty() {
                set(header::ACCESS_CONTROL_ALLOW_HEADERS, requested);
            }
        } else if !self.allow_headers.is_empty() {
            set(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                &self.allow_headers.join(","),
            );
        }
        if self.echoes(&self.allow_methods) {
            set(header::ACCESS_CONTROL_ALLOW_METHODS, requested_method);
        } else if !self.allow_methods.is_empty() {
            set(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                &self.allow_methods.join(","),
            );
        }
        if let Some(allowed) = self.match_origin(origin) {
            set(header::ACCESS_CONTROL_ALLOW_ORIGIN, allowed);
        }
        if let Some(max_age) = self.max_age {
            set(header::ACCESS_CONTROL_MAX_AGE, &max_age.to_string());
        }
        if let Some(expose) = self.expose() {
            set(header::ACCESS_CONTROL_EXPOSE_HEADERS, &expose);
        }
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
        Some(Answer {
            status: StatusCode::OK,
            headers,
            body: bytes::Bytes::new(),
        })
    }

    /// The CORS headers of an ordinary response.
    pub fn response_edits(&self, request: &Parts, edits: &mut ResponseEdits) {
        if let Some(allowed) = self.match_origin(text(request, header::ORIGIN)) {
            if let Ok(value) = HeaderValue::from_str(allowed) {
                edits.set(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
            }
        }
        if self.allow_credentials {
            edits.set(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
        if let Some(value) = self
            .expose()
            .and_then(|expose| HeaderValue::from_str(&expose).ok())
        {
            edits.set(header::ACCESS_CONTROL_EXPOSE_HEADERS, value);
        }
        if self.add_vary {
            edits.add_token(header::VARY, HeaderValue::from_static("Origin"));
        }
    }

    /// A `*` with credentials allowed: answer with what the request asked for.
    fn echoes(&self, list: &[String]) -> bool {
        self.allow_credentials && list.iter().any(|item| item == "*")
    }

    /// `Access-Control-Expose-Headers`, unless `*` with credentials (then none).
    fn expose(&self) -> Option<String> {
        (!self.expose_headers.is_empty() && !self.echoes(&self.expose_headers))
            .then(|| self.expose_headers.join(","))
    }

    /// Traefik's `matchOrigin`: the first exact or `*` item of the list, then the regexes.
    fn match_origin<'o>(&'o self, origin: &'o str) -> Option<&'o str> {
        for item in &self.allow_origins {
            if item == origin {
                return Some(item);
            }
            if item == "*" {
                return Some(if self.allow_credentials { origin } else { item });
            }
        }
        self.allow_origin_regexes
            .iter()
            .any(|regex| regex.is_match(origin))
            .then_some(origin)
    }
}

fn text(request: &Parts, name: HeaderName) -> &str {
    request
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
}
