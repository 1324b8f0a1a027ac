/*
 * ofd-ref: the C reference for `kcmp fds -p PIDS --all --json` — the same work, written plainly in C, so
 * the benchmark can say how far the TypeScript implementation is from what the kernel allows.
 *
 *   ofd-ref [--partition FILE] [--paranoid] [--no-restat] [--verify] PIDS...
 *   ofd-ref --oracle [--partition FILE] PIDS...
 *
 * PIDS: one or more arguments, each a pid or a comma/space-separated list of pids (as lsfd -p takes).
 *
 * Default mode, per process:
 *   /proc/PID/stat start time (field 22) and /proc/PID/comm; open /proc/PID/fd and readdir it;
 *   per fd: readlinkat + fstatat (following the link: the file's dev, ino, mode); then the start time
 *   again (a reused pid is an error, not a merge).
 * Grouping (CRIU kcmp-ids.c; src/group/engine.ts):
 *   sort by (dev, ino, scan order) = buckets.  A bucket of one is one description, no kcmp.  In a bucket
 *   of socket inodes, the fds opened for I/O — their /proc link's own mode (fstatat AT_SYMLINK_NOFOLLOW)
 *   has r/w bits — are one description, no kcmp (sockfs makes one such struct file per socket and refuses
 *   any other open, but O_PATH; --paranoid compares anyway); its O_PATH fds (no r/w bits) are compared
 *   like any other bucket.  Otherwise each fd is placed by binary insertion into the kcmp-ordered list of
 *   the bucket's representatives:
 *
 *        reps (kcmp order):  [ r0 < r1 < r2 ]   fd ──kcmp(fd, r1)──▶ 0: joins r1 │ 1: left half │ 2: right
 *
 *   kcmp answering 3 (unordered) switches the bucket to a linear equality scan; a failing kcmp leaves
 *   the fd unresolved (an error), never merged.  Every fd that took part in kcmp is stat'ed again after
 *   grouping; a changed (dev, ino) means the fd number was reused mid-scan: dropped as an error.
 * Prints one JSON line: {"tool":"ofd-ref","processes","fds","descriptions","shared","buckets",
 *   "kcmpBuckets","comparisons","pairwise","errors","ms"}; pairwise = sum of n(n-1)/2 over the buckets
 *   grouped by kcmp (what all-pairs comparison would cost).  ms = scan + group + restat, in-process.
 *
 * --oracle: an independent answer for small selections, for checking the above (and `kcmp fds`): every
 *   fd is pulled into this process with pidfd_getfd(2) and placed by a linear scan over the classes
 *   found so far with fcntl(F_DUPFD_QUERY) (Linux >= 6.10; equality of struct file, no kcmp, no stat
 *   used for grouping).  Pulled fds count against our RLIMIT_NOFILE, so it refuses large selections.
 *   Caveat (kcmp-spec.md §6.4): closing a pulled fd drops OUR POSIX locks on that inode, and holding it
 *   keeps the file alive; harmless for fdholder, not for arbitrary processes.
 *
 * --partition FILE ("-" = stdout, summary then goes to stderr): one description per line, holders
 *   "PID:FD" sorted numerically, lines sorted by their first holder.  bench/fds.mjs writes the same
 *   canonical form from the `kcmp fds` JSON and compares the two byte for byte.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef F_DUPFD_QUERY
#define F_DUPFD_QUERY 1027 /* Linux 6.10 */
#endif

struct item {
  int pid, fd;
  dev_t dev;
  ino_t ino;
  int sock;
  int proc;     /* index into pids[] */
  size_t order; /* scan position: insertion order inside a bucket */
  int cls;      /* class (description) id; -1 unresolved or dropped */
  int compared; /* took part in kcmp: stat'ed again after grouping */
  int done;     /* placed (or dropped) before kcmp: a socket's fd opened for I/O */
  int pulled;   /* --oracle: our copy of the fd */
  size_t link;  /* offset in the link arena */
};

static struct item *items;
static size_t nitems, capitems;
static char *arena;
static size_t arena_len, arena_cap;
static int *pids, npids, *dirfds;
static long errors, verify_failures, comparisons, pairwise, nclasses, buckets, kcmp_buckets;

