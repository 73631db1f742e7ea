//! The options of one configured object (a middleware, a load balancer's health check...), read
//! the way Traefik's label decoder reads them: keys case-insensitive, lists split on commas and
//! trimmed, a bare integer duration in seconds, Go's boolean spellings. Every option must be
//! used by the object that reads them: one left over is a typo, and an error that names it.
//! An option accepted but worth an operator's attention (deprecated, ignored) leaves a warning
//! for whoever reads the labels to report ([`Options::warnings`]).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use thiserror::Error;

/// An option that is missing, malformed or unknown, with the label that set it.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[error("label {label}: {reason}")]
pub struct OptionError {
    pub label: String,
    pub reason: String,
}

/// One `key=value`, the key relative to the object (`prefixes`, `customrequestheaders.X-A`).
#[derive(Debug)]
struct Entry<'a> {
    /// Lowercase, for lookups.
    key: String,
    /// As written, for map keys such as header names.
    written: &'a str,
    label: &'a str,
    value: &'a str,
    used: Cell<bool>,
}

/// The options of one object. Readers take what they know; [`Options::finish`] reports the rest.
#[derive(Debug, Default)]
pub struct Options<'a> {
    entries: Vec<Entry<'a>>,
    /// The object's own label prefix, for errors about options that are missing.
    prefix: String,
    /// Shared with the [`Options::nested`] objects, so that their warnings reach the reader.
    warnings: Rc<RefCell<Vec<String>>>,
}

impl<'a> Options<'a> {
    /// `prefix` is the object's label up to its options (`traefik.http.middlewares.a.stripprefix`).
    pub fn new(prefix: impl Into<String>) -> Self {
        Options {
            entries: Vec::new(),
            prefix: prefix.into(),
            warnings: Rc::default(),
        }
    }

    /// Adds an option: `key` relative to the prefix, the whole `label` it came from.
    pub fn push(&mut self, key: &'a str, label: &'a str, value: &'a str) {
        self.entries.push(Entry {
            key: key.to_ascii_lowercase(),
            written: key,
            label,
            value,
            used: Cell::new(false),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The label an option would have, for error messages.
    pub fn label_of(&self, key: &str) -> String {
        match self.find(key) {
            Some(entry) => entry.label.to_owned(),
            None if key.is_empty() => self.prefix.clone(),
            None if self.prefix.is_empty() => key.to_owned(),
            None => format!("{}.{key}", self.prefix),
        }
    }

    /// An error about `key`, naming its label.
    pub fn error(&self, key: &str, reason: impl Into<String>) -> OptionError {
        OptionError {
            label: self.label_of(key),
            reason: reason.into(),
        }
    }

    fn find(&self, key: &str) -> Option<&Entry<'a>> {
        self.entries
            .iter()
            .find(|entry| entry.key.eq_ignore_ascii_case(key))
    }

    /// The raw value of `key`, marking it used.
    pub fn string(&self, key: &str) -> Option<&'a str> {
        let entry = self.find(key)?;
        entry.used.set(true);
        Some(entry.value)
    }

    /// Whether `key` or any option under `key.` is set (without using them).
    pub fn has(&self, key: &str) -> bool {
        let nested = format!("{}.", key.to_ascii_lowercase());
        self.entries
            .iter()
            .any(|entry| entry.key.eq_ignore_ascii_case(key) || entry.key.starts_with(&nested))
    }

    /// A required string.
    pub fn required(&self, key: &str) -> Result<&'a str, OptionError> {
        match self.string(key) {
            Some(value) if !value.trim().is_empty() => Ok(value.trim()),
            _ => Err(self.error(key, "is required")),
        }
    }

    /// Go's `strconv.ParseBool` spellings.
    pub fn bool(&self, key: &str) -> Result<Option<bool>, OptionError> {
        let Some(value) = self.string(key) else {
            return Ok(None);
        };
        parse_bool(value)
            .map(Some)
            .ok_or_else(|| self.error(key, format!("{value:?} is not a boolean (true or false)")))
    }

