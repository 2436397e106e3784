/* The draft connection messages, as libzmq's draft build has them:
 * ZMQ_HELLO_MSG (ROUTER, DEALER send it first to each peer), ZMQ_ROUTER_NOTIFY
 * ([id][empty] on connect/disconnect), ZMQ_DISCONNECT_MSG (ROUTER receives
 * it when an accepted peer goes), ZMQ_HICCUP_MSG (DEALER receives it when a
 * connection it made drops). A libzmq without the draft API refuses them
 * (EINVAL): then those parts are skipped. */
#include "testutil.h"

#ifndef ZMQ_ROUTER_NOTIFY
#define ZMQ_ROUTER_NOTIFY 97
#endif
#ifndef ZMQ_HELLO_MSG
#define ZMQ_HELLO_MSG 110
#endif
#ifndef ZMQ_DISCONNECT_MSG
#define ZMQ_DISCONNECT_MSG 111
#endif
#ifndef ZMQ_HICCUP_MSG
#define ZMQ_HICCUP_MSG 114
#endif
#ifndef ZMQ_NOTIFY_CONNECT
#define ZMQ_NOTIFY_CONNECT 1
#endif
#ifndef ZMQ_NOTIFY_DISCONNECT
#define ZMQ_NOTIFY_DISCONNECT 2
#endif

/* setsockopt of a draft option: 1 if taken, 0 if this libzmq refuses it. */
static int draft_opt (void *s, int option, const void *v, size_t len)
{
    if (zmq_setsockopt (s, option, v, len) == 0)
        return 1;
    CHECK_EQ (errno, EINVAL);
    return 0;
}

static void recv_expect (void *s, const char *want, int more)
{
    char buf[256];
    int n = zmq_recv (s, buf, sizeof buf, 0);
    CHECK (n >= 0);
    CHECK (n == (int) strlen (want) && memcmp (buf, want, (size_t) n) == 0);
    CHECK_EQ (get_int (s, ZMQ_RCVMORE), more);
}

static void test_hello (void *ctx)
{
    char ep[256];
    void *router = test_socket (ctx, ZMQ_ROUTER);
    void *dealer = test_socket (ctx, ZMQ_DEALER);
    if (!draft_opt (router, ZMQ_HELLO_MSG, "welcome", 7)) {
        printf ("HELLO_MSG refused: skipped\n");
        goto done;
    }
    CHECK_RC (zmq_setsockopt (dealer, ZMQ_HELLO_MSG, "hi router", 9));
    CHECK_RC (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "D0", 2));
    bind_loopback (router, ep, sizeof ep);
    CHECK_RC (zmq_connect (dealer, ep));
    /* Queued before the handshake, sent after the hello. */
    SEND_STR (dealer, "data", 0);
    /* Each side's hello is the first message its peer gets. */
    recv_expect (dealer, "welcome", 0);
    recv_expect (router, "D0", 1);
    recv_expect (router, "hi router", 0);
    recv_expect (router, "D0", 1);
    recv_expect (router, "data", 0);
    /* An empty value turns it off again. */
    CHECK_RC (zmq_setsockopt (router, ZMQ_HELLO_MSG, NULL, 0));
done:
    close_socket (dealer);
    close_socket (router);
}

static void test_router_notify (void *ctx)
{
    char ep[256];
    int v = ZMQ_NOTIFY_CONNECT | ZMQ_NOTIFY_DISCONNECT;
    void *router = test_socket (ctx, ZMQ_ROUTER);
    void *dealer = test_socket (ctx, ZMQ_DEALER);
    /* For ROUTER only. */
    CHECK_ERR (zmq_setsockopt (dealer, ZMQ_ROUTER_NOTIFY, &v, sizeof v),
               EINVAL);
    if (!draft_opt (router, ZMQ_ROUTER_NOTIFY, &v, sizeof v)) {
        printf ("ROUTER_NOTIFY refused: skipped\n");
        close_socket (dealer);
        close_socket (router);
        return;
    }
    CHECK_EQ (get_int (router, ZMQ_ROUTER_NOTIFY), v);
    v = 4;
    CHECK_ERR (zmq_setsockopt (router, ZMQ_ROUTER_NOTIFY, &v, sizeof v),
               EINVAL);
    CHECK_RC (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "D1", 2));
    bind_loopback (router, ep, sizeof ep);
    CHECK_RC (zmq_connect (dealer, ep));
    recv_expect (router, "D1", 1);
    recv_expect (router, "", 0);
    SEND_STR (dealer, "x", 0);
    recv_expect (router, "D1", 1);
    recv_expect (router, "x", 0);
    close_socket (dealer);
    recv_expect (router, "D1", 1);
    recv_expect (router, "", 0);
    close_socket (router);
}

