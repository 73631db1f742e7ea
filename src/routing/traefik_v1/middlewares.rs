//! Traefik v1's frontend features (`frontend.whiteList.*`, `frontend.redirect.*`,
//! `frontend.headers.*`, `frontend.auth.basic.*`, `frontend.rateLimit.*`) as the same
//! middlewares v2/v3 labels configure: each v1 label is translated into the v2 option it
//! matches, and the middleware is read by [`Middleware::parse`], so both dialects share one
//! implementation. Run in Traefik 1.7's order (`server/server_middlewares.go`): rate limits,
//! the whitelist, the redirect, headers, basic auth.

use super::values::parse_map_value;
use crate::routing::SkipReason;
use crate::routing::entry_points::EntryPoints;
use crate::routing::middleware::{EntryPointRedirect, Middleware, MiddlewareDef};
use crate::routing::options::Options;

/// One frontend label: its key after `frontend.`, the label, the value.
#[derive(Clone, Copy, Debug)]
pub(super) struct FrontendLabel<'a> {
    pub key: &'a str,
    pub label: &'a str,
    pub value: &'a str,
}

/// A v2 option translated from a v1 label.
struct Translated {
    key: String,
    label: String,
    value: String,
}

/// The frontend's middlewares, outermost first, plus warnings about what v1 had and the
/// middlewares do not (reported, never silently dropped). `route` names them (`name@v1`);
/// `entry_points` are where a `redirect.entryPoint` can send clients.
pub(super) fn frontend_middlewares(
    route: &str,
    labels: &[FrontendLabel<'_>],
    entry_points: &EntryPoints,
    warnings: &mut Vec<String>,
) -> Result<Vec<MiddlewareDef>, SkipReason> {
    let get = |key: &str| {
        labels
            .iter()
            .find(|label| label.key.eq_ignore_ascii_case(key))
    };
    let mut built = Vec::new();
    for rate_set in rate_sets(labels) {
        let mut options = vec![];
        for property in ["period", "average", "burst"] {
            if let Some(label) = get(&format!("rateLimit.rateSet.{rate_set}.{property}")) {
                options.push(translate(label, property, label.value));
            }
        }
        if let Some(extractor) = get("rateLimit.extractorFunc") {
            options.push(source_criterion(extractor)?);
        }
        let name = format!("{route}-ratelimit-{rate_set}");
        built.push(read(&name, "rateLimit", &options, warnings)?);
    }
    let range = get("whiteList.sourceRange").or_else(|| get("whitelistSourceRange"));
    if let Some(range) = range {
        let mut options = vec![translate(range, "sourcerange", range.value)];
        if let Some(forwarded) = get("whiteList.useXForwardedFor") {
            // v1 allows when any X-Forwarded-For entry is in range, which anyone can claim;
            // hawser believes the address the proxy in front (a --trusted-proxies) reports.
            if crate::routing::options::parse_bool(forwarded.value) == Some(true) {
                options.push(translate(forwarded, "ipstrategy.depth", "1"));
            }
        }
        built.push(read(
            &format!("{route}-whitelist"),
            "ipAllowList",
            &options,
            warnings,
        )?);
    }
    if let Some(redirect) = redirect(&format!("{route}-redirect"), labels, entry_points, warnings)?
    {
        built.push(redirect);
    }
    let headers = header_options(labels, warnings);
    if !headers.is_empty() {
        built.push(read(
            &format!("{route}-headers"),
            "headers",
            &headers,
            warnings,
        )?);
    }
    let users = get("auth.basic.users").or_else(|| get("auth.basic"));
    let users_file = get("auth.basic.usersFile");
    if users.is_some() || users_file.is_some() {
        let mut options = Vec::new();
        if let Some(users) = users {
            options.push(translate(users, "users", users.value));
        }
        if let Some(file) = users_file {
            options.push(translate(file, "usersfile", file.value));
        }
        if let Some(remove) = get("auth.basic.removeHeader") {
            options.push(translate(remove, "removeheader", remove.value));
        }
        if let Some(field) = get("auth.headerField") {
            options.push(translate(field, "headerfield", field.value));
        }
        built.push(read(
            &format!("{route}-auth"),
            "basicAuth",
            &options,
            warnings,
        )?);
    }
    Ok(built)
}

fn translate(label: &FrontendLabel<'_>, key: &str, value: &str) -> Translated {
    Translated {
        key: key.to_owned(),
        label: label.label.to_owned(),
        value: value.to_owned(),
    }
}

/// Reads one middleware from translated options; a bad one skips the service, naming the v1
/// label it came from.
fn read(
    name: &str,
    kind: &str,
    translated: &[Translated],
    warnings: &mut Vec<String>,
) -> Result<MiddlewareDef, SkipReason> {
    let mut options = Options::new(format!("(v1 frontend, as {kind})"));
    for option in translated {
        options.push(&option.key, &option.label, &option.value);
    }
    let middleware = Middleware::parse(kind, &options).map_err(|err| SkipReason::BadOption {
        label: err.label,
        reason: err.reason,
    })?;
    warnings.extend(options.warnings());
    Ok(MiddlewareDef {
        name: name.to_owned(),
        middleware,
    })
}

/// The names of `rateLimit.rateSet.<name>.*`, in label order, each once.
fn rate_sets<'a>(labels: &[FrontendLabel<'a>]) -> Vec<&'a str> {
    let mut names = Vec::new();
    for label in labels {
        let name = label
            .key
            .strip_prefix("rateLimit.rateSet.")
            .and_then(|rest| rest.split_once('.'))
            .map(|(name, _)| name);
        if let Some(name) = name {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

/// v1's `extractorFunc` (`client.ip`, `request.host`, `request.header.<name>`).
fn source_criterion(extractor: &FrontendLabel<'_>) -> Result<Translated, SkipReason> {
    let value = extractor.value.trim();
    if value == "client.ip" {
        return Ok(translate(
            extractor,
            "sourcecriterion.ipstrategy.depth",
            "0",
        ));
    }
    if value == "request.host" {
        return Ok(translate(extractor, "sourcecriterion.requesthost", "true"));
    }
    match value.strip_prefix("request.header.") {
        Some(name) if !name.is_empty() => Ok(translate(
            extractor,
            "sourcecriterion.requestheadername",
            name,
        )),
        _ => Err(SkipReason::BadOption {
            label: extractor.label.to_owned(),
            reason: format!(
                "{value:?} is not an extractor function (client.ip, request.host, request.header.<name>)"
            ),
        }),
    }
}

/// `redirect.regex` + `redirect.replacement` (+ `permanent`) as a redirectRegex, or
/// `redirect.entryPoint` (+ `permanent`; v1 prefers it when both are set) as an
/// [`EntryPointRedirect`]. A name hawser has no entry point for is warned about and the
/// redirect left out, as v1 logs it and serves the frontend without one.
fn redirect(
    name: &str,
    labels: &[FrontendLabel<'_>],
    entry_points: &EntryPoints,
    warnings: &mut Vec<String>,
) -> Result<Option<MiddlewareDef>, SkipReason> {
    let get = |key: &str| {
        labels
            .iter()
            .find(|label| label.key.eq_ignore_ascii_case(key))
    };
    let permanent = get("redirect.permanent");
    if let Some(entry_point) = get("redirect.entryPoint") {
        let target_name = entry_point.value.trim();
        let target = entry_points.position(target_name).and_then(|position| {
            let port = entry_points.port(position)?;
            Some((position, entry_points.is_tls(position), port))
        });
        let Some((target, tls, port)) = target else {
            warnings.push(format!(
                "label {} is ignored: hawser has no entry point {target_name:?} to redirect \
                 to (it has {})",
                entry_point.label,
                entry_points.listed()
            ));
            return Ok(None);
        };
        let mut options = vec![
            translate(entry_point, "scheme", if tls { "https" } else { "http" }),
            translate(entry_point, "port", &port.to_string()),
        ];
        options.extend(permanent.map(|label| translate(label, "permanent", label.value)));
        let to_target = read(name, "redirectScheme", &options, warnings)?;
        let Middleware::RedirectScheme(redirect) = to_target.middleware else {
            unreachable!("redirectScheme options read as a redirectScheme");
        };
        return Ok(Some(MiddlewareDef {
            name: name.to_owned(),
            middleware: Middleware::EntryPointRedirect(EntryPointRedirect { target, redirect }),
        }));
    }
    let (Some(regex), Some(replacement)) = (get("redirect.regex"), get("redirect.replacement"))
    else {
        if let Some(alone) = get("redirect.regex").or_else(|| get("redirect.replacement")) {
            return Err(SkipReason::BadOption {
                label: alone.label.to_owned(),
                reason: "a redirect needs both redirect.regex and redirect.replacement".into(),
            });
        }
        return Ok(None);
    };
    let mut options = vec![
        translate(regex, "regex", regex.value),
        translate(replacement, "replacement", replacement.value),
    ];
    options.extend(permanent.map(|label| translate(label, "permanent", label.value)));
    read(name, "redirectRegex", &options, warnings).map(Some)
}

/// `headers.*` as the v2 headers middleware's options. v1 maps (`K:v||K2:v2`) become one option
/// per header; v1's SSL redirects become the redirect they were (v2's headers no longer
/// redirect); HPKP (`publicKey`) is obsolete and only warned about.
fn header_options(labels: &[FrontendLabel<'_>], warnings: &mut Vec<String>) -> Vec<Translated> {
    const SAME_NAME: [&str; 14] = [
        "STSSeconds",
        "STSIncludeSubdomains",
        "STSPreload",
        "forceSTSHeader",
        "frameDeny",
        "customFrameOptionsValue",
        "contentTypeNosniff",
        "browserXSSFilter",
        "customBrowserXSSValue",
        "contentSecurityPolicy",
        "referrerPolicy",
        "allowedHosts",
        "hostsProxyHeaders",
        "isDevelopment",
    ];
    let mut options = Vec::new();
    for label in labels {
        let Some(name) = label.key.strip_prefix("headers.") else {
            continue;
        };
        if let Some(known) = SAME_NAME
            .iter()
            .find(|known| known.eq_ignore_ascii_case(name))
        {
            options.push(translate(label, &known.to_ascii_lowercase(), label.value));
        } else if name.eq_ignore_ascii_case("customRequestHeaders")
            || name.eq_ignore_ascii_case("customResponseHeaders")
        {
            let map = name.to_ascii_lowercase();
            for (header, value) in parse_map_value(label.value) {
                options.push(translate(label, &format!("{map}.{header}"), &value));
            }
        } else {
            warnings.push(format!(
                "label {} is ignored: hawser's headers middleware has no {name} \
                 (for an HTTPS redirect use a redirectScheme middleware)",
                label.label
            ));
        }
    }
    options
}

#[cfg(test)]
#[path = "middlewares_tests.rs"]
mod tests;
