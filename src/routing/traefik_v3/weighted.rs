//! Weighted services as one balancer: each backend's weight is its exact share of the
//! traffic, the child's share times its share within the child, as Traefik's weighted
//! round-robin over the children's round-robins gives it. Shares are kept as fractions so
//! that `a` (3 tasks) and `b` (1 task) at 1:1 give `a`'s tasks 1/6 each and `b`'s 1/2.

use crate::routing::spec::BackendDef;

/// A fraction, always reduced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Share {
    numerator: u128,
    denominator: u128,
}

impl Share {
    pub fn new(numerator: u128, denominator: u128) -> Option<Share> {
        if denominator == 0 {
            return None;
        }
        let divisor = gcd(numerator, denominator).max(1);
        Some(Share {
            numerator: numerator / divisor,
            denominator: denominator / divisor,
        })
    }

    pub fn times(self, other: Share) -> Option<Share> {
        Share::new(
            self.numerator.checked_mul(other.numerator)?,
            self.denominator.checked_mul(other.denominator)?,
        )
    }

    pub fn plus(self, other: Share) -> Option<Share> {
        let denominator = lcm(self.denominator, other.denominator)?;
        let left = self.numerator.checked_mul(denominator / self.denominator)?;
        let right = other
            .numerator
            .checked_mul(denominator / other.denominator)?;
        Share::new(left.checked_add(right)?, denominator)
    }

    fn as_f64(self) -> f64 {
        self.numerator as f64 / self.denominator as f64
    }
}

/// Backends and their shares of one service's traffic.
pub type Shares = Vec<(BackendDef, Share)>;

/// A load balancer's backends, each with `weight / total weight`.
pub fn of_backends(backends: &[BackendDef]) -> Shares {
    let total: u128 = backends
        .iter()
        .map(|backend| u128::from(backend.weight))
        .sum();
    backends
        .iter()
        .filter_map(|backend| {
            let share = Share::new(u128::from(backend.weight), total)?;
            (backend.weight > 0).then(|| (backend.clone(), share))
        })
        .collect()
}

/// Children's shares combined by their weights; children without backends are left out, so
/// their share goes to the others. Duplicate addresses add up. `None` on overflow.
pub fn combine(children: Vec<(u32, Shares)>) -> Option<Shares> {
    let live: Vec<(u32, Shares)> = children
        .into_iter()
        .filter(|(weight, shares)| *weight > 0 && !shares.is_empty())
        .collect();
    let total: u128 = live.iter().map(|(weight, _)| u128::from(*weight)).sum();
    let mut combined: Shares = Vec::new();
    for (weight, shares) in live {
        let child = Share::new(u128::from(weight), total)?;
        for (backend, share) in shares {
            let share = share.times(child)?;
            match combined
                .iter_mut()
                .find(|(seen, _)| seen.address == backend.address)
            {
                Some((_, existing)) => *existing = existing.plus(share)?,
                None => combined.push((backend, share)),
            }
        }
    }
    Some(combined)
}

/// Integer weights in the proportions of the shares: exact when they fit in `u32`, else
/// rounded to parts per million (the balancer's schedule is coarser than that anyway).
pub fn into_backends(shares: Shares) -> Vec<BackendDef> {
    let exact = shares
        .iter()
        .try_fold(1u128, |multiple, (_, share)| {
            lcm(multiple, share.denominator)
        })
        .and_then(|multiple| {
            let weights: Option<Vec<u128>> = shares
                .iter()
                .map(|(_, share)| share.numerator.checked_mul(multiple / share.denominator))
                .collect();
            let weights = weights?;
            let divisor = weights.iter().copied().fold(0, gcd).max(1);
            weights
                .into_iter()
                .map(|weight| u32::try_from(weight / divisor).ok())
                .collect::<Option<Vec<u32>>>()
        });
    let weights = exact.unwrap_or_else(|| {
        shares
            .iter()
            .map(|(_, share)| ((share.as_f64() * 1e6).round() as u32).max(1))
            .collect()
    });
    shares
        .into_iter()
        .zip(weights)
        .map(|((backend, _), weight)| BackendDef { weight, ..backend })
        .collect()
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

fn lcm(a: u128, b: u128) -> Option<u128> {
    if a == 0 || b == 0 {
        return Some(a.max(b));
    }
    (a / gcd(a, b)).checked_mul(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backend(address: &str, weight: u32) -> BackendDef {
        BackendDef {
            task_id: Some(address.into()),
            service: "s".into(),
            slot: None,
            node_id: None,
            node: None,
            address: address.parse().expect("address"),
            weight,
        }
    }

    fn weights(backends: &[BackendDef]) -> Vec<(String, u32)> {
        backends
            .iter()
            .map(|backend| (backend.address.to_string(), backend.weight))
            .collect()
    }

    #[test]
    fn children_share_by_weight_whatever_their_size() {
        let a = of_backends(&[
            backend("10.0.0.1:80", 1),
            backend("10.0.0.2:80", 1),
            backend("10.0.0.3:80", 1),
        ]);
        let b = of_backends(&[backend("10.0.1.1:80", 1)]);
        let flat = into_backends(combine(vec![(1, a), (1, b)]).expect("fits"));
        assert_eq!(
            weights(&flat),
            [
                ("10.0.0.1:80".into(), 1),
                ("10.0.0.2:80".into(), 1),
                ("10.0.0.3:80".into(), 1),
                ("10.0.1.1:80".into(), 3),
            ]
        );
    }

    #[test]
    fn server_weights_weights_of_children_and_duplicates_combine() {
        let a = of_backends(&[backend("10.0.0.1:80", 3), backend("10.0.0.2:80", 1)]);
        let b = of_backends(&[backend("10.0.0.2:80", 1), backend("10.0.0.9:80", 0)]);
        let flat = into_backends(combine(vec![(3, a), (1, b)]).expect("fits"));
        // a: 3/4 of the traffic, split 3:1; b: 1/4, all to .2 (.9 has weight 0).
        assert_eq!(
            weights(&flat),
            [("10.0.0.1:80".into(), 9), ("10.0.0.2:80".into(), 7)]
        );
    }

    #[test]
    fn empty_children_and_zero_weights_take_no_share() {
        let a = of_backends(&[backend("10.0.0.1:80", 1)]);
        let none = of_backends(&[]);
        let off = of_backends(&[backend("10.0.0.2:80", 1)]);
        let flat = into_backends(combine(vec![(1, a), (5, none), (0, off)]).expect("fits"));
        assert_eq!(weights(&flat), [("10.0.0.1:80".into(), 1)]);
        assert!(into_backends(combine(vec![]).expect("empty")).is_empty());
    }

    #[test]
    fn weights_too_fine_for_u32_are_rounded_in_proportion() {
        let a = of_backends(&[
            backend("10.0.0.1:80", 4_294_967_291),
            backend("10.0.0.2:80", 4_294_967_279),
        ]);
        let b = of_backends(&[
            backend("10.0.1.1:80", 4_294_967_231),
            backend("10.0.1.2:80", 4_294_967_197),
        ]);
        let flat = into_backends(combine(vec![(1, a), (1, b)]).expect("fits in u128"));
        assert_eq!(flat.len(), 4);
        assert!(
            flat.iter().all(|b| (249_999..=250_001).contains(&b.weight)),
            "{flat:?}"
        );
    }
}
