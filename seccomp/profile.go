package seccomp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// ProfileOptions says what a profile's "includes" and "excludes" are
// evaluated against. The zero value means: no capabilities kept, the
// running architecture and the running kernel.
type ProfileOptions struct {
	// Caps are the capabilities the program keeps (its bounding set), such
	// as "CAP_SYS_ADMIN"; case and the "CAP_" prefix are optional.
	Caps []string
	// Arch is the architecture, as a GOARCH ("amd64") or Linux ("x86_64")
	// name; "" means runtime.GOARCH. It becomes the Policy's Arch.
	Arch string
	// Kernel is the kernel release compared with "minKernel", such as
	// "6.18"; "" means the running kernel (uname -r), read only if the
	// profile uses minKernel.
	Kernel string
}

// The JSON shapes of an OCI LinuxSeccomp (runtime-spec config-linux.md)
// extended as moby's profiles are (includes, excludes, archMap, comment).
type profileJSON struct {
	DefaultAction    string            `json:"defaultAction"`
	DefaultErrnoRet  *uint64           `json:"defaultErrnoRet"`
	Architectures    []string          `json:"architectures"`
	ArchMap          []profileArchMap  `json:"archMap"`
	Syscalls         []json.RawMessage `json:"syscalls"`
	Flags            []string          `json:"flags"`
	ListenerPath     string            `json:"listenerPath"`
	ListenerMetadata string            `json:"listenerMetadata"`
}

type profileArchMap struct {
	Architecture     string   `json:"architecture"`
	SubArchitectures []string `json:"subArchitectures"`
}

type profileSyscall struct {
	Name     string         `json:"name"`
	Names    []string       `json:"names"`
	Action   string         `json:"action"`
	ErrnoRet *uint64        `json:"errnoRet"`
	Args     []profileArg   `json:"args"`
	Comment  string         `json:"comment"`
	Includes *profileFilter `json:"includes"`
	Excludes *profileFilter `json:"excludes"`
}

type profileArg struct {
	Index    uint64 `json:"index"`
	Value    uint64 `json:"value"`
	ValueTwo uint64 `json:"valueTwo"`
	Op       string `json:"op"`
}

type profileFilter struct {
	Caps      []string `json:"caps"`
	Arches    []string `json:"arches"`
	MinKernel string   `json:"minKernel"`
}

// ParseProfile reads a seccomp profile in the JSON format of the OCI
// runtime spec and of `docker run --security-opt seccomp=FILE` (moby's
// includes, excludes and archMap included) and returns the equivalent
// Policy for opts.Arch. Entries whose includes/excludes do not match opts
// are left out, as moby leaves them out.
//
// Nothing a profile says is dropped silently: an unknown field, action,
// operator, architecture or capability, a misspelled system call name, or
// a rule lockbox cannot express the way libseccomp would is an error that
// names the entry, such as
//
//	seccomp: profile syscalls[12] "foo": unknown system call
//
// and ParseProfile returns every such error, joined with [errors.Join].
// See "# Docker and OCI profiles" in the package documentation.
func ParseProfile(data []byte, opts ProfileOptions) (*Policy, error) {
	if err := checkDuplicateKeys(data); err != nil {
		return nil, err
	}
	var prof profileJSON
	if err := decodeStrict(data, &prof); err != nil {
		return nil, fmt.Errorf("seccomp: profile: %w", err)
	}
	pp := &profileParser{opts: opts}
	pp.setup()
	pol := &Policy{Arch: pp.arch}
	pol.DefaultAction, pol.DefaultErrno = pp.action("defaultAction", "", prof.DefaultAction, prof.DefaultErrnoRet, "defaultErrnoRet")
	for i, a := range prof.Architectures {
		pp.checkSCMPArch(fmt.Sprintf("architectures[%d]", i), a)
	}
	for i, m := range prof.ArchMap {
		pp.checkSCMPArch(fmt.Sprintf("archMap[%d].architecture", i), m.Architecture)
		for j, a := range m.SubArchitectures {
			pp.checkSCMPArch(fmt.Sprintf("archMap[%d].subArchitectures[%d]", i, j), a)
		}
	}
	if len(prof.Flags) > 0 {
		pp.fail("flags", "", fmt.Errorf("filter flags %q are not supported: %w", prof.Flags, errors.ErrUnsupported))
	}
	if prof.ListenerPath != "" || prof.ListenerMetadata != "" {
		pp.fail("listenerPath", "", fmt.Errorf("a seccomp notification listener is not supported: %w", errors.ErrUnsupported))
	}
	for i, raw := range prof.Syscalls {
		pp.entry(i, raw)
	}
	if len(pp.problems) == 0 {
		pol.Rules = pp.rules()
	}
	if len(pp.problems) > 0 {
		return nil, errors.Join(pp.problems...)
	}
	if err := pol.Validate(); err != nil {
		return nil, err
	}
	return pol, nil
}

