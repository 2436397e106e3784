/* ZMQ_HANDSHAKE_IVL (Z9): a peer that connects and stays silent, or stops
 * after its greeting, is dropped once the interval passes; 0 disables the
 * timer; a connecting socket whose handshake times out reconnects; the
 * socket keeps serving well-behaved peers. The silent peer is a raw TCP
 * socket. */
#include "testutil.h"

#include "rawpeer.h"

static void last_port (void *s, int *port)
{
    char ep[256];
    size_t l = sizeof ep;
    CHECK_RC (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, ep, &l));
    *port = atoi (strrchr (ep, ':') + 1);
    CHECK (*port > 0);
}

/* Connects a raw client that sends `greeting_only` ? a greeting : nothing,
 * and checks the bound socket closes it 150..1000 ms later. */
static void silent_client (int port, int greeting_only)
{
    raw_capture_t cap;
    long long t0, closed_after;
    int fd = raw_connect (port);
    t0 = now_ms ();
    if (greeting_only) {
        unsigned char greeting[64];
        memset (greeting, 0, sizeof greeting);
        greeting[0] = 0xff;
        greeting[9] = 0x7f;
        greeting[10] = 3;
        greeting[11] = 1;
        memcpy (greeting + 12, "NULL", 4);
        raw_send (fd, greeting, sizeof greeting);
    }
    memset (&cap, 0, sizeof cap);
    closed_after = raw_wait_closed (fd, &cap, 2000);
    if (closed_after < 0)
        FAIL ("silent client (greeting %d) not dropped within 2 s",
              greeting_only);
    closed_after = now_ms () - t0;
    if (closed_after < 150 || closed_after > 1000)
        FAIL ("silent client (greeting %d) dropped after %lld ms, expected "
              "about 200",
              greeting_only, closed_after);
    /* the socket's own greeting started before the timeout */
    CHECK (cap.len >= 10);
    CHECK_EQ (cap.data[0], 0xff);
    CHECK_EQ (cap.data[9], 0x7f);
    close (fd);
}

static void bound_socket (void *ctx)
{
    char ep[256];
    int port;
    void *s = test_socket (ctx, ZMQ_DEALER);
    void *peer;
    CHECK_EQ (get_int (s, ZMQ_HANDSHAKE_IVL), 30000);
    set_int (s, ZMQ_HANDSHAKE_IVL, 200);
    CHECK_EQ (get_int (s, ZMQ_HANDSHAKE_IVL), 200);
    bind_loopback (s, ep, sizeof ep);
    last_port (s, &port);
    silent_client (port, 0);
    silent_client (port, 1);

    /* a real peer still gets through, and its connection outlives the
     * handshake interval */
    peer = test_socket (ctx, ZMQ_DEALER);
    CHECK_RC (zmq_connect (peer, ep));
    SEND_STR (peer, "hello", 0);
    RECV_STR (s, "hello", 0);
    sleep_ms (400);
    SEND_STR (s, "still here", 0);
    RECV_STR (peer, "still here", 0);
    close_socket (peer);
    close_socket (s);
}

/* HANDSHAKE_IVL = 0: a silent client is kept. */
static void disabled (void *ctx)
{
    char ep[256];
    raw_capture_t cap;
    int port, fd;
    void *s = test_socket (ctx, ZMQ_DEALER);
    set_int (s, ZMQ_HANDSHAKE_IVL, 0);
    CHECK_EQ (get_int (s, ZMQ_HANDSHAKE_IVL), 0);
    bind_loopback (s, ep, sizeof ep);
    last_port (s, &port);
    fd = raw_connect (port);
    memset (&cap, 0, sizeof cap);
    if (raw_wait_closed (fd, &cap, 400) >= 0)
        FAIL ("HANDSHAKE_IVL 0: a silent client was dropped");
    close (fd);
    close_socket (s);
}

/* The connecting side: a listener that accepts and never answers. The
 * handshake times out and the socket reconnects. */
static void connecting_socket (void *ctx)
{
    char ep[64];
    long long t0, closed_after;
    int port, lfd, fd, fd2;
    void *s = test_socket (ctx, ZMQ_DEALER);
    set_int (s, ZMQ_HANDSHAKE_IVL, 200);
    set_int (s, ZMQ_RECONNECT_IVL, 50);
    lfd = raw_listen (&port);
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    CHECK_RC (zmq_connect (s, ep));
    fd = raw_accept (lfd, 2000);
    if (fd < 0)
        FAIL ("the socket did not connect");
    t0 = now_ms ();
    closed_after = raw_wait_closed (fd, NULL, 2000);
    if (closed_after < 0)
        FAIL ("the connecting socket did not give up the handshake in 2 s");
    closed_after = now_ms () - t0;
    if (closed_after > 1000)
        FAIL ("handshake given up after %lld ms, expected about 200",
              closed_after);
    close (fd);
    fd2 = raw_accept (lfd, 2000);
    if (fd2 < 0)
        FAIL ("no reconnect after the handshake timeout");
    close (fd2);
    close_socket (s);
    close (lfd);
}

int main (void)
{
    void *ctx;
    test_start (20);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    bound_socket (ctx);
    disabled (ctx);
    connecting_socket (ctx);
    term_ctx (ctx);
    return 0;
}
