/*
 * rdkafka-bench: the librdkafka client that drives Freshet's benchmarks (bench/run.ts).
 *
 * The bench script compiles it into a temporary directory with
 *   gcc -O2 -o rdkafka-bench rdkafka-bench.c -lrdkafka -lm
 * (Debian: apt-get install librdkafka-dev gcc). It prints exactly one JSON object on stdout;
 * librdkafka's own logs and our diagnostics go to stderr.
 *
 * Modes:
 *   produce  --records N --size S --acks A --linger-ms L --batch-size B --partitions P
 *            [--rate R] [--warmup-seconds W] [--max-seconds T]
 *            Records of S bytes round-robin over partitions 0..P-1, compression none unless --compression C;
 *            --payload alphabet (default, highly compressible) or random (incompressible).
 *            Without --rate: as fast as the client can queue them; reports MB/s and records/s
 *            from the first produce() to the last delivery report.
 *            With --rate R: R records/s on a fixed schedule (sent in bursts of whatever is due
 *            when the thread wakes); reports per-record latency from produce() to its delivery
 *            report (p50/p99/p99.9/max), and latency_quantiles: [quantile, ms] pairs at
 *            quantile 1 - 10^(-k/10) for a percentile-distribution plot, ending with [1, max].
 *   consume  --records N --partitions P [--max-seconds T]
 *            Assigns all partitions from the beginning (legacy per-partition consumer, so no
 *            group coordinator is involved), reads N records; reports MB/s from the first
 *            message to the last.
 *   group    --group G --partitions P [--session-timeout-ms S] [--heartbeat-ms H] [--debug CONTEXTS]
 *            One member of consumer group G on topic T (which must exist with P partitions),
 *            driven line by line on stdin; prints one JSON event per line on stdout, each with
 *            "t" = CLOCK_MONOTONIC in ns (comparable across processes):
 *              ready                           the handle exists and T's metadata shows P partitions
 *              subscribe                       -> {"ev":"subscribe"} just before rd_kafka_subscribe()
 *              (rebalance callback)            -> {"ev":"assign"|"revoke","p":[partitions]}, eager
 *                                                 protocol (range,roundrobin): revoke all, assign all
 *              close                           -> "close_start", rd_kafka_consumer_close(), "closed", exit
 *              commit-sync SECONDS             rd_kafka_commit(async=0) of one offset per partition
 *                                              0..P-1 in a loop -> {"ev":"commit_sync",...} with
 *                                              commits/s and latency p50/p99/p99.9/max
 *              commit-async SECONDS WINDOW     rd_kafka_commit(async=1), up to WINDOW in flight,
 *                                              completions from the offset commit callback
 *                                              -> {"ev":"commit_async",...}
 *              kill                            -> "kill", then SIGKILL to itself (no LeaveGroup, no
 *                                              goodbye: the group notices at session expiry)
 *              quit                            rd_kafka_destroy() (which closes the consumer: LeaveGroup)
 *            enable.auto.commit=false.
 *   version  prints {"librdkafka":"X.Y.Z"}.
 * produce and consume report the client's own CPU time (getrusage), so the caller can tell a client-bound
 * result from a broker-bound one, and, for produce, librdkafka's request count and bytes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <unistd.h>
#include <inttypes.h>
#include <math.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define RECORDS_MAX 100000000L  /* latency array is 8 bytes per record */
#define PARTITIONS_MAX 1024
#define CONSUME_BATCH_MAX 10000
/* Latency quantiles printed for the plot: up to q = 1 - 10^-6 (k = 60). */
#define QUANTILE_STEPS_MAX 60
/* --payload random: records are windows into this many random bytes (> batch.size). */
#define RANDOM_POOL_BYTES (16L * 1024 * 1024)

typedef struct {
  const char *mode, *brokers, *topic;
  long records, size, batch_size, partitions, linger_ms;
  const char *acks, *group, *debug, *payload, *compression;
  double rate, max_seconds, warmup_seconds;
  long session_timeout_ms, heartbeat_ms;
} args_t;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void die(const char *msg, const char *detail) {
  fprintf(stderr, "rdkafka-bench: %s%s%s\n", msg, detail ? ": " : "", detail ? detail : "");
  exit(2);
}

