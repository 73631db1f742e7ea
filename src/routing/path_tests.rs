use proptest::prelude::*;

use super::*;

const STRICT: PathPolicy = PathPolicy {
    encoded_slashes: EncodedSlashes::Reject,
    encoded_dots: EncodedDots::Reject,
};
const LENIENT: PathPolicy = PathPolicy {
    encoded_slashes: EncodedSlashes::Keep,
    encoded_dots: EncodedDots::Decode,
};

fn normal(path: &str, policy: PathPolicy) -> Result<String, PathError> {
    normalize(path, policy).map(Cow::into_owned)
}

#[test]
fn dot_segments_are_removed_as_rfc_3986_section_5_2_4_does() {
    // RFC 3986 §5.2.4's own examples, and §5.4.2's abnormal ones that climb past the root.
    let cases = [
        ("/a/b/c/./../../g", "/a/g"),
        ("/mid/content=5/../6", "/mid/6"),
        ("/b/c/../..", "/"),
        ("/b/c/..", "/b/"),
        ("/b/c/.", "/b/c/"),
        ("/../g", "/g"),
        ("/../../../g", "/g"),
        ("/./g", "/g"),
        ("/g.", "/g."),
        ("/.g", "/.g"),
        ("/g..", "/g.."),
        ("/..g", "/..g"),
        ("/...", "/..."),
        ("/.", "/"),
        ("/..", "/"),
        ("/", "/"),
        ("/a/", "/a/"),
    ];
    for (path, expected) in cases {
        assert_eq!(normal(path, STRICT).as_deref(), Ok(expected), "{path}");
    }
}

#[test]
fn runs_of_slashes_are_merged_as_traefik_sanitises_paths() {
    // Traefik's sanitizePath (server_entrypoint_tcp.go): url.JoinPath cleans `//` too.
    let cases = [
        ("//", "/"),
        ("//admin", "/admin"),
        ("/a//b///c", "/a/b/c"),
        ("/a//", "/a/"),
        ("/a/.//../b", "/b"),
    ];
    for (path, expected) in cases {
        assert_eq!(normal(path, STRICT).as_deref(), Ok(expected), "{path}");
    }
}

#[test]
fn unreserved_escapes_are_decoded_and_the_others_written_in_upper_case() {
    // RFC 3986 §6.2.2.1 and §6.2.2.2, as Traefik's normalizePath does.
    let cases = [
        ("/%41%62%7e%2D%5f", "/Ab~-_"),
        ("/caf%c3%a9", "/caf%C3%A9"),
        ("/a%20b", "/a%20b"),
        ("/a%2eb", "/a.b"),
        ("/%25", "/%25"),
        ("/%3f%23", "/%3F%23"),
        ("/é/x", "/é/x"),
    ];
    for (path, expected) in cases {
        assert_eq!(normal(path, STRICT).as_deref(), Ok(expected), "{path}");
    }
}

#[test]
fn a_path_already_normal_is_borrowed() {
    for path in ["/", "/a/b", "/a/", "/a.b/c..d", "/%C3%A9", "/x?"] {
        assert!(
            matches!(normalize(path, STRICT), Ok(Cow::Borrowed(_))),
            "{path}"
        );
    }
}

#[test]
fn encoded_dot_segments_follow_the_policy() {
    for path in ["/a/%2e%2e/b", "/a/%2E./b", "/a/.%2e/b", "/%2e", "/a/%2E"] {
        assert_eq!(
            normal(path, STRICT),
            Err(PathError::EncodedDotSegment),
            "{path}"
        );
    }
    let decoded = [
        ("/a/%2e%2e/b", "/b"),
        ("/a/%2E./b", "/b"),
        ("/a/.%2e/b", "/b"),
        ("/%2e", "/"),
        ("/a/%2E", "/a/"),
    ];
    for (path, expected) in decoded {
        assert_eq!(normal(path, LENIENT).as_deref(), Ok(expected), "{path}");
    }
}

#[test]
fn encoded_slashes_and_backslashes_follow_the_policy() {
    for path in [
        "/a%2fb",
        "/a%2F..",
        "/a%5cb",
        "/a%5C",
        "/a\\b",
        "/..\\admin",
    ] {
        assert_eq!(normal(path, STRICT), Err(PathError::EncodedSlash), "{path}");
    }
    let kept = [
        ("/a%2fb", "/a%2Fb"),
        ("/a%2F../x", "/a%2F../x"),
        ("/a%5cb", "/a%5Cb"),
        ("/a\\b/../c", "/c"),
    ];
    for (path, expected) in kept {
        assert_eq!(normal(path, LENIENT).as_deref(), Ok(expected), "{path}");
    }
}

