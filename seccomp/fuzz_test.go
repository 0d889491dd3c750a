package seccomp

import (
	"path/filepath"
	"testing"
)

// FuzzParseProfile checks that ParseProfile never panics, and that a policy
// it accepts assembles (or fails with an error) into a program that
// decides like the reference evaluator and survives the wire format.
func FuzzParseProfile(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range files {
		f.Add(readTestdata(f, filepath.Base(name)))
	}
	opts := []ProfileOptions{
		{Arch: "amd64", Kernel: "6.18"},
		{Arch: "arm64", Kernel: "4.4", Caps: []string{"CAP_SYS_ADMIN", "CAP_SYS_PTRACE"}},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, o := range opts {
			p, err := ParseProfile(data, o)
			if err != nil {
				if p != nil {
					t.Fatalf("ParseProfile returned a policy and %v", err)
				}
				continue
			}
			prog, err := p.Assemble()
			if err != nil {
				continue // e.g. too long for the kernel
			}
			b, err := Program(prog).MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			var back Program
			if err := back.UnmarshalBinary(b); err != nil {
				t.Fatal(err)
			}
			v := newVM(t, back)
			tg := mustTarget(t, p.Arch)
			for _, d := range probes(p, tg) {
				if got, want := v.run(t, d), reference(p, d); got != want {
					t.Fatalf("policy %+v\ninput %+v: program %#x, reference %#x", p, d, got, want)
				}
			}
		}
	})
}

// probes returns seccomp_data values that exercise p: each named call with
// the rule's own values and their neighbours, plus other ABIs.
func probes(p *Policy, tg *target) []seccompData {
	out := []seccompData{{nr: 0, arch: tg.audit + 1}, {nr: 0x40000000, arch: tg.audit}, {nr: uint32(tg.max) + 1, arch: tg.audit}}
	for _, r := range p.Rules {
		for _, n := range r.Names {
			nr, ok, _ := tg.lookup(n)
			if !ok {
				continue
			}
			d := seccompData{nr: uint32(nr), arch: tg.audit}
			out = append(out, d)
			for _, a := range r.Args {
				for _, delta := range []uint64{0, 1, ^uint64(0)} {
					e := d
					e.args[a.Index] = a.Value + delta
					out = append(out, e)
				}
			}
		}
	}
	return out
}
