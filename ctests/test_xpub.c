/* XPUB receives subscriptions as \x01topic and unsubscriptions as
 * \x00topic; XSUB can send them by hand. */
#include "testutil.h"

#define RECV_BYTES(s, bytes, n)                                                \
    do {                                                                       \
        char b_[64];                                                           \
        int r_ = zmq_recv ((s), b_, sizeof b_, 0);                             \
        if (r_ != (n) || memcmp (b_, (bytes), (size_t) (n)) != 0)              \
            FAIL ("expected %d bytes \"%s\", got rc %d (errno %d)", (n),       \
                  (bytes) + 1, r_, errno);                                     \
    } while (0)

static void run (void *ctx, const char *tr)
{
    char ep[256];
    char buf[64];
    void *xpub = test_socket (ctx, ZMQ_XPUB);
    void *sub = test_socket (ctx, ZMQ_SUB);
    void *xsub = test_socket (ctx, ZMQ_XSUB);
    bind_transport (xpub, tr, ep, sizeof ep);
    CHECK_RC (zmq_connect (sub, ep));

    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "topic", 5));
    RECV_BYTES (xpub, "\x01topic", 6);
    SEND_STR (xpub, "topic-data", 0);
    SEND_STR (xpub, "other", 0);
    SEND_STR (xpub, "topic-end", 0);
    RECV_STR (sub, "topic-data", 0);
    RECV_STR (sub, "topic-end", 0);

    CHECK_RC (zmq_setsockopt (sub, ZMQ_UNSUBSCRIBE, "topic", 5));
    RECV_BYTES (xpub, "\x00topic", 6);

    /* XSUB: subscription frames written by the application */
    CHECK_RC (zmq_connect (xsub, ep));
    CHECK_EQ (zmq_send (xsub, "\x01" "abc", 4, 0), 4);
    RECV_BYTES (xpub, "\x01" "abc", 4);
    SEND_STR (xpub, "abcdef", 0);
    RECV_STR (xsub, "abcdef", 0);
    CHECK_EQ (zmq_send (xsub, "\x00" "abc", 4, 0), 4);
    RECV_BYTES (xpub, "\x00" "abc", 4);

    /* nothing else pending on the XPUB */
    CHECK_ERR (zmq_recv (xpub, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    close_socket (xsub);
    close_socket (sub);
    close_socket (xpub);
}

int main (void)
{
    void *ctx;
    test_start (30);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    run (ctx, "inproc");
    run (ctx, "tcp");
    run (ctx, "ipc");
    term_ctx (ctx);
    return 0;
}
