/* The NULL mechanism with ZAP (RFC 23, RFC 27; zmq_setsockopt ZAP_DOMAIN):
 * - ZAP_DOMAIN set and a handler that accepts: messages flow, the handler
 *   saw version "1.0", a request id, the domain, "127.0.0.1", the server's
 *   routing id and "NULL" with no credentials, and the messages carry the
 *   handler's User-Id and metadata (zmq_msg_gets);
 * - a handler that answers 400: no message arrives, HANDSHAKE_FAILED_AUTH
 *   400 on the server's monitor and on the client's (it gets ERROR "400");
 * - ZAP_DOMAIN and no handler: allowed;
 * - ZAP_ENFORCE_DOMAIN, ZAP_DOMAIN and no handler: refused with
 *   HANDSHAKE_FAILED_NO_DETAIL EFAULT (draft option: skipped where the
 *   library rejects it);
 * - no ZAP_DOMAIN: the handler is never asked;
 * - over ipc the request's address frame is the connection's Peer-Address
 *   ("localhost:uid:gid:pid"-style, M4);
 * - over inproc there is no handshake: the handler is never asked. */
#include "testutil.h"

#include "monitor.h"
#include "zaputil.h"

/* A DEALER server (routing id "SRV", ZAP_DOMAIN `domain` unless NULL) and
 * a DEALER client connected to it, both monitored. */
static void pair_open (pair_t *p, void *ctx, const char *domain, int enforce)
{
    p->server = test_socket (ctx, ZMQ_DEALER);
    p->client = test_socket (ctx, ZMQ_DEALER);
    set_int (p->client, ZMQ_RECONNECT_IVL, 20);
    CHECK_RC (zmq_setsockopt (p->server, ZMQ_ROUTING_ID, "SRV", 3));
    if (domain)
        CHECK_RC (zmq_setsockopt (p->server, ZMQ_ZAP_DOMAIN, domain,
                                  strlen (domain)));
    if (enforce)
        set_int (p->server, ZMQ_ZAP_ENFORCE_DOMAIN, 1);
    pair_connect (p, ctx);
}

/* Messages flow both ways. */
static void talk (pair_t *p)
{
    SEND_STR (p->client, "hello", 0);
    RECV_STR (p->server, "hello", 0);
    SEND_STR (p->server, "world", 0);
    RECV_STR (p->client, "world", 0);
}

static void accepted (void)
{
    void *ctx = zmq_ctx_new ();
    zap_t zap;
    pair_t p;
    zmq_msg_t msg;
    memset (&zap, 0, sizeof zap);
    zap.user_id = "anonymous-42";
    zap.meta_name = "Hello";
    zap.meta_value = "World";
    zap_start (&zap, ctx);
    pair_open (&p, ctx, "test", 0);

    SEND_STR (p.client, "hello", 0);
    CHECK_RC (zmq_msg_init (&msg));
    CHECK (zmq_msg_recv (&msg, p.server, 0) == 5);
    CHECK_STR (zmq_msg_gets (&msg, "User-Id"), "anonymous-42");
    CHECK_STR (zmq_msg_gets (&msg, "Hello"), "World");
    CHECK_STR (zmq_msg_gets (&msg, "Socket-Type"), "DEALER");
    CHECK_RC (zmq_msg_close (&msg));
    CHECK_EQ (mon_wait (p.smon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED), 0);
    CHECK_EQ (mon_wait (p.cmon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED), 0);
    SEND_STR (p.server, "world", 0);
    RECV_STR (p.client, "world", 0);

    /* The client side asked nothing (no domain): one request in all. */
    pthread_mutex_lock (&zap.lock);
    CHECK_EQ (zap.requests, 1);
    CHECK_EQ (zap.nframes, 6);
    CHECK (zap_frame_str (&zap, 0, "1.0"));
    CHECK (zap.len[1] > 0);
    CHECK (zap_frame_str (&zap, 2, "test"));
    CHECK (zap_frame_str (&zap, 3, "127.0.0.1"));
    CHECK (zap_frame_str (&zap, 4, "SRV"));
    CHECK (zap_frame_str (&zap, 5, "NULL"));
    pthread_mutex_unlock (&zap.lock);

    pair_close (&p);
    zap_stop (&zap);
    term_ctx (ctx);
}

