package seccomp

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"syscall"
)

// maxErrno is the largest errno a filter can return (MAX_ERRNO in
// include/linux/err.h); the kernel clamps larger SECCOMP_RET_DATA to it.
const maxErrno = 4095

// Linux errno values used by the filter itself. They are Linux numbers on
// every GOOS (syscall.ENOSYS is 78 on darwin), since the filter runs on Linux.
const (
	linuxEPERM  = 1
	linuxENOSYS = 38
)

// An Arg is a condition on one system call argument. All of a Rule's Args
// must hold for the rule to match; several Args may test the same argument
// (two make a range: Ge(0, 13), Le(0, 18)).
//
// Arguments are compared as 64-bit values, as the kernel passes them to the
// filter. Warning: for an argument the kernel declares as a 32-bit int,
// the upper half of the register is ignored by the kernel but seen by the
// filter, so a rule that allows by "!=", ">" or ">=" on such an argument
// can be bypassed with garbage in the upper half. Allow by equality or by
// bounded ranges, and deny with OpMaskedEqual and a 0xffffffff mask (as
// [Default] does for ioctl's TIOCSTI).
type Arg struct {
	Index uint   // argument number, 0 to 5
	Op    Op     // comparison; the zero Op is invalid
	Value uint64 // compared with the argument (after masking, for OpMaskedEqual)
	Mask  uint64 // for OpMaskedEqual only: the bits of the argument compared
}

// Eq returns the condition "argument index == value".
func Eq(index uint, value uint64) Arg { return Arg{Index: index, Op: OpEqual, Value: value} }

// Ne returns the condition "argument index != value".
func Ne(index uint, value uint64) Arg { return Arg{Index: index, Op: OpNotEqual, Value: value} }

// Lt returns the condition "argument index < value".
func Lt(index uint, value uint64) Arg { return Arg{Index: index, Op: OpLess, Value: value} }

// Le returns the condition "argument index <= value".
func Le(index uint, value uint64) Arg { return Arg{Index: index, Op: OpLessOrEqual, Value: value} }

// Gt returns the condition "argument index > value".
func Gt(index uint, value uint64) Arg { return Arg{Index: index, Op: OpGreater, Value: value} }

// Ge returns the condition "argument index >= value".
func Ge(index uint, value uint64) Arg { return Arg{Index: index, Op: OpGreaterOrEqual, Value: value} }

// MaskedEq returns the condition "argument index & mask == value"
// (libseccomp's SCMP_CMP_MASKED_EQ).
func MaskedEq(index uint, mask, value uint64) Arg {
	return Arg{Index: index, Op: OpMaskedEqual, Value: value, Mask: mask}
}

// String returns the condition in C-like notation, such as "arg0 == 0x2" or
// "arg1 & 0xffffffff == 0x5412".
func (a Arg) String() string {
	if a.Op == OpMaskedEqual {
		return fmt.Sprintf("arg%d & %#x == %#x", a.Index, a.Mask, a.Value)
	}
	sym := a.Op.String()
	if a.Op.valid() {
		sym = opNames[a.Op].symbol
	}
	return fmt.Sprintf("arg%d %s %#x", a.Index, sym, a.Value)
}

// A Rule gives an action to the system calls it names, when all its Args
// hold.
type Rule struct {
	// Names are system call names as in the kernel's tables ("openat",
	// "clone3"). A name that exists on other architectures but not on the
	// policy's is skipped; a name that exists nowhere is an error.
	Names []string
	// Action is what the filter does with a matching call. The zero Action
	// is ActionErrno: a rule that names no action denies.
	Action Action
	// Errno is the Linux errno returned for ActionErrno, 1 to 4095; zero
	// means EPERM. It must be zero for other actions.
	Errno syscall.Errno
	// Args are conditions on the call's arguments, all of which must hold.
	// A rule without Args matches every call to its Names.
	Args []Arg
}

// Allow returns a rule that lets the named system calls run.
func Allow(names ...string) Rule { return Rule{Names: names, Action: ActionAllow} }

// Deny returns a rule that fails the named system calls with errno (EPERM
// if errno is zero) without running them.
func Deny(errno syscall.Errno, names ...string) Rule {
	return Rule{Names: names, Action: ActionErrno, Errno: errno}
}

// When returns a copy of r that matches only when all of args hold, in
// addition to r's own Args.
func (r Rule) When(args ...Arg) Rule {
	r.Args = append(slices.Clip(r.Args), args...)
	r.Names = slices.Clone(r.Names)
	return r
}

