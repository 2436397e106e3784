/* ZMQ_RECONNECT_STOP (draft): CONN_REFUSED stops reconnecting after a
 * refused connect (a peer that binds later never gets the message);
 * HANDSHAKE_FAILED stops after a connection that broke before the ZMTP
 * handshake completed (a non-ZMTP server sees one connection, not a
 * stream of retries); AFTER_DISCONNECT stops a refused ipc connect once
 * the socket saw a zmq_disconnect. A libzmq built without the draft API refuses the
 * option (EINVAL): then the test only checks that. */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#ifndef ZMQ_RECONNECT_STOP
#define ZMQ_RECONNECT_STOP 109
#define ZMQ_RECONNECT_STOP_CONN_REFUSED 0x1
#define ZMQ_RECONNECT_STOP_HANDSHAKE_FAILED 0x2
#endif
#ifndef ZMQ_RECONNECT_STOP_AFTER_DISCONNECT
#define ZMQ_RECONNECT_STOP_AFTER_DISCONNECT 0x4
#endif

static int raw_listener (int *port)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    int fd = socket (AF_INET, SOCK_STREAM, 0), one = 1;
    CHECK (fd >= 0);
    CHECK_RC (setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    memset (&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    CHECK_RC (bind (fd, (struct sockaddr *) &sa, sizeof sa));
    CHECK_RC (listen (fd, 16));
    CHECK_RC (getsockname (fd, (struct sockaddr *) &sa, &len));
    *port = ntohs (sa.sin_port);
    return fd;
}

/* Queues one message. When the connecter may already have given up (and
 * dropped its pipe), EAGAIN is an answer too. */
static void queue_one (void *push, int stop)
{
    int rc = zmq_send (push, "m", 1, ZMQ_DONTWAIT);
    if (stop)
        CHECK (rc == 1 || errno == EAGAIN);
    else
        CHECK_EQ (rc, 1);
}

/* Connects a PUSH (RECONNECT_IVL 10 ms, RECONNECT_STOP = stop) to a port
 * nobody listens on, binds a PULL there later: delivered or not? */
static int delivered_after_refusal (void *ctx, int stop)
{
    char ep[64], buf[16];
    int port, rc;
    int fd = raw_listener (&port);
    void *push = test_socket (ctx, ZMQ_PUSH), *pull;
    close (fd); /* now refused */
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    set_int (push, ZMQ_RECONNECT_IVL, 10);
    set_int (push, ZMQ_RECONNECT_STOP, stop);
    CHECK_RC (zmq_connect (push, ep));
    queue_one (push, stop);
    sleep_ms (100); /* several refused attempts */
    pull = test_socket (ctx, ZMQ_PULL);
    CHECK_RC (zmq_bind (pull, ep));
    rc = recv_str_timeout (pull, buf, sizeof buf, stop ? 300 : 3000);
    close_socket (push);
    close_socket (pull);
    return rc == 1;
}

/* A server that accepts and closes at once; counts the connections a
 * DEALER makes in 300 ms. */
static int attempts_against_non_zmtp (void *ctx, int stop)
{
    char ep[64];
    int port, n = 0;
    int fd = raw_listener (&port);
    long long deadline = now_ms () + 300;
    void *dealer = test_socket (ctx, ZMQ_DEALER);
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    set_int (dealer, ZMQ_RECONNECT_IVL, 10);
    set_int (dealer, ZMQ_RECONNECT_STOP, stop);
    CHECK_RC (zmq_connect (dealer, ep));
    while (now_ms () < deadline) {
        struct pollfd p;
        p.fd = fd;
        p.events = POLLIN;
        if (poll (&p, 1, 20) == 1) {
            int c = accept (fd, NULL, NULL);
            if (c >= 0) {
                close (c);
                n++;
            }
        }
    }
    close_socket (dealer);
    close (fd);
    return n;
}

/* AFTER_DISCONNECT: once zmq_disconnect was called on the socket, an ipc
 * connect that is refused is not retried. A PUSH queues a message for a
 * stale ipc path (refused), connects and disconnects another endpoint,
 * and a PULL binds the stale path later: delivered or not? */
static int delivered_after_disconnect (void *ctx, int stop)
{
    static int n;
    char stale[300], other[300], name[32], buf[16];
    struct sockaddr_un sa;
    int fd = socket (AF_UNIX, SOCK_STREAM, 0), rc;
    void *push = test_socket (ctx, ZMQ_PUSH), *pull;
    snprintf (name, sizeof name, "stale-%d", ++n);
    ipc_endpoint (stale, sizeof stale, name);
    snprintf (name, sizeof name, "other-%d", n);
    ipc_endpoint (other, sizeof other, name);
    memset (&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf (sa.sun_path, sizeof sa.sun_path, "%s", stale + 6);
    CHECK_RC (bind (fd, (struct sockaddr *) &sa, sizeof sa));
    close (fd); /* the file stays: connecting is refused */

    set_int (push, ZMQ_RECONNECT_IVL, 10);
    set_int (push, ZMQ_RECONNECT_STOP, stop);
    CHECK_RC (zmq_connect (push, stale));
    queue_one (push, stop);
    CHECK_RC (zmq_connect (push, other));
    CHECK_RC (zmq_disconnect (push, other));
    sleep_ms (100); /* refused attempts meanwhile */
    pull = test_socket (ctx, ZMQ_PULL);
    CHECK_RC (zmq_bind (pull, stale));
    rc = recv_str_timeout (pull, buf, sizeof buf, stop ? 300 : 3000);
    close_socket (push);
    close_socket (pull);
    return rc == 1;
}

int main (void)
{
    void *ctx, *s;
    int v = ZMQ_RECONNECT_STOP_CONN_REFUSED, has;
    test_start (30);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    s = test_socket (ctx, ZMQ_DEALER);
    has = zmq_setsockopt (s, ZMQ_RECONNECT_STOP, &v, sizeof v) == 0;
    if (!has)
        CHECK_EQ (errno, EINVAL);
    close_socket (s);
#ifndef ZMQ_CTESTS_SYSTEM
    CHECK (has);
#endif
    if (has) {
        CHECK (delivered_after_refusal (ctx, 0));
        CHECK (!delivered_after_refusal (ctx, ZMQ_RECONNECT_STOP_CONN_REFUSED));
        CHECK (attempts_against_non_zmtp (ctx, 0) >= 2);
        CHECK_EQ (attempts_against_non_zmtp (ctx, ZMQ_RECONNECT_STOP_HANDSHAKE_FAILED), 1);
        CHECK (delivered_after_disconnect (ctx, 0));
#ifndef ZMQ_CTESTS_SYSTEM
        /* libzmq 4.3.4 numbered AFTER_DISCONNECT 0x3 (4.3.5: 0x4). */
        CHECK (!delivered_after_disconnect (ctx, ZMQ_RECONNECT_STOP_AFTER_DISCONNECT));
#endif
    } else {
        printf ("RECONNECT_STOP not built (no draft API): effects skipped\n");
    }
    term_ctx (ctx);
    printf ("test_reconnect_stop: ok\n");
    return 0;
}
