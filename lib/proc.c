#include "proc.h"

#include <pthread.h>
#include <unistd.h>

static pid_t proc_pid;
static pthread_once_t proc_once = PTHREAD_ONCE_INIT;

static void proc__forked(void)
{
	proc_pid = getpid();
}

static void proc__init(void)
{
	proc_pid = getpid();
	(void)pthread_atfork(NULL, NULL, proc__forked);
}

pid_t proc_self(void)
{
	(void)pthread_once(&proc_once, proc__init);
	return proc_pid;
}