static void set_conf(rd_kafka_conf_t *conf, const char *key, const char *value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key, value, err, sizeof err) != RD_KAFKA_CONF_OK) die(key, err);
}

/* ---------- produce ---------- */

static struct {
  long delivered, failed;
  uint64_t last_dr_ns;
  double *latency_ms; /* per delivered record, only in --rate mode */
  uint64_t warmup_until_ns; /* records sent before this are not in the latency figures */
  long latencies;
  long long tx_requests, tx_bytes; /* from the last statistics callback */
  char first_error[256];
} P;

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk; (void)opaque;
  uint64_t t = now_ns();
  P.last_dr_ns = t;
  if (m->err) {
    if (P.failed++ == 0) snprintf(P.first_error, sizeof P.first_error, "%s", rd_kafka_err2str(m->err));
    return;
  }
  P.delivered++;
  uint64_t sent_ns = (uint64_t)(uintptr_t)m->_private;
  if (P.latency_ms && sent_ns >= P.warmup_until_ns) P.latency_ms[P.latencies++] = (double)(t - sent_ns) / 1e6;
}

/* Sums "tx" and "txbytes" over the brokers in librdkafka's statistics JSON (no JSON parser:
 * the two keys occur once per broker object; the topics section that follows is excluded). */
static int stats_cb(rd_kafka_t *rk, char *json, size_t len, void *opaque) {
  (void)rk; (void)len; (void)opaque;
  long long tx = 0, txb = 0;
  const char *brokers = strstr(json, "\"brokers\":");
  const char *topics = brokers ? strstr(brokers, "\"topics\":") : NULL; /* partitions count txbytes too */
  for (const char *p = brokers; p && (p = strstr(p, "\"tx\":")) && (!topics || p < topics); p += 5) tx += atoll(p + 5);
  for (const char *p = brokers; p && (p = strstr(p, "\"txbytes\":")) && (!topics || p < topics); p += 10)
    txb += atoll(p + 10);
  P.tx_requests = tx;
  P.tx_bytes = txb;
  return 0;
}

/* Waits until the topic's metadata shows at least `partitions` partitions (the broker may be
 * auto-creating it). A producer polls its handle meanwhile so its callbacks run; a consumer
 * (whose queue is redirected to rd_kafka_consumer_poll) just sleeps. Dies after 30 s. */
static void wait_for_topic(rd_kafka_t *rk, rd_kafka_topic_t *rkt, long partitions, int poll_handle) {
  const struct rd_kafka_metadata *md = NULL;
  uint64_t deadline = now_ns() + 30ull * 1000000000ull;
  for (;;) {
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, 5000);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt == 1 && md->topics[0].err == 0 &&
        md->topics[0].partition_cnt >= partitions) break;
    if (md) rd_kafka_metadata_destroy(md);
    md = NULL;
    if (now_ns() > deadline) die("topic metadata", rd_kafka_err2str(e));
    if (poll_handle) rd_kafka_poll(rk, 100);
    else usleep(100000);
  }
  rd_kafka_metadata_destroy(md);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double pct(const double *sorted, long n, double q) {
  if (n == 0) return 0;
  long i = (long)(q * (double)n);
  if (i >= n) i = n - 1;
  return sorted[i];
}

