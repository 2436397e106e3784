/* Walks the whole stable API of zmq.h: every socket type opens, every
 * context option and every socket option is answered (set with a valid
 * value on a socket type it applies to, read back where readable), and
 * every stable function runs — none of them answers ENOTSUP (the security
 * options and zmq_curve_keypair/_public included). tests/stable_api.rs
 * checks that every function,
 * socket type, context option and socket option of the real libzmq header
 * (/usr/include/zmq.h) is named in this file.
 */
#include "testutil.h"

#include <sys/uio.h>

enum kind { INT, I64, U64, STR, BIN, RO, WO_STR, WO_INT };

struct opt {
    const char *name;
    int option;
    enum kind kind;
    int type;        /* a socket type it applies to */
    int value;       /* INT value */
    const char *str; /* STR/BIN/WO_STR value */
};

#define O(n, k, t, v) {#n, n, k, t, v, NULL}
#define S(n, k, t, s) {#n, n, k, t, 0, s}
#define SEC(n, k, s) {#n, n, k, ZMQ_DEALER, 1, s}

static const struct opt opts[] = {
    O (ZMQ_AFFINITY, U64, ZMQ_DEALER, 1),
    S (ZMQ_ROUTING_ID, BIN, ZMQ_DEALER, "walker"),
    S (ZMQ_SUBSCRIBE, WO_STR, ZMQ_SUB, "topic"),
    S (ZMQ_UNSUBSCRIBE, WO_STR, ZMQ_SUB, "topic"),
    O (ZMQ_RATE, INT, ZMQ_DEALER, 200),
    O (ZMQ_RECOVERY_IVL, INT, ZMQ_DEALER, 5000),
    O (ZMQ_SNDBUF, INT, ZMQ_DEALER, 65536),
    O (ZMQ_RCVBUF, INT, ZMQ_DEALER, 65536),
    O (ZMQ_RCVMORE, RO, ZMQ_DEALER, 0),
    O (ZMQ_FD, RO, ZMQ_DEALER, 0),
    O (ZMQ_EVENTS, RO, ZMQ_DEALER, 0),
    O (ZMQ_TYPE, RO, ZMQ_DEALER, 0),
    O (ZMQ_LINGER, INT, ZMQ_DEALER, 10),
    O (ZMQ_RECONNECT_IVL, INT, ZMQ_DEALER, 50),
    O (ZMQ_BACKLOG, INT, ZMQ_DEALER, 10),
    O (ZMQ_RECONNECT_IVL_MAX, INT, ZMQ_DEALER, 500),
    O (ZMQ_MAXMSGSIZE, I64, ZMQ_DEALER, 4096),
    O (ZMQ_SNDHWM, INT, ZMQ_DEALER, 10),
    O (ZMQ_RCVHWM, INT, ZMQ_DEALER, 10),
    O (ZMQ_MULTICAST_HOPS, INT, ZMQ_DEALER, 2),
    O (ZMQ_RCVTIMEO, INT, ZMQ_DEALER, 100),
    O (ZMQ_SNDTIMEO, INT, ZMQ_DEALER, 100),
    O (ZMQ_LAST_ENDPOINT, RO, ZMQ_DEALER, 0),
    O (ZMQ_ROUTER_MANDATORY, WO_INT, ZMQ_ROUTER, 1),
    O (ZMQ_TCP_KEEPALIVE, INT, ZMQ_DEALER, 1),
    O (ZMQ_TCP_KEEPALIVE_CNT, INT, ZMQ_DEALER, 3),
    O (ZMQ_TCP_KEEPALIVE_IDLE, INT, ZMQ_DEALER, 30),
    O (ZMQ_TCP_KEEPALIVE_INTVL, INT, ZMQ_DEALER, 5),
    O (ZMQ_IMMEDIATE, INT, ZMQ_DEALER, 1),
    O (ZMQ_XPUB_VERBOSE, WO_INT, ZMQ_XPUB, 1),
    O (ZMQ_ROUTER_RAW, WO_INT, ZMQ_ROUTER, 1),
    O (ZMQ_IPV6, INT, ZMQ_DEALER, 1),
    O (ZMQ_MECHANISM, RO, ZMQ_DEALER, 0),
    SEC (ZMQ_PLAIN_SERVER, INT, NULL),
    SEC (ZMQ_PLAIN_USERNAME, STR, "admin"),
    SEC (ZMQ_PLAIN_PASSWORD, STR, "secret"),
    SEC (ZMQ_CURVE_SERVER, INT, NULL),
    SEC (ZMQ_CURVE_PUBLICKEY, STR, "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"),
    SEC (ZMQ_CURVE_SECRETKEY, STR, "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"),
    SEC (ZMQ_CURVE_SERVERKEY, STR, "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"),
    O (ZMQ_PROBE_ROUTER, WO_INT, ZMQ_DEALER, 1),
    O (ZMQ_REQ_CORRELATE, WO_INT, ZMQ_REQ, 1),
    O (ZMQ_REQ_RELAXED, WO_INT, ZMQ_REQ, 1),
    O (ZMQ_CONFLATE, INT, ZMQ_DEALER, 1),
    SEC (ZMQ_ZAP_DOMAIN, STR, "global"),
    O (ZMQ_ROUTER_HANDOVER, WO_INT, ZMQ_ROUTER, 1),
    O (ZMQ_TOS, INT, ZMQ_DEALER, 0x10),
    S (ZMQ_CONNECT_ROUTING_ID, WO_STR, ZMQ_ROUTER, "peer"),
    O (ZMQ_GSSAPI_SERVER, INT, ZMQ_DEALER, 1),
    S (ZMQ_GSSAPI_PRINCIPAL, STR, ZMQ_DEALER, "principal"),
    S (ZMQ_GSSAPI_SERVICE_PRINCIPAL, STR, ZMQ_DEALER, "service"),
    O (ZMQ_GSSAPI_PLAINTEXT, INT, ZMQ_DEALER, 1),
    O (ZMQ_HANDSHAKE_IVL, INT, ZMQ_DEALER, 1000),
    S (ZMQ_SOCKS_PROXY, STR, ZMQ_DEALER, "127.0.0.1:1080"),
    O (ZMQ_XPUB_NODROP, WO_INT, ZMQ_XPUB, 1),
    O (ZMQ_XPUB_MANUAL, WO_INT, ZMQ_XPUB, 1),
    S (ZMQ_XPUB_WELCOME_MSG, WO_STR, ZMQ_XPUB, "welcome"),
    O (ZMQ_STREAM_NOTIFY, WO_INT, ZMQ_STREAM, 0),
    O (ZMQ_INVERT_MATCHING, INT, ZMQ_PUB, 1),
    O (ZMQ_HEARTBEAT_IVL, INT, ZMQ_DEALER, 100),
    O (ZMQ_HEARTBEAT_TTL, INT, ZMQ_DEALER, 1000),
    O (ZMQ_HEARTBEAT_TIMEOUT, INT, ZMQ_DEALER, 1000),
    O (ZMQ_XPUB_VERBOSER, WO_INT, ZMQ_XPUB, 1),
    O (ZMQ_CONNECT_TIMEOUT, INT, ZMQ_DEALER, 1000),
    O (ZMQ_TCP_MAXRT, INT, ZMQ_DEALER, 1000),
    O (ZMQ_THREAD_SAFE, RO, ZMQ_DEALER, 0),
    O (ZMQ_MULTICAST_MAXTPDU, INT, ZMQ_DEALER, 1400),
    O (ZMQ_VMCI_BUFFER_SIZE, U64, ZMQ_DEALER, 4096),
    O (ZMQ_VMCI_BUFFER_MIN_SIZE, U64, ZMQ_DEALER, 4096),
    O (ZMQ_VMCI_BUFFER_MAX_SIZE, U64, ZMQ_DEALER, 4096),
    O (ZMQ_VMCI_CONNECT_TIMEOUT, INT, ZMQ_DEALER, 1000),
    O (ZMQ_USE_FD, INT, ZMQ_DEALER, -1),
    O (ZMQ_GSSAPI_PRINCIPAL_NAMETYPE, INT, ZMQ_DEALER, ZMQ_GSSAPI_NT_USER_NAME),
    O (ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE, INT, ZMQ_DEALER,
       ZMQ_GSSAPI_NT_KRB5_PRINCIPAL),
    S (ZMQ_BINDTODEVICE, STR, ZMQ_DEALER, "lo"),
    S (ZMQ_IDENTITY, BIN, ZMQ_DEALER, "walker2"),
    S (ZMQ_CONNECT_RID, WO_STR, ZMQ_ROUTER, "peer2"),
    S (ZMQ_TCP_ACCEPT_FILTER, WO_STR, ZMQ_DEALER, "127.0.0.1"),
    O (ZMQ_IPC_FILTER_PID, WO_INT, ZMQ_DEALER, 0),
    O (ZMQ_IPC_FILTER_UID, WO_INT, ZMQ_DEALER, 0),
    O (ZMQ_IPC_FILTER_GID, WO_INT, ZMQ_DEALER, 0),
    O (ZMQ_IPV4ONLY, INT, ZMQ_DEALER, 0),
    O (ZMQ_DELAY_ATTACH_ON_CONNECT, INT, ZMQ_DEALER, 1),
    O (ZMQ_FAIL_UNROUTABLE, WO_INT, ZMQ_ROUTER, 1),
    O (ZMQ_ROUTER_BEHAVIOR, WO_INT, ZMQ_ROUTER, 1),
};