// profileParser accumulates the problems and the active entries of one
// profile.
type profileParser struct {
	opts     ProfileOptions
	arch     string          // canonical architecture
	caps     map[string]bool // kept capabilities
	kernel   *[3]int         // running kernel, once needed
	problems []error
	entries  []activeEntry
}

// activeEntry is a profile entry whose includes/excludes matched.
type activeEntry struct {
	index int
	rule  Rule
}

func (pp *profileParser) fail(field, name string, err error) {
	if name != "" {
		field += " " + strconv.Quote(name)
	}
	pp.problems = append(pp.problems, fmt.Errorf("seccomp: profile %s: %w", field, err))
}

func (pp *profileParser) setup() {
	arch, ok := canonicalArch(pp.opts.Arch)
	if !ok {
		pp.fail("options", "", fmt.Errorf("unknown architecture %q", pp.opts.Arch))
	}
	pp.arch = arch
	pp.caps = map[string]bool{}
	for _, c := range pp.opts.Caps {
		c = canonicalCap(c)
		if !capabilities[c] {
			pp.fail("options", "", fmt.Errorf("unknown capability %q", c))
		}
		pp.caps[c] = true
	}
}

// action parses an action and its errno field.
func (pp *profileParser) action(field, name, s string, errno *uint64, errnoField string) (Action, syscall.Errno) {
	var a Action
	switch s {
	case "":
		pp.fail(field, name, errors.New("no action"))
		return a, 0
	case "SCMP_ACT_NOTIFY":
		pp.fail(field, name, fmt.Errorf("action %s is not supported (lockbox runs no notification listener): %w", s, errors.ErrUnsupported))
		return a, 0
	case "SCMP_ACT_TRACE":
		pp.fail(field, name, fmt.Errorf("action %s is not supported (lockbox runs no tracer): %w", s, errors.ErrUnsupported))
		return a, 0
	}
	if !strings.HasPrefix(s, "SCMP_ACT_") || a.UnmarshalText([]byte(s)) != nil {
		pp.fail(field, name, fmt.Errorf("unknown action %q", s))
		return a, 0
	}
	if errno == nil {
		return a, 0 // EPERM for SCMP_ACT_ERRNO, as runc does
	}
	switch {
	case a != ActionErrno:
		pp.fail(field, name, fmt.Errorf("%s is set but the action is %s, not SCMP_ACT_ERRNO", errnoField, s))
	case *errno == 0:
		pp.fail(field, name, fmt.Errorf("%s 0 (success without running the call) is not supported", errnoField))
	case *errno > maxErrno:
		pp.fail(field, name, fmt.Errorf("%s %d is out of range 1-%d", errnoField, *errno, maxErrno))
	default:
		return a, syscall.Errno(*errno)
	}
	return a, 0
}

// scmpArches are libseccomp's architecture names (SCMP_ARCH_*).
var scmpArches = []string{
	"X86", "X86_64", "X32", "ARM", "AARCH64", "MIPS", "MIPS64", "MIPS64N32",
	"MIPSEL", "MIPSEL64", "MIPSEL64N32", "PPC", "PPC64", "PPC64LE", "S390",
	"S390X", "PARISC", "PARISC64", "RISCV64", "LOONGARCH64", "M68K", "SH", "SHEB",
}

// checkSCMPArch checks a libseccomp architecture name. The names only say
// which ABIs the filter covers; lockbox's filter lets only the native ABI
// through, whatever they say.
func (pp *profileParser) checkSCMPArch(field, a string) {
	if !strings.HasPrefix(a, "SCMP_ARCH_") || !slices.Contains(scmpArches, a[len("SCMP_ARCH_"):]) {
		pp.fail(field, "", fmt.Errorf("unknown architecture %q", a))
	}
}

