/* The OS-level socket options take effect on the connections themselves:
 * each test reads the option back from the connection's fd, which
 * zmq_msg_get (ZMQ_SRCFD) gives for a message received on it (both the
 * accepted and the connecting end). Also: SRCFD itself, BINDTODEVICE
 * ("lo" works, a missing device is ENODEV), BACKLOG (read back with
 * sock_diag), MAXMSGSIZE, IPV4ONLY, and
 * ZMQ_METADATA properties seen by the peer with zmq_msg_gets. */
#include "testutil.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#ifndef ZMQ_METADATA
#define ZMQ_METADATA 95
#endif
#ifndef ZMQ_BUSY_POLL
#define ZMQ_BUSY_POLL 113
#endif
#ifndef ZMQ_PRIORITY
#define ZMQ_PRIORITY 112
#endif
#ifndef SO_BUSY_POLL
#define SO_BUSY_POLL 46
#endif

static int sockopt (int fd, int level, int name)
{
    int v = -12345;
    socklen_t len = sizeof v;
    CHECK_RC (getsockopt (fd, level, name, &v, &len));
    return v;
}

/* Receives one message on `s` and returns the fd it came in on. */
static int recv_srcfd (void *s, const char *expect)
{
    zmq_msg_t m;
    int fd;
    CHECK_RC (zmq_msg_init (&m));
    CHECK_EQ (zmq_msg_recv (&m, s, 0), (int) strlen (expect));
    CHECK (memcmp (zmq_msg_data (&m), expect, strlen (expect)) == 0);
    fd = zmq_msg_get (&m, ZMQ_SRCFD);
    CHECK (fd >= 0);
    CHECK_RC (zmq_msg_close (&m));
    return fd;
}

/* A REQ/REP round trip over tcp; the fds of the REP's (accepted) and the
 * REQ's (connecting) end of the connection. */
static void round_trip (void *rep, void *req, int *rep_fd, int *req_fd)
{
    char ep[256];
    bind_loopback (rep, ep, sizeof ep);
    CHECK_RC (zmq_connect (req, ep));
    SEND_STR (req, "q", 0);
    *rep_fd = recv_srcfd (rep, "q");
    SEND_STR (rep, "a", 0);
    *req_fd = recv_srcfd (req, "a");
}

static void set_both (void *a, void *b, int option, int value)
{
    set_int (a, option, value);
    set_int (b, option, value);
}

/* ZMQ_SRCFD is the connection's socket: the two ends are each other's
 * peers. An inproc message has no fd (-1). */
static void srcfd (void *ctx)
{
    struct sockaddr_in a, b;
    socklen_t la = sizeof a, lb = sizeof b;
    int rep_fd, req_fd;
    zmq_msg_t m;
    void *rep = test_socket (ctx, ZMQ_REP);
    void *req = test_socket (ctx, ZMQ_REQ);
    round_trip (rep, req, &rep_fd, &req_fd);
    CHECK_RC (getpeername (rep_fd, (struct sockaddr *) &a, &la));
    CHECK_RC (getsockname (req_fd, (struct sockaddr *) &b, &lb));
    CHECK_EQ (ntohs (a.sin_port), ntohs (b.sin_port));
    close_socket (req);
    close_socket (rep);

    rep = test_socket (ctx, ZMQ_PAIR);
    req = test_socket (ctx, ZMQ_PAIR);
    CHECK_RC (zmq_bind (rep, "inproc://srcfd"));
    CHECK_RC (zmq_connect (req, "inproc://srcfd"));
    SEND_STR (req, "x", 0);
    CHECK_RC (zmq_msg_init (&m));
    CHECK_EQ (zmq_msg_recv (&m, rep, 0), 1);
    CHECK_EQ (zmq_msg_get (&m, ZMQ_SRCFD), -1);
    CHECK_RC (zmq_msg_close (&m));
    close_socket (req);
    close_socket (rep);
}

/* TOS, PRIORITY, TCP_MAXRT, TCP_KEEPALIVE*, SNDBUF, RCVBUF (and
 * TCP_NODELAY, always on) on both ends of a connection. */
