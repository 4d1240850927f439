/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Fuzz build stub: xsf_compat.h reads a PCM runtime's state in an inline
 * helper, so the type must be complete.  Nothing here is called.
 */
#ifndef XSF_FUZZ_SOUND_PCM_H
#define XSF_FUZZ_SOUND_PCM_H

#include <xsf_fuzz_shim.h>

typedef int snd_pcm_state_t;

struct snd_pcm_runtime {
	snd_pcm_state_t state;
};

#endif /* XSF_FUZZ_SOUND_PCM_H */
