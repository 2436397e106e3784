/* Monitor events of connections (BEHAVIOUR E1, E2): a refused tcp connect
 * gives CONNECT_DELAYED [EINPROGRESS], CLOSED [fd], CONNECT_RETRIED [wait]
 * with the wait doubling up to RECONNECT_IVL_MAX; CONNECT_TIMEOUT gives
 * CLOSED and CONNECT_RETRIED too; a refused ipc connect
 * gives CLOSED and CONNECT_RETRIED only; a connection gives ACCEPTED [fd] +
 * HANDSHAKE_SUCCEEDED [0] on the bind side (endpoint: the bound address)
 * and CONNECT_DELAYED, CONNECTED [fd], HANDSHAKE_SUCCEEDED on the connect
 * side (endpoint: as connected); the peer leaving gives DISCONNECTED [fd]
 * (same fd), then CONNECT_RETRIED on the connect side. */
#include "testutil.h"

#include "monitor.h"
#include "rawpeer.h"

/* A tcp endpoint nobody listens on (a port just released). */
static void refused_endpoint (char *buf, size_t len)
{
    int port;
    int fd = raw_listen (&port);
    close (fd);
    snprintf (buf, len, "tcp://127.0.0.1:%d", port);
}

static void refused_tcp (void *ctx)
{
    char ep[64];
    const int ivl = 50, ivl_max = 200;
    int expected[] = {50, 100, 200, 200};
    int i;
    void *s = test_socket (ctx, ZMQ_DEALER);
    void *m = mon_start (ctx, s, "inproc://mon-refused", ZMQ_EVENT_ALL);
    set_int (s, ZMQ_RECONNECT_IVL, ivl);
    set_int (s, ZMQ_RECONNECT_IVL_MAX, ivl_max);
    refused_endpoint (ep, sizeof ep);
    CHECK_RC (zmq_connect (s, ep));
    for (i = 0; i < 4; i++) {
        mon_event_t e = mon_expect (m, ZMQ_EVENT_CONNECT_DELAYED, ep);
        CHECK_EQ (e.value, EINPROGRESS);
        e = mon_expect (m, ZMQ_EVENT_CLOSED, ep);
        CHECK (e.value > 2);
        e = mon_expect (m, ZMQ_EVENT_CONNECT_RETRIED, ep);
        /* libzmq 4.3.5 (and we): no jitter with a maximum; 4.3.4 adds
         * up to RECONNECT_IVL of jitter (BEHAVIOUR R2). */
        if ((int) e.value < expected[i] || (int) e.value >= expected[i] + ivl)
            FAIL ("retry %d waits %u ms, expected %d", i, e.value,
                  expected[i]);
    }
    close_socket (s);
    /* Closed while waiting to retry: nothing but MONITOR_STOPPED. */
    mon_expect (m, ZMQ_EVENT_MONITOR_STOPPED, "");
    close_socket (m);
}

/* A listener whose accept queue is full drops new SYNs: a connect to it
 * stays in progress until ZMQ_CONNECT_TIMEOUT, which gives CLOSED [fd]
 * and CONNECT_RETRIED. */
