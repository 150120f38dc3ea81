/*
 * poolapp.h - the applications enabled on a pool and their metadata
 * (Ceph's application_metadata: app -> {key -> value}), kept as one
 * bounded text field of the pool so that OSDMap pools stay plain values.
 *
 * Text form: one line per application ("rbd") and one per metadata entry
 * ("rbd\tkey\tvalue"), each ending in '\n' except possibly the last,
 * sorted by application, then key, an application's own line first.
 * Names and keys are non-empty; no part holds '\t', '\n' or '\0'.  A
 * bare "rbd" (the form older maps stored) is one application.
 *
 * The editing functions rewrite @apps (capacity @cap, NUL-terminated) in
 * place and leave it untouched when they fail.
 */
#ifndef CAIRN_POOLAPP_H
#define CAIRN_POOLAPP_H

#include <stdbool.h>
#include <stddef.h>

/* The longest application name, key or value accepted. */
#define POOLAPP_NAME_MAX 128

/* True if @apps is well formed (the form above, any order). */
bool poolapp_valid(const char *apps);
/* True if application @app is enabled. */
bool poolapp_has(const char *apps, const char *app);
/* Number of applications enabled. */
size_t poolapp_count(const char *apps);

/* Enable @app (no effect if it is).  0, -EINVAL (bad name), -ENOSPC (no room). */
int poolapp_enable(char *apps, size_t cap, const char *app);
/* Disable @app and drop its metadata.  0, -ENOENT (not enabled). */
int poolapp_disable(char *apps, size_t cap, const char *app);
/* Set @key of @app to @value.  0, -ENOENT (app not enabled), -EINVAL, -ENOSPC. */
int poolapp_set(char *apps, size_t cap, const char *app, const char *key, const char *value);
/* Remove @key of @app.  0, -ENOENT (app not enabled or no such key). */
int poolapp_rm(char *apps, size_t cap, const char *app, const char *key);

/*
 * Called for every application (@key NULL, @value NULL) and every metadata
 * entry, in the sorted order; lengths given, strings not NUL-terminated.
 * A non-zero return stops the walk and is returned by poolapp_each.
 */
typedef int (*poolapp_fn)(void *arg, const char *app, size_t app_len, const char *key,
			  size_t key_len, const char *value, size_t value_len);
/* Walk @apps (only application @app's entries if @app is non-NULL). */
int poolapp_each(const char *apps, const char *app, poolapp_fn fn, void *arg);

#endif
