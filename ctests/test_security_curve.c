/* The CURVE mechanism (RFC 26) with ZAP (RFC 27):
 * - zmq_curve_keypair / zmq_curve_public round trips, EINVAL on bad Z85;
 * - the key options as 32 bytes or 40-char Z85 (with or without the NUL),
 *   read back as 32 bytes or 41-char Z85 by the option length;
 * - server and client without a handler (allowed) and with one: the
 *   handler sees "CURVE" and the client's 32-byte public key, can deny it
 *   (AUTH 400 on both monitors, nothing arrives);
 * - a client with the wrong server key: HANDSHAKE_FAILED_PROTOCOL
 *   ZMTP_CRYPTOGRAPHIC on the server, nothing arrives;
 * - messages of 0 B, 64 B, 100 KiB and multipart both ways; PUB/SUB (the
 *   subscriptions travel as encrypted commands); REQ/REP; ROUTER with the
 *   handler's User-Id on every message;
 * - READY/INITIATE metadata inside the box: Socket-Type and ZMQ_METADATA
 *   properties are seen on both sides;
 * - which servers ask ZAP: without a ZAP_DOMAIN the handler is still asked
 *   (domain ""), unless ZAP_ENFORCE_DOMAIN is set (then never). */
#include "testutil.h"

#include "monitor.h"
#include "zaputil.h"

typedef struct
{
    char pub[41];
    char sec[41];
    unsigned char pub_bin[32];
} keys_t;

static void make_keys (keys_t *k)
{
    char derived[41];
    CHECK_RC (zmq_curve_keypair (k->pub, k->sec));
    CHECK_EQ (strlen (k->pub), 40);
    CHECK_EQ (strlen (k->sec), 40);
    CHECK (zmq_z85_decode (k->pub_bin, k->pub) != NULL);
    CHECK_RC (zmq_curve_public (derived, k->sec));
    CHECK_STR (derived, k->pub);
}

static void keys_api (void)
{
    keys_t a, b;
    char out[41];
    char bad[41];
    CHECK (zmq_has ("curve"));
    make_keys (&a);
    make_keys (&b);
    CHECK (strcmp (a.pub, b.pub) != 0);
    CHECK (strcmp (a.sec, b.sec) != 0);

    /* Not Z85: a character outside the alphabet, or a short key. */
    memcpy (bad, a.sec, sizeof bad);
    bad[7] = '~';
    CHECK_ERR (zmq_curve_public (out, bad), EINVAL);
    bad[7] = a.sec[7];
    bad[39] = 0;
    CHECK_ERR (zmq_curve_public (out, bad), EINVAL);
}

static void check_key (void *s, int option, const keys_t *k, int secret)
{
    unsigned char bin[32];
    char z85[41];
    unsigned char want[32];
    size_t len = sizeof bin;
    const char *z = secret ? k->sec : k->pub;
    CHECK (zmq_z85_decode (want, z) != NULL);
    CHECK_RC (zmq_getsockopt (s, option, bin, &len));
    CHECK_EQ (len, 32);
    CHECK (memcmp (bin, want, 32) == 0);
    len = sizeof z85;
    CHECK_RC (zmq_getsockopt (s, option, z85, &len));
    CHECK_EQ (len, 41);
    CHECK_STR (z85, z);
    len = 40;
    CHECK_ERR (zmq_getsockopt (s, option, z85, &len), EINVAL);
}

