/* zmq_msg_init_data: the free function is called exactly once, with the
 * data and hint given, once the last reference is gone - over tcp and
 * inproc, and with copies made by zmq_msg_copy. */
#include "testutil.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int free_calls;
static void *freed_data;
static void *freed_hint;

static void counting_free (void *data, void *hint)
{
    pthread_mutex_lock (&lock);
    free_calls++;
    freed_data = data;
    freed_hint = hint;
    pthread_mutex_unlock (&lock);
    free (data);
}

static int calls (void)
{
    int n;
    pthread_mutex_lock (&lock);
    n = free_calls;
    pthread_mutex_unlock (&lock);
    return n;
}

static void reset (void)
{
    pthread_mutex_lock (&lock);
    free_calls = 0;
    freed_data = freed_hint = NULL;
    pthread_mutex_unlock (&lock);
}

static void *make_data (size_t size, char fill)
{
    void *d = malloc (size);
    CHECK (d != NULL);
    memset (d, fill, size);
    return d;
}

/* Local only: copy, close both, called once after the last close. */
static void copies (void)
{
    zmq_msg_t m1, m2, m3;
    void *data = make_data (100, 'c');
    int hint = 42;
    reset ();
    CHECK_RC (zmq_msg_init_data (&m1, data, 100, counting_free, &hint));
    CHECK (zmq_msg_data (&m1) == data);
    CHECK_EQ (zmq_msg_size (&m1), 100);
    CHECK_RC (zmq_msg_init (&m2));
    CHECK_RC (zmq_msg_copy (&m2, &m1));
    CHECK_RC (zmq_msg_init (&m3));
    CHECK_RC (zmq_msg_move (&m3, &m1));
    CHECK_RC (zmq_msg_close (&m1));
    CHECK_EQ (calls (), 0);
    CHECK_RC (zmq_msg_close (&m2));
    CHECK_EQ (calls (), 0);
    CHECK (memcmp (zmq_msg_data (&m3), data, 1) == 0);
    CHECK_RC (zmq_msg_close (&m3));
    CHECK_EQ (calls (), 1);
    CHECK (freed_data == data);
    CHECK (freed_hint == &hint);

    /* NULL free function: data is the caller's, nothing is called */
    {
        static char fixed[10] = "constdata";
        CHECK_RC (zmq_msg_init_data (&m1, fixed, 9, NULL, NULL));
        CHECK_EQ (zmq_msg_size (&m1), 9);
        CHECK_RC (zmq_msg_close (&m1));
    }
}

static void over (void *ctx, const char *tr, size_t size, int copy_first)
{
    char ep[256];
    zmq_msg_t msg, copy, in;
    void *data = make_data (size, 'd');
    int hint = 7;
    void *pull = test_socket (ctx, ZMQ_PULL);
    void *push = test_socket (ctx, ZMQ_PUSH);
    reset ();
    bind_transport (pull, tr, ep, sizeof ep);
    CHECK_RC (zmq_connect (push, ep));
    CHECK_RC (zmq_msg_init_data (&msg, data, size, counting_free, &hint));
    if (copy_first) {
        CHECK_RC (zmq_msg_init (&copy));
        CHECK_RC (zmq_msg_copy (&copy, &msg));
    }
    CHECK_EQ (zmq_msg_send (&msg, push, 0), (int) size);
    if (copy_first) {
        /* the copy still holds the data */
        CHECK_EQ (zmq_msg_size (&copy), size);
        CHECK_EQ (((char *) zmq_msg_data (&copy))[size - 1], 'd');
        CHECK_EQ (zmq_msg_send (&copy, push, 0), (int) size);
    }
    CHECK_RC (zmq_msg_init (&in));
    CHECK_EQ (zmq_msg_recv (&in, pull, 0), (int) size);
    CHECK_EQ (((char *) zmq_msg_data (&in))[0], 'd');
    if (copy_first)
        CHECK_EQ (zmq_msg_recv (&in, pull, 0), (int) size);
    CHECK_RC (zmq_msg_close (&in));
    close_socket (push);
    close_socket (pull);
}

int main (void)
{
    void *ctx;
    test_start (30);
    copies ();

    /* Over transports the last reference may be dropped by an I/O thread:
     * after zmq_ctx_term every thread is done, so count then. */
    {
        const char *trs[] = {"inproc", "tcp"};
        size_t sizes[] = {10, 100000};
        int t, s, c;
        for (t = 0; t < 2; t++)
            for (s = 0; s < 2; s++)
                for (c = 0; c < 2; c++) {
                    ctx = zmq_ctx_new ();
                    CHECK (ctx != NULL);
                    over (ctx, trs[t], sizes[s], c);
                    term_ctx (ctx);
                    if (calls () != 1)
                        FAIL ("%s, %d bytes, copy %d: free fn called %d "
                              "times, expected 1",
                              trs[t], (int) sizes[s], c, calls ());
                }
    }
    return 0;
}
