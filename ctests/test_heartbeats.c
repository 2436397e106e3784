/* ZMTP heartbeats (Z8): option values, a quiet but healthy connection that
 * heartbeats keep alive, a peer that stops answering PINGs (closed after
 * HEARTBEAT_TIMEOUT, then a connecting socket reconnects), and a peer's PING
 * TTL (answered with a PONG echoing the context; the connection closes when
 * nothing follows within the TTL). The misbehaving peer is a raw TCP socket. */
#include "testutil.h"

#include "rawpeer.h"

static void option_values (void *ctx)
{
    void *s = test_socket (ctx, ZMQ_DEALER);
    CHECK_EQ (get_int (s, ZMQ_HEARTBEAT_IVL), 0);
    CHECK_EQ (get_int (s, ZMQ_HEARTBEAT_TIMEOUT), -1);
    CHECK_EQ (get_int (s, ZMQ_HEARTBEAT_TTL), 0);
    set_int (s, ZMQ_HEARTBEAT_IVL, 250);
    CHECK_EQ (get_int (s, ZMQ_HEARTBEAT_IVL), 250);
    set_int (s, ZMQ_HEARTBEAT_TIMEOUT, 700);
    CHECK_EQ (get_int (s, ZMQ_HEARTBEAT_TIMEOUT), 700);
    /* the TTL is kept in deciseconds, truncated */
    set_int (s, ZMQ_HEARTBEAT_TTL, 150);
    CHECK_EQ (get_int (s, ZMQ_HEARTBEAT_TTL), 100);
    set_int (s, ZMQ_HEARTBEAT_TTL, 99);
    CHECK_EQ (get_int (s, ZMQ_HEARTBEAT_TTL), 0);
    set_int (s, ZMQ_HEARTBEAT_TTL, 6553599);
    CHECK_EQ (get_int (s, ZMQ_HEARTBEAT_TTL), 6553500);
    {
        int v = 6553600;
        CHECK_ERR (zmq_setsockopt (s, ZMQ_HEARTBEAT_TTL, &v, sizeof v),
                   EINVAL);
    }
    CHECK_EQ (get_int (s, ZMQ_HEARTBEAT_TTL), 6553500);
    close_socket (s);
}

/* Two sockets heartbeating every 100 ms with a 400 ms timeout stay connected
 * through 800 ms without traffic. The connecting side does not reconnect,
 * so a connection closed by a missed heartbeat would lose the messages. */
static void healthy_connection (void *ctx)
{
    char ep[256];
    void *a = test_socket (ctx, ZMQ_DEALER);
    void *b = test_socket (ctx, ZMQ_DEALER);
    void *socks[2];
    int i;
    socks[0] = a;
    socks[1] = b;
    for (i = 0; i < 2; i++) {
        set_int (socks[i], ZMQ_HEARTBEAT_IVL, 100);
        set_int (socks[i], ZMQ_HEARTBEAT_TIMEOUT, 400);
        set_int (socks[i], ZMQ_HEARTBEAT_TTL, 1000);
    }
    set_int (b, ZMQ_RECONNECT_IVL, -1);
    bind_loopback (a, ep, sizeof ep);
    CHECK_RC (zmq_connect (b, ep));
    SEND_STR (b, "hello", 0);
    RECV_STR (a, "hello", 0);
    SEND_STR (a, "hi", 0);
    RECV_STR (b, "hi", 0);
    sleep_ms (800);
    SEND_STR (b, "still there?", 0);
    set_int (a, ZMQ_RCVTIMEO, 1000);
    RECV_STR (a, "still there?", 0);
    SEND_STR (a, "yes", 0);
    set_int (b, ZMQ_RCVTIMEO, 1000);
    RECV_STR (b, "yes", 0);
    close_socket (a);
    close_socket (b);
}

/* A peer that completes the handshake and then never sends again: our PING
 * goes unanswered and the connection is closed once HEARTBEAT_TIMEOUT has
 * passed; being the connecting side, the socket then reconnects. */
