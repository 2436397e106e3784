/* Interop peer: one socket of "our" library, driven by command-line steps.
 *
 *   peer TYPE bind|connect ENDPOINT STEP...
 *
 * TYPE: REQ REP DEALER ROUTER PUB SUB XPUB XSUB PUSH PULL PAIR.
 * Steps, run in order:
 *   id:NAME       set ZMQ_ROUTING_ID (applied before bind/connect)
 *   sub:TOPIC     ZMQ_SUBSCRIBE (after connect)
 *   s:F1|F2|...   send a multipart message
 *   sn:F1|F2|...  send it without waiting (ZMQ_DONTWAIT): EAGAIN is not a
 *                 failure (a client that will be refused may have no pipe)
 *   r:F1|F2|...   receive one message and compare every frame
 *   echo          receive a message and send it back unchanged
 *   pubsync:T     send T every 10 ms until a line arrives on stdin
 *   waitsync:T    receive until a message T arrives, print "SYNCED"; later
 *                 r: steps skip stray T messages
 *   userid:X      the last message r: received has User-Id X
 *   none:MS       no message arrives within MS ms
 *   event:E:V     wait for monitor event number E with value V (event:E: any
 *                 value; other events are skipped); the socket is monitored from before bind/connect
 *                 when any event: step is given
 *   idle:MS       do nothing for MS ms (heartbeats keep running)
 *   hb:IVL:TIMEOUT  ZMQ_HEARTBEAT_IVL and ZMQ_HEARTBEAT_TIMEOUT in ms
 *                 (applied before bind/connect)
 * Security (applied before bind/connect):
 *   plain-server  ZMQ_PLAIN_SERVER = 1
 *   plain:U:P     ZMQ_PLAIN_USERNAME U, ZMQ_PLAIN_PASSWORD P
 *   curve-server  ZMQ_CURVE_SERVER = 1
 *   curve-secret:Z / curve-public:Z / curve-serverkey:Z   CURVE keys in Z85
 *   zap-domain:D  ZMQ_ZAP_DOMAIN
 *   zap-plain:U:P a ZAP handler in this process: 200 (User-Id U) for PLAIN
 *                 with U and P, 400 for anything else
 *   zap-curve:Z   a ZAP handler: 200 (User-Id "curve-client") for CURVE
 *                 with the client key Z (Z85), 400 for anything else
 *   zap-allow / zap-deny   a ZAP handler answering every request 200 (User-Id
 *                 "anyone") / 400
 * Frame tokens: "@empty" = 0 bytes, "@big" = 1 MiB pattern, else literal.
 *
 * Prints "LIB <path>" (the libzmq mapped into this process), then
 * "READY <endpoint>" after bind/connect, and "OK" at the end. On failure
 * prints "FAIL: step N (...): why" on stderr and exits 1. Every blocking
 * call has a 10 s timeout; a watchdog ends the process after 30 s.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <zmq.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BIG_SIZE (1024 * 1024)
#define MAX_FRAMES 16
#define MAX_ARGS 256
#define TIMEOUT_MS 10000

static const char *cur_step = "setup";
static int cur_index = 0;
static const char *sync_topic = NULL;
static char last_user_id[256];

static void fail (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
static void fail (const char *fmt, ...)
{
    va_list ap;
    fflush (stdout);
    fprintf (stderr, "FAIL: step %d (%s): ", cur_index, cur_step);
    va_start (ap, fmt);
    vfprintf (stderr, fmt, ap);
    va_end (ap);
    fprintf (stderr, "\n");
    _exit (1);
}

static void on_alarm (int sig)
{
    static const char msg[] = "FAIL: watchdog: peer ran for 30 s\n";
    (void) sig;
    if (write (2, msg, sizeof msg - 1) < 0) {
    }
    _exit (1);
}

static const struct
{
    const char *name;
    int type;
} types[] = {{"REQ", ZMQ_REQ},       {"REP", ZMQ_REP},   {"DEALER", ZMQ_DEALER},
             {"ROUTER", ZMQ_ROUTER}, {"PUB", ZMQ_PUB},   {"SUB", ZMQ_SUB},
             {"XPUB", ZMQ_XPUB},     {"XSUB", ZMQ_XSUB}, {"PUSH", ZMQ_PUSH},
             {"PULL", ZMQ_PULL},     {"PAIR", ZMQ_PAIR}};

static unsigned char *big_frame (void)
{
    static unsigned char *big;
    if (!big) {
        size_t i;
        big = (unsigned char *) malloc (BIG_SIZE);
        if (!big)
            fail ("out of memory");
        for (i = 0; i < BIG_SIZE; i++)
            big[i] = (unsigned char) (i % 251);
    }
    return big;
}

typedef struct
{
    const void *data;
    size_t size;
} frame_t;

/* Splits "a|b|c" (modified in place) into frames. */
static int parse_frames (char *spec, frame_t *frames)
{
    int n = 0;
    char *p = spec;
    for (;;) {
        char *bar = strchr (p, '|');
        if (n == MAX_FRAMES)
            fail ("too many frames");
        if (bar)
            *bar = 0;
        if (strcmp (p, "@empty") == 0) {
            frames[n].data = "";
            frames[n].size = 0;
        } else if (strcmp (p, "@big") == 0) {
            frames[n].data = big_frame ();
            frames[n].size = BIG_SIZE;
        } else {
            frames[n].data = p;
            frames[n].size = strlen (p);
        }
        n++;
        if (!bar)
            return n;
        p = bar + 1;
    }
}

static void send_frames (void *s, const frame_t *frames, int n, int flags)
{
    int i;
    for (i = 0; i < n; i++) {
        int rc = zmq_send (s, frames[i].data, frames[i].size,
                           flags | (i < n - 1 ? ZMQ_SNDMORE : 0));
        if (rc == -1 && errno == EAGAIN && (flags & ZMQ_DONTWAIT) && i == 0)
            return;
        if (rc != (int) frames[i].size)
            fail ("send of frame %d (%d bytes) returned %d: %s", i,
                  (int) frames[i].size, rc, zmq_strerror (errno));
    }
}

/* Receives one whole message; returns the number of frames. */
static int recv_message (void *s, zmq_msg_t *parts, int max)
{
    int n = 0;
    for (;;) {
        if (n == max)
            fail ("message has more than %d frames", max);
        zmq_msg_init (&parts[n]);
        if (zmq_msg_recv (&parts[n], s, 0) < 0)
            fail ("recv of frame %d failed: %s", n, zmq_strerror (errno));
        n++;
        if (!zmq_msg_more (&parts[n - 1]))
            return n;
    }
}

static void close_parts (zmq_msg_t *parts, int n)
{
    int i;
    for (i = 0; i < n; i++)
        zmq_msg_close (&parts[i]);
}

static int is_topic (zmq_msg_t *parts, int n, const char *topic)
{
    return n == 1 && zmq_msg_size (&parts[0]) == strlen (topic)
           && memcmp (zmq_msg_data (&parts[0]), topic, strlen (topic)) == 0;
}

static void expect (void *s, char *spec)
{
    frame_t want[MAX_FRAMES];
    zmq_msg_t got[MAX_FRAMES];
    int nwant = parse_frames (spec, want);
    int ngot, i;
    for (;;) {
        ngot = recv_message (s, got, MAX_FRAMES);
        if (sync_topic && is_topic (got, ngot, sync_topic)) {
            close_parts (got, ngot);
            continue;
        }
        break;
    }
    if (ngot != nwant)
        fail ("got %d frames, expected %d", ngot, nwant);
    for (i = 0; i < nwant; i++) {
        size_t size = zmq_msg_size (&got[i]);
        if (size != want[i].size)
            fail ("frame %d: %d bytes, expected %d", i, (int) size,
                  (int) want[i].size);
        if (size && memcmp (zmq_msg_data (&got[i]), want[i].data, size) != 0)
            fail ("frame %d: content differs", i);
    }
    {
        const char *user = zmq_msg_gets (&got[ngot - 1], "User-Id");
        snprintf (last_user_id, sizeof last_user_id, "%s", user ? user : "");
    }
    close_parts (got, ngot);
}

