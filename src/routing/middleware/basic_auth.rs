//! `basicAuth`: HTTP Basic authentication against htpasswd users, as Traefik v2/v3 does
//! (`pkg/middlewares/auth/basic_auth.go`): `users` (`name:hash`, comma-separated) and/or a
//! `usersFile` (its lines; the label's users win for the same name), `realm` (default
//! `traefik`), `removeHeader` (the backend gets no `Authorization`), `headerField` (a header
//! that tells the backend who logged in). A failure is answered 401 with
//! `WWW-Authenticate: Basic realm="..."` and Traefik's body.
//!
//! The proxy runs it ([`super::Runner::BasicAuth`]): it reads the users file, and checks a
//! bcrypt hash off the worker thread; the checks themselves are here.

use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::StatusCode;
use http::header::{self, HeaderName, HeaderValue};
use http::request::Parts;

use super::htpasswd::Users;
use super::{Answer, Verdict};
use crate::routing::options::{OptionError, Options};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BasicAuth {
    /// From the label; they win over the file's.
    pub users: Arc<Users>,
    pub users_file: Option<PathBuf>,
    pub realm: String,
    pub remove_header: bool,
    pub header_field: Option<HeaderName>,
    challenge: HeaderValue,
}

impl BasicAuth {
    pub fn from_options(options: &Options<'_>) -> Result<Self, OptionError> {
        let lines = options.list("users").unwrap_or_default();
        let users = Users::parse(lines).map_err(|line| {
            options.error(
                "users",
                format!("{line:?} is not name:hash (error parsing BasicUser)"),
            )
        })?;
        for (name, problem) in users.names_with_problems() {
            options.warn(
                "users",
                format!("the password of {name:?} {problem}: it never matches"),
            );
        }
        let users_file = options
            .string("usersfile")
            .filter(|path| !path.is_empty())
            .map(PathBuf::from);
        if users.is_empty() && users_file.is_none() {
            return Err(options.error("users", "is required (or usersFile): no users found"));
        }
        let realm = options
            .string("realm")
            .filter(|realm| !realm.is_empty())
            .unwrap_or("traefik");
        let challenge = HeaderValue::from_str(&format!("Basic realm=\"{realm}\""))
            .map_err(|_| options.error("realm", format!("{realm:?} cannot be a header value")))?;
        let header_field = match options
            .string("headerfield")
            .filter(|field| !field.is_empty())
        {
            None => None,
            Some(field) => Some(HeaderName::from_bytes(field.as_bytes()).map_err(|_| {
                options.error("headerfield", format!("{field:?} is not a header name"))
            })?),
        };
        Ok(BasicAuth {
            users: Arc::new(users),
            users_file,
            realm: realm.to_owned(),
            remove_header: options.bool("removeheader")?.unwrap_or(false),
            header_field,
            challenge,
        })
    }

    /// The user name and password of the request's `Authorization: Basic ...`, as Go's
    /// `Request.BasicAuth` reads them (the scheme in any case; the name ends at the first `:`).
    pub fn credentials(request: &Parts) -> Option<(String, String)> {
        let value = request.headers.get(header::AUTHORIZATION)?.as_bytes();
        let (scheme, encoded) = value.split_at_checked(6)?;
        if !scheme.eq_ignore_ascii_case(b"basic ") {
            return None;
        }
        let decoded = String::from_utf8(STANDARD.decode(encoded).ok()?).ok()?;
        let (user, password) = decoded.split_once(':')?;
        Some((user.to_owned(), password.to_owned()))
    }

    /// Traefik's 401 (go-http-auth's `RequireAuth`).
    pub fn challenge(&self) -> Answer {
        let mut answer = Answer::text(StatusCode::UNAUTHORIZED, "401 Unauthorized\n");
        answer
            .headers
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        answer
            .headers
            .insert(header::WWW_AUTHENTICATE, self.challenge.clone());
        answer
    }

    /// Lets an authenticated request on: `headerField` set to the user, `Authorization`
    /// removed when asked.
    pub fn admit(&self, request: &mut Parts, user: &str) {
        if let Some(field) = &self.header_field {
            request.headers.remove(field);
            if let Ok(value) = HeaderValue::from_str(user) {
                request.headers.insert(field.clone(), value);
            }
        }
        if self.remove_header {
            request.headers.remove(header::AUTHORIZATION);
        }
    }

    /// The whole check, with the file's users when there is a file (read by the caller).
    pub fn authenticate(&self, request: &mut Parts, file_users: Option<&Users>) -> Verdict {
        match Self::credentials(request) {
            Some((user, password)) if Users::verify(&self.users, file_users, &user, &password) => {
                self.admit(request, &user);
                Verdict::Continue
            }
            _ => Verdict::Respond(self.challenge()),
        }
    }
}

#[cfg(test)]
#[path = "basic_auth_tests.rs"]
mod tests;
