package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/patchtrace/patchtrace/input"
)

// within fails the test when fn has not returned after 10 s (a FIFO
// opened for reading blocks until a writer comes).
func within[T any](t *testing.T, what string, fn func() (T, error)) (T, error) {
	t.Helper()
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := fn()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: still running after 10 s", what)
	}
	var zero T
	return zero, nil
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func loadDir(t *testing.T, dir string, opts Options) (*Package, error) {
	t.Helper()
	s, err := Dir("d", dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return within(t, "Load "+dir, func() (*Package, error) { return s.Load(context.Background()) })
}

func skipped(p *Package, path string) string {
	for _, s := range p.Skipped {
		if s.Path == path {
			return s.Reason
		}
	}
	return ""
}

// TestDirRefuses: a packaging directory's FIFOs, devices and symbolic
// links are never opened or followed but listed in Skipped (issue 14
// items 1, 2); a file too large to hash is not read at all (item 3).
func TestDirRefuses(t *testing.T) {
	top := t.TempDir()
	pkg, out := filepath.Join(top, "pkg"), filepath.Join(top, "out")
	writeFiles(t, pkg, map[string]string{"p.spec": "Name: p\n", "ok.patch": "--- a\n"})
	writeFiles(t, out, map[string]string{"s.patch": "secret\n", "d/x.patch": "secret\n"})
	for name, target := range map[string]string{"out.patch": filepath.Join(out, "s.patch"), "in.patch": "ok.patch", "outdir": filepath.Join(out, "d")} {
		if err := os.Symlink(target, filepath.Join(pkg, name)); err != nil {
			t.Skip("symlinks:", err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(pkg, "fifo.patch"), 0o644); err != nil {
		t.Skip("mkfifo:", err)
	}
	f, err := os.Create(filepath.Join(pkg, "huge.tar.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(20 << 30); err != nil { // sparse: costs no disk
		t.Skip("sparse file:", err)
	}
	f.Close()
	start := time.Now()
	p, err := loadDir(t, pkg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Load took %v: the 20 GB file was read", d)
	}
	if p.File("ok.patch") == nil {
		t.Error("ok.patch missing")
	}
	for path, want := range map[string]string{
		"out.patch":   "symbolic link to " + filepath.Join(out, "s.patch") + " (never followed)",
		"in.patch":    "symbolic link to ok.patch (never followed)",
		"outdir":      "symbolic link to " + filepath.Join(out, "d"),
		"fifo.patch":  "named pipe (only regular files are read)",
		"huge.tar.gz": "21474836480 bytes, over MaxHashSize (4294967296): not read",
	} {
		if p.File(path) != nil {
			t.Errorf("%s was read", path)
		}
		if got := skipped(p, path); !strings.Contains(got, want) {
			t.Errorf("%s: skipped %q, want %q", path, got, want)
		}
	}
	for _, f := range p.Files {
		if bytes.Contains(f.Data, []byte("secret")) {
			t.Errorf("%s: read from outside the directory", f.Path)
		}
	}
}

// TestDirSpecRefused: a spec (or lookaside list) that is a symbolic link
// or a FIFO is a clear error naming it, not "no spec file" (item 7).
func TestDirSpecRefused(t *testing.T) {
	top := t.TempDir()
	writeFiles(t, top, map[string]string{"elsewhere/p.spec": "Name: p\n", "elsewhere/sources": ""})
	cases := map[string]func(dir string) error{
		"p.spec: symbolic link to ": func(dir string) error {
			return os.Symlink(filepath.Join(top, "elsewhere", "p.spec"), filepath.Join(dir, "p.spec"))
		},
		"SPECS/p.spec: named pipe": func(dir string) error {
			os.MkdirAll(filepath.Join(dir, "SPECS"), 0o755)
			return syscall.Mkfifo(filepath.Join(dir, "SPECS", "p.spec"), 0o644)
		},
		"sources: symbolic link to ": func(dir string) error {
			os.WriteFile(filepath.Join(dir, "p.spec"), []byte("Name: p\n"), 0o644)
			return os.Symlink(filepath.Join(top, "elsewhere", "sources"), filepath.Join(dir, "sources"))
		},
	}
	i := 0
	for want, make := range cases {
		i++
		dir := filepath.Join(top, fmt.Sprint("pkg", i))
		os.MkdirAll(dir, 0o755)
		if err := make(dir); err != nil {
			t.Skip(err)
		}
		_, err := loadDir(t, dir, Options{})
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", want, err)
		}
	}
}

// TestOpenFIFO: a FIFO given as a source location is refused, never
// opened (looksLikeRPM and SRPMFile's open would block).
func TestOpenFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.src.rpm")
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Skip(err)
	}
	_, err := within(t, "Load", func() (*Package, error) { return SRPMFile("x", p, Options{}).Load(context.Background()) })
	if err == nil || !strings.Contains(err.Error(), "named pipe") {
		t.Errorf("SRPM FIFO: %v", err)
	}
	_, err = within(t, "Open", func() (Source, error) { return Open("x", strings.TrimSuffix(p, ".src.rpm")+"", Options{}) })
	if err == nil {
		t.Error("Open of a missing path succeeded")
	}
}

// TestSRPMNames: member names with ".." and duplicate names are errors
// (item 5: "../a.patch" shadowed "a.patch" and trace read the wrong bytes).
func TestSRPMNames(t *testing.T) {
	spec := testFile{name: "pkg.spec", data: "Name: pkg\n", spec: true}
	for want, files := range map[string][]testFile{
		`member name "../a.patch" has a .. component`:               {spec, {name: "../a.patch", data: "evil"}, {name: "a.patch", data: "good"}},
		`member name "x/../../a.patch" has a .. component`:          {spec, {name: "x/../../a.patch", data: "evil"}},
		`duplicate member name a.patch (first at payload byte 132)`: {spec, {name: "a.patch", data: "good"}, {name: "a.patch", data: "evil"}},
		`duplicate member name a.patch`:                             {spec, {name: "a.patch", data: "good"}, {name: "sub/a.patch", data: "evil"}},
		`duplicate member name pkg.spec`:                            {spec, {name: "./pkg.spec", data: "x"}},
	} {
		_, err := readSynth(t, buildSRPM(files, srpmOptions{}), Options{})
		if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "payload byte ") {
			t.Errorf("%s: %v", want, err)
		}
	}
	// a symlink member is listed as skipped, not read
	p, err := readSynth(t, buildSRPM([]testFile{spec, {name: "l.patch", data: "/etc/passwd", mode: 0o120777}}, srpmOptions{}), Options{})
	if err != nil || p.File("l.patch") != nil || !strings.Contains(skipped(p, "l.patch"), "symbolic link") {
		t.Errorf("symlink member: %v %+v", err, p)
	}
}