static void denied (const char *status, int code)
{
    void *ctx = zmq_ctx_new ();
    zap_t zap;
    pair_t p;
    memset (&zap, 0, sizeof zap);
    zap.ok_status = status;
    zap_start (&zap, ctx);
    pair_open (&p, ctx, "test", 0);

    SEND_MAYBE (p.client, "hello");
    CHECK_EQ (mon_wait (p.smon, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH), code);
    CHECK_EQ (mon_wait (p.cmon, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH), code);
    no_retry_after_auth (p.cmon, &zap);
    CHECK_NOTHING (p.server, 200);
    
    pair_close (&p);
    zap_stop (&zap);
    term_ctx (ctx);
}

static void no_handler (void)
{
    void *ctx = zmq_ctx_new ();
    pair_t p;
    pair_open (&p, ctx, "test", 0);
    talk (&p);
    pair_close (&p);
    term_ctx (ctx);
}

static void enforced_no_handler (void)
{
    void *ctx = zmq_ctx_new ();
    void *probe = test_socket (ctx, ZMQ_DEALER);
    int one = 1;
    pair_t p;
    if (zmq_setsockopt (probe, ZMQ_ZAP_ENFORCE_DOMAIN, &one, sizeof one) != 0) {
#ifdef ZMQ_CTESTS_SYSTEM
        CHECK_EQ (errno, EINVAL);
        printf ("ZAP_ENFORCE_DOMAIN not built in: skipped\n");
        close_socket (probe);
        term_ctx (ctx);
        return;
#else
        FAIL ("ZAP_ENFORCE_DOMAIN: errno %d", errno);
#endif
    }
    CHECK_EQ (get_int (probe, ZMQ_ZAP_ENFORCE_DOMAIN), 1);
    close_socket (probe);

    pair_open (&p, ctx, "test", 1);
    SEND_MAYBE (p.client, "hello");
    CHECK_EQ (mon_wait (p.smon, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL), EFAULT);
    CHECK_NOTHING (p.server, 200);
    pair_close (&p);
    term_ctx (ctx);
}

static void no_domain (void)
{
    void *ctx = zmq_ctx_new ();
    zap_t zap;
    pair_t p;
    memset (&zap, 0, sizeof zap);
    zap_start (&zap, ctx);
    pair_open (&p, ctx, NULL, 0);
    talk (&p);
    CHECK_EQ (zap_requests (&zap), 0);
    pair_close (&p);
    zap_stop (&zap);
    term_ctx (ctx);
}

/* The ZAP address frame over ipc; no ZAP at all over inproc. */
static void other_transports (void)
{
    void *ctx = zmq_ctx_new ();
    void *server = test_socket (ctx, ZMQ_DEALER);
    void *client = test_socket (ctx, ZMQ_DEALER);
    void *iserver = test_socket (ctx, ZMQ_DEALER);
    void *iclient = test_socket (ctx, ZMQ_DEALER);
    char ep[300];
    zap_t zap;
    zmq_msg_t msg;
    const char *addr;
    memset (&zap, 0, sizeof zap);
    zap_start (&zap, ctx);

    CHECK_RC (zmq_setsockopt (server, ZMQ_ZAP_DOMAIN, "test", 4));
    bind_transport (server, "ipc", ep, sizeof ep);
    CHECK_RC (zmq_connect (client, ep));
    SEND_STR (client, "hello", 0);
    CHECK_RC (zmq_msg_init (&msg));
    CHECK (zmq_msg_recv (&msg, server, 0) == 5);
    addr = zmq_msg_gets (&msg, "Peer-Address");
    CHECK (addr != NULL);
    pthread_mutex_lock (&zap.lock);
    CHECK_EQ (zap.requests, 1);
    CHECK (zap_frame_str (&zap, 2, "test"));
    if (!zap_frame_str (&zap, 3, addr))
        FAIL ("ZAP address frame '%.*s', Peer-Address '%s'", (int) zap.len[3],
              zap.frame[3], addr);
    pthread_mutex_unlock (&zap.lock);
    CHECK_RC (zmq_msg_close (&msg));

    CHECK_RC (zmq_setsockopt (iserver, ZMQ_ZAP_DOMAIN, "test", 4));
    bind_transport (iserver, "inproc", ep, sizeof ep);
    CHECK_RC (zmq_connect (iclient, ep));
    SEND_STR (iclient, "hello", 0);
    RECV_STR (iserver, "hello", 0);
    CHECK_EQ (zap_requests (&zap), 1);

    close_socket (client);
    close_socket (server);
    close_socket (iclient);
    close_socket (iserver);
    zap_stop (&zap);
    term_ctx (ctx);
}

int main (void)
{
    test_start (30);
    accepted ();
    denied ("400", 400);
    no_handler ();
    enforced_no_handler ();
    no_domain ();
    other_transports ();
    printf ("OK\n");
    return 0;
}
