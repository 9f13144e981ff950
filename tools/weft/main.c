/* The weft command: `weft serve` runs the demo web app (the main job),
 * `weft tour` runs the pattern examples in order and reports what each
 * shows with its timing; `weft version`. */
#include <stdio.h>
#include <string.h>
#include <weft.h>

#include "weft_cmd.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: weft <command>\n"
               "  serve       the demo web app on http://127.0.0.1:8080 (--host, --port, --log)\n"
               "  tour        run the pattern examples in order, with timings\n"
               "  version     print the library version\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "serve") == 0) return weft_serve(argc - 1, argv + 1);
    if (strcmp(argv[1], "tour") == 0) return weft_tour(argc - 1, argv + 1);
    if (strcmp(argv[1], "version") == 0) {
        printf("weft %s\n", weft_version());
        return 0;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "weft: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
