//! `headers`: custom request and response headers, CORS and security headers, as Traefik v3
//! does (`pkg/middlewares/headers`, with `unrolled/secure` for the security part).
//!
//! In order: a CORS preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`)
//! is answered here, 200 and the CORS headers, when any CORS option is set; the custom request
//! headers are applied (an empty value removes one; `Host` sets the host); a `Host` not in
//! `allowedHosts` is answered 500 `Bad Host`. The response, whoever gives it, gets the security
//! headers, then the custom response headers (which may override them; empty removes), then
//! the CORS ones. The v2 `sslRedirect` family and `featurePolicy`, which Traefik v3 ignores,
//! are accepted with a warning and ignored.

use http::StatusCode;
use http::header::{self, HeaderName, HeaderValue};
use http::request::Parts;

use super::cors::Cors;
use super::uri::request_host;
use super::{Answer, RequestContext, RequestStep, ResponseEdits, Verdict};
use crate::routing::options::{OptionError, Options};

/// A configured header and its value; `None` removes it.
pub type CustomHeader = (HeaderName, Option<HeaderValue>);

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Headers {
    pub custom_request: Vec<CustomHeader>,
    pub custom_response: Vec<CustomHeader>,
    pub cors: Cors,
    pub secure: Secure,
}

/// The `unrolled/secure` options Traefik v3 passes on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Secure {
    pub allowed_hosts: Vec<String>,
    pub hosts_proxy_headers: Vec<HeaderName>,
    /// A request with one of these headers set to its value counts as HTTPS.
    pub ssl_proxy_headers: Vec<(HeaderName, String)>,
    /// `Strict-Transport-Security: max-age=N` (never for 0), over HTTPS or when forced.
    pub sts_seconds: Option<i64>,
    pub sts_include_subdomains: bool,
    pub sts_preload: bool,
    pub force_sts: bool,
    /// `X-Frame-Options`, `X-Content-Type-Options`, ...: sent on every response.
    pub always: Vec<(HeaderName, HeaderValue)>,
    /// `Public-Key-Pins`: only over HTTPS.
    pub public_key: Option<HeaderValue>,
    pub is_development: bool,
}

impl Headers {
    pub fn from_options(options: &Options<'_>) -> Result<Self, OptionError> {
        let headers = Headers {
            custom_request: custom_headers(options, "customrequestheaders")?,
            custom_response: custom_headers(options, "customresponseheaders")?,
            cors: Cors::from_options(options)?,
            secure: Secure::from_options(options)?,
        };
        let deprecated_set = ignore_deprecated(options)?;
        if headers == Headers::default() && !deprecated_set {
            // a misspelt option is the likelier mistake: name it first
            options.finish()?;
            return Err(options.error("", "headers configuration not valid: it sets nothing"));
        }
        Ok(headers)
    }
}

fn custom_headers(options: &Options<'_>, key: &str) -> Result<Vec<CustomHeader>, OptionError> {
    options
        .map(key)
        .into_iter()
        .map(|(name, value)| {
            let label = format!("{key}.{name}");
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| options.error(&label, format!("{name:?} is not a header name")))?;
            let value = match value {
                "" => None,
                value => Some(header_value(options, &label, value)?),
            };
            Ok((name, value))
        })
        .collect()
}

pub(super) fn header_value(
    options: &Options<'_>,
    key: &str,
    value: &str,
) -> Result<HeaderValue, OptionError> {
    HeaderValue::from_str(value)
        .map_err(|_| options.error(key, format!("{value:?} cannot be a header value")))
}

/// The v2 options Traefik v3 parses and ignores: checked, warned about, and dropped. Whether
/// any was set to something, for Traefik's "the middleware sets something" rule.
fn ignore_deprecated(options: &Options<'_>) -> Result<bool, OptionError> {
    let mut set = false;
    for key in ["sslredirect", "ssltemporaryredirect", "sslforcehost"] {
        if let Some(value) = options.bool(key)? {
            set |= value;
            options.warn(key, "is deprecated and ignored, as Traefik v3 ignores it (use a redirectScheme middleware)");
        }
    }
    if let Some(host) = options.string("sslhost") {
        set |= !host.is_empty();
        options.warn(
            "sslhost",
            "is deprecated and ignored, as Traefik v3 ignores it (use a redirectScheme middleware)",
        );
    }
    if let Some(policy) = options.string("featurepolicy") {
        set |= !policy.is_empty();
        options.warn(
            "featurepolicy",
            "is ignored, as Traefik v3 ignores it (use permissionsPolicy)",
        );
    }
    Ok(set)
}

