//! Label values as Traefik 1.7 reads them: its Docker provider pastes each value between
//! double quotes into a TOML file and decodes that (`templates/docker.tmpl`, BurntSushi/toml
//! v0.3.1), so a value is a TOML basic string. Users therefore write `\\.` in a label to put
//! `\.` in a regex, and hawser must read `\\.` the same way to match what Traefik matched.

use std::borrow::Cow;

/// The value a TOML basic string holding `raw` decodes to: `\b \t \n \f \r \" \\`, `\uXXXX`
/// and `\UXXXXXXXX` are unescaped; anything else TOML refuses is an error that says what.
/// (Traefik then fails to decode its whole configuration; hawser skips the one service.)
pub(super) fn unescape(raw: &str) -> Result<Cow<'_, str>, String> {
    if let Some(bad) = raw.chars().find(|&ch| ch == '\n' || ch == '\r') {
        return Err(format!("a line break ({bad:?}) cannot be in the value"));
    }
    if !raw.contains(['\\', '"']) {
        return Ok(Cow::Borrowed(raw));
    }
    let mut decoded = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(ch) = chars.next() {
        match ch {
            '"' => return Err("a double quote must be written \\\"".to_owned()),
            '\\' => decoded.push(escape(&mut chars)?),
            other => decoded.push(other),
        }
    }
    Ok(Cow::Owned(decoded))
}

/// The character an escape stands for; `chars` is just past the backslash.
fn escape(chars: &mut std::str::Chars<'_>) -> Result<char, String> {
    let Some(kind) = chars.next() else {
        return Err("the value ends in a lone backslash".to_owned());
    };
    let digits = match kind {
        'b' => return Ok('\u{8}'),
        't' => return Ok('\t'),
        'n' => return Ok('\n'),
        'f' => return Ok('\u{c}'),
        'r' => return Ok('\r'),
        '"' => return Ok('"'),
        '\\' => return Ok('\\'),
        'u' => 4,
        'U' => 8,
        other => {
            return Err(format!(
                "invalid escape \\{other}: only \\b, \\t, \\n, \\f, \\r, \\\", \\\\, \\uXXXX and \
                 \\UXXXXXXXX are allowed"
            ));
        }
    };
    let hex: String = chars.by_ref().take(digits).collect();
    if hex.len() != digits || !hex.chars().all(|digit| digit.is_ascii_hexdigit()) {
        return Err(format!(
            "\\{kind} needs {digits} hexadecimal digits, got {hex:?}"
        ));
    }
    u32::from_str_radix(&hex, 16)
        .ok()
        .and_then(char::from_u32)
        .ok_or_else(|| format!("\\{kind}{hex} is not a Unicode character"))
}

#[cfg(test)]
mod tests {
    use super::unescape;

    #[test]
    fn values_decode_as_toml_basic_strings() {
        // The research harness decoded these with BurntSushi/toml v0.3.1 (tomlcheck).
        let cases = [
            (
                r"HostRegexp:{x:[a-z]+}\\.a.test",
                r"HostRegexp:{x:[a-z]+}\.a.test",
            ),
            (r"PathPrefix:/\u0041", "PathPrefix:/A"),
            (r"Path:/\U0001F600", "Path:/\u{1F600}"),
            (r#"Headers:X,a\"b"#, r#"Headers:X,a"b"#),
            (r"a\tb", "a\tb"),
            (
                "ReplacePathRegex: ^/a/(.*) /b/$1",
                "ReplacePathRegex: ^/a/(.*) /b/$1",
            ),
        ];
        for (raw, decoded) in cases {
            assert_eq!(unescape(raw).as_deref(), Ok(decoded), "{raw}");
        }
    }

    #[test]
    fn what_toml_refuses_is_an_error_naming_it() {
        for (raw, named) in [
            (r"HostRegexp:{x:[a-z]+}\.a.test", r"\."),
            (r#"Path:/a"b"#, "double quote"),
            (r"Path:/a\", "lone backslash"),
            (r"Path:/\u12", "hexadecimal"),
            (r"Path:/\uD800", "not a Unicode character"),
            ("Path:/a\nb", "line break"),
        ] {
            let err = unescape(raw).expect_err(raw);
            assert!(err.contains(named), "{raw}: {err}");
        }
    }
}
