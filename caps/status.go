package caps

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Sets holds the five capability sets of one thread, as the CapInh, CapPrm,
// CapEff, CapBnd and CapAmb lines of /proc/<pid>/status show them.
type Sets struct {
	Inheritable Set // CapInh: what a thread may pass to a program through its file inheritable set
	Permitted   Set // CapPrm: the limit of Effective
	Effective   Set // CapEff: what the kernel checks
	Bounding    Set // CapBnd: the limit of what execve can grant
	Ambient     Set // CapAmb: what survives execve of a program without file capabilities (Linux 4.3)
}

// statusFields maps each line key of /proc/<pid>/status to the field of
// Sets it fills, in the order the kernel prints them.
var statusFields = [...]struct {
	key string
	set func(*Sets) *Set
}{
	{"CapInh", func(s *Sets) *Set { return &s.Inheritable }},
	{"CapPrm", func(s *Sets) *Set { return &s.Permitted }},
	{"CapEff", func(s *Sets) *Set { return &s.Effective }},
	{"CapBnd", func(s *Sets) *Set { return &s.Bounding }},
	{"CapAmb", func(s *Sets) *Set { return &s.Ambient }},
}

// ParseStatus reads a /proc/<pid>/status file from r and returns its five
// capability sets. Other lines are ignored. Each of the five lines must
// appear, with a hexadecimal mask of at most 64 bits; the error joins one
// error per missing or malformed line.
func ParseStatus(r io.Reader) (Sets, error) {
	var (
		s    Sets
		seen [len(statusFields)]bool
		errs []error
	)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || !strings.HasPrefix(key, "Cap") {
			continue
		}
		for i, f := range statusFields {
			if key != f.key {
				continue
			}
			seen[i] = true
			m, err := strconv.ParseUint(strings.TrimSpace(val), 16, 64)
			if err != nil {
				errs = append(errs, fmt.Errorf("caps: status line %s: %w", key, err))
				break
			}
			*f.set(&s) = Set(m)
			break
		}
	}
	if err := sc.Err(); err != nil {
		return Sets{}, fmt.Errorf("caps: reading status: %w", err)
	}
	for i, f := range statusFields {
		if !seen[i] {
			errs = append(errs, fmt.Errorf("caps: status has no %s line", f.key))
		}
	}
	if errs != nil {
		return Sets{}, errors.Join(errs...)
	}
	return s, nil
}