#[test]
fn nul_and_malformed_escapes_are_always_refused() {
    for policy in [STRICT, LENIENT] {
        assert_eq!(normal("/a%00", policy), Err(PathError::EncodedNul));
        for path in ["/a%zz", "/a%4", "/a%", "/%g0"] {
            assert_eq!(
                normal(path, policy),
                Err(PathError::MalformedEscape),
                "{path}"
            );
        }
    }
    assert_eq!(normal("a/b", STRICT), Err(PathError::NotAbsolute));
    assert_eq!(normal("*", STRICT), Err(PathError::NotAbsolute));
}

#[test]
fn clean_paths_have_no_dot_or_empty_segments() {
    // Traefik's check after a stripPrefix (strip_prefix.go): `//`, `.` and `..` are not clean.
    for clean in ["/", "", "/a", "/a/", "/a/b.c/..d", "/..."] {
        assert!(is_clean(clean), "{clean}");
    }
    for dirty in [
        "//", "/a//b", "/./a", "/a/..", "/a/../b", "/.", "./a", "/a/./",
    ] {
        assert!(!is_clean(dirty), "{dirty}");
    }
}

#[test]
fn dot_segments_are_found_plain_or_encoded() {
    for dotted in ["/..", "/a/./b", "/%2e%2E", "/a/.%2e/", "..", "/%2E"] {
        assert!(has_dot_segment(dotted), "{dotted}");
    }
    for plain in ["/", "/a..", "/...", "/a/%2e%2e%2e", "/%2ex", "/a.b/c"] {
        assert!(!has_dot_segment(plain), "{plain}");
    }
}

/// Paths made of the pieces that matter: separators, dots plain and encoded, escapes of every
/// kind, and ordinary text.
fn any_path() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("/".to_owned()),
        Just(".".to_owned()),
        Just("..".to_owned()),
        Just("%2e".to_owned()),
        Just("%2E".to_owned()),
        Just("%2f".to_owned()),
        Just("%5C".to_owned()),
        Just("\\".to_owned()),
        Just("%41".to_owned()),
        Just("%c3%a9".to_owned()),
        Just("%25".to_owned()),
        "[a-z0-9._~-]{1,4}",
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|pieces| format!("/{}", pieces.concat()))
}

proptest! {
    #[test]
    fn a_normal_path_never_has_a_dot_segment(path in any_path()) {
        for policy in [STRICT, LENIENT] {
            if let Ok(normal) = normalize(&path, policy) {
                prop_assert!(!has_dot_segment(&normal), "{} -> {}", path, normal);
                prop_assert!(is_clean(&normal), "{} -> {}", path, normal);
                prop_assert!(normal.starts_with('/'));
            }
        }
    }

    #[test]
    fn normalising_is_idempotent(path in any_path()) {
        for policy in [STRICT, LENIENT] {
            if let Ok(normal) = normalize(&path, policy) {
                let again = normalize(&normal, policy);
                prop_assert_eq!(again.as_deref(), Ok(normal.as_ref()), "{}", path);
            }
        }
    }

    #[test]
    fn a_path_with_nothing_to_normalise_is_kept(segments in proptest::collection::vec("[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,6}", 0..6), trailing in any::<bool>()) {
        let mut path = format!("/{}", segments.join("/"));
        if trailing && !segments.is_empty() {
            path.push('/');
        }
        let normal = normalize(&path, STRICT);
        prop_assert!(matches!(normal, Ok(Cow::Borrowed(_))), "{}", path);
    }

    #[test]
    fn percent_encoding_round_trips_through_normalising(bytes in proptest::collection::vec(1u8..=255, 0..16)) {
        // Every byte of a segment percent-encoded (NUL aside, always refused): the normal
        // path decodes to the same bytes, whichever escapes it decoded or kept.
        let segment: String = bytes.iter().map(|byte| format!("%{byte:02x}")).collect();
        let path = format!("/x/{segment}");
        let normal = normalize(&path, LENIENT);
        prop_assert!(normal.is_ok(), "{} refused: {:?}", path, normal);
        let expected: Vec<u8> = match bytes.as_slice() {
            b"" | b"." => b"/x/".to_vec(),
            b".." => b"/".to_vec(),
            _ => [b"/x/".as_slice(), &bytes].concat(),
        };
        prop_assert_eq!(percent_decode(&normal.unwrap_or_default()), expected);
    }
}

fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match escaped_byte(bytes, index) {
            Some(byte) if bytes[index] == b'%' => {
                out.push(byte);
                index += 3;
            }
            _ => {
                out.push(bytes[index]);
                index += 1;
            }
        }
    }
    out
}
