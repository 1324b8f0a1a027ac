/*
 * rusage: runs one command and reports its wall time and peak RSS — what bench/fds.mjs times with, so
 * every contender is started the same way (fork + execvp, stdout to a file, no shell, no Node spawn
 * overhead in the measurement).
 *
 *   rusage [-o OUT] [-e ERR] -- CMD [ARGS...]
 *
 * The child's stdout goes to OUT and its stderr to ERR (both default to /dev/null). Prints one JSON line:
 * {"ms":WALL_MS,"maxrssKb":KB,"status":EXIT_CODE,"signal":SIG}. ms runs from just before fork() to
 * wait4() returning, so process startup and teardown count, as a user would see them. maxrssKb is the
 * child's ru_maxrss from wait4(2) (kilobytes on Linux; the whole process, worker threads included).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int open_out(const char *path) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    fprintf(stderr, "rusage: %s: %s\n", path, strerror(errno));
    exit(2);
  }
  return fd;
}

int main(int argc, char **argv) {
  const char *out = "/dev/null", *err = "/dev/null";
  int opt;
  while ((opt = getopt(argc, argv, "+o:e:")) != -1) {
    if (opt == 'o') out = optarg;
    else if (opt == 'e') err = optarg;
    else return 2;
  }
  if (optind >= argc) {
    fprintf(stderr, "usage: rusage [-o OUT] [-e ERR] -- CMD [ARGS...]\n");
    return 2;
  }
  int ofd = open_out(out), efd = open_out(err);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pid_t pid = fork();
  if (pid < 0) {
    perror("rusage: fork");
    return 2;
  }
  if (pid == 0) {
    dup2(ofd, 1);
    dup2(efd, 2);
    execvp(argv[optind], argv + optind);
    dprintf(efd, "rusage: exec %s: %s\n", argv[optind], strerror(errno));
    _exit(127);
  }
  int status;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0) {
    perror("rusage: wait4");
    return 2;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
  printf("{\"ms\":%.2f,\"maxrssKb\":%ld,\"status\":%d,\"signal\":%d}\n", ms, ru.ru_maxrss,
         WIFEXITED(status) ? WEXITSTATUS(status) : -1, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  return 0;
}
