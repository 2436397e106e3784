/* The PLAIN mechanism (RFC 24) with ZAP (RFC 27):
 * - the options: MECHANISM follows PLAIN_SERVER / PLAIN_USERNAME, the
 *   username and password read back as strings, limits (255 bytes);
 * - a handler accepting admin/password: messages flow, the request frames
 *   are "1.0", an id, the domain, "127.0.0.1", the server's routing id,
 *   "PLAIN", username, password; User-Id is what the handler returned;
 * - a wrong password (400): no message, HANDSHAKE_FAILED_AUTH 400 on both
 *   monitors; 500 likewise; 300: AUTH 300 on the server only, the client
 *   is just disconnected (no ERROR is sent);
 * - no handler: the server refuses every client (HANDSHAKE_FAILED_NO_DETAIL
 *   EFAULT), nothing arrives;
 * - a NULL client against a PLAIN server: HANDSHAKE_FAILED_PROTOCOL
 *   ZMTP_MECHANISM_MISMATCH;
 * - inproc has no handshake: a PLAIN server without a handler still talks
 *   to a client with any (or no) credentials. */
#include "testutil.h"

#include "monitor.h"
#include "zaputil.h"

static void set_str (void *s, int option, const char *v)
{
    CHECK_RC (zmq_setsockopt (s, option, v, strlen (v)));
}

static void check_str_opt (void *s, int option, const char *want)
{
    char buf[300];
    size_t len = sizeof buf;
    CHECK_RC (zmq_getsockopt (s, option, buf, &len));
    CHECK_EQ (len, strlen (want) + 1);
    CHECK_STR (buf, want);
}

static void options (void)
{
    void *ctx = zmq_ctx_new ();
    void *s = test_socket (ctx, ZMQ_DEALER);
    char big[300];

    CHECK_EQ (get_int (s, ZMQ_MECHANISM), ZMQ_NULL);
    CHECK_EQ (get_int (s, ZMQ_PLAIN_SERVER), 0);
    check_str_opt (s, ZMQ_PLAIN_USERNAME, "");

    set_int (s, ZMQ_PLAIN_SERVER, 1);
    CHECK_EQ (get_int (s, ZMQ_MECHANISM), ZMQ_PLAIN);
    CHECK_EQ (get_int (s, ZMQ_PLAIN_SERVER), 1);
    set_int (s, ZMQ_PLAIN_SERVER, 0);
    CHECK_EQ (get_int (s, ZMQ_MECHANISM), ZMQ_NULL);
    CHECK_EQ (get_int (s, ZMQ_PLAIN_SERVER), 0);

    set_str (s, ZMQ_PLAIN_USERNAME, "admin");
    CHECK_EQ (get_int (s, ZMQ_MECHANISM), ZMQ_PLAIN);
    CHECK_EQ (get_int (s, ZMQ_PLAIN_SERVER), 0);
    set_str (s, ZMQ_PLAIN_PASSWORD, "password");
    check_str_opt (s, ZMQ_PLAIN_USERNAME, "admin");
    check_str_opt (s, ZMQ_PLAIN_PASSWORD, "password");

    /* At most 255 bytes (one length byte on the wire). */
    memset (big, 'x', sizeof big);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_PLAIN_USERNAME, big, 256), EINVAL);
    CHECK_RC (zmq_setsockopt (s, ZMQ_PLAIN_USERNAME, big, 255));
    CHECK_ERR (zmq_setsockopt (s, ZMQ_PLAIN_PASSWORD, big, 256), EINVAL);
    check_str_opt (s, ZMQ_PLAIN_PASSWORD, "password");

    close_socket (s);
    term_ctx (ctx);
}

/* HANDSHAKE_IVL of the next pair_open's server, when not 0. */
static int handshake_ivl;

/* A PLAIN server (DEALER, routing id "SRV", domain "global") and a DEALER
 * client with user/password (or a NULL client when user is NULL). */
static void pair_open (pair_t *p, void *ctx, const char *user,
                       const char *password)
{
    p->server = test_socket (ctx, ZMQ_DEALER);
    p->client = test_socket (ctx, ZMQ_DEALER);
    set_int (p->client, ZMQ_RECONNECT_IVL, 20);
    CHECK_RC (zmq_setsockopt (p->server, ZMQ_ROUTING_ID, "SRV", 3));
    set_str (p->server, ZMQ_ZAP_DOMAIN, "global");
    set_int (p->server, ZMQ_PLAIN_SERVER, 1);
    if (handshake_ivl)
        set_int (p->server, ZMQ_HANDSHAKE_IVL, handshake_ivl);
    if (user) {
        set_str (p->client, ZMQ_PLAIN_USERNAME, user);
        set_str (p->client, ZMQ_PLAIN_PASSWORD, password);
        CHECK_EQ (get_int (p->client, ZMQ_MECHANISM), ZMQ_PLAIN);
    }
    CHECK_EQ (get_int (p->server, ZMQ_MECHANISM), ZMQ_PLAIN);
    pair_connect (p, ctx);
}

