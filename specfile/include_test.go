package specfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/patchtrace/patchtrace/input"
)

// parseWithin parses spec with FS fsys, failing the test when the parse
// blocks (an %include of a FIFO opened for reading waits for a writer).
func parseWithin(t *testing.T, spec string, fsys fs.FS) (*Spec, error) {
	t.Helper()
	type result struct {
		s   *Spec
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := ParseBytes("p.spec", []byte(spec), Options{FS: fsys})
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		return r.s, r.err
	case <-time.After(10 * time.Second):
		t.Fatal("parse blocked")
	}
	return nil, nil
}

// TestIncludeRefuses: %include reads regular files only, never blocks on
// a FIFO, and through an input.Root never leaves the spec's directory
// (issue 14 items 1 and 2).
func TestIncludeRefuses(t *testing.T) {
	top := t.TempDir()
	dir := filepath.Join(top, "pkg")
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	os.MkdirAll(filepath.Join(top, "out"), 0o755)
	os.WriteFile(filepath.Join(dir, "ok.inc"), []byte("Version: 1\n"), 0o644)
	os.WriteFile(filepath.Join(top, "out", "s.inc"), []byte("Version: secret\n"), 0o644)
	for name, target := range map[string]string{"in.inc": filepath.Join(top, "out", "s.inc"), "outdir": filepath.Join(top, "out")} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Skip(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.inc"), 0o644); err != nil {
		t.Skip(err)
	}
	root, err := input.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	for _, fsys := range []fs.FS{root, os.DirFS(dir)} {
		s, err := parseWithin(t, "Name: p\n%include ok.inc\n", fsys)
		if err != nil || s.Version != "1" {
			t.Errorf("ok.inc: %v", err)
		}
		_, err = parseWithin(t, "Name: p\n%include fifo.inc\n", fsys)
		if !errors.Is(err, ErrInclude) || !errors.Is(err, input.ErrNotRegular) || !strings.HasPrefix(err.Error(), "p.spec:2: ") {
			t.Errorf("%T fifo.inc: %v", fsys, err)
		}
	}
	for _, inc := range []string{"in.inc", "outdir/s.inc"} {
		s, err := parseWithin(t, "Name: p\n%include "+inc+"\n", root)
		if !errors.Is(err, ErrInclude) || !strings.Contains(err.Error(), "escapes") {
			t.Errorf("%s: %v (version %q)", inc, err, s.Version)
		}
	}
	// Any fs.FS: a non-regular file is refused, an oversized one before
	// it is read.
	mfs := fstest.MapFS{"pipe": {Mode: fs.ModeNamedPipe}, "big.inc": {Data: make([]byte, 100)}}
	if _, err := parseWithin(t, "%include pipe\n", mfs); !errors.Is(err, input.ErrNotRegular) {
		t.Errorf("MapFS pipe: %v", err)
	}
	_, err = ParseBytes("p.spec", []byte("Name: p\n%include big.inc\n"), Options{FS: mfs, MaxSize: 99})
	if !errors.Is(err, input.ErrTooLarge) || !strings.HasPrefix(err.Error(), "p.spec:2: ") {
		t.Errorf("big.inc: %v", err)
	}
}
