package caps

import (
	"errors"
	"strings"
	"testing"

	"github.com/syndtr/gocapability/capability"
)

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Cap
	}{
		{"CAP_NET_BIND_SERVICE", NetBindService},
		{"NET_BIND_SERVICE", NetBindService},
		{"net_bind_service", NetBindService},
		{"cap_net_bind_service", NetBindService},
		{"Cap_Net_Bind_Service", NetBindService},
		{"CAP_CHOWN", Chown},
		{"sys_admin", SysAdmin},
		{"SETPCAP", SetPCap},
		{"setfcap", SetFCap},
		{"bpf", BPF},
		{"CAP_CHECKPOINT_RESTORE", CheckpointRestore},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("Parse(%q) = %v, %v; want %v, nil", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseUnknown(t *testing.T) {
	for _, in := range []string{
		"", "CAP_", "cap", "net-bind-service", "NET BIND SERVICE", "CAP_CAP_CHOWN",
		" chown", "chown\n", "41", "CAP_41", "Cap(41)", "ALL", "CAP_LAST_CAP",
	} {
		t.Run(in, func(t *testing.T) {
			c, err := Parse(in)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, nil; want an error", in, c)
			}
			if !errors.Is(err, ErrUnknown) {
				t.Errorf("Parse(%q) error %v does not wrap ErrUnknown", in, err)
			}
			if want := `caps: unknown capability "` + strings.ReplaceAll(in, "\n", `\n`) + `"`; err.Error() != want {
				t.Errorf("Parse(%q) error = %q, want %q", in, err, want)
			}
		})
	}
}

// TestNamesRoundTrip checks every named capability through String and
// Parse in all three spellings.
func TestNamesRoundTrip(t *testing.T) {
	if len(names) != int(CheckpointRestore)+1 {
		t.Fatalf("names has %d entries, want %d", len(names), CheckpointRestore+1)
	}
	for i, n := range names {
		c := Cap(i)
		if n == "" || c.String() != n {
			t.Errorf("Cap(%d).String() = %q, names entry %q", i, c.String(), n)
		}
		short := strings.TrimPrefix(n, "CAP_")
		for _, in := range []string{n, short, strings.ToLower(short)} {
			if got, err := Parse(in); err != nil || got != c {
				t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, c)
			}
		}
	}
}

// TestNumbersMatchGocapability checks the kernel numbers against
// gocapability's table, which is generated from the kernel header.
func TestNumbersMatchGocapability(t *testing.T) {
	for i, n := range names {
		want := strings.ToLower(strings.TrimPrefix(n, "CAP_"))
		if got := capability.Cap(i).String(); got != want {
			t.Errorf("gocapability Cap(%d) = %q, ours %q", i, got, n)
		}
	}
}

func TestCapString(t *testing.T) {
	for _, tt := range []struct {
		c    Cap
		want string
	}{
		{Chown, "CAP_CHOWN"},
		{NetBindService, "CAP_NET_BIND_SERVICE"},
		{SysAdmin, "CAP_SYS_ADMIN"},
		{CheckpointRestore, "CAP_CHECKPOINT_RESTORE"},
		{Cap(41), "Cap(41)"},
		{Cap(63), "Cap(63)"},
		{Cap(-1), "Cap(-1)"},
	} {
		if got := tt.c.String(); got != tt.want {
			t.Errorf("Cap(%d).String() = %q, want %q", int(tt.c), got, tt.want)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := Parse("net_bind_service"); err != nil {
			b.Fatal(err)
		}
	}
}
