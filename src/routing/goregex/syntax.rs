//! Go's small sub-grammars: counted repetitions and flag groups.

/// Go's `parseRepeat`: `{n}`, `{n,}` or `{n,m}` at the start of `text`, as (min, max, length).
/// Anything else (including `{,n}` and leading zeros) is not a repetition, and `{` is literal.
/// A number too large to read comes back as -1, which the caller reports as a bad count.
pub(super) fn parse_repeat(text: &str) -> Option<(i64, Option<i64>, usize)> {
    let body = text.strip_prefix('{')?;
    let (min, rest) = parse_int(body)?;
    let (max, rest) = match rest.strip_prefix(',') {
        None => (Some(min), rest),
        Some(rest) if rest.starts_with('}') => (None, rest),
        Some(rest) => {
            let (max, rest) = parse_int(rest)?;
            (Some(max), rest)
        }
    };
    let rest = rest.strip_prefix('}')?;
    let min = if max == Some(-1) { -1 } else { min };
    Some((min, max, text.len() - rest.len()))
}

/// Go's `parseInt`: decimal digits without a leading zero; -1 when absurdly large.
fn parse_int(text: &str) -> Option<(i64, &str)> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || (digits >= 2 && text.starts_with('0')) {
        return None;
    }
    let mut value: i64 = 0;
    for byte in text[..digits].bytes() {
        if value >= 100_000_000 {
            value = -1;
            break;
        }
        value = value * 10 + i64::from(byte - b'0');
    }
    Some((value, &text[digits..]))
}

/// Go's flag syntax after `(?`: `i m s U`, one `-`, then `:` (a group) or `)` (flags only).
/// Returns the Rust flags, whether a group opens, and the bytes consumed after `(?`.
pub(super) fn parse_flags(text: &str) -> Option<(String, bool, usize)> {
    let mut on = Vec::new();
    let mut off = Vec::new();
    let mut negated = false;
    let mut saw_flag = false;
    for (index, ch) in text.char_indices() {
        match ch {
            'i' | 'm' | 's' | 'U' => {
                let (set, other) = if negated {
                    (&mut off, &mut on)
                } else {
                    (&mut on, &mut off)
                };
                other.retain(|&flag| flag != ch);
                if !set.contains(&ch) {
                    set.push(ch);
                }
                saw_flag = true;
            }
            '-' if !negated => {
                negated = true;
                saw_flag = false;
            }
            ':' | ')' => {
                if negated && !saw_flag {
                    return None;
                }
                let mut flags: String = on.iter().collect();
                if !off.is_empty() {
                    flags.push('-');
                    flags.extend(off.iter());
                }
                return Some((flags, ch == ':', index + 1));
            }
            _ => return None,
        }
    }
    None
}

/// Where Go's "invalid or unsupported Perl syntax" quote ends: just after the first character
/// that is not a flag.
pub(super) fn flags_end(text: &str) -> usize {
    let mut negated = false;
    for (index, ch) in text.char_indices().skip(2) {
        match ch {
            'i' | 'm' | 's' | 'U' => {}
            '-' if !negated => negated = true,
            _ => return index + ch.len_utf8(),
        }
    }
    text.len()
}