static void tcp_tuning (void *ctx)
{
    int fds[2], i, prio = 3, has_priority;
    void *rep = test_socket (ctx, ZMQ_REP);
    void *req = test_socket (ctx, ZMQ_REQ);
    set_both (rep, req, ZMQ_TOS, 0x28);
    /* ZMQ_PRIORITY is a draft option: a libzmq built without the draft
     * API (the system's) refuses it. */
    has_priority = zmq_setsockopt (rep, ZMQ_PRIORITY, &prio, sizeof prio) == 0;
#ifndef ZMQ_CTESTS_SYSTEM
    CHECK (has_priority);
#endif
    if (has_priority)
        set_int (req, ZMQ_PRIORITY, prio);
    set_both (rep, req, ZMQ_TCP_MAXRT, 12345);
    set_both (rep, req, ZMQ_TCP_KEEPALIVE, 1);
    set_both (rep, req, ZMQ_TCP_KEEPALIVE_CNT, 7);
    set_both (rep, req, ZMQ_TCP_KEEPALIVE_IDLE, 70);
    set_both (rep, req, ZMQ_TCP_KEEPALIVE_INTVL, 8);
    set_both (rep, req, ZMQ_SNDBUF, 65536);
    set_both (rep, req, ZMQ_RCVBUF, 98304);
    round_trip (rep, req, &fds[0], &fds[1]);
    for (i = 0; i < 2; i++) {
        int fd = fds[i];
        CHECK_EQ (sockopt (fd, IPPROTO_IP, IP_TOS), 0x28);
        if (has_priority)
            CHECK_EQ (sockopt (fd, SOL_SOCKET, SO_PRIORITY), 3);
        CHECK_EQ (sockopt (fd, IPPROTO_TCP, TCP_USER_TIMEOUT), 12345);
        CHECK_EQ (sockopt (fd, SOL_SOCKET, SO_KEEPALIVE), 1);
        CHECK_EQ (sockopt (fd, IPPROTO_TCP, TCP_KEEPCNT), 7);
        CHECK_EQ (sockopt (fd, IPPROTO_TCP, TCP_KEEPIDLE), 70);
        CHECK_EQ (sockopt (fd, IPPROTO_TCP, TCP_KEEPINTVL), 8);
        CHECK_EQ (sockopt (fd, IPPROTO_TCP, TCP_NODELAY), 1);
        /* Linux doubles the value for its bookkeeping. */
        CHECK_EQ (sockopt (fd, SOL_SOCKET, SO_SNDBUF), 2 * 65536);
        CHECK_EQ (sockopt (fd, SOL_SOCKET, SO_RCVBUF), 2 * 98304);
    }
    close_socket (req);
    close_socket (rep);

    /* TCP_KEEPALIVE 0 turns keepalives off explicitly. */
    rep = test_socket (ctx, ZMQ_REP);
    req = test_socket (ctx, ZMQ_REQ);
    set_both (rep, req, ZMQ_TCP_KEEPALIVE, 0);
    round_trip (rep, req, &fds[0], &fds[1]);
    CHECK_EQ (sockopt (fds[0], SOL_SOCKET, SO_KEEPALIVE), 0);
    CHECK_EQ (sockopt (fds[1], SOL_SOCKET, SO_KEEPALIVE), 0);
    close_socket (req);
    close_socket (rep);
}

#ifndef ZMQ_CTESTS_SYSTEM
/* ZMQ_BUSY_POLL (draft, libzmq 4.3.5; not in the system's 4.3.4). Raising
 * SO_BUSY_POLL needs CAP_NET_ADMIN: checked only when we have it. */
static void busy_poll (void *ctx)
{
    int fds[2];
    void *rep, *req;
    int probe = socket (AF_INET, SOCK_STREAM, 0), v = 50;
    int allowed = setsockopt (probe, SOL_SOCKET, SO_BUSY_POLL, &v, sizeof v) == 0;
    close (probe);
    if (!allowed) {
        printf ("busy_poll: skipped (no CAP_NET_ADMIN)\n");
        return;
    }
    rep = test_socket (ctx, ZMQ_REP);
    req = test_socket (ctx, ZMQ_REQ);
    set_both (rep, req, ZMQ_BUSY_POLL, 50);
    round_trip (rep, req, &fds[0], &fds[1]);
    CHECK_EQ (sockopt (fds[0], SOL_SOCKET, SO_BUSY_POLL), 50);
    CHECK_EQ (sockopt (fds[1], SOL_SOCKET, SO_BUSY_POLL), 50);
    close_socket (req);
    close_socket (rep);
}
#endif

