// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * xsf-slice - find audio data in a recording of a sound device.
 *
 *   xsf-slice [-g MAXGAPS] RECORDING DATA
 *   xsf-slice -o [-r MAXREPLAYS] RECORDING DATA
 *   xsf-slice -p SOURCE RECORDING
 *   xsf-slice -G SEED OCTETS
 *   xsf-slice -H OCTETS RATE CHANNELS
 *
 * A recording taken from a loopback device holds silence (zero octets),
 * then what was played, then silence again.  xsf-slice finds DATA in
 * RECORDING: it must appear whole and in order.  With -g, up to MAXGAPS
 * runs of at least 16 zero octets may interrupt it (a paused stream, or a
 * recording that started before the data), as long as no octet of DATA
 * is lost or changed.  DATA must not start with a zero octet.
 *
 * Prints "found at OFFSET, GAPS gaps" and exits 0, or says where the
 * comparison failed and exits 1 (2 for usage or I/O errors).
 *
 * -o is for streams that may have lost data (an xrun drops what the
 * backend held): every piece of sound in RECORDING must be a piece of DATA
 * that comes after the previous one.  Data may be missing; nothing may be
 * played twice, out of order, or be foreign, until the end of DATA has
 * arrived (what follows it is counted, not checked: snd-aloop repeats
 * part of its buffer when its playback side stops, whatever the driver).
 * With -r, up to MAXREPLAYS pieces of older data are let pass and
 * counted: snd-aloop's capture side copies its playback ring at the
 * ring's pace, and when its player underruns (snd_be's device), what
 * it copies past the written data is the ring's old content.
 * Prints how much of DATA arrived and how much was skipped, and where the
 * first skips are (at the end of DATA, or in place of a run of silence),
 * and exits 0, or says where the order broke and exits 1.
 *
 * -p checks the other direction, for a recording of a long SOURCE that
 * was playing already: RECORDING, without the silence at its start and
 * end, must be one unbroken piece of SOURCE.
 *
 * -G writes OCTETS pseudo-random octets made from SEED to standard output
 * (the first one never zero), so that two domains can make the same test
 * data without copying it.
 *
 * -H writes the 44-octet header of a WAV file holding OCTETS octets of
 * 16-bit PCM at RATE with CHANNELS, for players that read only files
 * with a header (pw-play).  A RECORDING, DATA or SOURCE whose name ends
 * in ".wav" is read without its header: only its "data" chunk counts.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MIN_GAP 16

static unsigned char *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f) {
		perror(path);
		return NULL;
	}
	for (;;) {
		if (n == cap) {
			unsigned char *bigger;

			cap = cap ? cap * 2 : 1 << 20;
			bigger = realloc(buf, cap);
			if (!bigger) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = bigger;
		}
		got = fread(buf + n, 1, cap - n, f);
		if (!got)
			break;
		n += got;
	}
	fclose(f);
	*size = n;
	return buf;
}

/*
 * The "data" chunk of the RIFF/WAVE file in @buf (@size octets): moved to
 * the start of @buf, its length in *@size.  Returns 0, or -1 when @buf is
 * not a WAV file with a data chunk.
 */
static int wav_data(unsigned char *buf, size_t *size)
{
	size_t pos = 12, len;

	if (*size < 12 || memcmp(buf, "RIFF", 4) || memcmp(buf + 8, "WAVE", 4))
		return -1;
	while (pos + 8 <= *size) {
		len = buf[pos + 4] | buf[pos + 5] << 8 | buf[pos + 6] << 16 |
		      (size_t)buf[pos + 7] << 24;
		if (!memcmp(buf + pos, "data", 4)) {
			pos += 8;
			/* a recording stopped early may not have its size */
			if (len > *size - pos)
				len = *size - pos;
			memmove(buf, buf + pos, len);
			*size = len;
			return 0;
		}
		pos += 8 + len + (len & 1);
	}
	return -1;
}

/* slurp(), without the header of a file named *.wav */
static unsigned char *load(const char *path, size_t *size)
{
	unsigned char *buf = slurp(path, size);
	size_t n = strlen(path);

	if (buf && n > 4 && !strcmp(path + n - 4, ".wav") && wav_data(buf, size)) {
		fprintf(stderr, "%s: not a WAV file with a data chunk\n", path);
		free(buf);
		return NULL;
	}
	return buf;
}

