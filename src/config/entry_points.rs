//! `--entrypoint NAME=ADDRESS[;OPTION...]`, `--default-entrypoints` and the older `--listen`,
//! checked together into the proxy's and routing's views of the same list.
//!
//! `;` starts an entry point's options so that commas stay free to separate entry points in
//! `HAWSER_ENTRYPOINT` and in `--entrypoint a=:80,b=:81`. No option exists yet; one that is
//! given is an error rather than silently dropped.

use std::collections::HashSet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::str::FromStr;

use serde::Deserialize;

use super::ConfigError;
use super::defaults;
use crate::proxy::EntryPoint;
use crate::routing::EntryPoints;

/// One `--entrypoint` value, as written.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct EntryPointArg {
    pub name: String,
    pub address: SocketAddr,
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
        if let Some(option) = parts.map(str::trim).find(|option| !option.is_empty()) {
            return Err(error(format!(
                "unknown option {option:?} (entry points take no options yet)"
            )));
        }
        Ok(EntryPointArg {
            name: name.to_owned(),
            address,
        })
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
/// the default; with the defaults for routes that name none.
pub(super) fn resolve(
    listen: Option<SocketAddr>,
    entry_points: Option<Vec<EntryPointArg>>,
    default_names: Option<Vec<String>>,
) -> Result<(Vec<EntryPoint>, EntryPoints), ConfigError> {
    let invalid = |message: String| ConfigError::Invalid(message);
    let built_in = entry_points.is_none();
    let configured: Vec<EntryPoint> = match (listen, entry_points) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                "--listen and --entrypoint are both set: --listen ADDR is the older way to \
                 write --entrypoint web=ADDR; use one"
                    .into(),
            ));
        }
        (Some(address), None) => vec![EntryPoint {
            name: defaults::ENTRY_POINT_NAME.to_owned(),
            address,
        }],
        (None, Some(list)) if list.is_empty() => {
            return Err(invalid(
                "--entrypoint is set but names no entry point".into(),
            ));
        }
        (None, Some(list)) => list
            .into_iter()
            .map(|arg| EntryPoint {
                name: arg.name,
                address: arg.address,
            })
            .collect(),
        (None, None) => vec![EntryPoint {
            name: defaults::ENTRY_POINT_NAME.to_owned(),
            address: defaults::ENTRY_POINT_ADDRESS,
        }],
    };
    check_unique(&configured)?;
    let defaults = default_set(&configured, default_names)?;
    let entries = configured.iter().map(|entry_point| {
        (
            entry_point.name.clone(),
            defaults.contains(&entry_point.name),
        )
    });
    let routing = if built_in {
        EntryPoints::built_in(entries)
    } else {
        EntryPoints::new(entries)
    };
    Ok((configured, routing))
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
