package seccomp

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/net/bpf"
)

func TestProgramBinary(t *testing.T) {
	prog, err := Default().Assemble()
	if err != nil {
		t.Fatal(err)
	}
	b, err := Program(prog).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 8*len(prog) {
		t.Fatalf("%d bytes for %d instructions", len(b), len(prog))
	}
	var back Program
	if err := back.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual([]bpf.RawInstruction(back), prog) {
		t.Error("round trip changed the program")
	}
	// The layout is struct sock_filter, little-endian.
	one, _ := Program{{Op: 0x15, Jt: 1, Jf: 2, K: 0xc000003e}}.MarshalBinary()
	if want := []byte{0x15, 0, 1, 2, 0x3e, 0, 0, 0xc0}; !bytes.Equal(one, want) {
		t.Errorf("MarshalBinary = % x, want % x", one, want)
	}
}

func TestProgramBinaryErrors(t *testing.T) {
	for _, tt := range []struct {
		in   []byte
		want string
	}{
		{nil, "empty program"},
		{make([]byte, 7), "not a whole number"},
		{make([]byte, 8*4097), "at most 4096"},
	} {
		var p Program
		if err := p.UnmarshalBinary(tt.in); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("UnmarshalBinary(%d bytes) = %v, want %q", len(tt.in), err, tt.want)
		}
	}
	if _, err := (Program{}).MarshalBinary(); err == nil {
		t.Error("MarshalBinary of an empty program succeeded")
	}
}
