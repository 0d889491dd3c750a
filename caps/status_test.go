package caps

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseStatus(t *testing.T) {
	const (
		rootMask = Set(0x000001fffeffffff) // everything up to CAP_CHECKPOINT_RESTORE but CAP_SYS_RESOURCE
		preAmb   = Set(0x0000003fffffffff) // everything up to CAP_AUDIT_READ
	)
	for _, tt := range []struct {
		file    string
		want    Sets
		wantErr []string // substrings of the error; nil for success
	}{
		{"root.status", Sets{Permitted: rootMask, Effective: rootMask, Bounding: rootMask}, nil},
		{"dropped.status", Sets{}, nil},
		{"nobody_net_bind.status", Sets{
			Inheritable: SetOf(NetBindService), Permitted: SetOf(NetBindService),
			Effective: SetOf(NetBindService), Bounding: SetOf(NetBindService),
			Ambient: SetOf(NetBindService),
		}, nil},
		{"pre_4.3.status", Sets{}, []string{"caps: status has no CapAmb line"}},
		{"malformed.status", Sets{}, []string{
			`caps: status line CapPrm: strconv.ParseUint: parsing "1ffffffffffffffff": value out of range`,
			`caps: status line CapEff: strconv.ParseUint: parsing "zz00000000000000": invalid syntax`,
		}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := ParseStatus(f)
			if tt.wantErr == nil {
				if err != nil || got != tt.want {
					t.Errorf("ParseStatus = %+v, %v; want %+v", got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseStatus = %+v, nil; want an error", got)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("ParseStatus error %q does not contain %q", err, w)
				}
			}
			if got != (Sets{}) {
				t.Errorf("ParseStatus returned %+v with its error", got)
			}
		})
	}
}

func TestParseStatusInline(t *testing.T) {
	for _, tt := range []struct {
		name    string
		in      string
		want    Sets
		wantErr string
	}{
		{"minimal", "CapInh:\t0000000000000001\nCapPrm:\t3\nCapEff:\t0000000000000002\nCapBnd:\tffffffffffffffff\nCapAmb:\t0\n",
			Sets{Inheritable: SetOf(Chown), Permitted: SetOf(Chown, DACOverride), Effective: SetOf(DACOverride), Bounding: ^None}, ""},
		{"no trailing newline", "CapInh:\t0\nCapPrm:\t0\nCapEff:\t0\nCapBnd:\t0\nCapAmb:\t400", Sets{Ambient: SetOf(NetBindService)}, ""},
		{"empty", "", Sets{}, "caps: status has no CapInh line\ncaps: status has no CapPrm line\ncaps: status has no CapEff line\ncaps: status has no CapBnd line\ncaps: status has no CapAmb line"},
		{"empty value", "CapInh:\nCapPrm:\t0\nCapEff:\t0\nCapBnd:\t0\nCapAmb:\t0\n", Sets{}, `caps: status line CapInh: strconv.ParseUint: parsing "": invalid syntax`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStatus(strings.NewReader(tt.in))
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Errorf("ParseStatus = %+v, %v; want %+v", got, err, tt.want)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ParseStatus error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func BenchmarkParseStatus(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "root.status"))
	if err != nil {
		b.Fatal(err)
	}
	r := strings.NewReader("")
	for b.Loop() {
		r.Reset(string(data))
		if _, err := ParseStatus(r); err != nil {
			b.Fatal(err)
		}
	}
}
