// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * xsf-pcm-poll - check ALSA's wake-up rule on a PCM, as a sound server's
 * event loop relies on it: poll() reports POLLIN (capture) or POLLOUT
 * (playback) only when at least avail_min frames can be transferred, and
 * the position ALSA reads from the driver never goes back.
 *
 *   xsf-pcm-poll -D hw:0,0 -s capture|playback -P PERIOD -n SECONDS [-m] [-b]
 *
 * S16_LE, 48 kHz, stereo; PERIOD frames per period (the driver may grant
 * another size), 4 periods per buffer, avail_min one period, period
 * events off.  -m: mmap access; -b: stop_threshold at the boundary (as
 * PulseAudio and PipeWire set it), otherwise at the buffer size.
 *
 * The stream is non-blocking.  At each wake-up, snd_pcm_avail() (which
 * asks the driver for its position) must give at least avail_min, and
 * the hardware position (frames transferred plus, for capture, those
 * available; for playback, minus those still queued) must not be below
 * the one seen before.  Everything available is then read, or written
 * (playback writes silence).  A wake-up with less is a "short wake-up";
 * no wake-up within 3 s is a stall, and one with neither the stream's
 * event nor POLLERR an error.  Xruns (POLLERR, or -EPIPE from the
 * driver) are counted and recovered, not failed: they are a matter of
 * load, reported by the other scenarios.
 *
 * Prints one line of counts.  Exit status 0 when there was no short
 * wake-up, no backward move, no stall and no stray event; 1 otherwise;
 * 2 on a usage or set-up error (the step that failed is named).
 */
#include <alsa/asoundlib.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RATE		48000
#define CHANNELS	2
#define FRAME_BYTES	4
#define STALL_MS	3000

struct poll_counts {
	unsigned long wakeups;
	unsigned long short_wakeups;
	unsigned long backward;
	unsigned long xruns;
	snd_pcm_sframes_t most_avail;
};

/* Report a failed step of the set-up; returns @err. */
static int step_failed(const char *step, int err)
{
	fprintf(stderr, "%s: %s\n", step, snd_strerror(err));
	return err;
}

static int set_up(snd_pcm_t *pcm, int use_mmap, int boundary_stop,
		  snd_pcm_uframes_t *period, snd_pcm_uframes_t *buffer)
{
	snd_pcm_hw_params_t *hw;
	snd_pcm_sw_params_t *sw;
	snd_pcm_uframes_t boundary;
	int err;

	snd_pcm_hw_params_alloca(&hw);
	snd_pcm_sw_params_alloca(&sw);
	err = snd_pcm_hw_params_any(pcm, hw);
	if (err < 0)
		return step_failed("hw params", err);
	err = snd_pcm_hw_params_set_access(pcm, hw, use_mmap ?
					   SND_PCM_ACCESS_MMAP_INTERLEAVED :
					   SND_PCM_ACCESS_RW_INTERLEAVED);
	if (err < 0)
		return step_failed(use_mmap ? "mmap access" : "read/write access", err);
	err = snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_S16_LE);
	if (!err)
		err = snd_pcm_hw_params_set_channels(pcm, hw, CHANNELS);
	if (!err)
		err = snd_pcm_hw_params_set_rate(pcm, hw, RATE, 0);
	if (err < 0)
		return step_failed("S16_LE, 48 kHz, stereo", err);
	err = snd_pcm_hw_params_set_period_size_near(pcm, hw, period, NULL);
	*buffer = *period * 4;
	if (!err)
		err = snd_pcm_hw_params_set_buffer_size_near(pcm, hw, buffer);
	if (!err)
		err = snd_pcm_hw_params(pcm, hw);
	if (!err)
		err = snd_pcm_hw_params_get_period_size(hw, period, NULL);
	if (!err)
		err = snd_pcm_hw_params_get_buffer_size(hw, buffer);
	if (err < 0)
		return step_failed("period and buffer", err);
	err = snd_pcm_sw_params_current(pcm, sw);
	if (!err)
		err = snd_pcm_sw_params_get_boundary(sw, &boundary);
	if (!err)
		err = snd_pcm_sw_params_set_avail_min(pcm, sw, *period);
	if (!err)
		err = snd_pcm_sw_params_set_period_event(pcm, sw, 0);
	/* the stream is started by hand */
	if (!err)
		err = snd_pcm_sw_params_set_start_threshold(pcm, sw, boundary);
	if (!err)
		err = snd_pcm_sw_params_set_stop_threshold(pcm, sw, boundary_stop ?
							   boundary : *buffer);
	if (!err)
		err = snd_pcm_sw_params(pcm, sw);
	if (err < 0)
		return step_failed("sw params", err);
	return 0;
}

