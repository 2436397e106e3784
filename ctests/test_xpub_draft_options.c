/* Effects of two draft XPUB/XSUB options:
 * - ZMQ_XPUB_MANUAL_LAST_VALUE: in manual mode, the first message after
 *   the application confirms a subscription (ZMQ_SUBSCRIBE) goes only to
 *   the subscriber that sent it (no duplicate for the others);
 * - ZMQ_ONLY_FIRST_SUBSCRIBE (on XPUB): in a multipart message from a
 *   subscriber whose first part is user data, the later parts are user
 *   data too, even if they look like subscriptions (libzmq's xpub_t: the
 *   first part decides whether the rest is parsed).
 * A libzmq without the draft API refuses them (EINVAL): skipped then. */
#include "testutil.h"

#ifndef ZMQ_XPUB_MANUAL_LAST_VALUE
#define ZMQ_XPUB_MANUAL_LAST_VALUE 98
#endif
#ifndef ZMQ_ONLY_FIRST_SUBSCRIBE
#define ZMQ_ONLY_FIRST_SUBSCRIBE 108
#endif

static int try_set (void *s, int option)
{
    int one = 1;
    if (zmq_setsockopt (s, option, &one, sizeof one) == 0)
        return 1;
    CHECK_EQ (errno, EINVAL);
    printf ("option %d not built: its effect is skipped\n", option);
#ifndef ZMQ_CTESTS_SYSTEM
    FAIL ("option %d refused", option);
#endif
    return 0;
}

static void subscribe_and_confirm (void *xpub, void *sub, const char *topic)
{
    char buf[32];
    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, topic, strlen (topic)));
    CHECK (zmq_recv (xpub, buf, sizeof buf, 0) == (int) strlen (topic) + 1);
    CHECK (buf[0] == 1 && memcmp (buf + 1, topic, strlen (topic)) == 0);
    CHECK_RC (zmq_setsockopt (xpub, ZMQ_SUBSCRIBE, topic, strlen (topic)));
}

/* Does subscriber A (subscribed first) get the message sent right after
 * B's subscription was confirmed? */
static int first_subscriber_gets_it (void *ctx, int last_value)
{
    char buf[32], ep[64];
    int got;
    void *xpub = test_socket (ctx, ZMQ_XPUB);
    void *a = test_socket (ctx, ZMQ_SUB);
    void *b = test_socket (ctx, ZMQ_SUB);
    set_int (xpub, ZMQ_XPUB_MANUAL, 1);
    if (last_value && !try_set (xpub, ZMQ_XPUB_MANUAL_LAST_VALUE)) {
        close_socket (a), close_socket (b), close_socket (xpub);
        return -1;
    }
    snprintf (ep, sizeof ep, "inproc://last-value-%d", last_value);
    CHECK_RC (zmq_bind (xpub, ep));
    CHECK_RC (zmq_connect (a, ep));
    subscribe_and_confirm (xpub, a, "t");
    SEND_STR (xpub, "t1", 0);
    RECV_STR (a, "t1", 0);
    CHECK_RC (zmq_connect (b, ep));
    subscribe_and_confirm (xpub, b, "t");
    SEND_STR (xpub, "t2", 0);
    RECV_STR (b, "t2", 0);
    SEND_STR (xpub, "t3", 0); /* everyone again */
    RECV_STR (b, "t3", 0);
    CHECK (zmq_recv (a, buf, sizeof buf, 0) == 2);
    got = memcmp (buf, "t2", 2) == 0;
    if (got)
        RECV_STR (a, "t3", 0);
    else
        CHECK (memcmp (buf, "t3", 2) == 0);
    close_socket (a);
    close_socket (b);
    close_socket (xpub);
    return got;
}

/* An XSUB sends the multipart message ["x"]["\x01b"]: is "b" subscribed? */
static int second_part_subscribes (void *ctx, int only_first)
{
    char buf[32], ep[64];
    int rc;
    void *xpub = test_socket (ctx, ZMQ_XPUB);
    void *xsub = test_socket (ctx, ZMQ_XSUB);
    if (only_first && !try_set (xpub, ZMQ_ONLY_FIRST_SUBSCRIBE)) {
        close_socket (xsub), close_socket (xpub);
        return -1;
    }
    snprintf (ep, sizeof ep, "inproc://only-first-%d", only_first);
    CHECK_RC (zmq_bind (xpub, ep));
    CHECK_RC (zmq_connect (xsub, ep));
    /* "e" is subscribed: "e1" marks the end below. */
    CHECK_EQ (zmq_send (xsub, "\001e", 2, 0), 2);
    CHECK_EQ (zmq_recv (xpub, buf, sizeof buf, 0), 2);
    CHECK_EQ (zmq_send (xsub, "x", 1, ZMQ_SNDMORE), 1);
    CHECK_EQ (zmq_send (xsub, "\001b", 2, 0), 2);
    /* Both parts reach the application (as data, or data then a
     * subscription notification): the message is in. */
    RECV_STR (xpub, "x", 1);
    CHECK_EQ (zmq_recv (xpub, buf, sizeof buf, 0), 2);
    CHECK (memcmp (buf, "\001b", 2) == 0);
    SEND_STR (xpub, "b1", 0);
    SEND_STR (xpub, "e1", 0);
    CHECK (zmq_recv (xsub, buf, sizeof buf, 0) >= 2);
    rc = memcmp (buf, "b1", 2) == 0;
    if (rc)
        RECV_STR (xsub, "e1", 0);
    else
        CHECK (memcmp (buf, "e1", 2) == 0);
    close_socket (xsub);
    close_socket (xpub);
    return rc;
}

int main (void)
{
    void *ctx;
    int r;
    test_start (30);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    CHECK_EQ (first_subscriber_gets_it (ctx, 0), 1);
    r = first_subscriber_gets_it (ctx, 1);
    if (r >= 0)
        CHECK_EQ (r, 0);
    CHECK_EQ (second_part_subscribes (ctx, 0), 1);
    r = second_part_subscribes (ctx, 1);
    if (r >= 0)
        CHECK_EQ (r, 0);
    term_ctx (ctx);
    printf ("test_xpub_draft_options: ok\n");
    return 0;
}
