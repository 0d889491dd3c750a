package caps

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestSetOps(t *testing.T) {
	s := SetOf(Kill, Chown, NetBindService)
	for _, tt := range []struct {
		name string
		got  Set
		want []Cap
	}{
		{"None", None, nil},
		{"SetOf", s, []Cap{Chown, Kill, NetBindService}},
		{"With", s.With(SysAdmin, Chown), []Cap{Chown, Kill, NetBindService, SysAdmin}},
		{"WithHighest", None.With(Cap(63)), []Cap{63}},
		{"Without", s.Without(Kill, SysAdmin), []Cap{Chown, NetBindService}},
		{"Union", s.Union(SetOf(BPF)), []Cap{Chown, Kill, NetBindService, BPF}},
		{"Intersect", s.Intersect(SetOf(Kill, BPF)), []Cap{Kill}},
		{"Difference", s.Difference(SetOf(Kill, BPF)), []Cap{Chown, NetBindService}},
		{"upTo(-1)", upTo(-1), nil},
		{"upTo(0)", upTo(0), []Cap{Chown}},
		{"upTo(2)", upTo(2), []Cap{Chown, DACOverride, DACReadSearch}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.got.List(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("List() = %v, want %v", got, tt.want)
			}
			if got := tt.got.Len(); got != len(tt.want) {
				t.Errorf("Len() = %d, want %d", got, len(tt.want))
			}
			for _, c := range tt.want {
				if !tt.got.Has(c) {
					t.Errorf("Has(%v) = false", c)
				}
			}
		})
	}
	if s != SetOf(Kill, Chown, NetBindService) {
		t.Errorf("methods changed their receiver: %v", s)
	}
	if upTo(40) != Set(0x1ffffffffff) || upTo(63) != ^None || upTo(70) != ^None {
		t.Errorf("upTo: 40 -> %#x, 63 -> %#x", uint64(upTo(40)), uint64(upTo(63)))
	}
	for _, c := range []Cap{-1, 64, 1000} {
		if s.Has(c) || (^None).Has(c) {
			t.Errorf("Has(%d) = true for a Cap out of range", c)
		}
	}
}

func TestSetPanicsOutOfRange(t *testing.T) {
	for _, c := range []Cap{-1, 64} {
		func() {
			defer func() {
				if r := recover(); r == nil {
					t.Errorf("With(%d) did not panic", c)
				}
			}()
			_ = None.With(c)
		}()
	}
}

func TestSetString(t *testing.T) {
	for _, tt := range []struct {
		s         Set
		str       string
		names     []string
		marshaled string
		marshErr  bool
	}{
		{None, "none", nil, "", false},
		{SetOf(NetBindService), "CAP_NET_BIND_SERVICE", []string{"CAP_NET_BIND_SERVICE"}, "CAP_NET_BIND_SERVICE", false},
		{SetOf(Kill, Chown), "CAP_CHOWN,CAP_KILL", []string{"CAP_CHOWN", "CAP_KILL"}, "CAP_CHOWN,CAP_KILL", false},
		{SetOf(CheckpointRestore, Cap(41)), "CAP_CHECKPOINT_RESTORE,Cap(41)", []string{"CAP_CHECKPOINT_RESTORE", "Cap(41)"}, "", true},
	} {
		t.Run(tt.str, func(t *testing.T) {
			if got := tt.s.String(); got != tt.str {
				t.Errorf("String() = %q, want %q", got, tt.str)
			}
			if got := tt.s.Names(); !reflect.DeepEqual(got, tt.names) {
				t.Errorf("Names() = %q, want %q", got, tt.names)
			}
			b, err := tt.s.MarshalText()
			if (err != nil) != tt.marshErr || string(b) != tt.marshaled {
				t.Errorf("MarshalText() = %q, %v; want %q, error %v", b, err, tt.marshaled, tt.marshErr)
			}
			if err != nil {
				return
			}
			s := SetOf(SysAdmin)
			if err := s.UnmarshalText(b); err != nil || s != tt.s {
				t.Errorf("UnmarshalText(%q) = %v, %v; want %v", b, s, err, tt.s)
			}
		})
	}
}

