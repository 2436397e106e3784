/* Monitor events of failed handshakes (BEHAVIOUR E2, Z3, Z5, Z9), with a
 * raw TCP peer: every failure is followed by DISCONNECTED [the accepted fd].
 * - the peer closes mid-greeting: HANDSHAKE_FAILED_NO_DETAIL [errno]:
 *   EPIPE after a clean close, ECONNRESET when it left data unread;
 * - the peer stays silent past HANDSHAKE_IVL: NO_DETAIL [EAGAIN, the
 *   errno libzmq leaves behind];
 * - a data frame during the handshake: HANDSHAKE_FAILED_PROTOCOL
 *   [ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND];
 * - another mechanism: PROTOCOL [ZMTP_MECHANISM_MISMATCH];
 * - an incompatible socket type: DISCONNECTED only;
 * - a heartbeat timeout after the handshake: DISCONNECTED only.
 * HANDSHAKE_FAILED_AUTH needs ZAP (not tested here). */
#include "testutil.h"

#include "monitor.h"
#include "rawpeer.h"

static void greeting (unsigned char *g, const char *mechanism)
{
    memset (g, 0, 64);
    g[0] = 0xff;
    g[9] = 0x7f;
    g[10] = 3;
    g[11] = 1;
    memcpy (g + 12, mechanism, strlen (mechanism));
}

/* Reads exactly n bytes within the test timeout. */
static void raw_read_n (int fd, unsigned char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        struct pollfd p;
        ssize_t r;
        p.fd = fd;
        p.events = POLLIN;
        p.revents = 0;
        CHECK (poll (&p, 1, TEST_TIMEOUT_MS) == 1);
        r = recv (fd, buf + got, n - got, 0);
        CHECK (r > 0);
        got += (size_t) r;
    }
}

typedef struct
{
    void *s;
    void *m;
    char ep[256];
    int port;
} server_t;

static void server_open (void *ctx, server_t *sv, int type, const char *name)
{
    sv->s = test_socket (ctx, type);
    set_int (sv->s, ZMQ_HANDSHAKE_IVL, 300);
    sv->m = mon_start (ctx, sv->s, name,
                       ZMQ_EVENT_ALL & ~ZMQ_EVENT_LISTENING);
    bind_loopback (sv->s, sv->ep, sizeof sv->ep);
    sv->port = ep_port (sv->ep);
}

static void server_close (server_t *sv)
{
    close_socket (sv->s);
    mon_expect (sv->m, ZMQ_EVENT_CLOSED, sv->ep);
    mon_expect (sv->m, ZMQ_EVENT_MONITOR_STOPPED, "");
    close_socket (sv->m);
}

/* The raw peer's connection was accepted: returns the accepted fd. */
static uint32_t accepted (server_t *sv)
{
    mon_event_t e = mon_expect (sv->m, ZMQ_EVENT_ACCEPTED, sv->ep);
    CHECK (e.value > 2);
    return e.value;
}

static void disconnected (server_t *sv, uint32_t fd)
{
    mon_event_t e = mon_expect (sv->m, ZMQ_EVENT_DISCONNECTED, sv->ep);
    CHECK_EQ (e.value, fd);
    mon_expect_none (sv->m, 0);
}

static void no_detail (server_t *sv)
{
    unsigned char sig[10];
    mon_event_t e;
    uint32_t fd;
    /* A clean close: the peer read everything we sent (the 10-byte
     * signature; the rest waits for the peer's signature). */
    int raw = raw_connect (sv->port);
    fd = accepted (sv);
    raw_send (raw, "\xff", 1);
    raw_read_n (raw, sig, sizeof sig);
    CHECK_EQ (sig[0], 0xff);
    close (raw);
    e = mon_expect (sv->m, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, sv->ep);
    CHECK_EQ (e.value, EPIPE);
    disconnected (sv, fd);

    /* A close with our greeting unread: a reset. */
    raw = raw_connect (sv->port);
    fd = accepted (sv);
    raw_send (raw, "\xff\0\0\0\0\0\0\0\x01", 9);
    sleep_ms (100); /* let our signature arrive, unread */
    close (raw);
    e = mon_expect (sv->m, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, sv->ep);
    CHECK_EQ (e.value, ECONNRESET);
    disconnected (sv, fd);

    /* Silence past HANDSHAKE_IVL. */
    raw = raw_connect (sv->port);
    fd = accepted (sv);
    e = mon_expect (sv->m, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, sv->ep);
    CHECK_EQ (e.value, EAGAIN);
    disconnected (sv, fd);
    close (raw);
}

static void protocol (server_t *sv)
{
    unsigned char g[64];
    mon_event_t e;
    uint32_t fd;
    /* A data frame instead of READY. */
    int raw = raw_connect (sv->port);
    fd = accepted (sv);
    greeting (g, "NULL");
    raw_send (raw, g, sizeof g);
    raw_send_frame (raw, 0x00, "abc", 3);
    e = mon_expect (sv->m, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, sv->ep);
    CHECK_EQ (e.value, ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND);
    disconnected (sv, fd);
    close (raw);

    /* Another mechanism. */
    raw = raw_connect (sv->port);
    fd = accepted (sv);
    greeting (g, "PLAIN");
    raw_send (raw, g, sizeof g);
    e = mon_expect (sv->m, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, sv->ep);
    CHECK_EQ (e.value, ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH);
    disconnected (sv, fd);
    close (raw);

    /* An incompatible socket type (Z5): DISCONNECTED only. */
    raw = raw_connect (sv->port);
    fd = accepted (sv);
    raw_handshake (raw, "PUB");
    disconnected (sv, fd);
    close (raw);

    /* A good handshake still succeeds. */
    raw = raw_connect (sv->port);
    fd = accepted (sv);
    raw_handshake (raw, "PAIR");
    mon_expect (sv->m, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, sv->ep);
    close (raw);
    disconnected (sv, fd);
}

