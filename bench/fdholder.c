/*
 * fdholder: starts processes that together hold many fds with a realistic sharing mix, for the
 * `kcmp fds` benchmark (bench/fds.mjs). Usage:
 *
 *   fdholder [-n PROCS] [-f FDS_PER_PROC] [-s SHARED] [-S SEED] [-k]
 *
 * The coordinator (this process) opens SHARED fds, forks PROCS workers that inherit them (so those open
 * file descriptions are shared across processes, at the same fd numbers), and closes its own copies —
 * unless -k (keep): then it holds them too, as a pre-fork server's master does (the `kcmp leaks` workload:
 * every worker shares SHARED fds with its parent after a fork without exec).
 * Each worker then fills its table up to exactly FDS_PER_PROC fds (0, 1, 2 included) with:
 *
 *   independent opens of /dev/null ........ 20%   \  one (dev, ino) bucket per file, shared by every
 *   independent opens of one regular file .. 15%   /  worker: big buckets of many descriptions
 *   pipes (both ends) ...................... 15%      one inode, two descriptions
 *   AF_UNIX socketpairs (both ends) ........ 15%      one socket inode = one description
 *   eventfds ............................... 10%      all share the one anon inode: a huge bucket
 *   dups of a random earlier fd ............ 25%      own or inherited: one description, many fds
 *
 * The SHARED fds use the same mix. Workers set PR_SET_PDEATHSIG(SIGKILL); the coordinator leads its own
 * process group. It prints the workers' pids on one line ("PID PID ..."), then waits for "DONE" or EOF
 * on stdin (or SIGINT/SIGTERM/SIGHUP), kills the workers, removes its scratch file and exits 0.
 * RLIMIT_NOFILE's soft limit is raised to the hard limit; FDS_PER_PROC must fit below it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_PROCS 256

static pid_t workers[MAX_PROCS];
static int nworkers;
static char scratch_dir[256], scratch_file[300];

static void die(const char *what) {
  fprintf(stderr, "fdholder: %s: %s\n", what, strerror(errno));
  exit(1);
}

static uint64_t rng_state;
static uint32_t rnd(uint32_t n) { /* xorshift64*, seeded: the same topology for the same -S */
  rng_state ^= rng_state >> 12; rng_state ^= rng_state << 25; rng_state ^= rng_state >> 27;
  return (uint32_t)((rng_state * 2685821657736338717ULL) >> 32) % n;
}

static int *opened; /* fds opened so far by this process (dup sources) */
static int nopened;

static void remember(int fd) { opened[nopened++] = fd; }

/* Adds one item of the mix; returns how many fds it added (1 or 2), never more than `room`. */
static int add_one(int room) {
  uint32_t r = rnd(100);
  int fds[2];
  if (r < 25 && nopened > 0) {
    int fd = dup(opened[rnd(nopened)]);
    if (fd < 0) die("dup");
    remember(fd);
    return 1;
  }
  if (r < 45) {
    int fd = open("/dev/null", r & 1 ? O_RDWR : O_RDONLY);
    if (fd < 0) die("open /dev/null");
    remember(fd);
    return 1;
  }
  if (r < 60) {
    int fd = open(scratch_file, r & 1 ? O_RDWR : O_RDONLY);
    if (fd < 0) die("open scratch file");
    remember(fd);
    return 1;
  }
  if (r < 90 && room >= 2) {
    if (r < 75 ? pipe(fds) : socketpair(AF_UNIX, SOCK_STREAM, 0, fds)) die(r < 75 ? "pipe" : "socketpair");
    remember(fds[0]);
    remember(fds[1]);
    return 2;
  }
  int fd = eventfd(0, 0);
  if (fd < 0) die("eventfd");
  remember(fd);
  return 1;
}

static void fill(int count) {
  for (int added = 0; added < count;) added += add_one(count - added);
}

static void teardown(void) {
  for (int i = 0; i < nworkers; i++) kill(workers[i], SIGKILL);
  for (int i = 0; i < nworkers; i++) waitpid(workers[i], NULL, 0);
  nworkers = 0;
  if (scratch_file[0]) unlink(scratch_file);
  if (scratch_dir[0]) rmdir(scratch_dir);
}

static void on_signal(int sig) {
  teardown();
  signal(sig, SIG_DFL);
  raise(sig);
}

