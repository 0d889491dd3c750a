package sandbox

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"sync/atomic"
	"time"
)

// Cmd is a program to run in a sandbox. It mirrors os/exec.Cmd: set the
// fields, then call Start and Wait, or Run, Output or CombinedOutput. The
// isolation fields' zero values are the secure defaults; a Cmd cannot be
// reused after Start.
type Cmd struct {
	// Path is the program to run. If it contains no slash it is looked up
	// in the PATH of Env inside the sandbox's view, when the program starts;
	// a relative path with a slash is taken relative to Dir.
	Path string
	// Args holds the arguments, including the program name as Args[0]. If
	// Args is empty, Run uses {Path}.
	Args []string
	// Env is the program's environment. If Env is nil the program gets a
	// small default: PATH, HOME=/tmp, LANG=C.UTF-8, and TERM when the
	// caller's stdin or stdout is a terminal. No variable of the caller is
	// passed unless it is in Env.
	Env []string
	// Dir is the working directory inside the sandbox (absolute); "" means /.
	Dir string

	// Stdin, Stdout and Stderr work as in os/exec: nil means the null
	// device, an *os.File is passed directly, and any other reader or
	// writer is copied by a goroutine through a pipe.
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// ExtraFiles are passed to the program as descriptors 3, 4, ... No other
	// descriptor of the caller reaches the program.
	ExtraFiles []*os.File

	// The isolation, each also an Option for Run.
	Namespaces   Namespaces
	Filesystem   Filesystem
	Network      Network
	Identity     Identity
	Hostname     Hostname
	Capabilities Capabilities
	Seccomp      Seccomp
	Resources    Resources
	Rlimits      Rlimits

	// GracePeriod is how long the program gets between SIGTERM and SIGKILL
	// when the context is done. Zero kills at once.
	GracePeriod GracePeriod

	// WaitDelay bounds how long Wait waits for Stdout/Stderr copying to
	// finish once the sandbox is gone, as in os/exec. Zero waits until EOF.
	WaitDelay time.Duration

	// Process is the sandbox's init once started: signals sent to it are
	// passed on to the program, and Kill ends the whole sandbox.
	Process *os.Process
	// ProcessState is the init's state after Wait; the program's own exit
	// status is in Result and in *ExitError.
	ProcessState *os.ProcessState
	// Result is set by Wait: how the program ended and what it cost.
	Result *Result

	// Err is a configuration error found when the Cmd was built (see
	// Command); Start returns it.
	Err error

	ctx      context.Context
	run      *run // the running sandbox, set by Start
	started  atomic.Bool
	finished atomic.Bool
}

// Command returns a Cmd to run the named program with the given arguments
// in a sandbox with the default isolation. Like exec.Command it sets only
// Path and Args; name is looked up inside the sandbox at Start.
func Command(name string, arg ...string) *Cmd {
	return &Cmd{Path: name, Args: append([]string{name}, arg...)}
}

// CommandContext is like Command but ties the run to ctx: when ctx is done
// before the program ends, the whole sandbox is killed (after GracePeriod).
func CommandContext(ctx context.Context, name string, arg ...string) *Cmd {
	if ctx == nil {
		panic("sandbox: nil Context")
	}
	c := Command(name, arg...)
	c.ctx = ctx
	return c
}

// Run starts the program and waits for it to end, as exec.Cmd.Run.
func (c *Cmd) Run() error {
	if err := c.Start(); err != nil {
		return err
	}
	return c.Wait()
}

// Output runs the program and returns its standard output. If Stderr is
// nil, an *ExitError carries the first 32 KiB of standard error.
func (c *Cmd) Output() ([]byte, error) {
	if c.Stdout != nil {
		return nil, errors.New("sandbox: Stdout already set")
	}
	var stdout bytes.Buffer
	c.Stdout = &stdout
	var stderr *prefixBuffer
	if c.Stderr == nil {
		stderr = &prefixBuffer{max: 32 << 10}
		c.Stderr = stderr
	}
	err := c.Run()
	var ee *ExitError
	if stderr != nil && errors.As(err, &ee) {
		ee.Stderr = stderr.b
	}
	return stdout.Bytes(), err
}

// CombinedOutput runs the program and returns its standard output and
// standard error together.
func (c *Cmd) CombinedOutput() ([]byte, error) {
	if c.Stdout != nil || c.Stderr != nil {
		return nil, errors.New("sandbox: Stdout or Stderr already set")
	}
	// os/exec copies both through one pipe when they are the same writer.
	var b bytes.Buffer
	c.Stdout, c.Stderr = &b, &b
	err := c.Run()
	return b.Bytes(), err
}

// Run applies opts to cmd, runs it under ctx and returns the Result. A
// non-zero exit is reported in the Result and as an *ExitError; a failed set
// up as a *SetupError (or *OptionError) with a nil Result.
func Run(ctx context.Context, cmd *Cmd, opts ...Option) (*Result, error) {
	for _, o := range opts {
		o.apply(cmd)
	}
	if ctx != nil {
		cmd.ctx = ctx
	}
	err := cmd.Run()
	return cmd.Result, err
}

// prefixBuffer keeps the first max bytes written to it.
type prefixBuffer struct {
	b   []byte
	max int
}

func (w *prefixBuffer) Write(p []byte) (int, error) {
	if n := w.max - len(w.b); n > 0 {
		w.b = append(w.b, p[:min(n, len(p))]...)
	}
	return len(p), nil
}

// Start starts the sandbox and the program in it, and returns once the
// program has been executed or the set-up has failed. A set-up failure
// returns a *SetupError (or an *OptionError for a bad option, before
// anything is started) and leaves nothing behind.
func (c *Cmd) Start() error {
	if c.Err != nil {
		return c.Err
	}
	if c.started.Swap(true) {
		return errors.New("sandbox: already started")
	}
	if !initCalled.Load() {
		return ErrInitNotCalled
	}
	if c.ctx != nil {
		if err := c.ctx.Err(); err != nil {
			return err
		}
	}
	return c.start()
}

// Wait waits for the program to exit, kills whatever is left of the
// sandbox, waits for the copying of Stdin, Stdout and Stderr, and sets
// Result and ProcessState. A program that exits with a non-zero status or is
// killed by a signal gives an *ExitError; when the context ended the run,
// that error also wraps the context's error.
func (c *Cmd) Wait() error {
	if c.run == nil {
		return errors.New("sandbox: not started")
	}
	if c.finished.Swap(true) {
		return errors.New("sandbox: Wait was already called")
	}
	return c.wait()
}
