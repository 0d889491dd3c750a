// Command sbx runs a program in a lockbox sandbox from the shell.
//
//	sbx [flags] [--] PROGRAM [ARG...]
//
// It exits with the program's status; 128+N when a signal N killed it; 125
// when the sandbox could not be set up (or a flag is bad); 126 when the
// program cannot be executed; 127 when it is not found. --result writes the
// run's verdict and usage as JSON.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/lockbox-dev/lockbox/caps"
	"github.com/lockbox-dev/lockbox/sandbox"
)

const (
	exitSetup    = 125
	exitNoExec   = 126
	exitNotFound = 127
)

func main() {
	sandbox.Init()
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// options holds the parsed command line.
type options struct {
	cmd     *sandbox.Cmd
	timeout time.Duration
	result  string
	opts    []sandbox.Option
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o, err := parse(args)
	if err != nil {
		fmt.Fprintln(stderr, "sbx:", err)
		return exitSetup
	}
	cmd := o.cmd
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.timeout)
		defer cancel()
	}
	res, err := sandbox.Run(ctx, cmd, o.opts...)
	code := exitCode(res, err)
	if code >= exitSetup && res == nil {
		fmt.Fprintln(stderr, "sbx:", err)
	}
	if o.result != "" {
		if werr := writeResult(o.result, res, err); werr != nil {
			fmt.Fprintln(stderr, "sbx:", werr)
			if code == 0 {
				code = exitSetup
			}
		}
	}
	return code
}

// exitCode maps a run's outcome to sbx's exit status.
func exitCode(res *sandbox.Result, err error) int {
	var se *sandbox.SetupError
	switch {
	case res != nil && res.Signal != 0:
		return 128 + int(res.Signal)
	case res != nil:
		return res.ExitCode
	case errors.Is(err, sandbox.ErrNotFound):
		return exitNotFound
	case errors.As(err, &se) && se.Step == "exec":
		return exitNoExec
	}
	return exitSetup
}

// resultJSON is the --result file.
type resultJSON struct {
	ExitCode        int     `json:"exit_code"`
	Signal          string  `json:"signal"`
	TimedOut        bool    `json:"timed_out"`
	OOMKilled       bool    `json:"oom_killed"`
	WallSeconds     float64 `json:"wall_seconds"`
	CPUSeconds      float64 `json:"cpu_seconds"`
	PeakMemoryBytes int64   `json:"peak_memory_bytes"`
	Error           string  `json:"error,omitempty"`
}

