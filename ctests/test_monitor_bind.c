/* Monitor events of binds (BEHAVIOUR E1, E2, T4): LISTENING [fd] with the
 * resolved endpoint; a port in use gives CLOSED [fd] with no endpoint for
 * the socket libzmq opened, then BIND_FAILED [EADDRINUSE] with the address
 * as given without "tcp://"; unbind gives CLOSED [listener fd]; a wildcard
 * bind names 0.0.0.0 while its accepted connections name the address they
 * were accepted on; closing the socket gives CLOSED for each listener, then
 * MONITOR_STOPPED [0] with an empty endpoint. Other bind failures: a
 * missing ipc directory, a non-local address, an unknown interface; no
 * descriptor left to accept a connection: ACCEPT_FAILED [EMFILE]. */
#include "testutil.h"

#include "monitor.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

/* A child process (forked before any context) that connects to the ports
 * it is sent on a pipe, so that the test's own descriptors stay
 * untouched. */
static int child_cmd = -1;
static pid_t child_pid;

static void start_connector (void)
{
    int p[2];
    CHECK_RC (pipe (p));
    child_pid = fork ();
    CHECK (child_pid >= 0);
    if (child_pid == 0) {
        int port, fd = -1;
        close (p[1]);
        while (read (p[0], &port, sizeof port) == sizeof port) {
            struct sockaddr_in sa;
            fd = socket (AF_INET, SOCK_STREAM, 0);
            memset (&sa, 0, sizeof sa);
            sa.sin_family = AF_INET;
            sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
            sa.sin_port = htons ((unsigned short) port);
            if (connect (fd, (struct sockaddr *) &sa, sizeof sa) != 0)
                _exit (2);
        }
        _exit (0);
    }
    close (p[0]);
    child_cmd = p[1];
}

static void stop_connector (void)
{
    int status;
    close (child_cmd);
    CHECK (waitpid (child_pid, &status, 0) == child_pid);
    CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);
}

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

/* No descriptor left for an accepted connection: ACCEPT_FAILED [EMFILE]
 * with the bound endpoint (raised again while the connection waits). */
static void accept_failed (void *ctx)
{
    char ep[256];
    int port, lowest;
    struct rlimit saved, low;
    mon_event_t e;
    void *s = test_socket (ctx, ZMQ_PAIR);
    void *m = mon_start (ctx, s, "inproc://mon-accept-failed",
                         ZMQ_EVENT_ALL & ~ZMQ_EVENT_LISTENING);
    bind_loopback (s, ep, sizeof ep);
    port = ep_port (ep);
    /* Every descriptor below the lowest free one is in use: a limit at
     * that number leaves none for accept. */
    lowest = dup (0);
    CHECK (lowest >= 0);
    close (lowest);
    CHECK_RC (getrlimit (RLIMIT_NOFILE, &saved));
    low = saved;
    low.rlim_cur = (rlim_t) lowest;
    CHECK_RC (setrlimit (RLIMIT_NOFILE, &low));
    CHECK (write (child_cmd, &port, sizeof port) == sizeof port);
    e = mon_expect (m, ZMQ_EVENT_ACCEPT_FAILED, ep);
    CHECK_EQ (e.value, EMFILE);
    close_socket (s);
    mon_until_stopped (m);
    CHECK_RC (setrlimit (RLIMIT_NOFILE, &saved));
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
    start_connector ();
    ctx = zmq_ctx_new ();
    CHECK (ctx);
    /* First: no descriptor of an earlier test is still being closed in
     * the background (libzmq closes them in its reaper thread). */
    accept_failed (ctx);
    listening_and_unbind (ctx);
    wildcard (ctx);
    ipc_listener (ctx);
    bind_failures (ctx);
    inproc_silent (ctx);
    term_ctx (ctx);
    stop_connector ();
    printf ("OK\n");
    return 0;
}
