/* train_log.c: the --log CSV. */
#include "vae/train_log.h"

#include <math.h>

void
train_log_header(FILE *fp)
{
	fputs("epoch,phase,lr,beta,elbo,recon_loglik,prior,lgssm_loglik,"
	    "recon_rmse,val_elbo,val_recon_loglik,val_prior,"
	    "val_lgssm_loglik,val_recon_rmse,seconds\n", fp);
}

/* The five fields of one set; the LGSSM's log-likelihood only when it
 * was part of the objective. */
static void
log_terms(FILE *fp, const kvae_terms *t, int joint)
{
	if (t->records == 0) {
		fputs(",,,,,", fp);
		return;
	}
	fprintf(fp, ",%.9g,%.9g,%.9g,", kvae_terms_elbo(t),
	    -t->nll / t->records, t->prior / t->records);
	if (joint)
		fprintf(fp, "%.9g", t->loglik / t->records);
	fprintf(fp, ",%.9g", t->observed ? sqrt(t->sq_err / t->observed) : NAN);
}

void
train_log_epoch(FILE *fp, int epoch, const kvae_epoch *ep, double seconds)
{
	fprintf(fp, "%d,%s,%.9g,%.9g", epoch, ep->joint ? "joint" : "vae",
	    ep->lr, ep->beta);
	log_terms(fp, &ep->train, ep->joint);
	log_terms(fp, &ep->val, ep->joint);
	fprintf(fp, ",%.3f\n", seconds);
}

void
train_log_summary(char *buf, size_t size, const kvae_epoch *ep)
{
	int n = snprintf(buf, size, "%s elbo %.4g", ep->joint ? "joint" :
	    "vae", kvae_terms_elbo(&ep->train));

	if (ep->val.records > 0 && n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, " val %.4g",
		    kvae_terms_elbo(&ep->val));
}