static void echo (void *s)
{
    zmq_msg_t parts[MAX_FRAMES];
    int n = recv_message (s, parts, MAX_FRAMES), i;
    for (i = 0; i < n; i++) {
        if (zmq_msg_send (&parts[i], s, i < n - 1 ? ZMQ_SNDMORE : 0) < 0)
            fail ("echo send of frame %d: %s", i, zmq_strerror (errno));
    }
}

static void pubsync (void *s, const char *topic)
{
    int rounds;
    for (rounds = 0; rounds < 1000; rounds++) {
        zmq_pollitem_t item = {NULL, 0, ZMQ_POLLIN, 0};
        if (zmq_send (s, topic, strlen (topic), ZMQ_DONTWAIT) < 0
            && errno != EAGAIN)
            fail ("send: %s", zmq_strerror (errno));
        if (zmq_poll (&item, 1, 10) < 0)
            fail ("zmq_poll on stdin: %s", zmq_strerror (errno));
        if (item.revents & ZMQ_POLLIN) {
            char line[64];
            if (!fgets (line, sizeof line, stdin))
                fail ("stdin closed");
            return;
        }
    }
    fail ("no go-ahead on stdin after %d sync messages", rounds);
}

static void waitsync (void *s, const char *topic)
{
    zmq_msg_t parts[MAX_FRAMES];
    for (;;) {
        int n = recv_message (s, parts, MAX_FRAMES);
        int hit = is_topic (parts, n, topic);
        close_parts (parts, n);
        if (hit)
            break;
    }
    sync_topic = topic;
    printf ("SYNCED\n");
    fflush (stdout);
}

/* ------------------------------------------------------------- security */

static void set_int (void *s, int opt, int val);

/* The ZAP handler's policy: PLAIN user/password, or a CURVE client key. */
static const char *zap_user, *zap_password;
static unsigned char zap_key[32];
static int zap_key_set;
static int zap_all; /* 1: allow every request, 2: deny every request */

static int zap_frame_is (zmq_msg_t *m, const void *data, size_t len)
{
    return zmq_msg_size (m) == len && memcmp (zmq_msg_data (m), data, len) == 0;
}

/* Answers ZAP requests until the context ends (ETERM). Frames: version,
 * id, domain, address, routing id, mechanism, credentials. */
static void *zap_handler (void *handler)
{
    for (;;) {
        zmq_msg_t req[MAX_FRAMES];
        int n = 0, ok;
        const char *user_id = "";
        for (;;) {
            zmq_msg_init (&req[n]);
            if (zmq_msg_recv (&req[n], handler, 0) < 0) {
                zmq_close (handler);
                return NULL;
            }
            n++;
            if (!zmq_msg_more (&req[n - 1]) || n == MAX_FRAMES)
                break;
        }
        if (n < 6)
            fail ("ZAP request of %d frames", n);
        if (zap_all) {
            ok = zap_all == 1;
            user_id = "anyone";
        } else if (zap_user) {
            ok = n == 8 && zap_frame_is (&req[5], "PLAIN", 5)
                 && zap_frame_is (&req[6], zap_user, strlen (zap_user))
                 && zap_frame_is (&req[7], zap_password, strlen (zap_password));
            user_id = zap_user;
        } else {
            ok = n == 7 && zap_key_set && zap_frame_is (&req[5], "CURVE", 5)
                 && zap_frame_is (&req[6], zap_key, 32);
            user_id = "curve-client";
        }
        zmq_send (handler, "1.0", 3, ZMQ_SNDMORE);
        zmq_send (handler, zmq_msg_data (&req[1]), zmq_msg_size (&req[1]),
                  ZMQ_SNDMORE);
        zmq_send (handler, ok ? "200" : "400", 3, ZMQ_SNDMORE);
        zmq_send (handler, "", 0, ZMQ_SNDMORE);
        zmq_send (handler, ok ? user_id : "", ok ? strlen (user_id) : 0,
                  ZMQ_SNDMORE);
        zmq_send (handler, "", 0, 0);
        close_parts (req, n);
        printf ("ZAP %s\n", ok ? "200" : "400");
        fflush (stdout);
    }
}