static void sleep_until_ns(uint64_t t) {
  struct timespec ts = {.tv_sec = (time_t)(t / 1000000000ull), .tv_nsec = (long)(t % 1000000000ull)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {}
}

static int run_produce(const args_t *a) {
  char buf[64], err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  set_conf(conf, "bootstrap.servers", a->brokers);
  set_conf(conf, "acks", a->acks);
  set_conf(conf, "compression.codec", a->compression != NULL ? a->compression : "none");
  snprintf(buf, sizeof buf, "%ld", a->linger_ms);
  set_conf(conf, "linger.ms", buf);
  snprintf(buf, sizeof buf, "%ld", a->batch_size);
  set_conf(conf, "batch.size", buf);
  set_conf(conf, "batch.num.messages", "1000000");
  set_conf(conf, "queue.buffering.max.kbytes", "1048576");
  set_conf(conf, "queue.buffering.max.messages", "1000000");
  set_conf(conf, "message.timeout.ms", "120000");
  set_conf(conf, "statistics.interval.ms", "100");
  rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
  rd_kafka_conf_set_stats_cb(conf, stats_cb);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) die("rd_kafka_new", err);
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, a->topic, NULL);

  wait_for_topic(rk, rkt, a->partitions, 1);

  /* alphabet: every record the same repeating a..z (compresses ~100x+: a codec's best case);
   * random: each record a different window of a pool of xorshift bytes larger than any batch
   * (incompressible: a codec's worst case). */
  int random_payload = a->payload != NULL && !strcmp(a->payload, "random");
  long pool_bytes = random_payload ? RANDOM_POOL_BYTES + a->size : a->size;
  char *pool = malloc((size_t)pool_bytes);
  uint64_t x = 88172645463325252ULL;
  for (long i = 0; i < pool_bytes; i++) {
    if (random_payload) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      pool[i] = (char)(x & 0xff);
    } else {
      pool[i] = (char)('a' + i % 26);
    }
  }
  if (a->rate > 0) P.latency_ms = malloc(sizeof(double) * (size_t)a->records);

  double cpu0 = cpu_seconds();
  uint64_t t0 = now_ns(), stop_at = t0 + (uint64_t)(a->max_seconds * 1e9);
  /* The broker's first second after a topic appears includes JIT warm-up: latency figures
   * describe the steady state, so records sent during --warmup-seconds are left out of them. */
  P.warmup_until_ns = t0 + (uint64_t)(a->warmup_seconds * 1e9);
  long sent = 0;
  while (sent < a->records && now_ns() < stop_at) {
    if (a->rate > 0) {
      uint64_t due = t0 + (uint64_t)((double)sent * 1e9 / a->rate);
      if (now_ns() < due) {
        rd_kafka_poll(rk, 0);
        sleep_until_ns(due);
      }
    }
    int32_t partition = (int32_t)(sent % a->partitions);
    void *opaque = (void *)(uintptr_t)now_ns();
    char *payload = random_payload ? pool + (sent * 4099) % RANDOM_POOL_BYTES : pool;
    if (rd_kafka_produce(rkt, partition, RD_KAFKA_MSG_F_COPY, payload, (size_t)a->size, NULL, 0, opaque) == -1) {
      rd_kafka_resp_err_t e = rd_kafka_last_error();
      if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk, 1);
        continue;
      }
      die("produce", rd_kafka_err2str(e));
    }
    sent++;
    if ((sent & 1023) == 0) rd_kafka_poll(rk, 0);
  }
  while (P.delivered + P.failed < sent && now_ns() < stop_at + 60ull * 1000000000ull) rd_kafka_poll(rk, 10);
  double cpu = cpu_seconds() - cpu0;
  double secs = (double)((P.last_dr_ns ? P.last_dr_ns : now_ns()) - t0) / 1e9;
  rd_kafka_poll(rk, 150); /* one more statistics callback with the final counters */

  double mb = (double)P.delivered * (double)a->size / 1e6;
  printf("{\"mode\":\"produce\",\"acks\":\"%s\",\"partitions\":%ld,\"size\":%ld,\"linger_ms\":%ld,\"batch_size\":%ld,"
         "\"rate_target\":%.1f,\"sent\":%ld,\"delivered\":%ld,\"failed\":%ld,\"first_error\":\"%s\","
         "\"seconds\":%.6f,\"mb_per_s\":%.3f,\"records_per_s\":%.1f,\"client_cpu_s\":%.3f,"
         "\"tx_requests\":%lld,\"tx_bytes\":%lld",
         a->acks, a->partitions, a->size, a->linger_ms, a->batch_size, a->rate, sent, P.delivered, P.failed,
         P.first_error, secs, secs > 0 ? mb / secs : 0, secs > 0 ? P.delivered / secs : 0, cpu, P.tx_requests,
         P.tx_bytes);
  if (P.latency_ms) {
    qsort(P.latency_ms, (size_t)P.latencies, sizeof(double), cmp_double);
    long n = P.latencies;
    printf(",\"latency_ms\":{\"n\":%ld,\"p50\":%.3f,\"p99\":%.3f,\"p999\":%.3f,\"max\":%.3f}", n,
           pct(P.latency_ms, n, 0.50), pct(P.latency_ms, n, 0.99), pct(P.latency_ms, n, 0.999),
           n ? P.latency_ms[n - 1] : 0);
    /* The distribution for a percentile plot (HdrHistogram's layout): quantile q at
     * q = 1 - 10^(-k/10), k = 0, 1, ... while at least one record lies above it, then the max. */
    printf(",\"latency_quantiles\":[");
    for (int k = 0; k <= QUANTILE_STEPS_MAX; k++) {
      double q = 1.0 - pow(10.0, -(double)k / 10.0);
      if ((1.0 - q) * (double)n < 1.0) break;
      printf("%s[%.6f,%.3f]", k ? "," : "", q, pct(P.latency_ms, n, q));
    }
    printf("%s[1,%.3f]]", n ? "," : "", n ? P.latency_ms[n - 1] : 0);
  }
  printf("}\n");
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  return P.failed ? 1 : 0;
}

