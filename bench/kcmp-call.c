/*
 * The C reference for bench/kcmp-call.mjs: the cost of one kcmp(KCMP_FILE) call made from C.
 *
 *   kcmp-call own|cross N     prints the mean ns per call of N calls, as a plain number
 *
 * own:   kcmp(self, self, KCMP_FILE, a, b), a and b two separate opens of /dev/null (different
 *        descriptions, so the kernel compares two real pointers and answers 1 or 2);
 * cross: kcmp(self, child, KCMP_FILE, a, a), the child a fork that inherited a (answer 0).
 * Exit 1 if any call fails or answers something else.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/kcmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: kcmp-call own|cross N\n");
    return 2;
  }
  long n = atol(argv[2]);
  int cross = strcmp(argv[1], "cross") == 0;
  int a = open("/dev/null", O_RDONLY), b = open("/dev/null", O_RDONLY);
  if (a < 0 || b < 0) return 1;
  pid_t self = getpid(), other = self;
  if (cross) {
    other = fork();
    if (other < 0) return 1;
    if (other == 0) {
      for (;;) pause();
    }
    b = a;
  }
  long expect = cross ? 0 : syscall(SYS_kcmp, self, other, KCMP_FILE, a, b);
  struct timespec t0, t1;
  long bad = 0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (long i = 0; i < n; i++) bad += syscall(SYS_kcmp, self, other, KCMP_FILE, a, b) != expect;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (cross) {
    kill(other, SIGKILL);
    waitpid(other, NULL, 0);
  }
  if (bad || expect < 0) {
    fprintf(stderr, "kcmp-call: %ld unexpected answers\n", bad);
    return 1;
  }
  double ns = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
  printf("%.1f\n", ns / n);
  return 0;
}