static void start_zap (void *ctx)
{
    static pthread_t thread;
    void *handler = zmq_socket (ctx, ZMQ_REP);
    if (!handler || zmq_bind (handler, "inproc://zeromq.zap.01") != 0)
        fail ("ZAP handler bind: %s", zmq_strerror (errno));
    if (pthread_create (&thread, NULL, zap_handler, handler) != 0)
        fail ("pthread_create");
    pthread_detach (thread);
}

static void set_bytes (void *s, int opt, const char *val)
{
    if (zmq_setsockopt (s, opt, val, strlen (val)) != 0)
        fail ("setsockopt %d (%s): %s", opt, val, zmq_strerror (errno));
}

/* Applies a security step; returns 0 if `step` is not one. */
static int security_step (void *ctx, void *s, char *step)
{
    int one = 1;
    char *colon;
    if (strncmp (step, "hb:", 3) == 0 && (colon = strchr (step + 3, ':')) != NULL) {
        set_int (s, ZMQ_HEARTBEAT_IVL, atoi (step + 3));
        set_int (s, ZMQ_HEARTBEAT_TIMEOUT, atoi (colon + 1));
    } else if (strcmp (step, "plain-server") == 0) {
        if (zmq_setsockopt (s, ZMQ_PLAIN_SERVER, &one, sizeof one) != 0)
            fail ("PLAIN_SERVER: %s", zmq_strerror (errno));
    } else if (strcmp (step, "curve-server") == 0) {
        if (zmq_setsockopt (s, ZMQ_CURVE_SERVER, &one, sizeof one) != 0)
            fail ("CURVE_SERVER: %s", zmq_strerror (errno));
    } else if (strncmp (step, "plain:", 6) == 0
               && (colon = strchr (step + 6, ':')) != NULL) {
        char user[256];
        snprintf (user, sizeof user, "%.*s", (int) (colon - step - 6), step + 6);
        set_bytes (s, ZMQ_PLAIN_USERNAME, user);
        set_bytes (s, ZMQ_PLAIN_PASSWORD, colon + 1);
    } else if (strncmp (step, "curve-secret:", 13) == 0) {
        set_bytes (s, ZMQ_CURVE_SECRETKEY, step + 13);
    } else if (strncmp (step, "curve-public:", 13) == 0) {
        set_bytes (s, ZMQ_CURVE_PUBLICKEY, step + 13);
    } else if (strncmp (step, "curve-serverkey:", 16) == 0) {
        set_bytes (s, ZMQ_CURVE_SERVERKEY, step + 16);
    } else if (strncmp (step, "zap-domain:", 11) == 0) {
        set_bytes (s, ZMQ_ZAP_DOMAIN, step + 11);
    } else if (strncmp (step, "zap-plain:", 10) == 0
               && (colon = strchr (step + 10, ':')) != NULL) {
        *colon = 0;
        zap_user = step + 10;
        zap_password = colon + 1;
        start_zap (ctx);
    } else if (strcmp (step, "zap-allow") == 0 || strcmp (step, "zap-deny") == 0) {
        zap_all = strcmp (step, "zap-allow") == 0 ? 1 : 2;
        start_zap (ctx);
    } else if (strncmp (step, "zap-curve:", 10) == 0) {
        if (!zmq_z85_decode (zap_key, step + 10))
            fail ("zap-curve: bad Z85 key");
        zap_key_set = 1;
        start_zap (ctx);
    } else
        return 0;
    return 1;
}

/* Waits for monitor event `event` with `value` (any value when any_value),
 * skipping others. */
