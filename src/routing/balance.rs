//! Weighted round-robin over a balancer's backends, lock-free.
//!
//! The order is precomputed when the table is built (smooth weighted round-robin, as nginx does
//! it), so a pick is one atomic increment and an index: over every full cycle each backend gets
//! exactly its weight's share, and with equal weights `k * N` requests give each backend `k`.
//! A member the caller cannot use (resting after a failure, already tried) costs one more
//! increment: its turn passes to the next pick, so the others share its load evenly.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Longest schedule kept; larger weight sums are scaled down to fit.
const MAX_SCHEDULE: u64 = 4096;

/// The order in which a balancer's members are picked.
#[derive(Debug)]
pub struct Schedule {
    order: Box<[u32]>,
    cursor: AtomicUsize,
}

impl Schedule {
    /// Builds the cycle for these weights (members with weight 0 are never picked).
    pub fn new(weights: &[u32]) -> Self {
        Schedule {
            order: smooth_weighted_order(weights).into_boxed_slice(),
            cursor: AtomicUsize::new(0),
        }
    }

    /// True when no member can be picked.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The next member in the cycle.
    pub fn next(&self) -> Option<usize> {
        if self.order.is_empty() {
            return None;
        }
        let turn = self.cursor.fetch_add(1, Ordering::Relaxed);
        Some(self.order[turn % self.order.len()] as usize)
    }

    /// The next member for which `usable` holds; `None` when no turn of a whole cycle gives one.
    pub fn next_where(&self, usable: impl Fn(usize) -> bool) -> Option<usize> {
        for _ in 0..self.order.len() {
            let member = self.next()?;
            if usable(member) {
                return Some(member);
            }
        }
        None
    }
}

/// nginx's smooth weighted round-robin, run for one full cycle.
fn smooth_weighted_order(weights: &[u32]) -> Vec<u32> {
    let weights = fit_weights(weights);
    let total: i64 = weights.iter().map(|&weight| i64::from(weight)).sum();
    let mut current = vec![0i64; weights.len()];
    let mut order = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    for _ in 0..total {
        let mut best = 0;
        for (member, &weight) in weights.iter().enumerate() {
            current[member] += i64::from(weight);
            if current[member] > current[best] {
                best = member;
            }
        }
        current[best] -= total;
        order.push(best as u32);
    }
    order
}

/// Divides weights by their common divisor and scales them down when the cycle would be long.
fn fit_weights(weights: &[u32]) -> Vec<u32> {
    let divisor = weights
        .iter()
        .copied()
        .filter(|&w| w > 0)
        .fold(0, gcd)
        .max(1);
    let reduced: Vec<u32> = weights.iter().map(|weight| weight / divisor).collect();
    let total: u64 = reduced.iter().map(|&weight| u64::from(weight)).sum();
    if total <= MAX_SCHEDULE {
        return reduced;
    }
    reduced
        .iter()
        .map(|&weight| match weight {
            0 => 0,
            weight => ((u64::from(weight) * MAX_SCHEDULE / total).max(1)) as u32,
        })
        .collect()
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 { a } else { gcd(b, a % b) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(schedule: &Schedule, members: usize, picks: usize) -> Vec<usize> {
        let mut counts = vec![0; members];
        for _ in 0..picks {
            counts[schedule.next().expect("a member")] += 1;
        }
        counts
    }

    #[test]
    fn equal_weights_give_exactly_k_each() {
        for members in 1..=7 {
            let schedule = Schedule::new(&vec![1; members]);
            for k in [1, 3, 10] {
                assert_eq!(counts(&schedule, members, k * members), vec![k; members]);
            }
        }
    }

    #[test]
    fn equal_weights_rotate_in_order() {
        let schedule = Schedule::new(&[5, 5, 5]);
        let order: Vec<_> = (0..6).filter_map(|_| schedule.next()).collect();
        assert_eq!(order, vec![0, 1, 2, 0, 1, 2]);
    }

    #[test]
    fn weights_are_honoured_exactly_per_cycle_and_interleaved() {
        let schedule = Schedule::new(&[5, 1, 1]);
        let order: Vec<_> = (0..7).filter_map(|_| schedule.next()).collect();
        assert_eq!(order, vec![0, 0, 1, 0, 2, 0, 0], "smooth, not bursty");
        assert_eq!(counts(&schedule, 3, 70), vec![50, 10, 10]);
    }

    #[test]
    fn zero_weight_members_are_never_picked() {
        let schedule = Schedule::new(&[0, 2, 0]);
        assert_eq!(counts(&schedule, 3, 10), vec![0, 10, 0]);
        assert!(Schedule::new(&[0, 0]).is_empty());
        assert!(Schedule::new(&[]).next().is_none());
    }

    #[test]
    fn huge_weights_are_scaled_into_a_bounded_cycle() {
        let schedule = Schedule::new(&[1_000_000, 3_000_000, 1]);
        assert!(schedule.order.len() as u64 <= MAX_SCHEDULE + 3);
        let picks = counts(&schedule, 3, schedule.order.len());
        assert!(picks[1] > picks[0] * 2, "{picks:?}");
        assert!(picks[2] >= 1, "a tiny weight still gets picked: {picks:?}");
    }

    #[test]
    fn unusable_members_are_passed_over_and_their_turns_shared_evenly() {
        let schedule = Schedule::new(&[1, 1, 1]);
        let order: Vec<_> = (0..6)
            .filter_map(|_| schedule.next_where(|member| member != 1))
            .collect();
        assert_eq!(order, vec![0, 2, 0, 2, 0, 2]);
        assert_eq!(schedule.next_where(|member| member == 2), Some(2));
        assert_eq!(
            schedule.next_where(|_| false),
            None,
            "one cycle, then give up"
        );
        assert_eq!(Schedule::new(&[]).next_where(|_| true), None);
    }
}
