//! Micro-benchmarks of the request path's pure parts: route lookup at 1, 100 and 10,000 routes
//! (the request hits the last-defined route), and the header rewrite.
//!
//!   cargo bench --bench routing

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};

use criterion::{Criterion, criterion_group, criterion_main};
use hawser::proxy::headers::{Forwarded, add_forwarded, remove_hop_by_hop};
use hawser::routing::compile::{BackendDef, BalancerDef, RouteDef};
use hawser::routing::dialect::Dialect;
use hawser::routing::traefik_v1::parse_rule;
use hawser::routing::{EntryPoints, RequestView, RoutingSpec, RoutingTable};
use hawser::stats::StatsRegistry;
use http::{HeaderMap, HeaderValue, Method};

fn table(routes: usize) -> RoutingTable {
    let mut spec = RoutingSpec {
        entry_points: EntryPoints::new([("web".to_owned(), true)]),
        ..RoutingSpec::default()
    };
    for n in 0..routes {
        let name = format!("svc{n}");
        let rule = format!("PathPrefixStrip: /svc{n}/");
        spec.routes.push(RouteDef {
            name: name.clone(),
            service: name.clone(),
            rule: parse_rule(&rule).expect("valid rule"),
            priority: rule.len() as u32,
            rule_text: rule,
            pass_host_header: true,
            balancer: name.clone(),
            middlewares: Vec::new(),
            dialect: Dialect::V1,
            entry_points: Vec::new(),
            tls: None,
        });
        let backend = BackendDef {
            task_id: Some(format!("task{n}")),
            service: name.clone(),
            slot: Some(1),
            node_id: None,
            node: None,
            address: "10.0.1.2:8080".parse().expect("address"),
            weight: 1,
        };
        spec.balancers
            .insert(name, BalancerDef::plain(vec![backend]));
    }
    spec.routes.sort_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then_with(|| a.name.cmp(&b.name))
    });
    RoutingTable::build(spec, 1, &StatsRegistry::default())
}

fn lookup(c: &mut Criterion) {
    let mut group = c.benchmark_group("lookup");
    let headers = HeaderMap::new();
    for routes in [1usize, 100, 10_000] {
        let table = table(routes);
        let path = format!("/svc{}/users/42", routes - 1);
        group.bench_function(format!("{routes}_routes"), |bench| {
            bench.iter(|| {
                let request = RequestView {
                    method: &Method::GET,
                    host: "example.com",
                    path: black_box(&path),
                    query: None,
                    headers: &headers,
                    client_ip: std::net::IpAddr::from([127, 0, 0, 1]),
                };
                let route = table.lookup(0, &request).expect("a route");
                black_box(route.balancer.pick());
            })
        });
    }
    group.finish();
}

fn header_rewrite(c: &mut Criterion) {
    let mut template = HeaderMap::new();
    for (name, value) in [
        ("host", "example.com"),
        ("user-agent", "wrk/4.1"),
        ("accept", "*/*"),
        ("accept-encoding", "gzip"),
        ("connection", "keep-alive"),
        ("x-forwarded-for", "203.0.113.7"),
    ] {
        template.insert(name, HeaderValue::from_static(value));
    }
    let host = HeaderValue::from_static("example.com");
    c.bench_function("header_rewrite", |bench| {
        bench.iter(|| {
            let mut headers = template.clone();
            remove_hop_by_hop(&mut headers, None);
            add_forwarded(
                &mut headers,
                &Forwarded {
                    client_ip: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
                    trusted: false,
                    host: Some(&host),
                    local_port: 80,
                    tls: false,
                    stripped_prefix: Some("/svc/"),
                    replaced_paths: &[],
                },
            );
            black_box(headers)
        })
    });
}

fn rule_parse(c: &mut Criterion) {
    c.bench_function("parse_rule", |bench| {
        bench.iter(|| {
            parse_rule(black_box(
                "Host: example.com; PathPrefixStrip: /api/{version:v[0-9]+}/",
            ))
        })
    });
}

criterion_group!(benches, lookup, header_rewrite, rule_parse);
criterion_main!(benches);
