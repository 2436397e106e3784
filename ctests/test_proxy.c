/* zmq_proxy in each of its shapes, with three peers each: a ROUTER/DEALER
 * broker between two REQ clients and a REP worker (envelopes preserved,
 * with a capture socket receiving a copy of every frame), an XSUB/XPUB
 * forwarder (subscriptions flowing upstream, filtering downstream), a
 * PULL/PUSH streamer (multipart messages whole), and zmq_device (ZMQ_QUEUE,
 * s, s) on one ROUTER echoing to two DEALER clients. Each proxy ends with
 * -1/ETERM when its context is shut down. */
#include "testutil.h"
#include "proxyutil.h"

static void test_broker_with_capture (void)
{
    char fe[256], be[256], cap[256];
    void *ctx = zmq_ctx_new ();
    void *frontend = test_socket (ctx, ZMQ_ROUTER);
    void *backend = test_socket (ctx, ZMQ_DEALER);
    void *capture = test_socket (ctx, ZMQ_PUSH);
    void *client1 = test_socket (ctx, ZMQ_REQ);
    void *client2 = test_socket (ctx, ZMQ_REQ);
    void *worker = test_socket (ctx, ZMQ_REP);
    void *tap = test_socket (ctx, ZMQ_PULL);
    proxy_run_t p;
    int i;

    bind_loopback (frontend, fe, sizeof fe);
    bind_loopback (backend, be, sizeof be);
    bind_transport (capture, "inproc", cap, sizeof cap);
    CHECK_RC (zmq_connect (tap, cap));
    CHECK_RC (zmq_setsockopt (client1, ZMQ_ROUTING_ID, "C1", 2));
    CHECK_RC (zmq_setsockopt (client2, ZMQ_ROUTING_ID, "C2", 2));
    CHECK_RC (zmq_connect (client1, fe));
    CHECK_RC (zmq_connect (client2, fe));
    CHECK_RC (zmq_connect (worker, be));
    proxy_start (&p, frontend, backend, capture, NULL);

    /* Both requests in flight at once: replies find their own client. */
    SEND_STR (client1, "one", 0);
    SEND_STR (client2, "two", 0);
    for (i = 0; i < 2; i++) {
        char req[64], rep[80];
        int n = zmq_recv (worker, req, sizeof req - 1, 0);
        CHECK (n > 0);
        req[n] = 0;
        snprintf (rep, sizeof rep, "re:%s", req);
        SEND_STR (worker, rep, 0);
    }
    RECV_STR (client1, "re:one", 0);
    RECV_STR (client2, "re:two", 0);

    /* The capture saw every frame of both directions, envelopes and MORE
     * flags included: [id][][body] four times. */
    for (i = 0; i < 4; i++) {
        char id[16], body[64];
        int n = zmq_recv (tap, id, sizeof id - 1, 0);
        CHECK_EQ (n, 2);
        CHECK (id[0] == 'C' && (id[1] == '1' || id[1] == '2'));
        CHECK_EQ (get_int (tap, ZMQ_RCVMORE), 1);
        RECV_STR (tap, "", 1);
        n = zmq_recv (tap, body, sizeof body - 1, 0);
        CHECK (n > 0);
        body[n] = 0;
        CHECK_EQ (get_int (tap, ZMQ_RCVMORE), 0);
        if (id[1] == '1')
            CHECK (strcmp (body, "one") == 0 || strcmp (body, "re:one") == 0);
        else
            CHECK (strcmp (body, "two") == 0 || strcmp (body, "re:two") == 0);
    }
    CHECK (!poll_socket (tap, ZMQ_POLLIN, 50));

    close_socket (client1);
    close_socket (client2);
    close_socket (worker);
    close_socket (tap);
    proxy_stop_eterm (&p, ctx);
    term_ctx (ctx);
}

#define RECV_BYTES(s, bytes, n)                                                \
    do {                                                                       \
        char b_[64];                                                           \
        int r_ = zmq_recv ((s), b_, sizeof b_, 0);                             \
        if (r_ != (n) || memcmp (b_, (bytes), (size_t) (n)) != 0)              \
            FAIL ("expected %d bytes, got rc %d (errno %d)", (n), r_, errno);  \
    } while (0)