/* Move up to @frames frames; returns how many, or a negative errno. */
static snd_pcm_sframes_t transfer(snd_pcm_t *pcm, int capture, int use_mmap,
				  void *scratch, snd_pcm_uframes_t frames)
{
	if (capture)
		return use_mmap ? snd_pcm_mmap_readi(pcm, scratch, frames) :
				  snd_pcm_readi(pcm, scratch, frames);
	return use_mmap ? snd_pcm_mmap_writei(pcm, scratch, frames) :
			  snd_pcm_writei(pcm, scratch, frames);
}

/* After an xrun: prepare, refill (playback) and start again. */
static int restart(snd_pcm_t *pcm, int capture, int use_mmap, void *scratch,
		   snd_pcm_uframes_t buffer)
{
	snd_pcm_sframes_t n;
	int err;

	err = snd_pcm_prepare(pcm);
	if (err < 0)
		return err;
	if (!capture) {
		n = transfer(pcm, capture, use_mmap, scratch, buffer);
		if (n < 0)
			return (int)n;
	}
	return snd_pcm_start(pcm);
}

int main(int argc, char **argv)
{
	const char *dev = "hw:0,0";
	int capture = -1, use_mmap = 0, boundary_stop = 0, seconds = 0, opt, err;
	snd_pcm_uframes_t period = 0, buffer;
	struct poll_counts counts = { 0 };
	/* frames moved in this run (playback: the prefill included), and
	 * the progress of the runs before it (an xrun starts a new run) */
	uint64_t moved = 0, done_before = 0, target, last_hw = 0;
	struct pollfd *pfds;
	unsigned short revents;
	void *scratch;
	snd_pcm_t *pcm;
	int nfds;

	while ((opt = getopt(argc, argv, "D:s:P:n:mb")) != -1) {
		switch (opt) {
		case 'D': dev = optarg; break;
		case 's':
			capture = !strcmp(optarg, "capture") ? 1 :
				  !strcmp(optarg, "playback") ? 0 : -1;
			break;
		case 'P': period = strtoul(optarg, NULL, 0); break;
		case 'n': seconds = atoi(optarg); break;
		case 'm': use_mmap = 1; break;
		case 'b': boundary_stop = 1; break;
		default: capture = -1; optind = argc; break;
		}
	}
	if (capture < 0 || !period || seconds <= 0) {
		fprintf(stderr, "usage: %s [-D dev] -s capture|playback -P period -n seconds [-m] [-b]\n",
			argv[0]);
		return 2;
	}
	err = snd_pcm_open(&pcm, dev, capture ? SND_PCM_STREAM_CAPTURE :
			   SND_PCM_STREAM_PLAYBACK, SND_PCM_NONBLOCK);
	if (err < 0) {
		fprintf(stderr, "open %s: %s\n", dev, snd_strerror(err));
		return 2;
	}
	if (set_up(pcm, use_mmap, boundary_stop, &period, &buffer) < 0)
		return 2;
	scratch = calloc(buffer, FRAME_BYTES);
	nfds = snd_pcm_poll_descriptors_count(pcm);
	pfds = calloc(nfds > 0 ? nfds : 1, sizeof(*pfds));
	if (!scratch || !pfds || nfds <= 0 ||
	    snd_pcm_poll_descriptors(pcm, pfds, nfds) != nfds) {
		fprintf(stderr, "no poll descriptors\n");
		return 2;
	}
	err = restart(pcm, capture, use_mmap, scratch, buffer);
	if (err < 0) {
		fprintf(stderr, "start: %s\n", snd_strerror(err));
		return 2;
	}
	target = (uint64_t)RATE * seconds;
	/* playback: the prefill is transferred, the position still at 0 */
	if (!capture)
		moved = buffer;

	while (done_before + (capture ? moved : moved - buffer) < target) {
		snd_pcm_sframes_t avail, n;
		uint64_t hw;

		n = poll(pfds, nfds, STALL_MS);
		if (n == 0) {
			fprintf(stderr, "stall: no wake-up for %d ms (state %s, %llu frames moved)\n",
				STALL_MS, snd_pcm_state_name(snd_pcm_state(pcm)),
				(unsigned long long)moved);
			return 1;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("poll");
			return 2;
		}
		err = snd_pcm_poll_descriptors_revents(pcm, pfds, nfds, &revents);
		if (err < 0) {
			fprintf(stderr, "revents: %s\n", snd_strerror(err));
			return 2;
		}
		avail = (revents & POLLERR) ? -EPIPE : snd_pcm_avail(pcm);
		if (avail == -EPIPE || avail == -ESTRPIPE) {
			counts.xruns++;
			err = restart(pcm, capture, use_mmap, scratch, buffer);
			if (err < 0) {
				fprintf(stderr, "restart: %s\n", snd_strerror(err));
				return 1;
			}
			/* a new run: its position starts from 0 */
			done_before += capture ? moved : moved - buffer;
			moved = capture ? 0 : buffer;
			last_hw = 0;
			continue;
		}
		if (avail < 0) {
			fprintf(stderr, "avail: %s\n", snd_strerror((int)avail));
			return 1;
		}
		if (!(revents & (capture ? POLLIN : POLLOUT))) {
			/* only the PCM is polled: something else woke it */
			fprintf(stderr, "poll woke with revents 0x%x (state %s)\n", revents,
				snd_pcm_state_name(snd_pcm_state(pcm)));
			return 1;
		}
		counts.wakeups++;
		if (avail > counts.most_avail)
			counts.most_avail = avail;
		if ((snd_pcm_uframes_t)avail < period) {
			if (!counts.short_wakeups)
				fprintf(stderr, "short wake-up %lu: avail %ld < avail_min %lu (%llu frames moved)\n",
					counts.wakeups, (long)avail, (unsigned long)period,
					(unsigned long long)moved);
			counts.short_wakeups++;
		}
		hw = capture ? moved + avail : moved - buffer + avail;
		if (hw < last_hw) {
			if (!counts.backward)
				fprintf(stderr, "position went back: %llu after %llu\n",
					(unsigned long long)hw, (unsigned long long)last_hw);
			counts.backward++;
		}
		last_hw = hw;
		while (avail > 0) {
			n = transfer(pcm, capture, use_mmap, scratch,
				     (snd_pcm_uframes_t)avail < buffer ? (snd_pcm_uframes_t)avail :
									 buffer);
			if (n == -EAGAIN)
				break;
			if (n < 0)
				break;	/* an xrun: the next poll reports it */
			moved += (uint64_t)n;
			avail -= n;
		}
	}
	snd_pcm_drop(pcm);
	snd_pcm_close(pcm);
	printf("%s %s period %lu buffer %lu%s: %lu wake-ups, %lu short, %lu backward, %lu xruns, most avail %ld\n",
	       capture ? "capture" : "playback", use_mmap ? "mmap" : "rw",
	       (unsigned long)period, (unsigned long)buffer,
	       boundary_stop ? " stop at boundary" : "", counts.wakeups,
	       counts.short_wakeups, counts.backward, counts.xruns,
	       (long)counts.most_avail);
	return counts.short_wakeups || counts.backward ? 1 : 0;
}