static void wait_event (void *mon, int event, int any_value, unsigned value)
{
    for (;;) {
        zmq_msg_t parts[2];
        uint16_t e;
        uint32_t v;
        int n = recv_message (mon, parts, 2);
        if (n != 2 || zmq_msg_size (&parts[0]) != 6)
            fail ("bad monitor message");
        memcpy (&e, zmq_msg_data (&parts[0]), 2);
        memcpy (&v, (char *) zmq_msg_data (&parts[0]) + 2, 4);
        close_parts (parts, n);
        if (e == event && (any_value || v == value))
            return;
        if (e == event)
            fail ("event %d with value %u, expected %u", e, v, value);
    }
}

/* Reads monitor events until MONITOR_STOPPED (after the socket closed). */
static void drain_monitor (void *mon)
{
    for (;;) {
        zmq_msg_t parts[2];
        uint16_t e;
        int n = recv_message (mon, parts, 2);
        memcpy (&e, zmq_msg_data (&parts[0]), 2);
        close_parts (parts, n);
        if (e == ZMQ_EVENT_MONITOR_STOPPED)
            return;
    }
}

static void expect_none (void *s, int ms)
{
    zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
    if (zmq_poll (&item, 1, ms) < 0)
        fail ("zmq_poll: %s", zmq_strerror (errno));
    if (item.revents & ZMQ_POLLIN)
        fail ("a message arrived");
}

/* Prints the path of the libzmq mapped into this process: the first mapping
 * whose file name (not directory: the checkout may live under a "libzmq"
 * folder, and so does this program) starts with "libzmq.so". */
static void print_lib (void)
{
    char line[1024];
    FILE *maps = fopen ("/proc/self/maps", "r");
    if (!maps)
        fail ("cannot open /proc/self/maps");
    while (fgets (line, sizeof line, maps)) {
        char *path = strchr (line, '/');
        if (path && strncmp (strrchr (path, '/') + 1, "libzmq.so", 9) == 0) {
            path[strcspn (path, "\n")] = 0;
            printf ("LIB %s\n", path);
            break;
        }
    }
    fclose (maps);
}

static void set_int (void *s, int opt, int val)
{
    if (zmq_setsockopt (s, opt, &val, sizeof val) != 0)
        fail ("setsockopt %d: %s", opt, zmq_strerror (errno));
}

