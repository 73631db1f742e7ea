//! The canonical form hosts are compared in: lowercase, no port, no trailing dot.

use std::borrow::Cow;

/// `Example.COM:8080` → `example.com`; `[::1]:80` → `[::1]`. Borrows when already canonical.
pub fn canonical_host(raw: &str) -> Cow<'_, str> {
    let without_port = if raw.starts_with('[') {
        match raw.find(']') {
            Some(end) => &raw[..=end],
            None => raw,
        }
    } else {
        match raw.rsplit_once(':') {
            Some((host, port)) if port.bytes().all(|byte| byte.is_ascii_digit()) => host,
            _ => raw,
        }
    };
    let trimmed = without_port.strip_suffix('.').unwrap_or(without_port);
    if trimmed.bytes().any(|byte| byte.is_ascii_uppercase()) {
        Cow::Owned(trimmed.to_ascii_lowercase())
    } else {
        Cow::Borrowed(trimmed)
    }
}

#[cfg(test)]
mod tests {
    use super::canonical_host;

    #[test]
    fn strips_port_and_trailing_dot_and_lowercases() {
        let cases = [
            ("example.com", "example.com"),
            ("Example.COM:8080", "example.com"),
            ("example.com.", "example.com"),
            ("example.com.:80", "example.com"),
            ("[::1]:8080", "[::1]"),
            ("[::1]", "[::1]"),
            ("127.0.0.1:80", "127.0.0.1"),
            ("", ""),
        ];
        for (raw, expected) in cases {
            assert_eq!(canonical_host(raw), expected, "{raw}");
        }
    }

    #[test]
    fn borrows_when_already_canonical() {
        assert!(matches!(
            canonical_host("a.test:80"),
            std::borrow::Cow::Borrowed("a.test")
        ));
    }
}
