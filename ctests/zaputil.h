/* A ZAP handler for the security tests (RFC 27): a REP socket bound at
 * inproc://zeromq.zap.01 in the test's context, answered by a thread.
 *
 * The handler records every request (the count and the frames of the last
 * one) and answers each with `ok_status` ("200" unless set) when the
 * request matches the policy, else with `deny_status` ("400" unless set):
 * - PLAIN: username and password must equal `user` / `password` when set;
 * - CURVE: the client's 32-byte public key must equal `key` when key_set.
 * A "200" reply carries `user_id` and the metadata `meta_name` =
 * `meta_value` (when meta_name is set). `fault` makes every reply break
 * RFC 27 in one way (the ZAP_FAULT_* values), to test the reply checks.
 *
 * zap_start() binds in the calling thread, so the handler is in place
 * before the test's sockets connect; zap_stop() stops the thread through a
 * control PAIR and closes both sockets. Include after testutil.h and
 * monitor.h. */
#ifndef ZMQ_RS_ZAPUTIL_H
#define ZMQ_RS_ZAPUTIL_H

#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93
#endif

enum
{
    ZAP_FAULT_NONE,
    ZAP_FAULT_VERSION,    /* "1.1" */
    ZAP_FAULT_REQUEST_ID, /* not the request's id */
    ZAP_FAULT_STATUS,     /* "201" */
    ZAP_FAULT_TOO_MANY,   /* a 7th frame */
    ZAP_FAULT_TOO_FEW,    /* no metadata frame */
    ZAP_FAULT_METADATA    /* a truncated property */
};

#define ZAP_MAX_FRAMES 10
#define ZAP_FRAME_MAX 256

typedef struct
{
    void *ctx;
    void *rep;
    void *ctl_main;
    void *ctl_thread;
    pthread_t thread;
    pthread_mutex_t lock;
    /* policy (set before zap_start, or under lock) */
    const char *ok_status;
    const char *deny_status;
    const char *user;
    const char *password;
    unsigned char key[32];
    int key_set;
    const char *user_id;
    const char *meta_name;
    const char *meta_value;
    int fault;
    /* record (read under lock, or after zap_stop) */
    int requests;
    int nframes;
    size_t len[ZAP_MAX_FRAMES];
    unsigned char frame[ZAP_MAX_FRAMES][ZAP_FRAME_MAX];
} zap_t;

static TU_UNUSED int zap_frame_is (const zap_t *z, int i, const void *data,
                                   size_t len)
{
    return i < z->nframes && z->len[i] == len
           && memcmp (z->frame[i], data, len) == 0;
}

static TU_UNUSED int zap_frame_str (const zap_t *z, int i, const char *s)
{
    return zap_frame_is (z, i, s, strlen (s));
}

static TU_UNUSED const char *zap_decide (zap_t *z)
{
    int ok = 1;
    /* frames: version, id, domain, address, identity, mechanism, creds */
    if (z->user && !(zap_frame_str (z, 5, "PLAIN") && zap_frame_str (z, 6, z->user)
                     && zap_frame_str (z, 7, z->password)))
        ok = 0;
    if (z->key_set && !(zap_frame_str (z, 5, "CURVE") && zap_frame_is (z, 6, z->key, 32)))
        ok = 0;
    if (ok)
        return z->ok_status ? z->ok_status : "200";
    return z->deny_status ? z->deny_status : "400";
}

/* Sends one reply frame; more = ZMQ_SNDMORE or 0. */
static TU_UNUSED void zap_send (void *s, const void *data, size_t len, int more)
{
    if (zmq_send (s, data, len, more) != (int) len)
        FAIL ("ZAP handler: send failed: errno %d (%s)", errno,
              zmq_strerror (errno));
}

