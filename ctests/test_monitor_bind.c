/* Monitor events of binds (BEHAVIOUR E1, E2, T4): LISTENING [fd] with the
 * resolved endpoint; a port in use gives CLOSED [fd] with no endpoint for
 * the socket libzmq opened, then BIND_FAILED [EADDRINUSE] with the address
 * as given without "tcp://"; unbind gives CLOSED [listener fd]; a wildcard
 * bind names 0.0.0.0 while its accepted connections name the address they
 * were accepted on; closing the socket gives CLOSED for each listener, then
 * MONITOR_STOPPED [0] with an empty endpoint. Other bind failures: a
 * missing ipc directory, a non-local address, an unknown interface. */
#include "testutil.h"

#include "monitor.h"

static void listening_and_unbind (void *ctx)
{
    char ep[256], ep2[256], addr[256];
    mon_event_t listening, e;
    void *s = test_socket (ctx, ZMQ_PAIR);
    void *other = test_socket (ctx, ZMQ_PAIR);
    void *m = mon_start (ctx, s, "inproc://mon-bind", ZMQ_EVENT_ALL);
    void *mo = mon_start (ctx, other, "inproc://mon-other", ZMQ_EVENT_ALL);

    bind_loopback (s, ep, sizeof ep);
    listening = mon_expect (m, ZMQ_EVENT_LISTENING, ep);
    CHECK (listening.value > 2);

    /* The same port again. */
    CHECK_ERR (zmq_bind (other, ep), EADDRINUSE);
    e = mon_expect (mo, ZMQ_EVENT_CLOSED, "");
    CHECK (e.value > 2);
    snprintf (addr, sizeof addr, "%s", ep + strlen ("tcp://"));
    e = mon_expect (mo, ZMQ_EVENT_BIND_FAILED, addr);
    CHECK_EQ (e.value, EADDRINUSE);
    mon_expect_none (mo, 0);

    /* A second listener, then unbind the first: CLOSED [its fd]. */
    bind_loopback (s, ep2, sizeof ep2);
    e = mon_expect (m, ZMQ_EVENT_LISTENING, ep2);
    CHECK (e.value != listening.value);
    CHECK_RC (zmq_unbind (s, ep));
    e = mon_expect (m, ZMQ_EVENT_CLOSED, ep);
    CHECK_EQ (e.value, listening.value);
    mon_expect_none (m, 50);

    /* Close: CLOSED for the remaining listener, then MONITOR_STOPPED. */
    close_socket (s);
    e = mon_expect (m, ZMQ_EVENT_CLOSED, ep2);
    e = mon_expect (m, ZMQ_EVENT_MONITOR_STOPPED, "");
    CHECK_EQ (e.value, 0);
    close_socket (other);
    e = mon_expect (mo, ZMQ_EVENT_MONITOR_STOPPED, "");
    close_socket (m);
    close_socket (mo);
}

static void wildcard (void *ctx)
{
    char ep[256], want[256], local[256];
    int port;
    mon_event_t listening, accepted, e;
    void *s = test_socket (ctx, ZMQ_PAIR);
    void *c = test_socket (ctx, ZMQ_PAIR);
    void *m = mon_start (ctx, s, "inproc://mon-wild", ZMQ_EVENT_ALL);
    size_t l = sizeof ep;
    CHECK_RC (zmq_bind (s, "tcp://*:*"));
    CHECK_RC (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, ep, &l));
    port = ep_port (ep);
    snprintf (want, sizeof want, "tcp://0.0.0.0:%d", port);
    CHECK_STR (ep, want);
    listening = mon_expect (m, ZMQ_EVENT_LISTENING, want);
    snprintf (local, sizeof local, "tcp://127.0.0.1:%d", port);
    CHECK_RC (zmq_connect (c, local));
    accepted = mon_expect (m, ZMQ_EVENT_ACCEPTED, local);
    mon_expect (m, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, local);
    CHECK (accepted.value != listening.value);
    close_socket (c);
    e = mon_expect (m, ZMQ_EVENT_DISCONNECTED, local);
    CHECK_EQ (e.value, accepted.value);
    close_socket (s);
    e = mon_expect (m, ZMQ_EVENT_CLOSED, want);
    CHECK_EQ (e.value, listening.value);
    mon_expect (m, ZMQ_EVENT_MONITOR_STOPPED, "");
    close_socket (m);
}

