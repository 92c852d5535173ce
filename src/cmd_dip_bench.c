/* cmd_dip_bench.c — placeholder */
#include "dip_cmd.h"
int dip_cmd_bench(int argc, char **argv) { (void)argc; (void)argv; return 2; }
