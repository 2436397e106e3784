/* ZMQ_FD turns readable whenever the socket's mailbox gets something to
 * process, as libzmq's: after a zmq_bind/zmq_connect that starts an I/O
 * object (tcp, ipc; not inproc), when a peer's pipe is attached, and when a
 * pipe is activated (a writer held at its HWM gets room). A program that
 * polls the raw fd and then reads ZMQ_EVENTS sees each of these. */
#include "testutil.h"

static int sock_fd (void *s)
{
    int fd = -1;
    size_t len = sizeof fd;
    CHECK_RC (zmq_getsockopt (s, ZMQ_FD, &fd, &len));
    return fd;
}

/* 1 if the fd turns readable within ms. */
static int fd_readable (void *s, int ms)
{
    struct pollfd p;
    int rc;
    long long deadline = now_ms () + ms;
    p.fd = sock_fd (s);
    p.events = POLLIN;
    do {
        long long left = deadline - now_ms ();
        p.revents = 0;
        rc = poll (&p, 1, left > 0 ? (int) left : 0);
    } while (rc == -1 && errno == EINTR);
    CHECK (rc >= 0);
    return rc > 0;
}

/* The edge-triggered loop: until EVENTS has `ev`, sleep on the fd. */
static int wait_events (void *s, int ev, int ms)
{
    long long deadline = now_ms () + ms;
    while (!(get_int (s, ZMQ_EVENTS) & ev)) {
        long long left = deadline - now_ms ();
        if (left <= 0)
            return 0;
        fd_readable (s, (int) left);
    }
    return 1;
}

int main (void)
{
    char ep[256];
    void *ctx, *router, *dealer, *push, *pull;
    int i;
    test_start (30);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);

    /* bind (tcp): the fd signals; reading EVENTS consumes that */
    router = test_socket (ctx, ZMQ_ROUTER);
    get_int (router, ZMQ_EVENTS);
    CHECK (!fd_readable (router, 0));
    bind_loopback (router, ep, sizeof ep);
    CHECK (fd_readable (router, 1000));
    CHECK_EQ (get_int (router, ZMQ_EVENTS) & ZMQ_POLLIN, 0);
    CHECK (!fd_readable (router, 100));

    /* connect (IMMEDIATE=0): the fd signals, EVENTS then says POLLOUT */
    dealer = test_socket (ctx, ZMQ_DEALER);
    get_int (dealer, ZMQ_EVENTS);
    CHECK_RC (zmq_connect (dealer, ep));
    CHECK (fd_readable (dealer, 1000));
    CHECK (get_int (dealer, ZMQ_EVENTS) & ZMQ_POLLOUT);

    /* the binder's fd signals when the peer's pipe is attached, and again
     * when a message arrives */
    CHECK (fd_readable (router, 2000));
    SEND_STR (dealer, "hello", 0);
    CHECK (wait_events (router, ZMQ_POLLIN, 2000));
    drain (router);
    close_socket (dealer);
    close_socket (router);

    /* IMMEDIATE=1: no pipe until the connection completes; a program that
     * sleeps on the fd learns when it can send */
    pull = test_socket (ctx, ZMQ_PULL);
    bind_loopback (pull, ep, sizeof ep);
    push = test_socket (ctx, ZMQ_PUSH);
    set_int (push, ZMQ_IMMEDIATE, 1);
    get_int (push, ZMQ_EVENTS);
    CHECK_RC (zmq_connect (push, ep));
    CHECK (fd_readable (push, 1000));
    CHECK (wait_events (push, ZMQ_POLLOUT, 3000));
    close_socket (push);
    close_socket (pull);

    /* inproc connect to a name nobody bound: nothing to signal */
    push = test_socket (ctx, ZMQ_PUSH);
    get_int (push, ZMQ_EVENTS);
    CHECK_RC (zmq_connect (push, "inproc://fd-signal-nobody"));
    CHECK (!fd_readable (push, 100));
    close_socket (push);

    /* a writer held at its HWM: the fd signals once the reader drains */
    pull = test_socket (ctx, ZMQ_PULL);
    push = test_socket (ctx, ZMQ_PUSH);
    set_int (pull, ZMQ_RCVHWM, 1);
    set_int (push, ZMQ_SNDHWM, 1);
    CHECK_RC (zmq_bind (pull, "inproc://fd-signal-hwm"));
    CHECK_RC (zmq_connect (push, "inproc://fd-signal-hwm"));
    for (i = 0; i < 2; i++)
        SEND_STR (push, "x", ZMQ_DONTWAIT);
    CHECK_ERR (zmq_send (push, "x", 1, ZMQ_DONTWAIT), EAGAIN);
    CHECK_EQ (get_int (push, ZMQ_EVENTS) & ZMQ_POLLOUT, 0);
    CHECK (!fd_readable (push, 50));
    CHECK_EQ (drain (pull), 2);
    CHECK (fd_readable (push, 1000));
    CHECK (get_int (push, ZMQ_EVENTS) & ZMQ_POLLOUT);
    close_socket (push);
    close_socket (pull);

    term_ctx (ctx);
    return 0;
}
