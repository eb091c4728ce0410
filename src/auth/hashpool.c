/*
 * hashpool.c — the password-hashing pool: a ring of queued jobs under one
 * mutex, workers waiting on a condition variable.
 */
#include "auth/hashpool.h"

#include <pthread.h>
#include <stdlib.h>

#include "core/log.h"

#define MAX_WORKERS 64

struct job {
    void (*fn)(void *arg);
    void *arg;
};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct job *ring;
    int cap, head, count;
    int reserved; /* places promised to eg_hashpool_submit */
    int running, stopping;
    int n_threads;
    pthread_t threads[MAX_WORKERS];
} pool = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void *worker(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&pool.mu);
    for (;;) {
        while (pool.count == 0 && !pool.stopping)
            pthread_cond_wait(&pool.cv, &pool.mu);
        if (pool.count == 0)
            break; /* stopping and drained */
        struct job j = pool.ring[pool.head];
        pool.head = (pool.head + 1) % pool.cap;
        pool.count--;
        pthread_mutex_unlock(&pool.mu);
        j.fn(j.arg);
        pthread_mutex_lock(&pool.mu);
    }
    pthread_mutex_unlock(&pool.mu);
    return NULL;
}

enum eg_status eg_hashpool_start(int workers, int queue)
{
    enum eg_status rc = EG_OK;
    if (workers < 1)
        workers = 1;
    if (workers > MAX_WORKERS)
        workers = MAX_WORKERS;
    if (queue < 1)
        queue = 1;
    pthread_mutex_lock(&pool.mu);
    if (pool.running || pool.n_threads > 0) {
        pthread_mutex_unlock(&pool.mu);
        return EG_E_CONFLICT;
    }
    pool.ring = calloc((size_t)queue, sizeof *pool.ring);
    if (!pool.ring) {
        pthread_mutex_unlock(&pool.mu);
        return EG_E_INTERNAL;
    }
    pool.cap = queue;
    pool.head = pool.count = pool.reserved = 0;
    pool.stopping = 0;
    for (int i = 0; i < workers; i++) {
        if (pthread_create(&pool.threads[i], NULL, worker, NULL) != 0) {
            rc = EG_E_INTERNAL;
            break;
        }
        pool.n_threads++;
    }
    pool.running = pool.n_threads > 0;
    pthread_mutex_unlock(&pool.mu);
    if (rc != EG_OK)
        eg_log(EG_LOG_ERROR, "event=hashpool_start_failed started=%d", pool.n_threads);
    if (!pool.running) {
        free(pool.ring);
        pool.ring = NULL;
        return EG_E_INTERNAL;
    }
    eg_log(EG_LOG_INFO, "event=hashpool_started workers=%d queue=%d", pool.n_threads, queue);
    return EG_OK;
}

void eg_hashpool_stop(void)
{
    pthread_mutex_lock(&pool.mu);
    pool.running = 0;
    pool.stopping = 1;
    int n = pool.n_threads;
    pthread_cond_broadcast(&pool.cv);
    pthread_mutex_unlock(&pool.mu);
    for (int i = 0; i < n; i++)
        pthread_join(pool.threads[i], NULL);
    pthread_mutex_lock(&pool.mu);
    pool.n_threads = 0;
    free(pool.ring);
    pool.ring = NULL;
    pool.cap = pool.count = pool.head = 0;
    pthread_mutex_unlock(&pool.mu);
}

int eg_hashpool_running(void)
{
    pthread_mutex_lock(&pool.mu);
    int r = pool.running;
    pthread_mutex_unlock(&pool.mu);
    return r;
}

/* Put a job on the ring (the mutex held, room checked). */
static void push(void (*fn)(void *arg), void *arg)
{
    pool.ring[(pool.head + pool.count) % pool.cap] = (struct job){fn, arg};
    pool.count++;
    pthread_cond_signal(&pool.cv);
}

enum eg_status eg_hashpool_submit(void (*fn)(void *arg), void *arg)
{
    enum eg_status rc = EG_OK;
    pthread_mutex_lock(&pool.mu);
    if (!pool.running)
        rc = EG_E_UNAVAILABLE;
    else if (pool.count + pool.reserved >= pool.cap)
        rc = EG_E_HASH_QUEUE_FULL;
    else
        push(fn, arg);
    pthread_mutex_unlock(&pool.mu);
    return rc;
}

enum eg_status eg_hashpool_reserve(void)
{
    enum eg_status rc = EG_OK;
    pthread_mutex_lock(&pool.mu);
    if (!pool.running)
        rc = EG_E_UNAVAILABLE;
    else if (pool.count + pool.reserved >= pool.cap)
        rc = EG_E_HASH_QUEUE_FULL;
    else
        pool.reserved++;
    pthread_mutex_unlock(&pool.mu);
    return rc;
}

void eg_hashpool_submit_reserved(void (*fn)(void *arg), void *arg)
{
    pthread_mutex_lock(&pool.mu);
    if (pool.reserved > 0)
        pool.reserved--;
    if (!pool.running || pool.count >= pool.cap) {
        pthread_mutex_unlock(&pool.mu);
        fn(arg);
        return;
    }
    push(fn, arg);
    pthread_mutex_unlock(&pool.mu);
}
