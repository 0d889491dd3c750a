package seccomp

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	gsb "github.com/elastic/go-seccomp-bpf"
	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/net/bpf"
)

// Why this file generates the BPF itself: go-seccomp-bpf v1.6.0's
// Policy.Assemble loads argument words into the accumulator and, when an
// argument condition fails, goes on comparing the accumulator with the next
// system call numbers. A rule "allow socket if arg0 == AF_UNIX" followed by
// "allow getpid" then allows socket(39, ...), because 39 is getpid's number
// on x86_64. Its long-jump fix-up also computes a wrong offset for
// non-return targets. So lockbox takes go-seccomp-bpf's system call tables,
// audit-arch values, x32 mask and SECCOMP_RET_* values, and generates the
// program here, where every block that loads an argument reloads the
// system call number before the next block and no jump leaves its block.

// Offsets in struct seccomp_data (include/uapi/linux/seccomp.h):
// int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6].
const (
	offNr   = 0
	offArch = 4
	offArgs = 16
)

// maxInstructions is BPF_MAXINSNS, the kernel's limit on one program.
const maxInstructions = 4096

// maxBlockSpan is the longest forward distance a conditional jump can cover
// (its 8-bit offset). Blocks are kept within it, so no long jumps exist.
const maxBlockSpan = 255

// maxSetSize is the most instructions one rule's conditions may take.
const maxSetSize = maxBlockSpan

// condSize returns the number of instructions emitCond emits for a.
func condSize(a Arg) int {
	switch a.Op {
	case OpEqual, OpNotEqual:
		return 4
	case OpMaskedEqual:
		return maskedHalfSize(uint32(a.Mask>>32)) + maskedHalfSize(uint32(a.Mask))
	case OpLess, OpLessOrEqual:
		if a.Value>>32 == 0 {
			return 4
		}
		return 5
	default:
		return 5
	}
}

func maskedHalfSize(m uint32) int {
	switch m {
	case 0:
		return 0 // nothing to compare in this half
	case 0xffffffff:
		return 2 // ld, jeq
	default:
		return 3 // ld, and, jeq
	}
}

// setSize returns the size of one condition set: its conditions and a ret.
func setSize(args []Arg) int {
	n := 1
	for _, a := range args {
		n += condSize(a)
	}
	return n
}

// blockSize returns the size of a conditional block's condition sets, which
// its first jump skips over.
func blockSize(sets [][]Arg) int {
	n := 0
	for _, s := range sets {
		n += setSize(s)
	}
	return n
}

// label marks a position in a builder's program; next is the instruction
// after the jump.
type label int

const next label = -1

type fixup struct {
	at     int
	to     label
	isTrue bool
}

// builder emits instructions with comments and resolves forward jumps.
type builder struct {
	insts    []bpf.Instruction
	comments []string
	labels   []int
	fixups   []fixup
}

func (b *builder) emit(in bpf.Instruction, comment string) {
	b.insts = append(b.insts, in)
	b.comments = append(b.comments, comment)
}

func (b *builder) newLabel() label {
	b.labels = append(b.labels, -1)
	return label(len(b.labels) - 1)
}

func (b *builder) mark(l label) { b.labels[l] = len(b.insts) }

func (b *builder) load(off uint32, comment string) {
	b.emit(bpf.LoadAbsolute{Off: off, Size: 4}, comment)
}

func (b *builder) ret(v uint32, comment string) {
	b.emit(bpf.RetConstant{Val: v}, comment)
}

// jump emits "if A <cond> val goto t else goto f".
func (b *builder) jump(cond bpf.JumpTest, val uint32, t, f label, comment string) {
	at := len(b.insts)
	b.emit(bpf.JumpIf{Cond: cond, Val: val}, comment)
	if t != next {
		b.fixups = append(b.fixups, fixup{at: at, to: t, isTrue: true})
	}
	if f != next {
		b.fixups = append(b.fixups, fixup{at: at, to: f})
	}
}

func (b *builder) resolve() error {
	for _, f := range b.fixups {
		dest := b.labels[f.to]
		skip := dest - f.at - 1
		if dest < 0 || skip < 0 || skip > maxBlockSpan {
			return bug("jump at %d to %d cannot be encoded", f.at, dest)
		}
		j := b.insts[f.at].(bpf.JumpIf)
		if f.isTrue {
			j.SkipTrue = uint8(skip)
		} else {
			j.SkipFalse = uint8(skip)
		}
		b.insts[f.at] = j
	}
	return nil
}

