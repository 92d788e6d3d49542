/*
 * user.h: everything a user program may call: system calls (stubs generated
 * into usys.S from kernel/syscall.h) and the user library (ulib.c, printf.c,
 * umalloc.c). Both the 2022-24 and 2025 spellings of the 6.1810 API exist.
 */
#ifndef USER_USER_H
#define USER_USER_H

struct stat;
struct vmstat;
struct vmmap_run;
struct fsstat;

/* ---- system calls: 0 or a result on success, -1 on failure ---- */
int fork(void);
int exit(int status) __attribute__((noreturn));
int wait(int *status);
int pipe(int *fds);
int write(int fd, const void *buf, int n);
int read(int fd, void *buf, int n);
int close(int fd);
int kill(int pid);
int exec(const char *path, char **argv);
int open(const char *path, int omode);
int mknod(const char *path, short major, short minor);
int unlink(const char *path);
int fstat(int fd, struct stat *st);
int link(const char *target, const char *newpath);
int mkdir(const char *path);
int chdir(const char *path);
int dup(int fd);
int getpid(void);
char *sys_sbrk(int n, int how);   /* how: SBRK_EAGER or SBRK_LAZY (kernel/vm.h) */
int sleep(int ticks);             /* 2022-24 name of syscall 13 */
int pause(int ticks);             /* 2025 name of syscall 13 */
int uptime(void);
int vmstat(int pid, struct vmstat *st);   /* pid 0: whole system */
int fsstat(struct fsstat *st);
int vmmap(int pid, struct vmmap_run *runs, int max);   /* runs in the map, or -1 */
void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t offset);   /* (void *)-1 on failure */
int munmap(void *addr, size_t len);
int failalloc(int n);     /* tests only: our (and later children's) n-th page allocation from now fails; the old countdown */
int vmcheck(void);        /* 0 if page counts match the page tables; else -1 (console names the pages) */

/* ---- user library ---- */
#define SBRK_ERROR ((char *)-1)
char *sbrk(int n);        /* grow (or shrink) eagerly; returns the old break */
char *sbrklazy(int n);    /* grow lazily where the kernel supports it */
int freepages(void);      /* free physical pages, from vmstat() */

int stat(const char *path, struct stat *st);
char *strcpy(char *dst, const char *src);
void *memmove(void *dst, const void *src, int n);
char *strchr(const char *s, char c);
int strcmp(const char *a, const char *b);
char *gets(char *buf, int max);
unsigned int strlen(const char *s);
void *memset(void *dst, int c, unsigned int n);
int atoi(const char *s);
int memcmp(const void *a, const void *b, unsigned int n);
void *memcpy(void *dst, const void *src, unsigned int n);

void fprintf(int fd, const char *fmt, ...) __attribute__((format(__printf__, 2, 3)));
void printf(const char *fmt, ...) __attribute__((format(__printf__, 1, 2)));

void *malloc(unsigned int n);
void free(void *p);

#endif
