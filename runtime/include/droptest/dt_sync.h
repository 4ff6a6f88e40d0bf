/* droptest — channels and synchronisation with Tokio's semantics
 * (docs/design.md §5).
 *
 * Every handle here is owned, like a join handle: it is on its owner's
 * drop list, it moves with dt_move, and dropping it has the effect dropping
 * the Rust value has (the last sender closes a channel, a permit returns to
 * its semaphore, a guard unlocks). Channel handles may be used only by their
 * owner (or by anyone once released to nobody). Semaphores, mutexes,
 * notifies and cancellation tokens are shared the way an Arc is: any task of
 * the run may use a live handle; clone it to give another task its own
 * reference, so that the object outlives the task that made it.
 *
 * Every call that may wait is an await point (the simulator may abort the
 * task there, ready or not) and reports to the driver what it waits on.
 * Calls that never wait (try_*, unbounded send, oneshot send, notify,
 * cancel) are not await points. Using a dropped handle, or calling from
 * outside a task, asserts naming the task and the call site. */
#ifndef DROPTEST_DT_SYNC_H
#define DROPTEST_DT_SYNC_H

#include "dt_base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dt_sender { uint64_t id; } dt_sender;
typedef struct dt_receiver { uint64_t id; } dt_receiver;
typedef struct dt_send_permit { uint64_t id; } dt_send_permit;
typedef struct dt_oneshot_sender { uint64_t id; } dt_oneshot_sender;
typedef struct dt_oneshot_receiver { uint64_t id; } dt_oneshot_receiver;
typedef struct dt_watch_sender { uint64_t id; } dt_watch_sender;
typedef struct dt_watch_receiver { uint64_t id; } dt_watch_receiver;
typedef struct dt_broadcast_sender { uint64_t id; } dt_broadcast_sender;
typedef struct dt_broadcast_receiver { uint64_t id; } dt_broadcast_receiver;
typedef struct dt_semaphore { uint64_t id; } dt_semaphore;
typedef struct dt_permit { uint64_t id; } dt_permit;
typedef struct dt_mutex { uint64_t id; } dt_mutex;
typedef struct dt_mutex_guard { uint64_t id; } dt_mutex_guard;
typedef struct dt_notify { uint64_t id; } dt_notify;
typedef struct dt_cancel_token { uint64_t id; } dt_cancel_token;

/* ---- mpsc ------------------------------------------------------------- */
/* Values are pointers whose ownership moves with the message. A value
 * still buffered when the channel goes away (the receiver is dropped) is
 * passed to value_drop, which may be NULL for values that own nothing. */

/* A channel of `capacity` >= 1 slots (0 asserts, as Tokio panics). Both
 * handles are owned by the calling task. */
void dt_mpsc_bounded_at(dt_site site, const char *name, size_t capacity,
                        dt_drop_fn value_drop, dt_sender *tx_out,
                        dt_receiver *rx_out);
#define dt_mpsc_bounded(name, capacity, value_drop, tx_out, rx_out)          \
    dt_mpsc_bounded_at(DT_SITE, (name), (capacity), (value_drop), (tx_out), \
                       (rx_out))

/* A channel whose send never waits. Its depth high-water mark is kept
 * (dt_mpsc_high_water) and every new mark is reported to the driver
 * (DT_EV_QUEUE_DEPTH), which is how the simulator finds unbounded
 * growth. */
void dt_mpsc_unbounded_at(dt_site site, const char *name,
                          dt_drop_fn value_drop, dt_sender *tx_out,
                          dt_receiver *rx_out);
#define dt_mpsc_unbounded(name, value_drop, tx_out, rx_out) \
    dt_mpsc_unbounded_at(DT_SITE, (name), (value_drop), (tx_out), (rx_out))

/* Another sender of the same channel, owned by the caller. The channel
 * closes when the last sender is dropped. */
dt_sender dt_mpsc_clone_at(dt_site site, dt_sender tx);
#define dt_mpsc_clone(tx) dt_mpsc_clone_at(DT_SITE, (tx))

