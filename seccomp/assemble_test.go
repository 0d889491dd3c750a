package seccomp

import (
	"math"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
)

// TestConditions checks each operator on boundary values of both 32-bit
// halves, against Go's own comparison.
func TestConditions(t *testing.T) {
	values := []uint64{0, 1, 2, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
		1 << 32, 1<<32 + 1, 1<<32 - 1, 0x1234567800000000, 0x12345678ffffffff,
		math.MaxUint64 - 1, math.MaxUint64}
	masks := []uint64{0, 0xffffffff, 0xffff0000, 0xffffffff00000000, 0x0000ffff0000ffff, math.MaxUint64}
	tg := mustTarget(t, "amd64")
	for op := OpEqual; op < numOps; op++ {
		for _, v := range values {
			for _, m := range masks {
				arg := Arg{Index: 3, Op: op, Value: v}
				if op == OpMaskedEqual {
					arg.Mask, arg.Value = m, v&m
				} else if m != 0 {
					continue
				}
				p := &Policy{Arch: "amd64", Rules: []Rule{Allow("read").When(arg), Allow("getpid")}}
				vmach := mustAssemble(t, p)
				for _, x := range values {
					d := tg.call(t, "read", 0, 0, 0, x)
					want := uint32(retEPERM)
					if argsHold([]Arg{arg}, d.args) {
						want = retAllow
					}
					if got := vmach.run(t, d); got != want {
						t.Errorf("%s with arg3 = %#x: got %#x, want %#x", arg, x, got, want)
					}
				}
			}
		}
	}
}

// TestAccumulatorReload is the case go-seccomp-bpf v1.6.0 gets wrong: after
// a failed argument check, the next rule must compare the system call
// number, not the argument left in the accumulator.
func TestAccumulatorReload(t *testing.T) {
	tg := mustTarget(t, "amd64")
	getpid := uint64(tg.mustNr(t, "getpid"))
	p := &Policy{Arch: "amd64", Rules: []Rule{
		Allow("socket").When(Eq(0, 1)),
		Allow("getpid"),
	}}
	v := mustAssemble(t, p)
	for _, tt := range []struct {
		d    seccompData
		want uint32
	}{
		{tg.call(t, "socket", 1), retAllow},
		{tg.call(t, "socket", getpid), retEPERM},
		{tg.call(t, "socket", 2), retEPERM},
		{tg.call(t, "getpid"), retAllow},
	} {
		if got := v.run(t, tt.d); got != tt.want {
			t.Errorf("nr %d args %v: got %#x, want %#x", tt.d.nr, tt.d.args[:2], got, tt.want)
		}
	}
}

func TestABIChecks(t *testing.T) {
	for _, tt := range []struct {
		arch   string
		native uint32
		others []uint32
	}{
		{"amd64", auditX86_64, []uint32{auditI386, auditAArch64, 0}},
		{"arm64", auditAArch64, []uint32{auditARM, auditX86_64}},
		{"386", auditI386, []uint32{auditX86_64}},
		{"arm", auditARM, []uint32{auditAArch64}},
	} {
		t.Run(tt.arch, func(t *testing.T) {
			tg := mustTarget(t, tt.arch)
			for _, def := range []Action{ActionAllow, ActionErrno} {
				p := &Policy{Arch: tt.arch, DefaultAction: def, Rules: []Rule{Allow("read"), Deny(1, "write")}}
				v := mustAssemble(t, p)
				read := tg.call(t, "read")
				if got := v.run(t, read); got != retAllow {
					t.Errorf("native read: %#x", got)
				}
				for _, other := range tt.others {
					d := read
					d.arch = other
					if got := v.run(t, d); got != retKillProcess {
						t.Errorf("default %v: read with arch %#x: got %#x, want kill_process", def, other, got)
					}
				}
				if tt.arch == "amd64" {
					// x32 read is 0 | __X32_SYSCALL_BIT; x32 calls with
					// their own numbers (512+) too.
					for _, nr := range []uint32{0x40000000, 0x40000000 | 39, 0x40000000 | 520, 0xffffffff} {
						d := read
						d.nr = nr
						if got := v.run(t, d); got != retENOSYS {
							t.Errorf("default %v: x32 nr %#x: got %#x, want ENOSYS", def, nr, got)
						}
					}
				}
				d := read
				d.nr = uint32(tg.max + 1)
				want := uint32(retAllow)
				if def == ActionErrno {
					want = retENOSYS
				}
				if got := v.run(t, d); got != want {
					t.Errorf("default %v: nr %d (newer than the table): got %#x, want %#x", def, d.nr, got, want)
				}
			}
		})
	}
}

