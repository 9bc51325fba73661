#!/bin/sh
# Installs what the Fathom sandbox (io.fathom.sandbox) needs on a Debian/Ubuntu machine.
# Idempotent: installs or creates only what is missing, prints what it did. Run as root.
#
#   sudo sandbox/setup.sh            # or: FATHOM_SANDBOX_ROOT=/srv/sandboxes sandbox/setup.sh
#
# Needs: bubblewrap (bwrap), util-linux prlimit + setpriv, libseccomp2 (loaded through Java FFM),
# python3 (the python tool), an unprivileged system user 'fathom-sandbox', unprivileged user
# namespaces (bwrap runs unprivileged), and the cgroup v1 memory, pids, cpu (+ freezer) controllers.
# The Java side checks the same list (io.fathom.sandbox.SandboxSetup) and refuses to start without it.
set -eu

SANDBOX_USER="${FATHOM_SANDBOX_USER:-fathom-sandbox}"
SANDBOX_ROOT="${FATHOM_SANDBOX_ROOT:-/var/lib/fathom-sandbox}"
CGROUP_ROOT=/sys/fs/cgroup

say() { echo "sandbox setup: $*"; }
warn() { echo "sandbox setup: WARNING: $*" >&2; }

if [ "$(id -u)" != 0 ]; then
  echo "sandbox setup: must run as root (it installs packages, creates a user, mounts cgroups)" >&2
  exit 1
fi

# --- packages -----------------------------------------------------------------------------------
pkgs=""
[ -x /usr/bin/bwrap ] || pkgs="$pkgs bubblewrap"
[ -x /usr/bin/prlimit ] || pkgs="$pkgs util-linux"
if [ ! -x /usr/bin/setpriv ]; then
  # util-linux ships setpriv up to Debian 12; later releases split it into its own package
  if apt-cache show setpriv >/dev/null 2>&1; then pkgs="$pkgs setpriv"; else pkgs="$pkgs util-linux"; fi
fi
ldconfig -p 2>/dev/null | grep -q 'libseccomp\.so\.2 ' || pkgs="$pkgs libseccomp2"
[ -x /usr/bin/python3 ] || pkgs="$pkgs python3"
if [ -n "$pkgs" ]; then
  say "installing:$pkgs"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkgs
else
  say "packages present (bubblewrap, util-linux prlimit/setpriv, libseccomp2, python3)"
fi

# --- the unprivileged user ------------------------------------------------------------------------
if getent passwd "$SANDBOX_USER" >/dev/null; then
  say "user $SANDBOX_USER present (uid $(id -u "$SANDBOX_USER"))"
else
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$SANDBOX_USER"
  say "created system user $SANDBOX_USER (uid $(id -u "$SANDBOX_USER"))"
fi

# --- unprivileged user namespaces (bwrap runs as the sandbox user, not setuid) --------------------
if [ -e /proc/sys/kernel/unprivileged_userns_clone ] && [ "$(cat /proc/sys/kernel/unprivileged_userns_clone)" = 0 ]; then
  sysctl -qw kernel.unprivileged_userns_clone=1 && say "enabled kernel.unprivileged_userns_clone"
fi
if [ "$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 1)" = 0 ]; then
  sysctl -qw user.max_user_namespaces=65536 && say "set user.max_user_namespaces=65536"
fi
if [ -e /proc/sys/kernel/apparmor_restrict_unprivileged_userns ] && \
   [ "$(cat /proc/sys/kernel/apparmor_restrict_unprivileged_userns)" = 1 ]; then
  sysctl -qw kernel.apparmor_restrict_unprivileged_userns=0 && \
    say "disabled kernel.apparmor_restrict_unprivileged_userns (Ubuntu 24.04+)"
fi

# --- cgroup v1 controllers ----------------------------------------------------------------------
for c in memory pids cpu freezer; do
  if [ -e "$CGROUP_ROOT/$c/cgroup.procs" ]; then
    continue
  fi
  if ! grep -q "^$c[[:space:]]" /proc/cgroups; then
    warn "the kernel has no $c cgroup controller"
    continue
  fi
  if [ ! -d "$CGROUP_ROOT/$c" ] && [ -w "$CGROUP_ROOT" ]; then
    mkdir -p "$CGROUP_ROOT/$c" 2>/dev/null || true
  fi
  if mount -t cgroup -o "$c" cgroup "$CGROUP_ROOT/$c" 2>/dev/null; then
    say "mounted cgroup v1 $c at $CGROUP_ROOT/$c"
  elif [ "$c" = freezer ]; then
    warn "cannot mount cgroup v1 freezer (kills at the deadline fall back to kill rounds)"
  else
    warn "cannot mount cgroup v1 $c at $CGROUP_ROOT/$c: it is probably bound to cgroup v2;" \
         "boot with systemd.unified_cgroup_hierarchy=0 (sandboxes will refuse to start without it)"
  fi
done

# --- the sandbox root -----------------------------------------------------------------------------
mkdir -p "$SANDBOX_ROOT"
chmod 0711 "$SANDBOX_ROOT"
say "sandbox root $SANDBOX_ROOT (mode 0711; every ancestor must be o+x)"
d=$(dirname "$SANDBOX_ROOT")
while [ "$d" != / ]; do
  if [ -n "$(find "$d" -maxdepth 0 ! -perm -o+x)" ]; then
    warn "$d is not searchable by $SANDBOX_USER: chmod o+x $d or pick another FATHOM_SANDBOX_ROOT"
  fi
  d=$(dirname "$d")
done
say "done"
