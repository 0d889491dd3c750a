package sys

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestUnsafeOnlyHere checks the module's rule (gVisor's checkunsafe): package
// unsafe and raw system calls appear only in *_unsafe_linux.go files of
// internal/sys.
func TestUnsafeOnlyHere(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		allowed := strings.HasPrefix(rel, "internal/sys/") && strings.HasSuffix(path, "_unsafe_linux.go")
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == "unsafe" && !allowed {
				t.Errorf("%s imports unsafe: move that code to internal/sys/*_unsafe_linux.go", rel)
			}
		}
		if !allowed {
			src, err := readFile(path)
			if err != nil {
				return err
			}
			for _, raw := range []string{"RawSyscall", "RawSyscall6", "RawSyscallNoError"} {
				if strings.Contains(src, "."+raw+"(") {
					t.Errorf("%s calls %s: raw system calls belong in internal/sys/*_unsafe_linux.go", rel, raw)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Errorf("checked only %d files", checked)
	}
}

func readFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}