static int parse_int(const char *s, const char *name, long min, long max) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *end || v < min || v > max) {
    fprintf(stderr, "fdholder: %s must be an integer in [%ld, %ld], got '%s'\n", name, min, max, s);
    exit(2);
  }
  return (int)v;
}

int main(int argc, char **argv) {
  int procs = 5, per_proc = 10000, shared = 4000, keep = 0, opt;
  long seed = 1;
  while ((opt = getopt(argc, argv, "n:f:s:S:k")) != -1) {
    switch (opt) {
    case 'n': procs = parse_int(optarg, "-n PROCS", 1, MAX_PROCS); break;
    case 'f': per_proc = parse_int(optarg, "-f FDS_PER_PROC", 4, 1 << 24); break;
    case 's': shared = parse_int(optarg, "-s SHARED", 0, 1 << 24); break;
    case 'S': seed = parse_int(optarg, "-S SEED", 0, 0x7fffffff); break;
    case 'k': keep = 1; break;
    default: fprintf(stderr, "usage: fdholder [-n PROCS] [-f FDS_PER_PROC] [-s SHARED] [-S SEED] [-k]\n"); return 2;
    }
  }
  if (shared > per_proc - 4) {
    fprintf(stderr, "fdholder: -s SHARED (%d) must leave room below -f FDS_PER_PROC (%d)\n", shared, per_proc);
    return 2;
  }
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl)) die("getrlimit");
  if (rl.rlim_max != RLIM_INFINITY && (rlim_t)per_proc + 16 > rl.rlim_max) {
    fprintf(stderr, "fdholder: -f %d exceeds the RLIMIT_NOFILE hard limit %lu (minus headroom)\n", per_proc,
            (unsigned long)rl.rlim_max);
    return 2;
  }
  /* Stray fds inherited from whoever started us would skew the counts. */
  for (int fd = 3; fd < (int)(rl.rlim_cur == RLIM_INFINITY ? 65536 : rl.rlim_cur); fd++) close(fd);
  rl.rlim_cur = rl.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &rl)) die("setrlimit");
  if (setpgid(0, 0) && errno != EPERM) die("setpgid"); /* EPERM: already a session leader */
  rng_state = 0x9E3779B97F4A7C15ULL ^ (uint64_t)seed;
  opened = malloc(sizeof(int) * (size_t)per_proc);
  if (!opened) die("malloc");

  const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  snprintf(scratch_dir, sizeof scratch_dir, "%s/fdholder-XXXXXX", tmp);
  if (!mkdtemp(scratch_dir)) die("mkdtemp");
  snprintf(scratch_file, sizeof scratch_file, "%s/data", scratch_dir);
  int sf = open(scratch_file, O_RDWR | O_CREAT | O_EXCL, 0600);
  if (sf < 0 || write(sf, "fdholder\n", 9) != 9 || close(sf)) die("create scratch file");

  struct sigaction sa = {.sa_handler = on_signal};
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  fill(shared); /* inherited by every worker */
  int ready[2];
  if (pipe(ready)) die("pipe");
  pid_t self = getpid();
  for (int i = 0; i < procs; i++) {
    uint64_t child_seed = rng_state + 0x1000193ULL * (uint64_t)(i + 1);
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != self) _exit(0);
      rng_state = child_seed;
      int devnull = open("/dev/null", O_RDWR);
      if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0) die("redirect stdio");
      close(devnull);
      close(ready[0]);
      /* The ready pipe's write end stays open (one more inherited pipe end), so the table is complete
       * and exactly FDS_PER_PROC fds when the coordinator hears from us: 0, 1, 2, SHARED, ready[1]. */
      fill(per_proc - 3 - shared - 1);
      char ok = 1;
      if (write(ready[1], &ok, 1) != 1) die("ready write");
      for (;;) pause();
    }
    workers[nworkers++] = pid;
  }
  close(ready[1]);
  if (!keep)
    for (int i = 0; i < nopened; i++) close(opened[i]);
  for (int i = 0; i < procs; i++) {
    char ok;
    if (read(ready[0], &ok, 1) != 1) {
      fprintf(stderr, "fdholder: a worker died while opening its fds\n");
      teardown();
      return 1;
    }
  }
  close(ready[0]);
  for (int i = 0; i < procs; i++) printf("%s%d", i ? " " : "", (int)workers[i]);
  printf("\n");
  fflush(stdout);

  char line[64];
  while (fgets(line, sizeof line, stdin) && strncmp(line, "DONE", 4) != 0) {
  }
  teardown();
  return 0;
}
