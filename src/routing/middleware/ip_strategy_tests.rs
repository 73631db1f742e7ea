use super::*;
use crate::routing::middleware::test_support::{context, request};

fn strategy(pairs: &[(&str, &str)]) -> Result<IpStrategy, OptionError> {
    let mut options = Options::new("traefik.http.middlewares.m.ipallowlist.ipstrategy");
    for (key, value) in pairs {
        options.push(key, key, value);
    }
    let parsed = IpStrategy::from_options(&options)?;
    options.finish()?;
    Ok(parsed)
}

/// The address chosen for a request from the trusted proxy 10.9.9.9 that sent `forwarded`
/// (hawser has appended 10.9.9.9 to it, as it does before the middlewares run).
fn chosen(strategy: &IpStrategy, forwarded: &str) -> String {
    let chain = if forwarded.is_empty() {
        "10.9.9.9".to_owned()
    } else {
        format!("{forwarded}, 10.9.9.9")
    };
    let parts = request("GET", "/", &[("x-forwarded-for", &chain)]);
    let context = RequestContext {
        client_ip: [10, 9, 9, 9].into(),
        trusted_proxy: true,
        ..context()
    };
    strategy.client_ip(&parts, &context)
}

#[test]
fn depth_counts_from_the_right_of_what_the_trusted_proxy_sent() {
    // the ipallowlist doc's depth table over 10.0.0.1,11.0.0.1,12.0.0.1,13.0.0.1, and
    // pkg/ip/strategy_test.go
    let chain = "10.0.0.1,11.0.0.1,12.0.0.1,13.0.0.1";
    for (depth, expected) in [("1", "13.0.0.1"), ("3", "11.0.0.1"), ("5", "")] {
        let strategy = strategy(&[("depth", depth)]).expect("valid");
        assert_eq!(chosen(&strategy, chain), expected, "depth {depth}");
    }
    let depth_3 = strategy(&[("depth", "3")]).expect("valid");
    assert_eq!(
        chosen(&depth_3, "10.0.0.4,10.0.0.3,10.0.0.2,10.0.0.1"),
        "10.0.0.3"
    );
    let depth_2 = strategy(&[("depth", "2")]).expect("valid");
    assert_eq!(chosen(&depth_2, ""), "");
    assert_eq!(chosen(&depth_2, "10.0.0.2,10.0.0.1"), "10.0.0.2");
}

#[test]
fn excluded_ips_pick_the_rightmost_address_not_in_the_list() {
    // the ipallowlist doc's excludedIPs table
    let chain = "10.0.0.1,11.0.0.1,12.0.0.1,13.0.0.1";
    let cases = [
        ("12.0.0.1,13.0.0.1", chain, "11.0.0.1"),
        ("15.0.0.1,13.0.0.1", chain, "12.0.0.1"),
        ("10.0.0.1,13.0.0.1", chain, "12.0.0.1"),
        ("15.0.0.1,16.0.0.1", chain, "13.0.0.1"),
        ("10.0.0.1,11.0.0.1", "10.0.0.1,11.0.0.1", ""),
        ("10.0.0.0/8", "1.2.3.4, 10.1.1.1", "1.2.3.4"),
    ];
    for (excluded, forwarded, expected) in cases {
        let strategy = strategy(&[("excludedIPs", excluded)]).expect("valid");
        assert_eq!(
            chosen(&strategy, forwarded),
            expected,
            "excluding {excluded}"
        );
    }
}

#[test]
fn an_untrusted_client_has_no_forwarded_chain() {
    // Traefik's entry point deletes X-Forwarded-For from a peer not in trustedIPs
    let depth_1 = strategy(&[("depth", "1")]).expect("valid");
    let parts = request("GET", "/", &[("x-forwarded-for", "1.2.3.4, 127.0.0.1")]);
    assert_eq!(depth_1.client_ip(&parts, &context()), "");
}

#[test]
fn the_remote_address_and_ipv6_subnets() {
    // pkg/ip/strategy_test.go: ::abcd:ffff:c0a8:1 with ipv6Subnet 80 is ::abcd:0:0:0
    let v6: IpAddr = "::abcd:ffff:c0a8:1".parse().expect("ip");
    let context = RequestContext {
        client_ip: v6,
        ..context()
    };
    let parts = request("GET", "/", &[]);
    assert_eq!(
        IpStrategy::default().client_ip(&parts, &context),
        "::abcd:ffff:c0a8:1"
    );
    let subnet = strategy(&[("ipv6Subnet", "80")]).expect("valid");
    assert_eq!(subnet.client_ip(&parts, &context), "::abcd:0:0:0");
    let v4 = RequestContext {
        client_ip: [192, 168, 0, 1].into(),
        ..context
    };
    assert_eq!(
        subnet.client_ip(&parts, &v4),
        "192.168.0.1",
        "IPv4 ignores the subnet"
    );
}

#[test]
fn bad_strategies_name_their_label() {
    for (pairs, label) in [
        (&[("ipv6Subnet", "0")][..], "ipv6Subnet"),
        (&[("ipv6Subnet", "129")][..], "ipv6Subnet"),
        (&[("depth", "2"), ("ipv6Subnet", "200")][..], "ipv6Subnet"),
        (&[("depth", "-1")][..], "depth"),
        (&[("excludedIPs", "10.0.0.1, nope")][..], "excludedIPs"),
        (&[("deep", "1")][..], "deep"),
    ] {
        let err = strategy(pairs).expect_err("bad strategy");
        assert_eq!(err.label, label, "{pairs:?}: {err}");
    }
}

#[test]
fn ranges_hold_addresses_and_networks() {
    // pkg/ip/checker_test.go: plain IPs, CIDRs (host bits allowed), IPv4-mapped IPv6
    let options = Options::new("m");
    let items = ["10.0.0.1", "192.168.1.1/24", "::1", "2001:db8::/32"];
    let ranges = IpRanges::parse(&options, "sourcerange", &items).expect("valid");
    let cases = [
        ("10.0.0.1", Some(true)),
        ("10.0.0.2", Some(false)),
        ("192.168.1.200", Some(true)),
        ("192.168.1.200:8080", Some(true)),
        ("::ffff:192.168.1.7", Some(true)),
        ("[::1]:80", Some(true)),
        ("2001:db8::7", Some(true)),
        ("2001:db9::7", Some(false)),
        ("", None),
        ("nope", None),
    ];
    for (address, expected) in cases {
        assert_eq!(ranges.contains(address), expected, "{address}");
    }
}