static void options (void)
{
    void *ctx = zmq_ctx_new ();
    void *s = test_socket (ctx, ZMQ_DEALER);
    keys_t k, srv;
    unsigned char bin[32];
    make_keys (&k);
    make_keys (&srv);

    CHECK_EQ (get_int (s, ZMQ_CURVE_SERVER), 0);
    set_int (s, ZMQ_CURVE_SERVER, 1);
    CHECK_EQ (get_int (s, ZMQ_MECHANISM), ZMQ_CURVE);
    CHECK_EQ (get_int (s, ZMQ_CURVE_SERVER), 1);

    /* 40-char Z85, 41 with the NUL, 32 bytes: the same key. */
    CHECK_RC (zmq_setsockopt (s, ZMQ_CURVE_PUBLICKEY, k.pub, 40));
    check_key (s, ZMQ_CURVE_PUBLICKEY, &k, 0);
    CHECK_RC (zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, k.sec, 41));
    check_key (s, ZMQ_CURVE_SECRETKEY, &k, 1);
    CHECK_RC (zmq_setsockopt (s, ZMQ_CURVE_SERVERKEY, srv.pub_bin, 32));
    check_key (s, ZMQ_CURVE_SERVERKEY, &srv, 0);
    /* Setting SERVERKEY makes the socket a client. */
    CHECK_EQ (get_int (s, ZMQ_CURVE_SERVER), 0);
    CHECK_EQ (get_int (s, ZMQ_MECHANISM), ZMQ_CURVE);

    /* Other lengths and bad Z85 are refused and change nothing. */
    memset (bin, 0, sizeof bin);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_CURVE_PUBLICKEY, bin, 31), EINVAL);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_CURVE_PUBLICKEY, k.pub, 39), EINVAL);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_CURVE_PUBLICKEY,
                               "~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~", 40),
               EINVAL);
    check_key (s, ZMQ_CURVE_PUBLICKEY, &k, 0);

    close_socket (s);
    term_ctx (ctx);
}

/* ROUTING_ID of the next pair_open's client, when not NULL. */
static const char *client_routing_id;

/* A CURVE server of `stype` (domain "global") with srv's secret key, and a
 * client of `ctype` with cli's keys and `server_key` as the server's. */
static void pair_open (pair_t *p, void *ctx, int stype, int ctype,
                       const keys_t *srv, const keys_t *cli,
                       const char *server_key)
{
    p->server = test_socket (ctx, stype);
    p->client = test_socket (ctx, ctype);
    set_int (p->client, ZMQ_RECONNECT_IVL, 20);
    set_int (p->server, ZMQ_CURVE_SERVER, 1);
    CHECK_RC (zmq_setsockopt (p->server, ZMQ_CURVE_SECRETKEY, srv->sec, 40));
    CHECK_RC (zmq_setsockopt (p->server, ZMQ_ZAP_DOMAIN, "global", 6));
    CHECK_RC (zmq_setsockopt (p->client, ZMQ_CURVE_SERVERKEY, server_key, 40));
    CHECK_RC (zmq_setsockopt (p->client, ZMQ_CURVE_PUBLICKEY, cli->pub, 40));
    CHECK_RC (zmq_setsockopt (p->client, ZMQ_CURVE_SECRETKEY, cli->sec, 40));
    if (client_routing_id)
        CHECK_RC (zmq_setsockopt (p->client, ZMQ_ROUTING_ID, client_routing_id,
                                  strlen (client_routing_id)));
    pair_connect (p, ctx);
}

static void send_buf (void *s, const unsigned char *buf, size_t len, int flags)
{
    CHECK_EQ (zmq_send (s, buf, len, flags), (long long) len);
}

static void recv_buf (void *s, const unsigned char *want, size_t len, int more)
{
    zmq_msg_t msg;
    CHECK_RC (zmq_msg_init (&msg));
    CHECK_EQ (zmq_msg_recv (&msg, s, 0), (long long) len);
    CHECK (len == 0 || memcmp (zmq_msg_data (&msg), want, len) == 0);
    CHECK_EQ (zmq_msg_more (&msg), more);
    CHECK_RC (zmq_msg_close (&msg));
}

/* 0 B, 64 B, 100 KiB and a 3-part message from a to b. */
static void sizes (void *a, void *b)
{
    static unsigned char big[100 * 1024];
    size_t sz[] = {0, 64, sizeof big};
    size_t i;
    for (i = 0; i < sizeof big; i++)
        big[i] = (unsigned char) (i * 7 + 3);
    for (i = 0; i < 3; i++) {
        send_buf (a, big, sz[i], 0);
        recv_buf (b, big, sz[i], 0);
    }
    send_buf (a, big, 10, ZMQ_SNDMORE);
    send_buf (a, big, 0, ZMQ_SNDMORE);
    send_buf (a, big, sizeof big, 0);
    recv_buf (b, big, 10, 1);
    recv_buf (b, big, 0, 1);
    recv_buf (b, big, sizeof big, 0);
}

