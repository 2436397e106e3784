/* A large zero-copy message over tcp is not copied on its way out: libzmq's
 * encoder writes a body larger than its batch straight from the message, so
 * the process holds the message about twice (sender's buffer, receiver's
 * message), not three times. Found with pyzmq's test_large_send (2 GiB). */
#include "testutil.h"

#include <sys/resource.h>

#define BIG_SIZE ((size_t) 128 * 1024 * 1024)

static long max_rss_kb (void)
{
    struct rusage ru;
    CHECK_RC (getrusage (RUSAGE_SELF, &ru));
    return ru.ru_maxrss;
}

/* The application keeps its buffer (as pyzmq does with copy=False). */
static void keep_buf (void *data, void *hint)
{
    (void) data;
    (void) hint;
}

int main (void)
{
    void *ctx, *push, *pull;
    char ep[256];
    unsigned char *buf;
    zmq_msg_t msg;
    const unsigned char *got;
    long before, grown;
    size_t i;

    test_start (60);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    pull = test_socket (ctx, ZMQ_PULL);
    push = test_socket (ctx, ZMQ_PUSH);
    set_int (pull, ZMQ_RCVTIMEO, 30000);
    bind_loopback (pull, ep, sizeof ep);
    CHECK_RC (zmq_connect (push, ep));

    before = max_rss_kb ();
    buf = malloc (BIG_SIZE);
    CHECK (buf != NULL);
    for (i = 0; i < BIG_SIZE; i++)
        buf[i] = (unsigned char) (i % 251);

    CHECK_RC (zmq_msg_init_data (&msg, buf, BIG_SIZE, keep_buf, NULL));
    CHECK_EQ (zmq_msg_send (&msg, push, 0), (int) BIG_SIZE);

    CHECK_RC (zmq_msg_init (&msg));
    CHECK_EQ (zmq_msg_recv (&msg, pull, 0), (int) BIG_SIZE);
    got = zmq_msg_data (&msg);
    for (i = 0; i < BIG_SIZE; i += 4093)
        CHECK_EQ (got[i], (unsigned char) (i % 251));
    CHECK_EQ (got[BIG_SIZE - 1], (unsigned char) ((BIG_SIZE - 1) % 251));

    /* Two copies plus slack; a third full copy would exceed it. */
    grown = max_rss_kb () - before;
    if (grown > (long) (BIG_SIZE / 1024 * 5 / 2))
        FAIL ("peak RSS grew by %ld KiB for a %zu KiB message", grown,
              BIG_SIZE / 1024);

    CHECK_RC (zmq_msg_close (&msg));
    free (buf);
    close_socket (push);
    close_socket (pull);
    term_ctx (ctx);
    return 0;
}