// A Policy is a seccomp filter described as data: ordered rules and a
// default action for the calls no rule matches. The first rule that matches
// a call decides it. Assemble turns the policy into a BPF program for
// [Load].
//
// The zero Policy denies every system call with EPERM. A nil *Policy is not
// a policy; the sandbox package takes it to mean [Default]. [Unconfined]
// is the explicit way to install no filter at all.
type Policy struct {
	// DefaultAction is what the filter does with calls no rule matches.
	// The zero value, ActionErrno, makes the policy an allowlist.
	DefaultAction Action
	// DefaultErrno is the Linux errno for DefaultAction ActionErrno, 1 to
	// 4095; zero means EPERM. It must be zero for other actions.
	DefaultErrno syscall.Errno
	// Rules are tried in order; the first that matches decides the call.
	// A rule after one that matches every call to a name (a rule without
	// Args) can never match that name, and Validate reports it.
	Rules []Rule
	// Arch is the architecture the program is for, as a GOARCH name
	// ("amd64", "arm64", "386", "arm"); "" means runtime.GOARCH. Only that
	// architecture's native ABI passes the filter (see "# Architectures
	// and ABIs" in the package documentation).
	Arch string

	unconfined bool // set only by Unconfined
}

// Unconfined returns the explicit opt-out: a policy for which IsUnconfined
// reports true, meaning "install no seccomp filter". It has no program:
// Assemble and Dump return [ErrUnconfined].
func Unconfined() *Policy { return &Policy{unconfined: true} }

// IsUnconfined reports whether p was made by [Unconfined]: the runtime must
// then install no filter. It reports false for a nil *Policy.
func (p *Policy) IsUnconfined() bool { return p != nil && p.unconfined }

// Allowlist returns a policy that allows the named system calls and fails
// every other with EPERM.
func Allowlist(names ...string) *Policy {
	p := &Policy{DefaultAction: ActionErrno}
	if len(names) > 0 {
		p.Rules = []Rule{Allow(slices.Clone(names)...)}
	}
	return p
}

// Denylist returns a policy that fails the named system calls with errno
// (EPERM if zero) and allows every other. Warning: a denylist lets through
// every call it does not name, including calls added to Linux after it was
// written; prefer [Default] or an [Allowlist].
func Denylist(errno syscall.Errno, names ...string) *Policy {
	p := &Policy{DefaultAction: ActionAllow}
	if len(names) > 0 {
		p.Rules = []Rule{Deny(errno, slices.Clone(names)...)}
	}
	return p
}

// Clone returns a deep copy of p.
func (p *Policy) Clone() *Policy {
	if p == nil {
		return nil
	}
	c := *p
	c.Rules = make([]Rule, len(p.Rules))
	for i, r := range p.Rules {
		r.Names = slices.Clone(r.Names)
		r.Args = slices.Clone(r.Args)
		c.Rules[i] = r
	}
	return &c
}

// Allow returns a copy of p in which the named system calls are allowed
// whatever their arguments: they are removed from p's rules and allowed by
// a rule added at the end. For example Default().Allow("ptrace") lets
// debuggers run.
func (p *Policy) Allow(names ...string) *Policy {
	return p.override(Allow(slices.Clone(names)...))
}

// Deny returns a copy of p in which the named system calls fail with errno
// (EPERM if zero) whatever their arguments: they are removed from p's rules
// and denied by a rule added at the end. For example
// Default().Deny(unix.EPERM, "mkdir", "mkdirat").
func (p *Policy) Deny(errno syscall.Errno, names ...string) *Policy {
	return p.override(Deny(errno, slices.Clone(names)...))
}

func (p *Policy) override(r Rule) *Policy {
	c := p.Clone()
	if c == nil {
		c = &Policy{}
	}
	rules := c.Rules[:0]
	for _, old := range c.Rules {
		old.Names = slices.DeleteFunc(old.Names, func(n string) bool { return slices.Contains(r.Names, n) })
		if len(old.Names) > 0 {
			rules = append(rules, old)
		}
	}
	c.Rules = append(rules, r)
	return c
}

// Validate reports every problem that would stop p from assembling, joined
// with [errors.Join]: unknown system call names, rules that can never
// match, invalid actions, errnos or conditions.
func (p *Policy) Validate() error {
	_, err := p.compile()
	if errors.Is(err, ErrUnconfined) {
		return nil
	}
	return err
}

// A block is one piece of the program: a set of system calls with one
// action (nrs) or one system call with alternative condition sets (sets).
type block struct {
	rule  int      // index of the first rule it comes from
	act   Action   // what a match does
	errno uint16   // resolved errno for ActionErrno
	nrs   []int    // unconditional: the calls that match
	nr    int      // conditional: the call
	sets  [][]Arg  // conditional: the call matches if all Args of any set hold
	names []string // names of nrs, or of nr, for Dump
}

// compiled is a validated policy resolved for its target.
type compiled struct {
	t             *target
	defaultAction Action
	defaultErrno  uint16
	blocks        []block
}

// errnoFor resolves an action's errno, reporting misuse.
func errnoFor(a Action, e syscall.Errno) (uint16, error) {
	switch {
	case !a.valid():
		return 0, fmt.Errorf("invalid action %d", uint8(a))
	case a != ActionErrno && e != 0:
		return 0, fmt.Errorf("errno %d is set but the action is %s", uint(e), a)
	case e > maxErrno:
		return 0, fmt.Errorf("errno %d is out of range 1-%d", uint(e), maxErrno)
	case a == ActionErrno && e == 0:
		return linuxEPERM, nil
	}
	return uint16(e), nil
}

