/*
 * platforms.c: the registered app-distribution platform list (APP-1), kept
 * as editable JSON data. Trusts the file only as far as its shape is checked.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "registry/registry.h"

#define PLATFORMS_MAX 1024

static char **names;
static size_t nnames;
static int loaded; /* a list is in force (maybe empty) */
/* The list is swapped whole under this lock; lookups take it too. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void
add_name(char ***list, size_t *n, const char *s)
{
	*list = xrealloc(*list, (*n + 1) * sizeof(**list));
	(*list)[(*n)++] = xstrdup(s);
}

static void
free_list(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

int
platforms_load(const char *path, struct err *e)
{
	struct buf b = BUF_INIT(4 << 20);
	json_error_t je;
	json_t *root = NULL, *list, *p;
	char **fresh = NULL;
	size_t nfresh = 0, i;

	if (path == NULL)
		path = getenv("GOVSEC_PLATFORMS");
	if (path == NULL)
		path = GOVSEC_DATADIR "/platforms.json";
	if (buf_read_file(&b, path, e) < 0)
		return -1;
	root = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, &je);
	buf_cleanup(&b);
	if (root == NULL) {
		err_set(e, "%s:%d: %s", path, je.line, je.text);
		return -1;
	}
	list = json_object_get(root, "platforms");
	if (!json_is_array(list) || json_array_size(list) > PLATFORMS_MAX) {
		err_set(e, "%s: $.platforms: expected an array of at most %d",
			path, PLATFORMS_MAX);
		goto fail;
	}
	/* Build the new list aside; the one in force changes only when the
	 * whole file is good. */
	json_array_foreach(list, i, p)
	{
		const char *name =
		    json_string_value(json_object_get(p, "name"));
		json_t *aliases = json_object_get(p, "aliases"), *a;
		size_t j;

		if (name == NULL) {
			err_set(e,
				"%s: $.platforms[%zu].name: expected a string",
				path, i);
			goto fail;
		}
		add_name(&fresh, &nfresh, name);
		json_array_foreach(aliases, j, a)
		{
			if (json_is_string(a)) /* others are ignored */
				add_name(&fresh, &nfresh, json_string_value(a));
		}
	}
	pthread_mutex_lock(&lock);
	free_list(names, nnames);
	names = fresh;
	nnames = nfresh;
	loaded = 1;
	pthread_mutex_unlock(&lock);
	json_decref(root);
	return 0;
fail:
	free_list(fresh, nfresh);
	json_decref(root);
	return -1;
}

int
platforms_ready(struct err *e)
{
	int have;

	pthread_mutex_lock(&lock);
	have = loaded;
	pthread_mutex_unlock(&lock);
	if (have)
		return 0;
	if (platforms_load(NULL, e) < 0) {
		err_prefix(e, "the registered platform list (APP-1)");
		return -1;
	}
	return 0;
}

int
platforms_registered(const char *name)
{
	int found = 0;

	if (strcasecmp(name, "own-website") == 0)
		return 1;
	if (platforms_ready(NULL) < 0)
		return 0;
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < nnames && !found; i++)
		found = strcasecmp(names[i], name) == 0;
	pthread_mutex_unlock(&lock);
	return found;
}
