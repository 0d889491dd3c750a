package seccomp

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestProfileDenyMkdir(t *testing.T) {
	p, err := ParseProfile(readTestdata(t, "deny-mkdir.json"), ProfileOptions{Arch: "amd64"})
	if err != nil {
		t.Fatal(err)
	}
	want := &Policy{Arch: "amd64", DefaultAction: ActionAllow, Rules: []Rule{
		{Names: []string{"mkdir", "mkdirat"}, Action: ActionErrno, Errno: 1},
	}}
	if p.Arch != want.Arch || p.DefaultAction != want.DefaultAction || len(p.Rules) != 1 ||
		strings.Join(p.Rules[0].Names, ",") != "mkdir,mkdirat" || p.Rules[0].Errno != 1 || p.Rules[0].Action != ActionErrno {
		t.Errorf("ParseProfile = %+v, want %+v", p, want)
	}
	tg := mustTarget(t, "amd64")
	v := mustAssemble(t, p)
	for name, ret := range map[string]uint32{"mkdir": retEPERM, "mkdirat": retEPERM, "rmdir": retAllow, "mount": retAllow} {
		if got := v.run(t, tg.call(t, name)); got != ret {
			t.Errorf("%s: got %#x, want %#x", name, got, ret)
		}
	}
}

func TestProfileErrorsNameTheEntry(t *testing.T) {
	for _, tt := range []struct {
		file string
		want string
		is   error
	}{
		{"unknown-syscall.json", `seccomp: profile syscalls[2] "mkdri": unknown system call`, ErrUnknownSyscall},
		{"notify.json", `seccomp: profile syscalls[1] "mount": action SCMP_ACT_NOTIFY is not supported`, errors.ErrUnsupported},
	} {
		_, err := ParseProfile(readTestdata(t, tt.file), ProfileOptions{})
		if err == nil || err.Error() != tt.want+firstLineRest(err.Error(), tt.want) {
			t.Errorf("%s: ParseProfile() = %v\nwant %q", tt.file, err, tt.want)
		}
		if !errors.Is(err, tt.is) {
			t.Errorf("%s: errors.Is(%v, %v) = false", tt.file, err, tt.is)
		}
	}
}

// firstLineRest returns what follows prefix in s, if s starts with it, so
// that a test can demand an exact start and a single error.
func firstLineRest(s, prefix string) string {
	if rest, ok := strings.CutPrefix(s, prefix); ok && !strings.Contains(rest, "\n") {
		return rest
	}
	return "\x00mismatch"
}

