/* How proxies end and wait: -1/ETERM when another thread calls
 * zmq_ctx_term (the proxy thread then closes its sockets and the term
 * completes) or zmq_ctx_shutdown (steerable too); EFAULT for NULL frontend
 * or backend; EINTR on a signal. An idle proxy, one whose destination is
 * at its HWM and one holding a request until a worker connects use (almost)
 * no CPU; nothing is lost behind a full destination, and order is kept. */
#include "testutil.h"
#include "proxyutil.h"

/* Fails if the process used more than a third of the wall time since
 * (t0, cpu0) as CPU time: a spinning thread uses all of it. */
static void check_not_spinning (long long t0, double cpu0, const char *what)
{
    double cpu = cpu_ms () - cpu0;
    long long wall = now_ms () - t0;
    if (cpu > (double) wall / 3)
        FAIL ("%s: %.1f ms CPU in %lld ms", what, cpu, wall);
}

static void test_efault (void)
{
    void *ctx = zmq_ctx_new ();
    void *s = test_socket (ctx, ZMQ_PAIR);
    CHECK_ERR (zmq_proxy (NULL, s, NULL), EFAULT);
    CHECK_ERR (zmq_proxy (s, NULL, NULL), EFAULT);
    CHECK_ERR (zmq_proxy_steerable (NULL, NULL, NULL, s), EFAULT);
    /* (zmq_device skips this check in libzmq 4.3.4 and hangs; ours gives
     * EFAULT too, see the unit test in src/ffi/proxy.rs.) */
    close_socket (s);
    term_ctx (ctx);
}

/* zmq_ctx_term in this thread while the proxy runs in another: the proxy
 * fails with ETERM, closes its sockets, and the term returns. */
static void test_term_from_other_thread (void)
{
    char fe[256], be[256];
    void *ctx = zmq_ctx_new ();
    void *frontend = test_socket (ctx, ZMQ_ROUTER);
    void *backend = test_socket (ctx, ZMQ_DEALER);
    void *client = test_socket (ctx, ZMQ_REQ);
    void *worker = test_socket (ctx, ZMQ_REP);
    proxy_run_t p;
    double cpu0;
    long long t0;

    bind_loopback (frontend, fe, sizeof fe);
    bind_loopback (backend, be, sizeof be);
    CHECK_RC (zmq_connect (client, fe));
    CHECK_RC (zmq_connect (worker, be));
    proxy_start (&p, frontend, backend, NULL, NULL);
    SEND_STR (client, "ping", 0);
    RECV_STR (worker, "ping", 0);
    SEND_STR (worker, "pong", 0);
    RECV_STR (client, "pong", 0);

    /* Idle with live connections: the proxy (and the library) sleep. */
    cpu0 = cpu_ms ();
    t0 = now_ms ();
    sleep_ms (300);
    check_not_spinning (t0, cpu0, "idle proxy");

    close_socket (client);
    close_socket (worker);
    term_ctx (ctx);
    pthread_join (p.thread, NULL);
    CHECK_EQ (p.rc, -1);
    CHECK_EQ (p.err, ETERM);
}

static void test_steerable_shutdown (void)
{
    char fe[256], be[256], ctl[256];
    void *ctx = zmq_ctx_new ();
    void *frontend = test_socket (ctx, ZMQ_XSUB);
    void *backend = test_socket (ctx, ZMQ_XPUB);
    void *control = test_socket (ctx, ZMQ_PAIR);
    proxy_run_t p;

    bind_loopback (frontend, fe, sizeof fe);
    bind_loopback (backend, be, sizeof be);
    bind_transport (control, "inproc", ctl, sizeof ctl);
    proxy_start (&p, frontend, backend, NULL, control);
    sleep_ms (20);
    proxy_stop_eterm (&p, ctx);
    close_socket (control);
    term_ctx (ctx);
}

/* The backend's peer stops reading: the backend fills to its HWM, the
 * proxy stops reading the frontend and waits without spinning; once the
 * consumer reads again every message arrives, in order. */
static void test_blocked_destination (void)
{
    enum { N = 300 };
    char fe[256], be[256];
    void *ctx = zmq_ctx_new ();
    void *frontend = test_socket (ctx, ZMQ_PULL);
    void *backend = test_socket (ctx, ZMQ_PUSH);
    void *producer = test_socket (ctx, ZMQ_PUSH);
    void *consumer = test_socket (ctx, ZMQ_PULL);
    proxy_run_t p;
    double cpu0;
    long long t0;
    int i;

    set_int (backend, ZMQ_SNDHWM, 5);
    set_int (consumer, ZMQ_RCVHWM, 5);
    bind_transport (frontend, "inproc", fe, sizeof fe);
    bind_transport (backend, "inproc", be, sizeof be);
    CHECK_RC (zmq_connect (producer, fe));
    CHECK_RC (zmq_connect (consumer, be));
    proxy_start (&p, frontend, backend, NULL, NULL);

    for (i = 0; i < N; i++) {
        char b[16];
        snprintf (b, sizeof b, "m%d", i);
        SEND_STR (producer, b, 0);
    }
    /* The first one arrives; the rest is stuck behind the HWMs. */
    CHECK (poll_socket (consumer, ZMQ_POLLIN, 5000));
    cpu0 = cpu_ms ();
    t0 = now_ms ();
    sleep_ms (300);
    check_not_spinning (t0, cpu0, "proxy behind a full destination");

    for (i = 0; i < N; i++) {
        char b[16];
        snprintf (b, sizeof b, "m%d", i);
        RECV_STR (consumer, b, 0);
    }
    close_socket (producer);
    close_socket (consumer);
    proxy_stop_eterm (&p, ctx);
    term_ctx (ctx);
}