/* Await point on a bounded channel (never waits on an unbounded one).
 * Waits for room; waiting senders are served in FIFO order. DT_OK: the
 * channel owns the value. DT_ERR_CLOSED: the receiver is gone or closed,
 * and the value is still the caller's (handed back, never lost). */
int dt_mpsc_send_at(dt_site site, dt_sender tx, void *value);
#define dt_mpsc_send(tx, value) dt_mpsc_send_at(DT_SITE, (tx), (value))

/* Never waits: DT_OK, DT_ERR_FULL or DT_ERR_CLOSED (value not taken). A
 * free slot that a waiting sender is first in line for counts as full. */
int dt_mpsc_try_send_at(dt_site site, dt_sender tx, void *value);
#define dt_mpsc_try_send(tx, value) dt_mpsc_try_send_at(DT_SITE, (tx), (value))

/* Await point. Reserves one slot (Tokio's Sender::reserve): the permit is
 * an owned handle; dt_send_permit_send fills the slot and consumes it,
 * dropping it gives the slot back. DT_ERR_CLOSED if the receiver is gone.
 * On an unbounded channel the permit is granted at once. */
int dt_mpsc_reserve_at(dt_site site, dt_sender tx, dt_send_permit *out);
#define dt_mpsc_reserve(tx, out) dt_mpsc_reserve_at(DT_SITE, (tx), (out))
void dt_send_permit_send_at(dt_site site, dt_send_permit permit, void *value);
#define dt_send_permit_send(permit, value) \
    dt_send_permit_send_at(DT_SITE, (permit), (value))

/* Await point. DT_OK with the oldest buffered value in *out; once every
 * sender (and send permit) is gone, or the receiver closed, and the buffer
 * is empty: DT_ERR_CLOSED. */
int dt_mpsc_recv_at(dt_site site, dt_receiver rx, void **out);
#define dt_mpsc_recv(rx, out) dt_mpsc_recv_at(DT_SITE, (rx), (out))

/* Never waits: DT_OK, DT_ERR_EMPTY (senders remain) or DT_ERR_CLOSED. */
int dt_mpsc_try_recv_at(dt_site site, dt_receiver rx, void **out);
#define dt_mpsc_try_recv(rx, out) dt_mpsc_try_recv_at(DT_SITE, (rx), (out))

/* Closes the channel from the receiving side: sends fail from now on,
 * waiting senders are woken with DT_ERR_CLOSED, buffered values stay
 * receivable. */
void dt_mpsc_close_at(dt_site site, dt_receiver rx);
#define dt_mpsc_close(rx) dt_mpsc_close_at(DT_SITE, (rx))

/* True once the receiver is dropped or closed. */
bool dt_mpsc_is_closed_at(dt_site site, dt_sender tx);
#define dt_mpsc_is_closed(tx) dt_mpsc_is_closed_at(DT_SITE, (tx))

/* Values buffered now, and the most ever buffered at once. */
size_t dt_mpsc_len_at(dt_site site, dt_receiver rx);
#define dt_mpsc_len(rx) dt_mpsc_len_at(DT_SITE, (rx))
size_t dt_mpsc_high_water_at(dt_site site, dt_receiver rx);
#define dt_mpsc_high_water(rx) dt_mpsc_high_water_at(DT_SITE, (rx))

/* ---- oneshot ---------------------------------------------------------- */

void dt_oneshot_at(dt_site site, const char *name, dt_drop_fn value_drop,
                   dt_oneshot_sender *tx_out, dt_oneshot_receiver *rx_out);
#define dt_oneshot(name, value_drop, tx_out, rx_out) \
    dt_oneshot_at(DT_SITE, (name), (value_drop), (tx_out), (rx_out))

/* Never waits and consumes the sender. DT_ERR_CLOSED if the receiver is
 * gone or closed: the value is the caller's again. */
int dt_oneshot_send_at(dt_site site, dt_oneshot_sender tx, void *value);
#define dt_oneshot_send(tx, value) dt_oneshot_send_at(DT_SITE, (tx), (value))

/* Await point. DT_OK with the value, or DT_ERR_CLOSED if the sender was
 * dropped unsent (or the value was already taken). The receiver stays the
 * caller's to drop. */
