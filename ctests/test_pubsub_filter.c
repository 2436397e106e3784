/* PUB/SUB filtering: prefix match, several subscriptions, unsubscribe,
 * empty subscription = everything, no subscription = nothing. */
#include "testutil.h"

/* Sends the marker "end" and returns once sub got it, collecting in order
 * every earlier message into out (space separated), skipping the
 * synchronisation messages. */
static void collect_until_end (void *pub, void *sub, char *out, size_t len)
{
    char buf[64];
    out[0] = 0;
    SEND_STR (pub, "end", 0);
    for (;;) {
        int n = zmq_recv (sub, buf, sizeof buf - 1, 0);
        if (n < 0)
            FAIL ("recv while collecting: errno %d (%s), got so far: %s",
                  errno, zmq_strerror (errno), out);
        buf[n] = 0;
        if (strcmp (buf, "end") == 0)
            return;
        /* leftovers of the slow-joiner synchronisation */
        if (strcmp (buf, "end-sync") == 0 || strcmp (buf, "sync2") == 0)
            continue;
        if (out[0])
            strncat (out, " ", len - strlen (out) - 1);
        strncat (out, buf, len - strlen (out) - 1);
    }
}

static void publish (void *pub, const char *const *msgs)
{
    for (; *msgs; msgs++)
        SEND_STR (pub, *msgs, 0);
}

static void run (void *ctx, const char *tr)
{
    char ep[256];
    char got[512];
    static const char *const msgs[] = {"apple", "apricot", "banana", "b",
                                       "cherry", "", "ap", NULL};
    void *pub = test_socket (ctx, ZMQ_PUB);
    void *sub = test_socket (ctx, ZMQ_SUB);
    void *all = test_socket (ctx, ZMQ_SUB);
    void *none = test_socket (ctx, ZMQ_SUB);
    bind_transport (pub, tr, ep, sizeof ep);
    CHECK_RC (zmq_connect (sub, ep));
    CHECK_RC (zmq_connect (all, ep));
    CHECK_RC (zmq_connect (none, ep));

    /* subscriptions made after connect */
    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "ap", 2));
    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "ban", 3));
    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "end", 3));
    CHECK_RC (zmq_setsockopt (all, ZMQ_SUBSCRIBE, "", 0));
    sync_pub_sub (pub, sub, "end-sync");
    sync_pub_sub (pub, all, "end-sync");

    publish (pub, msgs);
    collect_until_end (pub, sub, got, sizeof got);
    CHECK_STR (got, "apple apricot banana ap");
    collect_until_end (pub, all, got, sizeof got);
    CHECK_STR (got, "apple apricot banana b cherry  ap");

    /* unsubscribe "ap": once "end" after it arrives, no more "ap*" */
    CHECK_RC (zmq_setsockopt (sub, ZMQ_UNSUBSCRIBE, "ap", 2));
    /* the unsubscribe travels upstream; resync on a fresh topic */
    CHECK_RC (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "sync2", 5));
    sync_pub_sub (pub, sub, "sync2");
    publish (pub, msgs);
    collect_until_end (pub, sub, got, sizeof got);
    CHECK_STR (got, "banana");

    /* unsubscribing something never subscribed is fine */
    CHECK_RC (zmq_setsockopt (sub, ZMQ_UNSUBSCRIBE, "zzz", 3));

    /* a SUB without subscriptions receives nothing */
    {
        char buf[16];
        CHECK_ERR (zmq_recv (none, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    }
    close_socket (none);
    close_socket (all);
    close_socket (sub);
    close_socket (pub);
}

int main (void)
{
    void *ctx;
    test_start (30);
    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    run (ctx, "inproc");
    run (ctx, "tcp");
    run (ctx, "ipc");
    term_ctx (ctx);
    return 0;
}
