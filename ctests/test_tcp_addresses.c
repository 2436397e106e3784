/* tcp address forms (N1, N2, R5, X1): interface names, DNS names at
 * connect, wildcards, port 0, `source;dest` connects, IPv6 with ZMQ_IPV6 (and
 * its context default), and the errnos of malformed or unusable addresses.
 * Messages flow over every working form. */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

static void last_endpoint (void *s, char *buf, size_t len)
{
    size_t l = len;
    CHECK_RC (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, buf, &l));
}

/* The port of a resolved "tcp://host:port" endpoint (after the last ':'). */
static int endpoint_port (const char *ep)
{
    const char *colon = strrchr (ep, ':');
    int port;
    CHECK (colon != NULL);
    port = atoi (colon + 1);
    CHECK (port > 0 && port < 65536);
    return port;
}

/* Connects a fresh PUSH to `ep` and checks that a message reaches `pull`;
 * LAST_ENDPOINT of the PUSH is the connect string as given (N2). */
static void check_flow (void *ctx, void *pull, const char *ep)
{
    char got[256];
    void *push = test_socket (ctx, ZMQ_PUSH);
    CHECK_RC (zmq_connect (push, ep));
    last_endpoint (push, got, sizeof got);
    CHECK_STR (got, ep);
    SEND_STR (push, ep, 0);
    RECV_STR (pull, ep, 0);
    close_socket (push);
}

/* Whether a plain socket can bind the IPv6 loopback address. */
static int have_ipv6_loopback (void)
{
    struct sockaddr_in6 sa;
    int fd = socket (AF_INET6, SOCK_STREAM, 0);
    int ok;
    if (fd < 0)
        return 0;
    memset (&sa, 0, sizeof sa);
    sa.sin6_family = AF_INET6;
    sa.sin6_addr = in6addr_loopback;
    sa.sin6_port = 0;
    ok = bind (fd, (struct sockaddr *) &sa, sizeof sa) == 0;
    close (fd);
    return ok;
}

static void ipv4_forms (void *ctx)
{
    char ep[256], conn[300];
    int port;
    void *pull;

    /* interface name: resolves to the interface's address */
    pull = test_socket (ctx, ZMQ_PULL);
    CHECK_RC (zmq_bind (pull, "tcp://lo:*"));
    last_endpoint (pull, ep, sizeof ep);
    CHECK (strncmp (ep, "tcp://127.0.0.1:", 16) == 0);
    port = endpoint_port (ep);
    check_flow (ctx, pull, ep);
    /* a DNS name at connect */
    snprintf (conn, sizeof conn, "tcp://localhost:%d", port);
    check_flow (ctx, pull, conn);
    /* source;dest: bind the local end to 127.0.0.1 on any port */
    snprintf (conn, sizeof conn, "tcp://127.0.0.1:0;127.0.0.1:%d", port);
    check_flow (ctx, pull, conn);
    snprintf (conn, sizeof conn, "tcp://127.0.0.1:*;localhost:%d", port);
    check_flow (ctx, pull, conn);
    /* the source address is really used: the peer sees 127.0.0.2 */
    {
        zmq_msg_t msg;
        const char *peer;
        void *push = test_socket (ctx, ZMQ_PUSH);
        snprintf (conn, sizeof conn, "tcp://127.0.0.2:0;127.0.0.1:%d", port);
        CHECK_RC (zmq_connect (push, conn));
        SEND_STR (push, "from 127.0.0.2", 0);
        CHECK_RC (zmq_msg_init (&msg));
        CHECK_RC (zmq_msg_recv (&msg, pull, 0));
        peer = zmq_msg_gets (&msg, "Peer-Address");
        CHECK_STR (peer, "127.0.0.2");
        CHECK_RC (zmq_msg_close (&msg));
        close_socket (push);
    }
    close_socket (pull);

    /* all interfaces */
    pull = test_socket (ctx, ZMQ_PULL);
    CHECK_RC (zmq_bind (pull, "tcp://*:*"));
    last_endpoint (pull, ep, sizeof ep);
    CHECK (strncmp (ep, "tcp://0.0.0.0:", 14) == 0);
    snprintf (conn, sizeof conn, "tcp://127.0.0.1:%d", endpoint_port (ep));
    check_flow (ctx, pull, conn);
    close_socket (pull);

    /* port 0 is like * */
    pull = test_socket (ctx, ZMQ_PULL);
    CHECK_RC (zmq_bind (pull, "tcp://127.0.0.1:0"));
    last_endpoint (pull, ep, sizeof ep);
    CHECK (strncmp (ep, "tcp://127.0.0.1:", 16) == 0);
    CHECK (strcmp (ep, "tcp://127.0.0.1:0") != 0);
    check_flow (ctx, pull, ep);
    close_socket (pull);
}

