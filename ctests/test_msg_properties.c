/* zmq_msg_gets on received messages: tcp carries the peer's READY metadata
 * ("Socket-Type", "Identity") and "Peer-Address" (numeric IP, no port, M4);
 * ipc gives "localhost:uid:gid:pid"-style Peer-Address; inproc messages have
 * no properties (NULL with EINVAL). */
#include "testutil.h"

static void check_tcp (void *ctx)
{
    char ep[256];
    zmq_msg_t msg;
    const char *v;
    void *router = test_socket (ctx, ZMQ_ROUTER);
    void *dealer = test_socket (ctx, ZMQ_DEALER);

    bind_loopback (router, ep, sizeof ep);
    CHECK_RC (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "dlr", 3));
    CHECK_RC (zmq_connect (dealer, ep));
    SEND_STR (dealer, "hello", 0);

    CHECK_RC (zmq_msg_init (&msg));
    CHECK (zmq_msg_recv (&msg, router, 0) == 3); /* routing id frame */
    CHECK (memcmp (zmq_msg_data (&msg), "dlr", 3) == 0);
    CHECK (zmq_msg_recv (&msg, router, 0) == 5);
    v = zmq_msg_gets (&msg, "Socket-Type");
    CHECK (v != NULL);
    CHECK_STR (v, "DEALER");
    v = zmq_msg_gets (&msg, "Identity");
    CHECK (v != NULL);
    CHECK_STR (v, "dlr");
    v = zmq_msg_gets (&msg, "Peer-Address");
    CHECK (v != NULL);
    CHECK_STR (v, "127.0.0.1");
    CHECK_NULL_ERR (zmq_msg_gets (&msg, "X-No-Such-Property"), EINVAL);
    CHECK_NULL_ERR (zmq_msg_gets (&msg, "socket-type"), EINVAL); /* exact case */

    /* The reply direction: the DEALER sees the ROUTER's properties. */
    CHECK (zmq_send (router, "dlr", 3, ZMQ_SNDMORE) == 3);
    SEND_STR (router, "back", 0);
    CHECK (zmq_msg_recv (&msg, dealer, 0) == 4);
    v = zmq_msg_gets (&msg, "Socket-Type");
    CHECK (v != NULL);
    CHECK_STR (v, "ROUTER");
    CHECK_RC (zmq_msg_close (&msg));
    close_socket (dealer);
    close_socket (router);
}

static void check_ipc (void *ctx)
{
    char ep[256], want[64];
    zmq_msg_t msg;
    const char *v;
    void *pull = test_socket (ctx, ZMQ_PULL);
    void *push = test_socket (ctx, ZMQ_PUSH);

    ipc_endpoint (ep, sizeof ep, "props");
    CHECK_RC (zmq_bind (pull, ep));
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, "x", 0);
    CHECK_RC (zmq_msg_init (&msg));
    CHECK (zmq_msg_recv (&msg, pull, 0) == 1);
    v = zmq_msg_gets (&msg, "Socket-Type");
    CHECK (v != NULL);
    CHECK_STR (v, "PUSH");
    v = zmq_msg_gets (&msg, "Peer-Address");
    CHECK (v != NULL);
    snprintf (want, sizeof want, ":%d:%d:%d", (int) getuid (), (int) getgid (),
              (int) getpid ());
    CHECK (strstr (v, want) != NULL);
    CHECK_RC (zmq_msg_close (&msg));
    close_socket (push);
    close_socket (pull);
}

static void check_inproc (void *ctx)
{
    zmq_msg_t msg;
    void *pull = test_socket (ctx, ZMQ_PULL);
    void *push = test_socket (ctx, ZMQ_PUSH);

    CHECK_RC (zmq_bind (pull, "inproc://props"));
    CHECK_RC (zmq_connect (push, "inproc://props"));
    SEND_STR (push, "x", 0);
    CHECK_RC (zmq_msg_init (&msg));
    CHECK (zmq_msg_recv (&msg, pull, 0) == 1);
    CHECK_NULL_ERR (zmq_msg_gets (&msg, "Socket-Type"), EINVAL);
    CHECK_NULL_ERR (zmq_msg_gets (&msg, "Peer-Address"), EINVAL);
    CHECK_RC (zmq_msg_close (&msg));
    close_socket (push);
    close_socket (pull);
}

int main (void)
{
    void *ctx;
    test_start (20);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    check_tcp (ctx);
    check_ipc (ctx);
    check_inproc (ctx);
    term_ctx (ctx);
    printf ("OK\n");
    return 0;
}