/* BINDTODEVICE "lo": both ends are bound to it (where the kernel lets us);
 * an unknown device makes zmq_bind fail with ENODEV. */
static void bindtodevice (void *ctx)
{
    char dev[IFNAMSIZ + 1];
    socklen_t len = sizeof dev;
    int fds[2], i;
    void *rep, *req;
    int probe = socket (AF_INET, SOCK_STREAM, 0);
    int allowed = setsockopt (probe, SOL_SOCKET, SO_BINDTODEVICE, "lo", 2) == 0;
    close (probe);

    rep = test_socket (ctx, ZMQ_REP);
    CHECK_RC (zmq_setsockopt (rep, ZMQ_BINDTODEVICE, "nosuchdev0", 10));
    CHECK_ERR (zmq_bind (rep, "tcp://127.0.0.1:*"), ENODEV);
    close_socket (rep);

    /* A connect accepts it and every attempt fails: nothing arrives. */
    {
        char ep[256], buf[8];
        void *pull = test_socket (ctx, ZMQ_PULL);
        void *push = test_socket (ctx, ZMQ_PUSH);
        bind_loopback (pull, ep, sizeof ep);
        CHECK_RC (zmq_setsockopt (push, ZMQ_BINDTODEVICE, "nosuchdev0", 10));
        set_int (push, ZMQ_RECONNECT_IVL, 10);
        CHECK_RC (zmq_connect (push, ep));
        CHECK_EQ (zmq_send (push, "x", 1, ZMQ_DONTWAIT), 1);
        CHECK_ERR (recv_str_timeout (pull, buf, sizeof buf, 300), EAGAIN);
        close_socket (push);
        close_socket (pull);
    }

    if (!allowed) {
        printf ("bindtodevice lo: skipped (not permitted)\n");
        return;
    }
    rep = test_socket (ctx, ZMQ_REP);
    req = test_socket (ctx, ZMQ_REQ);
    CHECK_RC (zmq_setsockopt (rep, ZMQ_BINDTODEVICE, "lo", 2));
    CHECK_RC (zmq_setsockopt (req, ZMQ_BINDTODEVICE, "lo", 2));
    round_trip (rep, req, &fds[0], &fds[1]);
    for (i = 0; i < 2; i++) {
        len = sizeof dev;
        memset (dev, 0, sizeof dev);
        CHECK_RC (getsockopt (fds[i], SOL_SOCKET, SO_BINDTODEVICE, dev, &len));
        CHECK_STR (dev, "lo");
    }
    close_socket (req);
    close_socket (rep);
}

/* The listen(2) backlog of the IPv4 tcp listener on `port`, from the
 * kernel's sock_diag (idiag_wqueue of a listening socket), or -1. */
static int listen_backlog (int port)
{
    struct {
        struct nlmsghdr nlh;
        struct inet_diag_req_v2 req;
    } rq;
    char buf[16384];
    int nl = socket (AF_NETLINK, SOCK_DGRAM, NETLINK_SOCK_DIAG), found = -1;
    if (nl < 0)
        return -1;
    memset (&rq, 0, sizeof rq);
    rq.nlh.nlmsg_len = sizeof rq;
    rq.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    rq.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    rq.req.sdiag_family = AF_INET;
    rq.req.sdiag_protocol = IPPROTO_TCP;
    rq.req.idiag_states = 1 << 10; /* TCP_LISTEN */
    if (send (nl, &rq, sizeof rq, 0) != (ssize_t) sizeof rq) {
        close (nl);
        return -1;
    }
    for (;;) {
        ssize_t n = recv (nl, buf, sizeof buf, 0);
        struct nlmsghdr *h = (struct nlmsghdr *) buf;
        if (n <= 0)
            break;
        for (; NLMSG_OK (h, (size_t) n); h = NLMSG_NEXT (h, n)) {
            struct inet_diag_msg *m;
            if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
                close (nl);
                return found;
            }
            m = (struct inet_diag_msg *) NLMSG_DATA (h);
            if (ntohs (m->id.idiag_sport) == port)
                found = (int) m->idiag_wqueue;
        }
    }
    close (nl);
    return found;
}