    /// A number of any type that parses from decimal text.
    pub fn number<T: std::str::FromStr>(&self, key: &str) -> Result<Option<T>, OptionError> {
        let Some(value) = self.string(key) else {
            return Ok(None);
        };
        value
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| self.error(key, format!("{value:?} is not a number")))
    }

    /// A duration: a bare integer is seconds, else Go's syntax (`100ms`, `1m30s`).
    pub fn duration(&self, key: &str) -> Result<Option<Duration>, OptionError> {
        let Some(value) = self.string(key) else {
            return Ok(None);
        };
        parse_duration(value).map(Some).ok_or_else(|| {
            self.error(
                key,
                format!("{value:?} is not a duration (seconds, or as in 100ms, 1m30s)"),
            )
        })
    }

    /// A comma-separated list, each item trimmed; empty items are dropped.
    pub fn list(&self, key: &str) -> Option<Vec<&'a str>> {
        let value = self.string(key)?;
        Some(
            value
                .split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .collect(),
        )
    }

    /// `allowEmpty` objects (`compress=true`, `sticky.cookie=true`): set with `true` or an empty
    /// value, or by any option under it; `false` (or anything else) turns the object off.
    pub fn enabled(&self, key: &str) -> bool {
        match self.string(key) {
            Some(value) => value.is_empty() || value.trim().eq_ignore_ascii_case("true"),
            None => self.has(key),
        }
    }

    /// Every `key.<name>=value`, the names as written (header names keep their case).
    pub fn map(&self, key: &str) -> Vec<(&'a str, &'a str)> {
        let nested = format!("{}.", key.to_ascii_lowercase());
        self.entries
            .iter()
            .filter(|entry| entry.key.starts_with(&nested))
            .map(|entry| {
                entry.used.set(true);
                (&entry.written[nested.len()..], entry.value)
            })
            .collect()
    }

    /// Records that `key` (`""`: the object itself) is accepted but deserves attention.
    pub fn warn(&self, key: &str, message: impl Into<String>) {
        let warning = format!("label {}: {}", self.label_of(key), message.into());
        self.warnings.borrow_mut().push(warning);
    }

    /// The warnings recorded while the options (and the objects nested in them) were read.
    pub fn warnings(&self) -> Vec<String> {
        self.warnings.borrow().clone()
    }

    /// The options under `key.`, as an object of their own (a health check's, a cookie's).
    pub fn nested(&self, key: &str) -> Options<'a> {
        let nested = format!("{}.", key.to_ascii_lowercase());
        let mut options = Options::new(format!("{}.{key}", self.prefix));
        options.warnings = Rc::clone(&self.warnings);
        for entry in &self.entries {
            if entry.key.starts_with(&nested) {
                entry.used.set(true);
                options.push(&entry.written[nested.len()..], entry.label, entry.value);
            }
        }
        options
    }

    /// Marks `key` used without reading it (an option accepted and deliberately ignored).
    pub fn ignore(&self, key: &str) {
        let _ = self.string(key);
    }

    /// Fails on the first option no reader used: an unknown (probably misspelt) option.
    pub fn finish(&self) -> Result<(), OptionError> {
        match self.entries.iter().find(|entry| !entry.used.get()) {
            None => Ok(()),
            Some(entry) => Err(OptionError {
                label: entry.label.to_owned(),
                reason: format!("unknown option {:?}", entry.written),
            }),
        }
    }
}

