/* ZMQ_ROUTER_RAW (deprecated): a ROUTER serving plain TCP clients, as
 * STREAM does: generated 5-byte ids, [id][empty] on connect and
 * disconnect, one data frame per message, [id][empty] closes the peer.
 * Passes against libzmq too. */
#include "testutil.h"
#include "rawpeer.h"

static int port_of (const char *endpoint)
{
    const char *colon = strrchr (endpoint, ':');
    CHECK (colon != NULL);
    return atoi (colon + 1);
}

/* Receives [id][data]; returns the data size. */
static size_t recv_pair (void *s, unsigned char *id, size_t *id_len,
                         char *data, size_t cap)
{
    int n = zmq_recv (s, id, 255, 0);
    CHECK (n > 0);
    CHECK_EQ (get_int (s, ZMQ_RCVMORE), 1);
    *id_len = (size_t) n;
    n = zmq_recv (s, data, cap, 0);
    CHECK (n >= 0 && (size_t) n <= cap);
    CHECK_EQ (get_int (s, ZMQ_RCVMORE), 0);
    return (size_t) n;
}

static void read_exactly (int fd, char *buf, size_t n)
{
    size_t have = 0;
    while (have < n) {
        ssize_t k = recv (fd, buf + have, n - have, 0);
        if (k < 0 && errno == EINTR)
            continue;
        CHECK (k > 0);
        have += (size_t) k;
    }
}

/* Waits for the peer to close fd, capturing what it sent. libzmq finishes
 * a close asked for by the socket only while the socket handles commands,
 * so the socket is polled meanwhile. 0 on success, -1 on timeout. */
static int wait_closed_polling (int fd, raw_capture_t *cap, void *s)
{
    long long deadline = now_ms () + 5000;
    while (now_ms () < deadline) {
        if (raw_wait_closed (fd, cap, 20) >= 0)
            return 0;
        poll_socket (s, ZMQ_POLLIN, 0);
    }
    return -1;
}

int main (void)
{
    char ep[256], data[64], buf[16];
    unsigned char id[256], rid[256];
    size_t id_len, rl, have = 0;
    void *ctx, *router;
    int fd, fd2;
    raw_capture_t cap;
    test_start (30);
    ctx = zmq_ctx_new ();
    router = test_socket (ctx, ZMQ_ROUTER);
    CHECK_ERR (zmq_setsockopt (router, ZMQ_ROUTER_RAW, "x", 1), EINVAL);
    set_int (router, ZMQ_ROUTER_RAW, 1);
    bind_loopback (router, ep, sizeof ep);

    /* A raw client connects: [id][empty], a generated 5-byte id. */
    fd = raw_connect (port_of (ep));
    CHECK_EQ (recv_pair (router, id, &id_len, data, sizeof data), 0);
    CHECK_EQ (id_len, 5);
    CHECK_EQ (id[0], 0);

    /* Its bytes come as [id][data], however they are cut. */
    raw_send (fd, "PING 1\n", 7);
    while (have < 7) {
        size_t n = recv_pair (router, rid, &rl, data + have, sizeof data - have);
        CHECK (rl == id_len && memcmp (rid, id, rl) == 0);
        CHECK (n > 0);
        have += n;
    }
    CHECK (memcmp (data, "PING 1\n", 7) == 0);

    /* [id][data] goes out as bare bytes; MORE on the data frame is ignored. */
    CHECK_EQ (zmq_send (router, id, id_len, ZMQ_SNDMORE), (int) id_len);
    CHECK_EQ (zmq_send (router, "PONG 1\n", 7, ZMQ_SNDMORE), 7);
    CHECK_EQ (zmq_send (router, id, id_len, ZMQ_SNDMORE), (int) id_len);
    CHECK_EQ (zmq_send (router, "PONG 2\n", 7, 0), 7);
    read_exactly (fd, buf, 14);
    CHECK (memcmp (buf, "PONG 1\nPONG 2\n", 14) == 0);

    /* An empty data frame closes that connection after what was sent. */
    CHECK_EQ (zmq_send (router, id, id_len, ZMQ_SNDMORE), (int) id_len);
    CHECK_EQ (zmq_send (router, "bye\n", 4, 0), 4);
    CHECK_EQ (zmq_send (router, id, id_len, ZMQ_SNDMORE), (int) id_len);
    CHECK_EQ (zmq_send (router, "", 0, 0), 0);
    memset (&cap, 0, sizeof cap);
    CHECK_EQ (wait_closed_polling (fd, &cap, router), 0);
    CHECK (cap.len == 4 && memcmp (cap.data, "bye\n", 4) == 0);
    close (fd);

    /* A second client, who hangs up: [id][empty] again, with a new id. */
    fd2 = raw_connect (port_of (ep));
    CHECK_EQ (recv_pair (router, rid, &rl, data, sizeof data), 0);
    CHECK (rl == 5 && memcmp (rid, id, 5) != 0);
    close (fd2);
    {
        unsigned char rid2[256];
        size_t rl2;
        CHECK_EQ (recv_pair (router, rid2, &rl2, data, sizeof data), 0);
        CHECK (rl2 == rl && memcmp (rid2, rid, rl) == 0);
    }

    close_socket (router);
    term_ctx (ctx);
    printf ("test_router_raw: ok\n");
    return 0;
}
