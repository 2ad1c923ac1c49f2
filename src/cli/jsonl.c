/* jsonl.c: JSON Lines iteration and golden manifests (jsonl.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bht_tools.h"
#include "cli.h"
#include "jsonl.h"

int cli_jsonl_foreach(const char *path, int results, cli_jsonl_handler handle, void *context)
{
    const int is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "(stdin)" : path;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        int e = errno;
        return cli_error(CLI_EXIT_USAGE, "%s: cannot open: %s", path, strerror(e));
    }
    char *line = NULL;
    size_t size = 0, lineno = 0;
    ssize_t got;
    int rc = CLI_EXIT_OK;
    errno = 0;
    while ((got = getline(&line, &size, f)) >= 0) {
        lineno++;
        size_t len = (size_t)got, k = 0;
        while (k < len && strchr(" \t\r\n", line[k]))
            k++;
        if (k == len)
            continue;
        json_value doc;
        json_error err;
        int jr = results ? json_parse_results(line, len, &doc, &err)
                         : json_parse(line, len, &doc, &err);
        if (jr == JSON_NOMEM) {
            rc = cli_error(CLI_EXIT_INTERNAL, "%s: out of memory", name);
            break;
        }
        if (jr != JSON_OK) {
            rc = cli_error(CLI_EXIT_USAGE, "%s:%zu:%zu: %s", name, lineno, err.column, err.reason);
            break;
        }
        rc = handle(context, &doc, name, lineno);
        json_free(&doc);
        if (rc != CLI_EXIT_OK)
            break;
        errno = 0;
    }
    if (rc == CLI_EXIT_OK && ferror(f)) {
        int e = errno;
        rc = cli_error(CLI_EXIT_USAGE, "%s: read error: %s", name, strerror(e));
    }
    free(line);
    if (!is_stdin)
        fclose(f);
    return rc;
}

int cli_read_manifest(const char *path, json_value *doc, char *dir, size_t dir_size)
{
    char manifest[4096];
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(dir, dir_size, "%s", path);
        snprintf(manifest, sizeof manifest, "%s/manifest.json", path);
    } else {
        snprintf(manifest, sizeof manifest, "%s", path);
        const char *slash = strrchr(path, '/');
        snprintf(dir, dir_size, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    }
    char *text = NULL;
    size_t length = 0;
    bht_parse_error perr;
    if (bht_read_text(manifest, &text, &length, &perr) != BHT_OK)
        return cli_error(CLI_EXIT_USAGE, "%s: %s", manifest, perr.reason);
    json_error err;
    int jr = json_parse(text, length, doc, &err);
    bht_text_free(text);
    if (jr == JSON_NOMEM)
        return cli_error(CLI_EXIT_INTERNAL, "%s: out of memory", manifest);
    if (jr != JSON_OK)
        return cli_error(CLI_EXIT_USAGE, "%s: byte %zu: %s (not a golden manifest)", manifest,
                         err.column, err.reason);
    const json_value *schema = json_member(doc, "schema"), *files = json_member(doc, "files");
    if (!schema || schema->type != JSON_STRING || strcmp(schema->text, BHT_GOLDEN_SCHEMA) != 0
        || !files || files->type != JSON_OBJECT || files->count == 0) {
        json_free(doc);
        return cli_error(CLI_EXIT_USAGE, "%s: not a golden manifest (schema \"%s\" with a files "
                         "object expected)", manifest, BHT_GOLDEN_SCHEMA);
    }
    return CLI_EXIT_OK;
}

int cli_manifest_foreach(const char *path, cli_manifest_handler handle, void *context)
{
    char dir[4096];
    json_value doc;
    int rc = cli_read_manifest(path, &doc, dir, sizeof dir);
    if (rc != CLI_EXIT_OK)
        return rc;
    const json_value *files = json_member(&doc, "files");
    for (size_t i = 0; rc == CLI_EXIT_OK && i < files->count; i++) {
        char file[8300];
        snprintf(file, sizeof file, "%s/%s", dir, files->keys[i]);
        rc = handle(context, path, files->keys[i], &files->items[i], file);
    }
    json_free(&doc);
    return rc;
}
