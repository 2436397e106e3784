/* which_lib
 * Prints {"version": "X.Y.Z", "path": "<libzmq file mapped into this
 * process>"} (the first mapping whose file name starts with "libzmq.so"):
 * the runner checks with it which libzmq.so.5 LD_LIBRARY_PATH
 * selected. */
#include "bench.h"

int main (void)
{
    int major, minor, patch;
    char line[4096], path[4096] = "";
    FILE *f;
    zmq_version (&major, &minor, &patch);
    f = fopen ("/proc/self/maps", "r");
    if (f) {
        while (fgets (line, sizeof line, f)) {
            char *p = strchr (line, '/');
            /* By file name: the directories (this program's too) may
             * contain "libzmq". */
            if (p && strncmp (strrchr (p, '/') + 1, "libzmq.so", 9) == 0) {
                p[strcspn (p, "\n")] = 0;
                snprintf (path, sizeof path, "%s", p);
                break;
            }
        }
        fclose (f);
    }
    printf ("{\"version\": \"%d.%d.%d\", \"path\": \"%s\"}\n", major, minor,
            patch, path);
    return path[0] ? 0 : 1;
}
