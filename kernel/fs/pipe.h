/* pipe.h: one-way byte channels between processes, reached through two struct files. */
#ifndef KERNEL_FS_PIPE_H
#define KERNEL_FS_PIPE_H

#include "kernel/types.h"

struct pipe;
struct file;

/* A new pipe and its read and write ends: 0, or -1 (files or memory exhausted). */
int pipe_alloc(struct file **rf, struct file **wf);
/* Close one end; the pipe is freed when both are closed. */
void pipe_close(struct pipe *pi, int writable);
/*
 * Copy n bytes from the current process's user_addr into the pipe, waiting
 * for room: n, or -1 if there is no reader or the process was killed. A bad
 * address stops the write: bytes written so far, or -1 if none.
 */
int pipe_write(struct pipe *pi, uint64 user_addr, int n);
/*
 * Wait for data, then copy up to n bytes out: bytes read, 0 at end of file
 * (empty and no writer left), -1 if killed or the address is bad. A buffer
 * that turns bad part-way gets the bytes that fit; the rest stay in the pipe.
 */
int pipe_read(struct pipe *pi, uint64 user_addr, int n);

#endif