int dt_oneshot_recv_at(dt_site site, dt_oneshot_receiver rx, void **out);
#define dt_oneshot_recv(rx, out) dt_oneshot_recv_at(DT_SITE, (rx), (out))

/* Never waits: DT_OK, DT_ERR_EMPTY or DT_ERR_CLOSED. */
int dt_oneshot_try_recv_at(dt_site site, dt_oneshot_receiver rx, void **out);
#define dt_oneshot_try_recv(rx, out) \
    dt_oneshot_try_recv_at(DT_SITE, (rx), (out))

/* The receiver refuses the value from now on (a value already sent stays
 * receivable). */
void dt_oneshot_close_at(dt_site site, dt_oneshot_receiver rx);
#define dt_oneshot_close(rx) dt_oneshot_close_at(DT_SITE, (rx))

/* True once the receiver is dropped or closed. */
bool dt_oneshot_is_closed_at(dt_site site, dt_oneshot_sender tx);
#define dt_oneshot_is_closed(tx) dt_oneshot_is_closed_at(DT_SITE, (tx))

/* ---- watch: the latest value ------------------------------------------ */
/* Values are plain 64-bit numbers (a state, a generation, a flag), so a
 * borrow never dangles. */

void dt_watch_at(dt_site site, const char *name, uint64_t initial,
                 dt_watch_sender *tx_out, dt_watch_receiver *rx_out);
#define dt_watch(name, initial, tx_out, rx_out) \
    dt_watch_at(DT_SITE, (name), (initial), (tx_out), (rx_out))

/* Never waits. Stores the value and wakes every receiver waiting in
 * changed. DT_ERR_CLOSED, storing nothing, if no receiver is left. */
int dt_watch_send_at(dt_site site, dt_watch_sender tx, uint64_t value);
#define dt_watch_send(tx, value) dt_watch_send_at(DT_SITE, (tx), (value))

/* The latest value; _and_update also marks it seen. */
uint64_t dt_watch_borrow_at(dt_site site, dt_watch_receiver rx);
#define dt_watch_borrow(rx) dt_watch_borrow_at(DT_SITE, (rx))
uint64_t dt_watch_borrow_and_update_at(dt_site site, dt_watch_receiver rx);
#define dt_watch_borrow_and_update(rx) \
    dt_watch_borrow_and_update_at(DT_SITE, (rx))

/* Await point. DT_OK once a value this receiver has not seen exists (it is
 * then marked seen); DT_ERR_CLOSED if there is none and the sender is
 * gone. */
int dt_watch_changed_at(dt_site site, dt_watch_receiver rx);
#define dt_watch_changed(rx) dt_watch_changed_at(DT_SITE, (rx))

/* A new receiver: subscribe has seen the current value, clone has seen
 * what `rx` has seen. */
dt_watch_receiver dt_watch_subscribe_at(dt_site site, dt_watch_sender tx);
#define dt_watch_subscribe(tx) dt_watch_subscribe_at(DT_SITE, (tx))
dt_watch_receiver dt_watch_clone_at(dt_site site, dt_watch_receiver rx);
#define dt_watch_clone(rx) dt_watch_clone_at(DT_SITE, (rx))

/* ---- broadcast: every receiver sees every value ----------------------- */
/* A ring of `capacity` >= 1 plain 64-bit values; a send never waits and
 * overwrites the oldest value once the ring is full. */

void dt_broadcast_at(dt_site site, const char *name, size_t capacity,
                     dt_broadcast_sender *tx_out,
                     dt_broadcast_receiver *rx_out);
#define dt_broadcast(name, capacity, tx_out, rx_out) \
    dt_broadcast_at(DT_SITE, (name), (capacity), (tx_out), (rx_out))

/* DT_ERR_CLOSED, storing nothing, if there is no receiver. */
int dt_broadcast_send_at(dt_site site, dt_broadcast_sender tx,
                         uint64_t value);
#define dt_broadcast_send(tx, value) \
    dt_broadcast_send_at(DT_SITE, (tx), (value))