static void oom(void) {
  fprintf(stderr, "ofd-ref: out of memory\n");
  exit(2);
}

static void error_row(int pid, int fd, const char *syscall, int err) {
  errors++;
  if (getenv("OFD_REF_VERBOSE")) fprintf(stderr, "ofd-ref: pid %d fd %d: %s: %s\n", pid, fd, syscall, strerror(err));
}

static void add_pids(const char *arg) {
  char *copy = strdup(arg), *save = NULL;
  for (char *tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
    char *end;
    long pid = strtol(tok, &end, 10);
    if (*end || pid <= 0 || pid > 0x3fffffff) {
      fprintf(stderr, "ofd-ref: not a pid: '%s'\n", tok);
      exit(2);
    }
    int seen = 0;
    for (int k = 0; k < npids; k++) seen |= pids[k] == pid;
    if (seen) continue;
    pids = realloc(pids, sizeof(int) * (size_t)(npids + 1));
    if (!pids) oom();
    pids[npids++] = (int)pid;
  }
  free(copy);
}

/* Field 22 of /proc/PID/stat (after the last ')', since comm may contain spaces and parentheses). */
static unsigned long long start_time(int pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  char *p = strrchr(buf, ')');
  if (!p) return 0;
  unsigned long long v = 0;
  /* after ") " come fields 3..; field 22 is the 20th of them */
  for (int field = 3; p && field <= 22; field++) {
    p = strchr(p + 1, ' ');
    if (p && field == 22) v = strtoull(p + 1, NULL, 10);
  }
  return v;
}

static void read_comm(int pid, char *out, size_t size) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/comm", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read(fd, out, size - 1);
  if (fd >= 0) close(fd);
  out[n > 0 ? n - 1 : 0] = 0; /* drop the newline */
}

static size_t arena_add(const char *s, size_t len) {
  if (arena_len + len + 1 > arena_cap) {
    arena_cap = (arena_cap ? arena_cap * 2 : 1 << 20) + len;
    arena = realloc(arena, arena_cap);
    if (!arena) oom();
  }
  memcpy(arena + arena_len, s, len);
  arena[arena_len + len] = 0;
  size_t at = arena_len;
  arena_len += len + 1;
  return at;
}

static void scan(int index) {
  int pid = pids[index];
  char path[64], comm[64], link[4096];
  unsigned long long before = start_time(pid);
  read_comm(pid, comm, sizeof comm);
  snprintf(path, sizeof path, "/proc/%d/fd", pid);
  int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  dirfds[index] = dfd;
  if (dfd < 0 || !before) {
    error_row(pid, -1, "open", errno);
    return;
  }
  DIR *dir = fdopendir(dup(dfd));
  if (!dir) {
    error_row(pid, -1, "readdir", errno);
    return;
  }
  size_t first = nitems;
  struct dirent *de;
  while ((de = readdir(dir))) {
    if (de->d_name[0] == '.') continue;
    int fd = atoi(de->d_name);
    ssize_t n = readlinkat(dfd, de->d_name, link, sizeof link - 1);
    struct stat st;
    if (n < 0 || fstatat(dfd, de->d_name, &st, 0)) {
      error_row(pid, fd, n < 0 ? "readlink" : "stat", errno);
      continue;
    }
    if (nitems == capitems) {
      capitems = capitems ? capitems * 2 : 65536;
      items = realloc(items, sizeof *items * capitems);
      if (!items) oom();
    }
    items[nitems++] = (struct item){.pid = pid, .fd = fd, .dev = st.st_dev, .ino = st.st_ino,
                                    .sock = S_ISSOCK(st.st_mode), .proc = index, .order = nitems,
                                    .cls = -1, .pulled = -1,
                                    .link = arena_add(link, (size_t)n)};
  }
  closedir(dir);
  if (start_time(pid) != before) { /* the pid was reused mid-scan: its fds belong to nobody we know */
    error_row(pid, -1, "identity", ESRCH);
    nitems = first;
  }
}

static int by_bucket(const void *a, const void *b) {
  const struct item *x = a, *y = b;
  if (x->dev != y->dev) return x->dev < y->dev ? -1 : 1;
  if (x->ino != y->ino) return x->ino < y->ino ? -1 : 1;
  return 0;
}

