/* ZMQ_STREAM: raw TCP peers. A STREAM server answers an HTTP/1.1 request
 * from curl; a STREAM client talks to a plain TCP echo server (a thread
 * with BSD sockets); connect/disconnect notifications, STREAM_NOTIFY=0,
 * closing a peer with an empty frame, CONNECT_ROUTING_ID, EHOSTUNREACH,
 * Peer-Address, and STREAM over ipc. Passes against libzmq too. */
#include "testutil.h"
#include "rawpeer.h"

#include <sys/un.h>
#include <sys/wait.h>

/* Receives [id][data] into id/data (sizes in *id_len, *data_len). */
static void recv_pair (void *s, unsigned char *id, size_t *id_len,
                       char *data, size_t cap, size_t *data_len)
{
    int n = zmq_recv (s, id, 255, 0);
    CHECK (n > 0);
    CHECK (get_int (s, ZMQ_RCVMORE) == 1);
    *id_len = (size_t) n;
    n = zmq_recv (s, data, cap, 0);
    CHECK (n >= 0 && (size_t) n <= cap);
    CHECK (get_int (s, ZMQ_RCVMORE) == 0);
    *data_len = (size_t) n;
}

/* Expects [id][empty] from the peer whose id is `id` (any id if id_len 0;
 * then the id is stored in id). */
static void expect_notification (void *s, unsigned char *id, size_t *id_len)
{
    unsigned char got[256];
    char data[16];
    size_t gl, dl;
    recv_pair (s, got, &gl, data, sizeof data, &dl);
    CHECK_EQ (dl, 0);
    if (*id_len == 0) {
        memcpy (id, got, gl);
        *id_len = gl;
    } else {
        CHECK (gl == *id_len && memcmp (got, id, gl) == 0);
    }
}

static void send_pair (void *s, const void *id, size_t id_len, const void *data,
                       size_t data_len)
{
    CHECK_EQ (zmq_send (s, id, id_len, ZMQ_SNDMORE), (int) id_len);
    CHECK_EQ (zmq_send (s, data, data_len, 0), (int) data_len);
}

static int port_of (const char *endpoint)
{
    const char *colon = strrchr (endpoint, ':');
    CHECK (colon != NULL);
    return atoi (colon + 1);
}

/* ------------------------------------------------------------ HTTP server */

static void test_http_server_for_curl (void *ctx)
{
    static const char body[] = "Hello from a ZMQ_STREAM socket\n";
    char ep[256], url[300], req[4096], resp[512], out[512];
    unsigned char id[256];
    size_t id_len = 0, req_len = 0, out_len = 0;
    int fds[2], status;
    pid_t pid;
    void *s = test_socket (ctx, ZMQ_STREAM);
    bind_loopback (s, ep, sizeof ep);
    snprintf (url, sizeof url, "http://127.0.0.1:%d/hello", port_of (ep));

    CHECK_RC (pipe (fds));
    pid = fork ();
    CHECK (pid >= 0);
    if (pid == 0) {
        dup2 (fds[1], 1);
        close (fds[0]);
        close (fds[1]);
        execlp ("curl", "curl", "-s", "--max-time", "10", "--http1.1", url,
                (char *) NULL);
        _exit (127);
    }
    close (fds[1]);

    req[0] = 0;
    /* The connection, then the request (possibly in several pieces). */
    expect_notification (s, id, &id_len);
    while (!strstr (req, "\r\n\r\n")) {
        unsigned char got[256];
        size_t gl, dl;
        zmq_msg_t m;
        CHECK (req_len < sizeof req - 1);
        CHECK_RC (zmq_msg_init (&m));
        CHECK ((gl = (size_t) zmq_msg_recv (&m, s, 0)) == id_len);
        memcpy (got, zmq_msg_data (&m), gl);
        CHECK (memcmp (got, id, id_len) == 0);
        CHECK_STR (zmq_msg_gets (&m, "Peer-Address"), "127.0.0.1");
        CHECK_RC (zmq_msg_close (&m));
        dl = (size_t) zmq_recv (s, req + req_len, sizeof req - 1 - req_len, 0);
        CHECK (dl > 0);
        req_len += dl;
        req[req_len] = 0;
    }
    CHECK (strncmp (req, "GET /hello HTTP/1.1\r\n", 21) == 0);

    snprintf (resp, sizeof resp,
              "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
              "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
              strlen (body), body);
    send_pair (s, id, id_len, resp, strlen (resp));
    /* Close the connection: curl sees the end after the response. */
    send_pair (s, id, id_len, "", 0);

    for (;;) {
        ssize_t n = read (fds[0], out + out_len, sizeof out - 1 - out_len);
        if (n < 0 && errno == EINTR)
            continue;
        CHECK (n >= 0);
        if (n == 0)
            break;
        out_len += (size_t) n;
        CHECK (out_len < sizeof out - 1);
    }
    out[out_len] = 0;
    close (fds[0]);
    CHECK (waitpid (pid, &status, 0) == pid);
    CHECK (WIFEXITED (status));
    CHECK_EQ (WEXITSTATUS (status), 0);
    CHECK_STR (out, body);
    close_socket (s);
}

