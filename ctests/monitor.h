/* Helpers for the monitor tests: a reader connected to a socket's monitor,
 * and expectations on the (version 1) events it reads. The draft
 * zmq_socket_monitor_versioned / zmq_socket_monitor_pipes_stats are looked
 * up at run time (mon_versioned_fn / mon_pipes_stats_fn), so the tests also
 * build against a libzmq without the draft API and skip those parts there.
 * Include after testutil.h. */
#ifndef ZMQ_RS_MONITOR_H
#define ZMQ_RS_MONITOR_H

#include <dlfcn.h>
#include <stdint.h>

#ifndef ZMQ_EVENT_PIPES_STATS
#define ZMQ_EVENT_PIPES_STATS 0x10000
#endif

typedef struct
{
    int event;
    uint32_t value;
    char ep[256];
} mon_event_t;

typedef int (*mon_versioned_t) (void *, const char *, uint64_t, int, int);
typedef int (*mon_pipes_stats_t) (void *);

/* The draft functions, or NULL if this libzmq lacks them. */
static TU_UNUSED mon_versioned_t mon_versioned_fn (void)
{
    return (mon_versioned_t) (uintptr_t) dlsym (
      RTLD_DEFAULT, "zmq_socket_monitor_versioned");
}

static TU_UNUSED mon_pipes_stats_t mon_pipes_stats_fn (void)
{
    return (mon_pipes_stats_t) (uintptr_t) dlsym (
      RTLD_DEFAULT, "zmq_socket_monitor_pipes_stats");
}

/* Starts monitoring `s` (version 1) on inproc `name` and returns a PAIR
 * connected to it. */
static TU_UNUSED void *mon_start (void *ctx, void *s, const char *name,
                                  int events)
{
    void *m;
    CHECK_RC (zmq_socket_monitor (s, name, events));
    m = test_socket (ctx, ZMQ_PAIR);
    CHECK_RC (zmq_connect (m, name));
    return m;
}

/* Reads one version-1 event within timeout_ms: 1, or 0 on timeout. Checks
 * the framing: a 6-byte frame with MORE, then the endpoint without. */
static TU_UNUSED int mon_read (void *m, mon_event_t *ev, int timeout_ms)
{
    zmq_msg_t msg;
    uint16_t event;
    size_t n;
    if (!poll_socket (m, ZMQ_POLLIN, timeout_ms))
        return 0;
    zmq_msg_init (&msg);
    CHECK (zmq_msg_recv (&msg, m, 0) == 6);
    CHECK (zmq_msg_more (&msg));
    memcpy (&event, zmq_msg_data (&msg), 2);
    memcpy (&ev->value, (char *) zmq_msg_data (&msg) + 2, 4);
    ev->event = event;
    CHECK (zmq_msg_recv (&msg, m, 0) >= 0);
    CHECK (!zmq_msg_more (&msg));
    n = zmq_msg_size (&msg);
    CHECK (n < sizeof ev->ep);
    memcpy (ev->ep, zmq_msg_data (&msg), n);
    ev->ep[n] = 0;
    zmq_msg_close (&msg);
    return 1;
}

/* The next event must be `event`, with endpoint `ep` unless ep is NULL. */
static TU_UNUSED mon_event_t mon_expect_at (const char *file, int line,
                                            void *m, int event,
                                            const char *ep)
{
    mon_event_t e;
    if (!mon_read (m, &e, TEST_TIMEOUT_MS))
        tu_fail (file, line, "no event within %d ms, expected 0x%x",
                 TEST_TIMEOUT_MS, event);
    if (e.event != event)
        tu_fail (file, line, "event 0x%x (value %u, '%s'), expected 0x%x",
                 e.event, e.value, e.ep, event);
    if (ep && strcmp (e.ep, ep) != 0)
        tu_fail (file, line, "event 0x%x endpoint '%s', expected '%s'",
                 event, e.ep, ep);
    return e;
}
#define mon_expect(m, event, ep) mon_expect_at (__FILE__, __LINE__, m, event, ep)

/* No event arrives within ms. */
static TU_UNUSED void mon_expect_none_at (const char *file, int line, void *m,
                                          int ms)
{
    mon_event_t e;
    if (mon_read (m, &e, ms))
        tu_fail (file, line, "unexpected event 0x%x (value %u, '%s')",
                 e.event, e.value, e.ep);
}
#define mon_expect_none(m, ms) mon_expect_none_at (__FILE__, __LINE__, m, ms)

/* Reads events until MONITOR_STOPPED (the socket was closed while it may
 * still raise others, e.g. a connect retry). Close a monitor's reader only
 * after this: libzmq blocks the thread raising an event for a monitor
 * whose reader is gone (BEHAVIOUR E3, B4), which would stall its I/O
 * thread for the rest of the test. */
static TU_UNUSED void mon_until_stopped_at (const char *file, int line,
                                            void *m)
{
    mon_event_t e;
    do {
        if (!mon_read (m, &e, TEST_TIMEOUT_MS))
            tu_fail (file, line, "no MONITOR_STOPPED within %d ms",
                     TEST_TIMEOUT_MS);
    } while (e.event != ZMQ_EVENT_MONITOR_STOPPED);
    CHECK_EQ (e.value, 0);
    CHECK_STR (e.ep, "");
}
#define mon_until_stopped(m) mon_until_stopped_at (__FILE__, __LINE__, m)

/* The port of an endpoint "tcp://host:port". */
static TU_UNUSED int ep_port (const char *ep)
{
    const char *colon = strrchr (ep, ':');
    CHECK (colon != NULL);
    return atoi (colon + 1);
}

#endif
