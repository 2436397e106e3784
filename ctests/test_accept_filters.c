/* ZMQ_TCP_ACCEPT_FILTER and ZMQ_IPC_FILTER_UID/GID/PID take effect: a peer
 * that matches no filter is disconnected at accept (a raw client sees EOF
 * instead of the ZMTP greeting, and ZeroMQ messages never arrive); a
 * matching peer is served. Filters are copied at bind time. */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

/* Reads the first byte the listener sends a raw client: 1 if it is the
 * ZMTP signature's 0xFF, 0 on EOF (refused). Fails on timeout. */
static int first_byte_is_greeting (int fd)
{
    struct pollfd p;
    unsigned char b = 0;
    ssize_t n;
    p.fd = fd;
    p.events = POLLIN;
    p.revents = 0;
    CHECK (poll (&p, 1, 3000) == 1);
    n = recv (fd, &b, 1, 0);
    close (fd);
    if (n == 1 && b == 0xFF)
        return 1;
    CHECK (n == 0 || (n == -1 && errno == ECONNRESET));
    return 0;
}

static int probe_tcp (const char *endpoint)
{
    const char *colon = strrchr (endpoint, ':');
    struct sockaddr_in sa;
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    CHECK (fd >= 0 && colon != NULL);
    memset (&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons ((unsigned short) atoi (colon + 1));
    sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    CHECK_RC (connect (fd, (struct sockaddr *) &sa, sizeof sa));
    return first_byte_is_greeting (fd);
}

static int probe_ipc (const char *endpoint)
{
    struct sockaddr_un sa;
    int fd = socket (AF_UNIX, SOCK_STREAM, 0);
    CHECK (fd >= 0);
    memset (&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf (sa.sun_path, sizeof sa.sun_path, "%s", endpoint + 6);
    CHECK_RC (connect (fd, (struct sockaddr *) &sa, sizeof sa));
    return first_byte_is_greeting (fd);
}

/* A PUSH connected to `ep` gets its message to `pull` (1) or not (0).
 * `expect` sets the wait: long for a delivery, short for a refusal (a
 * refused peer never gets through, however long one waits). */
static int delivers_within (void *ctx, void *pull, const char *ep, int expect)
{
    char buf[16];
    int rc;
    void *push = test_socket (ctx, ZMQ_PUSH);
    CHECK_RC (zmq_connect (push, ep));
    CHECK_EQ (zmq_send (push, "m", 1, ZMQ_DONTWAIT), 1);
    rc = recv_str_timeout (pull, buf, sizeof buf, expect ? 5000 : 400);
    close_socket (push);
    return rc == 1;
}

#define delivers(ctx, pull, ep) delivers_within (ctx, pull, ep, 1)
#define refused(ctx, pull, ep) (!delivers_within (ctx, pull, ep, 0))

static void *bind_tcp_with_filters (void *ctx, const char **filters,
                                    char *ep, size_t len)
{
    void *pull = test_socket (ctx, ZMQ_PULL);
    for (; *filters; filters++)
        CHECK_RC (zmq_setsockopt (pull, ZMQ_TCP_ACCEPT_FILTER, *filters,
                                  strlen (*filters)));
    bind_loopback (pull, ep, len);
    return pull;
}

static void tcp_filters (void *ctx)
{
    char ep[256];
    const char *none[] = {NULL};
    const char *other[] = {"10.1.2.3", "192.168.0.0/16", NULL};
    const char *exact[] = {"10.1.2.3", "127.0.0.1", NULL};
    const char *prefix[] = {"127.0.0.0/8", NULL};
    const char *zero[] = {"0.0.0.0/0", NULL};
    void *s;

    s = bind_tcp_with_filters (ctx, none, ep, sizeof ep);
    CHECK (probe_tcp (ep));
    close_socket (s);

    s = bind_tcp_with_filters (ctx, other, ep, sizeof ep);
    CHECK (!probe_tcp (ep));
    CHECK (refused (ctx, s, ep));
    close_socket (s);

    s = bind_tcp_with_filters (ctx, exact, ep, sizeof ep);
    CHECK (probe_tcp (ep));
    CHECK (delivers (ctx, s, ep));
    close_socket (s);

    s = bind_tcp_with_filters (ctx, prefix, ep, sizeof ep);
    CHECK (probe_tcp (ep));
    close_socket (s);

    s = bind_tcp_with_filters (ctx, zero, ep, sizeof ep);
    CHECK (probe_tcp (ep));
    close_socket (s);

    /* (NULL, 0) clears the list; a filter set after bind does not change
     * the listener already made (options are copied at bind). */
    s = bind_tcp_with_filters (ctx, other, ep, sizeof ep);
    CHECK_RC (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, NULL, 0));
    CHECK (!probe_tcp (ep));
    bind_loopback (s, ep, sizeof ep);
    CHECK (probe_tcp (ep));
    close_socket (s);
}

/* With ZMQ_IPV6 on (set before the filter), an IPv4 filter matches IPv4
 * peers of the dual-stack listener (they appear IPv4-mapped). */
static void tcp_filters_ipv6 (void *ctx)
{
    char ep[256];
    void *s;
    int probe = socket (AF_INET6, SOCK_STREAM, 0);
    if (probe < 0) {
        printf ("ipv6 filters: skipped (no IPv6)\n");
        return;
    }
    close (probe);
    s = test_socket (ctx, ZMQ_PULL);
    set_int (s, ZMQ_IPV6, 1);
    CHECK_RC (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, "127.0.0.1", 9));
    bind_loopback (s, ep, sizeof ep);
    CHECK (probe_tcp (ep));
    CHECK (delivers (ctx, s, ep));
    close_socket (s);

    s = test_socket (ctx, ZMQ_PULL);
    set_int (s, ZMQ_IPV6, 1);
    CHECK_RC (zmq_setsockopt (s, ZMQ_TCP_ACCEPT_FILTER, "10.0.0.1", 8));
    bind_loopback (s, ep, sizeof ep);
    CHECK (!probe_tcp (ep));
    close_socket (s);
}

