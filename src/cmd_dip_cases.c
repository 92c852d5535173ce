/* cmd_dip_cases.c — placeholder */
#include "dip_cmd.h"
int dip_cmd_cases(int argc, char **argv) { (void)argc; (void)argv; return 2; }
int dip_cmd_bench(int argc, char **argv) { (void)argc; (void)argv; return 2; }