/* BACKLOG is the listener's listen(2) backlog (default 100). */
static void backlog (void *ctx)
{
    char ep[256];
    void *s = test_socket (ctx, ZMQ_PULL);
    bind_loopback (s, ep, sizeof ep);
    if (listen_backlog (atoi (strrchr (ep, ':') + 1)) < 0) {
        printf ("backlog: skipped (no sock_diag)\n");
        close_socket (s);
        return;
    }
    CHECK_EQ (listen_backlog (atoi (strrchr (ep, ':') + 1)), 100);
    set_int (s, ZMQ_BACKLOG, 7);
    bind_loopback (s, ep, sizeof ep);
    CHECK_EQ (listen_backlog (atoi (strrchr (ep, ':') + 1)), 7);
    close_socket (s);
}

/* MAXMSGSIZE: a message at the limit arrives; one byte over closes that
 * connection and the message is never delivered. (The limit also applies
 * to the handshake's READY command: keep it above that.) */
static void maxmsgsize (void *ctx)
{
    char ep[256], buf[128], big[66];
    int64_t max = 64;
    void *pull = test_socket (ctx, ZMQ_PULL);
    void *push = test_socket (ctx, ZMQ_PUSH);
    memset (big, 'x', 65);
    big[65] = 0;
    CHECK_RC (zmq_setsockopt (pull, ZMQ_MAXMSGSIZE, &max, sizeof max));
    bind_loopback (pull, ep, sizeof ep);
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, big + 1, 0);
    RECV_STR (pull, big + 1, 0);
    SEND_STR (push, big, 0);
    CHECK_ERR (recv_str_timeout (pull, buf, sizeof buf, 300), EAGAIN);
    close_socket (push);
    close_socket (pull);
}

/* IPV4ONLY 0 (= IPV6 1) allows an IPv6 bind; 1 refuses it. */
static void ipv4only (void *ctx)
{
    struct sockaddr_in6 sa;
    int probe = socket (AF_INET6, SOCK_STREAM, 0), ok;
    void *s;
    memset (&sa, 0, sizeof sa);
    sa.sin6_family = AF_INET6;
    sa.sin6_addr = in6addr_loopback;
    ok = probe >= 0 && bind (probe, (struct sockaddr *) &sa, sizeof sa) == 0;
    if (probe >= 0)
        close (probe);
    if (!ok) {
        printf ("ipv4only: skipped (no IPv6 loopback)\n");
        return;
    }
    s = test_socket (ctx, ZMQ_PULL);
    CHECK_EQ (get_int (s, ZMQ_IPV4ONLY), 1);
    CHECK (zmq_bind (s, "tcp://[::1]:*") == -1);
    set_int (s, ZMQ_IPV4ONLY, 0);
    CHECK_EQ (get_int (s, ZMQ_IPV6), 1);
    CHECK_RC (zmq_bind (s, "tcp://[::1]:*"));
    close_socket (s);
}

/* AFFINITY picks the I/O threads a socket's connections may use (a bit
 * per thread): with 2 threads, bit 1 works and bit 2 alone is EMTHREAD. */
static void affinity (void)
{
    char ep[256];
    uint64_t mask;
    void *ctx = zmq_ctx_new ();
    void *pull, *push;
    CHECK (ctx != NULL);
    CHECK_RC (zmq_ctx_set (ctx, ZMQ_IO_THREADS, 2));
    pull = test_socket (ctx, ZMQ_PULL);
    push = test_socket (ctx, ZMQ_PUSH);
    mask = 2;
    CHECK_RC (zmq_setsockopt (pull, ZMQ_AFFINITY, &mask, sizeof mask));
    bind_loopback (pull, ep, sizeof ep);
    mask = 4;
    CHECK_RC (zmq_setsockopt (push, ZMQ_AFFINITY, &mask, sizeof mask));
    CHECK_ERR (zmq_connect (push, ep), EMTHREAD);
    CHECK_ERR (zmq_bind (push, "tcp://127.0.0.1:*"), EMTHREAD);
    mask = 5; /* threads 0 and 2: thread 0 exists */
    CHECK_RC (zmq_setsockopt (push, ZMQ_AFFINITY, &mask, sizeof mask));
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, "aff", 0);
    RECV_STR (pull, "aff", 0);
    close_socket (push);
    close_socket (pull);
    term_ctx (ctx);
}

/* ZMQ_METADATA: "X-" properties travel in READY; the first value set for
 * a name wins; libzmq's validation of the "name:value" form. */
