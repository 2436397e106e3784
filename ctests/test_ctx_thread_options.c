/* The context's thread options take effect on its I/O threads (started
 * with the first socket): ZMQ_THREAD_NAME_PREFIX names them
 * "<prefix>/ZMQbg/IO/<n>"; ZMQ_THREAD_AFFINITY_CPU_ADD pins them;
 * ZMQ_THREAD_PRIORITY with the default policy makes libzmq ask for the
 * highest nice value, -20 (needs privilege: checked only as root). */
#include "testutil.h"

#include <dirent.h>
#include <sched.h>
#include <sys/resource.h>

#ifndef ZMQ_THREAD_SCHED_POLICY
#define ZMQ_THREAD_SCHED_POLICY 4
#endif
#ifndef ZMQ_THREAD_NAME_PREFIX
#define ZMQ_THREAD_NAME_PREFIX 9
#endif
#ifndef ZMQ_THREAD_AFFINITY_CPU_ADD
#define ZMQ_THREAD_AFFINITY_CPU_ADD 7
#endif

/* The tid of the thread named `name`, or -1. */
static int find_thread (const char *name)
{
    DIR *d = opendir ("/proc/self/task");
    struct dirent *e;
    int found = -1;
    CHECK (d != NULL);
    while ((e = readdir (d)) != NULL) {
        char path[300], comm[64] = "";
        FILE *f;
        if (e->d_name[0] == '.')
            continue;
        snprintf (path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        f = fopen (path, "r");
        if (!f)
            continue;
        if (fgets (comm, sizeof comm, f))
            comm[strcspn (comm, "\n")] = 0;
        fclose (f);
        if (strcmp (comm, name) == 0)
            found = atoi (e->d_name);
    }
    closedir (d);
    return found;
}

/* Threads name themselves once running: wait up to 2 s. */
static int wait_thread (const char *name)
{
    long long deadline = now_ms () + 2000;
    int tid;
    while ((tid = find_thread (name)) < 0 && now_ms () < deadline)
        sleep_ms (5);
    return tid;
}

int main (void)
{
    void *ctx, *s;
    int tid;
    cpu_set_t set;
    test_start (30);

    /* Defaults: "ZMQbg/IO/0". */
    ctx = zmq_ctx_new ();
    s = test_socket (ctx, ZMQ_PULL);
    CHECK (wait_thread ("ZMQbg/IO/0") > 0);
    close_socket (s);
    term_ctx (ctx);

    ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    CHECK_RC (zmq_ctx_set (ctx, ZMQ_THREAD_NAME_PREFIX, 7));
    CHECK_RC (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_ADD, 0));
    CHECK_RC (zmq_ctx_set (ctx, ZMQ_THREAD_PRIORITY, 10));
    s = test_socket (ctx, ZMQ_PULL);
    CHECK_RC (zmq_bind (s, "tcp://127.0.0.1:*"));
    tid = wait_thread ("7/ZMQbg/IO/0");
    CHECK (tid > 0);
    CPU_ZERO (&set);
    CHECK_RC (sched_getaffinity (tid, sizeof set, &set));
    CHECK_EQ (CPU_COUNT (&set), 1);
    CHECK (CPU_ISSET (0, &set));
    if (geteuid () == 0) {
        errno = 0;
        CHECK_EQ (getpriority (PRIO_PROCESS, (id_t) tid), -20);
    }
    close_socket (s);
    term_ctx (ctx);

    /* SCHED_RR with static priority 1, where this process may use it. */
    {
        struct sched_param p;
        int allowed;
        memset (&p, 0, sizeof p);
        p.sched_priority = 1;
        allowed = sched_setscheduler (0, SCHED_RR, &p) == 0;
        if (allowed) {
            p.sched_priority = 0;
            CHECK_RC (sched_setscheduler (0, SCHED_OTHER, &p));
            ctx = zmq_ctx_new ();
            CHECK_RC (zmq_ctx_set (ctx, ZMQ_THREAD_NAME_PREFIX, 8));
            CHECK_RC (zmq_ctx_set (ctx, ZMQ_THREAD_SCHED_POLICY, SCHED_RR));
            CHECK_RC (zmq_ctx_set (ctx, ZMQ_THREAD_PRIORITY, 1));
            s = test_socket (ctx, ZMQ_PULL);
            tid = wait_thread ("8/ZMQbg/IO/0");
            CHECK (tid > 0);
            CHECK_EQ (sched_getscheduler (tid), SCHED_RR);
            CHECK_RC (sched_getparam (tid, &p));
            CHECK_EQ (p.sched_priority, 1);
            close_socket (s);
            term_ctx (ctx);
        } else
            printf ("SCHED_RR: skipped (not permitted)\n");
    }
    printf ("test_ctx_thread_options: ok\n");
    return 0;
}
