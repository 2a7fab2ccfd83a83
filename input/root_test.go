package input_test

import (
	"bytes"
	"errors"
	"io"
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

// hostile makes a directory holding a regular file, a FIFO, symlinks out
// (to a file and to a directory), a symlink inside and a sparse 20 GB file,
// next to a secret outside it.
func hostile(t *testing.T) string {
	t.Helper()
	top := t.TempDir()
	dir := filepath.Join(top, "pkg")
	out := filepath.Join(top, "outside")
	for _, d := range []string{dir, out, filepath.Join(dir, "sub")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "a.inc"), "Version: 1\n")
	write(filepath.Join(out, "s.inc"), "Version: secret\n")
	for name, target := range map[string]string{
		"out.inc":    filepath.Join(out, "s.inc"),
		"rel.inc":    "../outside/s.inc",
		"outdir":     out,
		"in.inc":     "a.inc",
		"sub/up.inc": "../a.inc",
	} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.inc"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	f, err := os.Create(filepath.Join(dir, "sparse.tar"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(20 << 30); err != nil {
		t.Skipf("sparse file: %v", err)
	}
	f.Close()
	return dir
}

// within fails the test when fn does not return within a few seconds (a
// FIFO open that blocks).
func within(t *testing.T, what string, fn func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: still blocked after 5 s", what)
		return nil
	}
}

func TestRootRefuses(t *testing.T) {
	dir := hostile(t)
	r, err := input.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, name := range []string{"a.inc", "in.inc", "sub/up.inc"} {
		b, err := input.ReadFile(r, name, 1<<20)
		if err != nil || string(b) != "Version: 1\n" {
			t.Errorf("%s: %q, %v", name, b, err)
		}
	}
	for name, want := range map[string]string{
		"out.inc":          "escapes",
		"rel.inc":          "escapes",
		"outdir/s.inc":     "escapes",
		"../outside/s.inc": "invalid",
		"/etc/passwd":      "invalid",
		"fifo.inc":         "named pipe",
	} {
		err := within(t, name, func() error {
			f, err := r.Open(name)
			if err == nil {
				f.Close()
			}
			return err
		})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Open(%s) = %v, want an error saying %q", name, err, want)
		}
		err = within(t, name, func() error { _, err := input.ReadFile(r, name, 1<<20); return err })
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ReadFile(%s) = %v, want an error saying %q", name, err, want)
		}
	}
	if _, err := input.ReadFile(r, "fifo.inc", 1<<20); !errors.Is(err, input.ErrNotRegular) {
		t.Errorf("fifo: %v does not wrap ErrNotRegular", err)
	}
	// The 20 GB file is refused from its size, before any byte is read.
	start := time.Now()
	if _, err := input.ReadFile(r, "sparse.tar", 1<<30); !errors.Is(err, input.ErrTooLarge) {
		t.Errorf("sparse: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("sparse refused after %v", d)
	}
}

// TestRootFS: Root is a well-behaved fs.FS on an ordinary directory.
func TestRootFS(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "SPECS"), 0o755)
	os.WriteFile(filepath.Join(dir, "SPECS", "a.spec"), []byte("Name: a\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "x.patch"), []byte("--- a\n"), 0o644)
	r, err := input.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := fstest.TestFS(r, "SPECS/a.spec", "x.patch"); err != nil {
		t.Error(err)
	}
}

// TestReadFileOtherFS: the checks hold for an fs.FS that is not a Root.
func TestReadFileOtherFS(t *testing.T) {
	fsys := fstest.MapFS{
		"p":    {Data: []byte("x"), Mode: fs.ModeNamedPipe},
		"big":  {Data: bytes.Repeat([]byte("a"), 100)},
		"ok":   {Data: []byte("hello")},
		"link": {Data: []byte("ok"), Mode: fs.ModeSymlink},
	}
	if _, err := input.ReadFile(fsys, "p", 10); !errors.Is(err, input.ErrNotRegular) {
		t.Errorf("pipe: %v", err)
	}
	if _, err := input.ReadFile(fsys, "big", 99); !errors.Is(err, input.ErrTooLarge) {
		t.Errorf("big: %v", err)
	}
	if b, err := input.ReadFile(fsys, "big", 100); err != nil || len(b) != 100 {
		t.Errorf("big at cap: %d, %v", len(b), err)
	}
	if b, err := input.ReadFile(fsys, "ok", 5); err != nil || string(b) != "hello" {
		t.Errorf("ok: %q, %v", b, err)
	}
}

// lying reports a size but holds more.
type lying struct{ io.Reader }

func TestReadSizedAndCap(t *testing.T) {
	data := bytes.Repeat([]byte("z"), 1000)
	for _, c := range []struct {
		size, max int64
		ok        bool
	}{
		{1000, 1000, true}, {10, 1000, true}, {-1, 1000, true}, {5000, 1000, true},
		{1000, 999, false}, {10, 999, false}, {-1, 999, false},
	} {
		b, err := input.ReadSized(lying{bytes.NewReader(data)}, c.size, c.max)
		if c.ok != (err == nil) || c.ok && !bytes.Equal(b, data) {
			t.Errorf("size %d max %d: %d bytes, %v", c.size, c.max, len(b), err)
		}
		if !c.ok && !errors.Is(err, input.ErrTooLarge) {
			t.Errorf("size %d max %d: %v does not wrap ErrTooLarge", c.size, c.max, err)
		}
	}
	n, err := io.Copy(io.Discard, input.CapReader(bytes.NewReader(data), 1000, "x"))
	if n != 1000 || err != nil {
		t.Errorf("at cap: %d, %v", n, err)
	}
	n, err = io.Copy(io.Discard, input.CapReader(bytes.NewReader(data), 999, "payload"))
	if n != 999 || !errors.Is(err, input.ErrTooLarge) || !strings.Contains(err.Error(), "payload exceeds 999 bytes") {
		t.Errorf("over cap: %d, %v", n, err)
	}
}