/* Await point. DT_OK with the next value; DT_ERR_LAGGED with the number of
 * values this receiver missed in *missed (the next recv gives the oldest
 * value still held); DT_ERR_CLOSED once every sender is gone and nothing
 * is left to read. `missed` may be NULL. */
int dt_broadcast_recv_at(dt_site site, dt_broadcast_receiver rx,
                         uint64_t *out, uint64_t *missed);
#define dt_broadcast_recv(rx, out, missed) \
    dt_broadcast_recv_at(DT_SITE, (rx), (out), (missed))
/* Never waits; DT_ERR_EMPTY when nothing is there yet. */
int dt_broadcast_try_recv_at(dt_site site, dt_broadcast_receiver rx,
                             uint64_t *out, uint64_t *missed);
#define dt_broadcast_try_recv(rx, out, missed) \
    dt_broadcast_try_recv_at(DT_SITE, (rx), (out), (missed))

/* A receiver that sees values sent from now on. */
dt_broadcast_receiver dt_broadcast_subscribe_at(dt_site site,
                                                dt_broadcast_sender tx);
#define dt_broadcast_subscribe(tx) dt_broadcast_subscribe_at(DT_SITE, (tx))
dt_broadcast_sender dt_broadcast_clone_at(dt_site site,
                                          dt_broadcast_sender tx);
#define dt_broadcast_clone(tx) dt_broadcast_clone_at(DT_SITE, (tx))

/* ---- semaphore -------------------------------------------------------- */
/* Permits are owned handles: dropping one (explicitly or through its
 * owner's drop list, e.g. when the owner is aborted) returns its permits.
 * Waiters are served strictly FIFO: a large acquire_many at the head holds
 * back smaller ones behind it, as in Tokio. */

dt_semaphore dt_semaphore_new_at(dt_site site, const char *name,
                                 size_t permits);
#define dt_semaphore_new(name, permits) \
    dt_semaphore_new_at(DT_SITE, (name), (permits))
dt_semaphore dt_semaphore_clone_at(dt_site site, dt_semaphore sem);
#define dt_semaphore_clone(sem) dt_semaphore_clone_at(DT_SITE, (sem))

/* Await point. DT_OK with a permit for n >= 1 permits (n = 0 asserts), or
 * DT_ERR_CLOSED. */
int dt_semaphore_acquire_many_at(dt_site site, dt_semaphore sem, size_t n,
                                 dt_permit *out);
#define dt_semaphore_acquire_many(sem, n, out) \
    dt_semaphore_acquire_many_at(DT_SITE, (sem), (n), (out))
#define dt_semaphore_acquire(sem, out) \
    dt_semaphore_acquire_many_at(DT_SITE, (sem), 1, (out))

/* Never waits: DT_OK, DT_ERR_EMPTY (not enough permits, or waiters ahead)
 * or DT_ERR_CLOSED. */
int dt_semaphore_try_acquire_many_at(dt_site site, dt_semaphore sem,
                                     size_t n, dt_permit *out);
#define dt_semaphore_try_acquire_many(sem, n, out) \
    dt_semaphore_try_acquire_many_at(DT_SITE, (sem), (n), (out))
#define dt_semaphore_try_acquire(sem, out) \
    dt_semaphore_try_acquire_many_at(DT_SITE, (sem), 1, (out))

/* Adds permits (waking waiters in order). */
void dt_semaphore_add_permits_at(dt_site site, dt_semaphore sem, size_t n);
#define dt_semaphore_add_permits(sem, n) \
    dt_semaphore_add_permits_at(DT_SITE, (sem), (n))

/* Closes the semaphore: waiters and later acquires get DT_ERR_CLOSED;
 * permits already held stay valid. */
void dt_semaphore_close_at(dt_site site, dt_semaphore sem);
#define dt_semaphore_close(sem) dt_semaphore_close_at(DT_SITE, (sem))

size_t dt_semaphore_available_at(dt_site site, dt_semaphore sem);
#define dt_semaphore_available(sem) dt_semaphore_available_at(DT_SITE, (sem))

/* How many permits a permit handle holds. */
size_t dt_permit_count_at(dt_site site, dt_permit permit);
#define dt_permit_count(permit) dt_permit_count_at(DT_SITE, (permit))