/* The option is answered: success, or an error other than ENOTSUP. */
static void check_answered (const struct opt *o, const char *what, int rc)
{
    if (rc == 0 || errno != ENOTSUP)
        return;
    FAIL ("%s(%s) answered ENOTSUP", what, o->name);
}

static void walk_option (void *ctx, const struct opt *o, int gssapi)
{
    void *s = zmq_socket (ctx, o->type);
    unsigned char buf[256];
    size_t len = sizeof buf;
    int rc;
    CHECK (s != NULL);
    errno = 0;
    switch (o->kind) {
        case INT:
        case WO_INT: {
            int v = o->option == ZMQ_IPC_FILTER_UID   ? (int) getuid ()
                    : o->option == ZMQ_IPC_FILTER_GID ? (int) getgid ()
                    : o->option == ZMQ_IPC_FILTER_PID ? (int) getpid ()
                                                      : o->value;
            rc = zmq_setsockopt (s, o->option, &v, sizeof v);
            break;
        }
        case I64: {
            int64_t v = o->value;
            rc = zmq_setsockopt (s, o->option, &v, sizeof v);
            break;
        }
        case U64: {
            uint64_t v = (uint64_t) o->value;
            rc = zmq_setsockopt (s, o->option, &v, sizeof v);
            break;
        }
        case STR:
        case BIN:
        case WO_STR:
            rc = zmq_setsockopt (s, o->option, o->str, strlen (o->str));
            break;
        default: /* read-only: setting it is EINVAL */
            rc = zmq_setsockopt (s, o->option, buf, sizeof (int));
            if (rc != -1 || errno != EINVAL)
                FAIL ("zmq_setsockopt(%s) on a read-only option: rc %d errno %d",
                      o->name, rc, errno);
            break;
    }
    check_answered (o, "zmq_setsockopt", rc);
    /* Applicable, valid values are accepted, except the options of
     * transports and mechanisms the library is built without. */
    if (rc != 0 && o->kind != RO
        && strncmp (o->name, "ZMQ_VMCI", 8) != 0
        && !(strncmp (o->name, "ZMQ_GSSAPI", 10) == 0 && !gssapi))
        FAIL ("zmq_setsockopt(%s) failed: errno %d", o->name, errno);

    len = o->kind == I64 || o->kind == U64 ? 8
          : o->kind == INT || o->kind == WO_INT || (o->kind == RO && o->option != ZMQ_LAST_ENDPOINT)
            ? sizeof (int)
          /* CURVE keys read back as 32 bytes or 41-byte Z85 only. */
          : o->option == ZMQ_CURVE_PUBLICKEY || o->option == ZMQ_CURVE_SECRETKEY
              || o->option == ZMQ_CURVE_SERVERKEY
            ? 41
            : sizeof buf;
    errno = 0;
    rc = zmq_getsockopt (s, o->option, buf, &len);
    check_answered (o, "zmq_getsockopt", rc);
    /* Everything but the write-only options can be read back (libzmq
     * cannot read most socket-type options and the IPC filters). */
    if (rc != 0 && o->kind != WO_STR && o->kind != WO_INT
        && strncmp (o->name, "ZMQ_VMCI", 8) != 0
        && !(strncmp (o->name, "ZMQ_GSSAPI", 10) == 0 && !gssapi))
        FAIL ("zmq_getsockopt(%s) failed: errno %d", o->name, errno);
    CHECK_RC (zmq_close (s));
}

