package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/lockbox-dev/lockbox/seccomp"

	"github.com/lockbox-dev/lockbox/caps"

	"github.com/lockbox-dev/lockbox/internal/spec"
)

// Defaults.
const (
	defaultHostname = "sandbox"
	nobody          = 65534
	defaultPath     = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
)

// prepare validates c and turns it into the init's spec. Every problem is
// reported (errors.Join), each as an *OptionError naming the field, before
// anything is started.
func (c *Cmd) prepare() (*spec.Init, error) {
	var errs []error
	bad := func(option, value string, format string, a ...any) {
		errs = append(errs, &OptionError{Option: option, Value: value, Err: fmt.Errorf(format, a...)})
	}
	noNUL := func(option, value string) {
		if strings.IndexByte(value, 0) >= 0 {
			bad(option, value, "contains a NUL byte")
		}
	}

	if c.Path == "" {
		bad("Path", "", "no program to run")
	}
	noNUL("Path", c.Path)
	args := c.Args
	if len(args) == 0 {
		args = []string{c.Path}
	}
	for i, a := range args {
		noNUL(fmt.Sprintf("Args[%d]", i), a)
	}
	if c.Dir != "" && !filepath.IsAbs(c.Dir) {
		bad("Dir", c.Dir, "must be an absolute path inside the sandbox")
	}
	noNUL("Dir", c.Dir)
	env := c.Env
	if env == nil {
		env = c.defaultEnv()
	}
	for i, kv := range env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			bad(fmt.Sprintf("Env[%d]", i), kv, "not KEY=VALUE")
		}
		noNUL(fmt.Sprintf("Env[%d]", i), kv)
	}

	hostname := string(c.Hostname)
	switch {
	case c.Namespaces.ShareUTS && hostname != "":
		bad("Hostname", hostname, "cannot be set with Namespaces.ShareUTS")
	case hostname == "":
		hostname = defaultHostname
	case len(hostname) > 64 || strings.ContainsAny(hostname, "\x00/ "):
		bad("Hostname", hostname, "must be at most 64 characters, without NUL, / or space")
	}

	fs := c.Filesystem
	if fs.Root != "" {
		if !filepath.IsAbs(fs.Root) {
			bad("Filesystem.Root", fs.Root, "must be an absolute host path")
		} else if fi, err := os.Stat(fs.Root); err != nil {
			bad("Filesystem.Root", fs.Root, "%w", err)
		} else if !fi.IsDir() {
			bad("Filesystem.Root", fs.Root, "not a directory")
		}
	}
	if fs.TmpSize < 0 {
		bad("Filesystem.TmpSize", fmt.Sprint(fs.TmpSize), "must not be negative")
	}
	mounts := make([]spec.Mount, 0, len(fs.Mounts))
	for i, m := range fs.Mounts {
		name := fmt.Sprintf("Filesystem.Mounts[%d]", i)
		if !filepath.IsAbs(m.Target) {
			bad(name+".Target", m.Target, "must be an absolute path inside the sandbox")
		} else if filepath.Clean(m.Target) == "/" {
			bad(name+".Target", m.Target, "cannot mount over the root; use Filesystem.Root")
		}
		noNUL(name+".Target", m.Target)
		sm := spec.Mount{Source: m.Source, Target: filepath.Clean(m.Target), Writable: m.Writable, Size: m.Size}
		switch m.Type {
		case MountBind:
			sm.Kind = spec.MountBind
			if !filepath.IsAbs(m.Source) {
				bad(name+".Source", m.Source, "must be an absolute host path")
			} else if _, err := os.Stat(m.Source); err != nil {
				bad(name+".Source", m.Source, "%w", err)
			}
			if m.Size != 0 {
				bad(name+".Size", fmt.Sprint(m.Size), "only a tmpfs has a size")
			}
		case MountTmpfs:
			sm.Kind = spec.MountTmpfs
			if m.Size < 0 {
				bad(name+".Size", fmt.Sprint(m.Size), "must not be negative")
			}
			if m.Source != "" {
				bad(name+".Source", m.Source, "a tmpfs has no source")
			}
		default:
			bad(name+".Type", fmt.Sprint(int(m.Type)), "unknown mount type")
		}
		mounts = append(mounts, sm)
	}

	uid, gid := c.Identity.UID, c.Identity.GID
	if c.Identity.Root {
		if uid != 0 {
			bad("Identity.UID", fmt.Sprint(uid), "cannot be set with Identity.Root")
		}
	} else {
		if uid == 0 {
			uid = nobody
		}
		if gid == 0 {
			gid = nobody
		}
	}
	for _, id := range append([]int{uid, gid}, c.Identity.Groups...) {
		if id < 0 || id > 1<<32-2 {
			bad("Identity", fmt.Sprint(id), "ids must be between 0 and 4294967294")
		}
	}
	if c.userNS() && os.Geteuid() != 0 {
		// Only the caller's own ids can be mapped without privileges: they
		// become 0 inside.
		if c.Identity.UID != 0 || c.Identity.GID != 0 || len(c.Identity.Groups) > 0 {
			bad("Identity", fmt.Sprint(c.Identity.UID), "an unprivileged caller's user namespace maps only uid and gid 0")
		}
		uid, gid = 0, 0
	}
	if all, err := caps.All(); err == nil {
		if extra := c.Capabilities.Keep.Difference(all); extra != 0 {
			bad("Capabilities.Keep", extra.String(), "unknown to the running kernel")
		}
	}
	if c.Network.Mode != NetworkNone && c.Network.Mode != NetworkHost {
		bad("Network.Mode", fmt.Sprint(int(c.Network.Mode)), "unknown network mode")
	}
	if c.GracePeriod < 0 {
		bad("GracePeriod", fmt.Sprint(c.GracePeriod), "must not be negative")
	}
	if err := c.Resources.cgroup().Resources.Validate(); err != nil {
		errs = append(errs, &OptionError{Option: "Resources", Value: fmt.Sprintf("%+v", c.Resources), Err: err})
	}
	rlimits, rerrs := c.Rlimits.spec()
	errs = append(errs, rerrs...)
	filter, err := c.seccompProgram()
	if err != nil {
		errs = append(errs, &OptionError{Option: "Seccomp.Policy", Value: policyName(c.Seccomp.Policy), Err: err})
	}
	if err := errors.Join(errs...); err != nil {
		if len(errs) == 1 {
			return nil, errs[0]
		}
		return nil, err
	}

	return &spec.Init{
		Hostname:     hostname,
		NewNet:       c.Network.Mode == NetworkNone,
		NewUTS:       !c.Namespaces.ShareUTS,
		PID1:         !c.Namespaces.SharePID,
		Root:         fs.Root,
		RootWritable: fs.RootWritable,
		Mounts:       mounts,
		TmpSize:      fs.TmpSize,
		Program: spec.Program{
			Path:    c.Path,
			Args:    args,
			Env:     env,
			Dir:     c.Dir,
			NFiles:  3 + len(c.ExtraFiles),
			UID:     uid,
			GID:     gid,
			Groups:  c.Identity.Groups,
			Caps:    uint64(c.Capabilities.Keep),
			Seccomp: filter,
			Rlimits: rlimits,
		},
	}, nil
}

