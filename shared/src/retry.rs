//! Optimistic concurrency: a change reads what is stored, decides, and writes with a version
//! condition; when another writer won meanwhile, the whole attempt runs again on what is
//! stored then. [`retrying`] is that loop, for every document change.

use crate::error::Problem;
use crate::store::StoreError;

/// What one attempt came to: `Ok(Some(_))` done, `Ok(None)` a concurrent writer won (run it
/// again), `Err(_)` failed for good.
pub type Attempt<T> = Result<Option<T>, Problem>;

/// Runs `attempt` until it is done or fails, at most `attempts` times, pausing a jittered,
/// growing while between tries so that concurrent writers spread out instead of colliding
/// again. Each call of `attempt` makes one try afresh from what it reads; it borrows what
/// it needs through its captures, e.g. `retrying(20, || void(&state, &actor, &id))` with
/// `async fn void(..) -> Attempt<Invoice>` (an `async fn` or a method: its future borrows
/// the captured references, not the closure).
pub async fn retrying<T, F, Fut>(attempts: usize, mut attempt: F) -> Result<T, Problem>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Attempt<T>>,
{
    for n in 0..attempts {
        if let Some(v) = attempt().await? {
            return Ok(v);
        }
        let mut b = [0u8; 2];
        getrandom::fill(&mut b).expect("random source");
        let cap_ms = (5u64 << n.min(5)).min(150);
        let ms = u64::from(u16::from_le_bytes(b)) % (cap_ms + 1);
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    Err(Problem::conflict(
        "concurrent-update",
        "Too many concurrent changes to the same document; retry the request.",
    ))
}

/// True for a failure a retry can fix: a failed condition or a conflicting transaction.
pub fn lost_race(e: &StoreError) -> bool {
    e.is_condition() || matches!(e, StoreError::Conflict)
}

/// A transaction's result as an attempt: done with `value` once written, run again when a
/// concurrent writer won, failed otherwise.
pub fn settled<T>(written: Result<(), StoreError>, value: T) -> Attempt<T> {
    match written {
        Ok(()) => Ok(Some(value)),
        Err(e) if lost_race(&e) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
