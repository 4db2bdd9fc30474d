#ifndef HEARTH_MCP_H
#define HEARTH_MCP_H

/*
 * Hearth's tools for assistants (GET /mcp/tools, POST /mcp/tools/{name},
 * and tools/list and tools/call of the MCP endpoint POST /mcp).
 *
 * A tool is one route of the API with its arguments described: a call is
 * that route's request, made with the caller's own credential through
 * api_handle(), so the tool can do exactly what the caller's role lets
 * the caller do by hand, with the same checks, answers and audit rows.
 * The tools a role may call are the tools whose route its role allows.
 */
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "validate.h"

struct ctx;
struct roles;

enum mcp_where { MCP_PATH, MCP_QUERY, MCP_BODY };

struct mcp_arg {
	struct vfield f;          /* name, type, bounds, choices, required */
	enum mcp_where where;     /* MCP_PATH: the route's {name} */
	const char *about;
};

struct mcp_tool {
	const char *name;         /* "list_rooms" */
	const char *title;
	const char *about;
	bool read_only;           /* changes nothing */
	const char *method;
	const char *path;         /* "/api/v1/rules/{rule_id}/execute" */
	const char *fixed_body;   /* JSON the body always has, or NULL */
	const struct mcp_arg *args;
	size_t nargs;
};

extern const struct mcp_tool mcp_tools[];
extern const size_t mcp_tools_count;

/* The tool named name, or NULL. */
const struct mcp_tool *mcp_tool_find(const char *name);

/* Whether role may call t: its route with a stand-in id is allowed. */
bool mcp_tool_allowed(const struct roles *roles, const char *role, const struct mcp_tool *t);

/* {name, title, description, inputSchema, annotations} as MCP lists a
 * tool.  A new object, NULL on allocation failure. */
json_t *mcp_tool_json(const struct mcp_tool *t);

/*
 * Check args (an object, or NULL for none) against t: the problems go to
 * errs under prefix, and their number is returned.
 */
size_t mcp_tool_check(const struct mcp_tool *t, const json_t *args, const char *const *prefix,
		      json_t *errs);

/*
 * Call t with args (checked with mcp_tool_check first) as c's caller:
 * *status the route's status, *result its JSON body (a new reference;
 * null when it had none).  -1 when the request could not be made (out of
 * memory, a path too long).
 */
int mcp_tool_call(struct ctx *c, const struct mcp_tool *t, const json_t *args, int *status,
		  json_t **result);

#endif
