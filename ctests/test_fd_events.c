/* ZMQ_FD + ZMQ_EVENTS, edge-triggered: poll(2) the fd, then loop on
 * ZMQ_EVENTS and non-blocking recv until EAGAIN, re-checking EVENTS before
 * sleeping on the fd again. */
#include "testutil.h"

static int wait_readable (void *s, int fd, long long deadline)
{
    for (;;) {
        struct pollfd pfd;
        int left;
        if (get_int (s, ZMQ_EVENTS) & ZMQ_POLLIN)
            return 1;
        left = (int) (deadline - now_ms ());
        if (left <= 0)
            return 0;
        pfd.fd = fd;
        pfd.events = POLLIN;
        pfd.revents = 0;
        if (poll (&pfd, 1, left) < 0 && errno != EINTR)
            FAIL ("poll: %s", strerror (errno));
    }
}

static void run (void *ctx, const char *tr)
{
    char ep[256];
    int fd = -1, got = 0, i;
    size_t fdlen = sizeof fd;
    long long deadline;
    void *pull = test_socket (ctx, ZMQ_PULL);
    void *push = test_socket (ctx, ZMQ_PUSH);
    bind_transport (pull, tr, ep, sizeof ep);
    CHECK_RC (zmq_connect (push, ep));
    CHECK_RC (zmq_getsockopt (pull, ZMQ_FD, &fd, &fdlen));
    CHECK_EQ (fdlen, sizeof (int));
    CHECK (fd >= 0);

    /* nothing queued yet */
    CHECK_EQ (get_int (pull, ZMQ_EVENTS) & ZMQ_POLLIN, 0);
    /* PUSH reports POLLOUT */
    CHECK (get_int (push, ZMQ_EVENTS) & ZMQ_POLLOUT);

    for (i = 0; i < 50; i++)
        SEND_STR (push, "evt", 0);
    deadline = now_ms () + TEST_TIMEOUT_MS;
    while (got < 50) {
        if (!wait_readable (pull, fd, deadline))
            FAIL ("%s: only %d of 50 messages seen through ZMQ_FD", tr, got);
        for (;;) {
            char buf[8];
            int rc = zmq_recv (pull, buf, sizeof buf, ZMQ_DONTWAIT);
            if (rc == -1) {
                CHECK_EQ (errno, EAGAIN);
                break;
            }
            CHECK_EQ (rc, 3);
            got++;
        }
    }
    CHECK_EQ (got, 50);
    CHECK_EQ (get_int (pull, ZMQ_EVENTS) & ZMQ_POLLIN, 0);

    /* a second burst after the fd went quiet is still signalled */
    SEND_STR (push, "again", 0);
    deadline = now_ms () + TEST_TIMEOUT_MS;
    CHECK (wait_readable (pull, fd, deadline));
    RECV_STR (pull, "again", 0);
    close_socket (push);
    close_socket (pull);
}

int main (void)
{
    void *ctx;
    test_start (30);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    run (ctx, "inproc");
    run (ctx, "tcp");
    run (ctx, "ipc");
    term_ctx (ctx);
    return 0;
}
