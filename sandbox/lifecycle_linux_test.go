//go:build linux

package sandbox_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/lockbox-dev/lockbox/cgroup"
	"github.com/lockbox-dev/lockbox/internal/testutil"
	"github.com/lockbox-dev/lockbox/sandbox"
)

// startedNS starts cmd and returns the pid namespace of its init with the
// number of processes in it.
func startedNS(t *testing.T, cmd *sandbox.Cmd, wantAtLeast int) string {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ns, err := pidNS(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	// Wait until the count holds on two looks in a row (processes come and
	// go while the program starts).
	deadline := time.Now().Add(15 * time.Second)
	for seen := 0; seen < 2; time.Sleep(20 * time.Millisecond) {
		if len(processesIn(ns)) >= wantAtLeast {
			seen++
		} else {
			seen = 0
		}
		if time.Now().After(deadline) {
			n := len(processesIn(ns))
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("%d processes in the sandbox, want at least %d", n, wantAtLeast)
		}
	}
	return ns
}

func TestProcessesGoneAfterWait(t *testing.T) {
	testutil.RequireRoot(t)
	leakCheck(t)
	// The program leaves a double-forked daemon and a background child, and
	// exits.
	cmd := sh(`(sleep 1000 &) ; sleep 1000 & sleep 0.3`)
	ns := startedNS(t, cmd, 4) // init, sh, two sleeps
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if left := processesIn(ns); len(left) != 0 {
		t.Errorf("processes left after Wait: %v", left)
	}
}

func TestContextCancelKillsSandbox(t *testing.T) {
	testutil.RequireRoot(t)
	leakCheck(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := sandbox.CommandContext(ctx, "/bin/sh", "-c", `(sleep 1000 &) ; sleep 1000`)
	ns := startedNS(t, cmd, 3)
	t0 := time.Now()
	cancel()
	err := cmd.Wait()
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Wait after cancel: %v, want context.Canceled", err)
	}
	var ee *sandbox.ExitError
	if !errors.As(err, &ee) || ee.Signal != syscall.SIGKILL {
		t.Errorf("Wait after cancel: %#v, want an *ExitError for SIGKILL", err)
	}
	if d := time.Since(t0); d > 5*time.Second {
		t.Errorf("Wait took %v after cancel", d)
	}
	if left := processesIn(ns); len(left) != 0 {
		t.Errorf("processes left after cancel: %v", left)
	}
	if cmd.Result.TimedOut {
		t.Error("a cancelled run is reported TimedOut")
	}
}

func TestDeadlineTimedOut(t *testing.T) {
	testutil.RequireRoot(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	res, err := sandbox.Run(ctx, sandbox.Command("sleep", "100"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want DeadlineExceeded", err)
	}
	if res == nil || !res.TimedOut || res.Signal != syscall.SIGKILL || res.WallTime > 6*time.Second {
		t.Errorf("result = %+v, want TimedOut by SIGKILL within seconds", res)
	}
}

func TestGracePeriodSendsSIGTERM(t *testing.T) {
	testutil.RequireRoot(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var out bytes.Buffer
	cmd := sh(`trap 'echo got-term; exit 7' TERM; sleep 100 & wait`)
	cmd.Stdout = &out
	res, err := sandbox.Run(ctx, cmd, sandbox.GracePeriod(5*time.Second))
	if res == nil || res.ExitCode != 7 || !res.TimedOut || out.String() != "got-term\n" {
		t.Errorf("result %+v, err %v, out %q: want the program to see SIGTERM and exit 7", res, err, out.String())
	}
}

func TestSignalReachesProgram(t *testing.T) {
	testutil.RequireRoot(t)
	// sleep installs no handler: sent to pid 1 directly, the kernel would
	// drop SIGTERM; the init passes it on.
	cmd := sandbox.Command("sleep", "100")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *sandbox.ExitError
	if !errors.As(err, &ee) || ee.Signal != syscall.SIGTERM || ee.ExitCode() != -1 {
		t.Fatalf("Wait = %v, want signal: terminated", err)
	}
	if cmd.Result.Signal != syscall.SIGTERM || cmd.Result.ExitCode != -1 {
		t.Errorf("Result = %+v", cmd.Result)
	}
}

func TestOrphansReaped(t *testing.T) {
	testutil.RequireRoot(t)
	// 20 short-lived orphans must not pile up as zombies under pid 1.
	out := output(t, sh(`for i in $(seq 20); do (true &) ; done; sleep 0.3; grep -l '^State:.*Z' /proc/[0-9]*/status 2>/dev/null | wc -l`))
	if out != "0" {
		t.Errorf("%s zombies in the sandbox", out)
	}
}

func TestExitCodesAndSignals(t *testing.T) {
	testutil.RequireRoot(t)
	for _, tt := range []struct {
		script string
		code   int
		sig    syscall.Signal
	}{
		{"exit 0", 0, 0},
		{"exit 3", 3, 0},
		{"exit 255", 255, 0},
		{"kill -KILL $$", -1, syscall.SIGKILL},
		{"kill -SEGV $$", -1, syscall.SIGSEGV},
	} {
		res, err := sandbox.Run(context.Background(), sh(tt.script))
		if res == nil || res.ExitCode != tt.code || res.Signal != tt.sig {
			t.Errorf("%s: result %+v, want code %d signal %v", tt.script, res, tt.code, tt.sig)
			continue
		}
		var ee *sandbox.ExitError
		if tt.code == 0 && err != nil {
			t.Errorf("%s: err = %v", tt.script, err)
		}
		if tt.code != 0 && (!errors.As(err, &ee) || ee.ExitCode() != tt.code || ee.Signal != tt.sig) {
			t.Errorf("%s: err = %#v, want *ExitError", tt.script, err)
		}
	}
}

func TestStdioWithReadersAndWriters(t *testing.T) {
	testutil.RequireRoot(t)
	leakCheck(t)
	var stdout, stderr bytes.Buffer
	cmd := sh(`tr a-z A-Z; echo to-stderr >&2`)
	cmd.Stdin = strings.NewReader("hello from a reader\n")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if stdout.String() != "HELLO FROM A READER\n" || stderr.String() != "to-stderr\n" {
		t.Errorf("stdout %q stderr %q", stdout.String(), stderr.String())
	}
	// nil Stdin is the null device.
	if got := output(t, sh(`cat; echo eof`)); got != "eof" {
		t.Errorf("nil stdin: %q", got)
	}
	// CombinedOutput and Output's Stderr in ExitError.
	b, err := sh(`echo out; echo err >&2`).CombinedOutput()
	if err != nil || string(b) != "out\nerr\n" {
		t.Errorf("CombinedOutput = %q, %v", b, err)
	}
	_, err = sh(`echo oops >&2; exit 2`).Output()
	var ee *sandbox.ExitError
	if !errors.As(err, &ee) || string(ee.Stderr) != "oops\n" {
		t.Errorf("Output error %#v", err)
	}
	// *os.File is passed directly.
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd = sh(`echo direct; ls -l /proc/self/fd/1`)
	cmd.Stdout = f
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(f.Name())
	if !strings.HasPrefix(string(b), "direct\n") || strings.Contains(string(b), "pipe:") {
		t.Errorf("file stdout got %q", b)
	}
}

func TestPathLookupInsideSandbox(t *testing.T) {
	testutil.RequireRoot(t)
	if got := output(t, sandbox.Command("echo", "found")); got != "found" {
		t.Errorf("echo via PATH: %q", got)
	}
	// A program that exists on the host, but not in the sandbox's view.
	dir := t.TempDir()
	prog := filepath.Join(dir, "hostonly")
	if err := os.WriteFile(prog, []byte("#!/bin/sh\necho host\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []*sandbox.Cmd{sandbox.Command("hostonly"), sandbox.Command(prog)} {
		cmd.Env = []string{"PATH=/usr/bin:/bin:" + dir}
		err := cmd.Run()
		var se *sandbox.SetupError
		if !errors.Is(err, sandbox.ErrNotFound) || !errors.Is(err, unix.ENOENT) || !errors.As(err, &se) || se.Step != "exec" {
			t.Errorf("%s: err = %v, want ErrNotFound from step exec", cmd.Path, err)
		}
	}
	// PATH comes from the program's Env.
	cmd := sandbox.Command("echo", "x")
	cmd.Env = []string{"PATH=/nonexistent"}
	if err := cmd.Run(); !errors.Is(err, sandbox.ErrNotFound) {
		t.Errorf("echo with PATH=/nonexistent: %v", err)
	}
	// A bound directory makes it visible.
	cmd = sandbox.Command("hostonly")
	cmd.Env = []string{"PATH=/usr/bin:/bin:/opt/tools"}
	cmd.Filesystem.Mounts = []sandbox.Mount{sandbox.Bind(dir, "/opt/tools")}
	if got := output(t, cmd); got != "host" {
		t.Errorf("bound program: %q", got)
	}
	// Not executable: EACCES, not "not found".
	if err := sandbox.Command("/etc/passwd").Run(); !errors.Is(err, unix.EACCES) || errors.Is(err, sandbox.ErrNotFound) {
		t.Errorf("/etc/passwd: %v, want EACCES", err)
	}
}

func TestMounts(t *testing.T) {
	testutil.RequireRoot(t)
	leakCheck(t)
	ro, rw := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(ro, "in"), []byte("ro-data\n"), 0o644)
	os.WriteFile(filepath.Join(rw, "file"), []byte("file-data\n"), 0o644)
	cmd := sh(`cat /data/in; touch /data/new 2>/dev/null || echo ro-refused
echo written > /out/result; cat /single; echo x > /scratch/f && df -k /scratch | tail -1 | awk '{print $2}'`)
	cmd.Identity = sandbox.Identity{Root: true}
	cmd.Filesystem.Mounts = []sandbox.Mount{
		sandbox.Bind(ro, "/data"),
		sandbox.BindWritable(rw, "/out"),
		sandbox.Bind(filepath.Join(rw, "file"), "/single"),
		sandbox.Tmpfs("/scratch", 1<<20),
	}
	if got := output(t, cmd); got != "ro-data\nro-refused\nfile-data\n1024" {
		t.Errorf("got:\n%s", got)
	}
	if b, _ := os.ReadFile(filepath.Join(rw, "result")); string(b) != "written\n" {
		t.Errorf("writable bind: host file has %q", b)
	}
}

// testRoot makes a root directory holding a copy of the test binary at
// /helper, and returns it with the mounts that give the binary its shared
// libraries (a -race build is dynamically linked).
func testRoot(t *testing.T) (string, []sandbox.Mount) {
	root := t.TempDir()
	exe, _ := os.Executable()
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "helper"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	mounts := []sandbox.Mount{sandbox.Bind("/usr", "/usr")}
	for _, d := range []string{"lib", "lib32", "lib64", "libx32"} {
		fi, err := os.Lstat("/" + d)
		switch {
		case err != nil:
		case fi.Mode()&os.ModeSymlink != 0:
			link, _ := os.Readlink("/" + d)
			os.Symlink(link, filepath.Join(root, d))
		default:
			mounts = append(mounts, sandbox.Bind("/"+d, "/"+d))
		}
	}
	return root, mounts
}

func TestRootDirectory(t *testing.T) {
	testutil.RequireRoot(t)
	leakCheck(t)
	root, mounts := testRoot(t)
	before, _ := os.ReadDir(root)
	cmd := sandbox.Command("/helper")
	cmd.Env = []string{helperEnv + "=fds"}
	cmd.Filesystem = sandbox.Filesystem{Root: root, Mounts: mounts}
	if got := output(t, cmd); got != "0 1 2" {
		t.Errorf("helper in Root: %q", got)
	}
	// The root is read-only; the sandbox only added its mount points.
	cmd = sandbox.Command("/bin/sh", "-c", "touch /new-file")
	cmd.Identity = sandbox.Identity{Root: true}
	cmd.Filesystem = sandbox.Filesystem{Root: root, Mounts: append(mounts, sandbox.Bind("/bin", "/bin"))}
	if err := cmd.Run(); err == nil {
		t.Error("touch /new-file succeeded in a read-only Root")
	}
	after, _ := os.ReadDir(root)
	var added []string
	for _, e := range after {
		if !slices.ContainsFunc(before, func(b os.DirEntry) bool { return b.Name() == e.Name() }) {
			added = append(added, e.Name())
		}
	}
	if want := []string{"bin", "dev", "proc", "tmp", "usr"}; !slices.Equal(added, want) {
		t.Errorf("the sandbox added %v to the root dir, want only the mount points %v", added, want)
	}
}

func TestBadInput(t *testing.T) {
	testutil.RequireRoot(t)
	leakCheck(t)
	dir := t.TempDir()
	outside := t.TempDir()
	root := t.TempDir()
	os.Symlink(outside, filepath.Join(root, "abs-escape"))
	os.Symlink("../../../../..", filepath.Join(root, "rel-escape"))
	for _, tt := range []struct {
		name  string
		setup func(*sandbox.Cmd)
		check func(error) bool
	}{
		{"missing program", func(c *sandbox.Cmd) { c.Path, c.Args = "no-such-program", []string{"no-such-program"} },
			func(err error) bool { return errors.Is(err, sandbox.ErrNotFound) }},
		{"bad mount source", func(c *sandbox.Cmd) {
			c.Filesystem.Mounts = []sandbox.Mount{sandbox.Bind(filepath.Join(dir, "missing"), "/x")}
		}, optionErr("Filesystem.Mounts[0].Source")},
		{"relative source", func(c *sandbox.Cmd) { c.Filesystem.Mounts = []sandbox.Mount{sandbox.Bind("rel", "/x")} },
			optionErr("Filesystem.Mounts[0].Source")},
		{"relative target", func(c *sandbox.Cmd) { c.Filesystem.Mounts = []sandbox.Mount{sandbox.Bind(dir, "x")} },
			optionErr("Filesystem.Mounts[0].Target")},
		{"relative dir", func(c *sandbox.Cmd) { c.Dir = "tmp" }, optionErr("Dir")},
		{"relative root", func(c *sandbox.Cmd) { c.Filesystem.Root = "rootfs" }, optionErr("Filesystem.Root")},
		{"bad env", func(c *sandbox.Cmd) { c.Env = []string{"NOEQUALS"} }, optionErr("Env[0]")},
		{"negative tmpfs", func(c *sandbox.Cmd) { c.Filesystem.Mounts = []sandbox.Mount{sandbox.Tmpfs("/x", -1)} },
			optionErr("Filesystem.Mounts[0].Size")},
		{"missing dir", func(c *sandbox.Cmd) { c.Dir = "/no/such/dir" }, setupErr("chdir", unix.ENOENT)},
		{"absolute symlink target out of root", func(c *sandbox.Cmd) {
			c.Filesystem.Root = root
			c.Filesystem.Mounts = []sandbox.Mount{sandbox.Tmpfs("/abs-escape/x", 0)}
		}, setupErr("resolve mount target", nil)},
		{"relative symlink target out of root", func(c *sandbox.Cmd) {
			c.Filesystem.Root = root
			c.Filesystem.Mounts = []sandbox.Mount{sandbox.Tmpfs("/rel-escape/tmp/x", 0)}
		}, setupErr("resolve mount target", nil)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cmd := sandbox.Command("/bin/true")
			tt.setup(cmd)
			err := cmd.Run()
			if err == nil || !tt.check(err) {
				t.Errorf("err = %v", err)
			}
			t.Log(err)
			if cmd.Process != nil {
				t.Errorf("Process set after a failed Start")
			}
		})
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Errorf("a mount target escaped the root: %s has %v", outside, ents)
	}
}

func optionErr(option string) func(error) bool {
	return func(err error) bool {
		var oe *sandbox.OptionError
		return errors.As(err, &oe) && oe.Option == option
	}
}

func setupErr(step string, errno error) func(error) bool {
	return func(err error) bool {
		var se *sandbox.SetupError
		return errors.As(err, &se) && se.Step == step && (errno == nil || errors.Is(err, errno))
	}
}

func TestDiesWithCaller(t *testing.T) {
	testutil.RequireRoot(t)
	parent := exec.Command(os.Args[0])
	parent.Env = append(os.Environ(), helperEnv+"=orphan-parent")
	out, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		parent.Process.Kill()
		t.Fatalf("%v %q", err, line)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		parent.Process.Kill()
		t.Fatalf("helper said %q", line)
	}
	helper := parent.Process.Pid
	parent.Process.Kill()
	parent.Wait()
	waitGone(t, pid, 5*time.Second)
	// The dead supervisor's cgroup is left for the next process to sweep;
	// sweep it now, and check it was that one.
	removed, err := cgroup.RemoveStale(0)
	if err != nil {
		t.Fatal(err)
	}
	mark := "/lockbox-" + strconv.Itoa(helper) + "-"
	if !slices.ContainsFunc(removed, func(d string) bool { return strings.Contains(d, mark) }) {
		t.Errorf("RemoveStale removed %v, not the dead supervisor's group %s*", removed, mark)
	}
}

func TestUserNamespace(t *testing.T) {
	testutil.RequireRoot(t)
	cmd := sh(`cat /proc/self/uid_map | tr -s ' ' | sed 's/^ //'; id -u; hostname; touch /usr/x 2>/dev/null || echo ro`)
	cmd.Namespaces.User = true
	got := output(t, cmd)
	if !strings.Contains(got, "0 0 1\n") || !strings.Contains(got, "65534 65534 1\n") || !strings.HasSuffix(got, "65534\nsandbox\nro") {
		t.Errorf("in a user namespace:\n%s", got)
	}
}

func TestSharedPIDNamespace(t *testing.T) {
	testutil.RequireRoot(t)
	// Without a pid namespace of its own the init becomes the program: the
	// shell's $$ is the host pid of Cmd.Process.
	var out bytes.Buffer
	cmd := sh(`echo $$; ls /proc | grep -c '^[0-9]'`)
	cmd.Namespaces.SharePID = true
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(out.String())
	if len(f) != 2 || f[0] != strconv.Itoa(pid) {
		t.Errorf("$$ and process count = %q, want %d first", out.String(), pid)
	}
	if n, _ := strconv.Atoi(f[1]); n < 10 {
		t.Errorf("only %d processes visible with a shared pid namespace", n)
	}
}

func TestLifecycleErrors(t *testing.T) {
	testutil.RequireRoot(t)
	cmd := sandbox.Command("true")
	if err := cmd.Wait(); err == nil {
		t.Error("Wait before Start succeeded")
	}
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err == nil {
		t.Error("second Start succeeded")
	}
	if err := cmd.Wait(); err == nil {
		t.Error("second Wait succeeded")
	}
}