static TU_UNUSED void zap_answer (zap_t *z)
{
    unsigned char id[ZAP_FRAME_MAX];
    size_t id_len;
    const char *status;
    unsigned char meta[ZAP_FRAME_MAX];
    size_t meta_len = 0;
    int more = 1;
    int n = 0;

    pthread_mutex_lock (&z->lock);
    while (more) {
        int rc = zmq_recv (z->rep, n < ZAP_MAX_FRAMES ? z->frame[n] : meta,
                           ZAP_FRAME_MAX, 0);
        if (rc < 0)
            FAIL ("ZAP handler: recv failed: errno %d (%s)", errno,
                  zmq_strerror (errno));
        if (n < ZAP_MAX_FRAMES)
            z->len[n] = (size_t) rc;
        n++;
        more = get_int (z->rep, ZMQ_RCVMORE);
    }
    z->nframes = n < ZAP_MAX_FRAMES ? n : ZAP_MAX_FRAMES;
    z->requests++;
    status = zap_decide (z);
    id_len = z->nframes > 1 ? z->len[1] : 0;
    memcpy (id, z->frame[1], id_len);
    if (z->meta_name && strcmp (status, "200") == 0) {
        size_t nl = strlen (z->meta_name), vl = strlen (z->meta_value);
        meta[0] = (unsigned char) nl;
        memcpy (meta + 1, z->meta_name, nl);
        meta[1 + nl] = 0;
        meta[2 + nl] = 0;
        meta[3 + nl] = 0;
        meta[4 + nl] = (unsigned char) vl;
        memcpy (meta + 5 + nl, z->meta_value, vl);
        meta_len = 5 + nl + vl;
    }
    if (z->fault == ZAP_FAULT_REQUEST_ID) {
        memcpy (id, "bad-id", 6);
        id_len = 6;
    }
    if (z->fault == ZAP_FAULT_STATUS)
        status = "201";
    if (z->fault == ZAP_FAULT_METADATA) {
        memcpy (meta, "\x05Hello\x00\x00\x00\x09Wor", 13);
        meta_len = 13; /* the value announces 9 bytes, 3 follow */
    }
    zap_send (z->rep, z->fault == ZAP_FAULT_VERSION ? "1.1" : "1.0", 3,
              ZMQ_SNDMORE);
    zap_send (z->rep, id, id_len, ZMQ_SNDMORE);
    zap_send (z->rep, status, strlen (status), ZMQ_SNDMORE);
    zap_send (z->rep, "status text", 11, ZMQ_SNDMORE);
    if (strcmp (status, "200") == 0 && z->user_id)
        zap_send (z->rep, z->user_id, strlen (z->user_id),
                  z->fault == ZAP_FAULT_TOO_FEW ? 0 : ZMQ_SNDMORE);
    else
        zap_send (z->rep, "", 0, z->fault == ZAP_FAULT_TOO_FEW ? 0 : ZMQ_SNDMORE);
    if (z->fault == ZAP_FAULT_TOO_MANY) {
        zap_send (z->rep, meta, meta_len, ZMQ_SNDMORE);
        zap_send (z->rep, "extra", 5, 0);
    } else if (z->fault != ZAP_FAULT_TOO_FEW)
        zap_send (z->rep, meta, meta_len, 0);
    pthread_mutex_unlock (&z->lock);
}

static TU_UNUSED void *zap_thread (void *arg)
{
    zap_t *z = (zap_t *) arg;
    for (;;) {
        zmq_pollitem_t items[2];
        int rc;
        memset (items, 0, sizeof items);
        items[0].socket = z->rep;
        items[0].events = ZMQ_POLLIN;
        items[1].socket = z->ctl_thread;
        items[1].events = ZMQ_POLLIN;
        rc = zmq_poll (items, 2, -1);
        if (rc == -1 && errno == EINTR)
            continue;
        if (rc == -1)
            FAIL ("ZAP handler: poll failed: errno %d (%s)", errno,
                  zmq_strerror (errno));
        if (items[1].revents & ZMQ_POLLIN)
            return NULL;
        if (items[0].revents & ZMQ_POLLIN)
            zap_answer (z);
    }
}

/* Binds the handler in ctx and starts its thread; z's policy fields are
 * already set (zero = accept everything with "200"). */
static TU_UNUSED void zap_start (zap_t *z, void *ctx)
{
    char ctl[64];
    static int counter;
    z->ctx = ctx;
    pthread_mutex_init (&z->lock, NULL);
    z->rep = zmq_socket (ctx, ZMQ_REP);
    CHECK (z->rep != NULL);
    set_int (z->rep, ZMQ_LINGER, 0);
    CHECK_RC (zmq_bind (z->rep, "inproc://zeromq.zap.01"));
    snprintf (ctl, sizeof ctl, "inproc://zap-ctl-%d", ++counter);
    z->ctl_main = test_socket (ctx, ZMQ_PAIR);
    z->ctl_thread = test_socket (ctx, ZMQ_PAIR);
    CHECK_RC (zmq_bind (z->ctl_main, ctl));
    CHECK_RC (zmq_connect (z->ctl_thread, ctl));
    CHECK (pthread_create (&z->thread, NULL, zap_thread, z) == 0);
}

