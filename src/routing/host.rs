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

/// `[::1]` → `::1`: the form Traefik matches host regexes against.
pub fn unbracketed(host: &str) -> &str {
    host.strip_prefix('[')
        .and_then(|inner| inner.strip_suffix(']'))
        .unwrap_or(host)
}

/// Traefik v3.7's `Host` wildcards on a canonical host (`DomainMatchHostExpression`): `*`
/// matches any host, even an empty one; otherwise the host's first label is replaced by `*`
/// and the result compared, with or without the pattern's trailing dot. So `*.example.com`
/// matches `a.example.com` but neither `a.b.example.com` nor `example.com`, and
/// `*foo.example.com` matches nothing.
pub fn wildcard_matches(pattern: &str, host: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    if host.is_empty() {
        return false;
    }
    let rest = host.find('.').map_or("", |dot| &host[dot..]);
    let equals = |pattern: &str| {
        pattern
            .strip_prefix('*')
            .is_some_and(|suffix| suffix.eq_ignore_ascii_case(rest))
    };
    equals(pattern) || pattern.strip_suffix('.').is_some_and(equals)
}

#[cfg(test)]
mod tests {
    use super::{canonical_host, unbracketed, wildcard_matches};

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

    #[test]
    fn wildcards_replace_exactly_the_first_label() {
        // traefik-v3-routing.md §1.3 and §1.8 (pkg/muxer/muxer.go DomainMatchHostExpression).
        let cases = [
            ("*", "", true),
            ("*", "anything", true),
            ("*.example.com", "a.example.com", true),
            ("*.example.com", "a.b.example.com", false),
            ("*.example.com", "example.com", false),
            ("*.example.com", "", false),
            ("*foo.example.com", "xfoo.example.com", false),
            ("*.com", "example.com", true),
            ("*.example.com.", "a.example.com", true),
            ("*.", "localhost", true),
            ("*.", "a.example.com", false),
            ("*.", "", false),
        ];
        for (pattern, host, expected) in cases {
            assert_eq!(
                wildcard_matches(pattern, host),
                expected,
                "{pattern} {host}"
            );
        }
    }

    #[test]
    fn brackets_come_off_ipv6_hosts_only() {
        assert_eq!(unbracketed("[::1]"), "::1");
        assert_eq!(unbracketed("example.com"), "example.com");
        assert_eq!(unbracketed("[::1"), "[::1");
    }
}