/* ---------- consume ---------- */

static int run_consume(const args_t *a) {
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  set_conf(conf, "bootstrap.servers", a->brokers);
  set_conf(conf, "enable.partition.eof", "false");
  set_conf(conf, "queued.min.messages", "200000");
  set_conf(conf, "fetch.wait.max.ms", "100");
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk) die("rd_kafka_new", err);
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, a->topic, NULL);
  rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
  for (long p = 0; p < a->partitions; p++)
    if (rd_kafka_consume_start_queue(rkt, (int32_t)p, RD_KAFKA_OFFSET_BEGINNING, q) == -1)
      die("consume_start", rd_kafka_err2str(rd_kafka_last_error()));

  static rd_kafka_message_t *msgs[CONSUME_BATCH_MAX];
  long got = 0, errors = 0;
  long long bytes = 0;
  uint64_t first = 0, last = 0, start = now_ns(), stop_at = start + (uint64_t)(a->max_seconds * 1e9);
  double cpu0 = cpu_seconds();
  char first_error[256] = "";
  while (got < a->records && now_ns() < stop_at) {
    ssize_t n = rd_kafka_consume_batch_queue(q, 200, msgs, CONSUME_BATCH_MAX);
    for (ssize_t i = 0; i < n; i++) {
      if (msgs[i]->err) {
        if (errors++ == 0) snprintf(first_error, sizeof first_error, "%s", rd_kafka_message_errstr(msgs[i]));
      } else {
        if (!first) first = now_ns();
        got++;
        bytes += (long long)msgs[i]->len;
      }
      rd_kafka_message_destroy(msgs[i]);
    }
    if (n > 0) last = now_ns();
  }
  double cpu = cpu_seconds() - cpu0;
  double secs = first ? (double)(last - first) / 1e9 : 0;
  printf("{\"mode\":\"consume\",\"partitions\":%ld,\"records\":%ld,\"bytes\":%lld,\"errors\":%ld,\"first_error\":\"%s\","
         "\"seconds\":%.6f,\"mb_per_s\":%.3f,\"records_per_s\":%.1f,\"client_cpu_s\":%.3f}\n",
         a->partitions, got, bytes, errors, first_error, secs, secs > 0 ? bytes / 1e6 / secs : 0,
         secs > 0 ? got / secs : 0, cpu);
  for (long p = 0; p < a->partitions; p++) rd_kafka_consume_stop(rkt, (int32_t)p);
  rd_kafka_queue_destroy(q);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  return got < a->records ? 1 : 0;
}

/* ---------- group ---------- */

static struct {
  long assigned;           /* partitions in the current assignment */
  long committed, commit_failed, inflight;
  char first_error[256];
} G;