// Assemble validates p and returns its BPF program for [Load], or every
// problem found, joined with [errors.Join]. It is pure: it reads no kernel
// state, so the supervisor runs it before anything is cloned.
//
// The program checks seccomp_data.arch first and kills the process (or, on
// kernels before 4.14, the thread) for any ABI but the native one of
// p.Arch; on amd64 it fails x32 calls (numbers with __X32_SYSCALL_BIT) with
// ENOSYS. When DefaultAction is ActionErrno, calls numbered above the
// newest call lockbox knows fail with ENOSYS rather than DefaultErrno, so
// programs fall back from system calls newer than its tables as they would
// on an older kernel. Then the rules run in order, then the default action.
//
// Assemble returns [ErrUnconfined] for the [Unconfined] policy.
func (p *Policy) Assemble() ([]bpf.RawInstruction, error) {
	insts, _, err := p.program()
	if err != nil {
		return nil, err
	}
	raw, err := bpf.Assemble(insts)
	if err != nil {
		return nil, bug("assembling: %v", err)
	}
	return raw, nil
}

// Dump writes p's program to w, one commented instruction a line, with
// absolute jump targets, for debugging. It returns Assemble's errors.
func (p *Policy) Dump(w io.Writer) error {
	insts, comments, err := p.program()
	if err != nil {
		return err
	}
	t, _ := targetFor(p.Arch) // cannot fail: program succeeded
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "seccomp program for %s: %d instructions\n", t.goarch, len(insts))
	for i, in := range insts {
		text := formatInstruction(i, in)
		if comments[i] != "" {
			text = fmt.Sprintf("%-32s ; %s", text, comments[i])
		}
		fmt.Fprintf(bw, "%4d: %s\n", i, text)
	}
	return bw.Flush()
}

func formatInstruction(i int, in bpf.Instruction) string {
	switch in := in.(type) {
	case bpf.LoadAbsolute:
		return fmt.Sprintf("ld [%d]", in.Off)
	case bpf.ALUOpConstant:
		return fmt.Sprintf("and #%#x", in.Val)
	case bpf.RetConstant:
		return fmt.Sprintf("ret #%#x", in.Val)
	case bpf.JumpIf:
		op := map[bpf.JumpTest]string{bpf.JumpEqual: "jeq", bpf.JumpGreaterThan: "jgt", bpf.JumpGreaterOrEqual: "jge"}[in.Cond]
		return fmt.Sprintf("%s #%#x jt %d jf %d", op, in.Val, i+1+int(in.SkipTrue), i+1+int(in.SkipFalse))
	}
	return fmt.Sprint(in)
}

// program compiles p and generates its instructions with a comment each.
func (p *Policy) program() ([]bpf.Instruction, []string, error) {
	c, err := p.compile()
	if err != nil {
		return nil, nil, err
	}
	b := &builder{}
	t := c.t

	// Only the native ABI passes. seccomp_data.arch tells i386 (int 0x80)
	// and arm (compat) calls from native ones; their numbers differ, so
	// letting them reach the rules would let them bypass every rule.
	native := b.newLabel()
	b.load(offArch, "A = arch")
	b.jump(bpf.JumpEqual, t.audit, native, next, "native ABI: "+arch.AuditArch(t.audit).String()+"?")
	b.ret(uint32(gsb.ActionKillProcess), "no: kill_process")
	b.mark(native)
	b.load(offNr, "A = system call number")
	if t.x32 {
		// The x32 ABI shares AUDIT_ARCH_X86_64 and marks its numbers with
		// __X32_SYSCALL_BIT (arch/x86/include/uapi/asm/unistd.h).
		notX32 := b.newLabel()
		b.jump(bpf.JumpGreaterOrEqual, uint32(arch.X32.SeccompMask), next, notX32, "x32 ABI (__X32_SYSCALL_BIT)?")
		b.ret(ActionErrno.ret(linuxENOSYS), "yes: "+describe(ActionErrno, linuxENOSYS))
		b.mark(notX32)
	}
	if c.defaultAction == ActionErrno {
		known := b.newLabel()
		b.jump(bpf.JumpGreaterThan, uint32(t.max), next, known, fmt.Sprintf("newer than lockbox's table (> %d)?", t.max))
		b.ret(ActionErrno.ret(linuxENOSYS), "yes: "+describe(ActionErrno, linuxENOSYS))
		b.mark(known)
	}
	for _, blk := range c.blocks {
		if blk.sets == nil {
			emitUnconditional(b, blk)
		} else {
			emitConditional(b, blk)
		}
	}
	b.ret(c.defaultAction.ret(c.defaultErrno), "default: "+describe(c.defaultAction, c.defaultErrno))
	if err := b.resolve(); err != nil {
		return nil, nil, err
	}
	if n := len(b.insts); n > maxInstructions {
		return nil, nil, fmt.Errorf("seccomp: the program has %d instructions; the kernel accepts at most %d", n, maxInstructions)
	}
	return b.insts, b.comments, nil
}

