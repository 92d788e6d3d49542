/*
 * sh.c: the shell. Reads a line, splits it into tokens, parses the tokens
 * into a small tree, then runs the tree.
 *
 * Grammar (recursive descent, one function per rule):
 *   list     := pipeline { (';' | '&') [pipeline] }
 *   pipeline := command { '|' command }
 *   command  := ( '(' list ')' | word ) { word | redirect }
 *   redirect := ('<' | '>') word
 * A word may contain '...' or "..." quoted parts, which lose their quotes and
 * keep their spaces and operator characters. Builtins: cd DIR, exit.
 */
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "kernel/param.h"
#include "user/user.h"

#define LINE_MAX    512   /* longest command line */
#define MAX_TOKENS  256   /* tokens per line */
#define MAX_NODES   128   /* tree nodes per line */
#define MAX_REDIRS  4     /* redirections per command */
#define STDIN       0
#define STDOUT      1
#define STDERR      2

/* ---- tokens ---- */

enum token_kind { TOK_WORD, TOK_PIPE, TOK_SEMI, TOK_AMP, TOK_IN, TOK_OUT,
                  TOK_OPEN, TOK_CLOSE, TOK_END };

struct token {
  enum token_kind kind;
  char *text;        /* words only: NUL-terminated, in word_space */
};

static struct token tokens[MAX_TOKENS];
static char word_space[LINE_MAX * 2];   /* every word fits: each takes at most its length + 1 */

static enum token_kind
operator_kind(char c)
{
  switch (c) {
  case '|': return TOK_PIPE;
  case ';': return TOK_SEMI;
  case '&': return TOK_AMP;
  case '<': return TOK_IN;
  case '>': return TOK_OUT;
  case '(': return TOK_OPEN;
  case ')': return TOK_CLOSE;
  default:  return TOK_WORD;
  }
}

