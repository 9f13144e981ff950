/* The weft command's subcommands. */
#ifndef WEFT_TOOLS_CMD_H
#define WEFT_TOOLS_CMD_H

int weft_tour(int argc, char **argv);
int weft_serve(int argc, char **argv);

#endif