static int by_bucket_then_order(const void *a, const void *b) {
  int c = by_bucket(a, b);
  if (c) return c;
  const struct item *x = a, *y = b;
  return x->order < y->order ? -1 : x->order > y->order;
}

static long kcmp_file(const struct item *a, const struct item *b) {
  comparisons++;
  return syscall(SYS_kcmp, a->pid, b->pid, KCMP_FILE, a->fd, b->fd);
}

/* Places items[i] among reps (item indexes, kcmp-ordered). Returns 1 if done, 0 to fall back to linear. */
static int insert_ordered(size_t i, size_t *reps, size_t *nreps) {
  size_t lo = 0, hi = *nreps;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    long r = kcmp_file(&items[i], &items[reps[mid]]);
    if (r < 0) {
      error_row(items[i].pid, items[i].fd, "kcmp", errno);
      return 1;
    }
    if (r == 0) {
      items[i].cls = items[reps[mid]].cls;
      return 1;
    }
    if (r == 3) return 0;
    if (r == 1) hi = mid;
    else lo = mid + 1;
  }
  memmove(reps + lo + 1, reps + lo, sizeof *reps * (*nreps - lo));
  reps[lo] = i;
  (*nreps)++;
  items[i].cls = (int)nclasses++;
  return 1;
}

static void insert_linear(size_t i, size_t *reps, size_t *nreps) {
  for (size_t k = 0; k < *nreps; k++) {
    long r = kcmp_file(&items[i], &items[reps[k]]);
    if (r < 0) {
      error_row(items[i].pid, items[i].fd, "kcmp", errno);
      return;
    }
    if (r == 0) {
      items[i].cls = items[reps[k]].cls;
      return;
    }
  }
  reps[(*nreps)++] = i;
  items[i].cls = (int)nclasses++;
}

/*
 * --verify (what `kcmp fds` does after grouping a bucket, src/inspect/fds/fds-group.ts): compare every member
 * once more with its class's representative, and each representative with the next in kcmp order. A
 * disagreement means an fd number was reused while the bucket was grouped; here it is only counted
 * (ours regroups the bucket), since fdholder's fds hold still.
 */
static void verify(size_t b, size_t e, const size_t *reps, size_t nreps, int ordered, size_t *rep_of) {
  int base = (int)nclasses - (int)nreps; /* this bucket's classes are base .. nclasses-1 */
  for (size_t k = 0; k < nreps; k++) rep_of[items[reps[k]].cls - base] = reps[k];
  for (size_t i = b; i < e; i++) {
    int cls = items[i].cls;
    if (cls < base || rep_of[cls - base] == i) continue; /* < base: gone, or a socket's I/O class */
    if (kcmp_file(&items[i], &items[rep_of[cls - base]]) != 0) verify_failures++;
  }
  for (size_t k = 0; ordered && k + 1 < nreps; k++)
    if (kcmp_file(&items[reps[k]], &items[reps[k + 1]]) != 1) verify_failures++;
}

/* 1: the fd's /proc link has r/w bits (opened for I/O, not O_PATH); 0: none; -1: gone (an error row). */
static int opened_for_io(const struct item *it) {
  char name[16];
  struct stat st;
  snprintf(name, sizeof name, "%d", it->fd);
  if (fstatat(dirfds[it->proc], name, &st, AT_SYMLINK_NOFOLLOW)) {
    error_row(it->pid, it->fd, "lstat", errno);
    return -1;
  }
  return (st.st_mode & 0777) != 0;
}

/* A socket bucket: one class for its fds opened for I/O (re-stat'ed later, like compared ones); returns
 * how many fds it placed or dropped, so the caller compares only its O_PATH fds. */
static size_t socket_class(size_t b, size_t e) {
  int cls = -1;
  size_t done = 0;
  for (size_t i = b; i < e; i++) {
    int io = opened_for_io(&items[i]);
    if (io == 0) continue;
    done++;
    items[i].done = 1;
    if (io < 0) continue;
    if (cls < 0) cls = (int)nclasses++;
    items[i].cls = cls;
    items[i].compared = 1;
  }
  return done;
}

