//! The cases of the conformance suite, one file per class, and how they are run and checked.

pub mod case;
pub mod check;
mod chunked;
pub mod exchange;
mod framing;
mod h2c;
mod headers;
mod hop_by_hop;
pub mod limits;
mod paths;
mod pipelining;
mod request_line;

/// Every case, class by class.
pub fn all() -> Vec<case::Case> {
    [
        framing::cases(),
        chunked::cases(),
        headers::cases(),
        request_line::cases(),
        paths::cases(),
        hop_by_hop::cases(),
        h2c::cases(),
        limits::cases(),
        pipelining::cases(),
    ]
    .concat()
}
