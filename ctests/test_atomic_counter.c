/* zmq_atomic_counter_*: new (0), set, inc/dec return the value before the
 * change / whether non-zero after it, value, destroy (NULLs the pointer),
 * and concurrent increments from several threads. */
#include "testutil.h"

#define THREADS 4
#define INCS 10000

static void *incrementer (void *counter)
{
    int i;
    for (i = 0; i < INCS; i++)
        zmq_atomic_counter_inc (counter);
    return NULL;
}

int main (void)
{
    pthread_t th[THREADS];
    void *c;
    int i;
    test_start (20);
    c = zmq_atomic_counter_new ();
    CHECK (c != NULL);
    CHECK_EQ (zmq_atomic_counter_value (c), 0);
    /* inc returns the old value */
    CHECK_EQ (zmq_atomic_counter_inc (c), 0);
    CHECK_EQ (zmq_atomic_counter_inc (c), 1);
    CHECK_EQ (zmq_atomic_counter_value (c), 2);
    /* dec returns 1 while the counter stays above zero, 0 when it hits 0 */
    CHECK_EQ (zmq_atomic_counter_dec (c), 1);
    CHECK_EQ (zmq_atomic_counter_dec (c), 0);
    CHECK_EQ (zmq_atomic_counter_value (c), 0);
    zmq_atomic_counter_set (c, 5);
    CHECK_EQ (zmq_atomic_counter_value (c), 5);
    CHECK_EQ (zmq_atomic_counter_inc (c), 5);
    CHECK_EQ (zmq_atomic_counter_value (c), 6);

    zmq_atomic_counter_set (c, 0);
    for (i = 0; i < THREADS; i++)
        CHECK (pthread_create (&th[i], NULL, incrementer, c) == 0);
    for (i = 0; i < THREADS; i++)
        pthread_join (th[i], NULL);
    CHECK_EQ (zmq_atomic_counter_value (c), THREADS * INCS);

    zmq_atomic_counter_destroy (&c);
    CHECK (c == NULL);
    return 0;
}