// emitUnconditional emits "if nr is one of blk.nrs return blk.ret", in
// chunks short enough for every jump to reach the chunk's ret.
func emitUnconditional(b *builder, blk block) {
	for start := 0; start < len(blk.nrs); start += maxBlockSpan {
		end := min(start+maxBlockSpan, len(blk.nrs))
		match, after := b.newLabel(), b.newLabel()
		for i := start; i < end; i++ {
			f := next
			if i == end-1 {
				f = after
			}
			b.jump(bpf.JumpEqual, uint32(blk.nrs[i]), match, f, blk.names[i])
		}
		b.mark(match)
		b.ret(blk.act.ret(blk.errno), describe(blk.act, blk.errno))
		b.mark(after)
	}
}

// emitConditional emits "if nr == blk.nr and all Args of a set hold, return
// blk.ret", then reloads the system call number, which the argument loads
// replaced.
func emitConditional(b *builder, blk block) {
	end := b.newLabel()
	b.jump(bpf.JumpEqual, uint32(blk.nr), next, end, blk.names[0])
	for i, set := range blk.sets {
		fail := end
		if i < len(blk.sets)-1 {
			fail = b.newLabel()
		}
		var conds []string
		for _, a := range set {
			emitCond(b, a, fail)
			conds = append(conds, a.String())
		}
		b.ret(blk.act.ret(blk.errno), strings.Join(conds, " && ")+": "+describe(blk.act, blk.errno))
		if fail != end {
			b.mark(fail)
		}
	}
	b.mark(end)
	b.load(offNr, "A = system call number (again)")
}

// emitCond emits code that falls through if a holds and jumps to fail if
// not. A 64-bit argument is compared as two 32-bit halves; the targets are
// little-endian (amd64, arm64, 386, arm), so the low half comes first.
func emitCond(b *builder, a Arg, fail label) {
	lo := uint32(offArgs + 8*a.Index)
	hi := lo + 4
	vlo, vhi := uint32(a.Value), uint32(a.Value>>32)
	name := fmt.Sprintf("arg%d", a.Index)
	pass := b.newLabel()
	switch a.Op {
	case OpEqual:
		b.load(hi, name+" high")
		b.jump(bpf.JumpEqual, vhi, next, fail, "")
		b.load(lo, name+" low")
		b.jump(bpf.JumpEqual, vlo, next, fail, "")
	case OpNotEqual:
		b.load(hi, name+" high")
		b.jump(bpf.JumpEqual, vhi, next, pass, "")
		b.load(lo, name+" low")
		b.jump(bpf.JumpEqual, vlo, fail, next, "")
	case OpGreater, OpGreaterOrEqual:
		// hi > vhi, or hi == vhi and lo > (>=) vlo.
		b.load(hi, name+" high")
		b.jump(bpf.JumpGreaterThan, vhi, pass, next, "")
		b.jump(bpf.JumpEqual, vhi, next, fail, "")
		b.load(lo, name+" low")
		cond := bpf.JumpGreaterThan
		if a.Op == OpGreaterOrEqual {
			cond = bpf.JumpGreaterOrEqual
		}
		b.jump(cond, vlo, next, fail, "")
	case OpLess, OpLessOrEqual:
		// hi < vhi, or hi == vhi and lo < (<=) vlo; BPF tests only >, >=.
		b.load(hi, name+" high")
		if vhi != 0 { // with vhi == 0, hi < vhi cannot happen
			b.jump(bpf.JumpGreaterOrEqual, vhi, next, pass, "")
		}
		b.jump(bpf.JumpEqual, vhi, next, fail, "")
		b.load(lo, name+" low")
		cond := bpf.JumpGreaterOrEqual // lo >= vlo fails "<"
		if a.Op == OpLessOrEqual {
			cond = bpf.JumpGreaterThan // lo > vlo fails "<="
		}
		b.jump(cond, vlo, fail, next, "")
	case OpMaskedEqual:
		for _, h := range []struct {
			off, mask, val uint32
			name           string
		}{{hi, uint32(a.Mask >> 32), vhi, name + " high"}, {lo, uint32(a.Mask), vlo, name + " low"}} {
			if h.mask == 0 {
				continue
			}
			b.load(h.off, h.name)
			if h.mask != 0xffffffff {
				b.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: h.mask}, "")
			}
			b.jump(bpf.JumpEqual, h.val, next, fail, "")
		}
	}
	b.mark(pass)
}

// describe returns an action as Dump shows it: "allow", "errno 1 (EPERM)".
func describe(a Action, errno uint16) string {
	if a != ActionErrno {
		return a.String()
	}
	if name, ok := errnoNames[errno]; ok {
		return fmt.Sprintf("errno %d (%s)", errno, name)
	}
	return fmt.Sprintf("errno %d", errno)
}

// errnoNames names the Linux errnos policies commonly return.
var errnoNames = map[uint16]string{
	1: "EPERM", 2: "ENOENT", 13: "EACCES", 22: "EINVAL", 38: "ENOSYS",
	95: "EOPNOTSUPP", 97: "EAFNOSUPPORT",
}
