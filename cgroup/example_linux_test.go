//go:build linux

package cgroup_test

import (
	"fmt"
	"os/exec"
	"syscall"

	"github.com/lockbox-dev/lockbox/cgroup"
)

// ExampleNew runs a program in a group of its own and reports its usage.
// On cgroup v1 the child must be added before it runs: start it blocked
// (here: a shell that waits for a line on stdin), call AddProc, release it.
func ExampleNew() {
	m, err := cgroup.New(cgroup.Options{
		Resources: cgroup.Resources{Memory: 256 << 20, PIDs: 64, CPUs: 1},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Delete() // kills what is left, removes the group, closes FD

	var cmd *exec.Cmd
	if fd, ok := m.FD(); ok { // cgroup v2, Linux 5.7: born inside the group
		cmd = exec.Command("python3", "-c", "print(6*7)")
		cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
		err = cmd.Run()
	} else { // cgroup v1: gate the child until AddProc placed it
		cmd = exec.Command("/bin/sh", "-c", `read _ && exec python3 -c "print(6*7)"`)
		stdin, _ := cmd.StdinPipe()
		if err = cmd.Start(); err == nil {
			if err = m.AddProc(cmd.Process.Pid); err != nil {
				cmd.Process.Kill()
			}
			stdin.Write([]byte("\n"))
			stdin.Close()
			if werr := cmd.Wait(); err == nil {
				err = werr
			}
		}
	}
	m.Kill() // the program's background processes, if any
	st, serr := m.Stats()
	fmt.Println(err, serr, st.CPUUser+st.CPUSystem, st.MemoryPeak, st.OOMKills)
}