static void ipc_filter_case (void *ctx, int option, int value, int allowed)
{
    static int n;
    char ep[256], name[32];
    void *pull = test_socket (ctx, ZMQ_PULL);
    snprintf (name, sizeof name, "filter-%d", ++n);
    ipc_endpoint (ep, sizeof ep, name);
    CHECK_RC (zmq_setsockopt (pull, option, &value, sizeof value));
    CHECK_RC (zmq_bind (pull, ep));
    CHECK_EQ (probe_ipc (ep), allowed);
    if (allowed)
        CHECK (delivers (ctx, pull, ep));
    else
        CHECK (refused (ctx, pull, ep));
    close_socket (pull);
}

static void ipc_filters (void *ctx)
{
    int uid = (int) getuid (), gid = (int) getgid (), pid = (int) getpid ();
    ipc_filter_case (ctx, ZMQ_IPC_FILTER_UID, uid, 1);
    ipc_filter_case (ctx, ZMQ_IPC_FILTER_UID, uid + 4242, 0);
    ipc_filter_case (ctx, ZMQ_IPC_FILTER_GID, gid, 1);
    ipc_filter_case (ctx, ZMQ_IPC_FILTER_GID, gid + 4242, 0);
    ipc_filter_case (ctx, ZMQ_IPC_FILTER_PID, pid, 1);
    ipc_filter_case (ctx, ZMQ_IPC_FILTER_PID, pid + 4242, 0);
}

int main (void)
{
    void *ctx;
    test_start (60);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    tcp_filters (ctx);
    tcp_filters_ipv6 (ctx);
    ipc_filters (ctx);
    term_ctx (ctx);
    printf ("test_accept_filters: ok\n");
    return 0;
}
