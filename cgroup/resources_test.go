package cgroup

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	for _, tt := range []struct {
		name   string
		in     Resources
		fields []string // the invalid fields, in order; nil = valid
	}{
		{"zero", Resources{}, nil},
		{"all set", Resources{Memory: 256 << 20, MemorySwap: 64 << 20, PIDs: 64, CPUs: 1.5, CPUWeight: 10000, IOWeight: 1}, nil},
		{"unlimited swap", Resources{Memory: 1 << 20, MemorySwap: -1}, nil},
		{"unlimited swap without memory", Resources{MemorySwap: -1}, nil},
		{"min cpus", Resources{CPUs: 0.01}, nil},
		{"negative memory", Resources{Memory: -1}, []string{"Memory"}},
		{"swap below -1", Resources{Memory: 1 << 20, MemorySwap: -2}, []string{"MemorySwap"}},
		{"swap without memory", Resources{MemorySwap: 1 << 20}, []string{"MemorySwap"}},
		{"swap overflow", Resources{Memory: math.MaxInt64 - 1, MemorySwap: 2}, []string{"MemorySwap"}},
		{"negative pids", Resources{PIDs: -5}, []string{"PIDs"}},
		{"nan cpus", Resources{CPUs: math.NaN()}, []string{"CPUs"}},
		{"inf cpus", Resources{CPUs: math.Inf(1)}, []string{"CPUs"}},
		{"negative cpus", Resources{CPUs: -0.5}, []string{"CPUs"}},
		{"tiny cpus", Resources{CPUs: 0.001}, []string{"CPUs"}},
		{"huge cpus", Resources{CPUs: 1e9}, []string{"CPUs"}},
		{"cpu weight", Resources{CPUWeight: 10001}, []string{"CPUWeight"}},
		{"io weight", Resources{IOWeight: 20000}, []string{"IOWeight"}},
		{"several", Resources{Memory: -1, PIDs: -1, CPUs: math.Inf(-1), IOWeight: 1 << 40},
			[]string{"Memory", "PIDs", "CPUs", "IOWeight"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.in.Validate()
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want errors for %v", tt.fields)
			}
			var got []string
			for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
				var re *ResourceError
				if !errors.As(e, &re) {
					t.Fatalf("error %v is not a *ResourceError", e)
				}
				got = append(got, re.Field)
				if !strings.HasPrefix(e.Error(), "cgroup: invalid Resources."+re.Field+" = ") {
					t.Errorf("message %q does not name the field", e)
				}
			}
			if !reflect.DeepEqual(got, tt.fields) {
				t.Errorf("invalid fields = %v, want %v\n%v", got, tt.fields, err)
			}
		})
	}
}

