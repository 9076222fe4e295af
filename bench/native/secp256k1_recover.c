/* Peer for Secp256k1Benchmarks.RecoverAddress: the same recovery (parse, recover, serialize uncompressed) called
 * straight from C against Debian's libsecp256k1.so.1, without Keccak. Declares the few prototypes it needs so it
 * builds without libsecp256k1-dev:
 *   gcc -O2 -o /tmp/secp256k1_recover bench/native/secp256k1_recover.c -l:libsecp256k1.so.1 && /tmp/secp256k1_recover
 * Prints the median of 15 batches of 2,000 recoveries in microseconds per recovery. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct secp256k1_context_struct secp256k1_context;
typedef struct { unsigned char data[64]; } secp256k1_pubkey;
typedef struct { unsigned char data[65]; } secp256k1_ecdsa_recoverable_signature;

secp256k1_context *secp256k1_context_create(unsigned int flags);
int secp256k1_ec_pubkey_serialize(const secp256k1_context *, unsigned char *, size_t *, const secp256k1_pubkey *, unsigned int);
int secp256k1_ecdsa_sign_recoverable(const secp256k1_context *, secp256k1_ecdsa_recoverable_signature *, const unsigned char *,
                                     const unsigned char *, const void *, const void *);
int secp256k1_ecdsa_recoverable_signature_serialize_compact(const secp256k1_context *, unsigned char *, int *,
                                                            const secp256k1_ecdsa_recoverable_signature *);
int secp256k1_ecdsa_recoverable_signature_parse_compact(const secp256k1_context *, secp256k1_ecdsa_recoverable_signature *,
                                                        const unsigned char *, int);
int secp256k1_ecdsa_recover(const secp256k1_context *, secp256k1_pubkey *, const secp256k1_ecdsa_recoverable_signature *,
                            const unsigned char *);

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(void) {
    secp256k1_context *ctx = secp256k1_context_create(0x301);
    unsigned char key[32], hash[32], compact[64], out[65];
    for (int i = 0; i < 32; i++) { key[i] = (unsigned char)(i + 1); hash[i] = (unsigned char)(7 * i + 3); }
    secp256k1_ecdsa_recoverable_signature sig;
    int recid;
    secp256k1_ecdsa_sign_recoverable(ctx, &sig, hash, key, NULL, NULL);
    secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, compact, &recid, &sig);

    enum { batches = 15, per_batch = 2000 };
    double times[batches];
    unsigned sink = 0;
    for (int b = 0; b < batches; b++) {
        double start = now_us();
        for (int i = 0; i < per_batch; i++) {
            secp256k1_ecdsa_recoverable_signature parsed;
            secp256k1_pubkey pub;
            size_t len = 65;
            if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &parsed, compact, recid)
                || !secp256k1_ecdsa_recover(ctx, &pub, &parsed, hash)
                || !secp256k1_ec_pubkey_serialize(ctx, out, &len, &pub, 2)) { return 1; }
            sink += out[1];
        }
        times[b] = (now_us() - start) / per_batch;
    }
    qsort(times, batches, sizeof times[0], compare);
    printf("recover (C, libsecp256k1.so.1): median %.2f us, %.0f ops/s (sink %u)\n", times[batches / 2], 1e6 / times[batches / 2], sink & 1);
    return 0;
}
