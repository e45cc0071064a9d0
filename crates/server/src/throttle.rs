//! Login throttling: repeated failed logins lock the account, and separately the client address,
//! for a while (HTTP 429 with `Retry-After`, audited by the refusal middleware).
//!
//! Per account: 5 failures within 15 minutes lock that account for 15 minutes (CJIS 5.5.3 asks for
//! at most 5 consecutive invalid attempts). Per address: 20 failures within 15 minutes lock every
//! login from that address, so one machine cannot guess across many accounts. While locked, no
//! password is checked at all — the right one does not get through either — and attempts do not
//! extend the lock, so a lock always ends when its window does. A successful login clears its
//! account's failures. Time comes from the server's clock, so tests move through a window.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

use zhihui_core::Time;

/// Failures that lock an account.
pub const ACCOUNT_FAILURES: usize = 5;
/// Failures that lock a client address.
pub const ADDRESS_FAILURES: usize = 20;
/// The window failures are counted in, and the length of a lock, in seconds.
pub const WINDOW_S: i64 = 15 * 60;

#[derive(Default)]
struct Failures {
    recent: VecDeque<Time>,
    locked_until: Option<Time>,
}

impl Failures {
    fn locked(&self, now: Time) -> Option<Time> {
        self.locked_until.filter(|t| *t > now)
    }

    /// Records a failure; returns the lock it starts, if any.
    fn fail(&mut self, now: Time, limit: usize) -> Option<Time> {
        let window = chrono::Duration::seconds(WINDOW_S);
        while self.recent.front().is_some_and(|t| *t <= now - window) {
            self.recent.pop_front();
        }
        self.recent.push_back(now);
        if self.recent.len() >= limit {
            self.recent.clear();
            let until = now + window;
            self.locked_until = Some(until);
            return Some(until);
        }
        None
    }

    fn stale(&self, now: Time) -> bool {
        let window = chrono::Duration::seconds(WINDOW_S);
        self.locked(now).is_none() && self.recent.back().is_none_or(|t| *t <= now - window)
    }
}

/// Which lock refused a login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    /// The account is locked.
    Account(Time),
    /// The client address is locked.
    Address(Time),
}

impl Lock {
    /// When the lock ends.
    pub fn until(&self) -> Time {
        match self {
            Lock::Account(t) | Lock::Address(t) => *t,
        }
    }
}

/// The failure counts of the running server.
#[derive(Default)]
pub struct LoginThrottle {
    accounts: HashMap<String, Failures>,
    addresses: HashMap<IpAddr, Failures>,
}

impl LoginThrottle {
    /// The lock that refuses this attempt before any password is checked.
    pub fn check(&self, now: Time, username: &str, addr: Option<IpAddr>) -> Option<Lock> {
        if let Some(t) = addr
            .and_then(|a| self.addresses.get(&a))
            .and_then(|f| f.locked(now))
        {
            return Some(Lock::Address(t));
        }
        self.accounts
            .get(username)
            .and_then(|f| f.locked(now))
            .map(Lock::Account)
    }

    /// Records a failed attempt; returns the lock it started, if any.
    pub fn failed(&mut self, now: Time, username: &str, addr: Option<IpAddr>) -> Option<Lock> {
        self.prune(now);
        let by_addr = addr.and_then(|a| {
            self.addresses
                .entry(a)
                .or_default()
                .fail(now, ADDRESS_FAILURES)
        });
        let by_account = self
            .accounts
            .entry(username.to_owned())
            .or_default()
            .fail(now, ACCOUNT_FAILURES);
        by_account.map(Lock::Account).or(by_addr.map(Lock::Address))
    }

    /// A successful login: the account's count starts again.
    pub fn succeeded(&mut self, username: &str) {
        self.accounts.remove(username);
    }

    /// Keeps memory bounded under a flood of made-up names.
    fn prune(&mut self, now: Time) {
        if self.accounts.len() + self.addresses.len() > 10_000 {
            self.accounts.retain(|_, f| !f.stale(now));
            self.addresses.retain(|_, f| !f.stale(now));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_lock_the_account_until_the_window_ends_and_retries_do_not_extend_it() {
        let t0 = chrono::Utc::now();
        let s = |n: i64| t0 + chrono::Duration::seconds(n);
        let ip: Option<IpAddr> = "10.0.0.1".parse().ok();
        let mut th = LoginThrottle::default();
        for i in 0..4 {
            assert_eq!(th.failed(s(i), "disp", ip), None);
            assert_eq!(th.check(s(i), "disp", ip), None);
        }
        let lock = th.failed(s(4), "disp", ip).unwrap();
        assert_eq!(lock, Lock::Account(s(4 + WINDOW_S)));
        assert_eq!(th.check(s(100), "disp", ip), Some(lock));
        // Another account from the same address is not locked by this one.
        assert_eq!(th.check(s(100), "other", ip), None);
        assert_eq!(th.check(s(4 + WINDOW_S), "disp", ip), None, "released");
        // Failures spread beyond the window never lock.
        let mut th = LoginThrottle::default();
        for i in 0..20 {
            assert_eq!(th.failed(s(i * WINDOW_S / 4 + i), "slow", ip), None);
        }
    }

    #[test]
    fn twenty_failures_from_one_address_lock_it_across_accounts() {
        let t0 = chrono::Utc::now();
        let ip: Option<IpAddr> = "10.0.0.2".parse().ok();
        let other: Option<IpAddr> = "10.0.0.3".parse().ok();
        let mut th = LoginThrottle::default();
        let mut lock = None;
        for i in 0..ADDRESS_FAILURES {
            lock = th.failed(t0, &format!("user{i}"), ip);
        }
        assert!(matches!(lock, Some(Lock::Address(_))));
        assert!(matches!(th.check(t0, "anyone", ip), Some(Lock::Address(_))));
        assert_eq!(th.check(t0, "anyone", other), None);
    }
}