func TestV2Values(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   Resources
		want []value
	}{
		{"zero", Resources{}, nil},
		{"memory, no swap", Resources{Memory: 64 << 20}, []value{
			{Controller: "memory", File: "memory.max", Data: "67108864"},
			{Controller: "memory", File: "memory.swap.max", Data: "0", Optional: true},
		}},
		{"memory, some swap", Resources{Memory: 64 << 20, MemorySwap: 1 << 20}, []value{
			{Controller: "memory", File: "memory.max", Data: "67108864"},
			{Controller: "memory", File: "memory.swap.max", Data: "1048576"},
		}},
		{"memory, unlimited swap", Resources{Memory: 1 << 30, MemorySwap: -1}, []value{
			{Controller: "memory", File: "memory.max", Data: "1073741824"},
			{Controller: "memory", File: "memory.swap.max", Data: "max", Optional: true},
		}},
		{"swap without memory is nothing", Resources{MemorySwap: -1}, nil},
		{"pids", Resources{PIDs: 64}, []value{{Controller: "pids", File: "pids.max", Data: "64"}}},
		{"half a core", Resources{CPUs: 0.5}, []value{{Controller: "cpu", File: "cpu.max", Data: "50000 100000"}}},
		{"two and a bit cores", Resources{CPUs: 2.000004}, []value{{Controller: "cpu", File: "cpu.max", Data: "200000 100000"}}},
		{"cpu weight", Resources{CPUWeight: 250}, []value{{Controller: "cpu", File: "cpu.weight", Data: "250"}}},
		{"io weight", Resources{IOWeight: 100}, []value{{Controller: "io", File: "io.weight", Data: "default 100",
			Else: &value{Controller: "io", File: "io.bfq.weight", Data: "100"}}}},
		{"everything", Resources{Memory: 1 << 20, PIDs: 1, CPUs: 1, CPUWeight: 1, IOWeight: 10000}, []value{
			{Controller: "memory", File: "memory.max", Data: "1048576"},
			{Controller: "memory", File: "memory.swap.max", Data: "0", Optional: true},
			{Controller: "pids", File: "pids.max", Data: "1"},
			{Controller: "cpu", File: "cpu.max", Data: "100000 100000"},
			{Controller: "cpu", File: "cpu.weight", Data: "1"},
			{Controller: "io", File: "io.weight", Data: "default 10000",
				Else: &value{Controller: "io", File: "io.bfq.weight", Data: "1000"}},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.v2Values(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("v2Values() =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestV1Values(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   Resources
		want []value
	}{
		{"zero", Resources{}, nil},
		{"memory, no swap", Resources{Memory: 64 << 20}, []value{
			{Controller: "memory", File: "memory.limit_in_bytes", Data: "67108864"},
			{Controller: "memory", File: "memory.memsw.limit_in_bytes", Data: "67108864",
				Else: &value{Controller: "memory", File: "memory.swappiness", Data: "0"}},
		}},
		{"memory, some swap", Resources{Memory: 64 << 20, MemorySwap: 1 << 20}, []value{
			{Controller: "memory", File: "memory.limit_in_bytes", Data: "67108864"},
			{Controller: "memory", File: "memory.memsw.limit_in_bytes", Data: "68157440"},
		}},
		{"memory, unlimited swap", Resources{Memory: 1 << 30, MemorySwap: -1}, []value{
			{Controller: "memory", File: "memory.limit_in_bytes", Data: "1073741824"},
			{Controller: "memory", File: "memory.memsw.limit_in_bytes", Data: "-1", Optional: true},
		}},
		{"pids", Resources{PIDs: 64}, []value{{Controller: "pids", File: "pids.max", Data: "64"}}},
		{"half a core", Resources{CPUs: 0.5}, []value{
			{Controller: "cpu", File: "cpu.cfs_period_us", Data: "100000"},
			{Controller: "cpu", File: "cpu.cfs_quota_us", Data: "50000"},
		}},
		{"default cpu weight", Resources{CPUWeight: 100}, []value{{Controller: "cpu", File: "cpu.shares", Data: "1024"}}},
		{"io weight", Resources{IOWeight: 100}, []value{{Controller: "blkio", File: "blkio.weight", Data: "500",
			Else: &value{Controller: "blkio", File: "blkio.bfq.weight", Data: "100"}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.v1Values(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("v1Values() =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestWeightMappings(t *testing.T) {
	for _, tt := range []struct {
		w                   uint64
		shares, blkio, bfqW uint64
	}{
		{1, 10, 10, 1},
		{2, 20, 10, 2},
		{50, 512, 250, 50},
		{100, 1024, 500, 100},
		{200, 2048, 1000, 109},
		{1000, 10240, 1000, 181},
		{10000, 102400, 1000, 1000},
	} {
		if got := cpuShares(tt.w); got != tt.shares {
			t.Errorf("cpuShares(%d) = %d, want %d", tt.w, got, tt.shares)
		}
		if got := blkioWeight(tt.w); got != tt.blkio {
			t.Errorf("blkioWeight(%d) = %d, want %d", tt.w, got, tt.blkio)
		}
		if got := bfqWeight(tt.w); got != tt.bfqW {
			t.Errorf("bfqWeight(%d) = %d, want %d", tt.w, got, tt.bfqW)
		}
	}
}

func TestControllers(t *testing.T) {
	r := Resources{Memory: 1 << 20, PIDs: 3, CPUs: 1, CPUWeight: 5}
	if got, want := controllers(r.v2Values()), []string{"memory", "pids", "cpu"}; !reflect.DeepEqual(got, want) {
		t.Errorf("controllers(v2) = %v, want %v", got, want)
	}
	if got := controllers(Resources{}.v1Values()); got != nil {
		t.Errorf("controllers(zero) = %v, want none", got)
	}
}
