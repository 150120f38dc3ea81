/*
 * osd.h - the OSD daemon as cairn-osd's main() sees it.
 */
#ifndef CAIRN_OSD_H
#define CAIRN_OSD_H

#include <stddef.h>

struct cfg;
struct osd_daemon;

/*
 * Create the store at osd_data.  @whoami < 0: the monitors allocate the
 * id ("osd create <uuid>"); otherwise osd.@whoami, registered with the
 * monitors when mon_host is set.  The id in *@out_id.  0 or -errno with
 * @err set.
 */
int osd_mkfs(struct cfg *c, int whoami, int *out_id, char *err, size_t errlen);

/* Mount the store, bind, open the admin socket, load PGs, reach the monitors. */
int osd_daemon_init(struct cfg *c, struct osd_daemon **out, char *err, size_t errlen);
/* Serve until SIGTERM/SIGINT.  0 or -errno. */
int osd_daemon_run(struct osd_daemon *d);
/* Stop and free; NULL is ok. */
void osd_daemon_fini(struct osd_daemon *d);

#endif