static void metadata (void *ctx)
{
    char ep[256];
    zmq_msg_t m;
    void *router = test_socket (ctx, ZMQ_ROUTER);
    void *dealer = test_socket (ctx, ZMQ_DEALER);
#define SET_MD(s, text) zmq_setsockopt (s, ZMQ_METADATA, text, strlen (text))
    CHECK_RC (SET_MD (dealer, "X-color:red"));
    CHECK_RC (SET_MD (dealer, "X-shape:a square"));
    CHECK_RC (SET_MD (dealer, "X-color:blue"));
    CHECK_ERR (SET_MD (dealer, "color:red"), EINVAL);   /* no X- */
    CHECK_ERR (SET_MD (dealer, "x-color:red"), EINVAL); /* case matters */
    CHECK_ERR (SET_MD (dealer, "X-color"), EINVAL);     /* no colon */
    CHECK_ERR (SET_MD (dealer, "X-color:"), EINVAL);    /* empty value */
    CHECK_ERR (SET_MD (dealer, ":red"), EINVAL);
    CHECK_ERR (SET_MD (dealer, "X-a:"), EINVAL);
#undef SET_MD
    bind_loopback (router, ep, sizeof ep);
    CHECK_RC (zmq_connect (dealer, ep));
    SEND_STR (dealer, "hi", 0);
    CHECK_RC (zmq_msg_init (&m));
    CHECK (zmq_msg_recv (&m, router, 0) >= 0); /* routing id */
    CHECK_EQ (zmq_msg_recv (&m, router, 0), 2);
    CHECK_STR (zmq_msg_gets (&m, "X-color"), "red");
    CHECK_STR (zmq_msg_gets (&m, "X-shape"), "a square");
    CHECK_NULL_ERR (zmq_msg_gets (&m, "X-COLOR"), EINVAL);
    /* The peer's READY says "Identity" (empty here); "Routing-Id" is not a
     * name it sent, and libzmq does not alias it. */
    CHECK_STR (zmq_msg_gets (&m, "Identity"), "");
    CHECK_NULL_ERR (zmq_msg_gets (&m, "Routing-Id"), EINVAL);
    CHECK_RC (zmq_msg_close (&m));
    close_socket (dealer);
    close_socket (router);
}

/* GSSAPI: answered as libzmq built without it (zmq_has 0, EINVAL on set
 * and get); a libzmq built with it (Debian's) keeps the values. */
static void gssapi (void *ctx)
{
    int one = 1, v = 0;
    size_t len = sizeof v;
    void *s = test_socket (ctx, ZMQ_DEALER);
    if (zmq_has ("gssapi")) {
        CHECK_RC (zmq_setsockopt (s, ZMQ_GSSAPI_PLAINTEXT, &one, sizeof one));
        CHECK_RC (zmq_getsockopt (s, ZMQ_GSSAPI_PLAINTEXT, &v, &len));
        CHECK_EQ (v, 1);
    } else {
        CHECK_ERR (zmq_setsockopt (s, ZMQ_GSSAPI_SERVER, &one, sizeof one), EINVAL);
        CHECK_ERR (zmq_setsockopt (s, ZMQ_GSSAPI_PLAINTEXT, &one, sizeof one), EINVAL);
        CHECK_ERR (zmq_setsockopt (s, ZMQ_GSSAPI_PRINCIPAL, "p", 1), EINVAL);
        CHECK_ERR (zmq_getsockopt (s, ZMQ_GSSAPI_SERVER, &v, &len), EINVAL);
        CHECK_ERR (zmq_getsockopt (s, ZMQ_GSSAPI_PLAINTEXT, &v, &len), EINVAL);
        CHECK_EQ (get_int (s, ZMQ_MECHANISM), ZMQ_NULL);
    }
#ifndef ZMQ_CTESTS_SYSTEM
    CHECK_EQ (zmq_has ("gssapi"), 0);
#endif
    close_socket (s);
}

int main (void)
{
    void *ctx;
    test_start (60);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    srcfd (ctx);
    tcp_tuning (ctx);
#ifndef ZMQ_CTESTS_SYSTEM
    busy_poll (ctx);
#endif
    bindtodevice (ctx);
    backlog (ctx);
    maxmsgsize (ctx);
    ipv4only (ctx);
    metadata (ctx);
    gssapi (ctx);
    affinity ();
    term_ctx (ctx);
    printf ("test_sockopt_effects: ok\n");
    return 0;
}
