/*
 * hashpool.h — a small, bounded pool of threads for password hashing.
 *
 * argon2id is slow on purpose (tens of milliseconds and 64 MiB each). Run on
 * the HTTP threads, a stream of failed logins or registrations would keep
 * them all busy and starve authenticated requests. Instead a handler hands
 * the hash to this pool (a fixed set of workers and a queue of fixed
 * length) and suspends its connection; the job resumes it when done. When
 * the queue is full the caller is told at once, and answers 429.
 *
 * The pool is process-wide, started by `egret serve` before the server and
 * stopped after it. When it is not running, callers hash in place (the
 * command-line tools).
 */
#ifndef EG_AUTH_HASHPOOL_H
#define EG_AUTH_HASHPOOL_H

#include "core/status.h"

/* Start workers threads with room for queue waiting jobs. EG_E_INTERNAL
 * when threads cannot be made; EG_E_CONFLICT when already running. */
enum eg_status eg_hashpool_start(int workers, int queue);

/* Run every job still queued, then stop and join the workers. */
void eg_hashpool_stop(void);

/* Whether the pool is running (jobs may be submitted). */
int eg_hashpool_running(void);

/*
 * Queue fn(arg) to run on a worker. EG_OK when queued (fn will run exactly
 * once, before eg_hashpool_stop returns); EG_E_HASH_QUEUE_FULL when the
 * queue (waiting and reserved jobs) is full; EG_E_UNAVAILABLE when the pool
 * is not running. Never blocks beyond taking a mutex.
 */
enum eg_status eg_hashpool_submit(void (*fn)(void *arg), void *arg);

/*
 * The same in two steps, for a caller that must do something between
 * knowing there is room and handing the job over (suspend its connection):
 * reserve a place (EG_OK, or as eg_hashpool_submit), then queue fn(arg) in
 * it with eg_hashpool_submit_reserved, exactly once. The job then runs
 * exactly once (on the caller's thread, should the pool have stopped
 * meanwhile).
 */
enum eg_status eg_hashpool_reserve(void);
void eg_hashpool_submit_reserved(void (*fn)(void *arg), void *arg);

#endif
