/* A peer that announces a frame no message can hold is dropped at once, as
 * libzmq 4.3 does (it fails to allocate it and closes the connection):
 * 2^62 bytes, more than 2^63 - 1, or more than ZMQ_MAXMSGSIZE. The socket
 * goes on working for other peers. */
#include "testutil.h"
#include "rawpeer.h"

/* Connects a raw PUSH peer to `ep`'s port, greets, announces a data frame
 * of `size` bytes with a few body bytes, and returns the milliseconds until
 * the socket closed the connection (-1: not within 3 s). */
static long long announce (int port, unsigned long long size)
{
    unsigned char head[9];
    int i;
    long long t;
    int fd = raw_connect (port);
    raw_handshake (fd, "PUSH");
    head[0] = 0x02; /* long frame, no MORE */
    for (i = 0; i < 8; i++)
        head[1 + i] = (unsigned char) (size >> (56 - 8 * i));
    raw_send (fd, head, sizeof head);
    raw_send (fd, "some body bytes", 15);
    t = raw_wait_closed (fd, NULL, 3000);
    close (fd);
    return t;
}

static int port_of (const char *ep)
{
    const char *colon = strrchr (ep, ':');
    CHECK (colon != NULL);
    return atoi (colon + 1);
}

int main (void)
{
    char ep[256];
    void *ctx, *pull, *push;
    int port;
    test_start (30);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    pull = test_socket (ctx, ZMQ_PULL);
    bind_loopback (pull, ep, sizeof ep);
    port = port_of (ep);

    CHECK (announce (port, 1ULL << 62) >= 0);
    CHECK (announce (port, (1ULL << 63) + 5) >= 0);
    CHECK (announce (port, ~0ULL) >= 0);

    /* the socket still serves a well-behaved peer */
    push = test_socket (ctx, ZMQ_PUSH);
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, "after", 0);
    RECV_STR (pull, "after", 0);
    close_socket (push);
    close_socket (pull);

    /* beyond ZMQ_MAXMSGSIZE */
    pull = test_socket (ctx, ZMQ_PULL);
    {
        int64_t max = 100;
        CHECK_RC (zmq_setsockopt (pull, ZMQ_MAXMSGSIZE, &max, sizeof max));
    }
    bind_loopback (pull, ep, sizeof ep);
    CHECK (announce (port_of (ep), 101) >= 0);
    close_socket (pull);
    term_ctx (ctx);
    return 0;
}