// TestSRPMPositions: errors inside the payload say where (item 7).
func TestSRPMPositions(t *testing.T) {
	var body strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&body, "+line %d %x\n", i, i*i*7919)
	}
	files := []testFile{{name: "pkg.spec", data: "Name: pkg\n", spec: true}, {name: "0001-fix.patch", data: body.String()}}
	whole := buildSRPM(files, srpmOptions{})
	off, err := payloadOffset(whole)
	if err != nil {
		t.Fatal(err)
	}
	// truncated inside the patch member: gzip stops early
	_, err = readSynth(t, whole[:off+(int64(len(whole))-off)/2], Options{})
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), `member "0001-fix.patch" at byte 132): `) || !strings.Contains(err.Error(), "gzip: unexpected EOF") {
		t.Errorf("truncated: %v", err)
	}
	// an uncompressed payload cut inside the member
	raw := buildSRPM(files, srpmOptions{compress: func(b []byte) []byte { return b[:400] }})
	_, err = readSynth(t, raw, Options{})
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), `payload byte 400 (member "0001-fix.patch" at byte 132): source: malformed input: cpio truncated`) {
		t.Errorf("cpio truncated: %v", err)
	}
	// a flipped byte in an xz payload names xz, the member and the offsets
	x := buildSRPM(files, srpmOptions{compressor: "xz", compress: xzBytes})
	xoff, _ := payloadOffset(x)
	found := false
	for i := xoff + 40; i < int64(len(x))-40 && !found; i++ {
		c := append([]byte{}, x...)
		c[i] ^= 0x55
		_, err := readSynth(t, c, Options{})
		if err == nil {
			continue
		}
		found = true
		if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "xz: ") || !strings.HasPrefix(err.Error(), `source "synth.src.rpm": byte `) || !strings.Contains(err.Error(), "payload byte ") {
			t.Errorf("corrupt xz at %d: %v", i, err)
		}
	}
	if !found {
		t.Error("no corruption detected")
	}
}

