package caps

import (
	"errors"
	"fmt"
	"math/bits"
	"strings"
)

// A Set is a set of capabilities, bit n standing for Cap(n), in the layout
// of the kernel's 64-bit capability masks (the CapEff line of
// /proc/<pid>/status is a Set in hexadecimal). A Set is a value: methods
// return a new Set and never change their receiver. The zero Set is [None].
type Set uint64

// None keeps no capability. It is the zero Set and the secure default.
const None Set = 0

// DefaultContainer holds the 14 capabilities that Docker and containerd grant
// a container by default (containerd's defaultUnixCaps): CAP_CHOWN,
// CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD, CAP_NET_RAW,
// CAP_SETGID, CAP_SETUID, CAP_SETFCAP, CAP_SETPCAP, CAP_NET_BIND_SERVICE,
// CAP_SYS_CHROOT, CAP_KILL and CAP_AUDIT_WRITE.
//
// Warning: several of these let a program with uid 0 defeat file
// permissions (CAP_DAC_OVERRIDE, CAP_FOWNER) or sniff and spoof traffic in
// its network namespace (CAP_NET_RAW). Prefer [None] plus the few
// capabilities the program needs.
const DefaultContainer Set = 1<<Chown | 1<<DACOverride | 1<<FSetID | 1<<FOwner |
	1<<Mknod | 1<<NetRaw | 1<<SetGID | 1<<SetUID | 1<<SetFCap | 1<<SetPCap |
	1<<NetBindService | 1<<SysChroot | 1<<Kill | 1<<AuditWrite

// SetOf returns the Set that holds exactly cs.
// It panics if a Cap is outside [0, 63], the range a Set can hold.
func SetOf(cs ...Cap) Set { return None.With(cs...) }

// upTo returns the Set of every Cap from 0 to last, inclusive.
func upTo(last Cap) Set {
	if last < 0 {
		return None
	}
	if last >= maxCap {
		return ^None
	}
	return Set(1)<<(last+1) - 1
}

// bit returns the bit of c, and panics if a Set cannot hold c.
func bit(c Cap) Set {
	if c < 0 || c > maxCap {
		panic(fmt.Sprintf("caps: %v out of range [0, %d]", c, maxCap))
	}
	return 1 << c
}

// Has reports whether s holds c. It reports false for a Cap outside [0, 63].
func (s Set) Has(c Cap) bool { return c >= 0 && c <= maxCap && s&(1<<c) != 0 }

// With returns s with cs added.
// It panics if a Cap is outside [0, 63], the range a Set can hold.
func (s Set) With(cs ...Cap) Set {
	for _, c := range cs {
		s |= bit(c)
	}
	return s
}

// Without returns s with cs removed.
// It panics if a Cap is outside [0, 63], the range a Set can hold.
func (s Set) Without(cs ...Cap) Set {
	for _, c := range cs {
		s &^= bit(c)
	}
	return s
}

// Union returns the capabilities in s or t.
func (s Set) Union(t Set) Set { return s | t }

// Intersect returns the capabilities in both s and t. With t = [All], it
// drops what the running kernel does not know.
func (s Set) Intersect(t Set) Set { return s & t }

// Difference returns the capabilities in s and not in t.
func (s Set) Difference(t Set) Set { return s &^ t }

// Len returns the number of capabilities in s.
func (s Set) Len() int { return bits.OnesCount64(uint64(s)) }

// List returns the capabilities in s in increasing order, or nil if s is
// empty.
func (s Set) List() []Cap {
	if s == None {
		return nil
	}
	l := make([]Cap, 0, s.Len())
	for m := uint64(s); m != 0; m &= m - 1 {
		l = append(l, Cap(bits.TrailingZeros64(m)))
	}
	return l
}

// Names returns the kernel names of the capabilities in s in increasing
// order ("CAP_CHOWN", "CAP_KILL"), the form that OCI and Docker seccomp
// profiles use in their includes and excludes; nil if s is empty.
// A number this package does not name appears as "Cap(41)".
func (s Set) Names() []string {
	if s == None {
		return nil
	}
	n := make([]string, 0, s.Len())
	for _, c := range s.List() {
		n = append(n, c.String())
	}
	return n
}

// String returns the names of the capabilities in s joined by commas,
// such as "CAP_CHOWN,CAP_KILL", or "none" if s is empty.
func (s Set) String() string {
	if s == None {
		return "none"
	}
	return strings.Join(s.Names(), ",")
}

// ParseSet returns the Set of the named capabilities, each name in a form
// that [Parse] accepts. With no names it returns [None]. If names are
// unknown, the error joins one error per unknown name, each wrapping
// [ErrUnknown].
func ParseSet(names ...string) (Set, error) {
	var (
		s    Set
		errs []error
	)
	for _, n := range names {
		c, err := Parse(n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s |= 1 << c
	}
	if errs != nil {
		return None, errors.Join(errs...)
	}
	return s, nil
}

// MarshalText implements [encoding.TextMarshaler]: the names of s joined by
// commas, as String returns them, and the empty text for [None]. It fails
// for a capability this package does not name, which could not be read back.
func (s Set) MarshalText() ([]byte, error) {
	if s == None {
		return []byte{}, nil
	}
	if unnamed := s.Difference(upTo(Cap(len(names) - 1))); unnamed != None {
		return nil, fmt.Errorf("caps: cannot marshal %v: no name known", unnamed.List())
	}
	return []byte(s.String()), nil
}

// UnmarshalText implements [encoding.TextUnmarshaler]: it parses a list of
// names separated by commas, spaces around a name allowed, as [ParseSet]
// does. The empty text is [None]. On error *s is unchanged.
func (s *Set) UnmarshalText(text []byte) error {
	str := strings.TrimSpace(string(text))
	if str == "" {
		*s = None
		return nil
	}
	fields := strings.Split(str, ",")
	for i, f := range fields {
		fields[i] = strings.TrimSpace(f)
	}
	v, err := ParseSet(fields...)
	if err != nil {
		return err
	}
	*s = v
	return nil
}