static void test_forwarder (void)
{
    char fe[256], be[256];
    void *ctx = zmq_ctx_new ();
    void *frontend = test_socket (ctx, ZMQ_XSUB);
    void *backend = test_socket (ctx, ZMQ_XPUB);
    /* An XPUB publisher shows the subscriptions reaching it upstream. */
    void *publisher = test_socket (ctx, ZMQ_XPUB);
    void *sub1 = test_socket (ctx, ZMQ_SUB);
    void *sub2 = test_socket (ctx, ZMQ_SUB);
    proxy_run_t p;
    char got[2] = {0, 0};
    int i;

    bind_loopback (frontend, fe, sizeof fe);
    bind_loopback (backend, be, sizeof be);
    CHECK_RC (zmq_connect (publisher, fe));
    CHECK_RC (zmq_connect (sub1, be));
    CHECK_RC (zmq_connect (sub2, be));
    proxy_start (&p, frontend, backend, NULL, NULL);

    CHECK_RC (zmq_setsockopt (sub1, ZMQ_SUBSCRIBE, "A", 1));
    CHECK_RC (zmq_setsockopt (sub2, ZMQ_SUBSCRIBE, "B", 1));
    for (i = 0; i < 2; i++) {
        char b[16];
        int n = zmq_recv (publisher, b, sizeof b, 0);
        CHECK_EQ (n, 2);
        CHECK_EQ (b[0], 1);
        CHECK (b[1] == 'A' || b[1] == 'B');
        got[b[1] - 'A'] = 1;
    }
    CHECK (got[0] && got[1]);

    SEND_STR (publisher, "A1", 0);
    SEND_STR (publisher, "B1", 0);
    SEND_STR (publisher, "C1", 0);
    SEND_STR (publisher, "A2", ZMQ_SNDMORE);
    SEND_STR (publisher, "tail", 0);
    SEND_STR (publisher, "B-end", 0);
    RECV_STR (sub1, "A1", 0);
    RECV_STR (sub1, "A2", 1);
    RECV_STR (sub1, "tail", 0);
    RECV_STR (sub2, "B1", 0);
    RECV_STR (sub2, "B-end", 0);
    CHECK (!poll_socket (sub1, ZMQ_POLLIN, 50));

    /* An unsubscription flows upstream too. */
    CHECK_RC (zmq_setsockopt (sub2, ZMQ_UNSUBSCRIBE, "B", 1));
    RECV_BYTES (publisher, "\0B", 2);

    close_socket (publisher);
    close_socket (sub1);
    close_socket (sub2);
    proxy_stop_eterm (&p, ctx);
    term_ctx (ctx);
}

static void test_streamer (void)
{
    char fe[256], be[256];
    static const char *multi[] = {"m1", "", "m3"};
    void *ctx = zmq_ctx_new ();
    void *frontend = test_socket (ctx, ZMQ_PULL);
    void *backend = test_socket (ctx, ZMQ_PUSH);
    void *producer1 = test_socket (ctx, ZMQ_PUSH);
    void *producer2 = test_socket (ctx, ZMQ_PUSH);
    void *consumer = test_socket (ctx, ZMQ_PULL);
    proxy_run_t p;
    int i, from1 = 0, from2 = 0;

    bind_transport (frontend, "ipc", fe, sizeof fe);
    bind_loopback (backend, be, sizeof be);
    CHECK_RC (zmq_connect (producer1, fe));
    CHECK_RC (zmq_connect (producer2, fe));
    CHECK_RC (zmq_connect (consumer, be));
    proxy_start_device (&p, ZMQ_STREAMER, frontend, backend);

    for (i = 0; i < 50; i++) {
        SEND_STR (producer1, "p1", ZMQ_SNDMORE);
        send_parts (producer1, 3, multi);
        SEND_STR (producer2, "p2", 0);
    }
    for (i = 0; i < 100; i++) {
        char b[16];
        int n = zmq_recv (consumer, b, sizeof b, 0);
        CHECK_EQ (n, 2);
        if (memcmp (b, "p1", 2) == 0) {
            CHECK_EQ (get_int (consumer, ZMQ_RCVMORE), 1);
            recv_parts (consumer, 3, multi);
            from1++;
        } else {
            CHECK (memcmp (b, "p2", 2) == 0);
            CHECK_EQ (get_int (consumer, ZMQ_RCVMORE), 0);
            from2++;
        }
    }
    CHECK_EQ (from1, 50);
    CHECK_EQ (from2, 50);

    close_socket (producer1);
    close_socket (producer2);
    close_socket (consumer);
    proxy_stop_eterm (&p, ctx);
    term_ctx (ctx);
}

/* zmq_device (ZMQ_QUEUE, s, s): a ROUTER that sends every message back to
 * the peer it came from (a heartbeat echo). */