static void accepted (void)
{
    void *ctx = zmq_ctx_new ();
    zap_t zap;
    pair_t p;
    zmq_msg_t msg;
    memset (&zap, 0, sizeof zap);
    zap.user = "admin";
    zap.password = "password";
    zap.user_id = "admin-id";
    zap.meta_name = "X-Role";
    zap.meta_value = "operator";
    zap_start (&zap, ctx);
    pair_open (&p, ctx, "admin", "password");

    SEND_STR (p.client, "hello", 0);
    CHECK_RC (zmq_msg_init (&msg));
    CHECK (zmq_msg_recv (&msg, p.server, 0) == 5);
    CHECK_STR (zmq_msg_gets (&msg, "User-Id"), "admin-id");
    CHECK_STR (zmq_msg_gets (&msg, "X-Role"), "operator");
    CHECK_STR (zmq_msg_gets (&msg, "Socket-Type"), "DEALER");
    CHECK_RC (zmq_msg_close (&msg));
    SEND_STR (p.server, "world", 0);
    RECV_STR (p.client, "world", 0);
    /* The client learns no User-Id (only the server asks ZAP). */
    CHECK_EQ (mon_wait (p.smon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED), 0);
    CHECK_EQ (mon_wait (p.cmon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED), 0);

    pthread_mutex_lock (&zap.lock);
    CHECK_EQ (zap.requests, 1);
    CHECK_EQ (zap.nframes, 8);
    CHECK (zap_frame_str (&zap, 0, "1.0"));
    CHECK (zap.len[1] > 0);
    CHECK (zap_frame_str (&zap, 2, "global"));
    CHECK (zap_frame_str (&zap, 3, "127.0.0.1"));
    CHECK (zap_frame_str (&zap, 4, "SRV"));
    CHECK (zap_frame_str (&zap, 5, "PLAIN"));
    CHECK (zap_frame_str (&zap, 6, "admin"));
    CHECK (zap_frame_str (&zap, 7, "password"));
    pthread_mutex_unlock (&zap.lock);

    pair_close (&p);
    zap_stop (&zap);
    term_ctx (ctx);
}

/* The handler refuses (or, with always, answers `status` to everyone). */
static void refused (const char *password, const char *status, int always)
{
    void *ctx = zmq_ctx_new ();
    int code = atoi (status);
    zap_t zap;
    pair_t p;
    memset (&zap, 0, sizeof zap);
    if (always) {
        zap.ok_status = status;
    } else {
        zap.user = "admin";
        zap.password = "password";
        zap.deny_status = status;
    }
    zap_start (&zap, ctx);
    handshake_ivl = code == 300 ? 500 : 0;
    pair_open (&p, ctx, "admin", password);
    handshake_ivl = 0;

    SEND_MAYBE (p.client, "hello");
    CHECK_EQ (mon_wait (p.smon, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH), code);
    if (code == 300) {
        /* No ERROR is sent: the client learns nothing; libzmq leaves the
         * connection to the handshake timer (HANDSHAKE_IVL 500 ms here),
         * after which the client is disconnected. */
        mon_event_t e;
        do {
            CHECK (mon_read (p.cmon, &e, TEST_TIMEOUT_MS));
            printf ("client event 0x%x %u\n", e.event, e.value);
            CHECK (e.event != ZMQ_EVENT_HANDSHAKE_FAILED_AUTH);
            CHECK (e.event != ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
        } while (e.event != ZMQ_EVENT_DISCONNECTED);
    } else {
        CHECK_EQ (mon_wait (p.cmon, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH), code);
        no_retry_after_auth (p.cmon, &zap);
    }
    CHECK_NOTHING (p.server, 200);
    CHECK_NOTHING (p.client, 0);
    
    pair_close (&p);
    zap_stop (&zap);
    term_ctx (ctx);
}

static void no_handler (void)
{
    void *ctx = zmq_ctx_new ();
    pair_t p;
    pair_open (&p, ctx, "admin", "password");
    SEND_MAYBE (p.client, "hello");
    CHECK_EQ (mon_wait (p.smon, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL), EFAULT);
    CHECK_NOTHING (p.server, 200);
    pair_close (&p);
    term_ctx (ctx);
}

static void null_client (void)
{
    void *ctx = zmq_ctx_new ();
    zap_t zap;
    pair_t p;
    memset (&zap, 0, sizeof zap);
    zap_start (&zap, ctx);
    pair_open (&p, ctx, NULL, NULL);
    SEND_MAYBE (p.client, "hello");
    CHECK_EQ (mon_wait (p.smon, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL),
              ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH);
    CHECK_NOTHING (p.server, 200);
    CHECK_EQ (zap_requests (&zap), 0);
    pair_close (&p);
    zap_stop (&zap);
    term_ctx (ctx);
}

static void inproc (void)
{
    void *ctx = zmq_ctx_new ();
    void *server = test_socket (ctx, ZMQ_DEALER);
    void *client = test_socket (ctx, ZMQ_DEALER);
    char ep[64];
    set_int (server, ZMQ_PLAIN_SERVER, 1);
    set_str (client, ZMQ_PLAIN_USERNAME, "nobody");
    set_str (client, ZMQ_PLAIN_PASSWORD, "nothing");
    bind_transport (server, "inproc", ep, sizeof ep);
    CHECK_RC (zmq_connect (client, ep));
    SEND_STR (client, "hello", 0);
    RECV_STR (server, "hello", 0);
    SEND_STR (server, "world", 0);
    RECV_STR (client, "world", 0);
    close_socket (client);
    close_socket (server);
    term_ctx (ctx);
}

int main (void)
{
    test_start (40);
    options ();
    accepted ();
    refused ("wrong", "400", 0);
    refused ("password", "500", 1);
    refused ("password", "300", 1);
    no_handler ();
    null_client ();
    inproc ();
    printf ("OK\n");
    return 0;
}
