/*
 * The search query translator (search.h).  Two steps: the query is cut
 * into operators and terms, each term cleaned into its words; the terms
 * are then grouped (OR binds tighter than AND) and written out in boolean
 * mode syntax.
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "security/search.h"

/* InnoDB's default stop words of SEARCH_WORD_MIN characters or more. */
static const char *const stop_words[] = {
	"about", "are", "com", "for", "from", "how", "that", "the", "this", "was", "what",
	"when", "where", "who", "will", "with", "und", "www",
};

struct search_out {
	char *p;
	size_t left;
	bool overflow;
};

static bool search__word_byte(unsigned char c)
{
	return c >= 0x80 || c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

/* Characters (not bytes) of a UTF-8 word. */
static size_t search__chars(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xC0) != 0x80;
	return n;
}

static bool search__stop_word(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(stop_words) / sizeof(stop_words[0]); i++)
		if (strlen(stop_words[i]) == len && strncasecmp(stop_words[i], s, len) == 0)
			return true;
	return false;
}

/*
 * Clean len bytes of raw text into t: its words (runs of word bytes),
 * separated by one space.  In a phrase every word is kept, since the
 * phrase must match as written, unless none of them could match on its
 * own; outside one, words that can never match are dropped.
 */
static void search__clean(const char *s, size_t len, bool quoted, struct search_term *t)
{
	size_t i = 0, used = 0, real = 0;

	t->text[0] = '\0';
	t->words = 0;
	while (i < len) {
		size_t start, wlen, chars;

		while (i < len && !search__word_byte((unsigned char)s[i]))
			i++;
		start = i;
		while (i < len && search__word_byte((unsigned char)s[i]))
			i++;
		if ((wlen = i - start) == 0)
			break;
		chars = search__chars(s + start, wlen);
		if (chars > SEARCH_WORD_MAX)
			continue;
		bool matchable = chars >= SEARCH_WORD_MIN && !search__stop_word(s + start, wlen);

		if (!matchable && !quoted)
			continue;
		real += matchable;
		if (used + wlen + 2 > sizeof(t->text))
			break;
		if (used)
			t->text[used++] = ' ';
		memcpy(t->text + used, s + start, wlen);
		used += wlen;
		t->text[used] = '\0';
		t->words++;
	}
	if (real == 0) {
		t->text[0] = '\0';
		t->words = 0;
	}
	t->phrase = t->words > 1;
}

static void search__put(struct search_out *o, const char *s)
{
	size_t n = strlen(s);

	if (o->overflow || n >= o->left) {
		o->overflow = true;
		return;
	}
	memcpy(o->p, s, n + 1);
	o->p += n;
	o->left -= n;
}

static void search__put_term(struct search_out *o, const struct search_term *t)
{
	if (t->phrase)
		search__put(o, "\"");
	search__put(o, t->text);
	if (t->phrase)
		search__put(o, "\"");
}

/* Cut q into m's terms and groups. */
int search_compile(const char *q, struct search_matcher *m)
{
	static struct search_term none;
	struct search_term *terms = m->terms;
	size_t n = 0, qlen, i = 0;
	bool pending_not = false, pending_or = false, last_positive = false;
	int groups = 0, positive = 0;

	m->n = 0;
	m->groups = 0;
	if ((qlen = strlen(q)) > SEARCH_QUERY_MAX)
		return -1;
	while (i < qlen && n < SEARCH_TERMS_MAX) {
		size_t start, len;
		bool quoted = false;

		while (i < qlen && (q[i] == ' ' || q[i] == '\t' || q[i] == '\n' || q[i] == '\r'))
			i++;
		if (i == qlen)
			break;
		if (q[i] == '"') {
			start = ++i;
			while (i < qlen && q[i] != '"')
				i++;
			len = i - start;
			if (i < qlen)
				i++;
			quoted = true;
		} else {
			start = i;
			while (i < qlen && q[i] != ' ' && q[i] != '\t' && q[i] != '\n' &&
			       q[i] != '\r' && q[i] != '"')
				i++;
			len = i - start;
			if (len == 3 && memcmp(q + start, "AND", 3) == 0) {
				pending_or = false;
				continue;
			}
			if (len == 2 && memcmp(q + start, "OR", 2) == 0) {
				pending_or = last_positive;
				continue;
			}
			if (len == 3 && memcmp(q + start, "NOT", 3) == 0) {
				pending_not = true;
				continue;
			}
		}

		struct search_term *t = &terms[n];

		*t = none;
		search__clean(q + start, len, quoted, t);
		if (t->words == 0) {
			/* A dropped term still takes its operators with it. */
			pending_not = pending_or = false;
			continue;
		}
		t->negated = pending_not;
		if (!t->negated) {
			if (!pending_or)
				groups++;
			t->group = groups;
			positive++;
		}
		last_positive = !t->negated;
		pending_not = pending_or = false;
		n++;
	}
	m->n = n;
	m->groups = groups;
	return positive;
}

