#ifndef HEARTH_PROC_H
#define HEARTH_PROC_H

#include <sys/types.h>

/*
 * The calling process's id without a system call each time: read once,
 * and read again in the child of every fork() (pthread_atfork).  Handles
 * that must not be shared over fork (database, memcached, curl) compare
 * their owner with it on every use, which is several times a request.
 */
pid_t proc_self(void);

#endif