// TestSRPMMemory: reading an SRPM costs what it keeps, not twice that
// (item 4: 20 × 60 MiB members peaked at 2.1 GB before "more than 1 GiB
// kept"). Scaled down: 20 members of 6 MiB against a 64 MiB cap fail at
// the 11th member, before reading it, having allocated little more than
// the 60 MiB kept.
func TestSRPMMemory(t *testing.T) {
	files := []testFile{{name: "pkg.spec", data: "Name: pkg\n", spec: true}}
	for i := range 20 {
		files = append(files, testFile{name: fmt.Sprintf("%04d-zeros.patch", i+1), size: 6 << 20})
	}
	b := buildSRPM(files, srpmOptions{})
	const cap = 64 << 20
	var a0, a1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a0)
	_, err := readSynth(t, b, Options{MaxTotalSize: cap})
	runtime.ReadMemStats(&a1)
	if !errors.Is(err, input.ErrTooLarge) || !strings.Contains(err.Error(), "0011-zeros.patch (6291456 bytes) would bring the bytes kept over 67108864") {
		t.Fatalf("error %v", err)
	}
	if n := a1.TotalAlloc - a0.TotalAlloc; n > cap*5/4 {
		t.Errorf("allocated %d MiB for a %d MiB cap", n>>20, cap>>20)
	}
}

// TestPayloadCapDefault: the default payload cap fits real SRPMs (a few
// GB of compressed tarballs), not 16 GiB of zeros (item 3).
func TestPayloadCapDefault(t *testing.T) {
	if DefaultMaxPayloadSize > 4<<30 || DefaultMaxHashSize > 4<<30 {
		t.Errorf("payload cap %d, hash cap %d", DefaultMaxPayloadSize, DefaultMaxHashSize)
	}
	files := []testFile{{name: "pkg.spec", data: "Name: pkg\n", spec: true}, {name: "zeros.tar", size: 8 << 20}}
	_, err := readSynth(t, buildSRPM(files, srpmOptions{}), Options{MaxPayloadSize: 4 << 20})
	if !errors.Is(err, input.ErrTooLarge) || !strings.Contains(err.Error(), "payload exceeds 4194304 bytes") || !strings.Contains(err.Error(), `member "zeros.tar"`) {
		t.Errorf("payload cap: %v", err)
	}
}

// TestPackageFS: Package.FS serves the kept files by path and base name,
// for %include.
func TestPackageFS(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"SPECS/p.spec": "Name: p\n", "SOURCES/inc.spec": "Version: 2\n", "SOURCES/p.tar.gz": strings.Repeat("x", 5000)})
	p, err := loadDir(t, dir, Options{MaxArchiveSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"inc.spec", "SOURCES/inc.spec"} {
		b, err := fsReadFile(p, name)
		if err != nil || string(b) != "Version: 2\n" {
			t.Errorf("%s: %q %v", name, b, err)
		}
	}
	if _, err := fsReadFile(p, "p.tar.gz"); err == nil || !strings.Contains(err.Error(), "content not kept") {
		t.Errorf("omitted: %v", err)
	}
	if _, err := fsReadFile(p, "../x"); err == nil {
		t.Error("../x served")
	}
}

func fsReadFile(p *Package, name string) ([]byte, error) {
	f, err := p.FS().Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var buf bytes.Buffer
	_, err = buf.ReadFrom(f)
	return buf.Bytes(), err
}