impl Secure {
    fn from_options(options: &Options<'_>) -> Result<Self, OptionError> {
        let names = |key: &str| -> Result<Vec<HeaderName>, OptionError> {
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
        let flag = |key: &str| options.bool(key).map(|value| value.unwrap_or(false));
        let text = |key: &str| options.string(key).filter(|value| !value.is_empty());
        let ssl_proxy_headers = options
            .map("sslproxyheaders")
            .into_iter()
            .map(|(name, value)| {
                HeaderName::from_bytes(name.as_bytes())
                    .map(|name| (name, value.to_owned()))
                    .map_err(|_| {
                        options.error(&format!("sslproxyheaders.{name}"), "is not a header name")
                    })
            })
            .collect::<Result<_, _>>()?;
        let mut always = Vec::new();
        let mut add =
            |name: HeaderName, key: &str, value: Option<&str>| -> Result<(), OptionError> {
                if let Some(value) = value {
                    always.push((name, header_value(options, key, value)?));
                }
                Ok(())
            };
        let frame = text("customframeoptionsvalue").or(flag("framedeny")?.then_some("DENY"));
        add(header::X_FRAME_OPTIONS, "customframeoptionsvalue", frame)?;
        let nosniff = flag("contenttypenosniff")?.then_some("nosniff");
        add(
            header::X_CONTENT_TYPE_OPTIONS,
            "contenttypenosniff",
            nosniff,
        )?;
        let xss =
            text("custombrowserxssvalue").or(flag("browserxssfilter")?.then_some("1; mode=block"));
        add(header::X_XSS_PROTECTION, "custombrowserxssvalue", xss)?;
        let csp = text("contentsecuritypolicy");
        add(
            header::CONTENT_SECURITY_POLICY,
            "contentsecuritypolicy",
            csp,
        )?;
        let report_only = text("contentsecuritypolicyreportonly");
        add(
            header::CONTENT_SECURITY_POLICY_REPORT_ONLY,
            "contentsecuritypolicyreportonly",
            report_only,
        )?;
        add(
            header::REFERRER_POLICY,
            "referrerpolicy",
            text("referrerpolicy"),
        )?;
        let permissions = text("permissionspolicy");
        add(
            HeaderName::from_static("permissions-policy"),
            "permissionspolicy",
            permissions,
        )?;
        let public_key = match text("publickey") {
            Some(value) => Some(header_value(options, "publickey", value)?),
            None => None,
        };
        Ok(Secure {
            allowed_hosts: options
                .list("allowedhosts")
                .unwrap_or_default()
                .into_iter()
                .map(str::to_owned)
                .collect(),
            hosts_proxy_headers: names("hostsproxyheaders")?,
            ssl_proxy_headers,
            sts_seconds: options.number("stsseconds")?,
            sts_include_subdomains: flag("stsincludesubdomains")?,
            sts_preload: flag("stspreload")?,
            force_sts: flag("forcestsheader")?,
            always,
            public_key,
            is_development: flag("isdevelopment")?,
        })
    }

    /// The host checked against `allowedHosts`: the first non-empty `hostsProxyHeaders`
    /// value, else the request's `Host` (port included).
    fn host<'r>(&self, request: &'r Parts) -> &'r str {
        self.hosts_proxy_headers
            .iter()
            .filter_map(|name| request.headers.get(name)?.to_str().ok())
            .find(|value| !value.is_empty())
            .unwrap_or_else(|| request_host(request))
    }

    fn is_good_host(&self, request: &Parts) -> bool {
        if self.allowed_hosts.is_empty() || self.is_development {
            return true;
        }
        let host = self.host(request);
        self.allowed_hosts
            .iter()
            .any(|allowed| allowed.eq_ignore_ascii_case(host))
    }

    fn is_https(&self, request: &Parts, context: &RequestContext) -> bool {
        context.tls
            || self.ssl_proxy_headers.iter().any(|(name, value)| {
                let sent = request
                    .headers
                    .get(name)
                    .map(HeaderValue::as_bytes)
                    .unwrap_or_default();
                sent == value.as_bytes()
            })
    }

    fn response_edits(&self, request: &Parts, context: &RequestContext, edits: &mut ResponseEdits) {
        let https = self.is_https(request, context);
        let sts_seconds = self.sts_seconds.unwrap_or(0);
        if sts_seconds != 0 && (https || self.force_sts) && !self.is_development {
            let mut sts = format!("max-age={sts_seconds}");
            if self.sts_include_subdomains {
                sts.push_str("; includeSubDomains");
            }
            if self.sts_preload {
                sts.push_str("; preload");
            }
            if let Ok(sts) = HeaderValue::from_str(&sts) {
                edits.set(header::STRICT_TRANSPORT_SECURITY, sts);
            }
        }
        for (name, value) in &self.always {
            edits.set(name.clone(), value.clone());
        }
        if let Some(public_key) = &self.public_key {
            if https && !self.is_development {
                edits.set(
                    HeaderName::from_static("public-key-pins"),
                    public_key.clone(),
                );
            }
        }
    }
}

impl RequestStep for Headers {
    fn on_request(
        &self,
        request: &mut Parts,
        context: &RequestContext,
        edits: &mut ResponseEdits,
    ) -> Verdict {
        if let Some(answer) = self.cors.preflight(request) {
            return Verdict::Respond(answer);
        }
        for (name, value) in &self.custom_request {
            match value {
                None if name == header::HOST => {}
                None => {
                    request.headers.remove(name);
                }
                Some(value) => {
                    request.headers.insert(name.clone(), value.clone());
                }
            }
        }
        let mut custom_and_cors = ResponseEdits::default();
        for (name, value) in &self.custom_response {
            match value {
                None => custom_and_cors.remove(name.clone()),
                Some(value) => custom_and_cors.set(name.clone(), value.clone()),
            }
        }
        self.cors.response_edits(request, &mut custom_and_cors);
        if !self.secure.is_good_host(request) {
            edits.extend(custom_and_cors);
            let mut answer = Answer::text(StatusCode::INTERNAL_SERVER_ERROR, "Bad Host\n");
            answer.headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            return Verdict::Respond(answer);
        }
        self.secure.response_edits(request, context, edits);
        edits.extend(custom_and_cors);
        Verdict::Continue
    }
}

#[cfg(test)]
#[path = "headers_tests.rs"]
mod tests;