static void stonehouse (void)
{
    void *ctx = zmq_ctx_new ();
    keys_t srv, cli;
    pair_t p;
    make_keys (&srv);
    make_keys (&cli);
    pair_open (&p, ctx, ZMQ_DEALER, ZMQ_DEALER, &srv, &cli, srv.pub);
    CHECK_EQ (get_int (p.server, ZMQ_MECHANISM), ZMQ_CURVE);
    CHECK_EQ (get_int (p.client, ZMQ_MECHANISM), ZMQ_CURVE);
    sizes (p.client, p.server);
    sizes (p.server, p.client);
    CHECK_EQ (mon_wait (p.smon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED), 0);
    CHECK_EQ (mon_wait (p.cmon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED), 0);
    pair_close (&p);
    term_ctx (ctx);
}

static void with_handler (void)
{
    void *ctx = zmq_ctx_new ();
    keys_t srv, cli;
    zap_t zap;
    pair_t p;
    zmq_msg_t msg;
    make_keys (&srv);
    make_keys (&cli);
    memset (&zap, 0, sizeof zap);
    memcpy (zap.key, cli.pub_bin, 32);
    zap.key_set = 1;
    zap.user_id = "curve-user";
    zap_start (&zap, ctx);
    pair_open (&p, ctx, ZMQ_DEALER, ZMQ_DEALER, &srv, &cli, srv.pub);

    SEND_STR (p.client, "hello", 0);
    CHECK_RC (zmq_msg_init (&msg));
    CHECK (zmq_msg_recv (&msg, p.server, 0) == 5);
    CHECK_STR (zmq_msg_gets (&msg, "User-Id"), "curve-user");
    CHECK_RC (zmq_msg_close (&msg));
    SEND_STR (p.server, "world", 0);
    RECV_STR (p.client, "world", 0);

    pthread_mutex_lock (&zap.lock);
    CHECK_EQ (zap.requests, 1);
    CHECK_EQ (zap.nframes, 7);
    CHECK (zap_frame_str (&zap, 0, "1.0"));
    CHECK (zap_frame_str (&zap, 2, "global"));
    CHECK (zap_frame_str (&zap, 3, "127.0.0.1"));
    CHECK (zap_frame_str (&zap, 5, "CURVE"));
    CHECK (zap_frame_is (&zap, 6, cli.pub_bin, 32));
    pthread_mutex_unlock (&zap.lock);

    pair_close (&p);
    zap_stop (&zap);
    term_ctx (ctx);
}

static void denied (void)
{
    void *ctx = zmq_ctx_new ();
    keys_t srv, cli, other;
    zap_t zap;
    pair_t p;
    make_keys (&srv);
    make_keys (&cli);
    make_keys (&other);
    memset (&zap, 0, sizeof zap);
    memcpy (zap.key, other.pub_bin, 32); /* only `other` is allowed */
    zap.key_set = 1;
    zap_start (&zap, ctx);
    pair_open (&p, ctx, ZMQ_DEALER, ZMQ_DEALER, &srv, &cli, srv.pub);

    SEND_MAYBE (p.client, "hello");
    CHECK_EQ (mon_wait (p.smon, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH), 400);
    CHECK_EQ (mon_wait (p.cmon, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH), 400);
    no_retry_after_auth (p.cmon, &zap);
    CHECK_NOTHING (p.server, 200);
    CHECK_NOTHING (p.client, 0);
    
    pair_close (&p);
    zap_stop (&zap);
    term_ctx (ctx);
}

static void wrong_server_key (void)
{
    void *ctx = zmq_ctx_new ();
    keys_t srv, cli, other;
    pair_t p;
    make_keys (&srv);
    make_keys (&cli);
    make_keys (&other);
    pair_open (&p, ctx, ZMQ_DEALER, ZMQ_DEALER, &srv, &cli, other.pub);
    SEND_MAYBE (p.client, "hello");
    CHECK_EQ (mon_wait (p.smon, ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL),
              ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC);
    CHECK_NOTHING (p.server, 200);
    CHECK_NOTHING (p.client, 0);
    pair_close (&p);
    term_ctx (ctx);
}