static void ipv6_forms (void *ctx)
{
    char ep[256], conn[300];
    int port;
    void *pull, *push;
    void *ctx6;

    if (!have_ipv6_loopback ()) {
        printf ("SKIP: no IPv6 loopback, IPv6 forms not tested\n");
        return;
    }

    /* without ZMQ_IPV6 an IPv6 literal does not bind */
    pull = test_socket (ctx, ZMQ_PULL);
    CHECK_EQ (get_int (pull, ZMQ_IPV6), 0);
    CHECK (zmq_bind (pull, "tcp://[::1]:*") == -1);

    set_int (pull, ZMQ_IPV6, 1);
    CHECK_EQ (get_int (pull, ZMQ_IPV6), 1);
    CHECK_RC (zmq_bind (pull, "tcp://[::1]:*"));
    last_endpoint (pull, ep, sizeof ep);
    CHECK (strncmp (ep, "tcp://[::1]:", 12) == 0);
    port = endpoint_port (ep);

    /* the connecting socket needs ZMQ_IPV6 as well */
    push = test_socket (ctx, ZMQ_PUSH);
    set_int (push, ZMQ_IPV6, 1);
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, "over ipv6", 0);
    RECV_STR (pull, "over ipv6", 0);
    close_socket (push);
    close_socket (pull);

    /* zmq_ctx_set (ZMQ_IPV6) is the default for new sockets */
    ctx6 = zmq_ctx_new ();
    CHECK (ctx6 != NULL);
    CHECK_EQ (zmq_ctx_get (ctx6, ZMQ_IPV6), 0);
    CHECK_RC (zmq_ctx_set (ctx6, ZMQ_IPV6, 1));
    CHECK_EQ (zmq_ctx_get (ctx6, ZMQ_IPV6), 1);
    pull = test_socket (ctx6, ZMQ_PULL);
    push = test_socket (ctx6, ZMQ_PUSH);
    CHECK_EQ (get_int (pull, ZMQ_IPV6), 1);
    CHECK_EQ (get_int (push, ZMQ_IPV6), 1);
    CHECK_RC (zmq_bind (pull, "tcp://[::1]:*"));
    last_endpoint (pull, ep, sizeof ep);
    CHECK (strncmp (ep, "tcp://[::1]:", 12) == 0);
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, "ctx default", 0);
    RECV_STR (pull, "ctx default", 0);
    /* an IPv6 socket still reaches IPv4 peers */
    close_socket (push);
    close_socket (pull);
    pull = test_socket (ctx6, ZMQ_PULL);
    CHECK_RC (zmq_bind (pull, "tcp://127.0.0.1:*"));
    last_endpoint (pull, ep, sizeof ep);
    snprintf (conn, sizeof conn, "tcp://127.0.0.1:%d", endpoint_port (ep));
    check_flow (ctx6, pull, conn);
    close_socket (pull);
    term_ctx (ctx6);
}

static void errors (void *ctx)
{
    void *s = test_socket (ctx, ZMQ_PUSH);
    /* a wildcard port is only for bind */
    CHECK_ERR (zmq_connect (s, "tcp://h:*"), EINVAL);
    CHECK_ERR (zmq_connect (s, "tcp://127.0.0.1:*"), EINVAL);
    /* unknown interface */
    CHECK_ERR (zmq_bind (s, "tcp://no-such-if0:*"), ENODEV);
    /* an address no local interface has (TEST-NET-1) */
    CHECK_ERR (zmq_bind (s, "tcp://192.0.2.1:*"), EADDRNOTAVAIL);
    /* unknown transport */
    CHECK_ERR (zmq_bind (s, "bogus://127.0.0.1:*"), EPROTONOSUPPORT);
    CHECK_ERR (zmq_connect (s, "bogus://127.0.0.1:5555"), EPROTONOSUPPORT);
    /* nothing after the scheme */
    CHECK_ERR (zmq_bind (s, "tcp://"), EINVAL);
    CHECK_ERR (zmq_connect (s, "tcp://"), EINVAL);
    /* no port */
    CHECK_ERR (zmq_connect (s, "tcp://127.0.0.1"), EINVAL);
    /* nothing was bound or connected by the failures */
    {
        char ep[256];
        last_endpoint (s, ep, sizeof ep);
        CHECK_STR (ep, "");
    }
    close_socket (s);
}

int main (void)
{
    void *ctx;
    test_start (20);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    ipv4_forms (ctx);
    ipv6_forms (ctx);
    errors (ctx);
    term_ctx (ctx);
    return 0;
}
