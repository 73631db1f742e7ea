//! Query strings read the way Traefik reads them for its `Query` matchers: Go's `url.ParseQuery`
//! (Go 1.16 for Traefik 1.7, and v2/v3 after the entry point's `AllowQuerySemicolons`: the same
//! result). Pairs are split on `&` and `;`, keys and values are
//! percent-decoded with `+` as a space, and a pair with a malformed escape is dropped.

use std::borrow::Cow;

/// The decoded values of `key`, in order.
pub fn values<'a>(query: Option<&'a str>, key: &'a str) -> impl Iterator<Item = Cow<'a, [u8]>> {
    pairs(query.unwrap_or_default())
        .filter(move |(found, _)| **found == *key.as_bytes())
        .map(|(_, value)| value)
}

/// The decoded first value of `key`, if present (gorilla/mux's first-value rule, which Traefik
/// v1 and v2 `Query` use). Bytes that are not UTF-8 become U+FFFD, as Go's regexps see them.
pub fn first_value<'a>(query: Option<&'a str>, key: &'a str) -> Option<Cow<'a, str>> {
    let value = values(query, key).next()?;
    Some(match value {
        Cow::Borrowed(bytes) => String::from_utf8_lossy(bytes),
        Cow::Owned(bytes) => Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()),
    })
}

/// `key=` and the first decoded value of `key` (gorilla/mux's `getURLQuery`); empty when the
/// key is absent.
pub fn first_pair(query: Option<&str>, key: &str) -> String {
    match values(query, key).next() {
        Some(value) => format!("{key}={}", String::from_utf8_lossy(&value)),
        None => String::new(),
    }
}

/// Every decodable `(key, value)` pair.
fn pairs(query: &str) -> impl Iterator<Item = (Cow<'_, [u8]>, Cow<'_, [u8]>)> {
    query
        .split(['&', ';'])
        .filter(|pair| !pair.is_empty())
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            Some((unescape(key)?, unescape(value)?))
        })
}

/// Go's `QueryUnescape`: `+` is a space, `%XX` a byte; a `%` without two hex digits fails.
fn unescape(text: &str) -> Option<Cow<'_, [u8]>> {
    if !text.contains(['%', '+']) {
        return Some(Cow::Borrowed(text.as_bytes()));
    }
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        match byte {
            b'+' => decoded.push(b' '),
            b'%' => {
                let high = hex_value(*bytes.get(index + 1)?)?;
                let low = hex_value(*bytes.get(index + 2)?)?;
                decoded.push(high << 4 | low);
                index += 2;
            }
            other => decoded.push(other),
        }
        index += 1;
    }
    Some(Cow::Owned(decoded))
}

fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|value| u8::try_from(value).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_value_of_a_key_decoded() {
        // mux regexp.go getURLQuery: only vals[0]; net/url ParseQuery decodes.
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("mobile=1&mobile=2", "mobile", Some("1")),
            ("mobile=2&mobile=1", "mobile", Some("2")),
            ("q=a+b", "q", Some("a b")),
            ("q=a%20b", "q", Some("a b")),
            ("a%20b=1", "a b", Some("1")),
            ("lang", "lang", Some("")),
            ("lang=", "lang", Some("")),
            ("x=1", "lang", None),
            // Go 1.16 splits on ';' too.
            ("a=1;b=2", "b", Some("2")),
            // A pair with a bad escape is dropped, so the next one is the first.
            ("a=%zz&a=2", "a", Some("2")),
            ("a=%2", "a", None),
            ("&&a=1", "a", Some("1")),
            ("A=1", "a", None),
        ];
        for (query, key, expected) in cases {
            assert_eq!(
                first_value(Some(query), key).as_deref(),
                *expected,
                "{query} {key}"
            );
        }
        assert_eq!(first_value(None, "a"), None);
    }

    #[test]
    fn bytes_that_are_not_utf8_are_replaced() {
        assert_eq!(first_value(Some("x=%FF"), "x").as_deref(), Some("\u{FFFD}"));
        assert_eq!(
            first_value(Some("x=caf%C3%A9"), "x").as_deref(),
            Some("café")
        );
    }

    fn decoded(query: &str, key: &str) -> Vec<String> {
        values(Some(query), key)
            .map(|value| String::from_utf8_lossy(&value).into_owned())
            .collect()
    }

    #[test]
    fn values_are_decoded_and_kept_in_order() {
        // Go's url.ParseQuery, as the cases in traefik-v3-routing.md §1.8 show.
        assert_eq!(decoded("q=a%20b&q=a+b&q=a%2Bb", "q"), ["a b", "a b", "a+b"]);
        assert_eq!(decoded("a%20b=1", "a b"), ["1"]);
        assert_eq!(decoded("a=1;b=2", "b"), ["2"]);
        assert_eq!(decoded("k&k=&k=1", "k"), ["", "", "1"]);
        assert_eq!(decoded("K=1", "k"), Vec::<String>::new());
        assert_eq!(decoded("=x", ""), ["x"]);
    }

    #[test]
    fn a_pair_with_a_bad_escape_is_dropped() {
        assert_eq!(decoded("foo=bar%zz&foo=bar", "foo"), ["bar"]);
        assert_eq!(decoded("foo=%4&foo=%41", "foo"), ["A"]);
        assert_eq!(decoded("fo%zo=1", "fo%zo"), Vec::<String>::new());
    }

    #[test]
    fn the_first_pair_is_what_gorilla_matches() {
        assert_eq!(first_pair(Some("foo=x&foo=bar"), "foo"), "foo=x");
        assert_eq!(first_pair(Some("foo"), "foo"), "foo=");
        assert_eq!(first_pair(Some("bar=1"), "foo"), "");
        assert_eq!(first_pair(None, "foo"), "");
    }
}
