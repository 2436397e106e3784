/* fork(): a child that calls zmq_ctx_term on the context it inherited
 * returns at once (-1 with EINTR, as libzmq 4.3, which notices the pid
 * change) instead of waiting for the parent's sockets and threads; the
 * parent's context and connections are unaffected, also when the child
 * closes its copies of the sockets first: the child's copies do not touch
 * the descriptors they share with the parent (a signal pending on the
 * parent's ZMQ_FD stays there). */
#include "testutil.h"
#include <sys/wait.h>

/* Waits at most 5 s for the child; returns its exit code (killed: FAIL). */
static int wait_child (pid_t pid)
{
    long long deadline = now_ms () + 5000;
    int st = 0;
    for (;;) {
        pid_t r = waitpid (pid, &st, WNOHANG);
        CHECK (r >= 0);
        if (r == pid)
            break;
        if (now_ms () > deadline) {
            kill (pid, SIGKILL);
            waitpid (pid, &st, 0);
            FAIL ("child hung in zmq_ctx_term");
        }
        sleep_ms (5);
    }
    if (!WIFEXITED (st))
        FAIL ("child died with signal %d", WIFSIGNALED (st) ? WTERMSIG (st) : 0);
    return WEXITSTATUS (st);
}

static int fd_readable (void *s, int ms)
{
    int fd = -1, rc;
    size_t len = sizeof fd;
    struct pollfd p;
    CHECK_RC (zmq_getsockopt (s, ZMQ_FD, &fd, &len));
    p.fd = fd;
    p.events = POLLIN;
    p.revents = 0;
    do
        rc = poll (&p, 1, ms);
    while (rc == -1 && errno == EINTR);
    return rc > 0;
}

static void fork_and_term (void *ctx, void *push, int close_first)
{
    pid_t pid = fork ();
    CHECK (pid >= 0);
    if (pid == 0) {
        int rc;
        alarm (4);
        if (close_first && zmq_close (push) != 0)
            _exit (3);
        errno = 0;
        rc = zmq_ctx_term (ctx);
        _exit (rc == -1 && errno == EINTR ? 0 : 2);
    }
    CHECK_EQ (wait_child (pid), 0);
}

int main (void)
{
    char ep[256];
    void *ctx, *pull, *push;
    test_start (30);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    pull = test_socket (ctx, ZMQ_PULL);
    bind_loopback (pull, ep, sizeof ep);
    push = test_socket (ctx, ZMQ_PUSH);
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, "before", 0);
    RECV_STR (pull, "before", 0);

    fork_and_term (ctx, push, 0);
    SEND_STR (push, "after one", 0);
    RECV_STR (pull, "after one", 0);

    fork_and_term (ctx, push, 1);
    SEND_STR (push, "after two", 0);
    RECV_STR (pull, "after two", 0);

    /* a message waits on the parent's PULL (its ZMQ_FD signalled); the
     * child closes its copies of both sockets and terms */
    get_int (pull, ZMQ_EVENTS);
    SEND_STR (push, "pending", 0);
    CHECK (fd_readable (pull, 2000));
    {
        pid_t pid = fork ();
        CHECK (pid >= 0);
        if (pid == 0) {
            alarm (4);
            zmq_close (pull);
            zmq_close (push);
            _exit (zmq_ctx_term (ctx) == -1 && errno == EINTR ? 0 : 2);
        }
        CHECK_EQ (wait_child (pid), 0);
    }
    CHECK (fd_readable (pull, 0));
    CHECK (get_int (pull, ZMQ_EVENTS) & ZMQ_POLLIN);
    RECV_STR (pull, "pending", 0);

    close_socket (push);
    close_socket (pull);
    term_ctx (ctx);
    return 0;
}
