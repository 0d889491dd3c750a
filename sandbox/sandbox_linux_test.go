//go:build linux

package sandbox_test

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/lockbox-dev/lockbox/internal/testutil"
	"github.com/lockbox-dev/lockbox/sandbox"
)

func TestPID1AndOnlySandboxPIDs(t *testing.T) {
	testutil.RequireRoot(t)
	leakCheck(t)
	out := output(t, sh(`echo $$; cat /proc/1/status | grep -E '^(Name|PPid):' | tr -s '\t' ' '; ls /proc | grep -E '^[0-9]+$' | sort -n | tr '\n' ' '`))
	lines := strings.Split(out, "\n")
	if len(lines) != 4 {
		t.Fatalf("unexpected output:\n%s", out)
	}
	if lines[1] != "Name: lockbox-init" || lines[2] != "PPid: 0" {
		t.Errorf("pid 1 is not the sandbox's init: %q %q", lines[1], lines[2])
	}
	for _, f := range strings.Fields(lines[3]) {
		pid, _ := strconv.Atoi(f)
		if pid > 64 {
			t.Errorf("/proc lists pid %d: host pids are visible (%s)", pid, lines[3])
		}
	}
	if strings.Contains(" "+lines[3]+" ", " "+strconv.Itoa(os.Getpid())+" ") && os.Getpid() > 64 {
		t.Errorf("the test's own pid %d is visible", os.Getpid())
	}
}

func TestHostname(t *testing.T) {
	testutil.RequireRoot(t)
	host, _ := os.Hostname()
	if got := output(t, sandbox.Command("hostname")); got != "sandbox" || got == host {
		t.Errorf("hostname = %q, want sandbox (host is %q)", got, host)
	}
	cmd := sandbox.Command("cat", "/proc/sys/kernel/hostname", "/etc/hosts")
	cmd.Hostname = "judge-7"
	out := output(t, cmd)
	if !strings.HasPrefix(out, "judge-7\n") || !strings.Contains(out, "judge-7") || (host != "" && strings.Contains(out, host)) {
		t.Errorf("hostname and /etc/hosts:\n%s\n(host is %q)", out, host)
	}
}

func TestOnlyLoopback(t *testing.T) {
	testutil.RequireRoot(t)
	out := output(t, sh(`tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; cat /sys/class/net/lo/operstate 2>/dev/null; ip -o link 2>/dev/null | grep -c UP`))
	lines := strings.Fields(out)
	if len(lines) < 1 || lines[0] != "lo" {
		t.Fatalf("interfaces: %q, want only lo", out)
	}
	for _, l := range lines[1:] {
		if l != "1" && l != "up" && l != "unknown" {
			t.Errorf("interfaces: %q, want only lo", out)
		}
	}
	// lo is up: a TCP server on 127.0.0.1 answers.
	got := output(t, sandbox.Command("python3", "-c", `
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
c = socket.create_connection(s.getsockname()); a, _ = s.accept(); c.send(b"up"); print(a.recv(2).decode())`))
	if got != "up" {
		t.Errorf("loopback connection: %q", got)
	}
	// NetworkHost is explicit and shares the host's interfaces.
	cmd := sh(`tail -n +3 /proc/net/dev | wc -l`)
	cmd.Network = sandbox.Network{Mode: sandbox.NetworkHost}
	host, _ := os.ReadFile("/proc/net/dev")
	if n, _ := strconv.Atoi(output(t, cmd)); n != strings.Count(string(host), "\n")-2 {
		t.Errorf("NetworkHost sees %d interfaces, the host has %d", n, strings.Count(string(host), "\n")-2)
	}
}

func TestReadOnlyHostView(t *testing.T) {
	testutil.RequireRoot(t)
	secret := t.TempDir()
	out := output(t, sh(`
for p in /usr/lockbox-x /etc/lockbox-x /lockbox-x /bin/lockbox-x; do touch $p 2>&1 | grep -q 'Read-only' && echo ro; done
touch /tmp/x && echo tmp-rw
for p in /home /root /work /var /opt /srv /boot /sys `+secret+`; do test -e $p && echo "visible $p"; done
test -x /usr/bin/python3 && echo python3
grep -c . /etc/passwd >/dev/null && echo passwd
true`))
	want := "ro\nro\nro\nro\ntmp-rw\npython3\npasswd"
	if out != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
	// The caller's root and /tmp are untouched.
	if _, err := os.Stat("/tmp/x"); err == nil {
		t.Error("/tmp/x of the sandbox appeared on the host")
	}
}

