//! Why a rule or a service's labels were rejected. Every message names the offending text.

use thiserror::Error;

/// A frontend rule that does not parse.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum RuleError {
    #[error("the rule is empty")]
    Empty,
    #[error("'{0}' is not of the form 'Matcher: arguments'")]
    MissingColon(String),
    #[error(
        "unknown matcher '{0}' (known: Host, HostRegexp, Path, PathStrip, PathStripRegex, \
         PathPrefix, PathPrefixStrip, PathPrefixStripRegex, Method, Headers, HeadersRegexp, \
         Query, AddPrefix, ReplacePath, ReplacePathRegex)"
    )]
    UnknownMatcher(String),
    #[error("{0} has an empty argument")]
    EmptyArgument(String),
    #[error("bad pattern '{pattern}': {reason}")]
    BadPattern { pattern: String, reason: String },
    #[error("'{0}' is not an HTTP method")]
    BadMethod(String),
    #[error("{0} takes name, value pairs: the number of arguments must be even")]
    OddHeaderArguments(String),
    #[error("'{0}' is not a valid header name")]
    BadHeaderName(String),
    #[error(
        "{0} cannot test the Host header (Traefik never finds it among the headers, so the \
         rule would never match): use Host or HostRegexp"
    )]
    HostHeader(String),
    #[error("Query takes key=value pairs (key= for any value); '{0}' is not one")]
    QueryNotAPair(String),
    #[error("{0} takes exactly one argument, got {1}")]
    OneArgument(String, usize),
    #[error("{0} needs a path starting with '/', got '{1}'")]
    NotAPath(String, String),
    #[error(
        "{matcher} strips literal prefixes and '{argument}' is a template (Traefik answers 404 \
         to every request for it): use {instead}"
    )]
    StripTemplate {
        matcher: String,
        argument: String,
        instead: &'static str,
    },
    #[error(
        "a rule cannot strip both by template (PathStripRegex, PathPrefixStripRegex) and \
         literally (PathStrip, PathPrefixStrip): Traefik strips the template first, then answers \
         404 unless what is left still starts with the literal prefix"
    )]
    StripsCombined,
    #[error(
        "ReplacePathRegex needs a regex and a replacement separated by exactly one space, got \
         '{0}'"
    )]
    BadReplacePathRegex(String),
}

/// Why a service gets no route. Each one is reported once and listed by the admin API.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum SkipReason {
    #[error("disabled by {label}={value}")]
    Disabled { label: String, value: String },
    #[error("not exposed: --exposed-by-default is false and there is no {label}=true")]
    NotEnabled { label: String },
    #[error("label {label}: {source}")]
    BadRule { label: String, source: RuleError },
    #[error(
        "label {label}: {reason} (Traefik reads the value as a TOML string, so a backslash is \
         written \\\\)"
    )]
    BadEscape { label: String, reason: String },
    #[error("label {label}={value:?} is not a port number (1-65535)")]
    BadPort { label: String, value: String },
    #[error("no {label} label: hawser needs the port the service's tasks listen on{hint}")]
    MissingPort { label: String, hint: String },
    #[error("label {label}={value:?} is not {expected}")]
    BadValue {
        label: String,
        value: String,
        expected: &'static str,
    },
    #[error(
        "label {label}: {what} is not supported by hawser, so the service is not exposed rather than exposed without it"
    )]
    Unsupported { label: String, what: String },
    #[error("no {label} label and no --domain to derive a Host rule from")]
    NoRule { label: String },
    #[error(
        "network {network:?} (from {source_of_choice}) is not one the service is attached to; attached: {attached}{hint}"
    )]
    UnknownNetwork {
        network: String,
        source_of_choice: String,
        attached: String,
        hint: String,
    },
    #[error(
        "attached to several networks ({candidates}): set {label} or --network to choose the one hawser reaches the tasks on"
    )]
    AmbiguousNetwork { candidates: String, label: String },
    #[error(
        "not attached to any network other than ingress, so its tasks have no address hawser can reach"
    )]
    NoNetwork,
    #[error(
        "route {route}: {what} (configured: {configured}), so the route is not served; \
         --entrypoint NAME=ADDRESS adds an entry point"
    )]
    NoEntryPoint {
        route: String,
        what: String,
        configured: String,
    },
    #[error("label {label}: {reason}")]
    BadOption { label: String, reason: String },
    #[error("static service: {0}")]
    BadStaticService(String),
}