static void walk_ctx_options (void)
{
    static const struct {
        const char *name;
        int option, value, settable;
    } copts[] = {
        {"ZMQ_IO_THREADS", ZMQ_IO_THREADS, 2, 1},
        {"ZMQ_MAX_SOCKETS", ZMQ_MAX_SOCKETS, 512, 1},
        {"ZMQ_SOCKET_LIMIT", ZMQ_SOCKET_LIMIT, 0, 0},
        {"ZMQ_THREAD_PRIORITY", ZMQ_THREAD_PRIORITY, 0, 1},
        {"ZMQ_THREAD_SCHED_POLICY", ZMQ_THREAD_SCHED_POLICY, 0, 1},
        {"ZMQ_MAX_MSGSZ", ZMQ_MAX_MSGSZ, 1 << 20, 1},
        {"ZMQ_MSG_T_SIZE", ZMQ_MSG_T_SIZE, 0, 0},
        {"ZMQ_THREAD_AFFINITY_CPU_ADD", ZMQ_THREAD_AFFINITY_CPU_ADD, 0, 1},
        {"ZMQ_THREAD_AFFINITY_CPU_REMOVE", ZMQ_THREAD_AFFINITY_CPU_REMOVE, 0, 1},
        {"ZMQ_THREAD_NAME_PREFIX", ZMQ_THREAD_NAME_PREFIX, 7, 1},
        {"ZMQ_BLOCKY", ZMQ_BLOCKY, 0, 1},
    };
    size_t i;
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    CHECK_EQ (ZMQ_IO_THREADS_DFLT, 1);
    CHECK_EQ (ZMQ_MAX_SOCKETS_DFLT, 1023);
    CHECK_EQ (ZMQ_THREAD_PRIORITY_DFLT, -1);
    CHECK_EQ (ZMQ_THREAD_SCHED_POLICY_DFLT, -1);
    for (i = 0; i < sizeof copts / sizeof copts[0]; i++) {
        int rc;
        errno = 0;
        rc = zmq_ctx_set (ctx, copts[i].option, copts[i].value);
        if (copts[i].settable && rc != 0)
            FAIL ("zmq_ctx_set(%s) failed: errno %d", copts[i].name, errno);
        if (rc != 0 && errno == ENOTSUP)
            FAIL ("zmq_ctx_set(%s) answered ENOTSUP", copts[i].name);
        errno = 0;
        rc = zmq_ctx_get (ctx, copts[i].option);
        if (rc == -1 && errno == ENOTSUP)
            FAIL ("zmq_ctx_get(%s) answered ENOTSUP", copts[i].name);
    }
    CHECK_RC (zmq_ctx_term (ctx));
}

