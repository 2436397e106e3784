/* zmq_poll with sockets and a raw fd (pipe(2)); timeouts -1, 0 and N. */
#include "testutil.h"

static int pipefd[2];

static void *write_later (void *arg)
{
    (void) arg;
    sleep_ms (100);
    if (write (pipefd[1], "x", 1) != 1)
        FAIL ("write to pipe");
    return NULL;
}

static void *send_later (void *sock)
{
    sleep_ms (100);
    SEND_STR (sock, "late", 0);
    return NULL;
}

int main (void)
{
    void *ctx, *a, *b;
    zmq_pollitem_t items[3];
    long long t0;
    pthread_t th;
    int rc;
    char c;
    test_start (30);
    CHECK (pipe (pipefd) == 0);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    a = test_socket (ctx, ZMQ_PAIR);
    b = test_socket (ctx, ZMQ_PAIR);
    CHECK_RC (zmq_bind (a, "inproc://poll"));
    CHECK_RC (zmq_connect (b, "inproc://poll"));

    memset (items, 0, sizeof items);
    items[0].socket = a;
    items[0].events = ZMQ_POLLIN;
    items[1].socket = NULL;
    items[1].fd = pipefd[0];
    items[1].events = ZMQ_POLLIN;

    /* timeout 0, nothing ready: returns 0 at once */
    t0 = now_ms ();
    CHECK_EQ (zmq_poll (items, 2, 0), 0);
    CHECK (now_ms () - t0 < 100);
    CHECK_EQ (items[0].revents, 0);
    CHECK_EQ (items[1].revents, 0);

    /* timeout N, nothing ready: waits about N ms */
    t0 = now_ms ();
    CHECK_EQ (zmq_poll (items, 2, 150), 0);
    CHECK (now_ms () - t0 >= 140);
    CHECK (now_ms () - t0 < 2000);

    /* POLLOUT on a connected PAIR is ready immediately */
    items[2].socket = b;
    items[2].events = ZMQ_POLLOUT;
    rc = zmq_poll (&items[2], 1, 1000);
    CHECK_EQ (rc, 1);
    CHECK (items[2].revents & ZMQ_POLLOUT);

    /* a message already queued: ready with timeout 0 */
    SEND_STR (b, "now", 0);
    CHECK (poll_socket (a, ZMQ_POLLIN, TEST_TIMEOUT_MS));
    CHECK_EQ (zmq_poll (items, 2, 0), 1);
    CHECK (items[0].revents & ZMQ_POLLIN);
    CHECK_EQ (items[1].revents, 0);
    RECV_STR (a, "now", 0);

    /* timeout -1: raw fd becomes readable from another thread */
    CHECK (pthread_create (&th, NULL, write_later, NULL) == 0);
    t0 = now_ms ();
    rc = zmq_poll (items, 2, -1);
    CHECK_EQ (rc, 1);
    CHECK (items[1].revents & ZMQ_POLLIN);
    CHECK_EQ (items[0].revents, 0);
    CHECK (now_ms () - t0 >= 50);
    pthread_join (th, NULL);
    CHECK (read (pipefd[0], &c, 1) == 1);

    /* timeout -1: socket becomes readable from another thread */
    CHECK (pthread_create (&th, NULL, send_later, b) == 0);
    rc = zmq_poll (items, 2, -1);
    CHECK_EQ (rc, 1);
    CHECK (items[0].revents & ZMQ_POLLIN);
    pthread_join (th, NULL);
    RECV_STR (a, "late", 0);

    /* both ready: returns 2 */
    SEND_STR (b, "both", 0);
    CHECK (write (pipefd[1], "y", 1) == 1);
    CHECK (poll_socket (a, ZMQ_POLLIN, TEST_TIMEOUT_MS));
    CHECK_EQ (zmq_poll (items, 2, 1000), 2);
    RECV_STR (a, "both", 0);
    CHECK (read (pipefd[0], &c, 1) == 1);

    /* tcp socket with a timeout N while the message is in flight */
    {
        char ep[256];
        void *pull = test_socket (ctx, ZMQ_PULL);
        void *push = test_socket (ctx, ZMQ_PUSH);
        zmq_pollitem_t it;
        bind_loopback (pull, ep, sizeof ep);
        CHECK_RC (zmq_connect (push, ep));
        SEND_STR (push, "tcp", 0);
        it.socket = pull;
        it.fd = 0;
        it.events = ZMQ_POLLIN;
        it.revents = 0;
        CHECK_EQ (zmq_poll (&it, 1, TEST_TIMEOUT_MS), 1);
        CHECK (it.revents & ZMQ_POLLIN);
        RECV_STR (pull, "tcp", 0);
        close_socket (push);
        close_socket (pull);
    }

    /* no items, timeout N: just sleeps */
    t0 = now_ms ();
    CHECK_EQ (zmq_poll (NULL, 0, 50), 0);
    CHECK (now_ms () - t0 >= 40);

    close_socket (a);
    close_socket (b);
    term_ctx (ctx);
    close (pipefd[0]);
    close (pipefd[1]);
    return 0;
}
