#!/usr/bin/env bash
# Installs Handbill's .deb on a fresh Debian 12 and launches it from its menu entry.
#
#   tests/package/check-deb.sh PATH/TO/handbill_*.deb      (as root; make deb-check)
#
# A minimal Debian 12 ("bookworm") is made with debootstrap in target/deb-check/
# (kept between runs: only the first takes minutes), then, inside it:
#  1. `apt install ./handbill_*.deb` — apt must find every dependency itself;
#  2. the package's files: the binary on the PATH, the desktop entry (checked by
#     desktop-file-validate), the icon in the hicolor theme;
#  3. `handbill --version`;
#  4. the menu entry launched as a desktop does (`gtk-launch`), under Xvfb: a window
#     titled Handbill must appear; a screenshot is saved beside the chroot.
# The chroot is a copy, so every run installs on a system that never had Handbill.
set -euo pipefail
deb=$(realpath "${1:?usage: check-deb.sh PATH/TO/handbill_VERSION_amd64.deb}")
[ "$(id -u)" = 0 ] || { echo "check-deb.sh needs root (debootstrap and chroot)"; exit 1; }
cd "$(dirname "$0")/../.."
work=$PWD/target/deb-check
base=$work/bookworm
root=$work/root
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$work"

for tool in debootstrap desktop-file-validate; do
  command -v "$tool" >/dev/null || { echo "Installing $tool"; apt-get install -y -qq "${tool/desktop-file-validate/desktop-file-utils}" >/dev/null; }
done

if [ ! -x "$base/usr/bin/apt-get" ]; then
  echo "== Making a fresh Debian 12 with debootstrap (once)"
  rm -rf "$base"
  debootstrap --variant=minbase bookworm "$base" "$mirror" >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log"; exit 1; }
fi

cleanup() {
  [ -n "${mark:-}" ] && end_marked
  for m in dev/pts dev proc sys; do umount -l "$root/$m" 2>/dev/null || true; done
}
trap cleanup EXIT
cleanup
rm -rf "$root"
cp -a "$base" "$root"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/"
name=$(basename "$deb")
# Every process started in the chroot carries this mark, so the check ends only
# its own: the chroot shares the machine's processes, and a `pkill handbill`
# would also end any Handbill running outside it.
mark="HANDBILL_DEB_CHECK=$$"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$mark" "$@"; }
end_marked() {
  local p
  for p in $(pgrep -x handbill || true); do
    tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | grep -qx "$mark" && kill "$p" 2>/dev/null || true
  done
}

echo "== apt install ./$name on the fresh system"
in_root apt-get update -qq
in_root apt-get install -y -qq --no-install-recommends "/tmp/$name" >"$work/apt.log" 2>&1 || { tail -30 "$work/apt.log"; echo "FAIL: apt could not install the package"; exit 1; }
in_root dpkg -s handbill | grep -E '^(Package|Version|Status|Depends):'

echo "== Its files"
in_root sh -c 'command -v handbill' | grep -qx /usr/bin/handbill || { echo "FAIL: handbill is not on the PATH"; exit 1; }
desktop=$(in_root dpkg -L handbill | grep '^/usr/share/applications/.*\.desktop$')
[ -n "$desktop" ] || { echo "FAIL: no desktop entry"; exit 1; }
desktop-file-validate "$root$desktop" && echo "desktop entry $desktop is valid"
grep -qx 'Exec=handbill' "$root$desktop" || { echo "FAIL: the menu entry does not start handbill"; exit 1; }
icon=$(awk -F= '$1 == "Icon" {print $2}' "$root$desktop")
in_root dpkg -L handbill | grep -q "/usr/share/icons/hicolor/.*/apps/$icon.png" || { echo "FAIL: the icon $icon is not in the hicolor theme"; exit 1; }
echo "icon $icon installed in: $(in_root dpkg -L handbill | grep -c "/apps/$icon.png") sizes"

echo "== handbill --version"
version=$(in_root handbill --version)
echo "$version"
[[ "$version" == "handbill $(in_root dpkg-query -W -f='${Version}' handbill)" ]] || { echo "FAIL: --version does not match the package"; exit 1; }

echo "== Launched from the menu entry under Xvfb"
in_root apt-get install -y -qq --no-install-recommends xvfb xauth x11-utils libgtk-3-bin imagemagick >"$work/apt-x.log" 2>&1 || { tail -20 "$work/apt-x.log"; exit 1; }
entry=$(basename "$desktop" .desktop)
in_root sh -c "
  mkdir -p /root/.local/share
  xvfb-run -a -s '-screen 0 1280x860x24' sh -c '
    gtk-launch $entry
    for i in \$(seq 60); do
      if xwininfo -root -tree | grep -q \"\\\"Handbill\\\"\"; then break; fi
      sleep 1
    done
    xwininfo -root -tree | grep \"\\\"Handbill\\\"\" || { echo \"FAIL: no Handbill window appeared\"; exit 1; }
    sleep 4
    import -window root /tmp/handbill-from-menu.png
  '
"
end_marked
cp "$root/tmp/handbill-from-menu.png" "$work/handbill-from-menu.png"
echo "check-deb: $name installs on a fresh Debian 12 with apt, runs, and opens its window from the menu entry (screenshot: target/deb-check/handbill-from-menu.png)"
