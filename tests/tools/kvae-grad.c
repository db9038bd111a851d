/* kvae-grad: the KVAE objective and its gradient on given inputs, for
 * the PyTorch reference test (tests/reference/kvae_torch.py).
 *
 *   kvae-grad MODEL IN OUT DYNAMICS W_REC BETA [train]
 *
 * With "train", batch normalisation (a model of frames) uses the
 * batch's statistics, as in a training step; else the running ones.
 * IN (safetensors): y F32 (N, D) normalised records (NaN = missing),
 * T F64 (nseq) sequence lengths, eps F32 (K, N, L) the noise. OUT gets
 * loss F64 (), terms F64 (3) = {NLL, prior, LGSSM log-likelihood} sums,
 * and grad.NAME F32 for every trainable tensor NAME of the model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"
#include "vae/kvae.h"

static const st_tensor *
need(const st_file *f, const char *name, int ndim)
{
	const st_tensor *t = st_find(f, name);

	if (t == NULL || t->ndim != ndim)
		cli_die("%s: needs tensor %s of rank %d", f->path, name, ndim);
	return t;
}

static int
add_grads(st_writer *w, const nnparams *p, kv_err *err)
{
	for (size_t i = 0; i < p->n; i++) {
		char name[NNP_MAX_NAME + 8];
		if (!p->t[i].trainable)
			continue;
		snprintf(name, sizeof name, "grad.%s", p->t[i].name);
		if (st_writer_add(w, name, ST_F32, p->t[i].ndim, p->t[i].shape,
		    nnparams_grad(p, (int)i), err))
			return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	kvae k;
	kv_err err;
	st_file *mf, *in;
	const st_tensor *ty, *tT, *te;
	kvae_loss_opts o = { 0 };
	kvae_terms tm = { 0 };
	float *y, *eps;
	double *Td, loss, terms[3];
	size_t *T, nseq;
	st_writer *w;
	uint64_t three = 3;

	cli_init("kvae-grad");
	if (argc != 7 && !(argc == 8 && strcmp(argv[7], "train") == 0))
		cli_usage_error("usage: kvae-grad MODEL IN OUT DYNAMICS W_REC BETA "
		    "[train]");
	if ((mf = st_read(argv[1], &err)) == NULL || kvae_from_file(&k, mf,
	    &err) || (in = st_read(argv[2], &err)) == NULL)
		cli_fail(&err);
	ty = need(in, "y", 2);
	tT = need(in, "T", 1);
	te = need(in, "eps", 3);
	nseq = (size_t)tT->nelem;
	y = malloc(ty->nelem * sizeof *y);
	eps = malloc(te->nelem * sizeof *eps);
	Td = malloc(nseq * sizeof *Td);
	T = malloc(nseq * sizeof *T);
	if (y == NULL || eps == NULL || Td == NULL || T == NULL)
		cli_die("out of memory");
	if (st_get_f32(in, ty, y, ty->nelem, &err) ||
	    st_get_f32(in, te, eps, te->nelem, &err) ||
	    st_get_f64(in, tT, Td, nseq, &err))
		cli_fail(&err);
	for (size_t s = 0; s < nseq; s++)
		T[s] = (size_t)Td[s];
	o.dynamics = atoi(argv[4]);
	o.w_rec = atof(argv[5]);
	o.beta = atof(argv[6]);
	o.samples = (int)te->shape[0];
	vae_set_training(&k.v, argc == 8);
	kvae_zero_grad(&k);
	if (kvae_loss(&k, y, T, nseq, eps, &o, &loss, &tm, &err))
		cli_fail(&err);
	terms[0] = tm.nll;
	terms[1] = tm.prior;
	terms[2] = tm.loglik;
	if ((w = st_writer_new(&err)) == NULL ||
	    st_writer_add(w, "loss", ST_F64, 0, NULL, &loss, &err) ||
	    st_writer_add(w, "terms", ST_F64, 1, &three, terms, &err) ||
	    add_grads(w, &k.v.p, &err) || add_grads(w, &k.lp, &err) ||
	    st_writer_save(w, argv[3], &err))
		cli_fail(&err);
	st_writer_free(w);
	st_free(mf);
	st_free(in);
	kvae_free(&k);
	free(y);
	free(eps);
	free(Td);
	free(T);
	return 0;
}
