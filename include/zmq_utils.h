/*
 * zmq_utils.h — kept for compatibility with libzmq: its functions are
 * declared in zmq.h. Written by hand (not generated).
 */

#include "zmq.h"