// entry parses syscalls[i].
func (pp *profileParser) entry(i int, raw json.RawMessage) {
	field := fmt.Sprintf("syscalls[%d]", i)
	var s profileSyscall
	if err := decodeStrict(raw, &s); err != nil {
		pp.fail(field, "", err)
		return
	}
	names := s.Names
	label := "" // the name the messages quote
	switch {
	case s.Name != "" && len(s.Names) > 0:
		pp.fail(field, "", errors.New(`both "name" and "names" are set`))
		return
	case s.Name != "":
		names = []string{s.Name}
	case len(s.Names) == 0:
		pp.fail(field, "", errors.New("no system call names"))
		return
	}
	if len(names) == 1 {
		label = names[0]
	}
	before := len(pp.problems)
	for _, n := range names {
		switch {
		case n == "":
			pp.fail(field, "", errors.New("empty system call name"))
		case !knownSyscalls()[n]:
			pp.fail(field, n, ErrUnknownSyscall)
		}
	}
	act, errno := pp.action(field, label, s.Action, s.ErrnoRet, "errnoRet")
	var args []Arg
	seen := map[uint64]bool{}
	for j, a := range s.Args {
		af := fmt.Sprintf("%s.args[%d]", field, j)
		arg, err := profileCondition(a)
		if err != nil {
			pp.fail(af, label, err)
			continue
		}
		if seen[a.Index] {
			// runc turns repeated conditions on one argument into separate
			// rules (OR), libseccomp would AND them: refuse the ambiguity.
			pp.fail(af, label, fmt.Errorf("a second condition on argument %d is ambiguous (runc ORs such conditions, libseccomp ANDs them); write one entry per alternative", a.Index))
			continue
		}
		seen[a.Index] = true
		args = append(args, arg)
	}
	active := pp.filter(field+".includes", label, s.Includes, true)
	if !pp.filter(field+".excludes", label, s.Excludes, false) {
		active = false
	}
	if len(pp.problems) > before || !active {
		return
	}
	pp.entries = append(pp.entries, activeEntry{index: i, rule: Rule{Names: names, Action: act, Errno: errno, Args: args}})
}

// profileCondition converts one OCI argument condition.
func profileCondition(a profileArg) (Arg, error) {
	if a.Index > 5 {
		return Arg{}, fmt.Errorf("argument index %d is out of range 0-5", a.Index)
	}
	var op Op
	if !strings.HasPrefix(a.Op, "SCMP_CMP_") || op.UnmarshalText([]byte(a.Op)) != nil {
		return Arg{}, fmt.Errorf("unknown operator %q", a.Op)
	}
	arg := Arg{Index: uint(a.Index), Op: op, Value: a.Value}
	if op == OpMaskedEqual {
		// libseccomp: value is the mask, valueTwo the datum.
		arg.Mask, arg.Value = a.Value, a.ValueTwo
	} else if a.ValueTwo != 0 {
		return Arg{}, fmt.Errorf("valueTwo is set, but only %s uses it", opNames[OpMaskedEqual].scmp)
	}
	if err := checkArg(arg); err != nil {
		return Arg{}, err
	}
	return arg, nil
}

// filter evaluates includes (all conditions must hold) or excludes (any
// condition excludes), as moby does, and checks every name in it. It
// returns whether the entry stays.
func (pp *profileParser) filter(field, label string, f *profileFilter, include bool) bool {
	if f == nil {
		return true
	}
	for _, c := range f.Caps {
		if !capabilities[canonicalCap(c)] || !strings.HasPrefix(c, "CAP_") {
			pp.fail(field, label, fmt.Errorf("unknown capability %q", c))
		}
	}
	archHit := false
	for _, a := range f.Arches {
		c, ok := canonicalArch(a)
		if !ok || a == "" {
			pp.fail(field, label, fmt.Errorf("unknown architecture %q", a))
		}
		archHit = archHit || c == pp.arch
	}
	kernelHit := true
	if f.MinKernel != "" {
		min, err := parseKernel(f.MinKernel, true)
		if err != nil {
			pp.fail(field, label, err)
		} else if k, err := pp.runningKernel(); err != nil {
			pp.fail(field, label, err)
		} else {
			kernelHit = compareKernel(k, min) >= 0
		}
	}
	if include {
		stay := f.MinKernel == "" || kernelHit
		if len(f.Arches) > 0 && !archHit {
			stay = false
		}
		for _, c := range f.Caps {
			if !pp.caps[canonicalCap(c)] {
				stay = false
			}
		}
		return stay
	}
	if len(f.Arches) > 0 && archHit {
		return false
	}
	for _, c := range f.Caps {
		if pp.caps[canonicalCap(c)] {
			return false
		}
	}
	return f.MinKernel == "" || !kernelHit
}

func (pp *profileParser) runningKernel() ([3]int, error) {
	if pp.kernel != nil {
		return *pp.kernel, nil
	}
	s, strict := pp.opts.Kernel, true
	if s == "" {
		var err error
		if s, err = runningKernel(); err != nil {
			return [3]int{}, err
		}
		strict = false
	}
	k, err := parseKernel(s, strict)
	if err != nil {
		return [3]int{}, fmt.Errorf("kernel release: %w", err)
	}
	pp.kernel = &k
	return k, nil
}

