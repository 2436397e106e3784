/* zmq_ctx_term while another thread is blocked in zmq_recv: that thread
 * gets ETERM, closes its socket, and zmq_ctx_term returns. Same for
 * zmq_ctx_shutdown, after which new sockets fail with ETERM. */
#include "testutil.h"

static volatile int started;

static void *blocked_reader (void *sock)
{
    char buf[16];
    int rc;
    started = 1;
    rc = zmq_recv (sock, buf, sizeof buf, 0); /* no RCVTIMEO: blocks */
    if (rc != -1)
        FAIL ("blocked recv returned %d, expected -1/ETERM", rc);
    if (errno != ETERM)
        FAIL ("blocked recv: errno %d (%s), expected ETERM", errno,
              zmq_strerror (errno));
    /* every later call except close gives ETERM too */
    CHECK_ERR (zmq_send (sock, "x", 1, 0), ETERM);
    CHECK_RC (zmq_close (sock));
    return NULL;
}

static void *blocked_sender (void *sock)
{
    int rc;
    started = 1;
    /* PUSH with no peer: blocks */
    rc = zmq_send (sock, "x", 1, 0);
    if (rc != -1 || errno != ETERM)
        FAIL ("blocked send: rc %d errno %d, expected -1/ETERM", rc, errno);
    CHECK_RC (zmq_close (sock));
    return NULL;
}

static void term_while_blocked (void)
{
    pthread_t th;
    void *ctx = zmq_ctx_new ();
    void *s;
    CHECK (ctx != NULL);
    s = zmq_socket (ctx, ZMQ_PULL);
    CHECK (s != NULL);
    set_int (s, ZMQ_LINGER, 0);
    CHECK_RC (zmq_bind (s, "inproc://term"));
    started = 0;
    CHECK (pthread_create (&th, NULL, blocked_reader, s) == 0);
    while (!started)
        sleep_ms (1);
    sleep_ms (50); /* let it reach the blocking call (ETERM either way) */
    CHECK_RC (zmq_ctx_term (ctx));
    pthread_join (th, NULL);
}

static void term_blocked_sender (void)
{
    pthread_t th;
    void *ctx = zmq_ctx_new ();
    void *s;
    CHECK (ctx != NULL);
    s = zmq_socket (ctx, ZMQ_PUSH);
    CHECK (s != NULL);
    set_int (s, ZMQ_LINGER, 0);
    started = 0;
    CHECK (pthread_create (&th, NULL, blocked_sender, s) == 0);
    while (!started)
        sleep_ms (1);
    sleep_ms (50);
    CHECK_RC (zmq_ctx_term (ctx));
    pthread_join (th, NULL);
}

static void shutdown_then_term (void)
{
    pthread_t th;
    void *ctx = zmq_ctx_new ();
    void *s, *other;
    CHECK (ctx != NULL);
    s = zmq_socket (ctx, ZMQ_SUB);
    other = zmq_socket (ctx, ZMQ_PUB);
    CHECK (s != NULL && other != NULL);
    set_int (s, ZMQ_LINGER, 0);
    set_int (other, ZMQ_LINGER, 0);
    CHECK_RC (zmq_connect (s, "inproc://shutdown"));
    started = 0;
    CHECK (pthread_create (&th, NULL, blocked_reader, s) == 0);
    while (!started)
        sleep_ms (1);
    sleep_ms (50);
    CHECK_RC (zmq_ctx_shutdown (ctx));
    pthread_join (th, NULL);
    /* after shutdown: new sockets and operations fail with ETERM */
    CHECK_NULL_ERR (zmq_socket (ctx, ZMQ_PAIR), ETERM);
    CHECK_ERR (zmq_bind (other, "inproc://x"), ETERM);
    CHECK_RC (zmq_close (other));
    CHECK_RC (zmq_ctx_term (ctx));
}

static void term_idle (void)
{
    /* zmq_ctx_term with no sockets, and zmq_ctx_shutdown twice */
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    CHECK_RC (zmq_ctx_shutdown (ctx));
    CHECK_RC (zmq_ctx_shutdown (ctx));
    CHECK_RC (zmq_ctx_term (ctx));
    /* the deprecated names */
    ctx = zmq_init (1);
    CHECK (ctx != NULL);
    CHECK_RC (zmq_term (ctx));
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    CHECK_RC (zmq_ctx_destroy (ctx));
}

int main (void)
{
    test_start (30);
    term_while_blocked ();
    term_blocked_sender ();
    shutdown_then_term ();
    term_idle ();
    return 0;
}