func TestProcMasked(t *testing.T) {
	testutil.RequireRoot(t)
	// Every path of runc's masked list that this kernel has reads as empty
	// inside; the host's own copies are not empty (so the check can fail).
	masked := 0
	for _, p := range []string{"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug",
		"/proc/interrupts", "/proc/latency_stats", "/proc/acpi", "/proc/scsi", "/proc/asound"} {
		fi, err := os.Stat(p)
		if err != nil {
			continue
		}
		script := "cat " + p + " | wc -c"
		if fi.IsDir() {
			script = "ls -A " + p + " | wc -l"
		}
		cmd := sh(script)
		cmd.Identity = sandbox.Identity{Root: true}
		if got := output(t, cmd); got != "0" {
			t.Errorf("%s not masked: %s bytes or entries inside", p, got)
		}
		masked++
	}
	if masked < 3 {
		t.Errorf("only %d masked paths exist on this kernel", masked)
	}
	if b, _ := os.ReadFile("/proc/interrupts"); len(b) == 0 {
		t.Error("the host's /proc/interrupts is empty: the mask check proves nothing")
	}
	cmd := sh(`echo x > /proc/sys/kernel/domainname 2>/dev/null && echo "sys writable"
echo h > /proc/sysrq-trigger 2>/dev/null && echo "sysrq writable"
grep -E ' /proc/(sys|bus|irq|fs|sysrq-trigger) ' /proc/self/mountinfo | awk '{print $5, $6}' | sort`)
	cmd.Identity = sandbox.Identity{Root: true}
	var want []string
	for _, p := range []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"} {
		if _, err := os.Stat(p); err == nil {
			want = append(want, p+" ro,nosuid,nodev,noexec,relatime")
		}
	}
	if got := output(t, cmd); got != strings.Join(want, "\n") || len(want) < 4 {
		t.Errorf("read-only /proc paths:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

func TestNoStrayDescriptors(t *testing.T) {
	testutil.RequireRoot(t)
	leakCheck(t)
	// A descriptor the caller opened without O_CLOEXEC must not leak in.
	fd, err := unix.Open("/etc/hostname", unix.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if got := output(t, helperCmd(t, "fds")); got != "0 1 2" {
		t.Errorf("descriptors inside: %q, want 0 1 2 (caller leaked fd %d)", got, fd)
	}
	// ExtraFiles are passed, and only they.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	cmd := helperCmd(t, "fds")
	cmd.ExtraFiles = []*os.File{r, w}
	if got := output(t, cmd); got != "0 1 2 3 4" {
		t.Errorf("descriptors inside with 2 ExtraFiles: %q, want 0 1 2 3 4", got)
	}
}

func TestExtraFiles(t *testing.T) {
	testutil.RequireRoot(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := sh(`echo via-fd-3 >&3`)
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	b, _ := io.ReadAll(r)
	r.Close()
	if string(b) != "via-fd-3\n" {
		t.Errorf("read %q from ExtraFiles[0]", b)
	}
}

func TestNoHostEnv(t *testing.T) {
	testutil.RequireRoot(t)
	t.Setenv("LOCKBOX_SECRET", "hunter2")
	got := output(t, sandbox.Command("/usr/bin/env"))
	want := "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nHOME=/tmp\nLANG=C.UTF-8"
	if got != want {
		t.Errorf("env inside:\n%s\nwant:\n%s", got, want)
	}
	cmd := sandbox.Command("/usr/bin/env")
	cmd.Env = []string{"ONLY=this"}
	if got := output(t, cmd); got != "ONLY=this" {
		t.Errorf("env with Env set: %q", got)
	}
}

func TestNoTerminalInjection(t *testing.T) {
	testutil.RequireRoot(t)
	if b, _ := os.ReadFile("/proc/sys/dev/tty/legacy_tiocsti"); strings.TrimSpace(string(b)) == "0" {
		t.Log("TIOCSTI is disabled system-wide; the control check below will show it")
	}
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	slave, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer slave.Close()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), helperEnv+"=ctty-parent")
	cmd.Stdin = slave
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if got := strings.TrimSpace(out.String()); got != "outside ok\ninside EPERM" {
		t.Errorf("TIOCSTI: got %q, want the caller's session allowed and the sandbox refused", got)
	}
}

func TestInitNotReachable(t *testing.T) {
	testutil.RequireRoot(t)
	// The program runs as nobody and as root (without capabilities); in
	// neither case may it open the host binary behind /proc/1/exe.
	for _, id := range []sandbox.Identity{{}, {Root: true}} {
		cmd := helperCmd(t, "exe")
		cmd.Identity = id
		if got := output(t, cmd); got != "EACCES EACCES EACCES EACCES" {
			t.Errorf("identity %+v: open /proc/1/exe O_WRONLY, O_RDONLY, O_PATH, readlink: %q, want EACCES for all", id, got)
		}
	}
}