static void put_le(unsigned char *p, unsigned long v, int octets)
{
	for (int i = 0; i < octets; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static int wav_header(unsigned long octets, unsigned long rate, unsigned long channels)
{
	unsigned char h[44];

	memcpy(h, "RIFF", 4);
	put_le(h + 4, 36 + octets, 4);
	memcpy(h + 8, "WAVEfmt ", 8);
	put_le(h + 16, 16, 4);
	put_le(h + 20, 1, 2);			/* PCM */
	put_le(h + 22, channels, 2);
	put_le(h + 24, rate, 4);
	put_le(h + 28, rate * channels * 2, 4);	/* octets per second */
	put_le(h + 32, channels * 2, 2);	/* octets per frame */
	put_le(h + 34, 16, 2);
	memcpy(h + 36, "data", 4);
	put_le(h + 40, octets, 4);
	return fwrite(h, 1, sizeof(h), stdout) == sizeof(h) && !fflush(stdout) ? 0 : 2;
}

/* Length of the run of zero octets at @p, at most @max. */
static size_t zero_run(const unsigned char *p, size_t max)
{
	size_t n = 0;

	while (n < max && !p[n])
		n++;
	return n;
}

static int generate(unsigned long long seed, size_t len)
{
	unsigned long long x = seed * 0x9e3779b97f4a7c15ULL + 1;
	unsigned char buf[4096];
	size_t i, n;

	for (i = 0; i < len; i += n) {
		n = len - i < sizeof(buf) ? len - i : sizeof(buf);
		for (size_t k = 0; k < n; k++) {
			x ^= x >> 12;
			x ^= x << 25;
			x ^= x >> 27;
			buf[k] = (unsigned char)((x * 0x2545f4914f6cdd1dULL) >> 56);
		}
		if (i == 0 && !buf[0])
			buf[0] = 'X';
		if (fwrite(buf, 1, n, stdout) != n)
			return 2;
	}
	return fflush(stdout) ? 2 : 0;
}

static int find_piece(const char *src_path, const char *rec_path)
{
	unsigned char *src, *rec, *at;
	size_t src_len, rec_len, start, end;

	src = load(src_path, &src_len);
	rec = load(rec_path, &rec_len);
	if (!src || !rec)
		return 2;
	start = zero_run(rec, rec_len);
	end = rec_len;
	while (end > start && !rec[end - 1])
		end--;
	if (end - start < 64) {
		printf("the recording (%zu octets) holds only %zu octets of sound\n",
		       rec_len, end - start);
		return 1;
	}
	at = memmem(src, src_len, rec + start, 64);
	if (!at) {
		printf("the start of the recording (offset %zu) is not in the source\n", start);
		return 1;
	}
	if ((size_t)(at - src) + (end - start) > src_len) {
		printf("the recording runs past the end of the source\n");
		return 1;
	}
	for (size_t i = 0; i < end - start; i++) {
		if (at[i] != rec[start + i]) {
			printf("the recording differs from the source at its octet %zu (source offset %zu)\n",
			       start + i, (size_t)(at - src) + i);
			return 1;
		}
	}
	printf("%zu octets found at source offset %zu (%zu silent octets before, %zu after)\n",
	       end - start, (size_t)(at - src), start, rec_len - end);
	return 0;
}

/* Skips whose place -o prints. */
#define MAX_SKIPS_SHOWN 4

/* Octets from which a piece of the recording is looked up in the data. */
#define KEY_LEN 32

/*
 * -o: RECORDING (@rec, @rec_len) is DATA (@data, @data_len) with pieces
 * left out and silence in between, in order.
 */
static int check_order(const unsigned char *rec, size_t rec_len,
		       const unsigned char *data, size_t data_len,
		       unsigned int max_replays)
{
	size_t r = 0, next = 0, found = 0, lost = 0, key, len;
	unsigned int pieces = 0, skips = 0, gaps = 0, replays = 0;
	size_t skip_at[MAX_SKIPS_SHOWN], skip_len[MAX_SKIPS_SHOWN];
	size_t skip_gap[MAX_SKIPS_SHOWN], gap_before = 0;
	const unsigned char *at;
	unsigned int i;

	while (r < rec_len && next < data_len) {
		len = zero_run(rec + r, rec_len - r);
		if (len >= MIN_GAP || r + len == rec_len) {
			if (pieces && r + len < rec_len)
				gaps++;
			r += len;
			gap_before = len;
			continue;
		}
		key = rec_len - r < KEY_LEN ? rec_len - r : KEY_LEN;
		at = next < data_len ? memmem(data + next, data_len - next, rec + r, key) : NULL;
		if (!at) {
			at = memmem(data, data_len, rec + r, key);
			if (at && replays < max_replays) {
				/* an old piece again: skip it, counted */
				for (len = 0; r + len < rec_len && at + len < data + next &&
				     rec[r + len] == at[len]; len++)
					;
				r += len;
				replays++;
				gap_before = 0;
				continue;
			}
			if (at)
				printf("recording offset %zu plays data offset %zu again (the data had reached %zu): played twice or stale\n",
				       r, (size_t)(at - data), next);
			else
				printf("recording offset %zu holds octets that are not in the data after offset %zu\n",
				       r, next);
			return 1;
		}
		if ((size_t)(at - data) > next) {
			if (skips < MAX_SKIPS_SHOWN) {
				skip_at[skips] = next;
				skip_len[skips] = (size_t)(at - data) - next;
				skip_gap[skips] = pieces ? gap_before : 0;
			}
			lost += (size_t)(at - data) - next;
			skips++;
		}
		next = (size_t)(at - data);
		for (len = 0; r + len < rec_len && next + len < data_len &&
		     rec[r + len] == data[next + len]; len++)
			;
		r += len;
		next += len;
		found += len;
		pieces++;
		gap_before = 0;
	}
	if (!pieces) {
		printf("the recording (%zu octets) is silence only\n", rec_len);
		return 1;
	}
	if (next < data_len) {
		if (skips < MAX_SKIPS_SHOWN) {
			skip_at[skips] = next;
			skip_len[skips] = data_len - next;
			skip_gap[skips] = 0;
		}
		lost += data_len - next;
		skips++;
	}
	/* after the whole data, a backend's device may replay its buffer */
	for (len = 0; r < rec_len; r++)
		len += rec[r] != 0;
	printf("in order: %zu of %zu octets in %u pieces, %u gaps, %zu octets lost in %u skips, %u old pieces again, %zu octets of sound after the end",
	       found, data_len, pieces, gaps, lost, skips, replays, len);
	/* where: a skip at the end (the last octets never came) is not one
	 * in the middle (the stream jumped ahead)
	 */
	for (i = 0; i < skips && i < MAX_SKIPS_SHOWN; i++) {
		printf("%s %zu at data offset %zu", i ? "," : "; lost:", skip_len[i], skip_at[i]);
		if (skip_at[i] + skip_len[i] == data_len)
			printf(" (its end)");
		else if (skip_gap[i])
			printf(" (in place of %zu octets of silence)", skip_gap[i]);
	}
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	unsigned char *rec, *data;
	size_t rec_len, data_len, i, j, start, run, zeros;
	unsigned int gaps = 0, max_gaps = 0, max_replays = 0;
	int c, in_order = 0;

	while ((c = getopt(argc, argv, "g:or:pGH")) != -1) {
		switch (c) {
		case 'g':
			max_gaps = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'o':
			in_order = 1;
			break;
		case 'r':
			max_replays = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'p':
			if (argc - optind != 2)
				goto usage;
			return find_piece(argv[optind], argv[optind + 1]);
		case 'G':
			if (argc - optind != 2)
				goto usage;
			return generate(strtoull(argv[optind], NULL, 0),
					strtoul(argv[optind + 1], NULL, 0));
		case 'H':
			if (argc - optind != 3)
				goto usage;
			return wav_header(strtoul(argv[optind], NULL, 0),
					  strtoul(argv[optind + 1], NULL, 0),
					  strtoul(argv[optind + 2], NULL, 0));
		default:
			goto usage;
		}
	}
	if (argc - optind != 2) {
usage:
		fprintf(stderr, "usage: %s [-g MAXGAPS | -o [-r MAXREPLAYS]] RECORDING DATA | -p SOURCE RECORDING | -G SEED OCTETS | -H OCTETS RATE CHANNELS\n",
			argv[0]);
		return 2;
	}
	rec = load(argv[optind], &rec_len);
	data = load(argv[optind + 1], &data_len);
	if (!rec || !data)
		return 2;
	if (!data_len || !data[0]) {
		fprintf(stderr, "DATA must be non-empty and start with a non-zero octet\n");
		return 2;
	}
	if (in_order)
		return check_order(rec, rec_len, data, data_len, max_replays);

	/* The data starts at the first octet of the recording that is not silence. */
	start = zero_run(rec, rec_len);
	if (start == rec_len) {
		printf("the recording (%zu octets) is silence only\n", rec_len);
		return 1;
	}
	for (i = 0, j = start; i < data_len; i++, j++) {
		if (j < rec_len && rec[j] == data[i])
			continue;
		if (j >= rec_len) {
			printf("the recording ends after %zu of %zu octets of the data\n", i, data_len);
			return 1;
		}
		/*
		 * A mismatch on silence may be a gap.  Zero octets of the data
		 * just before it may have matched zeros of the gap: undo
		 * those, skip the whole run, then let the data's own zeros
		 * take the end of it.
		 */
		while (i > 0 && j > start && !data[i - 1] && !rec[j - 1]) {
			i--;
			j--;
		}
		run = zero_run(rec + j, rec_len - j);
		zeros = zero_run(data + i, data_len - i);
		if (!rec[j] && run >= MIN_GAP + zeros && gaps == max_gaps) {
			printf("%zu octets of silence interrupt the data at octet %zu of %zu (recording offset %zu; %u gaps allowed)\n",
			       run - zeros, i, data_len, j, max_gaps);
			return 1;
		}
		if (rec[j] || run < MIN_GAP + zeros) {
			printf("data differs at octet %zu of %zu (recording offset %zu: got %u, want %u; %u gaps so far)\n",
			       i, data_len, j, rec[j], data[i], gaps);
			return 1;
		}
		gaps++;
		/* The data's zeros are the last octets of the run. */
		j += run;
		i += zeros;
		if (i == data_len)
			break;
		if (j >= rec_len || rec[j] != data[i]) {
			printf("data differs after a gap at octet %zu of %zu (recording offset %zu)\n",
			       i, data_len, j);
			return 1;
		}
	}
	printf("found at %zu, %u gaps\n", start, gaps);
	return 0;
}
