//go:build linux

package sandbox_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockbox-dev/lockbox/caps"
	"github.com/lockbox-dev/lockbox/internal/testutil"
	"github.com/lockbox-dev/lockbox/sandbox"
)

// statusOf runs cat /proc/self/status in a sandbox made by setup and
// returns its capability sets and the NoNewPrivs and Seccomp lines.
func statusOf(t *testing.T, setup func(*sandbox.Cmd)) (caps.Sets, map[string]string) {
	t.Helper()
	cmd := sandbox.Command("cat", "/proc/self/status")
	setup(cmd)
	out := output(t, cmd)
	sets, err := caps.ParseStatus(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok {
			fields[k] = strings.TrimSpace(v)
		}
	}
	return sets, fields
}

func TestCapabilitiesDroppedByDefault(t *testing.T) {
	testutil.RequireRoot(t)
	for _, id := range []sandbox.Identity{{}, {Root: true}, {UID: 1000, GID: 1000}} {
		sets, f := statusOf(t, func(c *sandbox.Cmd) { c.Identity = id })
		if sets != (caps.Sets{}) {
			t.Errorf("identity %+v: capability sets %+v, want all empty", id, sets)
		}
		if f["NoNewPrivs"] != "1" {
			t.Errorf("identity %+v: NoNewPrivs %q", id, f["NoNewPrivs"])
		}
	}
}

func TestCapabilitiesKept(t *testing.T) {
	testutil.RequireRoot(t)
	keep := caps.SetOf(caps.NetBindService, caps.Chown)
	for _, id := range []sandbox.Identity{{}, {Root: true}} {
		sets, _ := statusOf(t, func(c *sandbox.Cmd) {
			c.Identity = id
			c.Capabilities.Keep = keep
		})
		want := caps.Sets{Inheritable: keep, Permitted: keep, Effective: keep, Bounding: keep, Ambient: keep}
		if sets != want {
			t.Errorf("identity %+v: sets %+v, want exactly %v in all five", id, sets, keep)
		}
	}
	// The kept capability works: nobody binds port 80 with it, not without.
	for _, keep := range []caps.Set{caps.None, caps.SetOf(caps.NetBindService)} {
		cmd := sandbox.Command("python3", "-c", `
import socket
try:
    socket.socket().bind(("127.0.0.1", 80)); print("bound")
except PermissionError: print("refused")`)
		cmd.Capabilities.Keep = keep
		want := map[caps.Set]string{caps.None: "refused", caps.SetOf(caps.NetBindService): "bound"}[keep]
		if got := output(t, cmd); got != want {
			t.Errorf("bind :80 keeping %v: %s, want %s", keep, got, want)
		}
	}
}

func TestSetuidBinaryDoesNotGainRoot(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	b, err := os.ReadFile("/usr/bin/id")
	if err != nil {
		t.Fatal(err)
	}
	suid := filepath.Join(dir, "id")
	if err := os.WriteFile(suid, b, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(suid, 0o4755|os.ModeSetuid); err != nil {
		t.Fatal(err)
	}
	cmd := sandbox.Command("/suid/id", "-u")
	cmd.Filesystem.Mounts = []sandbox.Mount{sandbox.Bind(dir, "/suid")}
	if got := output(t, cmd); got != "65534" {
		t.Errorf("setuid-root id inside: euid %s, want 65534", got)
	}
}
