/*
 * test_hashpool.c — auth/hashpool.h: jobs run on the workers, the queue is
 * bounded (a full queue is refused at once, never waited for), and stopping
 * runs what was queued.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>

#include "auth/hashpool.h"

static sem_t gate;
static atomic_int ran;

/* A job that holds its worker until the gate opens. */
static void held_job(void *arg)
{
    (void)arg;
    sem_wait(&gate);
    atomic_fetch_add(&ran, 1);
}

static void test_not_running(void **state)
{
    (void)state;
    assert_int_equal(eg_hashpool_running(), 0);
    assert_int_equal(eg_hashpool_reserve(), EG_E_UNAVAILABLE);
}

static void test_bounded_queue(void **state)
{
    (void)state;
    struct timespec t = {0, 20 * 1000 * 1000};
    sem_init(&gate, 0, 0);
    atomic_store(&ran, 0);
    assert_int_equal(eg_hashpool_start(1, 2), EG_OK);
    assert_int_equal(eg_hashpool_start(1, 2), EG_E_CONFLICT);
    assert_int_equal(eg_hashpool_running(), 1);
    /* One job taken by the worker (it blocks), two waiting: the queue is full. */
    assert_int_equal(eg_hashpool_reserve(), EG_OK);
    eg_hashpool_submit_reserved(held_job, NULL);
    nanosleep(&t, NULL); /* let the worker take it off the queue */
    assert_int_equal(eg_hashpool_reserve(), EG_OK);
    eg_hashpool_submit_reserved(held_job, NULL);
    assert_int_equal(eg_hashpool_reserve(), EG_OK);
    /* A reserved place counts before it is used. */
    assert_int_equal(eg_hashpool_reserve(), EG_E_HASH_QUEUE_FULL);
    eg_hashpool_submit_reserved(held_job, NULL);
    assert_int_equal(eg_hashpool_reserve(), EG_E_HASH_QUEUE_FULL);
    assert_int_equal(eg_hashpool_submit(held_job, NULL), EG_E_HASH_QUEUE_FULL);
    assert_int_equal(atomic_load(&ran), 0);
    for (int i = 0; i < 3; i++)
        sem_post(&gate);
    eg_hashpool_stop(); /* runs what was queued, then joins */
    assert_int_equal(atomic_load(&ran), 3);
    assert_int_equal(eg_hashpool_running(), 0);
    assert_int_equal(eg_hashpool_reserve(), EG_E_UNAVAILABLE);
    assert_int_equal(eg_hashpool_submit(held_job, NULL), EG_E_UNAVAILABLE);
    /* It starts again after a stop. */
    assert_int_equal(eg_hashpool_start(2, 4), EG_OK);
    sem_post(&gate);
    sem_post(&gate);
    assert_int_equal(eg_hashpool_submit(held_job, NULL), EG_OK);
    assert_int_equal(eg_hashpool_reserve(), EG_OK);
    eg_hashpool_submit_reserved(held_job, NULL);
    eg_hashpool_stop();
    assert_int_equal(atomic_load(&ran), 5);
    sem_destroy(&gate);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_running),
        cmocka_unit_test(test_bounded_queue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