int main (int argc, char **argv)
{
    void *ctx, *s, *mon = NULL;
    static int setup_step[MAX_ARGS]; /* security steps, done before bind */
    int type = -1, i;
    size_t t;
    char endpoint[1024];
    size_t eplen = sizeof endpoint;

    signal (SIGALRM, on_alarm);
    alarm (30);
    if (argc < 4) {
        fprintf (stderr, "usage: peer TYPE bind|connect ENDPOINT STEP...\n");
        return 2;
    }
    for (t = 0; t < sizeof types / sizeof types[0]; t++)
        if (strcmp (argv[1], types[t].name) == 0)
            type = types[t].type;
    if (type < 0)
        fail ("unknown socket type %s", argv[1]);

    ctx = zmq_ctx_new ();
    if (!ctx)
        fail ("zmq_ctx_new: %s", zmq_strerror (errno));
    s = zmq_socket (ctx, type);
    if (!s)
        fail ("zmq_socket: %s", zmq_strerror (errno));
    set_int (s, ZMQ_RCVTIMEO, TIMEOUT_MS);
    set_int (s, ZMQ_SNDTIMEO, TIMEOUT_MS);
    set_int (s, ZMQ_LINGER, 5000);
    for (i = 4; i < argc; i++) {
        if (strncmp (argv[i], "id:", 3) == 0
            && zmq_setsockopt (s, ZMQ_ROUTING_ID, argv[i] + 3,
                               strlen (argv[i] + 3))
                 != 0)
            fail ("ZMQ_ROUTING_ID: %s", zmq_strerror (errno));
        if (i < MAX_ARGS)
            setup_step[i] = security_step (ctx, s, argv[i]);
        if (strncmp (argv[i], "event:", 6) == 0 && !mon) {
            if (zmq_socket_monitor (s, "inproc://peer-monitor", ZMQ_EVENT_ALL)
                != 0)
                fail ("zmq_socket_monitor: %s", zmq_strerror (errno));
            mon = zmq_socket (ctx, ZMQ_PAIR);
            set_int (mon, ZMQ_RCVTIMEO, TIMEOUT_MS);
            if (zmq_connect (mon, "inproc://peer-monitor") != 0)
                fail ("monitor connect: %s", zmq_strerror (errno));
        }
    }
    print_lib ();
    if (strcmp (argv[2], "bind") == 0) {
        if (zmq_bind (s, argv[3]) != 0)
            fail ("bind %s: %s", argv[3], zmq_strerror (errno));
    } else if (strcmp (argv[2], "connect") == 0) {
        if (zmq_connect (s, argv[3]) != 0)
            fail ("connect %s: %s", argv[3], zmq_strerror (errno));
    } else
        fail ("expected bind or connect, got %s", argv[2]);
    if (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, endpoint, &eplen) != 0)
        fail ("LAST_ENDPOINT: %s", zmq_strerror (errno));
    printf ("READY %s\n", endpoint);
    fflush (stdout);

    for (i = 4; i < argc; i++) {
        char *step = argv[i];
        cur_index = i - 3;
        cur_step = step;
        if (strncmp (step, "id:", 3) == 0 || (i < MAX_ARGS && setup_step[i]))
            continue;
        if (strncmp (step, "sub:", 4) == 0) {
            if (zmq_setsockopt (s, ZMQ_SUBSCRIBE, step + 4, strlen (step + 4))
                != 0)
                fail ("SUBSCRIBE: %s", zmq_strerror (errno));
        } else if (strncmp (step, "s:", 2) == 0) {
            frame_t frames[MAX_FRAMES];
            char *copy = strdup (step + 2);
            int n = parse_frames (copy, frames);
            send_frames (s, frames, n, 0);
        } else if (strncmp (step, "sn:", 3) == 0) {
            frame_t frames[MAX_FRAMES];
            char *copy = strdup (step + 3);
            int n = parse_frames (copy, frames);
            send_frames (s, frames, n, ZMQ_DONTWAIT);
        } else if (strncmp (step, "r:", 2) == 0) {
            char *copy = strdup (step + 2);
            expect (s, copy);
        } else if (strcmp (step, "echo") == 0) {
            echo (s);
        } else if (strncmp (step, "pubsync:", 8) == 0) {
            pubsync (s, step + 8);
        } else if (strncmp (step, "waitsync:", 9) == 0) {
            waitsync (s, step + 9);
        } else if (strncmp (step, "userid:", 7) == 0) {
            if (strcmp (last_user_id, step + 7) != 0)
                fail ("User-Id \"%s\"", last_user_id);
        } else if (strncmp (step, "idle:", 5) == 0) {
            int ms = atoi (step + 5);
            struct timespec ts;
            ts.tv_sec = ms / 1000;
            ts.tv_nsec = (long) (ms % 1000) * 1000000L;
            while (nanosleep (&ts, &ts) == -1 && errno == EINTR) {
            }
        } else if (strncmp (step, "none:", 5) == 0) {
            expect_none (s, atoi (step + 5));
        } else if (strncmp (step, "event:", 6) == 0) {
            char *colon = strchr (step + 6, ':');
            wait_event (mon, atoi (step + 6), colon == NULL,
                        colon ? (unsigned) strtoul (colon + 1, NULL, 10) : 0);
        } else
            fail ("unknown step");
    }
    cur_step = "close";
    if (zmq_close (s) != 0)
        fail ("zmq_close: %s", zmq_strerror (errno));
    if (mon) {
        drain_monitor (mon);
        zmq_close (mon);
    }
    if (zmq_ctx_term (ctx) != 0)
        fail ("zmq_ctx_term: %s", zmq_strerror (errno));
    printf ("OK\n");
    return 0;
}
