/* ROUTER addressing: ids set with ZMQ_ROUTING_ID on DEALERs, generated
 * 5-byte ids (first byte 0), ROUTER_MANDATORY -> EHOSTUNREACH. */
#include "testutil.h"

static void routing_by_set_ids (void *ctx, const char *tr)
{
    char ep[256];
    char id[256];
    int i, n;
    void *router = test_socket (ctx, ZMQ_ROUTER);
    void *d1 = test_socket (ctx, ZMQ_DEALER);
    void *d2 = test_socket (ctx, ZMQ_DEALER);
    bind_transport (router, tr, ep, sizeof ep);
    CHECK_RC (zmq_setsockopt (d1, ZMQ_ROUTING_ID, "alice", 5));
    CHECK_RC (zmq_setsockopt (d2, ZMQ_ROUTING_ID, "bob", 3));
    {
        char got[16];
        size_t len = sizeof got;
        CHECK_RC (zmq_getsockopt (d1, ZMQ_ROUTING_ID, got, &len));
        CHECK_EQ (len, 5);
        CHECK (memcmp (got, "alice", 5) == 0);
    }
    CHECK_RC (zmq_connect (d1, ep));
    CHECK_RC (zmq_connect (d2, ep));
    /* each dealer says hello so the router knows both */
    SEND_STR (d1, "hi from alice", 0);
    SEND_STR (d2, "hi from bob", 0);
    for (i = 0; i < 2; i++) {
        char body[300];
        n = zmq_recv (router, id, sizeof id, 0);
        CHECK (n > 0);
        id[n] = 0;
        CHECK (strcmp (id, "alice") == 0 || strcmp (id, "bob") == 0);
        snprintf (body, sizeof body, "hi from %s", id);
        RECV_STR (router, body, 0);
    }
    /* route by id, in the "wrong" order */
    CHECK_EQ (zmq_send (router, "bob", 3, ZMQ_SNDMORE), 3);
    SEND_STR (router, "for bob", 0);
    CHECK_EQ (zmq_send (router, "alice", 5, ZMQ_SNDMORE), 5);
    SEND_STR (router, "for alice", 0);
    RECV_STR (d2, "for bob", 0);
    RECV_STR (d1, "for alice", 0);
    close_socket (d1);
    close_socket (d2);
    close_socket (router);
}

static void generated_ids (void *ctx, const char *tr)
{
    char ep[256];
    unsigned char id1[256], id2[256];
    int n1, n2;
    void *router = test_socket (ctx, ZMQ_ROUTER);
    void *d1 = test_socket (ctx, ZMQ_DEALER);
    void *d2 = test_socket (ctx, ZMQ_DEALER);
    bind_transport (router, tr, ep, sizeof ep);
    CHECK_RC (zmq_connect (d1, ep));
    SEND_STR (d1, "one", 0);
    n1 = zmq_recv (router, id1, sizeof id1, 0);
    CHECK_EQ (n1, 5);
    CHECK_EQ (id1[0], 0);
    RECV_STR (router, "one", 0);
    CHECK_RC (zmq_connect (d2, ep));
    SEND_STR (d2, "two", 0);
    n2 = zmq_recv (router, id2, sizeof id2, 0);
    CHECK_EQ (n2, 5);
    CHECK_EQ (id2[0], 0);
    CHECK (memcmp (id1, id2, 5) != 0);
    RECV_STR (router, "two", 0);
    /* replies reach the right dealer */
    CHECK_EQ (zmq_send (router, id2, 5, ZMQ_SNDMORE), 5);
    SEND_STR (router, "to two", 0);
    CHECK_EQ (zmq_send (router, id1, 5, ZMQ_SNDMORE), 5);
    SEND_STR (router, "to one", 0);
    RECV_STR (d1, "to one", 0);
    RECV_STR (d2, "to two", 0);
    close_socket (d1);
    close_socket (d2);
    close_socket (router);
}

static void mandatory (void *ctx)
{
    char ep[256];
    void *router = test_socket (ctx, ZMQ_ROUTER);
    void *dealer = test_socket (ctx, ZMQ_DEALER);
    /* without MANDATORY an unknown id is silently dropped */
    CHECK_EQ (zmq_send (router, "nobody", 6, ZMQ_SNDMORE), 6);
    CHECK_EQ (zmq_send (router, "lost", 4, 0), 4);

    set_int (router, ZMQ_ROUTER_MANDATORY, 1);
    bind_loopback (router, ep, sizeof ep);
    CHECK_ERR (zmq_send (router, "nobody", 6, ZMQ_SNDMORE), EHOSTUNREACH);
    CHECK_ERR (zmq_send (router, "nobody", 6, ZMQ_SNDMORE | ZMQ_DONTWAIT),
               EHOSTUNREACH);

    CHECK_RC (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "known", 5));
    CHECK_RC (zmq_connect (dealer, ep));
    SEND_STR (dealer, "here", 0);
    RECV_STR (router, "known", 1);
    RECV_STR (router, "here", 0);
    CHECK_EQ (zmq_send (router, "known", 5, ZMQ_SNDMORE), 5);
    SEND_STR (router, "there", 0);
    RECV_STR (dealer, "there", 0);
    CHECK_ERR (zmq_send (router, "unknown", 7, ZMQ_SNDMORE), EHOSTUNREACH);
    close_socket (dealer);
    close_socket (router);
}

int main (void)
{
    void *ctx;
    test_start (30);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    routing_by_set_ids (ctx, "tcp");
    routing_by_set_ids (ctx, "inproc");
    routing_by_set_ids (ctx, "ipc");
    generated_ids (ctx, "tcp");
    generated_ids (ctx, "inproc");
    mandatory (ctx);
    term_ctx (ctx);
    return 0;
}