static void print_partitions(const char *ev, const rd_kafka_topic_partition_list_t *parts) {
  printf("{\"ev\":\"%s\",\"t\":%" PRIu64 ",\"p\":[", ev, now_ns());
  for (int i = 0; i < parts->cnt; i++) printf("%s%" PRId32, i ? "," : "", parts->elems[i].partition);
  printf("]}\n");
  fflush(stdout);
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts, void *opaque) {
  (void)opaque;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    print_partitions("assign", parts);
    rd_kafka_assign(rk, parts);
    G.assigned = parts->cnt;
  } else {
    print_partitions("revoke", parts);
    rd_kafka_assign(rk, NULL);
    G.assigned = 0;
  }
}

static void offset_commit_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *offsets, void *opaque) {
  (void)rk; (void)offsets; (void)opaque;
  G.inflight--;
  if (err) {
    if (G.commit_failed++ == 0) snprintf(G.first_error, sizeof G.first_error, "%s", rd_kafka_err2str(err));
  } else {
    G.committed++;
  }
}

static void print_event(const char *ev) {
  printf("{\"ev\":\"%s\",\"t\":%" PRIu64 "}\n", ev, now_ns());
  fflush(stdout);
}

static rd_kafka_topic_partition_list_t *commit_list(const args_t *a, int64_t offset) {
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)a->partitions);
  for (long p = 0; p < a->partitions; p++) rd_kafka_topic_partition_list_add(l, a->topic, (int32_t)p)->offset = offset;
  return l;
}

static int64_t next_offset = 1;

static void commit_sync(rd_kafka_t *rk, const args_t *a, double seconds) {
  long cap = 10000000, n = 0, failed = 0;
  double *lat = malloc(sizeof(double) * (size_t)cap);
  char first_error[256] = "";
  double cpu0 = cpu_seconds();
  uint64_t t0 = now_ns(), stop_at = t0 + (uint64_t)(seconds * 1e9);
  while (now_ns() < stop_at && n < cap) {
    rd_kafka_topic_partition_list_t *l = commit_list(a, next_offset++);
    uint64_t s = now_ns();
    rd_kafka_resp_err_t e = rd_kafka_commit(rk, l, 0);
    uint64_t d = now_ns() - s;
    rd_kafka_topic_partition_list_destroy(l);
    if (e) {
      if (failed++ == 0) snprintf(first_error, sizeof first_error, "%s", rd_kafka_err2str(e));
      continue;
    }
    lat[n++] = (double)d / 1e6;
  }
  double secs = (double)(now_ns() - t0) / 1e9, cpu = cpu_seconds() - cpu0;
  qsort(lat, (size_t)n, sizeof(double), cmp_double);
  printf("{\"ev\":\"commit_sync\",\"t\":%" PRIu64 ",\"partitions\":%ld,\"commits\":%ld,\"failed\":%ld,\"first_error\":\"%s\","
         "\"seconds\":%.6f,\"commits_per_s\":%.1f,\"client_cpu_s\":%.3f,"
         "\"latency_ms\":{\"n\":%ld,\"p50\":%.3f,\"p99\":%.3f,\"p999\":%.3f,\"max\":%.3f}}\n",
         now_ns(), a->partitions, n, failed, first_error, secs, secs > 0 ? n / secs : 0, cpu, n, pct(lat, n, 0.5),
         pct(lat, n, 0.99), pct(lat, n, 0.999), n ? lat[n - 1] : 0);
  fflush(stdout);
  free(lat);
}

