/* Running a proxy in a thread, for the test_proxy*.c tests. Include after
 * testutil.h. */
#ifndef ZMQ_RS_PROXYUTIL_H
#define ZMQ_RS_PROXYUTIL_H

#include "testutil.h"

/* A zmq_proxy_steerable (frontend, backend, capture, control) call in its
 * own thread; `device` >= 0 makes it zmq_device (device, frontend, backend)
 * instead. After the call returns the thread closes frontend, backend and
 * capture (not control) when `close_after` is set, and records rc and
 * errno (then `done`, to be read with proxy_done). */
typedef struct
{
    void *frontend, *backend, *capture, *control;
    int device;
    int close_after;
    int rc, err;
    int done; /* set (atomically) once rc and err are */
    pthread_t thread;
} proxy_run_t;

static TU_UNUSED void *proxy_main (void *arg)
{
    proxy_run_t *p = (proxy_run_t *) arg;
    if (p->device >= 0)
        p->rc = zmq_device (p->device, p->frontend, p->backend);
    else if (p->control)
        p->rc = zmq_proxy_steerable (p->frontend, p->backend, p->capture,
                                     p->control);
    else
        p->rc = zmq_proxy (p->frontend, p->backend, p->capture);
    p->err = errno;
    __atomic_store_n (&p->done, 1, __ATOMIC_SEQ_CST);
    if (p->close_after) {
        zmq_close (p->frontend);
        if (p->backend != p->frontend)
            zmq_close (p->backend);
        if (p->capture)
            zmq_close (p->capture);
    }
    return NULL;
}

static TU_UNUSED void proxy_start (proxy_run_t *p, void *frontend,
                                   void *backend, void *capture,
                                   void *control)
{
    memset (p, 0, sizeof *p);
    p->frontend = frontend;
    p->backend = backend;
    p->capture = capture;
    p->control = control;
    p->device = -1;
    p->close_after = 1;
    if (pthread_create (&p->thread, NULL, proxy_main, p) != 0)
        FAIL ("pthread_create");
}

static TU_UNUSED void proxy_start_device (proxy_run_t *p, int device,
                                          void *frontend, void *backend)
{
    memset (p, 0, sizeof *p);
    p->frontend = frontend;
    p->backend = backend;
    p->device = device;
    p->close_after = 1;
    if (pthread_create (&p->thread, NULL, proxy_main, p) != 0)
        FAIL ("pthread_create");
}

/* True once the proxy call has returned. */
static TU_UNUSED int proxy_done (proxy_run_t *p)
{
    return __atomic_load_n (&p->done, __ATOMIC_SEQ_CST);
}

/* Shuts the context down, joins the proxy thread and checks that the proxy
 * returned -1 with ETERM. */
static TU_UNUSED void proxy_stop_eterm (proxy_run_t *p, void *ctx)
{
    CHECK_RC (zmq_ctx_shutdown (ctx));
    pthread_join (p->thread, NULL);
    CHECK_EQ (p->rc, -1);
    CHECK_EQ (p->err, ETERM);
}

/* True when the library steers proxies as libzmq 4.3.5 and the
 * zmq_proxy_steerable manual: STATISTICS counts frames, a REP control
 * socket gets an empty reply to every command but STATISTICS, commands are
 * not copied to the capture socket, unknown commands are ignored. libzmq
 * 4.3.4 (Debian's, for ZMQ_CTESTS_SYSTEM=1) counts whole messages, answers
 * only STATISTICS, captures the commands and aborts on unknown ones. */
static TU_UNUSED int steering_4_3_5 (void)
{
    int major, minor, patch;
    zmq_version (&major, &minor, &patch);
    return major * 10000 + minor * 100 + patch >= 40305;
}

/* CPU time used by the whole process so far, in ms. */
static TU_UNUSED double cpu_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double) ts.tv_sec * 1000.0 + (double) ts.tv_nsec / 1e6;
}

/* Sends a multipart message: `n` string frames. */
static TU_UNUSED void send_parts (void *s, int n, const char **parts)
{
    int i;
    for (i = 0; i < n; i++)
        SEND_STR (s, parts[i], i + 1 < n ? ZMQ_SNDMORE : 0);
}

/* Receives a multipart message of exactly `n` frames equal to `parts`. */
static TU_UNUSED void recv_parts (void *s, int n, const char **parts)
{
    int i;
    for (i = 0; i < n; i++)
        RECV_STR (s, parts[i], i + 1 < n);
}

#endif
