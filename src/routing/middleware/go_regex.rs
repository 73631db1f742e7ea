//! Regexes written for Go's RE2, as Traefik compiles every middleware regex. They are compiled
//! in one place, [`GoRegex::new`], so that Go's syntax and semantics are applied the same way
//! everywhere.

use std::fmt;
use std::ops::Deref;

use regex::Regex;

use crate::routing::options::{OptionError, Options};

/// A compiled regex that keeps its source: configurations compare and print by it.
#[derive(Clone)]
pub struct GoRegex {
    source: String,
    regex: Regex,
}

impl GoRegex {
    /// Compiles `pattern` as Go's `regexp.Compile` would; the error says why not.
    pub fn new(pattern: &str) -> Result<Self, String> {
        // The one place a middleware regex is compiled; Go's RE2 dialect is handled here.
        let regex = Regex::new(pattern).map_err(|err| err.to_string())?;
        Ok(GoRegex {
            source: pattern.to_owned(),
            regex,
        })
    }

    /// Compiles the value of `key`, an error naming the label when it does not compile.
    pub fn from_option(
        options: &Options<'_>,
        key: &str,
        pattern: &str,
    ) -> Result<Self, OptionError> {
        GoRegex::new(pattern).map_err(|reason| {
            options.error(key, format!("{pattern:?} is not a valid regex: {reason}"))
        })
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }
}

impl Deref for GoRegex {
    type Target = Regex;

    fn deref(&self) -> &Regex {
        &self.regex
    }
}

impl PartialEq for GoRegex {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for GoRegex {}

impl fmt::Debug for GoRegex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GoRegex({:?})", self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacements_expand_like_go_replace_all_string() {
        // Go's regexp.Expand: `$name` takes the longest run of letters, digits and `_`, so
        // `$1x` is the (missing) group `1x`; `${1}x` is group 1 then `x`; `$$` is a `$`; a `$`
        // not followed by a name stays as it is. The regex crate follows the same rules.
        let regex = GoRegex::new("(a)(?P<n>b)").expect("valid");
        let cases = [
            ("$1x", ""),
            ("${1}x", "ax"),
            ("$2-$n", "b-b"),
            ("$$1", "$1"),
            ("$", "$"),
            ("$-", "$-"),
            ("$9", ""),
        ];
        for (replacement, expected) in cases {
            assert_eq!(
                regex.replace_all("ab", replacement),
                expected,
                "{replacement}"
            );
        }
    }

    #[test]
    fn every_match_is_replaced_and_empty_matches_abutting_one_are_not() {
        // Go: regexp.MustCompile("a*").ReplaceAllString("baaac", "X") == "XbXcX"
        let regex = GoRegex::new("a*").expect("valid");
        assert_eq!(regex.replace_all("baaac", "X"), "XbXcX");
        let regex = GoRegex::new("/whoami").expect("valid");
        assert_eq!(
            regex.replace_all("/whoami/and/whoami", "/who-am-i"),
            "/who-am-i/and/who-am-i"
        );
    }

    #[test]
    fn equality_and_errors_are_by_source() {
        assert_eq!(GoRegex::new("^/a").ok(), GoRegex::new("^/a").ok());
        assert_ne!(GoRegex::new("^/a").ok(), GoRegex::new("^/b").ok());
        assert!(GoRegex::new("^(.*").is_err());
    }
}
