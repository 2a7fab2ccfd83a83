package source

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/patchtrace/patchtrace/input"
	"github.com/patchtrace/patchtrace/internal/testenv"
)

func TestFromFSFlat(t *testing.T) {
	fsys := fstest.MapFS{
		"foo.spec":          {Data: []byte("Name: foo\n")},
		"sources":           {Data: []byte("SHA512 (foo-1.tar.gz) = " + strings.Repeat("ab", 64) + "\n")},
		"fix.patch":         {Data: []byte("--- a\n+++ b\n")},
		".git/config":       {Data: []byte("x")},
		"foo-1.tar.gz":      {Data: make([]byte, 100)},
		"sub/dir/extra.txt": {Data: []byte("hello")},
	}
	p, err := FromFS("foo", fsys, Options{MaxArchiveSize: 10}).Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if p.Layout != Flat || p.SpecName != "foo.spec" || string(p.Spec) != "Name: foo\n" {
		t.Fatalf("layout %v spec %q %q", p.Layout, p.SpecName, p.Spec)
	}
	if p.LookasideName != "sources" || !strings.HasPrefix(string(p.LookasideData), "SHA512") ||
		len(p.Lookaside) != 1 || p.Lookaside[0].File != "foo-1.tar.gz" || p.Lookaside[0].Algo != "sha512" {
		t.Fatalf("lookaside %q", p.LookasideName)
	}
	var names []string
	for _, f := range p.Files {
		names = append(names, f.Path)
	}
	if got := strings.Join(names, ","); got != "fix.patch,foo-1.tar.gz,sub/dir/extra.txt" {
		t.Fatalf("files %s", got)
	}
	tar := p.File("foo-1.tar.gz")
	if tar == nil || !tar.Omitted || tar.Data != nil || tar.Size != 100 ||
		tar.SHA256 != "cd00e292c5970d3c5e2f0ffa5171e555bc46bfc4faddfb4a418b6840b86e79a3" {
		t.Fatalf("tarball %+v", tar)
	}
	if f := p.File("extra.txt"); f == nil || string(f.Data) != "hello" || f.Path != "sub/dir/extra.txt" {
		t.Fatalf("extra %+v", f)
	}
}

func TestFromFSSpecsSources(t *testing.T) {
	fsys := fstest.MapFS{
		"SPECS/bar.spec":      {Data: []byte("Name: bar\n")},
		"SOURCES/a.patch":     {Data: []byte("A")},
		".bar.metadata":       {Data: []byte(strings.Repeat("ab", 20) + " SOURCES/bar.tar.gz\n")},
		"PATCHES/debrand.cfg": {Data: []byte("add { file: \"PATCHES/x.patch\" }\n")},
		"PATCHES/x.patch":     {Data: []byte("X")},
	}
	p, err := FromFS("bar", fsys, Options{}).Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if p.Layout != SpecsSources || p.SpecName != "SPECS/bar.spec" || p.LookasideName != ".bar.metadata" ||
		len(p.Lookaside) != 1 || p.Lookaside[0].Path != "SOURCES/bar.tar.gz" || p.Lookaside[0].Algo != "sha1" {
		t.Fatalf("%v %s %s", p.Layout, p.SpecName, p.LookasideName)
	}
	if f := p.File("a.patch"); f == nil || f.Overlay || f.Path != "SOURCES/a.patch" {
		t.Fatalf("a.patch %+v", f)
	}
	if f := p.File("x.patch"); f == nil || !f.Overlay {
		t.Fatalf("x.patch %+v", f)
	}
	if len(p.Overlays) != 1 || len(p.Overlays[0].Add) != 1 || p.Overlays[0].Add[0].File != "PATCHES/x.patch" {
		t.Fatalf("overlays %+v", p.Overlays)
	}
}

func TestFromFSErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := FromFS("x", fstest.MapFS{"a.patch": {}}, Options{}).Load(ctx); !errors.Is(err, ErrNoSpec) {
		t.Errorf("no spec: %v", err)
	}
	if _, err := FromFS("x", fstest.MapFS{"a.spec": {}, "b.spec": {}}, Options{}).Load(ctx); !errors.Is(err, ErrAmbiguousSpec) {
		t.Errorf("two specs: %v", err)
	}
	if p, err := FromFS("x", fstest.MapFS{"a.spec": {}, "b.spec": {}}, Options{Spec: "b.spec"}).Load(ctx); err != nil || p.SpecName != "b.spec" {
		t.Errorf("Options.Spec: %v", err)
	}
	if _, err := FromFS("x", fstest.MapFS{"a.spec": {}}, Options{Spec: "c.spec"}).Load(ctx); !errors.Is(err, ErrNoSpec) {
		t.Errorf("Options.Spec missing: %v", err)
	}
	two := fstest.MapFS{"a.spec": {}, "b.spec": {}, ".b.metadata": {}}
	if p, err := FromFS("x", two, Options{}).Load(ctx); err != nil || p.SpecName != "b.spec" {
		t.Errorf("hinted: %v", err)
	}
	big := fstest.MapFS{"a.spec": {Data: make([]byte, 50)}}
	if _, err := FromFS("x", big, Options{MaxFileSize: 10}).Load(ctx); !errors.Is(err, input.ErrTooLarge) {
		t.Errorf("big spec: %v", err)
	}
	many := fstest.MapFS{"a.spec": {}, "p1": {Data: make([]byte, 8)}, "p2": {Data: make([]byte, 8)}}
	if _, err := FromFS("x", many, Options{MaxTotalSize: 12}).Load(ctx); !errors.Is(err, input.ErrTooLarge) {
		t.Errorf("total: %v", err)
	}
	badList := fstest.MapFS{"a.spec": {}, "sources": {Data: []byte("\nnot a lookaside line\n")}}
	if _, err := FromFS("x", badList, Options{}).Load(ctx); err == nil || !strings.Contains(err.Error(), "sources:2:") {
		t.Errorf("bad lookaside list: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := FromFS("x", many, Options{}).Load(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
}

// TestCorpusDirs loads every corpus package directory.
func TestCorpusDirs(t *testing.T) {
	root := testenv.Corpus(t)
	for _, tc := range []struct {
		dir     string
		layout  Layout
		spec    string
		list    string
		patches int
	}{
		{"openela/curl/el8", SpecsSources, "curl.spec", ".curl.metadata", 53},
		{"openela/openssl/el9", SpecsSources, "openssl.spec", ".openssl.metadata", 88},
		{"fedora/openssl/rawhide", Flat, "openssl.spec", "sources", 46},
		{"eurolinux/expat/el6", Flat, "expat.spec", "", 6},
		{"ciq-rocky-fips/openssl/dist-git", SpecsSources, "openssl.spec", ".openssl.metadata", 88},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			s, err := Open(tc.dir, root+"/"+tc.dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			p, err := s.Load(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if p.Layout != tc.layout || p.SpecName != tc.spec || p.LookasideName != tc.list {
				t.Errorf("layout %v spec %s list %q", p.Layout, p.SpecName, p.LookasideName)
			}
			n := 0
			for _, f := range p.Files {
				if strings.HasSuffix(f.Name, ".patch") || strings.HasSuffix(f.Name, ".diff") {
					n++
				}
				if f.Data == nil || int64(len(f.Data)) != f.Size {
					t.Errorf("%s: data not kept", f.Path)
				}
			}
			if n != tc.patches {
				t.Errorf("%d patch files, want %d", n, tc.patches)
			}
		})
	}
}

// TestCorpusSweep loads every package directory of the corpus.
func TestCorpusSweep(t *testing.T) {
	root := testenv.Corpus(t)
	dirs, err := filepath.Glob(filepath.Join(root, "*", "*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, dir := range dirs {
		if specs, _ := filepath.Glob(filepath.Join(dir, "*.spec")); len(specs) == 0 {
			continue
		}
		n++
		s, err := Dir(dir, dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.Load(context.Background())
		if err != nil {
			t.Errorf("%s: %v", dir, err)
			continue
		}
		if len(p.Spec) == 0 {
			t.Errorf("%s: empty spec", dir)
		}
		if (p.LookasideName != "") != (len(p.Lookaside) > 0) {
			t.Errorf("%s: lookaside %s with %d entries", dir, p.LookasideName, len(p.Lookaside))
		}
	}
	if n < 17 {
		t.Errorf("only %d package directories found", n)
	}
}