/* -------------------------------------------------------- TCP echo server */

typedef struct
{
    int lfd;
    int saw_eof; /* the peer closed the connection */
    size_t echoed;
    int done; /* set last, atomically */
} echo_t;

static void *echo_thread (void *arg)
{
    echo_t *e = (echo_t *) arg;
    int fd = raw_accept (e->lfd, 5000);
    CHECK (fd >= 0);
    for (;;) {
        char buf[1024];
        ssize_t n = recv (fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            e->saw_eof = n == 0;
            break;
        }
        raw_send (fd, buf, (size_t) n);
        e->echoed += (size_t) n;
    }
    close (fd);
    __atomic_store_n (&e->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* Receives from peer `id` until `want` bytes arrived; they must equal it. */
static void expect_bytes (void *s, const unsigned char *id, size_t id_len,
                          const char *want)
{
    char got[1024];
    size_t have = 0, n = strlen (want);
    while (have < n) {
        unsigned char rid[256];
        size_t rl, dl;
        recv_pair (s, rid, &rl, got + have, sizeof got - have, &dl);
        CHECK (rl == id_len && memcmp (rid, id, rl) == 0);
        CHECK (dl > 0);
        have += dl;
    }
    CHECK (have == n && memcmp (got, want, n) == 0);
}

static void test_client_of_echo_server (void *ctx, int use_connect_id)
{
    echo_t e;
    pthread_t t;
    int port;
    char ep[64];
    unsigned char id[256];
    size_t id_len = sizeof id;
    void *s = test_socket (ctx, ZMQ_STREAM);
    memset (&e, 0, sizeof e);
    e.lfd = raw_listen (&port);
    CHECK (pthread_create (&t, NULL, echo_thread, &e) == 0);
    snprintf (ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    if (use_connect_id)
        CHECK_RC (zmq_setsockopt (s, ZMQ_CONNECT_ROUTING_ID, "echo", 4));
    CHECK_RC (zmq_connect (s, ep));
    if (use_connect_id) {
        memcpy (id, "echo", 4);
        id_len = 4;
    } else {
        /* The generated id of the connection just made. */
        CHECK_RC (zmq_getsockopt (s, ZMQ_ROUTING_ID, id, &id_len));
        CHECK_EQ (id_len, 5);
        CHECK_EQ (id[0], 0);
    }
    expect_notification (s, id, &id_len);
    send_pair (s, id, id_len, "hello", 5);
    expect_bytes (s, id, id_len, "hello");
    send_pair (s, id, id_len, " world", 6);
    expect_bytes (s, id, id_len, " world");
    /* An empty frame closes the connection: the server sees EOF. libzmq
     * finishes the close while the socket handles commands: keep polling. */
    send_pair (s, id, id_len, "", 0);
    {
        long long deadline = now_ms () + 5000;
        while (!__atomic_load_n (&e.done, __ATOMIC_SEQ_CST)) {
            CHECK (now_ms () < deadline);
            poll_socket (s, ZMQ_POLLIN, 20);
        }
    }
    CHECK (pthread_join (t, NULL) == 0);
    CHECK (e.saw_eof);
    CHECK_EQ (e.echoed, 11);
    /* The id is gone; nothing is announced for a close we asked for. */
    CHECK_ERR (zmq_send (s, id, id_len, ZMQ_SNDMORE), EHOSTUNREACH);
    CHECK_EQ (poll_socket (s, ZMQ_POLLIN, 200), 0);
    close (e.lfd);
    close_socket (s);
}

/* -------------------------------------------------- notifications, server */

static void test_notifications (void *ctx, int notify)
{
    char ep[256], data[64];
    unsigned char id[256], rid[256];
    size_t id_len = 0, rl, dl;
    int fd;
    void *s = test_socket (ctx, ZMQ_STREAM);
    if (!notify)
        set_int (s, ZMQ_STREAM_NOTIFY, 0);
    bind_loopback (s, ep, sizeof ep);
    fd = raw_connect (port_of (ep));
    if (notify)
        expect_notification (s, id, &id_len);
    raw_send (fd, "abc", 3);
    recv_pair (s, rid, &rl, data, sizeof data, &dl);
    CHECK (dl == 3 && memcmp (data, "abc", 3) == 0);
    if (notify)
        CHECK (rl == id_len && memcmp (rid, id, rl) == 0);
    memcpy (id, rid, rl);
    id_len = rl;
    /* Answer the raw peer. */
    send_pair (s, id, id_len, "xyz", 3);
    {
        char buf[8];
        size_t have = 0;
        while (have < 3) {
            ssize_t n = recv (fd, buf + have, sizeof buf - have, 0);
            CHECK (n > 0);
            have += (size_t) n;
        }
        CHECK (memcmp (buf, "xyz", 3) == 0);
    }
    close (fd);
    if (notify)
        expect_notification (s, id, &id_len);
    else
        CHECK_EQ (poll_socket (s, ZMQ_POLLIN, 300), 0);
    /* Nothing follows the disconnect (libzmq forgets the id only once the
     * socket reads past the notification, so routing to it is not checked). */
    CHECK_EQ (poll_socket (s, ZMQ_POLLIN, 100), 0);
    close_socket (s);
}

/* ------------------------------------------------------------- over ipc */

static void test_ipc (void *ctx)
{
    char ep[300], data[16];
    unsigned char id[256], rid[256];
    size_t id_len = 0, rl, dl, len = sizeof ep;
    struct sockaddr_un sa;
    int fd;
    void *s = test_socket (ctx, ZMQ_STREAM);
    ipc_endpoint (ep, sizeof ep, "stream");
    CHECK_RC (zmq_bind (s, ep));
    CHECK_RC (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, ep, &len));
    fd = socket (AF_UNIX, SOCK_STREAM, 0);
    CHECK (fd >= 0);
    memset (&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf (sa.sun_path, sizeof sa.sun_path, "%s", ep + 6);
    CHECK_RC (connect (fd, (struct sockaddr *) &sa, sizeof sa));
    expect_notification (s, id, &id_len);
    raw_send (fd, "ipc!", 4);
    recv_pair (s, rid, &rl, data, sizeof data, &dl);
    CHECK (dl == 4 && memcmp (data, "ipc!", 4) == 0);
    close (fd);
    expect_notification (s, id, &id_len);
    close_socket (s);
}

/* ------------------------------------------------ large data, both ways */

#define BULK (1024 * 1024)

static void *bulk_sender (void *arg)
{
    int fd = *(int *) arg;
    unsigned char *buf = (unsigned char *) malloc (BULK);
    size_t i;
    CHECK (buf != NULL);
    for (i = 0; i < BULK; i++)
        buf[i] = (unsigned char) (i * 7);
    raw_send (fd, buf, BULK);
    free (buf);
    return NULL;
}

/* A megabyte each way through a STREAM with RCVHWM 2: reading stops at the
 * HWM (TCP pushes back) and resumes; nothing is lost or reordered. */
static void test_bulk (void *ctx)
{
    char ep[256], data[65536];
    unsigned char id[256], rid[256], *out, *back;
    size_t id_len = 0, rl, dl, have = 0, i;
    pthread_t t;
    int fd;
    void *s = test_socket (ctx, ZMQ_STREAM);
    set_int (s, ZMQ_RCVHWM, 2);
    bind_loopback (s, ep, sizeof ep);
    fd = raw_connect (port_of (ep));
    expect_notification (s, id, &id_len);
    CHECK (pthread_create (&t, NULL, bulk_sender, &fd) == 0);
    while (have < BULK) {
        recv_pair (s, rid, &rl, data, sizeof data, &dl);
        CHECK (rl == id_len && memcmp (rid, id, rl) == 0);
        CHECK (dl > 0 && have + dl <= BULK);
        for (i = 0; i < dl; i++)
            if ((unsigned char) data[i] != (unsigned char) ((have + i) * 7))
                FAIL ("byte %zu differs", have + i);
        have += dl;
    }
    CHECK (pthread_join (t, NULL) == 0);

    /* One 1 MiB message out: the peer gets the bytes as they are. */
    out = (unsigned char *) malloc (BULK);
    back = (unsigned char *) malloc (BULK);
    CHECK (out != NULL && back != NULL);
    for (i = 0; i < BULK; i++)
        out[i] = (unsigned char) (i * 13);
    send_pair (s, id, id_len, out, BULK);
    have = 0;
    while (have < BULK) {
        ssize_t n = recv (fd, back + have, BULK - have, 0);
        CHECK (n > 0);
        have += (size_t) n;
    }
    CHECK (memcmp (out, back, BULK) == 0);
    free (out);
    free (back);
    close (fd);
    expect_notification (s, id, &id_len);
    close_socket (s);
}

int main (void)
{
    void *ctx;
    test_start (60);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);

    /* Unknown peers are unreachable; a lone id frame is not an error. */
    {
        void *s = test_socket (ctx, ZMQ_STREAM);
        CHECK_ERR (zmq_send (s, "nobody", 6, ZMQ_SNDMORE), EHOSTUNREACH);
        CHECK_ERR (zmq_setsockopt (s, ZMQ_STREAM_NOTIFY, "x", 1), EINVAL);
        close_socket (s);
    }
    printf ("%s\n", "test_http_server_for_curl()");
    test_http_server_for_curl (ctx);
    printf ("%s\n", "test_client_of_echo_server(, 0)");
    test_client_of_echo_server (ctx, 0);
    printf ("%s\n", "test_client_of_echo_server(, 1)");
    test_client_of_echo_server (ctx, 1);
    printf ("%s\n", "test_notifications(, 1)");
    test_notifications (ctx, 1);
    printf ("%s\n", "test_notifications(, 0)");
    test_notifications (ctx, 0);
    printf ("%s\n", "test_bulk()");
    test_bulk (ctx);
    printf ("%s\n", "test_ipc()");
    test_ipc (ctx);

    term_ctx (ctx);
    printf ("test_stream: ok\n");
    return 0;
}
