// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * xsf-pcm-play - play a raw file through an ALSA PCM, optionally with
 * mmap access and with a pause/resume in the middle. Used by the
 * end-to-end tests in the guest, where aplay cannot pause without a
 * terminal.
 *
 *   xsf-pcm-play -D hw:0,0 -f S16_LE -r 48000 -c 2 [-m] [-p BYTES:MS] FILE
 *
 * -t and -q are accepted and ignored (the file is always raw).
 *
 * -p: after BYTES octets have been written, pause the stream for MS
 *     milliseconds, check that the hardware pointer did not move while
 *     paused, then resume. Exit status 0 on success.
 */
#include <alsa/asoundlib.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	const char *dev = "hw:0,0";
	snd_pcm_format_t fmt = SND_PCM_FORMAT_S16_LE;
	unsigned int rate = 48000, channels = 2;
	long pause_at = -1, pause_ms = 0;
	int use_mmap = 0, c, err, fd;
	snd_pcm_t *pcm;
	struct stat st;
	unsigned char *data;
	size_t size, done = 0, frame;
	int paused_done = 0;

	while ((c = getopt(argc, argv, "D:f:r:c:mp:t:q")) != -1) {
		switch (c) {
		case 'D': dev = optarg; break;
		case 'f':
			fmt = snd_pcm_format_value(optarg);
			if (fmt == SND_PCM_FORMAT_UNKNOWN) {
				fprintf(stderr, "bad format %s\n", optarg);
				return 2;
			}
			break;
		case 'r': rate = (unsigned int)atoi(optarg); break;
		case 'c': channels = (unsigned int)atoi(optarg); break;
		case 'm': use_mmap = 1; break;
		case 't': case 'q': break;	/* aplay compatibility: raw only, quiet */
		case 'p':
			if (sscanf(optarg, "%ld:%ld", &pause_at, &pause_ms) != 2) {
				fprintf(stderr, "bad -p %s\n", optarg);
				return 2;
			}
			break;
		default:
			fprintf(stderr, "usage: %s [-D dev] [-f fmt] [-r rate] [-c ch] [-m] [-p bytes:ms] file\n",
				argv[0]);
			return 2;
		}
	}
	if (optind >= argc)
		return 2;
	fd = open(argv[optind], O_RDONLY);
	if (fd < 0 || fstat(fd, &st)) {
		perror(argv[optind]);
		return 2;
	}
	size = (size_t)st.st_size;
	data = malloc(size ? size : 1);
	if (!data || read(fd, data, size) != (ssize_t)size) {
		perror("read");
		return 2;
	}
	close(fd);
	frame = (size_t)snd_pcm_format_physical_width(fmt) / 8 * channels;

	err = snd_pcm_open(&pcm, dev, SND_PCM_STREAM_PLAYBACK, 0);
	if (err < 0) {
		fprintf(stderr, "open %s: %s\n", dev, snd_strerror(err));
		return 1;
	}
	err = snd_pcm_set_params(pcm, fmt,
				 use_mmap ? SND_PCM_ACCESS_MMAP_INTERLEAVED :
					    SND_PCM_ACCESS_RW_INTERLEAVED,
				 channels, rate, 0, 500000);
	if (err < 0) {
		fprintf(stderr, "set_params: %s\n", snd_strerror(err));
		return 1;
	}

	while (done < size) {
		snd_pcm_uframes_t frames = (size - done) / frame;
		snd_pcm_sframes_t n;

		if (frames > 1024)
			frames = 1024;
		if (pause_at >= 0 && !paused_done && done + frames * frame > (size_t)pause_at &&
		    done < (size_t)pause_at)
			frames = ((size_t)pause_at - done) / frame;
		if (frames == 0)
			frames = 1;
		n = use_mmap ? snd_pcm_mmap_writei(pcm, data + done, frames) :
			       snd_pcm_writei(pcm, data + done, frames);
		if (n == -EAGAIN)
			continue;
		if (n < 0) {
			fprintf(stderr, "write: %s\n", snd_strerror((int)n));
			n = snd_pcm_recover(pcm, (int)n, 0);
			if (n < 0) {
				fprintf(stderr, "recover: %s\n", snd_strerror((int)n));
				return 1;
			}
			continue;
		}
		done += (size_t)n * frame;
		if (pause_at >= 0 && !paused_done && done >= (size_t)pause_at) {
			snd_pcm_sframes_t d1 = 0, d2 = 0;

			paused_done = 1;
			if (snd_pcm_state(pcm) != SND_PCM_STATE_RUNNING) {
				/* playback starts when the buffer is full */
				err = snd_pcm_start(pcm);
				if (err < 0)
					fprintf(stderr, "start: %s\n", snd_strerror(err));
			}
			err = snd_pcm_pause(pcm, 1);
			if (err < 0) {
				fprintf(stderr, "pause: %s (state %s)\n", snd_strerror(err),
					snd_pcm_state_name(snd_pcm_state(pcm)));
				return 1;
			}
			if (snd_pcm_state(pcm) != SND_PCM_STATE_PAUSED) {
				fprintf(stderr, "state after pause: %s\n",
					snd_pcm_state_name(snd_pcm_state(pcm)));
				return 1;
			}
			snd_pcm_delay(pcm, &d1);
			sleep_ms(pause_ms);
			snd_pcm_delay(pcm, &d2);
			if (d1 != d2) {
				fprintf(stderr, "position moved while paused: delay %ld -> %ld\n",
					(long)d1, (long)d2);
				return 1;
			}
			err = snd_pcm_pause(pcm, 0);
			if (err < 0) {
				fprintf(stderr, "resume: %s\n", snd_strerror(err));
				return 1;
			}
			printf("paused at %zu bytes for %ld ms, delay %ld frames\n", done,
			       pause_ms, (long)d1);
		}
	}
	err = snd_pcm_drain(pcm);
	if (err < 0) {
		fprintf(stderr, "drain: %s\n", snd_strerror(err));
		return 1;
	}
	snd_pcm_close(pcm);
	printf("played %zu bytes%s\n", done, use_mmap ? " (mmap)" : "");
	return 0;
}
