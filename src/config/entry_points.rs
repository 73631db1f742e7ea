//! `--entrypoint NAME=ADDRESS[;OPTION...]`, `--default-entrypoints` and the older `--listen`,
//! checked together into the proxy's and routing's views of the same list.
//!
//! `;` starts an entry point's options so that commas stay free to separate entry points in
//! `HAWSER_ENTRYPOINT` and in `--entrypoint a=:80,b=:81`:
//!
//! - `tls`: every connection is TLS (Traefik's `entryPoints.x.http.tls`);
//! - `certresolver=NAME` (with `tls`): the ACME resolver for the routes served there that name
//!   none (Traefik's `entryPoints.x.http.tls.certResolver`);
//! - `redirect=NAME` (without `tls`): every request is sent to `https://` on entry point NAME,
//!   which must be a TLS one (Traefik's `entryPoints.x.http.redirections.entryPoint.to`).
//!
//! An unknown option is an error rather than silently dropped.

use std::collections::HashSet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::str::FromStr;

use serde::Deserialize;

use super::ConfigError;
use super::defaults;
use crate::proxy::EntryPoint;
use crate::routing::EntryPoints;
use crate::routing::entry_points::EntryPointTls;

/// One `--entrypoint` value, as written.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct EntryPointArg {
    pub name: String,
    pub address: SocketAddr,
    pub tls: bool,
    pub cert_resolver: Option<String>,
    /// The entry point every request is redirected to.
    pub redirect: Option<String>,
}

/// Why an `--entrypoint` value does not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryPointArgError(String);

impl fmt::Display for EntryPointArgError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl std::error::Error for EntryPointArgError {}

impl FromStr for EntryPointArg {
    type Err = EntryPointArgError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = |what: String| EntryPointArgError(format!("entry point {text:?}: {what}"));
        let mut parts = text.split(';');
        let definition = parts.next().unwrap_or_default();
        let Some((name, address)) = definition.split_once('=') else {
            return Err(error("expected NAME=ADDRESS, e.g. web=:80".into()));
        };
        let name = name.trim();
        check_name(name).map_err(error)?;
        let address = parse_address(address.trim()).map_err(error)?;
        let mut arg = EntryPointArg {
            name: name.to_owned(),
            address,
            tls: false,
            cert_resolver: None,
            redirect: None,
        };
        for option in parts.map(str::trim).filter(|option| !option.is_empty()) {
            arg.option(option).map_err(error)?;
        }
        if arg.tls && arg.redirect.is_some() {
            return Err(error(
                "tls and redirect do not go together: redirect sends plain HTTP clients to a \
                 TLS entry point"
                    .into(),
            ));
        }
        if arg.cert_resolver.is_some() && !arg.tls {
            return Err(error(
                "certresolver needs tls: it gives certificates to a TLS entry point's routes"
                    .into(),
            ));
        }
        Ok(arg)
    }
}

impl EntryPointArg {
    fn option(&mut self, option: &str) -> Result<(), String> {
        let (key, value) = match option.split_once('=') {
            Some((key, value)) => (key.trim(), Some(value.trim())),
            None => (option, None),
        };
        let twice = || format!("{key} is given twice");
        match (key.to_ascii_lowercase().as_str(), value) {
            ("tls", None) => {
                if self.tls {
                    return Err(twice());
                }
                self.tls = true;
            }
            ("certresolver", Some(name)) => {
                check_resolver_name(name)?;
                if self.cert_resolver.replace(name.to_owned()).is_some() {
                    return Err(twice());
                }
            }
            ("redirect", Some(target)) => {
                check_name(target).map_err(|what| format!("redirect: {what}"))?;
                if self.redirect.replace(target.to_owned()).is_some() {
                    return Err(twice());
                }
            }
            ("tls", Some(_)) => return Err("tls takes no value: write ;tls".into()),
            ("certresolver" | "redirect", None) => {
                return Err(format!("{key} needs a value: ;{key}=NAME"));
            }
            _ => {
                return Err(format!(
                    "unknown option {option:?}; known: tls, certresolver=NAME, redirect=NAME"
                ));
            }
        }
        Ok(())
    }
}

impl TryFrom<String> for EntryPointArg {
    type Error = EntryPointArgError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

/// Names appear in labels' comma lists and in `name=address` log fields, so they are kept to
/// letters, digits, `-`, `_` and `.`.
fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the name is empty".into());
    }
    let allowed = |ch: char| ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.');
    if let Some(bad) = name.chars().find(|ch| !allowed(*ch)) {
        return Err(format!(
            "the name {name:?} has {bad:?}; use letters, digits, '-', '_' or '.'"
        ));
    }
    Ok(())
}

/// As `--certresolver` names them.
fn check_resolver_name(name: &str) -> Result<(), String> {
    let allowed = |ch: char| ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_');
    if name.is_empty() || !name.chars().all(allowed) {
        return Err(format!(
            "certresolver {name:?}: a resolver name is letters, digits, '-' or '_'"
        ));
    }
    Ok(())
}

/// `IP:PORT`, `[IPv6]:PORT`, or `:PORT` for every IPv4 interface (as Traefik writes `:80`).
fn parse_address(address: &str) -> Result<SocketAddr, String> {
    let bad = || format!("{address:?} is not an address (IP:PORT, [IPv6]:PORT or :PORT)");
    match address.strip_prefix(':') {
        Some(port) => port
            .parse::<u16>()
            .map(|port| SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port))
            .map_err(|_| bad()),
        None => address.parse().map_err(|_| bad()),
    }
}