/* ---- mutex ------------------------------------------------------------ */
/* An async mutex around user data; the guard is an owned handle and
 * dropping it unlocks. Lockers are served FIFO. */

dt_mutex dt_mutex_new_at(dt_site site, const char *name, void *data);
#define dt_mutex_new(name, data) dt_mutex_new_at(DT_SITE, (name), (data))
dt_mutex dt_mutex_clone_at(dt_site site, dt_mutex mutex);
#define dt_mutex_clone(mutex) dt_mutex_clone_at(DT_SITE, (mutex))

/* Await point. */
dt_mutex_guard dt_mutex_lock_at(dt_site site, dt_mutex mutex);
#define dt_mutex_lock(mutex) dt_mutex_lock_at(DT_SITE, (mutex))

/* Never waits: DT_OK or DT_ERR_EMPTY (locked, or lockers waiting). */
int dt_mutex_try_lock_at(dt_site site, dt_mutex mutex, dt_mutex_guard *out);
#define dt_mutex_try_lock(mutex, out) \
    dt_mutex_try_lock_at(DT_SITE, (mutex), (out))

/* The protected data. */
void *dt_mutex_guard_data_at(dt_site site, dt_mutex_guard guard);
#define dt_mutex_guard_data(guard) dt_mutex_guard_data_at(DT_SITE, (guard))

/* ---- notify ----------------------------------------------------------- */

dt_notify dt_notify_new_at(dt_site site, const char *name);
#define dt_notify_new(name) dt_notify_new_at(DT_SITE, (name))
dt_notify dt_notify_clone_at(dt_site site, dt_notify notify);
#define dt_notify_clone(notify) dt_notify_clone_at(DT_SITE, (notify))

/* Wakes the longest-waiting task, or stores one permit (at most one) that
 * the next dt_notified consumes at once. */
void dt_notify_one_at(dt_site site, dt_notify notify);
#define dt_notify_one(notify) dt_notify_one_at(DT_SITE, (notify))

/* Wakes every task waiting now; stores nothing. */
void dt_notify_waiters_at(dt_site site, dt_notify notify);
#define dt_notify_waiters(notify) dt_notify_waiters_at(DT_SITE, (notify))

/* Await point: waits for a notification. */
void dt_notified_at(dt_site site, dt_notify notify);
#define dt_notified(notify) dt_notified_at(DT_SITE, (notify))

/* ---- cancellation tokens ---------------------------------------------- */
/* Cooperative cancellation: cancelling a token cancels its children (and
 * theirs); a child of a cancelled token is born cancelled. Dropping a
 * token handle cancels nothing. */

dt_cancel_token dt_cancel_token_new_at(dt_site site, const char *name);
#define dt_cancel_token_new(name) dt_cancel_token_new_at(DT_SITE, (name))
/* Another handle to the same token. */
dt_cancel_token dt_cancel_token_clone_at(dt_site site, dt_cancel_token tok);
#define dt_cancel_token_clone(tok) dt_cancel_token_clone_at(DT_SITE, (tok))
/* A new token cancelled whenever `tok` is (but not the other way). */
dt_cancel_token dt_cancel_token_child_at(dt_site site, dt_cancel_token tok);
#define dt_cancel_token_child(tok) dt_cancel_token_child_at(DT_SITE, (tok))

void dt_cancel_token_cancel_at(dt_site site, dt_cancel_token tok);
#define dt_cancel_token_cancel(tok) dt_cancel_token_cancel_at(DT_SITE, (tok))
bool dt_cancel_token_is_cancelled_at(dt_site site, dt_cancel_token tok);
#define dt_cancel_token_is_cancelled(tok) \
    dt_cancel_token_is_cancelled_at(DT_SITE, (tok))

/* Await point: returns once the token is cancelled. */
void dt_cancel_token_cancelled_at(dt_site site, dt_cancel_token tok);
#define dt_cancel_token_cancelled(tok) \
    dt_cancel_token_cancelled_at(DT_SITE, (tok))

#ifdef __cplusplus
}
#endif

#endif
