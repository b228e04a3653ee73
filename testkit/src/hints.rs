//! What a test says when its body hangs past its deadline (see
//! [`with_deadline`](crate::with_deadline)): the likely bug, one hint per
//! kind of hang. The public and the hidden tests share them.

/// A channel call that never returned.
pub const DEADLOCK: &str = "a channel call never returned: a deadlock? Is a lock taken twice \
     (a second lock() while the first guard is still alive, e.g. in a function or a Drop called \
     under the lock), or held while waiting?";

/// Exercise 1: a receiver that waits forever after `send`.
pub const ONESHOT_LOST_WAKEUP: &str = "the receiver never completed after send(): a lost \
     wakeup? send() must store the value first and then wake the waker stored by the receiver's \
     latest Pending poll. A receiver woken before the value is there finds nothing, waits again, \
     and nobody wakes it a second time";

/// Exercise 2: a receiver that waits forever after the sender is gone.
pub const ONESHOT_DROP_LOST_WAKEUP: &str = "the receiver never completed: a lost wakeup? The \
     Sender's Drop must set `closed` first and then wake the waker stored by the receiver's \
     latest Pending poll";

/// Exercise 3: a receiver that waits forever.
pub const MPSC_LOST_WAKEUP: &str = "the receiver never finished: a lost wakeup? send() must push \
     first and then wake the waker stored by recv()'s latest Pending poll, and the last sender's \
     drop must wake it too";

/// Exercise 4: a sender or the receiver that waits forever.
pub const BOUNDED_STRANDED: &str = "a sender or the receiver waited forever: a lost wakeup? Each \
     pop must wake one waiting sender (after the pop), each send must wake the receiver (after \
     the push), and a cancelled send that was already woken must pass its wakeup on";
