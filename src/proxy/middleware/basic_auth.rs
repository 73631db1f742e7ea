//! `basicAuth` as the proxy runs it: the users file read (through [`USERS_FILES`]), and a
//! bcrypt check moved to the blocking pool, where its tens of milliseconds hold up no other
//! request. The checks are the configuration's ([`BasicAuth::authenticate`]).

use http::{Request, StatusCode};

use super::users_file::USERS_FILES;
use super::{Endpoint, Reply};
use crate::proxy::request_body::RequestBody;
use crate::routing::middleware::htpasswd::Users;
use crate::routing::middleware::{Answer, BasicAuth, MiddlewareDef, RequestContext, Verdict};

pub fn run<'a>(
    config: &'a BasicAuth,
    request: Request<RequestBody>,
    rest: &'a [MiddlewareDef],
    context: &'a RequestContext,
    endpoint: &'a dyn Endpoint,
) -> Reply<'a> {
    Box::pin(async move {
        let (mut parts, body) = request.into_parts();
        let file_users = match &config.users_file {
            None => None,
            Some(path) => match USERS_FILES.users(path).await {
                Some(users) => Some(users),
                None => return Answer::status(StatusCode::INTERNAL_SERVER_ERROR).into_response(),
            },
        };
        let slow = BasicAuth::credentials(&parts).is_some_and(|(user, _)| {
            Users::hash_for(&config.users, file_users.as_deref(), &user)
                .is_some_and(|(hash, _)| hash.is_slow())
        });
        let verdict = if slow {
            let config = config.clone();
            let checked = tokio::task::spawn_blocking(move || {
                let verdict = config.authenticate(&mut parts, file_users.as_deref());
                (verdict, parts)
            })
            .await;
            match checked {
                Ok((verdict, checked_parts)) => {
                    parts = checked_parts;
                    verdict
                }
                Err(_) => return Answer::status(StatusCode::INTERNAL_SERVER_ERROR).into_response(),
            }
        } else {
            config.authenticate(&mut parts, file_users.as_deref())
        };
        match verdict {
            Verdict::Respond(answer) => answer.into_response(),
            Verdict::Continue => {
                super::run(rest, Request::from_parts(parts, body), context, endpoint).await
            }
        }
    })
}
