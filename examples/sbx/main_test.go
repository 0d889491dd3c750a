package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/lockbox-dev/lockbox/internal/testutil"
	"github.com/lockbox-dev/lockbox/sandbox"
)

func TestMain(m *testing.M) {
	sandbox.Init()
	os.Exit(m.Run())
}

// sbx runs the command line in-process and returns its exit status,
// stdout and stderr.
func sbx(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestExitStatus(t *testing.T) {
	testutil.RequireRoot(t)
	for _, tt := range []struct {
		args []string
		code int
	}{
		{[]string{"true"}, 0},
		{[]string{"--", "sh", "-c", "exit 3"}, 3},
		{[]string{"sh", "-c", "kill -TERM $$"}, 128 + 15},
		{[]string{"no-such-program"}, 127},
		{[]string{"/etc/passwd"}, 126},
		{[]string{"--chdir", "/no/such/dir", "true"}, 125},
		{[]string{"--bogus", "true"}, 125},
		{[]string{"--net", "wifi", "true"}, 125},
		{[]string{"--memory", "lots", "true"}, 125},
		{[]string{"--ro-bind", "/no/such/path:/x", "true"}, 125},
		{[]string{"--tmpfs", "relative", "true"}, 125},
		{[]string{"--cap-add", "CAP_FLY", "true"}, 125},
		{[]string{}, 125},
	} {
		code, _, stderr := sbx(t, "", tt.args...)
		if code != tt.code {
			t.Errorf("sbx %v: exit %d, want %d (stderr %q)", tt.args, code, tt.code, stderr)
		}
		if code >= 125 && code <= 127 && (strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "sbx: ")) {
			t.Errorf("sbx %v: stderr %q, want one line", tt.args, stderr)
		}
	}
}

func TestFlagErrorsNameTheFlag(t *testing.T) {
	for _, tt := range [][]string{
		{"--net", "wifi"}, {"--memory", "lots"}, {"--ro-bind", "/no/such/path"}, {"--bind", "/tmp:rel"},
		{"--tmpfs", "rel"}, {"--cap-add", "CAP_FLY"}, {"--timeout", "soon"}, {"--env", "NOEQUALS"},
		{"--root", "/no/such/root"}, {"--chdir", "rel"}, {"--uid", "x"}, {"--seccomp", "/no/such/profile.json"},
	} {
		_, err := parse(append(tt, "true"))
		if err == nil || !strings.Contains(err.Error(), strings.TrimLeft(tt[0], "-")) {
			t.Errorf("sbx %v: error %v does not name the flag", tt, err)
		}
	}
}

func TestIsolationFlags(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	os.Chmod(dir, 0o777)
	os.WriteFile(filepath.Join(dir, "in"), []byte("data\n"), 0o644)
	code, out, stderr := sbx(t, "stdin-text",
		"--hostname", "box", "--env", "A=1", "--uid", "1000", "--gid", "1000",
		"--ro-bind", dir+":/ro", "--bind", dir+":/rw", "--tmpfs", "/scratch", "--chdir", "/ro",
		"sh", "-c", `hostname; echo $A; id -u; id -g; cat in; cat; echo; touch /ro/x 2>/dev/null || echo ro; echo w > /rw/out; echo s > /scratch/s && echo tmpfs; pwd`)
	want := "box\n1\n1000\n1000\ndata\nstdin-text\nro\ntmpfs\n/ro\n"
	if code != 0 || out != want {
		t.Errorf("exit %d, stdout:\n%s\nwant:\n%s\nstderr: %s", code, out, want, stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "out")); string(b) != "w\n" {
		t.Errorf("--bind did not write through: %q", b)
	}
	// --net host shares the host's interfaces.
	_, out, _ = sbx(t, "", "--net", "host", "sh", "-c", "tail -n +3 /proc/net/dev | wc -l")
	host, _ := os.ReadFile("/proc/net/dev")
	if strings.TrimSpace(out) != strconv.Itoa(strings.Count(string(host), "\n")-2) {
		t.Errorf("--net host: %q interfaces", out)
	}
}

func TestResultFile(t *testing.T) {
	testutil.RequireRoot(t)
	path := filepath.Join(t.TempDir(), "result.json")
	code, _, _ := sbx(t, "", "--timeout", "2s", "--result", path, "sleep", "10")
	if code != 128+9 {
		t.Errorf("exit %d, want 137", code)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"exit_code", "signal", "timed_out", "oom_killed", "wall_seconds", "cpu_seconds", "peak_memory_bytes"} {
		if _, ok := m[k]; !ok {
			t.Errorf("result lacks %q: %s", k, b)
		}
	}
	if m["signal"] != "SIGKILL" || m["timed_out"] != true || m["exit_code"] != float64(-1) {
		t.Errorf("result: %s", b)
	}
	sbx(t, "", "--result", path, "true")
	b, _ = os.ReadFile(path)
	json.Unmarshal(b, &m)
	if m["signal"] != "" || m["exit_code"] != float64(0) || m["timed_out"] != false {
		t.Errorf("result of true: %s", b)
	}
}

func TestLimitFlags(t *testing.T) {
	testutil.RequireRoot(t)
	path := filepath.Join(t.TempDir(), "result.json")
	code, _, stderr := sbx(t, "", "--memory", "64M", "--pids", "32", "--cpus", "1", "--result", path,
		"python3", "-c", "b = bytearray(1 << 30)")
	if code != 128+9 {
		t.Errorf("exit %d, want 137 (stderr %q)", code, stderr)
	}
	b, _ := os.ReadFile(path)
	var m map[string]any
	json.Unmarshal(b, &m)
	if m["oom_killed"] != true || m["peak_memory_bytes"].(float64) < 32<<20 || m["peak_memory_bytes"].(float64) > 64<<20 {
		t.Errorf("result: %s", b)
	}
	code, _, stderr = sbx(t, "", "--pids", "24", "sh", "-c", `for i in $(seq 40); do sleep 3 & done; wait`)
	if code == 0 || !strings.Contains(stderr, "fork") {
		t.Errorf("40 background jobs under --pids 24: exit %d, stderr %q; want fork to fail", code, stderr)
	}
}