/* Shutdown while the proxy is blocked sending to a full destination: the
 * blocked send fails with ETERM and so does the proxy. */
static void test_shutdown_while_blocked (void)
{
    enum { N = 300 };
    char fe[256], be[256];
    void *ctx = zmq_ctx_new ();
    void *frontend = test_socket (ctx, ZMQ_PULL);
    void *backend = test_socket (ctx, ZMQ_PUSH);
    void *producer = test_socket (ctx, ZMQ_PUSH);
    void *consumer = test_socket (ctx, ZMQ_PULL);
    proxy_run_t p;
    int i;

    set_int (backend, ZMQ_SNDHWM, 2);
    set_int (consumer, ZMQ_RCVHWM, 2);
    bind_loopback (frontend, fe, sizeof fe);
    /* inproc: no kernel buffer behind the HWMs */
    bind_transport (backend, "inproc", be, sizeof be);
    CHECK_RC (zmq_connect (producer, fe));
    CHECK_RC (zmq_connect (consumer, be));
    proxy_start (&p, frontend, backend, NULL, NULL);
    for (i = 0; i < N; i++)
        SEND_STR (producer, "x", 0);
    CHECK (poll_socket (consumer, ZMQ_POLLIN, 5000));
    sleep_ms (50);
    proxy_stop_eterm (&p, ctx);
    close_socket (producer);
    close_socket (consumer);
    term_ctx (ctx);
}

/* A request arrives before any worker is connected: the DEALER backend
 * cannot send, so the proxy leaves the request queued and waits (without
 * spinning, in ours) until a worker connects; then the worker gets it. */
static void test_waiting_for_worker (void)
{
    char fe[256], be[256];
    void *ctx = zmq_ctx_new ();
    void *frontend = test_socket (ctx, ZMQ_ROUTER);
    void *backend = test_socket (ctx, ZMQ_DEALER);
    void *client = test_socket (ctx, ZMQ_REQ);
    void *worker = test_socket (ctx, ZMQ_REP);
    proxy_run_t p;
    double cpu0;
    long long t0;

    bind_loopback (frontend, fe, sizeof fe);
    bind_loopback (backend, be, sizeof be);
    CHECK_RC (zmq_connect (client, fe));
    proxy_start (&p, frontend, backend, NULL, NULL);
    SEND_STR (client, "early", 0);
    cpu0 = cpu_ms ();
    t0 = now_ms ();
    sleep_ms (300);
    /* Debian's libzmq 4.3.4 spins here (its proxy polls POLLIN on the
     * frontend, which stays set, then finds no POLLOUT on the backend), so
     * this is checked against our library only. */
    if (!getenv ("ZMQ_CTESTS_SYSTEM"))
        check_not_spinning (t0, cpu0, "proxy waiting for a worker");
    CHECK_RC (zmq_connect (worker, be));
    RECV_STR (worker, "early", 0);
    SEND_STR (worker, "late", 0);
    RECV_STR (client, "late", 0);
    close_socket (client);
    close_socket (worker);
    proxy_stop_eterm (&p, ctx);
    term_ctx (ctx);
}

static void on_usr1 (int sig)
{
    (void) sig;
}

/* A signal interrupting the proxy's wait ends it with -1 and EINTR (the
 * caller decides whether to call it again, as pyzmq does). */
static void test_eintr (void)
{
    char fe[256], be[256];
    void *ctx = zmq_ctx_new ();
    void *frontend = test_socket (ctx, ZMQ_ROUTER);
    void *backend = test_socket (ctx, ZMQ_DEALER);
    struct sigaction sa;
    proxy_run_t p;
    long long deadline;

    memset (&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1; /* no SA_RESTART */
    sigemptyset (&sa.sa_mask);
    CHECK_RC (sigaction (SIGUSR1, &sa, NULL));
    bind_loopback (frontend, fe, sizeof fe);
    bind_loopback (backend, be, sizeof be);
    proxy_start (&p, frontend, backend, NULL, NULL);
    /* Until the signal lands while the proxy waits (a signal arriving
     * between two system calls interrupts nothing). */
    deadline = now_ms () + 5000;
    while (!proxy_done (&p) && now_ms () < deadline) {
        sleep_ms (20);
        pthread_kill (p.thread, SIGUSR1);
    }
    pthread_join (p.thread, NULL);
    CHECK_EQ (p.rc, -1);
    CHECK_EQ (p.err, EINTR);
    term_ctx (ctx);
}

int main (void)
{
    test_start (40);
    test_efault ();
    test_term_from_other_thread ();
    test_steerable_shutdown ();
    test_blocked_destination ();
    test_shutdown_while_blocked ();
    test_waiting_for_worker ();
    test_eintr ();
    return 0;
}
