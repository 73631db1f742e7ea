//! Label values: Go's `strconv` spellings, and what Traefik 1.7 does when one does not parse
//! (`provider/label/label.go`: `GetBoolValue` and `GetIntValue` log the error and use the
//! default, so the service is still served).

use crate::routing::SkipReason;

pub(super) use crate::routing::options::parse_bool;

/// Traefik 1.7's map labels (`ParseMapValue`): `K:v||K2:v2`, names canonical, values trimmed;
/// an entry without `:` is left out.
pub(super) fn parse_map_value(value: &str) -> Vec<(String, String)> {
    value
        .split("||")
        .filter_map(|entry| entry.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .filter(|(name, _)| !name.is_empty())
        .collect()
}

/// A boolean that must parse: for labels where a guess could expose a service.
pub(super) fn strict_bool(label: &str, value: &str) -> Result<bool, SkipReason> {
    parse_bool(value).ok_or_else(|| SkipReason::BadValue {
        label: label.to_owned(),
        value: value.to_owned(),
        expected: "a boolean (true or false)",
    })
}

/// A boolean as Traefik reads it: unparsable means `default`, with a warning.
pub(super) fn bool_or_default(
    label: &str,
    value: &str,
    default: bool,
    warnings: &mut Vec<String>,
) -> bool {
    parse_bool(value).unwrap_or_else(|| {
        warn_once(
            warnings,
            format!("label {label}={value:?} is not a boolean; using {default}, as Traefik does"),
        );
        default
    })
}

/// An integer as Traefik reads it (`strconv.Atoi`): unparsable means `default`, with a
/// warning.
pub(super) fn int_or_default(
    label: &str,
    value: &str,
    default: i64,
    warnings: &mut Vec<String>,
) -> i64 {
    value.trim().parse().unwrap_or_else(|_| {
        warn_once(
            warnings,
            format!("label {label}={value:?} is not a number; using {default}, as Traefik does"),
        );
        default
    })
}

pub(super) fn parse_port(label: &str, value: &str) -> Result<u16, SkipReason> {
    match value.trim().parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(SkipReason::BadPort {
            label: label.to_owned(),
            value: value.to_owned(),
        }),
    }
}

/// Segments inherit the unsegmented labels, so the same warning can come up once per segment.
pub(super) fn warn_once(warnings: &mut Vec<String>, warning: String) {
    if !warnings.contains(&warning) {
        warnings.push(warning);
    }
}
