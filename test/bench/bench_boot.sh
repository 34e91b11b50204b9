#!/usr/bin/env bash
# Boot benchmark: an s6box initramfs and a busybox-init initramfs booted the
# same way (Debian kernel, QEMU TCG, serial console) in the same run.
# Measured in guest time from the kernel's "Run /init as init process" line
# to "all services up" (an uptime marker printed once the demo service is
# supervised and its logger has written its line), and to "reboot: Power
# down". Also the compressed size of s6box + init tree + demo service.
# Usage: bench_boot.sh PATH-TO-s6box
set -euo pipefail
bin=$(readlink -f "${1:?usage: bench_boot.sh PATH-TO-s6box}")
here=$(cd "$(dirname "$0")" && pwd)
cache=$here/../qemu/cache
runs=${BOOT_BENCH_RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "## Boot (QEMU, TCG)"
echo
if ! command -v qemu-system-x86_64 >/dev/null || ! command -v busybox >/dev/null; then
  echo "skipped: qemu-system-x86_64 or busybox not installed"
  exit 0
fi
if [ ! -f "$cache/vmlinuz" ]; then
  mkdir -p "$cache/dl"
  pkg=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -1)
  (cd "$cache/dl" && { apt-get download "$pkg" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get download "$pkg" >/dev/null; }; } \
    && dpkg-deb -x ./*.deb x && mv x/boot/vmlinuz-* "$cache/vmlinuz" && mv x/boot/config-* "$cache/config")
  rm -rf "$cache/dl"
fi
kernel=$cache/vmlinuz
bb=$(command -v busybox)

# --- s6box image -----------------------------------------------------------
"$bin" init-maker -1 -b /bin/s6box "$work/tree"
mkdir -p "$work/tree/run-image/service/demo"
printf '#!/bin/sh\nwhile :; do echo "demo service running"; sleep 10; done\n' >"$work/tree/run-image/service/demo/run"
chmod 755 "$work/tree/run-image/service/demo/run"
cat >"$work/tree/scripts/rc.init" <<'RC'
#!/bin/sh
while ! s6-svok /run/service/demo || ! grep -q "demo service running" /run/uncaught-logs/current 2>/dev/null; do sleep 0.02; done
read up rest </proc/uptime
echo "BENCH up $up" >/dev/console
/sbin/poweroff
RC
chmod 755 "$work/tree/scripts/rc.init"
"$bin" initramfs -b "$bin" -o "$work/s6box-min.cpio.gz" -t "$work/tree"
mkdir -p "$work/ov/bin"
cp "$bb" "$work/ov/bin/busybox"
for n in sh sleep grep cat; do ln -s busybox "$work/ov/bin/$n"; done
"$bin" initramfs -b "$bin" -o "$work/s6box.cpio.gz" -t "$work/tree" -O "$work/ov"

# --- busybox-init image ----------------------------------------------------
mkdir -p "$work/bb/bin" "$work/bb/etc" "$work/bb/proc" "$work/bb/dev" "$work/bb/sys"
cp "$bb" "$work/bb/bin/busybox"
for n in sh sleep grep cat mount poweroff; do ln -s busybox "$work/bb/bin/$n"; done
ln -s bin/busybox "$work/bb/init"
cat >"$work/bb/etc/inittab" <<'TAB'
::sysinit:/bin/mount -t proc proc /proc
::sysinit:/bin/mount -t devtmpfs dev /dev
::respawn:/bin/sh -c 'while :; do echo "demo service running"; sleep 10; done'
::once:/bin/sh -c 'read up r </proc/uptime; echo "BENCH up $up" >/dev/console; poweroff'
TAB
(cd "$work/bb" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9 >"$work/busybox.cpio.gz")

boot() { # image → "up_seconds off_seconds" (guest time from /init start)
  local log=$work/console.txt
  timeout 300 qemu-system-x86_64 -nographic -no-reboot -m 256 -kernel "$kernel" -initrd "$1" \
    -append "console=ttyS0 panic=-1 loglevel=7" -monitor none -serial stdio >"$log" 2>&1 || true
  awk '
    function ts(line) { sub(/^[^[]*\[ */, "", line); sub(/\].*/, "", line); return line + 0 }
    /Run \/init as init process/ { start = ts($0) }
    /BENCH up/ { for (i = 1; i <= NF; i++) if ($i == "up") up = $(i+1) + 0 }
    /reboot: Power down/ { off = ts($0) }
    END { if (start == "" || up == "" || off == "") print "NA NA"; else printf "%.3f %.3f\n", up - start, off - start }
  ' "$log"
  if [ -n "${BOOT_BENCH_KEEP:-}" ]; then cp "$log" "$BOOT_BENCH_KEEP"; fi
}

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR == 0 || a[1] == "NA") print "NA"; else print a[int((NR + 1) / 2)] }'; }

declare -A up off
for img in s6box busybox; do
  ups=() offs=()
  for _ in $(seq "$runs"); do
    read -r u o < <(boot "$work/$img.cpio.gz")
    ups+=("$u") offs+=("$o")
  done
  up[$img]=$(printf '%s\n' "${ups[@]}" | median)
  off[$img]=$(printf '%s\n' "${offs[@]}" | median)
done

size_min=$(stat -c %s "$work/s6box-min.cpio.gz")
size_bb=$(stat -c %s "$work/s6box.cpio.gz")
size_busybox=$(stat -c %s "$work/busybox.cpio.gz")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "NA" || b == "NA" || b == 0) print "NA"; else printf "%.2f", a / b }'; }

echo "Guest seconds from the kernel starting /init (median of $runs boots each, TCG, 256 MiB):"
echo
echo "| init | /init → all services up (s) | /init → power down (s) | image (gzip) |"
echo "|---|---|---|---|"
echo "| s6box init + svscan + log (demo service + catch-all logger) | ${up[s6box]} | ${off[s6box]} | $size_bb B (with busybox for sh) |"
echo "| busybox init (respawn demo, inittab) | ${up[busybox]} | ${off[busybox]} | $size_busybox B |"
echo "| ratio s6box / busybox | $(ratio "${up[s6box]}" "${up[busybox]}") | $(ratio "${off[s6box]}" "${off[busybox]}") | |"
echo
limit=$((3 * 1024 * 1024))
if [ "$size_min" -le "$limit" ]; then met=met; else met="NOT met"; fi
echo "Target: s6box binary + init tree + demo service image ≤ 3 MiB compressed: $size_min bytes — $met. (busybox-init does no supervision, no readiness check and no logging; its poweroff waits fixed delays, s6box's grace period ends as soon as every process is gone.)"
