//go:build linux && amd64

package seccomp

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestSyscallNumbers checks go-seccomp-bpf's table and the calls added
// since against golang.org/x/sys/unix, which is generated from newer
// kernel headers.
func TestSyscallNumbers(t *testing.T) {
	tg := mustTarget(t, "amd64")
	for name, want := range map[string]int{
		"read": unix.SYS_READ, "mkdir": unix.SYS_MKDIR, "mkdirat": unix.SYS_MKDIRAT,
		"clone": unix.SYS_CLONE, "clone3": unix.SYS_CLONE3, "socket": unix.SYS_SOCKET,
		"ioctl": unix.SYS_IOCTL, "personality": unix.SYS_PERSONALITY,
		"open_tree_attr": unix.SYS_OPEN_TREE_ATTR, "removexattrat": unix.SYS_REMOVEXATTRAT,
		"mseal": unix.SYS_MSEAL, "uretprobe": unix.SYS_URETPROBE,
		"file_getattr": unix.SYS_FILE_GETATTR, "file_setattr": unix.SYS_FILE_SETATTR,
		"listns": unix.SYS_LISTNS, "rseq_slice_yield": unix.SYS_RSEQ_SLICE_YIELD,
		"uprobe": unix.SYS_UPROBE,
	} {
		if got, ok, _ := tg.lookup(name); !ok || got != want {
			t.Errorf("%s = %d (known %v), want %d", name, got, ok, want)
		}
	}
	if tg.max != unix.SYS_RSEQ_SLICE_YIELD {
		t.Errorf("highest known call = %d, want %d: update newSyscalls", tg.max, unix.SYS_RSEQ_SLICE_YIELD)
	}
}
