/*
 * ISO 8601 date-times from outside (request bodies, later devices and Home
 * Assistant): a strict subset, always with a zone.
 */
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "iso8601.h"

/* Read exactly n digits from *p into *out, advancing *p. */
static int iso8601__digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int iso8601__days_in_month(int year, int month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

int iso8601_parse(const char *s, int64_t *ms)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, frac = 0, sign = 0;
	struct tm tm = {0};
	time_t t;

	if (iso8601__digits(&s, 4, &y) || *s++ != '-' || iso8601__digits(&s, 2, &mo) ||
	    *s++ != '-' || iso8601__digits(&s, 2, &d) || (*s != 'T' && *s != 't'))
		return -1;
	s++;
	if (iso8601__digits(&s, 2, &h) || *s++ != ':' || iso8601__digits(&s, 2, &mi) ||
	    *s++ != ':' || iso8601__digits(&s, 2, &sec))
		return -1;
	if (*s == '.') {
		int n = 0;

		s++;
		for (; *s >= '0' && *s <= '9'; s++, n++)
			if (n < 3)
				frac = frac * 10 + (*s - '0');
		if (n == 0)
			return -1;
		for (; n < 3; n++)
			frac *= 10;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s++ == '-' ? -1 : 1;
		if (iso8601__digits(&s, 2, &oh))
			return -1;
		if (*s == ':')
			s++;
		if (iso8601__digits(&s, 2, &om) || oh > 23 || om > 59)
			return -1;
	} else {
		/* A time without a zone means nothing on a box in another one. */
		return -1;
	}
	if (*s != '\0' || y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > iso8601__days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*ms = ((int64_t)t - (int64_t)sign * (oh * 3600 + om * 60)) * 1000 + frac;
	return 0;
}

int iso8601_format(int64_t t, char out[ISO8601_LEN])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || strftime(out, ISO8601_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		snprintf(out, ISO8601_LEN, "@%lld", (long long)t);
		return -1;
	}
	return 0;
}