/* zmq_proxy, zmq_proxy_steerable and zmq_device on a context that is shut
 * down end with ETERM (not ENOTSUP). */
static void walk_proxies (void)
{
    void *ctx = zmq_ctx_new ();
    void *f = zmq_socket (ctx, ZMQ_ROUTER);
    void *b = zmq_socket (ctx, ZMQ_DEALER);
    CHECK (f != NULL && b != NULL);
    CHECK_RC (zmq_ctx_shutdown (ctx));
    CHECK_ERR (zmq_proxy (f, b, NULL), ETERM);
    CHECK_ERR (zmq_proxy_steerable (f, b, NULL, NULL), ETERM);
    CHECK_ERR (zmq_device (ZMQ_QUEUE, f, b), ETERM);
    CHECK_ERR (zmq_device (ZMQ_FORWARDER, f, b), ETERM);
    CHECK_ERR (zmq_device (ZMQ_STREAMER, f, b), ETERM);
    CHECK_ERR (zmq_send (b, "x", 1, ZMQ_NOBLOCK), ETERM);
    CHECK_RC (zmq_close (f));
    CHECK_RC (zmq_close (b));
    CHECK_RC (zmq_ctx_term (ctx));
}

static void thread_fn (void *arg)
{
    *(int *) arg = 1;
}

/* The utility functions and the iovec calls. */
static void walk_utilities (void)
{
    void *ctx = zmq_ctx_new ();
    void *a = zmq_socket (ctx, ZMQ_PAIR), *b = zmq_socket (ctx, ZMQ_PAIR);
    struct iovec out[2], in[2];
    size_t count = 2;
    int ran = 0;
    void *watch, *thread;
    CHECK_RC (zmq_bind (a, "inproc://stable-api.iov"));
    CHECK_RC (zmq_connect (b, "inproc://stable-api.iov"));
    out[0].iov_base = (void *) "ab";
    out[0].iov_len = 2;
    out[1].iov_base = (void *) "cde";
    out[1].iov_len = 3;
    CHECK_RC (zmq_sendiov (a, out, 2, 0));
    CHECK_RC (zmq_recviov (b, in, &count, 0));
    /* libzmq 4.3.4 may stop after the first frame: check what came. */
    CHECK (count >= 1 && count <= 2);
    CHECK (in[0].iov_len == 2 && memcmp (in[0].iov_base, "ab", 2) == 0);
    if (count == 2)
        CHECK (in[1].iov_len == 3 && memcmp (in[1].iov_base, "cde", 3) == 0);
    while (count > 0)
        free (in[--count].iov_base);
    CHECK_RC (zmq_close (a));
    CHECK_RC (zmq_close (b));
    CHECK_RC (zmq_ctx_term (ctx));

    watch = zmq_stopwatch_start ();
    zmq_sleep (0);
    (void) zmq_stopwatch_intermediate (watch);
    (void) zmq_stopwatch_stop (watch);
    thread = zmq_threadstart (thread_fn, &ran);
    CHECK (thread != NULL);
    zmq_threadclose (thread);
    CHECK_EQ (ran, 1);
}