static int
is_blank(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Copies the word starting at *pos into *out, removing quotes; leaves *pos
 * just past it. Returns 0, or -1 on an unterminated quote.
 */
static int
read_word(const char **pos, char **out)
{
  const char *s = *pos;
  char *w = *out;

  while (*s != '\0' && !is_blank(*s) && operator_kind(*s) == TOK_WORD) {
    if (*s == '\'' || *s == '"') {
      char quote = *s++;

      while (*s != '\0' && *s != quote)
        *w++ = *s++;
      if (*s != quote)
        return -1;
      s++;
    } else {
      *w++ = *s++;
    }
  }
  *w++ = '\0';
  *pos = s;
  *out = w;
  return 0;
}

/* Splits line into tokens, ending with TOK_END. Returns 0, or -1 after reporting why not. */
static int
tokenize(const char *line)
{
  char *space = word_space;
  int n = 0;

  for (;;) {
    while (is_blank(*line))
      line++;
    if (n == MAX_TOKENS - 1) {
      fprintf(STDERR, "sh: line too complicated\n");
      return -1;
    }
    if (*line == '\0') {
      tokens[n].kind = TOK_END;
      return 0;
    }
    tokens[n].kind = operator_kind(*line);
    tokens[n].text = 0;
    if (tokens[n].kind != TOK_WORD) {
      line++;
    } else {
      tokens[n].text = space;
      if (read_word(&line, &space) < 0) {
        fprintf(STDERR, "sh: unterminated quote\n");
        return -1;
      }
    }
    n++;
  }
}

/* ---- the tree ---- */

enum node_kind {
  NODE_EXEC,    /* a program and its arguments */
  NODE_GROUP,   /* ( list ), run in a subshell */
  NODE_PIPE,    /* left | right */
  NODE_SEQ,     /* left ; right  (right may be 0) */
  NODE_BACK     /* left &        (run without waiting) */
};

struct redirect {
  int fd;         /* STDIN or STDOUT */
  char *path;
};

struct node {
  enum node_kind kind;
  struct node *left;     /* PIPE, SEQ, BACK; GROUP: the list inside */
  struct node *right;    /* PIPE, SEQ */
  char *argv[MAXARG + 1];   /* EXEC: 0-terminated */
  int argc;
  struct redirect redirs[MAX_REDIRS];   /* EXEC and GROUP */
  int nredirs;
};

static struct node nodes[MAX_NODES];
static int nodes_used;

/* Parser state: the next token to look at, and whether an error was reported. */
static int cursor;
static int parse_failed;

static void
syntax_error(const char *what)
{
  if (!parse_failed)
    fprintf(STDERR, "sh: syntax error: %s\n", what);
  parse_failed = 1;
}

static struct node *
new_node(enum node_kind kind)
{
  struct node *n;

  if (nodes_used == MAX_NODES) {
    syntax_error("too many commands on one line");
    return 0;
  }
  n = &nodes[nodes_used++];
  memset(n, 0, sizeof(*n));
  n->kind = kind;
  return n;
}

static enum token_kind
peek(void)
{
  return tokens[cursor].kind;
}

static int
accept(enum token_kind kind)
{
  if (peek() != kind)
    return 0;
  cursor++;
  return 1;
}

static struct node *parse_list(void);

/* Parses one redirection (the operator is the current token) into cmd. */
static void
parse_redirect(struct node *cmd)
{
  int fd = (peek() == TOK_IN) ? STDIN : STDOUT;

  cursor++;
  if (peek() != TOK_WORD) {
    syntax_error("missing file name after < or >");
    return;
  }
  if (cmd->nredirs == MAX_REDIRS) {
    syntax_error("too many redirections");
    return;
  }
  cmd->redirs[cmd->nredirs].fd = fd;
  cmd->redirs[cmd->nredirs].path = tokens[cursor++].text;
  cmd->nredirs++;
}

/* Words and redirections after a command's start; words become arguments of an EXEC. */
static void
parse_command_tail(struct node *cmd)
{
  while (!parse_failed) {
    if (peek() == TOK_IN || peek() == TOK_OUT) {
      parse_redirect(cmd);
    } else if (peek() == TOK_WORD) {
      if (cmd->kind != NODE_EXEC) {
        syntax_error("word after )");
        return;
      }
      if (cmd->argc == MAXARG) {
        syntax_error("too many arguments");
        return;
      }
      cmd->argv[cmd->argc++] = tokens[cursor++].text;
    } else {
      return;
    }
  }
}

static struct node *
parse_command(void)
{
  struct node *cmd;

  if (accept(TOK_OPEN)) {
    cmd = new_node(NODE_GROUP);
    if (cmd == 0)
      return 0;
    cmd->left = parse_list();
    if (cmd->left == 0 && !parse_failed)
      syntax_error("empty ( )");
    if (!accept(TOK_CLOSE))
      syntax_error("missing )");
  } else {
    cmd = new_node(NODE_EXEC);
    if (cmd == 0)
      return 0;
  }
  parse_command_tail(cmd);
  if (cmd->kind == NODE_EXEC && cmd->argc == 0)
    syntax_error("missing command");
  return cmd;
}

static struct node *
parse_pipeline(void)
{
  struct node *left = parse_command();
  struct node *pipe_node;

  while (!parse_failed && accept(TOK_PIPE)) {
    pipe_node = new_node(NODE_PIPE);
    if (pipe_node == 0)
      return 0;
    pipe_node->left = left;
    pipe_node->right = parse_command();
    left = pipe_node;
  }
  return left;
}

/* Does the current token start a pipeline? */
static int
starts_pipeline(void)
{
  return peek() == TOK_WORD || peek() == TOK_OPEN || peek() == TOK_IN || peek() == TOK_OUT;
}

/* Returns the list, or 0 for an empty one. */
static struct node *
parse_list(void)
{
  struct node *list = 0;

  while (!parse_failed && starts_pipeline()) {
    struct node *item = parse_pipeline();

    if (!parse_failed && accept(TOK_AMP)) {
      struct node *back = new_node(NODE_BACK);

      if (back == 0)
        return 0;
      back->left = item;
      item = back;
    } else if (!parse_failed && !accept(TOK_SEMI) && peek() != TOK_END && peek() != TOK_CLOSE) {
      syntax_error("unexpected symbol");
    }
    if (list == 0) {
      list = item;
    } else {
      struct node *seq = new_node(NODE_SEQ);

      if (seq == 0)
        return 0;
      seq->left = list;
      seq->right = item;
      list = seq;
    }
  }
  return list;
}

/* Parses the tokens of one line; returns the tree (0 if empty), and sets parse_failed. */
static struct node *
parse_line(void)
{
  struct node *tree;

  nodes_used = 0;
  cursor = 0;
  parse_failed = 0;
  tree = parse_list();
  if (!parse_failed && peek() != TOK_END)
    syntax_error("unexpected symbol");
  return tree;
}

/* ---- running the tree ---- */

static int run(struct node *n);

static int
fork_or_complain(void)
{
  int pid = fork();

  if (pid < 0)
    fprintf(STDERR, "sh: fork failed\n");
  return pid;
}

static void
apply_redirects(struct node *cmd)
{
  int i;

  for (i = 0; i < cmd->nredirs; i++) {
    struct redirect *r = &cmd->redirs[i];
    int mode = (r->fd == STDIN) ? O_RDONLY : (O_WRONLY | O_CREATE | O_TRUNC);

    /* open() returns the lowest free descriptor, which is the one just closed. */
    close(r->fd);
    if (open(r->path, mode) != r->fd) {
      fprintf(STDERR, "sh: cannot open %s\n", r->path);
      exit(1);
    }
  }
}

/* Runs a builtin if cmd is one; returns 1 if it was, with *status set. */
static int
run_builtin(struct node *cmd, int *status)
{
  if (strcmp(cmd->argv[0], "cd") == 0) {
    *status = 0;
    if (cmd->argc != 2) {
      fprintf(STDERR, "sh: usage: cd dir\n");
      *status = 1;
    } else if (chdir(cmd->argv[1]) < 0) {
      fprintf(STDERR, "sh: cannot cd %s\n", cmd->argv[1]);
      *status = 1;
    }
    return 1;
  }
  if (strcmp(cmd->argv[0], "exit") == 0)
    exit(cmd->argc > 1 ? atoi(cmd->argv[1]) : 0);
  return 0;
}

/* Replaces this process with the program cmd names; never returns. */
static void
exec_program(struct node *cmd)
{
  char path[MAXPATH];
  int status;

  apply_redirects(cmd);
  if (run_builtin(cmd, &status))
    exit(status);
  exec(cmd->argv[0], cmd->argv);
  /* Programs live in "/": find them from any directory. */
  if (strchr(cmd->argv[0], '/') == 0 && strlen(cmd->argv[0]) + 2 <= sizeof(path)) {
    path[0] = '/';
    strcpy(path + 1, cmd->argv[0]);
    exec(path, cmd->argv);
  }
  fprintf(STDERR, "sh: exec %s failed\n", cmd->argv[0]);
  exit(1);
}

/* Runs n inside the current process, which is a child of the shell; never returns. */
static void
run_here(struct node *n)
{
  if (n->kind == NODE_EXEC)
    exec_program(n);
  if (n->kind == NODE_GROUP) {
    apply_redirects(n);
    exit(run(n->left));
  }
  exit(run(n));
}

/* Starts n in a child whose fd `from` is replaced by `to`; returns the child's pid. */
static int
spawn_with_fd(struct node *n, int from, int to, int other)
{
  int pid = fork_or_complain();

  if (pid == 0) {
    close(from);
    dup(to);
    close(to);
    close(other);
    run_here(n);
  }
  return pid;
}

static int
wait_for(int pid)
{
  int status = -1;
  int reaped;

  do {
    reaped = wait(&status);
  } while (reaped >= 0 && reaped != pid);
  return status;
}

/* Waits until both children (a pid <= 0 is "not started") are gone; returns the status of last. */
static int
wait_both(int first, int last)
{
  int pending = (first > 0) + (last > 0);
  int result = 1;
  int status;
  int pid;

  while (pending > 0 && (pid = wait(&status)) >= 0) {
    if (pid == first || pid == last)
      pending--;
    if (pid == last)
      result = status;
  }
  return result;
}

static int
run_pipe(struct node *n)
{
  int fds[2];
  int writer;
  int reader;

  if (pipe(fds) < 0) {
    fprintf(STDERR, "sh: pipe failed\n");
    return 1;
  }
  writer = spawn_with_fd(n->left, STDOUT, fds[1], fds[0]);
  reader = spawn_with_fd(n->right, STDIN, fds[0], fds[1]);
  close(fds[0]);
  close(fds[1]);
  return wait_both(writer, reader);
}

/*
 * Background job: the child forks the real job and exits at once, so the job
 * is adopted by init, which reaps it; the shell never has to.
 */
static int
run_background(struct node *n)
{
  int pid = fork_or_complain();
  int job;

  if (pid == 0) {
    job = fork_or_complain();
    if (job == 0)
      run_here(n->left);
    exit(job < 0 ? 1 : 0);
  }
  if (pid > 0)
    wait_for(pid);
  return 0;
}

/* Runs n from the shell (or a subshell) and waits for it; returns its exit status. */
static int
run(struct node *n)
{
  int status;
  int pid;

  switch (n->kind) {
  case NODE_SEQ:
    run(n->left);
    return n->right ? run(n->right) : 0;
  case NODE_BACK:
    return run_background(n);
  case NODE_PIPE:
    return run_pipe(n);
  case NODE_EXEC:
    /* cd must change the shell's own directory, so it runs without a fork. */
    if (run_builtin(n, &status))
      return status;
    break;
  case NODE_GROUP:
    break;
  }
  pid = fork_or_complain();
  if (pid == 0)
    run_here(n);
  return pid < 0 ? 1 : wait_for(pid);
}

/* ---- main loop ---- */

int
main(void)
{
  static char line[LINE_MAX];
  struct node *tree;
  int fd;

  /*
   * A redirection relies on 0, 1 and 2 being taken, or the file it opens
   * could land on the wrong one. Fill any gap with the console: open() and
   * dup() each take the lowest free slot.
   */
  fd = open("console", O_RDWR);
  while (fd >= 0 && fd < STDERR)
    fd = dup(fd);
  if (fd > STDERR)
    close(fd);

  for (;;) {
    write(STDERR, "$ ", 2);
    gets(line, sizeof(line));
    if (line[0] == '\0')
      break;   /* end of input */
    if (tokenize(line) < 0)
      continue;
    tree = parse_line();
    if (!parse_failed && tree != 0)
      run(tree);
  }
  exit(0);
}