static void test_single_socket_echo (void)
{
    char ep[256];
    static const char *ping1[] = {"ping", "from", "one"};
    static const char *ping2[] = {"ping-two"};
    void *ctx = zmq_ctx_new ();
    void *router = test_socket (ctx, ZMQ_ROUTER);
    void *client1 = test_socket (ctx, ZMQ_DEALER);
    void *client2 = test_socket (ctx, ZMQ_DEALER);
    proxy_run_t p;
    int i;

    bind_loopback (router, ep, sizeof ep);
    CHECK_RC (zmq_connect (client1, ep));
    CHECK_RC (zmq_connect (client2, ep));
    proxy_start_device (&p, ZMQ_QUEUE, router, router);

    for (i = 0; i < 20; i++) {
        send_parts (client1, 3, ping1);
        send_parts (client2, 1, ping2);
    }
    for (i = 0; i < 20; i++) {
        recv_parts (client1, 3, ping1);
        recv_parts (client2, 1, ping2);
    }
    CHECK (!poll_socket (client1, ZMQ_POLLIN, 50));

    close_socket (client1);
    close_socket (client2);
    proxy_stop_eterm (&p, ctx);
    term_ctx (ctx);
}

/* Many requests in flight from two clients, a worker echoing them: every
 * reply reaches its client whole, in order. */
static void *echo_worker (void *arg)
{
    void *worker = arg;
    for (;;) {
        zmq_msg_t part;
        int more;
        do {
            zmq_msg_init (&part);
            if (zmq_msg_recv (&part, worker, 0) < 0) {
                zmq_msg_close (&part);
                return NULL; /* ETERM at the end */
            }
            more = zmq_msg_more (&part);
            if (zmq_msg_send (&part, worker, more ? ZMQ_SNDMORE : 0) < 0) {
                zmq_msg_close (&part);
                return NULL;
            }
        } while (more);
    }
}

static void test_broker_under_load (void)
{
    enum { N = 2000 };
    char fe[256], be[256];
    void *ctx = zmq_ctx_new ();
    void *frontend = test_socket (ctx, ZMQ_ROUTER);
    void *backend = test_socket (ctx, ZMQ_DEALER);
    void *clients[2];
    void *worker = zmq_socket (ctx, ZMQ_DEALER);
    proxy_run_t p;
    pthread_t wt;
    int c, i;

    bind_loopback (frontend, fe, sizeof fe);
    bind_loopback (backend, be, sizeof be);
    set_int (worker, ZMQ_LINGER, 0);
    CHECK_RC (zmq_connect (worker, be));
    for (c = 0; c < 2; c++) {
        clients[c] = test_socket (ctx, ZMQ_DEALER);
        CHECK_RC (zmq_connect (clients[c], fe));
    }
    proxy_start (&p, frontend, backend, NULL, NULL);
    pthread_create (&wt, NULL, echo_worker, worker);
    for (i = 0; i < N; i++)
        for (c = 0; c < 2; c++) {
            char b[32];
            snprintf (b, sizeof b, "%d-%d", c, i);
            SEND_STR (clients[c], "", ZMQ_SNDMORE);
            SEND_STR (clients[c], b, 0);
        }
    for (i = 0; i < N; i++)
        for (c = 0; c < 2; c++) {
            char b[32];
            snprintf (b, sizeof b, "%d-%d", c, i);
            RECV_STR (clients[c], "", 1);
            RECV_STR (clients[c], b, 0);
        }
    for (c = 0; c < 2; c++)
        close_socket (clients[c]);
    proxy_stop_eterm (&p, ctx);
    pthread_join (wt, NULL);
    close_socket (worker);
    term_ctx (ctx);
}

/* A frame's metadata (Peer-Address of the connection it came from) stays
 * behind: what an inproc consumer behind the proxy receives has none. */
static void test_metadata_stays_behind (void)
{
    char fe[256], be[256];
    void *ctx = zmq_ctx_new ();
    void *frontend = test_socket (ctx, ZMQ_PULL);
    void *backend = test_socket (ctx, ZMQ_PUSH);
    void *producer = test_socket (ctx, ZMQ_PUSH);
    void *consumer = test_socket (ctx, ZMQ_PULL);
    proxy_run_t p;
    zmq_msg_t msg;

    bind_loopback (frontend, fe, sizeof fe);
    bind_transport (backend, "inproc", be, sizeof be);
    CHECK_RC (zmq_connect (producer, fe));
    CHECK_RC (zmq_connect (consumer, be));
    proxy_start (&p, frontend, backend, NULL, NULL);
    SEND_STR (producer, "m", 0);
    CHECK_RC (zmq_msg_init (&msg));
    CHECK_EQ (zmq_msg_recv (&msg, consumer, 0), 1);
    CHECK_NULL_ERR (zmq_msg_gets (&msg, "Peer-Address"), EINVAL);
    CHECK_RC (zmq_msg_close (&msg));
    close_socket (producer);
    close_socket (consumer);
    proxy_stop_eterm (&p, ctx);
    term_ctx (ctx);
}

int main (void)
{
    test_start (40);
    test_broker_with_capture ();
    test_forwarder ();
    test_streamer ();
    test_single_socket_echo ();
    test_metadata_stays_behind ();
    test_broker_under_load ();
    return 0;
}
