package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runWithin runs specinfo, failing the test when it blocks.
func runWithin(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run(args, &out, &errb) }()
	select {
	case code := <-done:
		return code, out.String(), errb.String()
	case <-time.After(10 * time.Second):
		t.Fatalf("specinfo %v: still running after 10 s", args)
	}
	return 0, "", ""
}

// TestIncludeRoot: %include never leaves the spec's directory (a symlinked
// file or directory pointing out), never blocks on a FIFO, and a spec that
// is a symlink out of its directory is a clear error (issue 14 items 1,
// 2, 7).
func TestIncludeRoot(t *testing.T) {
	top := t.TempDir()
	dir, out := filepath.Join(top, "pkg"), filepath.Join(top, "out")
	os.MkdirAll(dir, 0o755)
	os.MkdirAll(out, 0o755)
	os.WriteFile(filepath.Join(out, "s.inc"), []byte("Version: secret\n"), 0o644)
	os.WriteFile(filepath.Join(out, "x.spec"), []byte("Name: x\nVersion: secret\nRelease: 1\n"), 0o644)
	for name, target := range map[string]string{
		"in.inc": filepath.Join(out, "s.inc"), "d": out, "link.spec": filepath.Join(out, "x.spec"),
	} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Skip(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.inc"), 0o644); err != nil {
		t.Skip(err)
	}
	for inc, want := range map[string]string{
		"in.inc":   "path escapes from parent",
		"d/s.inc":  "path escapes from parent",
		"fifo.inc": "not a regular file (named pipe)",
	} {
		spec := filepath.Join(dir, strings.ReplaceAll(inc, "/", "_")+".spec")
		os.WriteFile(spec, []byte("Name: p\nRelease: 1\n%include "+inc+"\n"), 0o644)
		code, stdout, stderr := runWithin(t, spec)
		if code == 0 || strings.Contains(stdout, "secret") || !strings.Contains(stderr, want) || !strings.Contains(stderr, ":3: ") {
			t.Errorf("%%include %s: exit %d, stdout %q, stderr %q", inc, code, stdout, stderr)
		}
	}
	code, stdout, stderr := runWithin(t, filepath.Join(dir, "link.spec"))
	if code == 0 || strings.Contains(stdout, "secret") || !strings.Contains(stderr, "link.spec") || !strings.Contains(stderr, "escapes") {
		t.Errorf("symlinked spec: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
