//go:build linux

package sandbox_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/lockbox-dev/lockbox/internal/testutil"
	"github.com/lockbox-dev/lockbox/sandbox"
	"github.com/lockbox-dev/lockbox/seccomp"
)

// syscallResults runs the "syscalls" helper under policy and returns each
// call's errno name.
func syscallResults(t *testing.T, policy *seccomp.Policy) map[string]string {
	t.Helper()
	cmd := helperCmd(t, "syscalls")
	cmd.Seccomp.Policy = policy
	got := map[string]string{}
	for _, l := range strings.Split(output(t, cmd), "\n") {
		k, v, _ := strings.Cut(l, "=")
		got[k] = v
	}
	return got
}

func TestSeccompDefaultRefusesDangerousCalls(t *testing.T) {
	testutil.RequireRoot(t)
	def := syscallResults(t, nil)
	if len(def) != len(dangerousCallNames()) {
		t.Fatalf("helper reported %d calls, want %d: %v", len(def), len(dangerousCallNames()), def)
	}
	for _, name := range dangerousCallNames() {
		if def[name] != "EPERM" {
			t.Errorf("%s under the default policy: %s, want EPERM", name, def[name])
		}
	}
	// Without the filter, several of the same calls get past the syscall
	// entry (other errnos, or success): the EPERMs above are the filter's.
	unconfined := syscallResults(t, seccomp.Unconfined())
	passed := 0
	for _, name := range dangerousCallNames() {
		if unconfined[name] != "EPERM" {
			passed++
		}
	}
	if passed < 8 {
		t.Errorf("only %d calls behave differently without the filter: %v", passed, unconfined)
	}
	t.Logf("without a filter: %v", unconfined)
}

func dangerousCallNames() []string {
	return []string{"mount", "umount2", "setns", "pivot_root", "chroot", "keyctl", "add_key", "kexec_load",
		"init_module", "finit_module", "delete_module", "bpf", "perf_event_open", "userfaultfd",
		"open_by_handle_at", "io_uring_setup", "reboot", "swapon", "clock_settime", "ptrace",
		"unshare_ns", "unshare_net", "unshare_pid", "unshare_uts", "unshare_ipc", "unshare_cgroup", "unshare_user"}
}

func TestSeccompStatus(t *testing.T) {
	testutil.RequireRoot(t)
	_, f := statusOf(t, func(*sandbox.Cmd) {})
	if f["Seccomp"] != "2" || f["NoNewPrivs"] != "1" {
		t.Errorf("Seccomp %q NoNewPrivs %q, want 2 and 1", f["Seccomp"], f["NoNewPrivs"])
	}
	_, f = statusOf(t, func(c *sandbox.Cmd) { c.Seccomp.Policy = seccomp.Unconfined() })
	if f["Seccomp"] != "0" || f["NoNewPrivs"] != "1" {
		t.Errorf("Unconfined: Seccomp %q NoNewPrivs %q, want 0 and 1", f["Seccomp"], f["NoNewPrivs"])
	}
}

func TestSeccompRealWorkloads(t *testing.T) {
	testutil.RequireRoot(t)
	for _, tt := range []struct {
		name string
		cmd  *sandbox.Cmd
		want string
	}{
		{"sh", sh(`x=0; for i in 1 2 3; do x=$((x+i)); done; echo $x; ls / | wc -l >/dev/null; date +%Y >/dev/null && echo ok`), "6\nok"},
		{"busybox", sandbox.Command("busybox", "sh", "-c", `busybox seq 3 | busybox wc -l; busybox sha256sum /etc/passwd | busybox wc -w; busybox echo done`), "3\n2\ndone"},
		{"python3", sandbox.Command("python3", "-c", `
import threading, subprocess, concurrent.futures as cf
with cf.ThreadPoolExecutor(4) as ex: print(sum(ex.map(lambda x: x*x, range(10))))
print(subprocess.run(["sh", "-c", "echo child"], capture_output=True, text=True).stdout.strip())`), "285\nchild"},
		{"gcc", sh(`cd /tmp && printf '#include <stdio.h>\n#include <pthread.h>\nvoid *f(void *a){return a;}\nint main(){pthread_t t; pthread_create(&t,0,f,0); pthread_join(t,0); printf("built %%d\\n", 42); return 0;}\n' > p.c && gcc -O1 -pthread -o p p.c && ./p`), "built 42"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := output(t, tt.cmd); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSeccompProfileDeniesMkdir(t *testing.T) {
	testutil.RequireRoot(t)
	profile := `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}`
	p, err := seccomp.ParseProfile([]byte(profile), seccomp.ProfileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cmd := sh(`mkdir /tmp/d 2>&1 | grep -c 'Operation not permitted'; touch /tmp/f && echo touch-ok`)
	cmd.Seccomp.Policy = p
	if got := output(t, cmd); got != "1\ntouch-ok" {
		t.Errorf("mkdir under a deny-mkdir profile: %q", got)
	}
}

func TestSeccompBadPolicyFailsBeforeStart(t *testing.T) {
	testutil.RequireRoot(t)
	leakCheck(t)
	_, err := seccomp.ParseProfile([]byte(`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdirr"],"action":"SCMP_ACT_ERRNO"}]}`), seccomp.ProfileOptions{})
	if err == nil || !strings.Contains(err.Error(), "mkdirr") {
		t.Errorf("profile with a misspelled name: %v", err)
	}
	bad := &seccomp.Policy{Rules: []seccomp.Rule{{Names: []string{"no_such_call"}, Action: seccomp.ActionAllow}}}
	cmd := sandbox.Command("true")
	cmd.Seccomp.Policy = bad
	err = cmd.Run()
	var oe *sandbox.OptionError
	if !errors.As(err, &oe) || oe.Option != "Seccomp.Policy" || cmd.Process != nil {
		t.Errorf("bad policy: %v", err)
	}
}
