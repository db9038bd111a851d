/* prefault.h: have the kernel map a large, freshly allocated buffer
 * before a loop writes it, on a second thread where one is allowed. A
 * buffer of hundreds of megabytes written once (a smoother's trace)
 * otherwise takes a page fault every 4 kB in the loop; populating it in
 * one call spares the fault entries, and on an idle core costs the loop
 * nothing. Only advice: where the kernel lacks MADV_POPULATE_WRITE
 * (before Linux 5.14) the pages fault in as they are written. */
#ifndef KVAE_PREFAULT_H
#define KVAE_PREFAULT_H

#include <stddef.h>

typedef struct prefault prefault;

/* Populate the whole pages inside [p, p + bytes) for writing: on a new
 * thread when `background` (returned, for prefault_finish; NULL if the
 * thread could not be had, and then nothing was done), else here and
 * now (NULL). The buffer must stay allocated until prefault_finish. */
prefault *prefault_start(void *p, size_t bytes, int background);

/* Wait for a background populate to end, and free pf. NULL is fine. */
void prefault_finish(prefault *pf);

#endif