int search_boolean_query(const char *q, char *out, size_t outsz)
{
	struct search_matcher parsed;
	const struct search_term *terms = parsed.terms;
	struct search_out o = { .p = out, .left = outsz };
	size_t n;
	int groups, positive;

	if (outsz == 0)
		return -1;
	out[0] = '\0';
	if ((positive = search_compile(q, &parsed)) <= 0)
		return positive;
	n = parsed.n;
	groups = parsed.groups;
	for (int g = 1; g <= groups; g++) {
		size_t members = 0;

		for (size_t k = 0; k < n; k++)
			members += !terms[k].negated && terms[k].group == g;
		search__put(&o, o.p == out ? "+" : " +");
		if (members > 1)
			search__put(&o, "(");
		for (size_t k = 0, m = 0; k < n; k++) {
			if (terms[k].negated || terms[k].group != g)
				continue;
			if (m++)
				search__put(&o, " ");
			search__put_term(&o, &terms[k]);
		}
		if (members > 1)
			search__put(&o, ")");
	}
	for (size_t k = 0; k < n; k++) {
		if (!terms[k].negated)
			continue;
		search__put(&o, " -");
		search__put_term(&o, &terms[k]);
	}
	if (o.overflow) {
		out[0] = '\0';
		return -1;
	}
	return positive;
}

/* ---------------------------------------------------------------- matching */

/* The next word at or after p: its start, its length in *len; NULL at the
 * end of the text. */
static const char *search__next_word(const char *p, size_t *len)
{
	size_t n = 0;

	while (*p && !search__word_byte((unsigned char)*p))
		p++;
	if (!*p)
		return NULL;
	while (search__word_byte((unsigned char)p[n]))
		n++;
	*len = n;
	return p;
}

/* Whether the words of the text from p (a word's start) are the words of
 * t, in order. */
static bool search__term_at(const char *p, const struct search_term *t)
{
	const char *w = t->text;

	for (;;) {
		size_t wlen = strcspn(w, " "), len;

		if (!(p = search__next_word(p, &len)) || len != wlen || strncasecmp(p, w, len) != 0)
			return false;
		if (!w[wlen])
			return true;
		w += wlen + 1;
		p += len;
	}
}

/* How many times t occurs in text. */
static unsigned search__count(const char *text, const struct search_term *t)
{
	unsigned n = 0;
	size_t len;

	for (const char *p = text; (p = search__next_word(p, &len)); p += len)
		n += search__term_at(p, t);
	return n;
}

unsigned search_match(const struct search_matcher *m, const char *const *fields,
		      size_t nfields, unsigned *seen)
{
	bool hit[SEARCH_TERMS_MAX + 1] = {false}, excluded = false;
	unsigned score = 0;

	for (size_t k = 0; k < m->n; k++) {
		const struct search_term *t = &m->terms[k];
		unsigned c = 0;

		for (size_t f = 0; f < nfields; f++)
			if (fields[f])
				c += search__count(fields[f], t);
		if (c == 0)
			continue;
		if (seen)
			seen[k]++;
		if (t->negated) {
			excluded = true;
			if (!seen)
				return 0;
			continue;
		}
		hit[t->group] = true;
		score += c;
	}
	if (excluded)
		return 0;
	for (int g = 1; g <= m->groups; g++)
		if (!hit[g])
			return 0;
	return score;
}