static void ipc_listener (void *ctx)
{
    char ep[256];
    mon_event_t listening, e;
    void *s = test_socket (ctx, ZMQ_PULL);
    void *m = mon_start (ctx, s, "inproc://mon-ipc", ZMQ_EVENT_ALL);
    ipc_endpoint (ep, sizeof ep, "mon-ipc");
    CHECK_RC (zmq_bind (s, ep));
    listening = mon_expect (m, ZMQ_EVENT_LISTENING, ep);
    CHECK_RC (zmq_unbind (s, ep));
    e = mon_expect (m, ZMQ_EVENT_CLOSED, ep);
    CHECK_EQ (e.value, listening.value);
    close_socket (s);
    mon_expect (m, ZMQ_EVENT_MONITOR_STOPPED, "");
    close_socket (m);
}

/* Other bind failures: a missing ipc directory (CLOSED names the ipc
 * endpoint: libzmq sets it before binding), a non-local address, an
 * unknown interface (nothing opened: BIND_FAILED only). */
static void bind_failures (void *ctx)
{
    char ep[300], want[300];
    mon_event_t e;
    void *s = test_socket (ctx, ZMQ_PAIR);
    void *m = mon_start (ctx, s, "inproc://mon-fail", ZMQ_EVENT_ALL);
    snprintf (ep, sizeof ep, "ipc://%s/missing-dir/x", test_tmpdir ());
    CHECK_ERR (zmq_bind (s, ep), ENOENT);
    e = mon_expect (m, ZMQ_EVENT_CLOSED, ep);
    CHECK (e.value > 2);
    e = mon_expect (m, ZMQ_EVENT_BIND_FAILED, ep + strlen ("ipc://"));
    CHECK_EQ (e.value, ENOENT);

    CHECK_ERR (zmq_bind (s, "tcp://192.0.2.1:5555"), EADDRNOTAVAIL);
    mon_expect (m, ZMQ_EVENT_CLOSED, "");
    e = mon_expect (m, ZMQ_EVENT_BIND_FAILED, "192.0.2.1:5555");
    CHECK_EQ (e.value, EADDRNOTAVAIL);

    /* (libzmq 4.3's zmq_bind errno is not reliable here; the event's is.) */
    CHECK (zmq_bind (s, "tcp://nosuchiface0:*") == -1);
    snprintf (want, sizeof want, "nosuchiface0:*");
    e = mon_expect (m, ZMQ_EVENT_BIND_FAILED, want);
    CHECK_EQ (e.value, ENODEV);
    mon_expect_none (m, 0);
    close_socket (s);
    mon_expect (m, ZMQ_EVENT_MONITOR_STOPPED, "");
    close_socket (m);
}

/* inproc binds raise no event. */
static void inproc_silent (void *ctx)
{
    void *s = test_socket (ctx, ZMQ_PAIR);
    void *m = mon_start (ctx, s, "inproc://mon-inproc", ZMQ_EVENT_ALL);
    CHECK_RC (zmq_bind (s, "inproc://silent"));
    CHECK_RC (zmq_unbind (s, "inproc://silent"));
    mon_expect_none (m, 50);
    close_socket (s);
    mon_expect (m, ZMQ_EVENT_MONITOR_STOPPED, "");
    close_socket (m);
}

int main (void)
{
    void *ctx;
    test_start (30);
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    listening_and_unbind (ctx);
    wildcard (ctx);
    ipc_listener (ctx);
    bind_failures (ctx);
    inproc_silent (ctx);
    term_ctx (ctx);
    printf ("OK\n");
    return 0;
}