static TU_UNUSED void zap_stop (zap_t *z)
{
    SEND_STR (z->ctl_main, "stop", 0);
    CHECK (pthread_join (z->thread, NULL) == 0);
    close_socket (z->ctl_main);
    close_socket (z->ctl_thread);
    close_socket (z->rep);
    pthread_mutex_destroy (&z->lock);
}

static TU_UNUSED int zap_requests (zap_t *z)
{
    int n;
    pthread_mutex_lock (&z->lock);
    n = z->requests;
    pthread_mutex_unlock (&z->lock);
    return n;
}

/* Reads events until `event` and returns its value; other events are
 * skipped (a refused client reconnects, so their number varies). */
static TU_UNUSED uint32_t mon_wait_at (const char *file, int line, void *m,
                                       int event)
{
    long long deadline = now_ms () + TEST_TIMEOUT_MS;
    mon_event_t e;
    for (;;) {
        long long left = deadline - now_ms ();
        if (left < 0 || !mon_read (m, &e, (int) left))
            tu_fail (file, line, "no event 0x%x within %d ms", event,
                     TEST_TIMEOUT_MS);
        if (e.event == event)
            return e.value;
    }
}
#define mon_wait(m, event) mon_wait_at (__FILE__, __LINE__, m, event)

/* After a client's HANDSHAKE_FAILED_AUTH: libzmq ends the connecting
 * session on this protocol error (BEHAVIOUR Z10) instead of reconnecting,
 * so DISCONNECTED is the last event (with RECONNECT_IVL 20 ms, 300 ms is
 * many retry intervals) and the handler was asked once. */
static TU_UNUSED void no_retry_after_auth_at (const char *file, int line,
                                              void *cmon, zap_t *z)
{
    mon_event_t e;
    if (!mon_read (cmon, &e, TEST_TIMEOUT_MS))
        tu_fail (file, line, "no DISCONNECTED after HANDSHAKE_FAILED_AUTH");
    if (e.event != ZMQ_EVENT_DISCONNECTED)
        tu_fail (file, line, "event 0x%x (value %u) after AUTH, expected "
                 "DISCONNECTED", e.event, e.value);
    if (mon_read (cmon, &e, 300))
        tu_fail (file, line, "the refused client went on: event 0x%x (value "
                 "%u)", e.event, e.value);
    if (zap_requests (z) != 1)
        tu_fail (file, line, "the handler was asked %d times, expected 1",
                 zap_requests (z));
}
#define no_retry_after_auth(cmon, z)                                           \
    no_retry_after_auth_at (__FILE__, __LINE__, cmon, z)

/* Sends `str` from a client that may be refused: without waiting, as a
 * refused handshake can end the client's only pipe before the send (libzmq
 * ends a connecting session on a protocol error), and a blocking send
 * would then wait for a peer that never comes. EAGAIN is fine: the test
 * is that nothing arrives. */
#define SEND_MAYBE(s, str)                                                     \
    do {                                                                       \
        const char *tu_m_ = (str);                                             \
        int tu_rc_ = zmq_send ((s), tu_m_, strlen (tu_m_), ZMQ_DONTWAIT);      \
        if (tu_rc_ != (int) strlen (tu_m_) && errno != EAGAIN)                 \
            FAIL ("send \"%s\": errno %d (%s)", tu_m_, errno,                  \
                  zmq_strerror (errno));                                       \
    } while (0)

/* Nothing arrives on s within ms. */
#define CHECK_NOTHING(s, ms) CHECK (!poll_socket ((s), ZMQ_POLLIN, (ms)))

/* A server and a client with a monitor each (every event): the pair every
 * security test starts from. */
typedef struct
{
    void *ctx;
    void *server;
    void *client;
    void *smon;
    void *cmon;
    char ep[256];
} pair_t;

/* Once both sockets are configured: starts the monitors, binds the server
 * on loopback tcp and connects the client. */
static TU_UNUSED void pair_connect (pair_t *p, void *ctx)
{
    p->ctx = ctx;
    p->smon = mon_start (ctx, p->server, "inproc://mon-server", ZMQ_EVENT_ALL);
    p->cmon = mon_start (ctx, p->client, "inproc://mon-client", ZMQ_EVENT_ALL);
    bind_loopback (p->server, p->ep, sizeof p->ep);
    CHECK_RC (zmq_connect (p->client, p->ep));
}

static TU_UNUSED void pair_close (pair_t *p)
{
    close_socket (p->client);
    close_socket (p->server);
    mon_until_stopped (p->cmon);
    mon_until_stopped (p->smon);
    close_socket (p->cmon);
    close_socket (p->smon);
}

#endif
