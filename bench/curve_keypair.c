/* curve_keypair
 * Prints {"curve": 1, "public": "<Z85>", "secret": "<Z85>"}: a key pair
 * from zmq_curve_keypair of the library under test (the runner makes the
 * CURVE server's keys with it and hands the public one to the client), or
 * {"curve": 0} if zmq_has ("curve") says the library has no CURVE (the
 * runner then reports the CURVE rows as "n/a (no curve)"). */
#include "bench.h"

int main (void)
{
    char pub[41], sec[41];
    if (!zmq_has ("curve")) {
        printf ("{\"curve\": 0}\n");
        return 0;
    }
    CHECK (zmq_curve_keypair (pub, sec));
    /* Z85 has no '"' or '\\': safe inside a JSON string */
    printf ("{\"curve\": 1, \"public\": \"%s\", \"secret\": \"%s\"}\n", pub,
            sec);
    return 0;
}
