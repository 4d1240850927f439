// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Simulated sndif backend for KUnit (see sim_backend.h).
 */
#include "xsf.h"
