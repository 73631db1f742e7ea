//! Query parameters as Traefik 1.7 reads them for a `Query` matcher: Go's `url.ParseQuery`
//! (as built with Go 1.16, the release's toolchain) and gorilla/mux's first-value rule.
//!
//! Pairs are separated by `&` or `;`; keys and values are form-decoded (`+` is a space, `%XX`
//! a byte); a pair with a malformed escape is dropped as if it were not there; and only the
//! first value of a key is looked at (`?a=2&a=1` does not match `a=1`).

use std::borrow::Cow;

/// The decoded first value of `key` in the raw query string, if the key is present.
pub fn first_value<'a>(query: Option<&'a str>, key: &str) -> Option<Cow<'a, str>> {
    let query = query?;
    for pair in query.split(['&', ';']) {
        if pair.is_empty() {
            continue;
        }
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let Some(decoded_key) = form_decode(raw_key) else {
            continue;
        };
        let Some(value) = form_decode(raw_value) else {
            continue;
        };
        if decoded_key == key {
            return Some(value);
        }
    }
    None
}

/// Go's `QueryUnescape`: `+` → space, `%XX` → the byte; `None` for a `%` not followed by two
/// hex digits. Bytes that are not UTF-8 become U+FFFD, which is how Go's regexps see them.
pub fn form_decode(text: &str) -> Option<Cow<'_, str>> {
    if !text.contains(['%', '+']) {
        return Some(Cow::Borrowed(text));
    }
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => {
                decoded.push(b' ');
                index += 1;
            }
            b'%' => {
                let high = hex_digit(*bytes.get(index + 1)?)?;
                let low = hex_digit(*bytes.get(index + 2)?)?;
                decoded.push(high << 4 | low);
                index += 3;
            }
            other => {
                decoded.push(other);
                index += 1;
            }
        }
    }
    Some(match String::from_utf8(decoded) {
        Ok(text) => Cow::Owned(text),
        Err(err) => Cow::Owned(String::from_utf8_lossy(err.as_bytes()).into_owned()),
    })
}

fn hex_digit(byte: u8) -> Option<u8> {
    char::from(byte)
        .to_digit(16)
        .and_then(|digit| u8::try_from(digit).ok())
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
        assert_eq!(form_decode("%FF").as_deref(), Some("\u{FFFD}"));
        assert_eq!(form_decode("caf%C3%A9").as_deref(), Some("café"));
    }
}
