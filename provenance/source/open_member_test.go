package source

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readOpen reads path through Package.Open and returns its SHA-256.
func readOpen(t *testing.T, p *Package, path string) (string, error) {
	t.Helper()
	rc, err := p.Open(context.Background(), path)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// TestPackageOpen: an omitted file (a tarball over MaxArchiveSize) is
// streamed again from its source, with the recorded size and hash.
func TestPackageOpen(t *testing.T) {
	tarball := strings.Repeat("tarball bytes ", 10000)
	files := []testFile{{name: "pkg.spec", data: "Name: pkg\n", spec: true}, {name: "fix.patch", data: "--- a\n"}, {name: "pkg-1.0.tar.gz", data: tarball}}
	srpm := filepath.Join(t.TempDir(), "pkg.src.rpm")
	if err := os.WriteFile(srpm, buildSRPM(files, srpmOptions{}), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"pkg.spec": "Name: pkg\n", "fix.patch": "--- a\n", "pkg-1.0.tar.gz": tarball})
	repo, b := memRepo(t)
	b.commit("import", map[string]string{"pkg.spec": "Name: pkg\n", "fix.patch": "--- a\n", "pkg-1.0.tar.gz": tarball})
	want := sha256.Sum256([]byte(tarball))
	ds, _ := Dir("d", dir, Options{MaxArchiveSize: 100})
	for name, src := range map[string]Source{
		"srpm": SRPMFile("s", srpm, Options{MaxArchiveSize: 100}),
		"dir":  ds,
		"git":  FromRepository("g", repo, "HEAD", Options{MaxArchiveSize: 100}),
	} {
		p, err := src.Load(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if f := p.File("pkg-1.0.tar.gz"); f == nil || !f.Omitted {
			t.Fatalf("%s: tarball kept", name)
		}
		got, err := readOpen(t, p, "pkg-1.0.tar.gz")
		if err != nil || got != hex.EncodeToString(want[:]) {
			t.Errorf("%s: %s, %v", name, got, err)
		}
		if got, err := readOpen(t, p, "fix.patch"); err != nil || got == "" {
			t.Errorf("%s: kept file: %v", name, err)
		}
		if _, err := p.Open(context.Background(), "nope"); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: missing file: %v", name, err)
		}
	}
	// a directory file that changed since Load is refused
	p, err := ds.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "pkg-1.0.tar.gz"), []byte("short"), 0o644)
	if _, err := readOpen(t, p, "pkg-1.0.tar.gz"); !errors.Is(err, ErrFormat) {
		t.Errorf("changed file: %v", err)
	}
	// a stream cannot be read again
	sp, err := readSynth(t, buildSRPM(files, srpmOptions{}), Options{MaxArchiveSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sp.Open(context.Background(), "pkg-1.0.tar.gz"); !errors.Is(err, ErrNotReopenable) {
		t.Errorf("stream: %v", err)
	}
}
