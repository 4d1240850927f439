#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# checkpatch.sh: checkpatch.pl --strict on every C source and header of
# the driver and its KUnit suites, using the script from Debian's
# linux-source-6.12 (see kernel-source.sh).  Prints one line per file with
# findings and exits non-zero if there are any.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
tree=$("$top/scripts/kernel-source.sh")
cd "$top"

files=$(git ls-files 'src/*.c' 'include/*.h' 'kunit/*.c' 'kunit/*.h' 2>/dev/null ||
	ls src/*.c include/*.h kunit/*.c kunit/*.h)
bad=0
total=0
for f in $files; do
	total=$((total + 1))
	# CAMELCASE: ALSA's and Xen's own identifiers (XenbusState*) are not ours.
	if ! out=$("$tree/scripts/checkpatch.pl" --strict --no-tree --terse \
		--show-types --ignore CAMELCASE,FILE_PATH_CHANGES,SPDX_LICENSE_TAG \
		-f "$f" 2>&1); then
		bad=$((bad + 1))
		echo "$out" | grep -v '^total:' || true
	fi
done
echo "checkpatch --strict: $total files, $bad with findings"
[ "$bad" -eq 0 ]
