/* Demo: PUSH/PULL pipeline. A ventilator PUSHes 20 tasks to 2 workers
 * (PULL -> PUSH), which send results to a PULL sink. Every task must come
 * back exactly once. */
#include <zmq.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define TASKS 20
#define WORKERS 2

static char tasks_ep[256], results_ep[256];

static void *worker (void *ctx)
{
    void *in = zmq_socket (ctx, ZMQ_PULL);
    void *out = zmq_socket (ctx, ZMQ_PUSH);
    int timeout = 5000, linger = 1000;
    zmq_setsockopt (in, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt (out, ZMQ_LINGER, &linger, sizeof linger);
    zmq_connect (in, tasks_ep);
    zmq_connect (out, results_ep);
    for (;;) {
        char task[32], result[64];
        int n = zmq_recv (in, task, sizeof task - 1, 0);
        if (n < 0)
            break;
        task[n < (int) sizeof task - 1 ? n : (int) sizeof task - 1] = 0;
        if (strcmp (task, "stop") == 0)
            break;
        snprintf (result, sizeof result, "done %s", task);
        zmq_send (out, result, strlen (result), 0);
    }
    zmq_close (in);
    zmq_close (out);
    return NULL;
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    void *vent = zmq_socket (ctx, ZMQ_PUSH);
    void *sink = zmq_socket (ctx, ZMQ_PULL);
    pthread_t th[WORKERS];
    int seen[TASKS] = {0};
    int i, got = 0, timeout = 5000, linger = 0;
    size_t len;
    zmq_setsockopt (sink, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt (vent, ZMQ_SNDTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt (vent, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_bind (vent, "tcp://127.0.0.1:*") != 0
        || zmq_bind (sink, "tcp://127.0.0.1:*") != 0) {
        printf ("bind failed: %s\n", zmq_strerror (zmq_errno ()));
        return 1;
    }
    len = sizeof tasks_ep;
    zmq_getsockopt (vent, ZMQ_LAST_ENDPOINT, tasks_ep, &len);
    len = sizeof results_ep;
    zmq_getsockopt (sink, ZMQ_LAST_ENDPOINT, results_ep, &len);
    printf ("ventilator on %s, sink on %s\n", tasks_ep, results_ep);
    for (i = 0; i < WORKERS; i++)
        pthread_create (&th[i], NULL, worker, ctx);
    for (i = 0; i < TASKS; i++) {
        char task[32];
        snprintf (task, sizeof task, "task %d", i);
        printf ("ventilator: sending \"%s\"\n", task);
        if (zmq_send (vent, task, strlen (task), 0) < 0)
            printf ("ventilator: send failed: %s\n", zmq_strerror (zmq_errno ()));
    }
    while (got < TASKS) {
        char result[64];
        int n = zmq_recv (sink, result, sizeof result - 1, 0), t;
        if (n < 0) {
            printf ("sink: %s\n", zmq_strerror (zmq_errno ()));
            break;
        }
        result[n < (int) sizeof result - 1 ? n : (int) sizeof result - 1] = 0;
        printf ("sink: received \"%s\"\n", result);
        if (sscanf (result, "done task %d", &t) == 1 && t >= 0 && t < TASKS
            && !seen[t]) {
            seen[t] = 1;
            got++;
        }
    }
    for (i = 0; i < WORKERS; i++)
        zmq_send (vent, "stop", 4, ZMQ_DONTWAIT);
    for (i = 0; i < WORKERS; i++)
        pthread_join (th[i], NULL);
    zmq_close (vent);
    zmq_close (sink);
    zmq_ctx_term (ctx);
    printf ("%d of %d tasks came back\n", got, TASKS);
    return got == TASKS ? 0 : 1;
}
