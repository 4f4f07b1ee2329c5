/*
 * tcp-pair: single-stream loopback TCP throughput, the machine's network ceiling for one
 * client connection (bench/run.ts compiles it with `gcc -O2`).
 *
 *   tcp-pair BYTES [CHUNK]
 *
 * Forks: the child connects to 127.0.0.1 and writes BYTES in CHUNK-sized write() calls
 * (default 1 MiB); the parent accepts and read()s into a reused buffer until BYTES arrived.
 * Two processes, as a client and the broker are. Prints one JSON object:
 * {"bytes":..,"seconds":..,"mb_per_s":..,"send_user_s":..,"send_sys_s":..,"recv_user_s":..,
 *  "recv_sys_s":..} timed at the receiver from accept() to the last byte. The CPU figures are
 * getrusage: the sender's is the child's whole life (wait4), the receiver's is the parent's
 * RUSAGE_SELF from before accept() to the last byte. On loopback the sender's context often
 * runs the receive path too (softirq), so both sides are reported.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double tv_s(struct timeval tv) { return tv.tv_sec + tv.tv_usec / 1e6; }

static void die(const char *what) {
  perror(what);
  exit(2);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: tcp-pair BYTES [CHUNK]\n");
    return 2;
  }
  long long total = atoll(argv[1]);
  size_t chunk = argc > 2 ? (size_t)atol(argv[2]) : 1 << 20;
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  if (ls < 0) die("socket");
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t alen = sizeof addr;
  if (bind(ls, (struct sockaddr *)&addr, sizeof addr) || listen(ls, 1) ||
      getsockname(ls, (struct sockaddr *)&addr, &alen))
    die("listen");
  char *buf = malloc(chunk);
  memset(buf, 'x', chunk);
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(s, (struct sockaddr *)&addr, sizeof addr)) die("connect");
    for (long long sent = 0; sent < total;) {
      size_t n = total - sent < (long long)chunk ? (size_t)(total - sent) : chunk;
      ssize_t w = write(s, buf, n);
      if (w <= 0) die("write");
      sent += w;
    }
    close(s);
    _exit(0);
  }
  struct rusage ru0, ru1, child;
  getrusage(RUSAGE_SELF, &ru0);
  int c = accept(ls, NULL, NULL);
  if (c < 0) die("accept");
  double t0 = now_s();
  long long got = 0;
  while (got < total) {
    ssize_t r = read(c, buf, chunk);
    if (r <= 0) die("read");
    got += r;
  }
  double secs = now_s() - t0;
  getrusage(RUSAGE_SELF, &ru1);
  int status;
  if (wait4(pid, &status, 0, &child) != pid) die("wait4");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "tcp-pair: sender failed\n");
    return 2;
  }
  printf("{\"bytes\":%lld,\"seconds\":%.6f,\"mb_per_s\":%.1f,\"send_user_s\":%.4f,\"send_sys_s\":%.4f,"
         "\"recv_user_s\":%.4f,\"recv_sys_s\":%.4f}\n",
         got, secs, got / 1e6 / secs, tv_s(child.ru_utime), tv_s(child.ru_stime),
         tv_s(ru1.ru_utime) - tv_s(ru0.ru_utime), tv_s(ru1.ru_stime) - tv_s(ru0.ru_stime));
  return 0;
}
