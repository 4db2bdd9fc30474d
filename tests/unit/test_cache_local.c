/*
 * The counters the API's workers share (cache_local_*): a bump in one
 * process is seen by another that mapped the same file, namespaces keep to
 * their own counters, and a missing file leaves the counters off (0)
 * rather than failing.  No memcached: cache_bump with no cache moves the
 * local counter alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache.h"

static char path[64];

static void test_missing_file_is_off(void **state)
{
	(void)state;
	assert_int_equal(cache_local_init("/nonexistent/dir/counters", false), -1);
	assert_int_equal(cache_local_version("rooms"), 0);
}

static void test_bump_is_seen_across_processes(void **state)
{
	uint64_t rooms, sensors;
	pid_t pid;
	int status;

	(void)state;
	assert_int_equal(cache_local_init(path, true), 0);
	rooms = cache_local_version("rooms");
	sensors = cache_local_version("sensors");
	assert_true(rooms > 0);
	cache_bump(NULL, "rooms");
	assert_int_equal(cache_local_version("rooms"), rooms + 1);

	/* A child bumps; the parent sees it. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		cache_bump(NULL, "rooms");
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(cache_local_version("rooms"), rooms + 2);
	/* Another namespace (in its own slot here) did not move. */
	assert_int_equal(cache_local_version("sensors"), sensors);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_file_is_off),
		cmocka_unit_test(test_bump_is_seen_across_processes),
	};
	int fd, rc;

	snprintf(path, sizeof(path), "/tmp/hearth-counters.XXXXXX");
	if ((fd = mkstemp(path)) < 0)
		return 1;
	close(fd);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(path);
	return rc;
}