func TestActionsAndErrnos(t *testing.T) {
	tg := mustTarget(t, "amd64")
	p := &Policy{Arch: "amd64", DefaultAction: ActionErrno, DefaultErrno: 13, Rules: []Rule{
		{Names: []string{"read"}, Action: ActionAllow},
		{Names: []string{"write"}, Action: ActionKillProcess},
		{Names: []string{"open"}, Action: ActionKillThread},
		{Names: []string{"close"}, Action: ActionTrap},
		{Names: []string{"stat"}, Action: ActionLog},
		Deny(0, "fstat"),
		Deny(95, "lstat"),
		Deny(4095, "poll"),
	}}
	v := mustAssemble(t, p)
	for name, want := range map[string]uint32{
		"read": retAllow, "write": retKillProcess, "open": retKillThread, "close": retTrap,
		"stat": retLog, "fstat": retEPERM, "lstat": 0x50000 | 95, "poll": 0x50000 | 4095,
		"lseek": 0x50000 | 13,
	} {
		if got := v.run(t, tg.call(t, name)); got != want {
			t.Errorf("%s: got %#x, want %#x", name, got, want)
		}
	}
}

// TestRandomPolicies compares the program with the reference evaluator on
// random policies and inputs built from the policies' own constants.
func TestRandomPolicies(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	names := []string{"read", "write", "open", "close", "stat", "fstat", "lstat", "poll", "lseek", "mmap", "socket", "getpid"}
	values := []uint64{0, 1, 2, 39, 41, 0xffffffff, 1 << 32, 1<<32 | 39, math.MaxUint64}
	tg := mustTarget(t, "amd64")
	n := 400
	if testing.Short() {
		n = 50
	}
	for i := 0; i < n; i++ {
		p := &Policy{Arch: "amd64", DefaultAction: Action(rng.IntN(int(numActions)))}
		for r := rng.IntN(8); r > 0; r-- {
			rule := Rule{Action: Action(rng.IntN(int(numActions)))}
			if rule.Action == ActionErrno {
				rule.Errno = syscall.Errno(rng.IntN(40))
			}
			for k := 1 + rng.IntN(3); k > 0; k-- {
				rule.Names = append(rule.Names, names[rng.IntN(len(names))])
			}
			for k := rng.IntN(4); k > 0; k-- {
				a := Arg{Index: uint(rng.IntN(3)), Op: Op(1 + rng.IntN(int(numOps)-1)), Value: values[rng.IntN(len(values))]}
				if a.Op == OpMaskedEqual {
					a.Mask = values[rng.IntN(len(values))] | values[rng.IntN(len(values))]
					a.Value &= a.Mask
				}
				rule.Args = append(rule.Args, a)
			}
			p.Rules = append(p.Rules, rule)
		}
		if p.Validate() != nil {
			continue // e.g. a rule shadowed by an earlier one
		}
		v := mustAssemble(t, p)
		for j := 0; j < 40; j++ {
			d := tg.call(t, names[rng.IntN(len(names))])
			for k := range 3 {
				d.args[k] = values[rng.IntN(len(values))] + uint64(rng.IntN(3)) - 1
			}
			if got, want := v.run(t, d), reference(p, d); got != want {
				t.Fatalf("policy %+v\ninput %+v: program says %#x, reference %#x", p, d, got, want)
			}
		}
	}
}

func TestLongRules(t *testing.T) {
	// Enough names and condition sets to need chunking and several blocks
	// for one call, with jumps that must stay within 255 instructions.
	tg := mustTarget(t, "amd64")
	var all []string
	for nr := 0; nr < 400; nr++ {
		if n, ok := tg.info.SyscallNumbers[nr]; ok {
			all = append(all, n)
		}
	}
	p := &Policy{Arch: "amd64", Rules: []Rule{Deny(1, "read").When(Eq(0, 7))}}
	for i := uint64(0); i < 100; i++ {
		p.Rules = append(p.Rules, Allow("read").When(Ge(1, i*10), Le(1, i*10+5)))
	}
	p.Rules = append(p.Rules, Allow(all[1:]...))
	v := mustAssemble(t, p)
	for _, d := range []seccompData{
		tg.call(t, "read", 7, 3), tg.call(t, "read", 0, 3), tg.call(t, "read", 0, 6),
		tg.call(t, "read", 0, 995), tg.call(t, "read", 0, 996), tg.call(t, "write"),
		tg.call(t, all[len(all)-1]), tg.call(t, "tkill"),
	} {
		if got, want := v.run(t, d), reference(p, d); got != want {
			t.Errorf("nr %d args %v: got %#x, want %#x", d.nr, d.args[:2], got, want)
		}
	}
}

func TestProgramTooLong(t *testing.T) {
	p := &Policy{Arch: "amd64"}
	for i := uint64(0); i < 300; i++ {
		p.Rules = append(p.Rules, Allow("read").When(Ge(1, i<<33), Le(1, i<<33+5), Ne(2, i<<40)))
	}
	if _, err := p.Assemble(); err == nil || !strings.Contains(err.Error(), "the kernel accepts at most 4096") {
		t.Errorf("Assemble() = %v, want a length error", err)
	}
}

func TestDumpNamesCalls(t *testing.T) {
	var b strings.Builder
	if err := Default().Dump(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"kill_process", "clone3", "errno 38 (ENOSYS)", "default: errno 1 (EPERM)", "arg0 & 0x7e020000 == 0x0: allow"} {
		if !strings.Contains(out, want) {
			t.Errorf("Dump output lacks %q", want)
		}
	}
}