static void group(int paranoid, int do_verify) {
  /* buckets, and scan order inside each (insertion order decides the kcmp count, not the answer) */
  qsort(items, nitems, sizeof *items, by_bucket_then_order);
  size_t *reps = malloc(sizeof *reps * (nitems + 1)), *rep_of = malloc(sizeof *rep_of * (nitems + 1));
  if (!reps || !rep_of) oom();
  for (size_t b = 0, e; b < nitems; b = e) {
    for (e = b + 1; e < nitems && !by_bucket(&items[b], &items[e]); e++) {
    }
    buckets++;
    size_t n = e - b;
    if (n == 1) {
      items[b].cls = (int)nclasses++;
      continue;
    }
    if (items[b].sock && !paranoid) n -= socket_class(b, e);
    if (n == 0) continue;
    kcmp_buckets++;
    pairwise += (long)(n * (n - 1) / 2);
    size_t nreps = 0;
    int ordered = 1;
    for (size_t i = b; i < e; i++) {
      if (items[i].done) continue;
      items[i].cls = -1;
      items[i].compared = 1;
      if (ordered && insert_ordered(i, reps, &nreps)) continue;
      ordered = 0;
      insert_linear(i, reps, &nreps);
    }
    if (do_verify) verify(b, e, reps, nreps, ordered, rep_of);
  }
  free(reps);
  free(rep_of);
}

static void restat(void) {
  char name[16];
  for (size_t i = 0; i < nitems; i++) {
    struct item *it = &items[i];
    if (!it->compared || it->cls < 0) continue;
    struct stat st;
    snprintf(name, sizeof name, "%d", it->fd);
    errno = 0;
    if (fstatat(dirfds[it->proc], name, &st, 0) || st.st_dev != it->dev || st.st_ino != it->ino) {
      error_row(it->pid, it->fd, "restat", errno ? errno : ESTALE);
      it->cls = -1;
    }
  }
}

static void oracle(void) {
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  if (nitems + 64 > rl.rlim_cur) {
    fprintf(stderr, "ofd-ref: --oracle pulls every fd into this process: %zu fds exceed RLIMIT_NOFILE %lu\n",
            nitems, (unsigned long)rl.rlim_cur);
    exit(2);
  }
  int *pidfds = calloc((size_t)npids, sizeof(int));
  for (int k = 0; k < npids; k++) pidfds[k] = (int)syscall(SYS_pidfd_open, pids[k], 0);
  size_t *reps = malloc(sizeof *reps * (nitems + 1)), nreps = 0;
  if (!pidfds || !reps) oom();
  for (size_t i = 0; i < nitems; i++) {
    struct item *it = &items[i];
    it->pulled = (int)syscall(SYS_pidfd_getfd, pidfds[it->proc], it->fd, 0);
    if (it->pulled < 0) {
      error_row(it->pid, it->fd, "pidfd_getfd", errno);
      continue;
    }
    size_t r = 0;
    for (; r < nreps; r++) {
      int q = fcntl(it->pulled, F_DUPFD_QUERY, items[reps[r]].pulled);
      comparisons++;
      if (q < 0) {
        fprintf(stderr, "ofd-ref: fcntl(F_DUPFD_QUERY): %s (needs Linux >= 6.10)\n", strerror(errno));
        exit(2);
      }
      if (q == 1) break;
    }
    if (r == nreps) {
      reps[nreps++] = i;
      it->cls = (int)nclasses++;
    } else {
      it->cls = items[reps[r]].cls;
    }
  }
  free(reps);
  for (size_t i = 0; i < nitems; i++)
    if (items[i].pulled >= 0) close(items[i].pulled);
  for (int k = 0; k < npids; k++)
    if (pidfds[k] >= 0) close(pidfds[k]);
  free(pidfds);
}

static int by_holder(const void *a, const void *b) {
  const struct item *x = *(struct item *const *)a, *y = *(struct item *const *)b;
  if (x->cls != y->cls) return x->cls < y->cls ? -1 : 1; /* after renumbering: by first holder */
  if (x->pid != y->pid) return x->pid < y->pid ? -1 : 1;
  return x->fd < y->fd ? -1 : x->fd > y->fd;
}

