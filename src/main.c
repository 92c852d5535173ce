/* main.c — the yibao binary: one table of subcommands, like redis's command table. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static int cmd_version(int argc, char **argv) {
  (void)argc;
  (void)argv;
  puts("yibao 0.1");
  return 0;
}

static const cmd_def cmd_table[] = {
    {"adjudicate", cmd_adjudicate, "adjudicate --case FILE [--policy P] [--catalog C] [--explain]",
     "settle one case with the engine and print the settlement JSON (or a readable explanation)"},
    {"cases", cmd_cases, "cases DIR", "run every golden case in DIR; ends with 'N passed, N failed'"},
    {"policy", cmd_policy, "policy check FILE...", "validate policy files, naming the JSON path of every problem"},
    {"bench", cmd_bench, "bench adjudicate --policy P --catalog C [--seconds S]",
     "engine benchmark printing 'name: value' lines"},
    {"serve", cmd_serve, "serve --db FILE --port N [--host 127.0.0.1] [--threads 2] [--web DIR] [--rules DIR]",
     "serve the national interface (HSI) over HTTP"},
    {"init", cmd_init, "init --db FILE [--demo|--update] [--policies DIR]",
     "create a database with the policies and catalog of DIR (and a demo region), or load new ones"},
    {"sign", cmd_sign, "sign --code C --secret S --body FILE [--scheme hmac|tif|api]",
     "print curl -H arguments that sign a request body"},
    {"gen", cmd_gen, "gen --db FILE --persons N --institutions M --years Y --seed S [--dry-run]",
     "generate a synthetic region with years of settled visits and labelled fraud (docs/generator.md)"},
    {"audit", cmd_audit, "audit run|eval|check|screen|credit|negative-list …",
     "fund supervision: rule checks, post-settlement runs, eval against labels, peer screening"},
    {"dip", cmd_dip, "dip build|score|advance|clear|export|statement|special|deduct|cases|bench ...",
     "DIP catalogue, case scores, advances and year-end clearing of institutions (docs/dip.md)"},
    {"user", cmd_user, "user add --db FILE --username U --role R [--inst CODE]",
     "add a console user (password read from standard input)"},
    {"console", cmd_console, "console refresh --db FILE", "rebuild the console's summary tables from the settlements"},
    {"enroll", cmd_enroll, "enroll show PSN_NO|death-import FILE|monitor LIST|OP --db FILE",
     "the enrollment side: a person's record, death registry, monitoring lists, operations"},
    {"sql", cmd_sql, "sql --db FILE QUERY [ARG...]",
     "one read-only query, rows as JSON arrays; unpack(x) reads packed texts (stored replies, SETLINFO)"},
    {"version", cmd_version, "version", "print the version"},
};

static int usage(FILE *f) {
  fprintf(f, "usage: yibao COMMAND [ARGS]\n\n");
  for (size_t i = 0; i < sizeof cmd_table / sizeof cmd_table[0]; i++)
    fprintf(f, "  %-60s %s\n", cmd_table[i].usage, cmd_table[i].help);
  return 2;
}

int main(int argc, char **argv) {
  if (argc < 2) return usage(stderr);
  if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return 0;
  }
  for (size_t i = 0; i < sizeof cmd_table / sizeof cmd_table[0]; i++)
    if (strcmp(argv[1], cmd_table[i].name) == 0) return cmd_table[i].fn(argc - 2, argv + 2);
  fprintf(stderr, "yibao: unknown command '%s'\n", argv[1]);
  return usage(stderr);
}
