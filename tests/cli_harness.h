/* cli_harness.h: running the bht CLI ($BHT) as a subprocess for the CLI test
 * programs (test_cli.c, test_cli_leverage.c, test_cli_golden.c,
 * test_bad_inputs.c): posix_spawn (no shell, stdin from /dev/null), stdout
 * and stderr captured in mkstemp files, an optional kill timeout so that a
 * refusal can never hang the suite; and the one-line error contract of
 * README.md ("Errors and exit codes").  Helpers are static inline so that a
 * test program may use any subset. */
#ifndef BHT_TEST_CLI_HARNESS_H
#define BHT_TEST_CLI_HARNESS_H

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

typedef struct run_result {
    int status;    /* exit code, or -1 when killed by a signal */
    int signal;    /* that signal */
    int timed_out; /* killed by run_spawn after its timeout */
    char *out;     /* NUL-terminated contents of stdout / stderr (malloc'd) */
    char *err;
} run_result;

static inline char *slurp_fd(int fd)
{
    cr_assert_neq(lseek(fd, 0, SEEK_SET), (off_t)-1);
    size_t used = 0, capacity = 4096;
    char *buf = malloc(capacity);
    cr_assert(buf != NULL);
    for (;;) {
        if (capacity - used < 2) {
            capacity *= 2;
            buf = realloc(buf, capacity);
            cr_assert(buf != NULL);
        }
        ssize_t got = read(fd, buf + used, capacity - used - 1);
        if (got < 0 && errno == EINTR)
            continue;
        cr_assert(got >= 0, "read: %s", strerror(errno));
        if (got == 0)
            break;
        used += (size_t)got;
    }
    buf[used] = '\0';
    return buf;
}

/* Runs argv[0] with argv (NULL-terminated); kills it with SIGKILL after
 * timeout_seconds when that is positive (polling every 5 ms). */
static inline run_result run_spawn(char **argv, long timeout_seconds)
{
    char out_name[] = "/tmp/bht-test-out-XXXXXX", err_name[] = "/tmp/bht-test-err-XXXXXX";
    int out_fd = mkstemp(out_name), err_fd = mkstemp(err_name);
    cr_assert(out_fd >= 0 && err_fd >= 0, "mkstemp: %s", strerror(errno));
    unlink(out_name);
    unlink(err_name);

    posix_spawn_file_actions_t actions;
    cr_assert_eq(posix_spawn_file_actions_init(&actions), 0);
    cr_assert_eq(posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0), 0);
    cr_assert_eq(posix_spawn_file_actions_adddup2(&actions, out_fd, 1), 0);
    cr_assert_eq(posix_spawn_file_actions_adddup2(&actions, err_fd, 2), 0);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    cr_assert_eq(rc, 0, "posix_spawn %s: %s", argv[0], strerror(rc));

    run_result r = {0, 0, 0, NULL, NULL};
    const long limit_ms = timeout_seconds * 1000;
    long waited_ms = 0;
    int wstatus = 0;
    for (;;) {
        pid_t got = waitpid(pid, &wstatus, timeout_seconds > 0 ? WNOHANG : 0);
        if (got == pid)
            break;
        if (got < 0) {
            cr_assert_eq(errno, EINTR, "waitpid: %s", strerror(errno));
            continue;
        }
        if (waited_ms >= limit_ms && !r.timed_out) {
            r.timed_out = 1;
            kill(pid, SIGKILL);
        }
        struct timespec pause = {0, 5 * 1000 * 1000};
        nanosleep(&pause, NULL);
        waited_ms += 5;
    }
    if (WIFEXITED(wstatus))
        r.status = WEXITSTATUS(wstatus);
    else {
        r.status = -1;
        r.signal = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
    }
    r.out = slurp_fd(out_fd);
    r.err = slurp_fd(err_fd);
    close(out_fd);
    close(err_fd);
    return r;
}

/* Runs $BHT with the given arguments (NULL-terminated), no timeout. */
static inline run_result run_argv(char **args)
{
    const char *bht = getenv("BHT");
    cr_assert(bht != NULL, "BHT is not set (run through `make unit`)");
    char *argv[64];
    size_t argc = 0;
    argv[argc++] = (char *)bht;
    for (size_t k = 0; args[k]; k++) {
        cr_assert(argc < 63);
        argv[argc++] = args[k];
    }
    argv[argc] = NULL;
    return run_spawn(argv, 0);
}

#define RUN(...) run_argv((char *[]){__VA_ARGS__, NULL})

static inline void run_free(run_result *r)
{
    free(r->out);
    free(r->err);
}

static inline size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* The error contract: exit code, nothing on stdout, exactly one stderr line
 * starting with "bht: " and containing every given fragment (NULL ends the
 * list; a first fragment NULL checks the contract only).  Frees r. */
static inline void expect_failure(run_result *r, int code, const char *fragment, ...)
{
    cr_assert_eq(r->status, code, "exit %d, expected %d; stderr: %s; stdout: %s", r->status,
                 code, r->err, r->out);
    cr_assert_str_empty(r->out, "stdout not empty on error: %s", r->out);
    cr_assert_eq(count_lines(r->err), 1, "stderr is not one line: %s", r->err);
    size_t len = strlen(r->err);
    cr_assert(len > 0 && r->err[len - 1] == '\n', "stderr line not terminated: %s", r->err);
    cr_assert(strncmp(r->err, "bht: ", 5) == 0, "stderr: %s", r->err);
    va_list ap;
    va_start(ap, fragment);
    for (const char *f = fragment; f; f = va_arg(ap, const char *))
        cr_assert(strstr(r->err, f) != NULL, "stderr lacks '%s': %s", f, r->err);
    va_end(ap);
    run_free(r);
}

/* Writes text to a fresh temporary file; the caller unlinks path. */
static inline void temp_file(char path[static 32], const char *text, size_t length)
{
    strcpy(path, "/tmp/bht-test-in-XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0, "mkstemp: %s", strerror(errno));
    cr_assert_eq(write(fd, text, length), (ssize_t)length);
    close(fd);
}

/* The number after "key " on its line of a text output (NAN when absent). */
static inline double keyed_number(const char *out, const char *key)
{
    size_t len = strlen(key);
    for (const char *line = out; line && *line;
         line = strchr(line, '\n'), line = line ? line + 1 : NULL)
        if (strncmp(line, key, len) == 0 && line[len] == ' ')
            return strtod(line + len + 1, NULL);
    return NAN;
}

/* Parses stdout as one strtod number per line (whole line). */
static inline size_t parse_lines(const char *out, double *values, size_t max)
{
    size_t n = 0;
    const char *s = out;
    while (*s) {
        char *end;
        cr_assert(n < max, "too many output lines: %s", out);
        errno = 0;
        values[n] = strtod(s, &end);
        cr_assert(end != s && *end == '\n' && errno == 0, "bad output line in: %s", out);
        n++;
        s = end + 1;
    }
    return n;
}

#endif