func TestDefaultContainer(t *testing.T) {
	// containerd's defaultUnixCaps (pkg/oci/spec.go), Docker's default set.
	want, err := ParseSet("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
		"CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
		"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE")
	if err != nil {
		t.Fatal(err)
	}
	if DefaultContainer != want || DefaultContainer.Len() != 14 {
		t.Errorf("DefaultContainer = %v (%d), want %v", DefaultContainer, DefaultContainer.Len(), want)
	}
	if DefaultContainer.Has(SysAdmin) || DefaultContainer.Has(NetAdmin) || DefaultContainer.Has(SysPtrace) {
		t.Errorf("DefaultContainer holds an admin capability: %v", DefaultContainer)
	}
	var zero Set
	if zero != None || None.List() != nil {
		t.Errorf("None is not the zero Set")
	}
}

func TestParseSet(t *testing.T) {
	for _, tt := range []struct {
		name    string
		in      []string
		want    Set
		badOnes []string
	}{
		{"empty", nil, None, nil},
		{"all spellings", []string{"CAP_NET_BIND_SERVICE", "net_bind_service", "NET_BIND_SERVICE", "Chown"}, SetOf(NetBindService, Chown), nil},
		{"one bad", []string{"chown", "sys_admn"}, None, []string{"sys_admn"}},
		{"all bad", []string{"root", "", "CAP_41"}, None, []string{"root", "", "CAP_41"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSet(tt.in...)
			if got != tt.want {
				t.Errorf("ParseSet(%q) = %v, want %v", tt.in, got, tt.want)
			}
			if tt.badOnes == nil {
				if err != nil {
					t.Errorf("ParseSet(%q) error = %v", tt.in, err)
				}
				return
			}
			if !errors.Is(err, ErrUnknown) {
				t.Fatalf("ParseSet(%q) error %v does not wrap ErrUnknown", tt.in, err)
			}
			joined, ok := err.(interface{ Unwrap() []error })
			if !ok || len(joined.Unwrap()) != len(tt.badOnes) {
				t.Fatalf("ParseSet(%q) error %q: want one joined error per bad name %q", tt.in, err, tt.badOnes)
			}
			for _, bad := range tt.badOnes {
				if !strings.Contains(err.Error(), `"`+bad+`"`) {
					t.Errorf("ParseSet error %q does not name %q", err, bad)
				}
			}
		})
	}
}

func TestUnmarshalText(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    Set
		wantErr bool
	}{
		{"", None, false},
		{"  ", None, false},
		{"net_bind_service", SetOf(NetBindService), false},
		{" CAP_CHOWN , kill,NET_RAW ", SetOf(Chown, Kill, NetRaw), false},
		{"chown,,kill", None, true},
		{"chown kill", None, true},
		{"chown,nope", None, true},
	} {
		t.Run(tt.in, func(t *testing.T) {
			s := SetOf(SysAdmin)
			err := s.UnmarshalText([]byte(tt.in))
			if tt.wantErr {
				if err == nil || s != SetOf(SysAdmin) {
					t.Errorf("UnmarshalText(%q) = %v, %v; want an error and no change", tt.in, s, err)
				}
				return
			}
			if err != nil || s != tt.want {
				t.Errorf("UnmarshalText(%q) = %v, %v; want %v", tt.in, s, err, tt.want)
			}
		})
	}
}

func TestSetJSON(t *testing.T) {
	type config struct{ Caps Set }
	b, err := json.Marshal(config{DefaultContainer.Intersect(SetOf(Kill, NetBindService))})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"Caps":"CAP_KILL,CAP_NET_BIND_SERVICE"}`; string(b) != want {
		t.Errorf("json.Marshal = %s, want %s", b, want)
	}
	var c config
	if err := json.Unmarshal(b, &c); err != nil || c.Caps != SetOf(Kill, NetBindService) {
		t.Errorf("json.Unmarshal(%s) = %v, %v", b, c.Caps, err)
	}
}

func BenchmarkParseSet(b *testing.B) {
	names := DefaultContainer.Names()
	for b.Loop() {
		if _, err := ParseSet(names...); err != nil {
			b.Fatal(err)
		}
	}
}
