//go:build linux

package nsenter

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/lockbox-dev/lockbox/internal/spec"
)

// A stepError is a failed setup step: it becomes a spec.Report of kind
// KindError and, in the supervisor, a *sandbox.SetupError.
type stepError struct {
	step     string
	path     string
	err      error
	notFound bool
}

func (e *stepError) Error() string {
	if e.path != "" {
		return e.step + " " + e.path + ": " + e.err.Error()
	}
	return e.step + ": " + e.err.Error()
}

func (e *stepError) Unwrap() error { return e.err }

// fail wraps err as the failure of step on path; nil stays nil.
func fail(step, path string, err error) error {
	if err == nil {
		return nil
	}
	var se *stepError
	if errors.As(err, &se) {
		return err
	}
	return &stepError{step: step, path: path, err: err}
}

// report writes one status line. Errors are ignored: the supervisor that
// cannot read it sees EOF instead, which it treats as a failure.
func report(w *os.File, r spec.Report) {
	b, _ := json.Marshal(r)
	b = append(b, '\n')
	w.Write(b)
}

// errorReport turns any error of the init into the report the supervisor
// turns into a *sandbox.SetupError.
func errorReport(err error) spec.Report {
	r := spec.Report{Kind: spec.KindError, Step: "init", Msg: err.Error()}
	var se *stepError
	if errors.As(err, &se) {
		r.Step, r.Path, r.NotFound = se.step, se.path, se.notFound
		r.Msg = se.err.Error()
	}
	var errno unix.Errno
	if errors.As(err, &errno) {
		r.Errno = int(errno)
	}
	return r
}

// die reports err on the status fd and exits. Exit status 125 is what sbx
// uses for a sandbox that could not be set up.
func die(status *os.File, err error) {
	if status != nil {
		report(status, errorReport(err))
	} else {
		fmt.Fprintln(os.Stderr, "lockbox init:", err)
	}
	os.Exit(125)
}