static void walk_functions (void)
{
    void *ctx = zmq_init (1);
    void *s, *mon;
    char pub[41], sec[41], derived[41];
    int rc;
    CHECK (ctx != NULL);
    s = zmq_socket (ctx, ZMQ_PAIR);
    CHECK (s != NULL);
    CHECK_RC (zmq_socket_monitor (s, "inproc://stable-api.monitor", ZMQ_EVENT_ALL));
    mon = zmq_socket (ctx, ZMQ_PAIR);
    CHECK (mon != NULL);
    CHECK_RC (zmq_connect (mon, "inproc://stable-api.monitor"));
    CHECK_RC (zmq_bind (s, "tcp://127.0.0.1:*"));
    {
        /* LISTENING reaches the monitor: two frames, 6 bytes then the
         * endpoint. */
        zmq_msg_t m;
        uint16_t event;
        int timeout = TEST_TIMEOUT_MS;
        CHECK_RC (zmq_setsockopt (mon, ZMQ_RCVTIMEO, &timeout, sizeof timeout));
        zmq_msg_init (&m);
        CHECK_EQ (zmq_msg_recv (&m, mon, 0), 6);
        memcpy (&event, zmq_msg_data (&m), 2);
        CHECK_EQ (event, ZMQ_EVENT_LISTENING);
        CHECK (zmq_msg_more (&m));
        CHECK_RC (zmq_msg_recv (&m, mon, 0));
        CHECK (zmq_msg_size (&m) > 6);
        zmq_msg_close (&m);
    }
    CHECK_RC (zmq_socket_monitor (s, NULL, 0));
    CHECK_RC (zmq_close (mon));

    errno = 0;
    rc = zmq_curve_keypair (pub, sec);
    CHECK_EQ (rc, 0);
    if (rc == 0) {
        CHECK_RC (zmq_curve_public (derived, sec));
        CHECK_STR (derived, pub);
    }
    CHECK_RC (zmq_close (s));
    CHECK_RC (zmq_term (ctx));
    /* zmq_ctx_destroy is zmq_ctx_term's old name. */
    ctx = zmq_ctx_new ();
    CHECK_RC (zmq_ctx_destroy (ctx));
    {
        zmq_msg_t m;
        CHECK_RC (zmq_msg_init (&m));
        /* No message property is settable: EINVAL (never ENOTSUP). */
        CHECK_ERR (zmq_msg_set (&m, ZMQ_MORE, 1), EINVAL);
        CHECK_RC (zmq_msg_close (&m));
    }
}

int main (void)
{
    int types[] = {ZMQ_PAIR, ZMQ_PUB,  ZMQ_SUB,  ZMQ_REQ,  ZMQ_REP,  ZMQ_DEALER,
                   ZMQ_ROUTER, ZMQ_PULL, ZMQ_PUSH, ZMQ_XPUB, ZMQ_XSUB, ZMQ_STREAM,
                   ZMQ_XREQ, ZMQ_XREP};
    void *ctx;
    size_t i;
    int gssapi;
    test_start (30);
    gssapi = zmq_has ("gssapi");

    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    for (i = 0; i < sizeof types / sizeof types[0]; i++) {
        void *s = zmq_socket (ctx, types[i]);
        if (!s)
            FAIL ("zmq_socket(type %d) failed: errno %d", types[i], errno);
        CHECK_RC (zmq_close (s));
    }
    for (i = 0; i < sizeof opts / sizeof opts[0]; i++)
        walk_option (ctx, &opts[i], gssapi);
    CHECK_RC (zmq_ctx_term (ctx));

    walk_ctx_options ();
    walk_proxies ();
    walk_functions ();
    walk_utilities ();
    return 0;
}