func TestProfileErrors(t *testing.T) {
	const allow = `{"names":["read"],"action":"SCMP_ACT_ALLOW"}`
	profile := func(entries ...string) string {
		return `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[` + allow + "," + strings.Join(entries, ",") + `]}`
	}
	for _, tt := range []struct {
		name, json string
		want       []string
	}{
		{"not JSON", `{"defaultAction":`, []string{"seccomp: profile: unexpected EOF"}},
		{"trailing data", `{"defaultAction":"SCMP_ACT_ALLOW"} {}`, []string{"data after the JSON value"}},
		{"no default action", `{"syscalls":[]}`, []string{"profile defaultAction: no action"}},
		{"unknown top-level field", `{"defaultAction":"SCMP_ACT_ALLOW","defaultActoin":"x"}`, []string{`unknown field "defaultActoin"`}},
		{"unknown entry field", profile(`{"names":["socket"],"action":"SCMP_ACT_ALLOW","agrs":[]}`), []string{`profile syscalls[1]: json: unknown field "agrs"`}},
		{"duplicate key", profile(`{"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[],"Args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"}]}`), []string{`profile syscalls[1]: key "Args" appears twice`}},
		{"unknown action", profile(`{"names":["write"],"action":"SCMP_ACT_ALLOWED"}`), []string{`syscalls[1] "write": unknown action "SCMP_ACT_ALLOWED"`}},
		{"trace", profile(`{"names":["write"],"action":"SCMP_ACT_TRACE"}`), []string{`syscalls[1] "write": action SCMP_ACT_TRACE is not supported`}},
		{"errnoRet 0", profile(`{"names":["write"],"action":"SCMP_ACT_ERRNO","errnoRet":0}`), []string{`syscalls[1] "write": errnoRet 0 (success without running the call) is not supported`}},
		{"errnoRet too big", profile(`{"names":["write"],"action":"SCMP_ACT_ERRNO","errnoRet":70000}`), []string{`errnoRet 70000 is out of range`}},
		{"errnoRet with allow", profile(`{"names":["write"],"action":"SCMP_ACT_ALLOW","errnoRet":1}`), []string{`errnoRet is set but the action is SCMP_ACT_ALLOW`}},
		{"defaultErrnoRet with allow", `{"defaultAction":"SCMP_ACT_ALLOW","defaultErrnoRet":1}`, []string{`profile defaultAction: defaultErrnoRet is set`}},
		{"name and names", profile(`{"name":"write","names":["write"],"action":"SCMP_ACT_ALLOW"}`), []string{`syscalls[1]: both "name" and "names" are set`}},
		{"no names", profile(`{"action":"SCMP_ACT_ALLOW"}`), []string{`syscalls[1]: no system call names`}},
		{"empty name", profile(`{"names":[""],"action":"SCMP_ACT_ALLOW"}`), []string{`syscalls[1]: empty system call name`}},
		{"unknown op", profile(`{"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_LIKE"}]}`), []string{`syscalls[1].args[0] "socket": unknown operator "SCMP_CMP_LIKE"`}},
		{"index out of range", profile(`{"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[{"index":6,"value":1,"op":"SCMP_CMP_EQ"}]}`), []string{`syscalls[1].args[0] "socket": argument index 6 is out of range`}},
		{"two conditions on one argument", profile(`{"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":13,"op":"SCMP_CMP_GE"},{"index":0,"value":18,"op":"SCMP_CMP_LE"}]}`), []string{`syscalls[1].args[1] "socket": a second condition on argument 0 is ambiguous`}},
		{"valueTwo without masked", profile(`{"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"valueTwo":2,"op":"SCMP_CMP_EQ"}]}`), []string{`valueTwo is set, but only SCMP_CMP_MASKED_EQ uses it`}},
		{"masked datum outside mask", profile(`{"names":["clone"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":240,"valueTwo":1,"op":"SCMP_CMP_MASKED_EQ"}]}`), []string{`can never hold`}},
		{"two actions", profile(`{"names":["read"],"action":"SCMP_ACT_ERRNO"}`), []string{`syscalls[1] "read": conflicts with syscalls[0]`}},
		{"two actions, conditional", profile(`{"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"}]}`, `{"names":["socket"],"action":"SCMP_ACT_ERRNO","errnoRet":97,"args":[{"index":0,"value":38,"op":"SCMP_CMP_EQ"}]}`), []string{`syscalls[2] "socket": conflicts with syscalls[1]: one system call gets two actions (allow and errno 97 (EAFNOSUPPORT))`}},
		{"two errnos", profile(`{"names":["write"],"action":"SCMP_ACT_ERRNO","errnoRet":1}`, `{"names":["write"],"action":"SCMP_ACT_ERRNO","errnoRet":13}`), []string{`conflicts`}},
		{"flags", `{"defaultAction":"SCMP_ACT_ALLOW","flags":["SECCOMP_FILTER_FLAG_LOG"]}`, []string{`profile flags: filter flags ["SECCOMP_FILTER_FLAG_LOG"] are not supported`}},
		{"listener", `{"defaultAction":"SCMP_ACT_ALLOW","listenerPath":"/run/x.sock"}`, []string{`notification listener is not supported`}},
		{"unknown arch", `{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_46"]}`, []string{`profile architectures[0]: unknown architecture "SCMP_ARCH_X86_46"`}},
		{"unknown sub-arch", `{"defaultAction":"SCMP_ACT_ALLOW","archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["x86"]}]}`, []string{`archMap[0].subArchitectures[0]: unknown architecture "x86"`}},
		{"unknown include arch", profile(`{"names":["write"],"action":"SCMP_ACT_ALLOW","includes":{"arches":["amd46"]}}`), []string{`syscalls[1].includes "write": unknown architecture "amd46"`}},
		{"unknown cap", profile(`{"names":["write"],"action":"SCMP_ACT_ALLOW","excludes":{"caps":["CAP_SYS_ADMN"]}}`), []string{`syscalls[1].excludes "write": unknown capability "CAP_SYS_ADMN"`}},
		{"bad minKernel", profile(`{"names":["write"],"action":"SCMP_ACT_ALLOW","includes":{"minKernel":"4"}}`), []string{`kernel version "4" is not MAJOR.MINOR`}},
		{"misspelled name in an inactive entry", profile(`{"names":["mkdri"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_SYS_ADMIN"]}}`), []string{`syscalls[1] "mkdri": unknown system call`}},
		{"every problem at once", profile(`{"names":["mkdri"],"action":"SCMP_ACT_ALOW"}`, `{"names":["socket"],"action":"SCMP_ACT_NOTIFY"}`), []string{`syscalls[1] "mkdri": unknown system call`, `syscalls[1] "mkdri": unknown action`, `syscalls[2] "socket": action SCMP_ACT_NOTIFY`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseProfile([]byte(tt.json), ProfileOptions{Arch: "amd64", Kernel: "6.18"})
			if err == nil {
				t.Fatalf("ParseProfile() = %+v, want an error", p)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("ParseProfile() = %v\nwant it to contain %q", err, w)
				}
			}
			if got := strings.Count(err.Error(), "seccomp: "); got != len(tt.want) {
				t.Errorf("ParseProfile() reported %d problems, want %d:\n%v", got, len(tt.want), err)
			}
		})
	}
}

