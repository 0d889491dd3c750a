#!/usr/bin/env bash
# vm-test.sh PKG... [-- TEST-FLAGS...]
# Runs the tests of Go packages as root inside the pure cgroup v2 guest of
# shared/vm (run.sh): builds one static test binary per package on the host
# (CGO_ENABLED=0 go test -c), packs them with each package's testdata/ into a
# payload, boots the guest and runs each binary with -test.v in its package's
# folder, as `go test` would. Prints PASS/FAIL per package and exits non-zero
# if any failed or the guest did not report.
#
#   scripts/vm-test.sh ./cgroup/ ./sandbox/ -- -test.run 'Kill|OOM' -test.count=1
#
# By default the guest runs twice: with the payload in a leaf cgroup that has
# processes (payload.service, like a systemd service: enabling controllers for
# children fails with EBUSY) and in the root cgroup (VM_APPEND=vm.cgroup=root).
# Env: VM_TEST_CGROUPS="service root" (which runs), VM_DIR (default: ../shared/vm
# beside the checkout, else /work/shared/vm), and run.sh's VM_* settings (VM_OUT is
# where the kernel is cached; each run boots from a private copy of it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
vm=${VM_DIR:-}
if [ -z "$vm" ]; then
	for d in "$root/../shared/vm" /work/shared/vm; do [ -x "$d/run.sh" ] && { vm=$(cd "$d" && pwd); break; }; done
fi
[ -n "$vm" ] && [ -x "$vm/run.sh" ] || { echo "vm-test: no shared/vm/run.sh found (set VM_DIR)" >&2; exit 2; }

pkgs=(); flags=()
while [ $# -gt 0 ]; do
	if [ "$1" = -- ]; then shift; flags=("$@"); break; fi
	pkgs+=("$1"); shift
done
[ ${#pkgs[@]} -gt 0 ] || { echo "usage: vm-test.sh PKG... [-- TEST-FLAGS...]" >&2; exit 2; }

# The kernel and base image are built once in the shared VM_OUT (run.sh's default); each
# run then boots from a private copy, so that runs at once (other packages, other
# sessions) never share a payload, initramfs or console log.
shared=${VM_OUT:-${TMPDIR:-/tmp}/lockbox-vm}
work=$(mktemp -d "${TMPDIR:-/tmp}/lockbox-vm-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
payload=$work/payload; mkdir "$payload"
VM_OUT=$shared "$vm/build.sh" >&2
mkdir "$work/out"
for f in vmlinux base.cpio kernel.want modules.want kernel.txt; do cp -p "$shared/$f" "$work/out/"; done
export VM_OUT=$work/out
runner=$payload/run-tests.sh
{
	echo 'failed=0'
	echo 'echo "vm-test: kernel $(uname -r), cgroup $(cat /proc/self/cgroup)"'
} > "$runner"
# Quote each flag for the guest's sh.
q=""; for f in ${flags[@]+"${flags[@]}"}; do q+=" '${f//\'/\'\\\'\'}'"; done
names=()
for p in "${pkgs[@]}"; do
	name=$(cd "$root" && go list "$p" | sed 's|.*/lockbox/||; s|/|_|g')
	dir=$(cd "$root" && go list -f '{{.Dir}}' "$p")
	mkdir -p "$payload/$name"
	echo "vm-test: building $p" >&2
	(cd "$root" && CGO_ENABLED=0 go test -c -o "$payload/$name/$name.test" "$p")
	if [ ! -f "$payload/$name/$name.test" ]; then   # a package without tests
		echo "vm-test: $p has no test files" >&2; continue
	fi
	[ -d "$dir/testdata" ] && cp -a "$dir/testdata" "$payload/$name/"
	names+=("$name")
	cat >> "$runner" <<EOS
echo "=== vm-test: $p"
if (cd /payload/$name && ./$name.test -test.v -test.timeout=30m$q); then
	echo "vm-test: PASS $p"
else
	echo "vm-test: FAIL $p"; failed=1
fi
EOS
done
echo 'exit $failed' >> "$runner"
[ ${#names[@]} -gt 0 ] || { echo "vm-test: nothing to run" >&2; exit 2; }

rc=0; summary=()
for mode in ${VM_TEST_CGROUPS:-service root}; do
	append=${VM_APPEND-}
	[ "$mode" = root ] && append="$append vm.cgroup=root"
	echo "vm-test: booting the v2 guest, payload in the $mode cgroup" >&2
	t0=$SECONDS
	if VM_APPEND=$append "$vm/run.sh" "$payload" -- sh /payload/run-tests.sh; then
		summary+=("PASS ($mode cgroup, $((SECONDS - t0))s)")
	else
		r=$?; rc=1; summary+=("FAIL ($mode cgroup, exit $r, $((SECONDS - t0))s)")
	fi
done
for s in "${summary[@]}"; do echo "vm-test: $s: ${pkgs[*]}"; done
exit $rc
