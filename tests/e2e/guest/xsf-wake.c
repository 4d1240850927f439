// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * xsf-wake - the wake-up floor of `make bench`: wake up once per period
 * of PERIOD frames at 48 kHz, for SECONDS, and do nothing else.
 *
 *   xsf-wake -P PERIOD -n SECONDS
 *
 * A sound client is woken at least once per period, whatever the driver:
 * each wake-up leaves the idle loop, takes an interrupt, switches to the
 * client and back, and (in a Xen PV guest) programs the next timer and
 * blocks through hypercalls.  The guest's busy time while this runs is
 * what that costs without any sound: the part of a driver's row that no
 * driver can save.  The wake-ups are at absolute times, one period apart
 * (CLOCK_MONOTONIC), so a late one does not shift the rest.
 *
 * Prints "wakeups=N late=L" (L: wake-ups that came a whole period or
 * more after their time).  Exit status 0; 1 if a sleep fails; 2 on a
 * usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RATE		48000
#define NSEC_PER_SEC	1000000000LL

static long long timespec_ns(const struct timespec *ts)
{
	return ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

static void ns_timespec(long long ns, struct timespec *ts)
{
	ts->tv_sec = ns / NSEC_PER_SEC;
	ts->tv_nsec = ns % NSEC_PER_SEC;
}

int main(int argc, char **argv)
{
	long period_frames = 0, seconds = 0, wakeups = 0, late = 0;
	long long period_ns, start_ns, due_ns, end_ns;
	struct timespec now, due;
	int opt, ret;
	char *end;

	while ((opt = getopt(argc, argv, "P:n:")) != -1) {
		switch (opt) {
		case 'P':
			period_frames = strtol(optarg, &end, 10);
			if (*end)
				goto usage;
			break;
		case 'n':
			seconds = strtol(optarg, &end, 10);
			if (*end)
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc || period_frames <= 0 || period_frames > RATE ||
	    seconds <= 0 || seconds > 3600)
		goto usage;

	period_ns = period_frames * NSEC_PER_SEC / RATE;
	clock_gettime(CLOCK_MONOTONIC, &now);
	start_ns = timespec_ns(&now);
	end_ns = start_ns + seconds * NSEC_PER_SEC;
	for (due_ns = start_ns + period_ns; due_ns <= end_ns; due_ns += period_ns) {
		ns_timespec(due_ns, &due);
		do {
			ret = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
					      &due, NULL);
		} while (ret == EINTR);
		if (ret) {
			fprintf(stderr, "xsf-wake: clock_nanosleep: %s\n",
				strerror(ret));
			return 1;
		}
		wakeups++;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (timespec_ns(&now) - due_ns >= period_ns)
			late++;
	}
	printf("wakeups=%ld late=%ld\n", wakeups, late);
	return 0;

usage:
	fprintf(stderr, "usage: xsf-wake -P PERIOD_FRAMES -n SECONDS\n");
	return 2;
}
