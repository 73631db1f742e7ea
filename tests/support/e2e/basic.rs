//! Scenarios 1 and 2: the stack as deployed, as the blog post shows it.

use std::collections::{BTreeMap, BTreeSet};

use super::Report;
use super::answered_by;
use super::lab::*;

/// 1: ping on every node, hello 2/2, and 30 GETs of /ping spread exactly evenly.
pub async fn spread(lab: &Lab, report: &mut Report) -> Outcome {
    let nodes = lab.docker.nodes().await?;
    let ping = lab.docker.serving(PING).await?;
    let hello = lab.docker.serving(HELLO).await?;
    let on: BTreeSet<&str> = ping.iter().map(|t| t.node_id.as_str()).collect();
    let hostname = |id: &str| {
        nodes
            .iter()
            .find(|(node, _)| node == id)
            .map_or("?".to_owned(), |(_, host)| host.clone())
    };
    report.check(
        nodes.len() == 3 && ping.len() == 3 && on.len() == 3,
        format!(
            "{PING} runs {} task(s) on {} of the {} nodes ({})",
            ping.len(),
            on.len(),
            nodes.len(),
            ping.iter()
                .map(|t| format!("{}@{}", t.container, hostname(&t.node_id)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    report.check(
        hello.len() == 2,
        format!("{HELLO} has {}/2 running tasks", hello.len()),
    );
    let counts = lab.answers("/ping", 30).await?;
    let expected: BTreeMap<String, usize> =
        containers(&ping).into_iter().map(|c| (c, 10)).collect();
    report.check(
        counts == expected,
        format!("30 GETs of /ping reached {counts:?} (want 10 each of the 3 ping tasks)"),
    );
    Ok(())
}

/// 2: the post's requests, both hello tasks answering, and a 404.
pub async fn hello(lab: &Lab, report: &mut Report) -> Outcome {
    let hello = containers(&lab.docker.serving(HELLO).await?);
    for (path, greeting) in [
        ("/hello/world", "Hello, World!"),
        ("/hello/viktor", "Hello, Viktor!"),
    ] {
        let reply = lab.get(path).await?;
        let body = reply.body.trim().to_owned();
        let ok = reply.status == 200
            && body.starts_with(greeting)
            && answered_by(&body).is_some_and(|host| hello.contains(&host));
        report.check(ok, format!("GET {path} -> {} {body:?}", reply.status));
    }
    let counts = lab.answers("/hello/x", 4).await?;
    report.check(
        counts.keys().cloned().collect::<BTreeSet<_>>() == hello,
        format!("4 GETs of /hello/x reached {counts:?} (want both hello tasks)"),
    );
    let reply = lab.get("/nope").await?;
    report.check(
        reply.status == 404,
        format!("GET /nope -> {}", reply.status),
    );
    if lab.dialect == Dialect::V3 {
        v3_middlewares(lab, report).await?;
    }
    let routes = lab.admin("/api/routes").await?;
    let warnings: Vec<String> = routes["warnings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|w| {
            format!(
                "{}: {}",
                w["service"].as_str().unwrap_or("?"),
                w["message"].as_str().unwrap_or("?")
            )
        })
        .collect();
    report.detail("warnings in /api/routes", &warnings);
    Ok(())
}

/// The v3 stack's own middlewares on the lab: the redirect, and the dashboard behind basic auth.
async fn v3_middlewares(lab: &Lab, report: &mut Report) -> Outcome {
    let reply = lab.get("/pong").await?;
    let location = reply
        .headers
        .get("location")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    report.check(
        reply.status == 302 && location.ends_with("/ping"),
        format!(
            "GET /pong -> {} Location {location:?} (redirectregex)",
            reply.status
        ),
    );
    let dashboard = format!("http://{}/api/version", lab.proxy);
    let ask = |credentials: Option<&'static str>| {
        let url = dashboard.clone();
        async move {
            let mut headers = vec![("host", "dashboard.localhost")];
            if let Some(credentials) = credentials {
                headers.push(("authorization", credentials));
            }
            crate::support::http::request(http::Method::GET, &url, &headers)
                .await
                .map_err(|err| format!("GET {url}: {err}"))
        }
    };
    let anonymous = ask(None).await?;
    report.check(
        anonymous.status == 401,
        format!(
            "hawser's dashboard through the proxy, without credentials -> {}",
            anonymous.status
        ),
    );
    // admin:hawser
    let admitted = ask(Some("Basic YWRtaW46aGF3c2Vy")).await?;
    report.check(
        admitted.status == 200 && admitted.body.contains("hawser"),
        format!(
            "with admin's credentials -> {} {:?}",
            admitted.status,
            admitted.body.trim()
        ),
    );
    Ok(())
}