// userNS reports whether the sandbox gets a user namespace of its own.
func (c *Cmd) userNS() bool { return c.Namespaces.User || os.Geteuid() != 0 }

// DefaultEnv returns the environment a Cmd with a nil Env gets, but for
// TERM: PATH, HOME=/tmp and LANG=C.UTF-8. Append to it to pass a few
// variables more.
func DefaultEnv() []string {
	return []string{"PATH=" + defaultPath, "HOME=/tmp", "LANG=C.UTF-8"}
}

// defaultEnv is the environment of a Cmd whose Env is nil: DefaultEnv, and
// the caller's TERM when the program's stdin or stdout is a terminal.
func (c *Cmd) defaultEnv() []string {
	env := DefaultEnv()
	if term := os.Getenv("TERM"); term != "" && (isTerminal(c.Stdin) || isTerminal(c.Stdout)) {
		env = append(env, "TERM="+term)
	}
	return env
}

// defaultFilters caches the assembled default policy per kept capability
// set: assembling it is the costly part of preparing a run.
var defaultFilters sync.Map // caps.Set -> []byte

// seccompProgram assembles the run's filter, or returns nil for Unconfined.
func (c *Cmd) seccompProgram() ([]byte, error) {
	p := c.Seccomp.Policy
	if p.IsUnconfined() {
		return nil, nil
	}
	keep := c.Capabilities.Keep
	if p == nil {
		if b, ok := defaultFilters.Load(keep); ok {
			return b.([]byte), nil
		}
		p = seccomp.DefaultFor(keep.Names())
	}
	prog, err := p.Assemble()
	if err != nil {
		return nil, err
	}
	b, err := seccomp.Program(prog).MarshalBinary()
	if err != nil {
		return nil, err
	}
	if c.Seccomp.Policy == nil {
		defaultFilters.Store(keep, b)
	}
	return b, nil
}

func policyName(p *seccomp.Policy) string {
	if p == nil {
		return "default"
	}
	return "custom"
}
