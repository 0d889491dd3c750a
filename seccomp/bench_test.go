package seccomp

import "testing"

func BenchmarkAssembleDefault(b *testing.B) {
	for b.Loop() {
		if _, err := Default().Assemble(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseProfile(b *testing.B) {
	data := readTestdata(b, "docker-default-reduced.json")
	opts := ProfileOptions{Kernel: "6.18"}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseProfile(data, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFilterDefault runs Default's program in x/net/bpf's interpreter
// for a call near the end of the allowlist: an upper bound on the work the
// kernel's JIT-compiled filter does per system call.
func BenchmarkFilterDefault(b *testing.B) {
	p := Default()
	p.Arch = "amd64"
	v := mustAssemble(b, p)
	tg := mustTarget(b, "amd64")
	d := tg.call(b, "personality", 0xffffffff).vmBytes()
	for b.Loop() {
		if _, err := v.m.Run(d); err != nil {
			b.Fatal(err)
		}
	}
}
