//! Lists of HTTP status codes and ranges, as Traefik reads them for `errors.status` and
//! `retry.status` (`pkg/types/http_code_range.go`): `500`, `500-599`, or several
//! (`404,418,500-599`).

use crate::routing::options::{OptionError, Options};

/// Status codes, each range inclusive at both ends.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CodeRanges {
    ranges: Vec<(u16, u16)>,
}

impl CodeRanges {
    /// Reads the list under `key`; a bad item is an error naming the label.
    pub fn from_options(options: &Options<'_>, key: &str) -> Result<Self, OptionError> {
        let items = options.list(key).unwrap_or_default();
        let mut ranges = Vec::with_capacity(items.len());
        for item in items {
            let range = parse_range(item).ok_or_else(|| {
                options.error(
                    key,
                    format!("{item:?} is not a status code or a range such as 500-599"),
                )
            })?;
            ranges.push(range);
        }
        Ok(CodeRanges { ranges })
    }

    /// One item: `404` or `500-599`; `None` when it is neither.
    pub fn parse_one(item: &str) -> Option<Self> {
        parse_range(item).map(|range| CodeRanges {
            ranges: vec![range],
        })
    }

    pub fn contains(&self, code: u16) -> bool {
        self.ranges
            .iter()
            .any(|&(low, high)| (low..=high).contains(&code))
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The lowest code any range starts at (to order overlapping rewrites).
    pub fn lowest(&self) -> u16 {
        self.ranges.iter().map(|&(low, _)| low).min().unwrap_or(0)
    }
}

/// `a` or `a-b`, each a status code (100 to 999); `a` not above `b`.
fn parse_range(item: &str) -> Option<(u16, u16)> {
    let (low, high) = match item.split_once('-') {
        Some((low, high)) => (low, high),
        None => (item, item),
    };
    let code = |text: &str| {
        text.trim()
            .parse::<u16>()
            .ok()
            .filter(|code| (100..=999).contains(code))
    };
    let (low, high) = (code(low)?, code(high)?);
    (low <= high).then_some((low, high))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(value: &str) -> Result<CodeRanges, OptionError> {
        let mut options = Options::new("traefik.http.middlewares.e.errors");
        options.push("status", "…errors.status", value);
        CodeRanges::from_options(&options, "status")
    }

    #[test]
    fn codes_and_ranges_as_traefik_documents_them() {
        // pkg/types/http_code_range_test.go and the errors middleware documentation
        let cases: &[(&str, &[u16], &[u16])] = &[
            ("500", &[500], &[499, 501]),
            ("500-599", &[500, 550, 599], &[499, 600]),
            ("404,418,500-599", &[404, 418, 500, 599], &[405, 417, 499]),
            ("500-501,503-599", &[500, 501, 503, 599], &[200, 502]),
            ("500,501,503,505-599", &[500, 501, 503, 505], &[502, 504]),
        ];
        for (value, inside, outside) in cases {
            let parsed = ranges(value).expect(value);
            for code in *inside {
                assert!(parsed.contains(*code), "{value}: {code}");
            }
            for code in *outside {
                assert!(!parsed.contains(*code), "{value}: {code}");
            }
        }
    }

    #[test]
    fn a_bad_item_names_the_label_and_the_item() {
        for bad in [
            "abc",
            "500-",
            "-500",
            "600-500",
            "5000",
            "50x-599",
            "500-599-600",
        ] {
            let err = ranges(bad).expect_err(bad);
            assert_eq!(err.label, "…errors.status");
            assert!(err.reason.contains(bad), "{err}");
        }
    }
}