static void test_disconnect_msg (void *ctx)
{
    char ep[256];
    void *router = test_socket (ctx, ZMQ_ROUTER);
    void *dealer = test_socket (ctx, ZMQ_DEALER);
    if (!draft_opt (router, ZMQ_DISCONNECT_MSG, "gone", 4)) {
        printf ("DISCONNECT_MSG refused: skipped\n");
        close_socket (dealer);
        close_socket (router);
        return;
    }
    CHECK_RC (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "D2", 2));
    bind_loopback (router, ep, sizeof ep);
    CHECK_RC (zmq_connect (dealer, ep));
    SEND_STR (dealer, "x", 0);
    recv_expect (router, "D2", 1);
    recv_expect (router, "x", 0);
    close_socket (dealer);
    recv_expect (router, "D2", 1);
    recv_expect (router, "gone", 0);
    close_socket (router);
}

static void test_hiccup_msg (void *ctx)
{
    char ep[256];
    void *router = test_socket (ctx, ZMQ_ROUTER);
    void *dealer = test_socket (ctx, ZMQ_DEALER);
    if (!draft_opt (dealer, ZMQ_HICCUP_MSG, "hiccup", 6)) {
        printf ("HICCUP_MSG refused: skipped\n");
        close_socket (dealer);
        close_socket (router);
        return;
    }
    CHECK_RC (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "D3", 2));
    bind_loopback (router, ep, sizeof ep);
    CHECK_RC (zmq_connect (dealer, ep));
    SEND_STR (dealer, "x", 0);
    recv_expect (router, "D3", 1);
    recv_expect (router, "x", 0);
    /* The connection drops: the dealer hears it at once. */
    close_socket (router);
    recv_expect (dealer, "hiccup", 0);
    /* A new router on the same endpoint: the dealer reconnects. */
    router = test_socket (ctx, ZMQ_ROUTER);
    CHECK_RC (zmq_bind (router, ep));
    SEND_STR (dealer, "again", 0);
    recv_expect (router, "D3", 1);
    recv_expect (router, "again", 0);
    close_socket (dealer);
    close_socket (router);
}

/* Socket types libzmq does not give these messages to accept the options
 * and send or receive nothing. */
static void test_other_types_ignore (void *ctx)
{
    char ep[256];
    void *a = test_socket (ctx, ZMQ_PAIR);
    void *b = test_socket (ctx, ZMQ_PAIR);
    if (!draft_opt (a, ZMQ_HELLO_MSG, "hello", 5)) {
        printf ("HELLO_MSG refused: skipped\n");
        close_socket (a);
        close_socket (b);
        return;
    }
    CHECK_RC (zmq_setsockopt (b, ZMQ_HICCUP_MSG, "hic", 3));
    bind_loopback (a, ep, sizeof ep);
    CHECK_RC (zmq_connect (b, ep));
    SEND_STR (b, "first", 0);
    recv_expect (a, "first", 0);
    SEND_STR (a, "reply", 0);
    recv_expect (b, "reply", 0);
    close_socket (a);
    CHECK_EQ (poll_socket (b, ZMQ_POLLIN, 200), 0);
    close_socket (b);
}

int main (void)
{
    void *ctx;
    test_start (30);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    test_hello (ctx);
    test_router_notify (ctx);
    test_disconnect_msg (ctx);
    test_hiccup_msg (ctx);
    test_other_types_ignore (ctx);
    term_ctx (ctx);
    printf ("test_notify_msgs: ok\n");
    return 0;
}