static void commit_async(rd_kafka_t *rk, const args_t *a, double seconds, long window) {
  if (window < 1) window = 1;
  G.committed = G.commit_failed = G.inflight = 0;
  G.first_error[0] = 0;
  long issued = 0;
  double cpu0 = cpu_seconds();
  uint64_t t0 = now_ns(), stop_at = t0 + (uint64_t)(seconds * 1e9);
  while (now_ns() < stop_at) {
    while (G.inflight < window) {
      rd_kafka_topic_partition_list_t *l = commit_list(a, next_offset++);
      rd_kafka_resp_err_t e = rd_kafka_commit(rk, l, 1);
      rd_kafka_topic_partition_list_destroy(l);
      if (e) {
        if (G.commit_failed++ == 0) snprintf(G.first_error, sizeof G.first_error, "%s", rd_kafka_err2str(e));
        break;
      }
      G.inflight++;
      issued++;
    }
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 1); /* serves offset_commit_cb */
    if (m) rd_kafka_message_destroy(m);
  }
  uint64_t drain_until = now_ns() + 30ull * 1000000000ull;
  while (G.inflight > 0 && now_ns() < drain_until) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 1);
    if (m) rd_kafka_message_destroy(m);
  }
  double secs = (double)(now_ns() - t0) / 1e9, cpu = cpu_seconds() - cpu0;
  printf("{\"ev\":\"commit_async\",\"t\":%" PRIu64 ",\"partitions\":%ld,\"window\":%ld,\"issued\":%ld,\"commits\":%ld,"
         "\"failed\":%ld,\"first_error\":\"%s\",\"seconds\":%.6f,\"commits_per_s\":%.1f,\"client_cpu_s\":%.3f}\n",
         now_ns(), a->partitions, window, issued, G.committed, G.commit_failed, G.first_error, secs,
         secs > 0 ? G.committed / secs : 0, cpu);
  fflush(stdout);
}

/* Handles one stdin command; returns 0 to exit. */
static int group_command(rd_kafka_t *rk, const args_t *a, char *line) {
  char cmd[32] = "";
  double secs = 5;
  long window = 64;
  if (sscanf(line, "%31s %lf %ld", cmd, &secs, &window) < 1) return 1;
  if (!strcmp(cmd, "subscribe")) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, a->topic, RD_KAFKA_PARTITION_UA);
    print_event("subscribe");
    rd_kafka_resp_err_t e = rd_kafka_subscribe(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e) die("subscribe", rd_kafka_err2str(e));
  } else if (!strcmp(cmd, "close")) {
    print_event("close_start");
    rd_kafka_consumer_close(rk);
    print_event("closed");
    rd_kafka_destroy(rk);
    return 0;
  } else if (!strcmp(cmd, "commit-sync")) {
    commit_sync(rk, a, secs);
  } else if (!strcmp(cmd, "commit-async")) {
    commit_async(rk, a, secs, window);
  } else if (!strcmp(cmd, "kill")) {
    print_event("kill");
    kill(getpid(), SIGKILL);
  } else if (!strcmp(cmd, "quit")) {
    rd_kafka_destroy(rk);
    return 0;
  } else {
    fprintf(stderr, "rdkafka-bench group: unknown command '%s'\n", cmd);
  }
  return 1;
}

static int run_group(const args_t *a) {
  char buf[64], err[512];
  if (!a->group) die("group mode needs --group", NULL);
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  set_conf(conf, "bootstrap.servers", a->brokers);
  set_conf(conf, "group.id", a->group);
  set_conf(conf, "enable.auto.commit", "false");
  set_conf(conf, "enable.partition.eof", "false");
  snprintf(buf, sizeof buf, "%ld", a->session_timeout_ms);
  set_conf(conf, "session.timeout.ms", buf);
  snprintf(buf, sizeof buf, "%ld", a->heartbeat_ms);
  set_conf(conf, "heartbeat.interval.ms", buf);
  if (a->debug) set_conf(conf, "debug", a->debug);
  rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
  rd_kafka_conf_set_offset_commit_cb(conf, offset_commit_cb);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk) die("rd_kafka_new", err);
  rd_kafka_poll_set_consumer(rk);

  rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, a->topic, NULL);
  wait_for_topic(rk, rkt, a->partitions, 0);
  rd_kafka_topic_destroy(rkt);
  print_event("ready");

  char line[4096];
  size_t len = 0;
  for (;;) {
    struct pollfd pfd = {.fd = 0, .events = POLLIN};
    if (poll(&pfd, 1, 0) > 0) {
      ssize_t n = read(0, line + len, sizeof line - 1 - len);
      if (n <= 0) { /* stdin closed: the bench went away */
        rd_kafka_destroy(rk);
        return 0;
      }
      len += (size_t)n;
      char *nl;
      while ((nl = memchr(line, '\n', len))) {
        *nl = 0;
        if (!group_command(rk, a, line)) return 0;
        size_t used = (size_t)(nl + 1 - line);
        memmove(line, nl + 1, len - used);
        len -= used;
      }
      if (len == sizeof line - 1) len = 0; /* no newline in 4 KiB: drop it */
    }
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 2); /* serves the rebalance callback */
    if (m) {
      if (m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        printf("{\"ev\":\"error\",\"t\":%" PRIu64 ",\"error\":\"%s\"}\n", now_ns(), rd_kafka_err2str(m->err));
        fflush(stdout);
      }
      rd_kafka_message_destroy(m);
    }
  }
}

