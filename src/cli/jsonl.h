/* jsonl.h: JSON Lines files and golden manifests for `bht check` and
 * `bht eval` (one reader for both). */
#ifndef BHT_CLI_JSONL_H
#define BHT_CLI_JSONL_H

#include <stddef.h>
#include "json.h"

/* Called for every non-blank line; returns an exit code (nonzero stops). */
typedef int (*cli_jsonl_handler)(void *context, const json_value *doc, const char *file,
                                 size_t line);

/* Reads path ('-': standard input, named "(stdin)") line by line, parses each
 * non-blank line (results != 0: json_parse_results, else json_parse) and
 * calls handle.  Open, parse and read errors are reported here as one line
 * "FILE[:LINE:COL]: reason" (exit 2; out of memory exit 1). */
int cli_jsonl_foreach(const char *path, int results, cli_jsonl_handler handle, void *context);

/* The manifest of a corpus: path is a directory (its manifest.json) or the
 * manifest itself.  Fills *doc (free with json_free) and dir (the folder of
 * the files it lists); reports errors itself. */
int cli_read_manifest(const char *path, json_value *doc, char *dir, size_t dir_size);

/* Called for every file a manifest lists, in the manifest's order: name and
 * entry as listed, file its path; returns an exit code (nonzero stops). */
typedef int (*cli_manifest_handler)(void *context, const char *manifest, const char *name,
                                    const json_value *entry, const char *file);

/* cli_read_manifest(path), then handle for every listed file. */
int cli_manifest_foreach(const char *path, cli_manifest_handler handle, void *context);

#endif
