/* vae_tool.h: the command line shared by vae-encode and vae-decode (they
 * differ only in direction and usage text). A CLI helper like cli.h: it
 * prints diagnostics and exits through cli.h. */
#ifndef KVAE_VAECLI_H
#define KVAE_VAECLI_H

/* Parse -m/--model, -o/--output, -f/--output-format, --variances,
 * -h/--help (prints usage), -V/--version and at most one input, run the
 * mapping (VAE_ENCODE or VAE_DECODE, stream_map.h) and return 0; on a
 * usage error exit 2, on failure exit 1. Call after cli_init. */
int vae_cli_main(int argc, char **argv, int direction, const char *usage);

#endif
