/* ZMQ_USE_FD: a bind uses the application's listening socket instead of
 * making one (tcp: the address given to zmq_bind is ignored and
 * LAST_ENDPOINT names the socket's real address; ipc: the endpoint is
 * named as given and the file is left alone). zmq_connect ignores it. */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

static int tcp_listener (int *port)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    CHECK (fd >= 0);
    memset (&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    CHECK_RC (bind (fd, (struct sockaddr *) &sa, sizeof sa));
    CHECK_RC (listen (fd, 16));
    CHECK_RC (getsockname (fd, (struct sockaddr *) &sa, &len));
    *port = ntohs (sa.sin_port);
    return fd;
}

static void send_through (void *ctx, void *pull, const char *ep)
{
    void *push = test_socket (ctx, ZMQ_PUSH);
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, "via fd", 0);
    RECV_STR (pull, "via fd", 0);
    close_socket (push);
}

static void tcp_use_fd (void *ctx)
{
    char ep[256], want[64];
    size_t len = sizeof ep;
    int port, fd = tcp_listener (&port);
    void *pull = test_socket (ctx, ZMQ_PULL);

    set_int (pull, ZMQ_USE_FD, fd);
    CHECK_EQ (get_int (pull, ZMQ_USE_FD), fd);
    /* The address is not used: the listener is the given socket. */
    CHECK_RC (zmq_bind (pull, "tcp://127.0.0.1:*"));
    CHECK_RC (zmq_getsockopt (pull, ZMQ_LAST_ENDPOINT, ep, &len));
    snprintf (want, sizeof want, "tcp://127.0.0.1:%d", port);
    CHECK_STR (ep, want);
    send_through (ctx, pull, want);
    close_socket (pull);
}

static void ipc_use_fd (void *ctx)
{
    char ep[300], got[300];
    size_t len = sizeof got;
    struct sockaddr_un sa;
    struct stat st;
    int fd = socket (AF_UNIX, SOCK_STREAM, 0);
    void *pull = test_socket (ctx, ZMQ_PULL);

    CHECK (fd >= 0);
    ipc_endpoint (ep, sizeof ep, "use-fd");
    memset (&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf (sa.sun_path, sizeof sa.sun_path, "%s", ep + 6);
    CHECK_RC (bind (fd, (struct sockaddr *) &sa, sizeof sa));
    CHECK_RC (listen (fd, 16));

    set_int (pull, ZMQ_USE_FD, fd);
    CHECK_RC (zmq_bind (pull, ep));
    CHECK_RC (zmq_getsockopt (pull, ZMQ_LAST_ENDPOINT, got, &len));
    CHECK_STR (got, ep);
    send_through (ctx, pull, ep);
    close_socket (pull);
    /* The socket file is the application's: not unlinked. */
    CHECK_RC (stat (ep + 6, &st));
}

/* USE_FD does not change zmq_connect. */
static void connect_ignores_use_fd (void *ctx)
{
    char ep[256];
    int port, fd = tcp_listener (&port);
    void *pull = test_socket (ctx, ZMQ_PULL);
    void *push = test_socket (ctx, ZMQ_PUSH);
    bind_loopback (pull, ep, sizeof ep);
    set_int (push, ZMQ_USE_FD, fd);
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, "plain", 0);
    RECV_STR (pull, "plain", 0);
    close_socket (push);
    close_socket (pull);
    close (fd);
}

int main (void)
{
    void *ctx;
    test_start (30);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    tcp_use_fd (ctx);
    ipc_use_fd (ctx);
    connect_ignores_use_fd (ctx);
    term_ctx (ctx);
    printf ("test_use_fd: ok\n");
    return 0;
}
