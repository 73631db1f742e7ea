//! Paths and hosts as the path middlewares see them. Traefik matches some rewrites on the
//! decoded path (`URL.Path`) and others on the escaped one (`URL.RawPath`); hawser keeps the
//! path as the client escaped it and decodes only to match, so escapes the client chose
//! (`%2F`) reach the backend unchanged.

use http::header::HOST;
use http::request::Parts;

/// The `Host` the client asked for (port included), or the authority of an absolute URI.
pub fn request_host(request: &Parts) -> &str {
    request
        .headers
        .get(HOST)
        .and_then(|host| host.to_str().ok())
        .or_else(|| request.uri.authority().map(|authority| authority.as_str()))
        .unwrap_or("")
}

/// Go's `url.PathUnescape`: `%XX` decoded; a `%` without two hex digits is an error.
pub fn percent_decode(raw: &str) -> Option<Vec<u8>> {
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let high = hex_value(*bytes.get(index + 1)?)?;
            let low = hex_value(*bytes.get(index + 2)?)?;
            decoded.push(high << 4 | low);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    Some(decoded)
}

/// The decoded path as text, when it is text.
pub fn decoded_path(raw: &str) -> Option<String> {
    String::from_utf8(percent_decode(raw)?).ok()
}

fn hex_value(byte: u8) -> Option<u8> {
    char::from(byte)
        .to_digit(16)
        .and_then(|digit| u8::try_from(digit).ok())
}

/// How many bytes of `raw` spell the first `decoded_len` decoded bytes: an escape counts three
/// (Traefik's `encodedPrefixLen`).
pub fn raw_prefix_len(raw: &str, decoded_len: usize) -> usize {
    let bytes = raw.as_bytes();
    let mut index = 0;
    for _ in 0..decoded_len {
        if index >= bytes.len() {
            break;
        }
        index += if bytes[index] == b'%' { 3 } else { 1 };
    }
    index.min(bytes.len())
}

/// `path` with every byte a request target cannot carry escaped (as Go's `EscapedPath` does
/// for a path it cannot send as written); escapes already there are kept.
pub fn escape_path(path: &str) -> String {
    escape(path, b"")
}

/// A whole URL with the bytes no URL can carry escaped; `?` and `#` keep their meaning.
pub fn escape_url(url: &str) -> String {
    escape(url, b"?#")
}

fn escape(text: &str, also_keep: &[u8]) -> String {
    let mut escaped = String::with_capacity(text.len());
    for byte in text.bytes() {
        let keep = also_keep.contains(&byte)
            || byte.is_ascii_graphic()
                && !matches!(
                    byte,
                    b'"' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}' | b'?' | b'#'
                );
        if keep {
            escaped.push(char::from(byte));
        } else {
            escaped.push_str(&format!("%{byte:02X}"));
        }
    }
    escaped
}

/// `/` in front unless there is one (Traefik's `ensureLeadingSlash`; empty stays empty).
pub fn ensure_leading_slash(path: String) -> String {
    if path.is_empty() || path.starts_with('/') {
        path
    } else {
        format!("/{path}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_follows_go_path_unescape() {
        let cases: [(&str, Option<&[u8]>); 6] = [
            ("/a%2Fb", Some(b"/a/b")),
            ("/ap%69", Some(b"/api")),
            ("/t%20/x", Some(b"/t /x")),
            ("/%08bar", Some(b"/\x08bar")),
            ("/bad%zz", None),
            ("/cut%2", None),
        ];
        for (raw, expected) in cases {
            assert_eq!(percent_decode(raw).as_deref(), expected, "{raw}");
        }
    }

    #[test]
    fn raw_prefix_lengths_count_escapes_as_three() {
        // pkg/middlewares/stripprefix: "/ap%69/a%2Fb" minus the decoded "/api/" leaves "/a%2Fb"
        assert_eq!(raw_prefix_len("/ap%69/a%2Fb", "/api/".len()), 7);
        assert_eq!(raw_prefix_len("/stat/a%2Fb", "/stat".len()), 5);
        assert_eq!(raw_prefix_len("/t%20/test/a%2Fb", "/t /test".len()), 10);
        assert_eq!(raw_prefix_len("/a", 5), 2);
    }

    #[test]
    fn escaping_keeps_escapes_and_path_characters() {
        assert_eq!(escape_path("/foo%2Fbar"), "/foo%2Fbar");
        assert_eq!(escape_path("/a b/ü?#"), "/a%20b/%C3%BC%3F%23");
        assert_eq!(escape_path("/a:b@c;d=e,f!$&'()*+"), "/a:b@c;d=e,f!$&'()*+");
    }
}