// checkArg reports what is wrong with a, if anything.
func checkArg(a Arg) error {
	switch {
	case a.Index > 5:
		return fmt.Errorf("argument index %d is out of range 0-5", a.Index)
	case !a.Op.valid():
		return fmt.Errorf("condition on arg%d has no valid operator (Op %d)", a.Index, uint8(a.Op))
	case a.Op != OpMaskedEqual && a.Mask != 0:
		return fmt.Errorf("condition %s has a mask, which only OpMaskedEqual uses", a)
	case a.Op == OpMaskedEqual && a.Value&^a.Mask != 0:
		return fmt.Errorf("condition %s can never hold: the value has bits outside the mask", a)
	}
	return nil
}

// compile validates p and resolves it into blocks for its target. It
// returns ErrUnconfined for an unconfined policy.
func (p *Policy) compile() (*compiled, error) {
	if p == nil {
		return nil, errors.New("seccomp: nil policy")
	}
	if p.unconfined {
		if len(p.Rules) > 0 || p.DefaultAction != 0 || p.DefaultErrno != 0 {
			return nil, errors.New("seccomp: an unconfined policy cannot have rules or a default action")
		}
		return nil, ErrUnconfined
	}
	var problems []error
	c := &compiled{}
	t, err := targetFor(p.Arch)
	if err != nil {
		problems = append(problems, err)
	}
	c.t = t
	if e, err := errnoFor(p.DefaultAction, p.DefaultErrno); err != nil {
		problems = append(problems, fmt.Errorf("seccomp: default action: %w", err))
	} else {
		c.defaultAction, c.defaultErrno = p.DefaultAction, e
	}
	decided := map[string]int{} // name -> rule that matches all its calls
	for i, r := range p.Rules {
		errno, err := errnoFor(r.Action, r.Errno)
		if err != nil {
			problems = append(problems, fmt.Errorf("seccomp: rule %d: %w", i, err))
		}
		if len(r.Names) == 0 {
			problems = append(problems, fmt.Errorf("seccomp: rule %d: no system call names", i))
		}
		argsOK := true
		for _, a := range r.Args {
			if err := checkArg(a); err != nil {
				problems = append(problems, fmt.Errorf("seccomp: rule %d: %w", i, err))
				argsOK = false
			}
		}
		if n := setSize(r.Args); argsOK && n > maxSetSize {
			problems = append(problems, fmt.Errorf("seccomp: rule %d: its %d conditions need %d instructions, more than the %d one rule may use", i, len(r.Args), n, maxSetSize))
		}
		var nrs []int
		var names []string
		for _, name := range r.Names {
			if name == "" {
				problems = append(problems, fmt.Errorf("seccomp: rule %d: empty system call name", i))
				continue
			}
			if slices.Contains(names, name) {
				continue // listed twice in one rule: harmless
			}
			if j, ok := decided[name]; ok {
				problems = append(problems, fmt.Errorf("seccomp: rule %d %q: unreachable: rule %d already decides every %s call", i, name, j, name))
				continue
			}
			if t == nil {
				continue
			}
			nr, ok, foreign := t.lookup(name)
			switch {
			case ok:
				nrs = append(nrs, nr)
				names = append(names, name)
			case !foreign:
				problems = append(problems, fmt.Errorf("seccomp: rule %d %q: %w", i, name, ErrUnknownSyscall))
			}
			if len(r.Args) == 0 {
				decided[name] = i
			}
		}
		if len(nrs) == 0 {
			continue // every name is foreign to this architecture
		}
		if len(r.Args) == 0 {
			c.blocks = append(c.blocks, block{rule: i, act: r.Action, errno: errno, nrs: nrs, names: names})
			continue
		}
		for k, nr := range nrs {
			c.addConditional(i, r.Action, errno, nr, names[k], r.Args)
		}
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return c, nil
}

// addConditional adds "nr matches if args hold" to the program, merging it
// into the previous block when that block tests the same call with the
// same action and the jumps still fit.
func (c *compiled) addConditional(rule int, act Action, errno uint16, nr int, name string, args []Arg) {
	if n := len(c.blocks); n > 0 {
		b := &c.blocks[n-1]
		if b.sets != nil && b.nr == nr && b.act == act && b.errno == errno && blockSize(b.sets)+setSize(args) <= maxBlockSpan {
			b.sets = append(b.sets, args)
			return
		}
	}
	c.blocks = append(c.blocks, block{rule: rule, act: act, errno: errno, nr: nr, sets: [][]Arg{args}, names: []string{name}})
}

// canonicalCap returns the kernel name of a capability: "sys_admin" and
// "SYS_ADMIN" become "CAP_SYS_ADMIN".
func canonicalCap(c string) string {
	c = strings.ToUpper(strings.TrimSpace(c))
	if !strings.HasPrefix(c, "CAP_") {
		c = "CAP_" + c
	}
	return c
}