/// The entry points as configured: `--entrypoint` values, or `--listen` as one named `web`, or
/// the default; with the defaults for routes that name none. `resolvers` are the
/// `--certresolver` names an entry point's `certresolver` may name.
pub(super) fn resolve(
    listen: Option<SocketAddr>,
    entry_points: Option<Vec<EntryPointArg>>,
    default_names: Option<Vec<String>>,
    resolvers: &[&str],
) -> Result<(Vec<EntryPoint>, EntryPoints), ConfigError> {
    let invalid = |message: String| ConfigError::Invalid(message);
    let built_in = entry_points.is_none();
    let args = entry_points.clone().unwrap_or_default();
    let configured: Vec<EntryPoint> = match (listen, entry_points) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                "--listen and --entrypoint are both set: --listen ADDR is the older way to \
                 write --entrypoint web=ADDR; use one"
                    .into(),
            ));
        }
        (Some(address), None) => vec![EntryPoint::plain(defaults::ENTRY_POINT_NAME, address)],
        (None, Some(list)) if list.is_empty() => {
            return Err(invalid(
                "--entrypoint is set but names no entry point".into(),
            ));
        }
        (None, Some(list)) => list
            .into_iter()
            .map(|arg| EntryPoint {
                tls: arg.tls,
                ..EntryPoint::plain(&arg.name, arg.address)
            })
            .collect(),
        (None, None) => vec![EntryPoint::plain(
            defaults::ENTRY_POINT_NAME,
            defaults::ENTRY_POINT_ADDRESS,
        )],
    };
    check_unique(&configured)?;
    let mut configured = configured;
    check_options(&args, &mut configured, resolvers)?;
    let defaults = default_set(&configured, default_names)?;
    let entries = configured.iter().map(|entry_point| {
        (
            entry_point.name.clone(),
            defaults.contains(&entry_point.name),
        )
    });
    let mut routing = if built_in {
        EntryPoints::built_in(entries)
    } else {
        EntryPoints::new(entries)
    };
    for (position, entry_point) in configured.iter().enumerate() {
        routing.set_port(position, entry_point.address.port());
    }
    for arg in args.iter().filter(|arg| arg.tls) {
        routing = routing.with_tls(
            &arg.name,
            EntryPointTls {
                cert_resolver: arg.cert_resolver.clone(),
            },
        );
    }
    Ok((configured, routing))
}

/// `redirect` names another entry point, a TLS one; `certresolver` a configured resolver.
/// Sets each redirecting entry point's target position.
fn check_options(
    args: &[EntryPointArg],
    configured: &mut [EntryPoint],
    resolvers: &[&str],
) -> Result<(), ConfigError> {
    let invalid = |message: String| Err(ConfigError::Invalid(message));
    for (position, arg) in args.iter().enumerate() {
        if let Some(resolver) = &arg.cert_resolver
            && !resolvers.contains(&resolver.as_str())
        {
            let known = if resolvers.is_empty() {
                "none is configured: --certresolver NAME.KEY=VALUE defines one".to_owned()
            } else {
                format!("configured: {}", resolvers.join(", "))
            };
            return invalid(format!(
                "--entrypoint {}: certresolver {resolver:?} is not a --certresolver ({known})",
                arg.name
            ));
        }
        let Some(target) = &arg.redirect else {
            continue;
        };
        let found = configured.iter().position(|entry| entry.name == *target);
        match found {
            None => {
                return invalid(format!(
                    "--entrypoint {}: redirect={target}, which is not an entry point",
                    arg.name
                ));
            }
            Some(found) if found == position => {
                return invalid(format!(
                    "--entrypoint {}: redirect names the entry point itself",
                    arg.name
                ));
            }
            Some(found) if !configured[found].tls => {
                return invalid(format!(
                    "--entrypoint {}: redirect={target}, which is not a TLS entry point \
                     (add ;tls to it)",
                    arg.name
                ));
            }
            Some(found) => configured[position].redirect = Some(found),
        }
    }
    Ok(())
}

/// Two entry points on one address would share its connections at random (`SO_REUSEPORT`).
fn check_unique(configured: &[EntryPoint]) -> Result<(), ConfigError> {
    for (position, entry_point) in configured.iter().enumerate() {
        for earlier in &configured[..position] {
            if earlier.name == entry_point.name {
                return Err(ConfigError::Invalid(format!(
                    "--entrypoint: the name {:?} is given twice",
                    entry_point.name
                )));
            }
            if earlier.address == entry_point.address && entry_point.address.port() != 0 {
                return Err(ConfigError::Invalid(format!(
                    "--entrypoint: {} and {} both listen on {}",
                    earlier.name, entry_point.name, entry_point.address
                )));
            }
        }
    }
    Ok(())
}

/// `--default-entrypoints`: every entry point unless it names some, which must exist.
fn default_set(
    configured: &[EntryPoint],
    names: Option<Vec<String>>,
) -> Result<HashSet<String>, ConfigError> {
    let all = || {
        configured
            .iter()
            .map(|entry_point| entry_point.name.clone())
    };
    let Some(names) = names else {
        return Ok(all().collect());
    };
    let names: Vec<String> = names.iter().map(|name| name.trim().to_owned()).collect();
    if names.is_empty() || names.iter().any(String::is_empty) {
        return Err(ConfigError::Invalid(
            "--default-entrypoints has an empty name".into(),
        ));
    }
    let known: HashSet<String> = all().collect();
    if let Some(unknown) = names.iter().find(|name| !known.contains(*name)) {
        let listed: Vec<String> = all().collect();
        return Err(ConfigError::Invalid(format!(
            "--default-entrypoints names {unknown:?}, which is not an entry point \
             (configured: {})",
            listed.join(", ")
        )));
    }
    Ok(names.into_iter().collect())
}