static void pubsub (void)
{
    void *ctx = zmq_ctx_new ();
    keys_t srv, cli;
    pair_t p;
    make_keys (&srv);
    make_keys (&cli);
    pair_open (&p, ctx, ZMQ_PUB, ZMQ_SUB, &srv, &cli, srv.pub);
    CHECK_RC (zmq_setsockopt (p.client, ZMQ_SUBSCRIBE, "A", 1));
    sync_pub_sub (p.server, p.client, "A-sync");
    SEND_STR (p.server, "B-dropped", 0);
    SEND_STR (p.server, "A-kept", 0);
    RECV_STR (p.client, "A-kept", 0);
    /* A new subscription, sent as an encrypted SUBSCRIBE command. */
    CHECK_RC (zmq_setsockopt (p.client, ZMQ_SUBSCRIBE, "C", 1));
    sync_pub_sub (p.server, p.client, "C-sync");
    SEND_STR (p.server, "B-dropped", 0);
    SEND_STR (p.server, "C-kept", 0);
    RECV_STR (p.client, "C-kept", 0);
    CHECK_NOTHING (p.client, 100);
    pair_close (&p);
    term_ctx (ctx);
}

static void reqrep (void)
{
    void *ctx = zmq_ctx_new ();
    keys_t srv, cli;
    pair_t p;
    int i;
    make_keys (&srv);
    make_keys (&cli);
    pair_open (&p, ctx, ZMQ_REP, ZMQ_REQ, &srv, &cli, srv.pub);
    for (i = 0; i < 5; i++) {
        SEND_STR (p.client, "ping", 0);
        RECV_STR (p.server, "ping", 0);
        SEND_STR (p.server, "pong", 0);
        RECV_STR (p.client, "pong", 0);
    }
    pair_close (&p);
    term_ctx (ctx);
}

static void router_user_id (void)
{
    void *ctx = zmq_ctx_new ();
    keys_t srv, cli;
    zap_t zap;
    pair_t p;
    zmq_msg_t id, body;
    make_keys (&srv);
    make_keys (&cli);
    memset (&zap, 0, sizeof zap);
    zap.user_id = "router-user";
    zap.meta_name = "X-Tier";
    zap.meta_value = "gold";
    zap_start (&zap, ctx);
    client_routing_id = "cli";
    pair_open (&p, ctx, ZMQ_ROUTER, ZMQ_DEALER, &srv, &cli, srv.pub);
    client_routing_id = NULL;
    SEND_STR (p.client, "one", ZMQ_SNDMORE);
    SEND_STR (p.client, "two", 0);

    CHECK_RC (zmq_msg_init (&id));
    CHECK_RC (zmq_msg_init (&body));
    CHECK (zmq_msg_recv (&id, p.server, 0) == 3);
    CHECK (memcmp (zmq_msg_data (&id), "cli", 3) == 0);
    CHECK (zmq_msg_recv (&body, p.server, 0) == 3);
    CHECK_STR (zmq_msg_gets (&body, "User-Id"), "router-user");
    CHECK_STR (zmq_msg_gets (&body, "X-Tier"), "gold");
    CHECK_STR (zmq_msg_gets (&body, "Socket-Type"), "DEALER");
    CHECK (zmq_msg_more (&body));
    CHECK (zmq_msg_recv (&body, p.server, 0) == 3);
    CHECK_STR (zmq_msg_gets (&body, "User-Id"), "router-user");
    CHECK (!zmq_msg_more (&body));
    CHECK (zmq_msg_send (&id, p.server, ZMQ_SNDMORE) == 3);
    SEND_STR (p.server, "reply", 0);
    RECV_STR (p.client, "reply", 0);
    CHECK_RC (zmq_msg_close (&id));
    CHECK_RC (zmq_msg_close (&body));

    pair_close (&p);
    zap_stop (&zap);
    term_ctx (ctx);
}

#ifndef ZMQ_METADATA
#define ZMQ_METADATA 95
#endif

