/*
 * backup_tree.h — the file-tree work of a backup: copying the uploaded
 * files, listing a tree, SHA-256 of a file, removing a pruned backup.
 * Symbolic links are never followed (a backup copies what egret wrote).
 */
#ifndef EG_APP_BACKUP_TREE_H
#define EG_APP_BACKUP_TREE_H

#include <stddef.h>

/*
 * Copy the regular files under src into dst (created 0700, as are its
 * folders; files keep their permission bits), leaving out the top-level
 * folder named skip (NULL: none). A missing src copies nothing. Returns the
 * number of files copied, or -1 with errno set (path names the failing file,
 * size 1024).
 */
long eg_backup_tree_copy(const char *src, const char *dst, const char *skip, char *path);

/*
 * The regular files under root as paths relative to it, sorted bytewise,
 * in a malloc'd array of malloc'd strings (free with
 * eg_backup_tree_list_free). Anything else than a folder or a regular file
 * (a link, a device) is listed too, with its name prefixed by "?", so that a
 * verification can refuse it. 0, or -1 with errno set.
 */
int eg_backup_tree_list(const char *root, char ***paths, size_t *n);
void eg_backup_tree_list_free(char **paths, size_t n);

/* SHA-256 of the file at path as 64 hex digits. 0, or -1 with errno set. */
int eg_backup_sha256_file(const char *path, char hex[65]);

/* Remove path and everything under it (rm -rf, links not followed). 0 or -1. */
int eg_backup_tree_remove(const char *path);

#endif
