/* zmq_timers_*: add, timeout, execute, cancel, set_interval, reset,
 * invalid ids, destroy. */
#include "testutil.h"

static int fired[4];

static void on_timer (int id, void *arg)
{
    int *slot = (int *) arg;
    (void) id;
    (*slot)++;
}

/* Runs the timers until `cond` fires or deadline; uses zmq_timers_timeout
 * to sleep exactly as long as needed. */
static void run_until (void *timers, int *counter, int target)
{
    long long deadline = now_ms () + TEST_TIMEOUT_MS;
    while (*counter < target) {
        long t = zmq_timers_timeout (timers);
        CHECK (t >= 0);
        if (now_ms () > deadline)
            FAIL ("timer did not fire %d times in time (got %d)", target,
                  *counter);
        if (t > 0)
            sleep_ms ((int) t);
        CHECK_RC (zmq_timers_execute (timers));
    }
}

int main (void)
{
    void *timers;
    int id1, id2;
    long t;
    long long t0;
    test_start (20);

    timers = zmq_timers_new ();
    CHECK (timers != NULL);
    CHECK_EQ (zmq_timers_timeout (timers), -1); /* none registered */
    CHECK_RC (zmq_timers_execute (timers));

    id1 = zmq_timers_add (timers, 50, on_timer, &fired[0]);
    CHECK (id1 >= 0);
    id2 = zmq_timers_add (timers, 1000, on_timer, &fired[1]);
    CHECK (id2 >= 0 && id2 != id1);
    t = zmq_timers_timeout (timers);
    CHECK (t >= 0 && t <= 50);

    /* nothing expired yet */
    CHECK_RC (zmq_timers_execute (timers));
    CHECK_EQ (fired[0], 0);

    t0 = now_ms ();
    run_until (timers, &fired[0], 1);
    CHECK (now_ms () - t0 >= 40);
    CHECK_EQ (fired[1], 0);
    /* timers repeat */
    run_until (timers, &fired[0], 3);

    /* cancel: no more calls; cancelling again is EINVAL */
    CHECK_RC (zmq_timers_cancel (timers, id1));
    CHECK_ERR (zmq_timers_cancel (timers, id1), EINVAL);
    t = zmq_timers_timeout (timers);
    CHECK (t > 100 && t <= 1000);

    /* set_interval shortens the 1 s timer */
    CHECK_RC (zmq_timers_set_interval (timers, id2, 30));
    t = zmq_timers_timeout (timers);
    CHECK (t >= 0 && t <= 30);
    run_until (timers, &fired[1], 1);
    CHECK_EQ (fired[0], 3);

    /* reset restarts the interval */
    CHECK_RC (zmq_timers_set_interval (timers, id2, 200));
    CHECK_RC (zmq_timers_reset (timers, id2));
    t = zmq_timers_timeout (timers);
    CHECK (t > 100 && t <= 200);

    /* unknown ids and bad arguments */
    CHECK_ERR (zmq_timers_cancel (timers, 12345), EINVAL);
    CHECK_ERR (zmq_timers_set_interval (timers, 12345, 10), EINVAL);
    CHECK_ERR (zmq_timers_reset (timers, 12345), EINVAL);
    CHECK_ERR (zmq_timers_add (timers, 10, NULL, NULL), EFAULT);
    CHECK_ERR (zmq_timers_add (NULL, 10, on_timer, NULL), EFAULT);
    CHECK_ERR (zmq_timers_execute (NULL), EFAULT);

    CHECK_RC (zmq_timers_destroy (&timers));
    CHECK (timers == NULL);
    CHECK_ERR (zmq_timers_destroy (&timers), EFAULT);
    return 0;
}
