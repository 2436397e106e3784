/* Tiny assertion and helper header shared by the C tests.
 *
 * Every test is a standalone C99 program that uses only <zmq.h>, libc and
 * pthreads. It exits 0 on success and prints "FAIL: file:line: what" and
 * exits 1 on the first failure. A watchdog (alarm) turns a hang into a
 * failure. Sockets made with test_socket() have RCVTIMEO/SNDTIMEO 5000 ms and
 * LINGER 0, so a broken library fails instead of hanging.
 *
 * Include this header first: it sets the feature macros libc needs.
 */
#ifndef ZMQ_RS_TESTUTIL_H
#define ZMQ_RS_TESTUTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <zmq.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TEST_TIMEOUT_MS 5000

#if defined(__GNUC__)
#define TU_UNUSED __attribute__((unused))
#else
#define TU_UNUSED
#endif

/* ---------------------------------------------------------------- failure */

static TU_UNUSED void tu_fail (const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fflush (stdout);
    fprintf (stderr, "FAIL: %s:%d: ", file, line);
    va_start (ap, fmt);
    vfprintf (stderr, fmt, ap);
    va_end (ap);
    fprintf (stderr, "\n");
    fflush (stderr);
    _exit (1);
}

#define FAIL(...) tu_fail (__FILE__, __LINE__, __VA_ARGS__)

/* CHECK(cond): cond must hold. */
#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond))                                                           \
            FAIL ("CHECK(%s) failed (errno %d: %s)", #cond, errno,             \
                  zmq_strerror (errno));                                       \
    } while (0)

/* CHECK_RC(expr): expr must not return -1. */
#define CHECK_RC(expr)                                                         \
    do {                                                                       \
        int tu_rc_ = (int) (expr);                                             \
        if (tu_rc_ == -1)                                                      \
            FAIL ("%s returned -1 (errno %d: %s)", #expr, errno,               \
                  zmq_strerror (errno));                                       \
    } while (0)

