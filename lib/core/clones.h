/* clones.h: KV_CLONES marks a numerical kernel that gcc compiles at -O3
 * for three x86-64 levels (baseline, v3 with AVX2, v4 with AVX-512), the
 * one for the CPU at hand chosen at load time. Not under the
 * sanitizers: their builds do not take the load-time choice. Contraction
 * into fused multiply-adds stays off (-std=c11), so every clone gives
 * the same bits. */
#ifndef KVAE_CLONES_H
#define KVAE_CLONES_H

#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__) && !defined(__clang__)
#define KV_CLONES __attribute__((target_clones("default", "arch=x86-64-v3", \
	"arch=x86-64-v4"), optimize("O3")))
#elif !defined(__clang__)
#define KV_CLONES __attribute__((optimize("O3")))
#else
#define KV_CLONES	/* clang (fuzzing, analysis) has no per-function -O3 */
#endif

#endif
