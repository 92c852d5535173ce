/* cmd.h — the subcommands of the `yibao` binary; main.c's table dispatches to these.
 * Each takes argc/argv after the subcommand name and returns the process exit code. */
#ifndef YB_CMD_H
#define YB_CMD_H

typedef int (*cmd_fn)(int argc, char **argv);

typedef struct cmd_def {
  const char *name;
  cmd_fn fn;
  const char *usage;
  const char *help;
} cmd_def;

int cmd_adjudicate(int argc, char **argv);
int cmd_cases(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_bench(int argc, char **argv);

int cmd_serve(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_dip(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_console(int argc, char **argv);
int cmd_enroll(int argc, char **argv);
int cmd_sql(int argc, char **argv);

/* Value of "--name VALUE" in argv, or NULL; `flag` reports a bare "--name". */
const char *cmd_opt(int argc, char **argv, const char *name);
int cmd_flag(int argc, char **argv, const char *name);
/* Seconds for benchmarks' rates: monotonic wall time; this process's CPU time (the machine
 * may be shared, so rates are also given per CPU second). */
double cmd_now(void);
double cmd_cpu(void);

#endif