func writeResult(path string, res *sandbox.Result, err error) error {
	var r resultJSON
	if res != nil {
		r = resultJSON{
			ExitCode:        res.ExitCode,
			TimedOut:        res.TimedOut,
			OOMKilled:       res.OOMKilled,
			WallSeconds:     res.WallTime.Seconds(),
			CPUSeconds:      res.CPUTime().Seconds(),
			PeakMemoryBytes: res.PeakMemory,
		}
		if res.Signal != 0 {
			r.Signal = signalName(res.Signal)
		}
	} else {
		r.ExitCode = exitCode(nil, err)
		r.Error = err.Error()
	}
	b, merr := json.MarshalIndent(r, "", "  ")
	if merr != nil {
		return merr
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// signalName is the conventional name of sig, e.g. "SIGKILL".
func signalName(sig syscall.Signal) string {
	for name, s := range signals {
		if s == sig {
			return name
		}
	}
	return "SIG" + strconv.Itoa(int(sig))
}

var signals = map[string]syscall.Signal{
	"SIGHUP": syscall.SIGHUP, "SIGINT": syscall.SIGINT, "SIGQUIT": syscall.SIGQUIT,
	"SIGILL": syscall.SIGILL, "SIGTRAP": syscall.SIGTRAP, "SIGABRT": syscall.SIGABRT,
	"SIGBUS": syscall.SIGBUS, "SIGFPE": syscall.SIGFPE, "SIGKILL": syscall.SIGKILL,
	"SIGUSR1": syscall.SIGUSR1, "SIGSEGV": syscall.SIGSEGV, "SIGUSR2": syscall.SIGUSR2,
	"SIGPIPE": syscall.SIGPIPE, "SIGALRM": syscall.SIGALRM, "SIGTERM": syscall.SIGTERM,
	"SIGXCPU": syscall.SIGXCPU, "SIGXFSZ": syscall.SIGXFSZ, "SIGSYS": syscall.SIGSYS,
}

// parse turns the command line into a Cmd and options. Every bad flag or
// value is an error naming the flag.
func parse(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("sbx", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		memory, pids, cpus, netMode, root, chdir, hostname, seccompProfile string
		uid, gid                                                           int
		binds, roBinds, tmpfs, env, capAdd                                 list
	)
	fs.StringVar(&memory, "memory", "", "memory limit (64M, 1G, bytes)")
	fs.StringVar(&pids, "pids", "", "process/thread limit")
	fs.StringVar(&cpus, "cpus", "", "CPU quota in cores (0.5, 2)")
	fs.DurationVar(&o.timeout, "timeout", 0, "wall-clock limit (Go duration)")
	fs.StringVar(&netMode, "net", "none", "none (loopback only) | host")
	fs.Var(&binds, "bind", "read-write bind mount SRC[:DST]")
	fs.Var(&roBinds, "ro-bind", "read-only bind mount SRC[:DST]")
	fs.Var(&tmpfs, "tmpfs", "a private tmpfs at DST")
	fs.StringVar(&root, "root", "", "DIR as the root filesystem")
	fs.StringVar(&chdir, "chdir", "", "working directory inside")
	fs.Var(&env, "env", "KEY=VALUE (repeatable)")
	fs.StringVar(&hostname, "hostname", "", "host name inside")
	fs.IntVar(&uid, "uid", -1, "uid inside")
	fs.IntVar(&gid, "gid", -1, "gid inside")
	fs.Var(&capAdd, "cap-add", "keep this capability (repeatable)")
	fs.StringVar(&seccompProfile, "seccomp", "default", "default | unconfined | FILE")
	fs.StringVar(&o.result, "result", "", "write the result as JSON to FILE")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, errors.New("usage: sbx [flags] [--] PROGRAM [ARG...]")
		}
		return nil, err
	}
	if fs.NArg() == 0 {
		return nil, errors.New("no PROGRAM given: usage: sbx [flags] [--] PROGRAM [ARG...]")
	}
	o.cmd = sandbox.Command(fs.Arg(0), fs.Args()[1:]...)
	c := o.cmd

	if o.timeout < 0 {
		return nil, fmt.Errorf("--timeout %v: must not be negative", o.timeout)
	}
	if err := parseResources(o, memory, pids, cpus); err != nil {
		return nil, err
	}
	switch netMode {
	case "none":
	case "host":
		c.Network.Mode = sandbox.NetworkHost
	default:
		return nil, fmt.Errorf("--net %q: want none or host", netMode)
	}
	for _, spec := range []struct {
		name     string
		vals     list
		writable bool
	}{{"--bind", binds, true}, {"--ro-bind", roBinds, false}} {
		for _, v := range spec.vals {
			src, dst, ok := strings.Cut(v, ":")
			if !ok {
				dst = src
			}
			if src == "" || dst == "" {
				return nil, fmt.Errorf("%s %q: want SRC[:DST]", spec.name, v)
			}
			if !strings.HasPrefix(src, "/") {
				abs, err := filepath.Abs(src)
				if err != nil {
					return nil, fmt.Errorf("%s %q: %v", spec.name, v, err)
				}
				src = abs
			}
			if _, err := os.Stat(src); err != nil {
				return nil, fmt.Errorf("%s %q: %v", spec.name, v, errors.Unwrap(err))
			}
			if !strings.HasPrefix(dst, "/") {
				return nil, fmt.Errorf("%s %q: DST must be an absolute path inside the sandbox", spec.name, v)
			}
			c.Filesystem.Mounts = append(c.Filesystem.Mounts,
				sandbox.Mount{Type: sandbox.MountBind, Source: src, Target: dst, Writable: spec.writable})
		}
	}
	for _, dst := range tmpfs {
		if !strings.HasPrefix(dst, "/") {
			return nil, fmt.Errorf("--tmpfs %q: must be an absolute path inside the sandbox", dst)
		}
		c.Filesystem.Mounts = append(c.Filesystem.Mounts, sandbox.Tmpfs(dst, 0))
	}
	if root != "" {
		abs, err := filepath.Abs(root)
		if err != nil {
			return nil, fmt.Errorf("--root %q: %v", root, err)
		}
		if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("--root %q: not a directory", root)
		}
		c.Filesystem.Root = abs
	}
	if chdir != "" && !strings.HasPrefix(chdir, "/") {
		return nil, fmt.Errorf("--chdir %q: must be an absolute path inside the sandbox", chdir)
	}
	c.Dir = chdir
	if len(env) > 0 {
		c.Env = append(sandbox.DefaultEnv(), env...)
	}
	for _, kv := range env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return nil, fmt.Errorf("--env %q: want KEY=VALUE", kv)
		}
	}
	c.Hostname = sandbox.Hostname(hostname)
	switch {
	case uid == 0:
		c.Identity.Root = true
	case uid > 0:
		c.Identity.UID = uid
	case uid < -1:
		return nil, fmt.Errorf("--uid %d: must not be negative", uid)
	}
	switch {
	case gid == 0 && uid != 0:
		return nil, errors.New("--gid 0: only with --uid 0")
	case gid >= 0:
		c.Identity.GID = gid
	case gid < -1:
		return nil, fmt.Errorf("--gid %d: must not be negative", gid)
	}
	keep, err := caps.ParseSet(capAdd...)
	if err != nil {
		return nil, fmt.Errorf("--cap-add: %v", err)
	}
	c.Capabilities.Keep = keep
	if err := parseSeccomp(o, seccompProfile, keep); err != nil {
		return nil, err
	}
	return o, nil
}

// parseSize reads 64M, 1G, 512K or a plain number of bytes.
func parseSize(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"), strings.HasSuffix(s, "k"):
		mult = 1 << 10
	case strings.HasSuffix(s, "M"), strings.HasSuffix(s, "m"):
		mult = 1 << 20
	case strings.HasSuffix(s, "G"), strings.HasSuffix(s, "g"):
		mult = 1 << 30
	}
	if mult != 1 {
		s = s[:len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, errors.New("want a positive size such as 64M, 1G or a number of bytes")
	}
	return n * mult, nil
}

// list is a repeatable string flag.
type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }
