/* cli_harness.h: running the bht CLI ($BHT) as a subprocess for the CLI test
 * programs: posix_spawn (no shell), stdout and stderr captured in mkstemp
 * files.  Shared by tests/test_cli.c and tests/test_cli_leverage.c. */
#ifndef BHT_TEST_CLI_HARNESS_H
#define BHT_TEST_CLI_HARNESS_H

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

typedef struct run_result {
    int status; /* exit code, or -1 when killed by a signal */
    char *out;  /* NUL-terminated contents of stdout / stderr (malloc'd) */
    char *err;
} run_result;

static char *slurp_fd(int fd)
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
        cr_assert(got >= 0, "read: %s", strerror(errno));
        if (got == 0)
            break;
        used += (size_t)got;
    }
    buf[used] = '\0';
    return buf;
}

/* Runs $BHT with the given arguments (NULL-terminated list after the first). */
static run_result run_argv(char **args)
{
    const char *bht = getenv("BHT");
    cr_assert(bht != NULL, "BHT is not set (run through `make unit`)");
    char out_name[] = "/tmp/bht-test-out-XXXXXX", err_name[] = "/tmp/bht-test-err-XXXXXX";
    int out_fd = mkstemp(out_name), err_fd = mkstemp(err_name);
    cr_assert(out_fd >= 0 && err_fd >= 0, "mkstemp: %s", strerror(errno));
    unlink(out_name);
    unlink(err_name);

    char *argv[64];
    size_t argc = 0;
    argv[argc++] = (char *)bht;
    for (size_t k = 0; args[k]; k++) {
        cr_assert(argc < 63);
        argv[argc++] = args[k];
    }
    argv[argc] = NULL;

    posix_spawn_file_actions_t actions;
    cr_assert_eq(posix_spawn_file_actions_init(&actions), 0);
    cr_assert_eq(posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0), 0);
    cr_assert_eq(posix_spawn_file_actions_adddup2(&actions, out_fd, 1), 0);
    cr_assert_eq(posix_spawn_file_actions_adddup2(&actions, err_fd, 2), 0);
    pid_t pid;
    int rc = posix_spawn(&pid, bht, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    cr_assert_eq(rc, 0, "posix_spawn %s: %s", bht, strerror(rc));
    int wstatus;
    while (waitpid(pid, &wstatus, 0) < 0)
        cr_assert_eq(errno, EINTR, "waitpid: %s", strerror(errno));

    run_result r;
    r.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
    r.out = slurp_fd(out_fd);
    r.err = slurp_fd(err_fd);
    close(out_fd);
    close(err_fd);
    return r;
}

#define RUN(...) run_argv((char *[]){__VA_ARGS__, NULL})

static void run_free(run_result *r)
{
    free(r->out);
    free(r->err);
}

#endif
