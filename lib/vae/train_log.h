/* train_log.h: kvae-train's per-epoch metrics as CSV (--log): one
 * header line, then a line per epoch with the training and validation
 * terms per record (empty fields where a term does not apply). */
#ifndef KVAE_TRAIN_LOG_H
#define KVAE_TRAIN_LOG_H

#include <stdio.h>

#include "vae/train.h"

void train_log_header(FILE *fp);

/* Epoch `epoch` (from 1), `seconds` since training started. */
void train_log_epoch(FILE *fp, int epoch, const kvae_epoch *ep,
	double seconds);

/* The epoch in a few words for the progress line: "joint elbo -1.23
 * val -1.31" (no val part without validation records). */
void train_log_summary(char *buf, size_t size, const kvae_epoch *ep);

#endif