/* ---------- arguments ---------- */

static void usage(void) {
  fprintf(stderr,
          "usage: rdkafka-bench produce|consume --brokers HOST:PORT --topic T [--records N] [--size S]\n"
          "       [--acks 0|1|all] [--linger-ms L] [--batch-size B] [--partitions P] [--rate R] [--warmup-seconds W] [--max-seconds T]\n"
          "       [--payload alphabet|random] [--compression none|gzip|snappy|lz4|zstd]\n"
          "       rdkafka-bench group --brokers HOST:PORT --topic T --group G --partitions P\n"
          "       [--session-timeout-ms S] [--heartbeat-ms H]   (commands on stdin)\n");
  exit(2);
}

int main(int argc, char **argv) {
  args_t a = {.brokers = "127.0.0.1:9092", .topic = "bench", .records = 100000, .size = 1024, .acks = "1",
              .linger_ms = 5, .batch_size = 1000000, .partitions = 1, .rate = 0, .max_seconds = 120,
              .group = NULL, .debug = NULL, .session_timeout_ms = 6000, .heartbeat_ms = 1000};
  if (argc < 2) usage();
  a.mode = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    const char *k = argv[i], *v = argv[i + 1];
    if (!strcmp(k, "--brokers")) a.brokers = v;
    else if (!strcmp(k, "--topic")) a.topic = v;
    else if (!strcmp(k, "--records")) a.records = atol(v);
    else if (!strcmp(k, "--size")) a.size = atol(v);
    else if (!strcmp(k, "--acks")) a.acks = v;
    else if (!strcmp(k, "--linger-ms")) a.linger_ms = atol(v);
    else if (!strcmp(k, "--batch-size")) a.batch_size = atol(v);
    else if (!strcmp(k, "--partitions")) a.partitions = atol(v);
    else if (!strcmp(k, "--rate")) a.rate = atof(v);
    else if (!strcmp(k, "--warmup-seconds")) a.warmup_seconds = atof(v);
    else if (!strcmp(k, "--max-seconds")) a.max_seconds = atof(v);
    else if (!strcmp(k, "--group")) a.group = v;
    else if (!strcmp(k, "--session-timeout-ms")) a.session_timeout_ms = atol(v);
    else if (!strcmp(k, "--heartbeat-ms")) a.heartbeat_ms = atol(v);
    else if (!strcmp(k, "--debug")) a.debug = v;
    else if (!strcmp(k, "--payload")) a.payload = v;
    else if (!strcmp(k, "--compression")) a.compression = v;
    else usage();
  }
  if (a.records < 1 || a.records > RECORDS_MAX || a.size < 1 || a.partitions < 1 || a.partitions > PARTITIONS_MAX)
    die("argument out of range", NULL);
  signal(SIGPIPE, SIG_IGN);
  if (!strcmp(a.mode, "produce")) return run_produce(&a);
  if (!strcmp(a.mode, "consume")) return run_consume(&a);
  if (!strcmp(a.mode, "group")) return run_group(&a);
  if (!strcmp(a.mode, "version")) {
    printf("{\"librdkafka\":\"%s\"}\n", rd_kafka_version_str());
    return 0;
  }
  usage();
  return 2;
}
