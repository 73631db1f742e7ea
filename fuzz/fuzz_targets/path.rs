//! Request path normalisation (`routing::path::normalize`), under every policy.
//!
//! Invariants: a normal path starts with `/`, has no dot segment (plain or `%2E`), no empty
//! segment but a trailing one, no `%00`, no escape of an unreserved character and no escape in
//! lower case; normalising it again gives it back unchanged (and borrowed); a path a strict
//! policy accepts, a lenient one accepts with the same result; a path without `%` or `\` is
//! never refused for its escapes.
#![no_main]

use hawser::routing::path::{
    EncodedDots, EncodedSlashes, PathError, PathPolicy, has_dot_segment, is_clean, normalize,
};
use libfuzzer_sys::fuzz_target;

const POLICIES: [PathPolicy; 4] = [
    PathPolicy {
        encoded_slashes: EncodedSlashes::Reject,
        encoded_dots: EncodedDots::Reject,
    },
    PathPolicy {
        encoded_slashes: EncodedSlashes::Keep,
        encoded_dots: EncodedDots::Reject,
    },
    PathPolicy {
        encoded_slashes: EncodedSlashes::Reject,
        encoded_dots: EncodedDots::Decode,
    },
    PathPolicy {
        encoded_slashes: EncodedSlashes::Keep,
        encoded_dots: EncodedDots::Decode,
    },
];

fuzz_target!(|data: &[u8]| {
    let Ok(path) = std::str::from_utf8(data) else {
        return;
    };
    let strict = normalize(path, POLICIES[0]);
    for policy in POLICIES {
        let normal = match normalize(path, policy) {
            Ok(normal) => normal,
            Err(err) => {
                assert!(
                    strict.is_err(),
                    "{path:?}: {policy:?} refuses ({err}) what the strict policy accepts"
                );
                if !path.contains(['%', '\\']) {
                    assert_eq!(err, PathError::NotAbsolute, "{path:?} under {policy:?}");
                }
                continue;
            }
        };
        if let Ok(strict) = &strict {
            assert_eq!(
                strict, &normal,
                "{path:?}: {policy:?} differs from the strict policy"
            );
        }
        assert_normal(&normal, path, policy);
        match normalize(&normal, policy) {
            Ok(std::borrow::Cow::Borrowed(again)) => {
                assert_eq!(again, normal.as_ref(), "{path:?} under {policy:?}");
            }
            other => panic!("{path:?} under {policy:?}: {normal:?} normalised again is {other:?}"),
        }
    }
});

fn assert_normal(normal: &str, path: &str, policy: PathPolicy) {
    let context = format!("{path:?} under {policy:?} gave {normal:?}");
    assert!(normal.starts_with('/'), "{context}");
    assert!(!has_dot_segment(normal), "{context}: a dot segment");
    assert!(is_clean(normal), "{context}: not clean");
    assert!(!normal.contains("//"), "{context}: an empty segment");
    let bytes = normal.as_bytes();
    for (index, &byte) in bytes.iter().enumerate() {
        if byte != b'%' {
            continue;
        }
        let escape = bytes
            .get(index + 1..index + 3)
            .unwrap_or_else(|| panic!("{context}: a cut escape"));
        assert!(
            escape
                .iter()
                .all(|digit| digit.is_ascii_digit() || (b'A'..=b'F').contains(digit)),
            "{context}: escape {escape:?}"
        );
        let value = u8::from_str_radix(std::str::from_utf8(escape).unwrap_or("zz"), 16)
            .unwrap_or_else(|_| panic!("{context}"));
        assert!(value != 0, "{context}: %00");
        assert!(
            !(value.is_ascii_alphanumeric() || b"-._~".contains(&value)),
            "{context}: an unreserved character left encoded"
        );
    }
}
