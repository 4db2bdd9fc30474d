#ifndef HEARTH_SECURITY_SEARCH_H
#define HEARTH_SECURITY_SEARCH_H

/*
 * GET /events/search?q=: a person's query translated into a MariaDB
 * FULLTEXT query in BOOLEAN MODE.  The user's text is never passed
 * through: only words, quoted phrases and the operators below survive,
 * and what is produced uses the boolean syntax on Hearth's terms.  Pure.
 *
 *   fire alarm          both words:           +fire +alarm
 *   fire OR smoke       either:               +(fire smoke)
 *   door OR gate garage (door or gate) and garage: +(door gate) +garage
 *   NOT cat             without:              -cat
 *   "front door"        the phrase:           +"front door"
 *
 * Terms are words and "phrases"; adjacent terms are joined by AND (the
 * default) or by the word OR, which binds tighter, so "a b OR c" is a AND
 * (b OR c); a group of terms joined by OR is one required group whose
 * members are each optional.  NOT before a term excludes it (NOT is never
 * part of an OR group).  Operators are recognised in upper case only; in
 * another case they are words.  Inside a word, characters that are not
 * letters, digits or '_' separate its parts ("front-door" is the phrase
 * "front door"), so no boolean operator character reaches the server.
 * Words shorter than SEARCH_WORD_MIN characters and the server's default
 * stop words never match anything and are dropped (a required one would
 * make the whole query match nothing).  An unmatched quote ends at the
 * end of the query.
 */
#include <stdbool.h>
#include <stddef.h>

#define SEARCH_QUERY_MAX 512   /* bytes of user query */
#define SEARCH_TERMS_MAX 16    /* terms kept; the rest are ignored */
#define SEARCH_WORD_MIN 3      /* innodb_ft_min_token_size */
#define SEARCH_WORD_MAX 84     /* innodb_ft_max_token_size, in characters */
/* Room for any translation of a query of SEARCH_QUERY_MAX bytes. */
#define SEARCH_OUT_MAX (4 * SEARCH_QUERY_MAX + 64)

/*
 * Translate q (borrowed, NUL-terminated) into out (outsz >= SEARCH_OUT_MAX
 * is always enough).  Returns the number of terms a row can match on (>=
 * 1), 0 when nothing is left to look for (empty, only stop words or only
 * NOT terms: the API answers 422), or -1 when q is longer than
 * SEARCH_QUERY_MAX or out too small.
 */
int search_boolean_query(const char *q, char *out, size_t outsz);

/*
 * The same query for matching text in C, as the newest-first search of
 * GET /events/search reads recent events (store/security_events.h): a
 * term is a run of words of the text that equals the term's words in
 * order, words being runs of letters, digits, '_' and non-ASCII bytes,
 * compared with ASCII letters in either case (other characters exactly).
 * Every OR group must occur, no NOT term may.  The full-text index of
 * the server agrees on ASCII text; it also folds case and accents outside
 * ASCII, which this does not.
 */
struct search_term {
	char text[SEARCH_QUERY_MAX + 1];   /* its words, one space between */
	size_t words;
	bool phrase;                       /* more than one word */
	bool negated;
	int group;                         /* positive terms: which OR group (1..) */
};

struct search_matcher {
	struct search_term terms[SEARCH_TERMS_MAX];
	size_t n;
	int groups;
};

/* Compile q (borrowed) into *m; returns what search_boolean_query would
 * for q (terms a row can match on, 0 or -1). */
int search_compile(const char *q, struct search_matcher *m);

/*
 * Match the nfields texts (borrowed; NULL entries are empty) against m:
 * 0 when they do not match, else how many times the positive terms occur
 * in them (at least 1), the relevance of the newest-first search.  A term
 * never spans two fields.  seen (NULL, or m->n counters) counts, for each
 * term, the texts it occurs in, NOT terms included: how common each is.
 */
unsigned search_match(const struct search_matcher *m, const char *const *fields,
		      size_t nfields, unsigned *seen);

#endif