static void connect_timeout (void *ctx)
{
    char ep[64];
    int port, i, fds[32];
    mon_event_t e;
    struct sockaddr_in sa;
    int lfd = raw_listen (&port);
    void *s = test_socket (ctx, ZMQ_DEALER);
    void *m = mon_start (ctx, s, "inproc://mon-timeout", ZMQ_EVENT_ALL);
    memset (&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    sa.sin_port = htons ((unsigned short) port);
    for (i = 0; i < 32; i++) {
        fds[i] = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        CHECK (fds[i] >= 0);
        connect (fds[i], (struct sockaddr *) &sa, sizeof sa);
    }
    set_int (s, ZMQ_CONNECT_TIMEOUT, 200);
    set_int (s, ZMQ_RECONNECT_IVL, 1000);
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    CHECK_RC (zmq_connect (s, ep));
    e = mon_expect (m, ZMQ_EVENT_CONNECT_DELAYED, ep);
    e = mon_expect (m, ZMQ_EVENT_CLOSED, ep);
    CHECK (e.value > 2);
    e = mon_expect (m, ZMQ_EVENT_CONNECT_RETRIED, ep);
    CHECK (e.value >= 1000 && e.value < 2000);
    close_socket (s);
    mon_until_stopped (m);
    close_socket (m);
    for (i = 0; i < 32; i++)
        close (fds[i]);
    close (lfd);
}

static void refused_ipc (void *ctx)
{
    char ep[256];
    mon_event_t e;
    void *s = test_socket (ctx, ZMQ_DEALER);
    void *m = mon_start (ctx, s, "inproc://mon-refused-ipc", ZMQ_EVENT_ALL);
    set_int (s, ZMQ_RECONNECT_IVL, 50);
    ipc_endpoint (ep, sizeof ep, "nobody");
    CHECK_RC (zmq_connect (s, ep));
    /* An ipc connect fails at once: no CONNECT_DELAYED. */
    e = mon_expect (m, ZMQ_EVENT_CLOSED, ep);
    CHECK (e.value > 2);
    e = mon_expect (m, ZMQ_EVENT_CONNECT_RETRIED, ep);
    CHECK (e.value >= 50 && e.value < 100);
    mon_expect (m, ZMQ_EVENT_CLOSED, ep);
    close_socket (s);
    mon_until_stopped (m);
    close_socket (m);
}

static void connection (void *ctx, const char *transport)
{
    char ep[256];
    mon_event_t accepted, connected, e;
    void *srv = test_socket (ctx, ZMQ_PAIR);
    void *cli = test_socket (ctx, ZMQ_PAIR);
    char name[64];
    void *ms, *mc;
    int tcp = strcmp (transport, "tcp") == 0;
    snprintf (name, sizeof name, "inproc://mon-srv-%s", transport);
    ms = mon_start (ctx, srv, name, ZMQ_EVENT_ALL);
    snprintf (name, sizeof name, "inproc://mon-cli-%s", transport);
    mc = mon_start (ctx, cli, name, ZMQ_EVENT_ALL);
    set_int (cli, ZMQ_RECONNECT_IVL, 100);
    bind_transport (srv, transport, ep, sizeof ep);
    e = mon_expect (ms, ZMQ_EVENT_LISTENING, ep);
    CHECK (e.value > 2);
    CHECK_RC (zmq_connect (cli, ep));

    accepted = mon_expect (ms, ZMQ_EVENT_ACCEPTED, ep);
    CHECK (accepted.value > 2);
    e = mon_expect (ms, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, ep);
    CHECK_EQ (e.value, 0);

    if (tcp) {
        e = mon_expect (mc, ZMQ_EVENT_CONNECT_DELAYED, ep);
        CHECK_EQ (e.value, EINPROGRESS);
    }
    connected = mon_expect (mc, ZMQ_EVENT_CONNECTED, ep);
    CHECK (connected.value > 2 && connected.value != accepted.value);
    e = mon_expect (mc, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, ep);
    CHECK_EQ (e.value, 0);

    SEND_STR (cli, "hello", 0);
    RECV_STR (srv, "hello", 0);
    mon_expect_none (ms, 50);
    mon_expect_none (mc, 0);

    /* The bind side leaves: the client sees DISCONNECTED for its fd, then
     * retries after RECONNECT_IVL. */
    close_socket (srv);
    e = mon_expect (ms, ZMQ_EVENT_CLOSED, ep);
    mon_expect (ms, ZMQ_EVENT_MONITOR_STOPPED, "");
    e = mon_expect (mc, ZMQ_EVENT_DISCONNECTED, ep);
    CHECK_EQ (e.value, connected.value);
    e = mon_expect (mc, ZMQ_EVENT_CONNECT_RETRIED, ep);
    CHECK (e.value >= 100 && e.value < 200);
    close_socket (cli);
    mon_until_stopped (mc);
    close_socket (ms);
    close_socket (mc);
}

/* The connect side leaves: DISCONNECTED [accepted fd] on the bind side. */
static void peer_close (void *ctx)
{
    char ep[256];
    mon_event_t accepted, e;
    void *srv = test_socket (ctx, ZMQ_PAIR);
    void *cli = test_socket (ctx, ZMQ_PAIR);
    void *ms = mon_start (ctx, srv, "inproc://mon-srv2",
                          ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED);
    bind_loopback (srv, ep, sizeof ep);
    CHECK_RC (zmq_connect (cli, ep));
    accepted = mon_expect (ms, ZMQ_EVENT_ACCEPTED, ep);
    SEND_STR (cli, "x", 0);
    RECV_STR (srv, "x", 0);
    close_socket (cli);
    e = mon_expect (ms, ZMQ_EVENT_DISCONNECTED, ep);
    CHECK_EQ (e.value, accepted.value);
    close_socket (srv);
    close_socket (ms);
}

int main (void)
{
    void *ctx;
    test_start (30);
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    refused_tcp (ctx);
    connect_timeout (ctx);
    refused_ipc (ctx);
    connection (ctx, "tcp");
    connection (ctx, "ipc");
    peer_close (ctx);
    term_ctx (ctx);
    printf ("OK\n");
    return 0;
}