static void silent_peer (void *ctx)
{
    char ep[64];
    raw_capture_t cap;
    long long t0, closed_after;
    int port, lfd, fd, fd2;
    void *s = test_socket (ctx, ZMQ_DEALER);
    set_int (s, ZMQ_HEARTBEAT_IVL, 100);
    set_int (s, ZMQ_HEARTBEAT_TIMEOUT, 300);
    set_int (s, ZMQ_HEARTBEAT_TTL, 2000);
    lfd = raw_listen (&port);
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    CHECK_RC (zmq_connect (s, ep));
    fd = raw_accept (lfd, 2000);
    if (fd < 0)
        FAIL ("the socket did not connect to the raw peer");
    raw_handshake (fd, "ROUTER");
    t0 = now_ms ();
    memset (&cap, 0, sizeof cap);
    closed_after = raw_wait_closed (fd, &cap, 2000);
    if (closed_after < 0)
        FAIL ("a peer that stopped answering was not dropped within 2 s");
    closed_after = now_ms () - t0;
    /* the first PING goes out after 100 ms, the close 300 ms later */
    if (closed_after < 300)
        FAIL ("closed after %lld ms, before the heartbeat timeout",
              closed_after);
    CHECK (raw_has_command (&cap, "\x05READY", 6));
    /* the PING carries HEARTBEAT_TTL in deciseconds (2000 ms = 0x0014) */
    CHECK (raw_has_command (&cap, "\x04PING\x00\x14", 7));
    close (fd);
    /* reconnect: a second connection arrives at the listener */
    fd2 = raw_accept (lfd, 2000);
    if (fd2 < 0)
        FAIL ("no reconnect after the heartbeat timeout");
    close (fd2);
    close_socket (s);
    close (lfd);
}

/* The accepting side: a client that completes the handshake and then stays
 * silent is dropped. HEARTBEAT_TIMEOUT is left at its default (-1), which
 * means the heartbeat interval: PING after 100 ms, close 100 ms later. */
static void silent_client (void *ctx)
{
    char ep[256];
    raw_capture_t cap;
    long long t0, closed_after;
    int fd;
    void *s = test_socket (ctx, ZMQ_ROUTER);
    set_int (s, ZMQ_HEARTBEAT_IVL, 100);
    bind_loopback (s, ep, sizeof ep);
    fd = raw_connect (atoi (strrchr (ep, ':') + 1));
    raw_handshake (fd, "DEALER");
    t0 = now_ms ();
    memset (&cap, 0, sizeof cap);
    if (raw_wait_closed (fd, &cap, 2000) < 0)
        FAIL ("a silent client was not dropped within 2 s");
    closed_after = now_ms () - t0;
    if (closed_after < 150 || closed_after > 1000)
        FAIL ("closed after %lld ms, expected about 200 (twice the "
              "interval)",
              closed_after);
    CHECK (raw_has_command (&cap, "\x04PING", 5));
    close (fd);
    close_socket (s);
}

/* A peer's PING carries a TTL (deciseconds): it is answered with a PONG that
 * echoes the PING's context, and when nothing more arrives within the TTL
 * the connection is closed, even with no heartbeat options set locally. */
static void ping_ttl_from_peer (void *ctx)
{
    char ep[64];
    raw_capture_t cap;
    long long t0, closed_after;
    int port, lfd, fd;
    /* "\x04PING", TTL 3 = 300 ms, context "ctx" */
    static const unsigned char ping[] = {4,   'P', 'I', 'N', 'G', 0,
                                         3,   'c', 't', 'x'};
    void *s = test_socket (ctx, ZMQ_DEALER);
    lfd = raw_listen (&port);
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    CHECK_RC (zmq_connect (s, ep));
    fd = raw_accept (lfd, 2000);
    if (fd < 0)
        FAIL ("the socket did not connect to the raw peer");
    raw_handshake (fd, "ROUTER");
    /* libzmq 4.3.4 drops the connection at once when the PING follows our
     * READY without a pause: send it once the peer's READY is here */
    memset (&cap, 0, sizeof cap);
    CHECK (raw_read_until (fd, &cap, "\x05READY", 6, 2000));
    raw_send_frame (fd, 0x04, ping, sizeof ping);
    t0 = now_ms ();
    closed_after = raw_wait_closed (fd, &cap, 2000);
    if (closed_after < 0)
        FAIL ("the PING's TTL did not close the connection within 2 s");
    closed_after = now_ms () - t0;
    if (closed_after < 200)
        FAIL ("closed after %lld ms, before the 300 ms TTL", closed_after);
    CHECK (raw_has_command (&cap, "\x04PONGctx", 8));
    close (fd);
    close_socket (s);
    close (lfd);
}

int main (void)
{
    void *ctx;
    test_start (20);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    option_values (ctx);
    healthy_connection (ctx);
    silent_peer (ctx);
    silent_client (ctx);
    ping_ttl_from_peer (ctx);
    term_ctx (ctx);
    return 0;
}