func TestProfileOptionsErrors(t *testing.T) {
	data := readTestdata(t, "deny-mkdir.json")
	for _, tt := range []struct {
		opts ProfileOptions
		want string
	}{
		{ProfileOptions{Caps: []string{"CAP_FLY"}}, `unknown capability "CAP_FLY"`},
		{ProfileOptions{Arch: "pdp11"}, `unknown architecture "pdp11"`},
		{ProfileOptions{Arch: "s390x"}, `no system call table for architecture s390x`},
	} {
		if _, err := ParseProfile(data, tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseProfile(%+v) = %v, want %q", tt.opts, err, tt.want)
		}
	}
}

// TestProfileIncludesExcludes parses the reduced moby profile for several
// ProfileOptions and checks the calls its includes and excludes decide.
func TestProfileIncludesExcludes(t *testing.T) {
	data := readTestdata(t, "docker-default-reduced.json")
	const (
		allow  = retAllow
		eperm  = retEPERM
		enosys = retENOSYS
	)
	type call struct {
		name string
		args []uint64
		want uint32
	}
	for _, tt := range []struct {
		name  string
		opts  ProfileOptions
		calls []call
	}{
		{"no caps", ProfileOptions{Arch: "amd64", Kernel: "6.18"}, []call{
			{"read", nil, allow},
			{"mount", nil, eperm},
			{"unshare", nil, eperm},
			{"clone", []uint64{cloneThread}, allow},
			{"clone", []uint64{cloneNewUser}, eperm},
			{"clone3", nil, enosys},
			{"ptrace", nil, allow}, // minKernel 4.8 <= 6.18
			{"reboot", nil, eperm},
			{"arch_prctl", nil, allow},
			{"socket", []uint64{afInet}, allow},
			{"socket", []uint64{afNetlink}, allow},
			{"socket", []uint64{afPacket}, eperm},
			{"personality", []uint64{0xffffffff}, allow},
			{"personality", []uint64{8}, eperm},
			{"open_by_handle_at", nil, eperm},
		}},
		{"old kernel", ProfileOptions{Arch: "amd64", Kernel: "4.4"}, []call{
			{"ptrace", nil, eperm},
		}},
		{"CAP_SYS_ADMIN", ProfileOptions{Arch: "amd64", Kernel: "6.18", Caps: []string{"CAP_SYS_ADMIN"}}, []call{
			{"mount", nil, allow},
			{"unshare", nil, allow},
			{"clone", []uint64{cloneNewUser}, allow},
			{"clone3", nil, allow},
			{"bpf", nil, allow},
			{"reboot", nil, eperm},
		}},
		{"CAP_SYS_PTRACE, old kernel", ProfileOptions{Arch: "amd64", Kernel: "4.4", Caps: []string{"sys_ptrace"}}, []call{
			{"ptrace", nil, allow},
			{"kcmp", nil, allow},
			{"clone3", nil, enosys},
		}},
		{"CAP_BPF and CAP_SYS_BOOT", ProfileOptions{Arch: "x86_64", Kernel: "6.1", Caps: []string{"CAP_BPF", "CAP_SYS_BOOT", "CAP_DAC_READ_SEARCH"}}, []call{
			{"bpf", nil, allow},
			{"reboot", nil, allow},
			{"open_by_handle_at", nil, allow},
			{"mount", nil, eperm},
		}},
		{"arm64", ProfileOptions{Arch: "arm64", Kernel: "6.18"}, []call{
			{"read", nil, allow},
			{"clone", []uint64{cloneNewNet}, eperm},
			{"clone", []uint64{sigchld}, allow},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseProfile(data, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			tg := mustTarget(t, p.Arch)
			v := mustAssemble(t, p)
			for _, c := range tt.calls {
				if got := v.run(t, tg.call(t, c.name, c.args...)); got != c.want {
					t.Errorf("%s%#x: got %#x, want %#x", c.name, c.args, got, c.want)
				}
			}
		})
	}
}

// TestProfileMatchesDefault checks that the reduced moby profile and
// Default agree on the calls both decide the same way by design.
func TestProfileMatchesDefault(t *testing.T) {
	p, err := ParseProfile(readTestdata(t, "docker-default-reduced.json"), ProfileOptions{Arch: "amd64", Kernel: "6.18"})
	if err != nil {
		t.Fatal(err)
	}
	d := Default()
	d.Arch = "amd64"
	pv, dv := mustAssemble(t, p), mustAssemble(t, d)
	tg := mustTarget(t, "amd64")
	for _, c := range []seccompData{
		tg.call(t, "read"), tg.call(t, "openat"), tg.call(t, "mount"), tg.call(t, "clone3"),
		tg.call(t, "clone", cloneThread), tg.call(t, "clone", cloneNewPID|sigchld),
		tg.call(t, "socket", afUnix), tg.call(t, "personality", 0), tg.call(t, "keyctl"),
		{nr: 0x40000000, arch: auditX86_64}, {nr: 0, arch: auditI386},
	} {
		if a, b := pv.run(t, c), dv.run(t, c); a != b {
			t.Errorf("nr %#x arch %#x args %v: profile %#x, Default %#x", c.nr, c.arch, c.args[:1], a, b)
		}
	}
}

func TestParseKernel(t *testing.T) {
	for _, tt := range []struct {
		in     string
		strict bool
		want   [3]int
		ok     bool
	}{
		{"4.8", true, [3]int{4, 8, 0}, true},
		{"5.10.2", true, [3]int{5, 10, 2}, true},
		{"6.18.44-fc-v782", false, [3]int{6, 18, 44}, true},
		{"6.18-rc1", false, [3]int{6, 18, 0}, true},
		{"6.18.44-fc", true, [3]int{}, false},
		{"4", true, [3]int{}, false},
		{"4.", true, [3]int{}, false},
		{"+4.8", true, [3]int{}, false},
		{"4.8.1.2", true, [3]int{}, false},
		{"", false, [3]int{}, false},
		{"99999999999.1", true, [3]int{}, false},
	} {
		got, err := parseKernel(tt.in, tt.strict)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("parseKernel(%q, %v) = %v, %v; want %v, ok=%v", tt.in, tt.strict, got, err, tt.want, tt.ok)
		}
	}
}