/* A ZMTP 1.0 peer (no mechanism): no HANDSHAKE_SUCCEEDED; when it leaves,
 * HANDSHAKE_FAILED_NO_DETAIL [EPIPE] before DISCONNECTED (BEHAVIOUR E2). */
static void zmtp10 (server_t *sv)
{
    unsigned char buf[256];
    uint32_t fd;
    mon_event_t e;
    int raw = raw_connect (sv->port);
    fd = accepted (sv);
    /* An unversioned greeting: the identity frame (length 1, flags 0). */
    raw_send (raw, "\x01\x00", 2);
    /* A message from the peer arrives: the connection is up. */
    raw_send (raw, "\x04\x00" "abc", 5);
    {
        char got[8];
        CHECK (zmq_recv (sv->s, got, sizeof got, 0) == 3);
        CHECK (memcmp (got, "abc", 3) == 0);
    }
    mon_expect_none (sv->m, 50);
    /* Read what the socket sent (its greeting), so that the close is a
     * clean one, then leave. */
    while (recv (raw, buf, sizeof buf, MSG_DONTWAIT) > 0) {
    }
    close (raw);
    e = mon_expect (sv->m, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, sv->ep);
    CHECK_EQ (e.value, EPIPE);
    disconnected (sv, fd);
}

/* A peer that completes the handshake, then stops answering PINGs: the
 * heartbeat timeout gives DISCONNECTED only (the handshake is over). */
static void heartbeat_timeout (void *ctx)
{
    char ep[256];
    mon_event_t e;
    uint32_t fd;
    int raw;
    void *s = test_socket (ctx, ZMQ_PAIR);
    void *m = mon_start (ctx, s, "inproc://mon-hb", ZMQ_EVENT_ALL);
    set_int (s, ZMQ_HEARTBEAT_IVL, 100);
    set_int (s, ZMQ_HEARTBEAT_TIMEOUT, 200);
    bind_loopback (s, ep, sizeof ep);
    mon_expect (m, ZMQ_EVENT_LISTENING, ep);
    raw = raw_connect (ep_port (ep));
    e = mon_expect (m, ZMQ_EVENT_ACCEPTED, ep);
    fd = e.value;
    raw_handshake (raw, "PAIR");
    mon_expect (m, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, ep);
    e = mon_expect (m, ZMQ_EVENT_DISCONNECTED, ep);
    CHECK_EQ (e.value, fd);
    close_socket (s);
    mon_expect (m, ZMQ_EVENT_CLOSED, ep);
    mon_expect (m, ZMQ_EVENT_MONITOR_STOPPED, "");
    close_socket (m);
    close (raw);
}

/* A connecting socket whose peer never answers: NO_DETAIL, DISCONNECTED
 * (the endpoint as connected), then CONNECT_RETRIED (the endpoint as
 * resolved). */
static void connect_side (void *ctx)
{
    char ep[64];
    mon_event_t e, connected;
    int port;
    int lfd = raw_listen (&port);
    int raw;
    void *s = test_socket (ctx, ZMQ_DEALER);
    void *m = mon_start (ctx, s, "inproc://mon-connect-side",
                         ZMQ_EVENT_ALL & ~ZMQ_EVENT_CONNECT_DELAYED);
    set_int (s, ZMQ_HANDSHAKE_IVL, 200);
    set_int (s, ZMQ_RECONNECT_IVL, 100);
    snprintf (ep, sizeof ep, "tcp://localhost:%d", port);
    CHECK_RC (zmq_connect (s, ep));
    raw = raw_accept (lfd, TEST_TIMEOUT_MS);
    CHECK (raw >= 0);
    connected = mon_expect (m, ZMQ_EVENT_CONNECTED, ep);
    e = mon_expect (m, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, ep);
    CHECK_EQ (e.value, EAGAIN);
    e = mon_expect (m, ZMQ_EVENT_DISCONNECTED, ep);
    CHECK_EQ (e.value, connected.value);
    /* libzmq retries with a new connecter, named after the address as
     * resolved. */
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    e = mon_expect (m, ZMQ_EVENT_CONNECT_RETRIED, ep);
    CHECK (e.value >= 100 && e.value < 200);
    close_socket (s);
    mon_until_stopped (m);
    close_socket (m);
    close (raw);
    close (lfd);
}

int main (void)
{
    void *ctx;
    server_t sv;
    test_start (30);
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    server_open (ctx, &sv, ZMQ_PAIR, "inproc://mon-hs");
    no_detail (&sv);
    protocol (&sv);
    server_close (&sv);
    /* A fresh socket: a PAIR keeps its first pipe until it processes the
     * pipe's end. */
    server_open (ctx, &sv, ZMQ_PULL, "inproc://mon-hs-10");
    zmtp10 (&sv);
    server_close (&sv);
    heartbeat_timeout (ctx);
    connect_side (ctx);
    term_ctx (ctx);
    printf ("OK\n");
    return 0;
}
