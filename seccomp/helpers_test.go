package seccomp

import (
	"encoding/binary"
	"syscall"
	"testing"

	gsb "github.com/elastic/go-seccomp-bpf"
	"golang.org/x/net/bpf"
)

// Kernel return values the tests expect, spelled out independently of
// Action.ret.
const (
	retAllow       = 0x7fff0000
	retKillProcess = 0x80000000
	retKillThread  = 0x00000000
	retTrap        = 0x00030000
	retLog         = 0x7ffc0000
	retEPERM       = 0x00050000 | 1
	retENOSYS      = 0x00050000 | 38
)

const (
	auditX86_64  = 0xc000003e
	auditI386    = 0x40000003
	auditAArch64 = 0xc00000b7
	auditARM     = 0x40000028
)

// seccompData is struct seccomp_data.
type seccompData struct {
	nr   uint32
	arch uint32
	ip   uint64
	args [6]uint64
}

// vmBytes encodes d for x/net/bpf's VM. The kernel loads each 32-bit word
// of seccomp_data in native (here little-endian) order; the VM loads
// packet words big-endian. Writing the struct little-endian and reversing
// each aligned word makes every load the VM does see what the kernel's
// would.
func (d seccompData) vmBytes() []byte {
	b := make([]byte, 64)
	binary.LittleEndian.PutUint32(b[0:], d.nr)
	binary.LittleEndian.PutUint32(b[4:], d.arch)
	binary.LittleEndian.PutUint64(b[8:], d.ip)
	for i, a := range d.args {
		binary.LittleEndian.PutUint64(b[16+8*i:], a)
	}
	for i := 0; i < len(b); i += 4 {
		b[i], b[i+1], b[i+2], b[i+3] = b[i+3], b[i+2], b[i+1], b[i]
	}
	return b
}

// vm runs an assembled program on seccomp_data values.
type vm struct{ m *bpf.VM }

func newVM(tb testing.TB, prog []bpf.RawInstruction) vm {
	tb.Helper()
	insts, ok := bpf.Disassemble(prog)
	if !ok {
		tb.Fatalf("program does not disassemble: %v", insts)
	}
	m, err := bpf.NewVM(insts) // also checks jumps stay in the program
	if err != nil {
		tb.Fatalf("NewVM: %v", err)
	}
	return vm{m}
}

func (v vm) run(tb testing.TB, d seccompData) uint32 {
	tb.Helper()
	r, err := v.m.Run(d.vmBytes())
	if err != nil {
		tb.Fatalf("VM: %v", err)
	}
	return uint32(r)
}

func mustAssemble(tb testing.TB, p *Policy) vm {
	tb.Helper()
	prog, err := p.Assemble()
	if err != nil {
		tb.Fatalf("Assemble: %v", err)
	}
	return newVM(tb, prog)
}

func mustTarget(tb testing.TB, goarch string) *target {
	tb.Helper()
	t, err := targetFor(goarch)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// mustNr returns the number of a system call on t.
func (t *target) mustNr(tb testing.TB, name string) uint32 {
	tb.Helper()
	nr, ok, _ := t.lookup(name)
	if !ok {
		tb.Fatalf("no system call %q on %s", name, t.goarch)
	}
	return uint32(nr)
}

// call returns seccomp_data for a native call of name on t.
func (t *target) call(tb testing.TB, name string, args ...uint64) seccompData {
	tb.Helper()
	d := seccompData{nr: t.mustNr(tb, name), arch: t.audit}
	copy(d.args[:], args)
	return d
}

// reference decides d for p the way the package documentation says a
// filter decides, written directly from the documentation rather than from
// the code generator: the oracle for the VM tests and the fuzzer.
func reference(p *Policy, d seccompData) uint32 {
	t, err := targetFor(p.Arch)
	if err != nil {
		panic(err)
	}
	if d.arch != t.audit {
		return retKillProcess
	}
	if t.goarch == "amd64" && d.nr&0x40000000 != 0 {
		return retENOSYS
	}
	if p.DefaultAction == ActionErrno && d.nr > uint32(t.max) {
		return retENOSYS
	}
	for _, r := range p.Rules {
		for _, n := range r.Names {
			nr, ok, _ := t.lookup(n)
			if ok && uint32(nr) == d.nr && argsHold(r.Args, d.args) {
				return refRet(r.Action, r.Errno)
			}
		}
	}
	return refRet(p.DefaultAction, p.DefaultErrno)
}

func argsHold(args []Arg, v [6]uint64) bool {
	for _, a := range args {
		x := v[a.Index]
		var ok bool
		switch a.Op {
		case OpEqual:
			ok = x == a.Value
		case OpNotEqual:
			ok = x != a.Value
		case OpLess:
			ok = x < a.Value
		case OpLessOrEqual:
			ok = x <= a.Value
		case OpGreater:
			ok = x > a.Value
		case OpGreaterOrEqual:
			ok = x >= a.Value
		case OpMaskedEqual:
			ok = x&a.Mask == a.Value
		}
		if !ok {
			return false
		}
	}
	return true
}

func refRet(a Action, errno syscall.Errno) uint32 {
	switch a {
	case ActionAllow:
		return retAllow
	case ActionKillProcess:
		return retKillProcess
	case ActionKillThread:
		return retKillThread
	case ActionTrap:
		return retTrap
	case ActionLog:
		return retLog
	}
	if errno == 0 {
		errno = 1
	}
	return 0x00050000 | uint32(errno)
}

// Keep go-seccomp-bpf's constants and ours in step.
func TestKernelActionValues(t *testing.T) {
	for a, want := range map[Action]uint32{
		ActionAllow: retAllow, ActionKillProcess: retKillProcess, ActionKillThread: retKillThread,
		ActionTrap: retTrap, ActionLog: retLog, ActionErrno: 0x00050000,
	} {
		if got := uint32(kernelActions[a]); got != want {
			t.Errorf("kernelActions[%v] = %#x, want %#x", a, got, want)
		}
	}
	if gsb.ActionErrno.String() != "errno" {
		t.Errorf("go-seccomp-bpf changed its action names")
	}
}