static void metadata (void)
{
    void *ctx = zmq_ctx_new ();
    void *probe = test_socket (ctx, ZMQ_DEALER);
    keys_t srv, cli;
    pair_t p;
    zmq_msg_t msg;
    int have_metadata = zmq_setsockopt (probe, ZMQ_METADATA, "X-A:b", 5) == 0;
#ifndef ZMQ_CTESTS_SYSTEM
    CHECK (have_metadata);
#endif
    close_socket (probe);
    if (!have_metadata) {
        printf ("ZMQ_METADATA not built in: metadata skipped\n");
        term_ctx (ctx);
        return;
    }
    make_keys (&srv);
    make_keys (&cli);
    p.server = test_socket (ctx, ZMQ_DEALER);
    p.client = test_socket (ctx, ZMQ_DEALER);
    set_int (p.server, ZMQ_CURVE_SERVER, 1);
    CHECK_RC (zmq_setsockopt (p.server, ZMQ_CURVE_SECRETKEY, srv.sec, 40));
    CHECK_RC (zmq_setsockopt (p.server, ZMQ_METADATA, "X-Side:server", 13));
    CHECK_RC (zmq_setsockopt (p.client, ZMQ_CURVE_SERVERKEY, srv.pub, 40));
    CHECK_RC (zmq_setsockopt (p.client, ZMQ_CURVE_PUBLICKEY, cli.pub, 40));
    CHECK_RC (zmq_setsockopt (p.client, ZMQ_CURVE_SECRETKEY, cli.sec, 40));
    CHECK_RC (zmq_setsockopt (p.client, ZMQ_METADATA, "X-Side:client", 13));
    CHECK_RC (zmq_setsockopt (p.client, ZMQ_ROUTING_ID, "cid", 3));
    bind_loopback (p.server, p.ep, sizeof p.ep);
    CHECK_RC (zmq_connect (p.client, p.ep));

    SEND_STR (p.client, "hello", 0);
    CHECK_RC (zmq_msg_init (&msg));
    CHECK (zmq_msg_recv (&msg, p.server, 0) == 5);
    CHECK_STR (zmq_msg_gets (&msg, "X-Side"), "client");
    CHECK_STR (zmq_msg_gets (&msg, "Socket-Type"), "DEALER");
    CHECK_STR (zmq_msg_gets (&msg, "Identity"), "cid");
    CHECK_STR (zmq_msg_gets (&msg, "Peer-Address"), "127.0.0.1");
    SEND_STR (p.server, "world", 0);
    CHECK (zmq_msg_recv (&msg, p.client, 0) == 5);
    CHECK_STR (zmq_msg_gets (&msg, "X-Side"), "server");
    CHECK_STR (zmq_msg_gets (&msg, "Socket-Type"), "DEALER");
    CHECK_RC (zmq_msg_close (&msg));
    close_socket (p.client);
    close_socket (p.server);
    term_ctx (ctx);
}

/* A CURVE server without ZAP_DOMAIN asks the handler with domain "";
 * with ZAP_ENFORCE_DOMAIN too it never asks. */
static void zap_without_domain (void)
{
    int enforce;
    for (enforce = 0; enforce < 2; enforce++) {
        void *ctx = zmq_ctx_new ();
        void *server = test_socket (ctx, ZMQ_DEALER);
        void *client = test_socket (ctx, ZMQ_DEALER);
        keys_t srv, cli;
        char ep[256];
        zap_t zap;
        make_keys (&srv);
        make_keys (&cli);
        memset (&zap, 0, sizeof zap);
        zap_start (&zap, ctx);
        set_int (server, ZMQ_CURVE_SERVER, 1);
        CHECK_RC (zmq_setsockopt (server, ZMQ_CURVE_SECRETKEY, srv.sec, 40));
        if (enforce)
            set_int (server, ZMQ_ZAP_ENFORCE_DOMAIN, 1);
        CHECK_RC (zmq_setsockopt (client, ZMQ_CURVE_SERVERKEY, srv.pub, 40));
        CHECK_RC (zmq_setsockopt (client, ZMQ_CURVE_PUBLICKEY, cli.pub, 40));
        CHECK_RC (zmq_setsockopt (client, ZMQ_CURVE_SECRETKEY, cli.sec, 40));
        bind_loopback (server, ep, sizeof ep);
        CHECK_RC (zmq_connect (client, ep));
        SEND_STR (client, "hello", 0);
        RECV_STR (server, "hello", 0);
        pthread_mutex_lock (&zap.lock);
        CHECK_EQ (zap.requests, enforce ? 0 : 1);
        if (!enforce) {
            CHECK (zap_frame_str (&zap, 2, ""));
            CHECK (zap_frame_str (&zap, 5, "CURVE"));
        }
        pthread_mutex_unlock (&zap.lock);
        close_socket (client);
        close_socket (server);
        zap_stop (&zap);
        term_ctx (ctx);
    }
}

int main (void)
{
    test_start (40);
    keys_api ();
    options ();
    stonehouse ();
    with_handler ();
    denied ();
    wrong_server_key ();
    pubsub ();
    reqrep ();
    router_user_id ();
    metadata ();
    zap_without_domain ();
    printf ("OK\n");
    return 0;
}
