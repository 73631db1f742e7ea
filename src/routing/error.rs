//! Why a rule or a service's labels were rejected. Every message names the offending text,
//! and for Traefik v2/v3 rules where it is.

use std::fmt;

use thiserror::Error;

use super::goregex::GoRegexError;
use super::options::OptionError;

/// A rule that does not parse.
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
    /// A Traefik v2/v3 rule (or constraints expression) that is not a well-formed expression.
    #[error("{problem} at {at}")]
    Syntax {
        at: Position,
        problem: SyntaxProblem,
    },
    /// A v2/v3 matcher name the chosen syntax does not have.
    #[error("unknown matcher '{name}' at {at} (known: {known})")]
    UnknownFunction {
        name: String,
        at: Position,
        known: String,
    },
    /// A v2/v3 matcher whose arguments are wrong (boxed: it is the largest of these errors).
    #[error("{matcher} at {at}: {problem}")]
    BadMatcher {
        matcher: String,
        at: Position,
        problem: Box<MatcherProblem>,
    },
}

/// A place in a rule, as an editor counts: lines and columns (characters) from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl Position {
    /// The position of byte `offset` of `text`.
    pub fn locate(text: &str, offset: usize) -> Position {
        let before = text.get(..offset).unwrap_or(text);
        let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
        Position {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 1 {
            write!(formatter, "column {}", self.column)
        } else {
            write!(formatter, "line {}, column {}", self.line, self.column)
        }
    }
}

/// Why a v2/v3 rule is not a well-formed expression.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum SyntaxProblem {
    #[error("expected {expected}, found {found}")]
    Unexpected {
        expected: &'static str,
        found: String,
    },
    #[error("'(' is never closed")]
    UnclosedParenthesis,
    #[error("')' has no matching '('")]
    UnmatchedParenthesis,
    #[error("the string is not terminated")]
    UnterminatedString,
    #[error("the comment is not terminated")]
    UnterminatedComment,
    #[error(
        "bad escape sequence {0} in a \"double-quoted\" string (write \\\\ for a backslash, \
         or use a `backtick` string, which has no escapes)"
    )]
    BadEscape(String),
    #[error("escape sequence {0} is not a valid character")]
    BadEscapeValue(String),
    #[error("the string's escapes do not spell valid UTF-8")]
    InvalidUtf8,
    #[error("unexpected character {0:?} (U+{code:04X})", code = u32::from(*.0))]
    BadCharacter(char),
    #[error("single quotes do not make a string: use `backticks` or \"double quotes\"")]
    SingleQuote,
    #[error("'{0}' is not supported: combine matchers with &&, || and !")]
    UnsupportedOperator(String),
    #[error("matcher arguments must be strings, found {0}")]
    NotAString(String),
    #[error("a line break after {0} ends the rule: break lines after &&, ||, '(' or ',' instead")]
    LineBreak(String),
}

/// Why a v2/v3 matcher's arguments are wrong.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum MatcherProblem {
    #[error("takes {expected}, got {got}")]
    ArgumentCount { expected: &'static str, got: usize },
    #[error("needs at least one argument")]
    NoArguments,
    #[error("argument {0} is empty")]
    EmptyArgument(usize),
    #[error("{pattern:?} is not a valid Go regular expression: {source}")]
    BadRegex {
        pattern: String,
        source: GoRegexError,
    },
    #[error("{template:?} is not a valid template: {reason}")]
    BadTemplate { template: String, reason: String },
    #[error("{0:?} is neither an IP address nor a CIDR range")]
    BadClientIp(String),
    #[error("{0:?} is not ASCII: write international domain names in punycode (xn--...)")]
    NonAsciiHost(String),
    #[error("{0:?} does not start with '/'")]
    NotAPath(String),
    #[error("takes name, value pairs, so an even number of arguments, got {0}")]
    OddPairs(usize),
    #[error("{0:?} is not a valid header name")]
    BadHeaderName(String),
    #[error("{0:?} is not a valid HTTP method")]
    BadMethod(String),
    #[error("variable {0:?} appears twice")]
    DuplicateVariable(String),
}

