package seccomp

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/net/bpf"
)

// A Program is an assembled filter, ready for [Load]. It converts to and
// from []bpf.RawInstruction without a copy.
//
// Its binary form, for handing a program from the supervisor to the
// sandbox init over a pipe, is the kernel's struct sock_filter array with
// fixed byte order: for each instruction, code (uint16), jt (uint8), jf
// (uint8) and k (uint32), little-endian, 8 bytes in all.
type Program []bpf.RawInstruction

// sockFilterSize is sizeof(struct sock_filter).
const sockFilterSize = 8

// MarshalBinary implements [encoding.BinaryMarshaler].
func (p Program) MarshalBinary() ([]byte, error) {
	if err := checkLen(len(p)); err != nil {
		return nil, err
	}
	b := make([]byte, 0, len(p)*sockFilterSize)
	for _, in := range p {
		b = binary.LittleEndian.AppendUint16(b, in.Op)
		b = append(b, in.Jt, in.Jf)
		b = binary.LittleEndian.AppendUint32(b, in.K)
	}
	return b, nil
}

// UnmarshalBinary implements [encoding.BinaryUnmarshaler]. It checks only
// the length; the kernel checks the instructions when Load installs them.
func (p *Program) UnmarshalBinary(data []byte) error {
	if len(data)%sockFilterSize != 0 {
		return fmt.Errorf("seccomp: program of %d bytes is not a whole number of %d-byte instructions", len(data), sockFilterSize)
	}
	n := len(data) / sockFilterSize
	if err := checkLen(n); err != nil {
		return err
	}
	prog := make(Program, n)
	for i := range prog {
		b := data[i*sockFilterSize:]
		prog[i] = bpf.RawInstruction{
			Op: binary.LittleEndian.Uint16(b),
			Jt: b[2],
			Jf: b[3],
			K:  binary.LittleEndian.Uint32(b[4:]),
		}
	}
	*p = prog
	return nil
}

// checkLen reports whether a program of n instructions can be loaded.
func checkLen(n int) error {
	if n == 0 {
		return fmt.Errorf("seccomp: empty program")
	}
	if n > maxInstructions {
		return fmt.Errorf("seccomp: the program has %d instructions; the kernel accepts at most %d", n, maxInstructions)
	}
	return nil
}