/// Go's `strconv.ParseBool`, which Traefik uses for every boolean label.
pub fn parse_bool(value: &str) -> Option<bool> {
    match value.trim() {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// A bare integer is seconds (Traefik's labels); otherwise Go's `time.ParseDuration`: a sequence
/// of decimal numbers with units `ns`, `us`/`µs`, `ms`, `s`, `m`, `h`. Negative is refused.
pub fn parse_duration(value: &str) -> Option<Duration> {
    let text = value.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let mut rest = text.strip_prefix('+').unwrap_or(text);
    if rest.is_empty() || rest.starts_with('-') {
        return None;
    }
    if rest == "0" {
        return Some(Duration::ZERO);
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let number_end = rest
            .find(|ch: char| !(ch.is_ascii_digit() || ch == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..number_end].parse().ok()?;
        rest = &rest[number_end..];
        let unit_end = rest
            .find(|ch: char| ch.is_ascii_digit() || ch == '.')
            .unwrap_or(rest.len());
        let seconds_per_unit = match &rest[..unit_end] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = &rest[unit_end..];
        total += number * seconds_per_unit;
    }
    Duration::try_from_secs_f64(total).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options<'a>(pairs: &'a [(&'a str, &'a str)]) -> Options<'a> {
        let mut options = Options::new("traefik.http.middlewares.m.headers");
        for (key, value) in pairs {
            options.push(key, key, value);
        }
        options
    }

    #[test]
    fn keys_are_case_insensitive_and_lists_are_trimmed() {
        let pairs = [("Prefixes", " /a, /b ,,/c"), ("forceSlash", "TRUE")];
        let options = options(&pairs);
        assert_eq!(options.list("prefixes"), Some(vec!["/a", "/b", "/c"]));
        assert_eq!(options.bool("FORCESLASH"), Ok(Some(true)));
        assert_eq!(options.finish(), Ok(()));
    }

    #[test]
    fn an_option_nobody_reads_is_an_error_naming_it() {
        let pairs = [("prefixes", "/a"), ("prefixs", "/b")];
        let options = options(&pairs);
        let _ = options.list("prefixes");
        let err = options.finish().expect_err("a typo");
        assert_eq!(err.label, "prefixs");
        assert!(err.reason.contains("unknown option"), "{err}");
    }

    #[test]
    fn maps_keep_the_case_of_their_keys() {
        let pairs = [
            ("customRequestHeaders.X-Script-Name", "test"),
            ("customrequestheaders.X-Gone", ""),
        ];
        let options = options(&pairs);
        assert_eq!(
            options.map("customrequestheaders"),
            vec![("X-Script-Name", "test"), ("X-Gone", "")]
        );
        assert_eq!(options.finish(), Ok(()));
    }

    #[test]
    fn allow_empty_objects_follow_traefik() {
        let pairs = [
            ("compress", "true"),
            ("sticky.cookie", "false"),
            ("tls.certresolver", "le"),
            ("empty", ""),
        ];
        let options = options(&pairs);
        assert!(options.enabled("compress"));
        assert!(!options.enabled("sticky.cookie"));
        assert!(options.enabled("tls"), "a child option creates the object");
        assert!(options.enabled("empty"));
        assert!(!options.enabled("absent"));
    }

    #[test]
    fn warnings_of_nested_objects_reach_the_reader() {
        let pairs = [("sslRedirect", "true"), ("cookie.name", "x")];
        let options = options(&pairs);
        options.warn("sslRedirect", "is ignored");
        options.nested("cookie").warn("", "is odd");
        assert_eq!(
            options.warnings(),
            [
                "label sslRedirect: is ignored",
                "label traefik.http.middlewares.m.headers.cookie: is odd"
            ]
        );
    }

    #[test]
    fn bad_values_name_the_label_and_the_value() {
        let pairs = [("amount", "ten"), ("period", "10 s"), ("secure", "yes")];
        let options = options(&pairs);
        let err = options.number::<u64>("amount").expect_err("not a number");
        assert_eq!(err.to_string(), "label amount: \"ten\" is not a number");
        assert!(options.duration("period").is_err());
        assert!(options.bool("secure").is_err());
        let missing = options.required("users").expect_err("missing");
        assert_eq!(missing.label, "traefik.http.middlewares.m.headers.users");
    }

    #[test]
    fn durations_are_seconds_when_bare_and_go_syntax_otherwise() {
        let cases = [
            ("10", Some(Duration::from_secs(10))),
            ("100ms", Some(Duration::from_millis(100))),
            ("1m30s", Some(Duration::from_secs(90))),
            ("1.5h", Some(Duration::from_secs(5400))),
            ("250us", Some(Duration::from_micros(250))),
            ("0", Some(Duration::ZERO)),
            ("", None),
            ("10 s", None),
            ("-1s", None),
            ("5d", None),
            ("ms", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_duration(text), expected, "{text:?}");
        }
    }
}