/// Why a service gets no route. Each one is reported once and listed by the admin API.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum SkipReason {
    #[error("disabled by {label}={value}")]
    Disabled { label: String, value: String },
    #[error("not exposed: --exposed-by-default is false and there is no {label}=true")]
    NotEnabled { label: String },
    #[error("not exposed: its labels do not match --constraints {constraints:?}")]
    Constrained { constraints: String },
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
    #[error(
        "route {route}: it has tls, so it is served on TLS entry points only, and {plain} \
         (where it would be served) is plain (TLS entry points: {tls}); add ;tls to an \
         --entrypoint or name a TLS one"
    )]
    TlsOnPlainEntryPoints {
        route: String,
        plain: String,
        tls: String,
    },
    #[error("label {label}: {reason}")]
    BadOption { label: String, reason: String },
    #[error("static service: {0}")]
    BadStaticService(String),
    #[error(
        "labels in both Traefik dialects: {v1_label} (v1) and {v3_label} (v2/v3); hawser reads a \
         service in one dialect, so it is not exposed rather than half-read"
    )]
    MixedDialects { v1_label: String, v3_label: String },
    /// A label that does not decode (unknown option, bad value, bad key syntax).
    #[error(transparent)]
    Label(#[from] OptionError),
    #[error(
        "both {swarm_label} and {docker_label} are set (Traefik refuses this too: both Docker \
         and Swarm labels are defined); keep one"
    )]
    BothProviderLabels {
        swarm_label: String,
        docker_label: String,
    },
    #[error(
        "only TCP/UDP labels (such as {label}), which hawser does not route; as in Traefik, no \
         HTTP router is made for the service"
    )]
    OnlyTcpUdp { label: String },
    #[error(
        "{label}=true routes to the service's virtual IP, but it has none on network {network} \
         (services in dnsrr endpoint mode have none); remove the label to route to the tasks"
    )]
    NoVirtualIp { label: String, network: String },
    #[error(
        "label {label}: {what} is not supported by hawser, so {part} is not exposed rather than exposed without it"
    )]
    UnsupportedPart {
        label: String,
        what: String,
        part: String,
    },
    /// A router's rule that does not parse; `reason` says where.
    #[error("label {label}: {reason}")]
    RouterRule { label: String, reason: String },
    #[error(
        "router {router} has no rule and the default rule template {template:?} gives an empty one"
    )]
    EmptyDefaultRule { router: String, template: String },
    #[error(
        "router {router} names no service and the labels define several ({services}): set {label}"
    )]
    CannotLinkService {
        router: String,
        services: String,
        label: String,
    },
    #[error("service {service} (from {label}) does not exist")]
    MissingService { service: String, label: String },
    #[error("service {service}: {reason}")]
    BrokenService { service: String, reason: String },
    #[error(
        "middleware {middleware} (from {label}) does not exist, so the router is not exposed \
         rather than exposed without it"
    )]
    MissingMiddleware { middleware: String, label: String },
    #[error("middleware {middleware}: {reason}")]
    BrokenMiddleware { middleware: String, reason: String },
    #[error("recursion detected in middlewares: {path}")]
    MiddlewareRecursion { path: String },
    #[error("recursion detected in weighted services: {path}")]
    ServiceRecursion { path: String },
    #[error(
        "{kind} {name} is defined differently by services {owners}; as in Traefik, a name \
         defined twice with different settings is dropped everywhere"
    )]
    Conflict {
        kind: &'static str,
        name: String,
        owners: String,
    },
}

impl SkipReason {
    /// Left out on purpose (disabled, not enabled, constrained): reported, but not a problem.
    pub fn is_intentional(&self) -> bool {
        matches!(
            self,
            SkipReason::Disabled { .. }
                | SkipReason::NotEnabled { .. }
                | SkipReason::Constrained { .. }
        )
    }
}
