package seccomp

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestActionText(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Action
	}{
		{"errno", ActionErrno},
		{"allow", ActionAllow},
		{"ALLOW", ActionAllow},
		{"kill_process", ActionKillProcess},
		{"kill_thread", ActionKillThread},
		{"trap", ActionTrap},
		{"log", ActionLog},
		{"SCMP_ACT_KILL", ActionKillThread},
		{"SCMP_ACT_KILL_PROCESS", ActionKillProcess},
		{"scmp_act_errno", ActionErrno},
	} {
		var a Action
		if err := a.UnmarshalText([]byte(tt.in)); err != nil || a != tt.want {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", tt.in, a, err, tt.want)
		}
	}
	for a := Action(0); a < numActions; a++ {
		b, err := a.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Action
		if err := back.UnmarshalText(b); err != nil || back != a {
			t.Errorf("round trip of %v: got %v, %v", a, back, err)
		}
	}
	var a Action
	if err := a.UnmarshalText([]byte("SCMP_ACT_NOTIFY")); err == nil {
		t.Error("UnmarshalText accepted SCMP_ACT_NOTIFY")
	}
	if _, err := Action(42).MarshalText(); err == nil || Action(42).String() != "Action(42)" {
		t.Errorf("Action(42): MarshalText err %v, String %q", err, Action(42).String())
	}
	// A Policy round-trips through JSON with readable actions.
	p := Allowlist("read").Deny(38, "clone3")
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"Action":"allow"`) {
		t.Errorf("JSON %s does not name the action", b)
	}
	var back Policy
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(&back, p) {
		t.Errorf("JSON round trip: %+v, %v; want %+v", back, err, p)
	}
}

func TestOpText(t *testing.T) {
	for o := OpEqual; o < numOps; o++ {
		b, err := o.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Op
		if err := back.UnmarshalText(b); err != nil || back != o {
			t.Errorf("round trip of %v: %v, %v", o, back, err)
		}
		if err := back.UnmarshalText([]byte(opNames[o].scmp)); err != nil || back != o {
			t.Errorf("UnmarshalText(%s) = %v, %v", opNames[o].scmp, back, err)
		}
	}
	if _, err := Op(0).MarshalText(); err == nil {
		t.Error("the zero Op marshals")
	}
}

func TestArgString(t *testing.T) {
	for _, tt := range []struct {
		in   Arg
		want string
	}{
		{Eq(0, 2), "arg0 == 0x2"},
		{Ne(1, 0), "arg1 != 0x0"},
		{Le(2, 7), "arg2 <= 0x7"},
		{MaskedEq(1, 0xffffffff, 0x5412), "arg1 & 0xffffffff == 0x5412"},
	} {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		p    *Policy
		want []string // substrings of the joined error; none means valid
	}{
		{"zero policy denies everything", &Policy{}, nil},
		{"allowlist", Allowlist("read", "write"), nil},
		{"foreign names are skipped", &Policy{Arch: "amd64", Rules: []Rule{Allow("chown32", "riscv_hwprobe", "read")}}, nil},
		{"unknown name", Allowlist("read", "mkdri"), []string{`seccomp: rule 0 "mkdri": unknown system call`}},
		{"every problem", &Policy{Rules: []Rule{
			Allow("nosuchcall"),
			{Names: []string{"read"}, Action: ActionAllow, Errno: 5},
			{Action: ActionAllow},
			Allow("write").When(Arg{Index: 6, Op: OpEqual}),
			Allow("write").When(Arg{Index: 0}),
			Allow("write").When(Arg{Index: 0, Op: OpEqual, Mask: 1}),
			Allow("write").When(MaskedEq(0, 0xf0, 0x1)),
			Deny(5000, "close"),
			{Names: []string{""}, Action: ActionAllow},
			{Names: []string{"open"}, Action: Action(99)},
		}}, []string{
			`rule 0 "nosuchcall": unknown system call`,
			"rule 1: errno 5 is set but the action is allow",
			"rule 2: no system call names",
			"rule 3: argument index 6 is out of range",
			"rule 4: condition on arg0 has no valid operator",
			"rule 5: condition arg0 == 0x0 has a mask",
			"rule 6: condition arg0 & 0xf0 == 0x1 can never hold",
			"rule 7: errno 5000 is out of range",
			"rule 8: empty system call name",
			"rule 9: invalid action 99",
		}},
		{"unreachable after an unconditional rule", &Policy{Rules: []Rule{
			Allow("mkdir", "read"),
			Deny(1, "mkdir"),
			Deny(1, "read").When(Eq(0, 0)),
		}}, []string{
			`rule 1 "mkdir": unreachable: rule 0 already decides every mkdir call`,
			`rule 2 "read": unreachable`,
		}},
		{"conditional before unconditional is fine", &Policy{Rules: []Rule{
			Deny(1, "ioctl").When(Eq(1, 0x5412)),
			Allow("ioctl"),
		}}, nil},
		{"default errno with allow", &Policy{DefaultAction: ActionAllow, DefaultErrno: 1}, []string{"default action: errno 1 is set"}},
		{"unknown arch", &Policy{Arch: "vax"}, []string{`unknown architecture "vax"`}},
		{"arch without table", &Policy{Arch: "riscv64"}, []string{"no system call table for architecture riscv64"}},
		{"too many conditions", &Policy{Rules: []Rule{Allow("read").When(manyArgs(60)...)}}, []string{"rule 0: its 60 conditions need 300 instructions"}},
		{"unconfined", Unconfined(), nil},
		{"unconfined with rules", func() *Policy { p := Unconfined(); p.Rules = []Rule{Allow("read")}; return p }(), []string{"unconfined policy cannot have rules"}},
		{"nil", nil, []string{"nil policy"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %v\nwant it to contain %q", err, w)
				}
			}
			if got, want := strings.Count(err.Error(), "seccomp: "), len(tt.want); got != want {
				t.Errorf("Validate() reported %d problems, want %d:\n%v", got, want, err)
			}
		})
	}
}

func manyArgs(n int) []Arg {
	args := make([]Arg, n)
	for i := range args {
		args[i] = Le(0, uint64(i)<<32)
	}
	return args
}

func TestUnknownSyscallIs(t *testing.T) {
	err := Allowlist("mkdri").Validate()
	if !errors.Is(err, ErrUnknownSyscall) {
		t.Errorf("errors.Is(%v, ErrUnknownSyscall) = false", err)
	}
}

func TestUnconfined(t *testing.T) {
	u := Unconfined()
	if !u.IsUnconfined() || Default().IsUnconfined() || (*Policy)(nil).IsUnconfined() {
		t.Fatal("IsUnconfined is wrong")
	}
	if _, err := u.Assemble(); !errors.Is(err, ErrUnconfined) {
		t.Errorf("Assemble() = %v, want ErrUnconfined", err)
	}
	if err := u.Dump(new(strings.Builder)); !errors.Is(err, ErrUnconfined) {
		t.Errorf("Dump() = %v, want ErrUnconfined", err)
	}
	if !u.Clone().IsUnconfined() {
		t.Error("Clone lost unconfined")
	}
}

func TestOverride(t *testing.T) {
	base := &Policy{Rules: []Rule{
		Allow("read", "mkdir"),
		Allow("socket").When(Eq(0, 1)),
		Deny(1, "mkdirat"),
	}}
	p := base.Deny(13, "mkdir", "socket")
	want := &Policy{Rules: []Rule{
		Allow("read"),
		Deny(1, "mkdirat"),
		Deny(13, "mkdir", "socket"),
	}}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("Deny:\n got %+v\nwant %+v", p, want)
	}
	if len(base.Rules) != 3 || len(base.Rules[0].Names) != 2 {
		t.Errorf("Deny changed its receiver: %+v", base)
	}
	q := base.Allow("mkdirat")
	if err := q.Validate(); err != nil {
		t.Fatal(err)
	}
	tg := mustTarget(t, "")
	v := mustAssemble(t, q)
	if got := v.run(t, tg.call(t, "mkdirat")); got != retAllow {
		t.Errorf("mkdirat after Allow: %#x", got)
	}
}

func TestWhenCopies(t *testing.T) {
	r := Allow("socket")
	r.Args = make([]Arg, 1, 4)
	a := r.When(Eq(0, 1))
	b := r.When(Eq(0, 2))
	if a.Args[1] == b.Args[1] {
		t.Error("When shares the Args array between copies")
	}
}