/* CHECK_ERR(expr, err): expr must return -1 with errno == err. */
#define CHECK_ERR(expr, err)                                                   \
    do {                                                                       \
        int tu_rc_;                                                            \
        errno = 0;                                                             \
        tu_rc_ = (int) (expr);                                                 \
        if (tu_rc_ != -1)                                                      \
            FAIL ("%s returned %d, expected -1 with %s", #expr, tu_rc_, #err); \
        if (errno != (err))                                                    \
            FAIL ("%s: errno %d (%s), expected %s = %d (%s)", #expr, errno,    \
                  zmq_strerror (errno), #err, (int) (err),                     \
                  zmq_strerror (err));                                         \
    } while (0)

/* CHECK_NULL_ERR(expr, err): pointer-returning expr must give NULL + errno. */
#define CHECK_NULL_ERR(expr, err)                                              \
    do {                                                                       \
        const void *tu_p_;                                                     \
        errno = 0;                                                             \
        tu_p_ = (const void *) (expr);                                         \
        if (tu_p_ != NULL)                                                     \
            FAIL ("%s returned non-NULL, expected NULL with %s", #expr, #err); \
        if (errno != (err))                                                    \
            FAIL ("%s: errno %d (%s), expected %s = %d", #expr, errno,         \
                  zmq_strerror (errno), #err, (int) (err));                    \
    } while (0)

#define CHECK_EQ(a, b)                                                         \
    do {                                                                       \
        long long tu_a_ = (long long) (a), tu_b_ = (long long) (b);            \
        if (tu_a_ != tu_b_)                                                    \
            FAIL ("%s == %lld, expected %s == %lld", #a, tu_a_, #b, tu_b_);    \
    } while (0)

#define CHECK_STR(a, b)                                                        \
    do {                                                                       \
        const char *tu_a_ = (a), *tu_b_ = (b);                                 \
        if (tu_a_ == NULL || strcmp (tu_a_, tu_b_) != 0)                       \
            FAIL ("%s == \"%s\", expected \"%s\"", #a,                         \
                  tu_a_ ? tu_a_ : "(null)", tu_b_);                            \
    } while (0)

/* --------------------------------------------------------------- watchdog */

static TU_UNUSED void tu_alarm (int sig)
{
    static const char msg[] = "FAIL: watchdog: test took too long (hang?)\n";
    (void) sig;
    if (write (2, msg, sizeof msg - 1) < 0) {
        /* nothing to do */
    }
    _exit (1);
}

/* Call first in main(): a hang turns into a failure after `seconds`. */
static TU_UNUSED void test_start (int seconds)
{
    setvbuf (stdout, NULL, _IONBF, 0);
    signal (SIGALRM, tu_alarm);
    signal (SIGPIPE, SIG_IGN);
    alarm ((unsigned) seconds);
}

/* ------------------------------------------------------------------ time */

static TU_UNUSED long long now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static TU_UNUSED void sleep_ms (int ms)
{
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long) (ms % 1000) * 1000000L;
    while (nanosleep (&ts, &ts) == -1 && errno == EINTR) {
    }
}

/* --------------------------------------------------------------- sockets */

static TU_UNUSED void set_int (void *s, int option, int value)
{
    int rc = zmq_setsockopt (s, option, &value, sizeof value);
    if (rc != 0) {
        fprintf (stderr, "FAIL: setsockopt(%d, %d): errno %d (%s)\n", option,
                 value, errno, zmq_strerror (errno));
        _exit (1);
    }
}

static TU_UNUSED int get_int (void *s, int option)
{
    int value = 0;
    size_t len = sizeof value;
    if (zmq_getsockopt (s, option, &value, &len) != 0) {
        fprintf (stderr, "FAIL: getsockopt(%d): errno %d (%s)\n", option,
                 errno, zmq_strerror (errno));
        _exit (1);
    }
    return value;
}

/* A socket with RCVTIMEO/SNDTIMEO = 5000 ms and LINGER = 0. */
static TU_UNUSED void *test_socket (void *ctx, int type)
{
    void *s = zmq_socket (ctx, type);
    if (!s) {
        fprintf (stderr, "FAIL: zmq_socket(%d): errno %d (%s)\n", type, errno,
                 zmq_strerror (errno));
        _exit (1);
    }
    set_int (s, ZMQ_LINGER, 0);
    set_int (s, ZMQ_RCVTIMEO, TEST_TIMEOUT_MS);
    set_int (s, ZMQ_SNDTIMEO, TEST_TIMEOUT_MS);
    return s;
}

static TU_UNUSED void close_socket (void *s)
{
    if (zmq_close (s) != 0) {
        fprintf (stderr, "FAIL: zmq_close: errno %d (%s)\n", errno,
                 zmq_strerror (errno));
        _exit (1);
    }
}

static TU_UNUSED void term_ctx (void *ctx)
{
    if (zmq_ctx_term (ctx) != 0) {
        fprintf (stderr, "FAIL: zmq_ctx_term: errno %d (%s)\n", errno,
                 zmq_strerror (errno));
        _exit (1);
    }
}

/* Binds tcp://127.0.0.1:* and stores the resolved endpoint in buf. */
static TU_UNUSED void bind_loopback (void *s, char *buf, size_t len)
{
    size_t l = len;
    if (zmq_bind (s, "tcp://127.0.0.1:*") != 0) {
        fprintf (stderr, "FAIL: bind tcp://127.0.0.1:*: errno %d (%s)\n",
                 errno, zmq_strerror (errno));
        _exit (1);
    }
    if (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, buf, &l) != 0) {
        fprintf (stderr, "FAIL: LAST_ENDPOINT: errno %d (%s)\n", errno,
                 zmq_strerror (errno));
        _exit (1);
    }
}

/* ---------------------------------------------------------- ipc temp dir */

static char tu_tmpdir[256];
static char tu_ipc_files[64][300];
static int tu_ipc_count;

static TU_UNUSED void tu_cleanup_tmpdir (void)
{
    int i;
    for (i = 0; i < tu_ipc_count; i++)
        unlink (tu_ipc_files[i]);
    if (tu_tmpdir[0])
        rmdir (tu_tmpdir);
}

/* A per-process temporary directory, removed at exit. */
static TU_UNUSED const char *test_tmpdir (void)
{
    if (!tu_tmpdir[0]) {
        const char *base = getenv ("TMPDIR");
        if (!base || !*base)
            base = "/tmp";
        snprintf (tu_tmpdir, sizeof tu_tmpdir, "%s/zmqtest-XXXXXX", base);
        if (!mkdtemp (tu_tmpdir)) {
            fprintf (stderr, "FAIL: mkdtemp(%s): %s\n", tu_tmpdir,
                     strerror (errno));
            _exit (1);
        }
        atexit (tu_cleanup_tmpdir);
    }
    return tu_tmpdir;
}

/* Writes "ipc://<tmpdir>/<name>" into buf; the file is removed at exit. */
static TU_UNUSED void ipc_endpoint (char *buf, size_t len, const char *name)
{
    const char *dir = test_tmpdir ();
    snprintf (buf, len, "ipc://%s/%s", dir, name);
    if (tu_ipc_count < 64)
        snprintf (tu_ipc_files[tu_ipc_count++], sizeof tu_ipc_files[0],
                  "%s/%s", dir, name);
}

/* Binds `s` on a fresh endpoint of `transport` ("tcp", "ipc" or "inproc")
 * and writes the endpoint peers should connect to into buf. */
static TU_UNUSED void bind_transport (void *s, const char *transport,
                                      char *buf, size_t len)
{
    static int counter;
    char name[64];
    counter++;
    if (strcmp (transport, "tcp") == 0) {
        bind_loopback (s, buf, len);
        return;
    }
    if (strcmp (transport, "ipc") == 0) {
        snprintf (name, sizeof name, "ep-%d", counter);
        ipc_endpoint (buf, len, name);
    } else {
        snprintf (buf, len, "inproc://ep-%d-%d", (int) getpid (), counter);
    }
    if (zmq_bind (s, buf) != 0) {
        fprintf (stderr, "FAIL: bind %s: errno %d (%s)\n", buf, errno,
                 zmq_strerror (errno));
        _exit (1);
    }
}

/* -------------------------------------------------------- send / receive */

#define SEND_STR(s, str, flags)                                                \
    do {                                                                       \
        const char *tu_s_ = (str);                                             \
        int tu_rc_ = zmq_send ((s), tu_s_, strlen (tu_s_), (flags));           \
        if (tu_rc_ != (int) strlen (tu_s_))                                    \
            FAIL ("send \"%s\" returned %d (errno %d: %s)", tu_s_, tu_rc_,     \
                  errno, zmq_strerror (errno));                                \
    } while (0)

/* Receives one frame into buf (NUL-terminated), waiting at most timeout_ms.
 * Returns the frame size, or -1 with errno (EAGAIN on timeout). */
static TU_UNUSED int recv_str_timeout (void *s, char *buf, size_t len,
                                       int timeout_ms)
{
    int old = get_int (s, ZMQ_RCVTIMEO);
    int rc;
    set_int (s, ZMQ_RCVTIMEO, timeout_ms);
    rc = zmq_recv (s, buf, len - 1, 0);
    {
        int saved = errno;
        set_int (s, ZMQ_RCVTIMEO, old);
        errno = saved;
    }
    if (rc >= 0)
        buf[(size_t) rc < len - 1 ? (size_t) rc : len - 1] = '\0';
    return rc;
}

/* RECV_STR(s, expected, more): receive a frame within the socket's RCVTIMEO,
 * compare with expected and check the RCVMORE flag. */
#define RECV_STR(s, expected, more)                                            \
    do {                                                                       \
        char tu_buf_[1024];                                                    \
        const char *tu_e_ = (expected);                                        \
        int tu_rc_ = zmq_recv ((s), tu_buf_, sizeof tu_buf_ - 1, 0);           \
        if (tu_rc_ < 0)                                                        \
            FAIL ("recv (expecting \"%s\") failed: errno %d (%s)", tu_e_,      \
                  errno, zmq_strerror (errno));                                \
        tu_buf_[tu_rc_ < (int) sizeof tu_buf_ ? tu_rc_                         \
                                              : (int) sizeof tu_buf_ - 1] = 0; \
        if ((size_t) tu_rc_ != strlen (tu_e_)                                  \
            || memcmp (tu_buf_, tu_e_, strlen (tu_e_)) != 0)                   \
            FAIL ("received \"%s\" (%d bytes), expected \"%s\"", tu_buf_,      \
                  tu_rc_, tu_e_);                                              \
        if (get_int ((s), ZMQ_RCVMORE) != (more))                              \
            FAIL ("after \"%s\": RCVMORE == %d, expected %d", tu_e_,           \
                  get_int ((s), ZMQ_RCVMORE), (more));                         \
    } while (0)

/* Waits until `s` has `events` (ZMQ_POLLIN/ZMQ_POLLOUT) or timeout_ms passes.
 * Returns 1 if ready, 0 on timeout. Retries on EINTR with the time left. */
static TU_UNUSED int poll_socket (void *s, short events, int timeout_ms)
{
    long long deadline = now_ms () + timeout_ms;
    for (;;) {
        zmq_pollitem_t item;
        long left = (long) (deadline - now_ms ());
        int rc;
        if (left < 0)
            left = 0;
        item.socket = s;
        item.fd = 0;
        item.events = events;
        item.revents = 0;
        rc = zmq_poll (&item, 1, left);
        if (rc == -1 && errno == EINTR)
            continue;
        if (rc == -1) {
            fprintf (stderr, "FAIL: zmq_poll: errno %d (%s)\n", errno,
                     zmq_strerror (errno));
            _exit (1);
        }
        if (rc > 0 && (item.revents & events))
            return 1;
        if (left == 0)
            return 0;
    }
}

/* Receives and discards everything already queued on `s`. */
static TU_UNUSED int drain (void *s)
{
    char buf[256];
    int n = 0;
    while (zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
        n++;
    return n;
}

/* PUB/SUB slow-joiner: sends `topic` on pub until sub (already subscribed
 * to a prefix of it) receives one, within 5 s; then drains sub. */
static TU_UNUSED void sync_pub_sub (void *pub, void *sub, const char *topic)
{
    long long deadline = now_ms () + TEST_TIMEOUT_MS;
    while (now_ms () < deadline) {
        if (zmq_send (pub, topic, strlen (topic), ZMQ_DONTWAIT) < 0
            && errno != EAGAIN) {
            fprintf (stderr, "FAIL: sync send: errno %d (%s)\n", errno,
                     zmq_strerror (errno));
            _exit (1);
        }
        if (poll_socket (sub, ZMQ_POLLIN, 50)) {
            /* let anything still in flight arrive, then drop it */
            while (poll_socket (sub, ZMQ_POLLIN, 50))
                drain (sub);
            return;
        }
    }
    fprintf (stderr, "FAIL: subscriber never received \"%s\"\n", topic);
    _exit (1);
}

#endif
