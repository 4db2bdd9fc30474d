#ifndef HEARTH_MEDIA_LIMITS_H
#define HEARTH_MEDIA_LIMITS_H

/*
 * The sizes of media paths, for whoever holds one (store rows, cleanup
 * lists) without handling the files themselves (media/files.h).
 */

#define MEDIA_REL_MAX 400      /* characters of a relative path */
#define MEDIA_PATH_MAX 1024    /* an absolute path: root + '/' + relative */

#endif
