/* Every classic socket pair, over tcp, ipc and inproc: the binding side is
 * the "server" role, the other side connects; each pair does a short
 * exchange typical of its pattern. */
#include "testutil.h"

static const char *transports[] = {"tcp", "ipc", "inproc"};

static void req_rep (void *ctx, const char *tr)
{
    char ep[256];
    int i;
    void *rep = test_socket (ctx, ZMQ_REP);
    void *req = test_socket (ctx, ZMQ_REQ);
    bind_transport (rep, tr, ep, sizeof ep);
    CHECK_RC (zmq_connect (req, ep));
    for (i = 0; i < 3; i++) {
        SEND_STR (req, "ping", 0);
        RECV_STR (rep, "ping", 0);
        SEND_STR (rep, "pong", 0);
        RECV_STR (req, "pong", 0);
    }
    close_socket (req);
    close_socket (rep);
}

static void dealer_router (void *ctx, const char *tr)
{
    char ep[256];
    char id[256];
    int idlen;
    void *router = test_socket (ctx, ZMQ_ROUTER);
    void *dealer = test_socket (ctx, ZMQ_DEALER);
    bind_transport (router, tr, ep, sizeof ep);
    CHECK_RC (zmq_connect (dealer, ep));
    SEND_STR (dealer, "hello", 0);
    idlen = zmq_recv (router, id, sizeof id, 0);
    CHECK (idlen > 0);
    CHECK_EQ (get_int (router, ZMQ_RCVMORE), 1);
    RECV_STR (router, "hello", 0);
    CHECK_EQ (zmq_send (router, id, (size_t) idlen, ZMQ_SNDMORE), idlen);
    SEND_STR (router, "world", 0);
    RECV_STR (dealer, "world", 0);
    close_socket (dealer);
    close_socket (router);
}

static void dealer_rep (void *ctx, const char *tr)
{
    char ep[256];
    void *rep = test_socket (ctx, ZMQ_REP);
    void *dealer = test_socket (ctx, ZMQ_DEALER);
    bind_transport (rep, tr, ep, sizeof ep);
    CHECK_RC (zmq_connect (dealer, ep));
    /* A DEALER talking to REP must supply the empty delimiter itself. */
    CHECK_EQ (zmq_send (dealer, "", 0, ZMQ_SNDMORE), 0);
    SEND_STR (dealer, "question", 0);
    RECV_STR (rep, "question", 0);
    SEND_STR (rep, "answer", 0);
    RECV_STR (dealer, "", 1);
    RECV_STR (dealer, "answer", 0);
    close_socket (dealer);
    close_socket (rep);
}

static void req_router (void *ctx, const char *tr)
{
    char ep[256];
    char id[256];
    int idlen;
    void *router = test_socket (ctx, ZMQ_ROUTER);
    void *req = test_socket (ctx, ZMQ_REQ);
    bind_transport (router, tr, ep, sizeof ep);
    CHECK_RC (zmq_connect (req, ep));
    SEND_STR (req, "request", 0);
    /* ROUTER sees [id][""][request] */
    idlen = zmq_recv (router, id, sizeof id, 0);
    CHECK (idlen > 0);
    CHECK_EQ (get_int (router, ZMQ_RCVMORE), 1);
    RECV_STR (router, "", 1);
    RECV_STR (router, "request", 0);
    CHECK_EQ (zmq_send (router, id, (size_t) idlen, ZMQ_SNDMORE), idlen);
    CHECK_EQ (zmq_send (router, "", 0, ZMQ_SNDMORE), 0);
    SEND_STR (router, "reply", 0);
    RECV_STR (req, "reply", 0);
    close_socket (req);
    close_socket (router);
}

static void pub_sub (void *ctx, const char *tr)
{
    char ep[256];
    void *pub = test_socket (ctx, ZMQ_PUB);
    void *sub = test_socket (ctx, ZMQ_SUB);
    bind_transport (pub, tr, ep, sizeof ep);
    CHECK_RC (zmq_connect (sub, ep));
    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0));
    sync_pub_sub (pub, sub, "sync");
    SEND_STR (pub, "news", 0);
    RECV_STR (sub, "news", 0);
    close_socket (sub);
    close_socket (pub);
}

static void xpub_xsub (void *ctx, const char *tr)
{
    char ep[256];
    char buf[64];
    void *xpub = test_socket (ctx, ZMQ_XPUB);
    void *xsub = test_socket (ctx, ZMQ_XSUB);
    bind_transport (xpub, tr, ep, sizeof ep);
    CHECK_RC (zmq_connect (xsub, ep));
    /* XSUB subscribes by sending \x01topic; XPUB sees it. */
    CHECK_EQ (zmq_send (xsub, "\x01t", 2, 0), 2);
    CHECK_EQ (zmq_recv (xpub, buf, sizeof buf, 0), 2);
    CHECK (memcmp (buf, "\x01t", 2) == 0);
    /* The subscription is in place once XPUB saw it. */
    SEND_STR (xpub, "topic", 0);
    RECV_STR (xsub, "topic", 0);
    close_socket (xsub);
    close_socket (xpub);
}

static void push_pull (void *ctx, const char *tr)
{
    char ep[256];
    int i;
    void *pull = test_socket (ctx, ZMQ_PULL);
    void *push = test_socket (ctx, ZMQ_PUSH);
    bind_transport (pull, tr, ep, sizeof ep);
    CHECK_RC (zmq_connect (push, ep));
    for (i = 0; i < 10; i++) {
        char msg[16];
        snprintf (msg, sizeof msg, "job %d", i);
        SEND_STR (push, msg, 0);
    }
    for (i = 0; i < 10; i++) {
        char msg[16];
        snprintf (msg, sizeof msg, "job %d", i);
        RECV_STR (pull, msg, 0);
    }
    close_socket (push);
    close_socket (pull);
}

static void pair_pair (void *ctx, const char *tr)
{
    char ep[256];
    void *a = test_socket (ctx, ZMQ_PAIR);
    void *b = test_socket (ctx, ZMQ_PAIR);
    bind_transport (a, tr, ep, sizeof ep);
    CHECK_RC (zmq_connect (b, ep));
    SEND_STR (b, "from b", 0);
    RECV_STR (a, "from b", 0);
    SEND_STR (a, "from a", 0);
    RECV_STR (b, "from a", 0);
    close_socket (b);
    close_socket (a);
}

int main (void)
{
    size_t t;
    void *ctx;
    test_start (30);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    for (t = 0; t < sizeof transports / sizeof transports[0]; t++) {
        const char *tr = transports[t];
        printf ("%s: REQ/REP\n", tr);
        req_rep (ctx, tr);
        printf ("%s: DEALER/ROUTER\n", tr);
        dealer_router (ctx, tr);
        printf ("%s: DEALER/REP\n", tr);
        dealer_rep (ctx, tr);
        printf ("%s: REQ/ROUTER\n", tr);
        req_router (ctx, tr);
        printf ("%s: PUB/SUB\n", tr);
        pub_sub (ctx, tr);
        printf ("%s: XPUB/XSUB\n", tr);
        xpub_xsub (ctx, tr);
        printf ("%s: PUSH/PULL\n", tr);
        push_pull (ctx, tr);
        printf ("%s: PAIR/PAIR\n", tr);
        pair_pair (ctx, tr);
    }
    term_ctx (ctx);
    return 0;
}
