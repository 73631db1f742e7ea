//! Traefik v1's `frontend.redirect.entryPoint`: requests that came in on any other entry point
//! are sent to the named one, as v1's `redirect.NewEntryPointHandler` does: its scheme
//! (`https` when it has TLS) and its port. On the target entry point itself the frontend
//! serves, whatever port the client wrote in `Host` (v1 builds no redirect there).

use http::request::Parts;

use super::{RedirectScheme, RequestContext, RequestStep, ResponseEdits, Verdict};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryPointRedirect {
    /// The target entry point's position.
    pub target: usize,
    /// To the target's scheme and port.
    pub redirect: RedirectScheme,
}

impl RequestStep for EntryPointRedirect {
    fn on_request(
        &self,
        request: &mut Parts,
        context: &RequestContext,
        edits: &mut ResponseEdits,
    ) -> Verdict {
        if context.entry_point == self.target {
            return Verdict::Continue;
        }
        self.redirect.on_request(request, context, edits)
    }
}
