/* weft tour: runs each pattern example and prints what it shows. */
#include <stdio.h>
#include <stdlib.h>
#include <weft.h>

#include "weft_cmd.h"

int weft_tour(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("weft %s tour\n", weft_version());
    return 0;
}