// parseKernel parses "6.18" or "6.18.2"; unless strict, anything after the
// numbers ("6.18.44-fc-v782") is ignored, as in uname -r.
func parseKernel(s string, strict bool) ([3]int, error) {
	var v [3]int
	nums := s
	if !strict {
		nums = s[:len(s)-len(strings.TrimLeft(s, "0123456789."))]
		nums = strings.TrimRight(nums, ".")
	}
	parts := strings.Split(nums, ".")
	if len(parts) > 3 && !strict {
		parts = parts[:3]
	}
	if len(parts) < 2 || len(parts) > 3 {
		return v, fmt.Errorf("kernel version %q is not MAJOR.MINOR[.PATCH]", s)
	}
	for i, part := range parts {
		n, err := strconv.ParseUint(part, 10, 16)
		if err != nil || part[0] == '+' {
			return v, fmt.Errorf("kernel version %q is not MAJOR.MINOR[.PATCH]", s)
		}
		v[i] = int(n)
	}
	return v, nil
}

func compareKernel(a, b [3]int) int { return slices.Compare(a[:], b[:]) }

// rules turns the active entries into ordered rules. libseccomp does not
// depend on the order of entries; lockbox's rules do (the first match
// wins). So a system call may have one action only: a call given two
// actions by matching entries is refused, and a call some entry matches
// whatever its arguments keeps only that entry, which is equivalent.
func (pp *profileParser) rules() []Rule {
	type verdict struct {
		entry int
		act   Action
		errno syscall.Errno
	}
	first := map[string]verdict{}
	always := map[string]bool{} // matched by an entry without args
	for _, e := range pp.entries {
		for _, n := range e.rule.Names {
			v := verdict{e.index, e.rule.Action, e.rule.Errno}
			if f, ok := first[n]; ok && (f.act != v.act || f.errno != v.errno) {
				pp.fail(fmt.Sprintf("syscalls[%d]", e.index), n, fmt.Errorf("conflicts with syscalls[%d]: one system call gets two actions (%s and %s), which libseccomp and lockbox could resolve differently", f.entry, describe(f.act, uint16(f.errno)), describe(v.act, uint16(v.errno))))
				continue
			}
			if _, ok := first[n]; !ok {
				first[n] = v
			}
			if len(e.rule.Args) == 0 {
				always[n] = true
			}
		}
	}
	var rules []Rule
	done := map[string]bool{} // names already given an argument-free rule
	for _, e := range pp.entries {
		r := e.rule
		var names []string
		for _, n := range r.Names {
			switch {
			case done[n] || slices.Contains(names, n):
			case len(r.Args) > 0 && always[n]:
				// Another entry allows (or denies) every call: this
				// condition adds nothing.
			default:
				names = append(names, n)
			}
		}
		if len(r.Args) == 0 {
			for _, n := range names {
				done[n] = true
			}
		}
		if len(names) > 0 {
			r.Names = names
			rules = append(rules, r)
		}
	}
	if len(pp.problems) > 0 {
		return nil
	}
	return rules
}

// decodeStrict decodes one JSON value into v, refusing unknown fields and
// trailing data.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return nil
}

// checkDuplicateKeys refuses JSON objects with a key given twice
// (encoding/json would keep the last, silently dropping the first). Keys
// are compared case-insensitively, as encoding/json matches them.
func checkDuplicateKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	token := func() (json.Token, error) {
		tok, err := dec.Token()
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return tok, err
	}
	var walk func(path string) error
	walk = func(path string) error {
		tok, err := token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				kt, err := token()
				if err != nil {
					return err
				}
				key, _ := kt.(string)
				fold := strings.ToLower(strings.ToUpper(key))
				if seen[fold] {
					where := "profile"
					if path != "" {
						where += " " + path
					}
					return fmt.Errorf("seccomp: %s: key %q appears twice", where, key)
				}
				seen[fold] = true
				sub := key
				if path != "" {
					sub = path + "." + key
				}
				if err := walk(sub); err != nil {
					return err
				}
			}
			_, err = token()
			return err
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				if err := walk(fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
			_, err = token()
			return err
		}
		return nil
	}
	if err := walk(""); err != nil {
		if strings.HasPrefix(err.Error(), "seccomp: ") {
			return err
		}
		return fmt.Errorf("seccomp: profile: %w", err)
	}
	return nil
}
