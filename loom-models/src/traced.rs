//! loom's `Mutex` and `Condvar` with std's API, recording where each lock
//! is taken and released while a failing schedule is replayed.
//!
//! loom's own lock never fails, and never poisons: a panic under loom ends
//! the run, so `lock()` is always `Ok` and [`Mutex::is_poisoned`] is
//! always `false`.

use crate::record::{self, At};
use serde_json::json;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::{LockResult, TryLockError, TryLockResult};

/// std's `Mutex` on loom's: every interleaving of its lock is explored.
pub struct Mutex<T: ?Sized> {
    inner: loom::sync::Mutex<T>,
}

/// The guard of a [`Mutex`]: the lock is held until it is dropped.
pub struct MutexGuard<'a, T: ?Sized> {
    /// `None` only while a [`Condvar`] waits with the lock released.
    inner: Option<loom::sync::MutexGuard<'a, T>>,
    lock: usize,
}

impl<T> Mutex<T> {
    /// A new, unlocked mutex.
    pub fn new(value: T) -> Mutex<T> {
        Mutex {
            inner: loom::sync::Mutex::new(value),
        }
    }

    /// The value, consuming the mutex.
    pub fn into_inner(self) -> LockResult<T> {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Takes the lock, waiting for it while another thread holds it.
    #[track_caller]
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
        let at = Location::caller();
        let lock = self.number();
        record::event(json!({"what": "asks_lock", "lock": lock}), At::Caller(at));
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        record::event(json!({"what": "locked", "lock": lock}), At::Caller(at));
        Ok(MutexGuard {
            inner: Some(inner),
            lock,
        })
    }

    /// Takes the lock if it is free.
    #[track_caller]
    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
        let at = Location::caller();
        let lock = self.number();
        match self.inner.try_lock() {
            Ok(inner) => {
                record::event(json!({"what": "locked", "lock": lock}), At::Caller(at));
                Ok(MutexGuard {
                    inner: Some(inner),
                    lock,
                })
            }
            Err(_) => {
                record::event(json!({"what": "lock_busy", "lock": lock}), At::Caller(at));
                Err(TryLockError::WouldBlock)
            }
        }
    }

    /// The value, through the only reference to the mutex.
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        self.inner.get_mut()
    }

    /// Always `false`: under loom a panic ends the run before anyone could
    /// see a poisoned lock.
    pub fn is_poisoned(&self) -> bool {
        false
    }

    /// This lock's number in the recorded events (none when not recording).
    fn number(&self) -> usize {
        if record::on() {
            record::lock_number((self as *const Self).cast::<()>() as usize)
        } else {
            0
        }
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Mutex<T> {
        Mutex::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.inner.as_deref().expect("the guard holds the lock")
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.inner.as_deref_mut().expect("the guard holds the lock")
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            drop(inner);
            record::event(json!({"what": "unlocked", "lock": self.lock}), At::Stack);
        }
    }
}

/// std's `Condvar` on loom's.
#[derive(Debug, Default)]
pub struct Condvar {
    inner: loom::sync::Condvar,
}

impl Condvar {
    /// A new condition variable.
    pub fn new() -> Condvar {
        Condvar {
            inner: loom::sync::Condvar::new(),
        }
    }

    /// Releases the lock and waits for a notification, then takes the lock
    /// again.
    #[track_caller]
    pub fn wait<'a, T>(&self, mut guard: MutexGuard<'a, T>) -> LockResult<MutexGuard<'a, T>> {
        let at = Location::caller();
        let inner = guard.inner.take().expect("the guard holds the lock");
        record::event(
            json!({"what": "waits_condvar", "lock": guard.lock}),
            At::Caller(at),
        );
        let inner = self.inner.wait(inner).unwrap_or_else(|e| e.into_inner());
        record::event(
            json!({"what": "locked", "lock": guard.lock}),
            At::Caller(at),
        );
        guard.inner = Some(inner);
        Ok(guard)
    }

    /// Waits (as [`Condvar::wait`]) for as long as `condition` holds.
    #[track_caller]
    pub fn wait_while<'a, T, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut condition: F,
    ) -> LockResult<MutexGuard<'a, T>>
    where
        F: FnMut(&mut T) -> bool,
    {
        while condition(&mut *guard) {
            guard = self.wait(guard)?;
        }
        Ok(guard)
    }

    /// Wakes one waiting thread.
    #[track_caller]
    pub fn notify_one(&self) {
        record::event(
            json!({"what": "notifies", "all": false}),
            At::Caller(Location::caller()),
        );
        self.inner.notify_one();
    }

    /// Wakes every waiting thread.
    #[track_caller]
    pub fn notify_all(&self) {
        record::event(
            json!({"what": "notifies", "all": true}),
            At::Caller(Location::caller()),
        );
        self.inner.notify_all();
    }
}
