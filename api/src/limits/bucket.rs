//! Token buckets, kept as GCRA (the generic cell rate algorithm): a bucket is one number, the
//! "theoretical arrival time" (TAT) at which it would be full again. A call of cost `c` moves it
//! `c` emission intervals on; it is refused when that would put the TAT more than a window ahead.
//! The same step runs in process ([`Local`]) or atomically inside Redis ([`Shared`]), so every
//! replica spends from the same buckets.

use std::collections::HashMap;
use std::sync::Mutex;

use redis::aio::ConnectionManager;
use tokio::sync::OnceCell;

/// How many cost units a bucket holds, refilled evenly over `window_micros`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub units: u32,
    pub window_micros: i64,
}

impl Quota {
    pub fn per_minute(units: u32) -> Self {
        Self {
            units,
            window_micros: 60_000_000,
        }
    }

    /// The time one unit takes to come back.
    fn emission(self) -> i64 {
        self.window_micros / i64::from(self.units.max(1))
    }
}

/// The answer for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// Units left after this call (or, refused, left now).
    pub remaining: u32,
    /// Seconds until the bucket is full again.
    pub full_in_secs: u64,
    /// Refused: seconds until this call would pass.
    pub retry_after_secs: u64,
}

/// One GCRA step: the bucket's stored TAT (none: full), at `now`, for a call of `cost`.
/// Returns whether it passes and the TAT to keep.
fn step(stored: Option<i64>, now: i64, quota: Quota, cost: u32) -> (bool, i64) {
    let tat = stored.unwrap_or(now).max(now);
    let new_tat = tat + i64::from(cost) * quota.emission();
    if new_tat - now > quota.window_micros {
        (false, tat)
    } else {
        (true, new_tat)
    }
}

/// What a step's outcome means for the caller.
fn decide(allowed: bool, tat: i64, now: i64, quota: Quota, cost: u32) -> Decision {
    let emission = quota.emission().max(1);
    let ahead = (tat - now).max(0);
    let remaining = (quota.window_micros - ahead).max(0) / emission;
    let refused_until = tat + i64::from(cost) * emission - quota.window_micros;
    Decision {
        allowed,
        remaining: u32::try_from(remaining).unwrap_or(u32::MAX),
        full_in_secs: micros_to_secs(ahead),
        retry_after_secs: if allowed {
            0
        } else {
            micros_to_secs(refused_until - now).max(1)
        },
    }
}

fn micros_to_secs(micros: i64) -> u64 {
    u64::try_from(micros.max(0))
        .unwrap_or_default()
        .div_ceil(1_000_000)
}

/// Buckets in this process: for one replica (the embedded default).
#[derive(Debug, Default)]
pub struct Local {
    tats: Mutex<HashMap<String, i64>>,
}

impl Local {
    pub fn take(&self, key: &str, now: i64, quota: Quota, cost: u32) -> Decision {
        let mut tats = self
            .tats
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Full buckets hold nothing worth keeping: drop them now and then.
        if tats.len() > 10_000 {
            tats.retain(|_, tat| *tat > now);
        }
        let (allowed, tat) = step(tats.get(key).copied(), now, quota, cost);
        tats.insert(key.to_owned(), tat);
        decide(allowed, tat, now, quota, cost)
    }
}

/// The GCRA step of [`step`], run atomically by Redis. Keys expire once their bucket is full.
const SHARED_STEP: &str = r"
local now = tonumber(ARGV[1])
local emission = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + cost * emission
if new_tat - now > window then return {0, tat} end
redis.call('SET', KEYS[1], new_tat, 'PX', math.floor((new_tat - now) / 1000) + 1)
return {1, new_tat}
";

/// Buckets in Redis (`REDIS_URL`), shared by every replica.
pub struct Shared {
    client: redis::Client,
    connection: OnceCell<ConnectionManager>,
    script: redis::Script,
    prefix: String,
}

impl Shared {
    pub fn new(url: &str, prefix: &str) -> redis::RedisResult<Self> {
        Ok(Self {
            client: redis::Client::open(url)?,
            connection: OnceCell::new(),
            script: redis::Script::new(SHARED_STEP),
            prefix: format!("{prefix}ratelimit:"),
        })
    }

    pub async fn take(
        &self,
        key: &str,
        now: i64,
        quota: Quota,
        cost: u32,
    ) -> redis::RedisResult<Decision> {
        let connection = self
            .connection
            .get_or_try_init(|| ConnectionManager::new(self.client.clone()))
            .await?;
        let (allowed, tat): (i64, i64) = self
            .script
            .key(format!("{}{key}", self.prefix))
            .arg(now)
            .arg(quota.emission())
            .arg(quota.window_micros)
            .arg(cost)
            .invoke_async(&mut connection.clone())
            .await?;
        Ok(decide(allowed == 1, tat, now, quota, cost))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: i64 = 1_000_000;

    #[test]
    fn a_bucket_spends_its_quota_then_refills_evenly() {
        let buckets = Local::default();
        let quota = Quota::per_minute(6); // one unit every 10 s
        let mut now = 1_000 * SECOND;
        for left in (0..6).rev() {
            let decision = buckets.take("k", now, quota, 1);
            assert!(decision.allowed);
            assert_eq!(decision.remaining, left);
        }
        let refused = buckets.take("k", now, quota, 1);
        assert!(!refused.allowed);
        assert_eq!((refused.remaining, refused.retry_after_secs), (0, 10));
        assert_eq!(refused.full_in_secs, 60);
        now += 10 * SECOND;
        assert!(buckets.take("k", now, quota, 1).allowed, "one unit back");
        assert!(!buckets.take("k", now, quota, 1).allowed);
        // Another caller has a bucket of its own.
        assert_eq!(buckets.take("other", now, quota, 1).remaining, 5);
    }

    #[test]
    fn a_costly_call_needs_its_units_and_a_refusal_spends_nothing() {
        let buckets = Local::default();
        let quota = Quota::per_minute(6);
        let now = 1_000 * SECOND;
        assert_eq!(buckets.take("k", now, quota, 5).remaining, 1);
        let refused = buckets.take("k", now, quota, 2);
        assert!(!refused.allowed);
        assert_eq!(refused.retry_after_secs, 10);
        assert!(
            buckets.take("k", now, quota, 1).allowed,
            "the refusal cost nothing"
        );
    }
}