static int by_pid_fd(const void *a, const void *b) {
  const struct item *x = *(struct item *const *)a, *y = *(struct item *const *)b;
  if (x->pid != y->pid) return x->pid < y->pid ? -1 : 1;
  return x->fd < y->fd ? -1 : x->fd > y->fd;
}

/* Canonical partition: classes renumbered by their smallest (pid, fd), holders sorted by (pid, fd). */
static void write_partition(FILE *out) {
  struct item **v = malloc(sizeof *v * (nitems + 1));
  int *renum = malloc(sizeof(int) * (size_t)(nclasses + 1));
  if (!v || !renum) oom();
  size_t n = 0;
  for (size_t i = 0; i < nitems; i++)
    if (items[i].cls >= 0) v[n++] = &items[i];
  qsort(v, n, sizeof *v, by_pid_fd);
  for (long c = 0; c < nclasses; c++) renum[c] = -1;
  int next = 0;
  for (size_t i = 0; i < n; i++) {
    if (renum[v[i]->cls] < 0) renum[v[i]->cls] = next++;
    v[i]->cls = renum[v[i]->cls];
  }
  qsort(v, n, sizeof *v, by_holder);
  for (size_t i = 0; i < n; i++) {
    int first = i == 0 || v[i - 1]->cls != v[i]->cls;
    fprintf(out, "%s%d:%d", first ? (i ? "\n" : "") : " ", v[i]->pid, v[i]->fd);
  }
  if (n) fputc('\n', out);
  free(v);
  free(renum);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
  const char *partition = NULL;
  int use_oracle = 0, paranoid = 0, do_restat = 1, do_verify = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--oracle")) use_oracle = 1;
    else if (!strcmp(argv[i], "--paranoid")) paranoid = 1;
    else if (!strcmp(argv[i], "--no-restat")) do_restat = 0;
    else if (!strcmp(argv[i], "--verify")) do_verify = 1;
    else if (!strcmp(argv[i], "--partition") && i + 1 < argc) partition = argv[++i];
    else if (argv[i][0] == '-') {
      fprintf(stderr, "usage: ofd-ref [--oracle] [--paranoid] [--no-restat] [--verify] [--partition FILE] PIDS...\n");
      return 2;
    } else add_pids(argv[i]);
  }
  if (!npids) {
    fprintf(stderr, "ofd-ref: no pids given (never scans the whole machine)\n");
    return 2;
  }
  double t0 = now_ms();
  dirfds = malloc(sizeof(int) * (size_t)npids);
  if (!dirfds) oom();
  for (int k = 0; k < npids; k++) scan(k);
  if (use_oracle) {
    oracle();
  } else {
    group(paranoid, do_verify);
    if (do_restat) restat();
  }
  double ms = now_ms() - t0;
  long shared = 0, live = 0; /* live: classes that kept a member after restat */
  {
    long *count = calloc((size_t)nclasses + 1, sizeof(long));
    if (!count) oom();
    for (size_t i = 0; i < nitems; i++)
      if (items[i].cls >= 0) count[items[i].cls]++;
    for (long c = 0; c < nclasses; c++) {
      live += count[c] > 0;
      shared += count[c] > 1;
    }
    free(count);
    FILE *summary = partition && !strcmp(partition, "-") ? stderr : stdout;
    fprintf(summary,
            "{\"tool\":\"ofd-ref\",\"mode\":\"%s\",\"processes\":%d,\"fds\":%zu,\"descriptions\":%ld,"
            "\"shared\":%ld,\"buckets\":%ld,\"kcmpBuckets\":%ld,\"comparisons\":%ld,\"pairwise\":%ld,"
            "\"errors\":%ld,\"verifyFailures\":%ld,\"ms\":%.1f}\n",
            use_oracle ? "oracle" : "kcmp", npids, nitems, live, shared, buckets, kcmp_buckets, comparisons,
            pairwise, errors, verify_failures, ms);
  }
  if (partition) {
    FILE *out = strcmp(partition, "-") ? fopen(partition, "w") : stdout;
    if (!out) {
      fprintf(stderr, "ofd-ref: %s: %s\n", partition, strerror(errno));
      return 2;
    }
    write_partition(out);
    if (out != stdout) fclose(out);
  }
  return 0;
}
