/* An independent ZeroMQ peer for the engine: a DEALER that sends ping, then a submit read from
   argv[2] (a JSON file), then events for the job id given in argv[3] if any; prints each reply
   on its own line. Build: cc zmq_ping.c -o zmq_ping -lzmq. Usage: zmq_ping ENDPOINT [SUBMIT.json] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

static int roundtrip(void *sock, const char *msg) {
    char buf[65536];
    if (zmq_send(sock, msg, strlen(msg), 0) < 0) return 1;
    int n = zmq_recv(sock, buf, sizeof buf - 1, 0);
    if (n < 0) { fprintf(stderr, "no reply: %s\n", zmq_strerror(zmq_errno())); return 1; }
    if (n > (int)sizeof buf - 1) n = sizeof buf - 1;
    buf[n] = '\0';
    printf("%s\n", buf);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s ENDPOINT [SUBMIT.json]\n", argv[0]); return 2; }
    void *ctx = zmq_ctx_new();
    void *sock = zmq_socket(ctx, ZMQ_DEALER);
    int timeout = 5000, linger = 0;
    zmq_setsockopt(sock, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_connect(sock, argv[1]) != 0) { fprintf(stderr, "connect failed\n"); return 1; }
    int rc = roundtrip(sock, "{\"v\":1,\"type\":\"ping\",\"ref\":\"c-peer\"}");
    if (!rc && argc > 2) {
        FILE *f = fopen(argv[2], "rb");
        if (!f) { perror(argv[2]); return 1; }
        static char body[65536];
        size_t n = fread(body, 1, sizeof body - 1, f);
        fclose(f);
        body[n] = '\0';
        rc = roundtrip(sock, body);
    }
    if (!rc) rc = roundtrip(sock, "{\"v\":7,\"type\":\"ping\"}");
    zmq_close(sock);
    zmq_ctx_destroy(ctx);
    return rc;
}
