package tree

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/patchtrace/patchtrace/input"
	"github.com/patchtrace/patchtrace/provenance/tree/treetest"
)

var sample = treetest.Files{
	"README":          {Data: "hello\n"},
	"src/main.c":      {Data: "int main(void)\n{\n\treturn 0;\n}\n"},
	"src/util.h":      {Data: "#define X 1\n"},
	"tools/build.sh":  {Data: "#!/bin/sh\necho build\n", Exec: true},
	"include/util.h":  {Data: "../src/util.h", Link: true},
	"docs/empty.txt":  {Data: ""},
	"docs/noeol.txt":  {Data: "no newline at end"},
	"data/blob.bin":   {Data: "\x00\x01\x02binary"},
	"deep/a/b/c/d.md": {Data: "# d\n"},
}

// TestReadersAgree reads one tree as a directory, an fs.FS, tarballs in
// every compression (with and without a top directory) and a git commit:
// the entries, ids and contents are the same.
func TestReadersAgree(t *testing.T) {
	want := entriesOf(t, FS("map", sample.MapFS(), Limits{}))
	if len(want) != len(sample) {
		t.Fatalf("FS lists %d entries, want %d", len(want), len(sample))
	}
	wantData := contents(t, FS("map", sample.MapFS(), Limits{}))

	trees := map[string]Tree{}
	dir, err := Dir(treetest.WriteDir(t, sample), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer Close(dir)
	trees["dir"] = dir
	for _, c := range []string{"", "gz", "xz", "zst", "bz2"} {
		for _, top := range []string{"", "pkg-1.0"} {
			name := fmt.Sprintf("tar.%s/top=%q", c, top)
			trees[name] = memTarball(name, treetest.Compress(t, c, treetest.Tar(t, top, sample)), Limits{}, nil)
		}
	}
	r := treetest.NewRepo(t)
	r.Commit("the tree", sample)
	trees["git"] = Git(r.Repo, "HEAD", Limits{})

	for name, tr := range trees {
		t.Run(name, func(t *testing.T) {
			got := entriesOf(t, tr)
			if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b Entry) bool {
				return a.Path == b.Path && a.Mode == b.Mode && a.ID == b.ID && a.Link == b.Link
			})); diff != "" {
				t.Errorf("entries differ (-FS +%s):\n%s", name, diff)
			}
			if diff := cmp.Diff(wantData, contents(t, tr)); diff != "" {
				t.Errorf("contents differ (-FS +%s):\n%s", name, diff)
			}
		})
	}
}

// TestTarballTopDirectory: one common top directory is stripped, and only
// then.
func TestTarballTopDirectory(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ms    []treetest.Member
		paths []string
	}{
		{"top dir stripped", []treetest.Member{{Hdr: tar.Header{Name: "curl-7.61.1/", Typeflag: tar.TypeDir}}, treetest.Reg("curl-7.61.1/lib/url.c", "x"), treetest.Reg("curl-7.61.1/README", "r")}, []string{"README", "lib/url.c"}},
		{"no dir member", []treetest.Member{treetest.Reg("./curl/lib/url.c", "x"), treetest.Reg("./curl/README", "r")}, []string{"README", "lib/url.c"}},
		{"two tops kept", []treetest.Member{treetest.Reg("a/x", "x"), treetest.Reg("b/y", "y")}, []string{"a/x", "b/y"}},
		{"file at top kept", []treetest.Member{treetest.Reg("top/x", "x"), treetest.Reg("README", "r")}, []string{"README", "top/x"}},
		{"single file stripped", []treetest.Member{treetest.Reg("top/x", "x")}, []string{"x"}},
		{"pax global header ignored", []treetest.Member{{Hdr: tar.Header{Name: "pax_global_header", Typeflag: tar.TypeXGlobalHeader, PAXRecords: map[string]string{"comment": "0123"}, Format: tar.FormatPAX}}, treetest.Reg("t/a", "a"), treetest.Reg("t/b", "b")}, []string{"a", "b"}},
		{"hard link", []treetest.Member{treetest.Reg("t/a", "a"), {Hdr: tar.Header{Name: "t/b", Typeflag: tar.TypeLink, Linkname: "t/a"}}}, []string{"a", "b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := memTarball(tc.name, treetest.RawTar(t, tc.ms), Limits{}, nil)
			var got []string
			for _, e := range entriesOf(t, tr) {
				got = append(got, e.Path)
			}
			if diff := cmp.Diff(tc.paths, got); diff != "" {
				t.Fatalf("paths (-want +got):\n%s", diff)
			}
			c := contents(t, tr)
			if tc.name == "hard link" && (c["a"] != "a" || c["b"] != "a") {
				t.Fatalf("hard link content: %q", c)
			}
		})
	}
}

// TestTarballRestream: content not kept from the first pass (MaxKeep) is
// read by streaming the tarball again, hard links included.
func TestTarballRestream(t *testing.T) {
	ms := []treetest.Member{treetest.Reg("t/a", strings.Repeat("a", 100)), treetest.Reg("t/b", strings.Repeat("b", 100)),
		{Hdr: tar.Header{Name: "t/c", Typeflag: tar.TypeLink, Linkname: "t/b"}}}
	opens := 0
	tr := memTarball("restream", treetest.Compress(t, "gz", treetest.RawTar(t, ms)), Limits{MaxKeep: 150}, &opens)
	got := contents(t, tr)
	if got["a"] != strings.Repeat("a", 100) || got["b"] != strings.Repeat("b", 100) || got["c"] != got["b"] {
		t.Fatalf("contents: %v", got)
	}
	if opens != 2 {
		t.Fatalf("opened %d times, want 2 (list, then read b and c again)", opens)
	}
}

// TestTarballRefuses: hostile tarballs get an error naming the member, of
// the right kind.
func TestTarballRefuses(t *testing.T) {
	zeros := strings.Repeat("\x00", 1<<20)
	var bomb []treetest.Member
	for i := range 12 {
		bomb = append(bomb, treetest.Reg(fmt.Sprintf("t/z%02d", i), zeros))
	}
	var chain []treetest.Member
	for i := range 50 {
		chain = append(chain, treetest.Symlink(fmt.Sprintf("t/l%02d", i+1), fmt.Sprintf("l%02d", i)))
	}
	chain = append(chain, treetest.Reg("t/l00", "end"))
	var laughs []treetest.Member
	laughs = append(laughs, treetest.Reg("t/x", "x"), treetest.Symlink("t/a0", "."))
	for i := 1; i < 10; i++ {
		p := fmt.Sprintf("a%d", i-1)
		laughs = append(laughs, treetest.Symlink(fmt.Sprintf("t/a%d", i), p+"/"+p+"/"+p+"/"+p))
	}
	many := []treetest.Member{}
	for i := range 20 {
		many = append(many, treetest.Reg(fmt.Sprintf("t/f%d", i), "x"))
	}
	for _, tc := range []struct {
		name    string
		tarball []byte
		lim     Limits
		want    error
		member  int    // 0: any
		path    string // "": any
	}{
		{"absolute name", treetest.RawTar(t, []treetest.Member{treetest.Reg("t/a", "a"), treetest.Reg("/etc/passwd", "x")}), Limits{}, ErrEscapes, 2, "/etc/passwd"},
		{"dot-dot name", treetest.RawTar(t, []treetest.Member{treetest.Reg("t/a", "a"), treetest.Reg("t/../../etc/passwd", "x")}), Limits{}, ErrEscapes, 2, "t/../../etc/passwd"},
		{"inner dot-dot", treetest.RawTar(t, []treetest.Member{treetest.Reg("t/a/../b", "x")}), Limits{}, ErrEscapes, 1, ""},
		{"duplicate", treetest.RawTar(t, []treetest.Member{treetest.Reg("t/a", "a"), treetest.Reg("t/b", "b"), treetest.Reg("t/./a", "c")}), Limits{}, ErrDuplicate, 3, "t/./a"},
		{"below a link", treetest.RawTar(t, []treetest.Member{treetest.Symlink("t/etc", "/etc"), treetest.Reg("t/etc/passwd", "x")}), Limits{}, ErrLink, 2, "t/etc/passwd"},
		{"below a file", treetest.RawTar(t, []treetest.Member{treetest.Reg("t/a", "a"), treetest.Reg("t/a/b", "x")}), Limits{}, ErrFormat, 2, "t/a/b"},
		{"link loop", treetest.RawTar(t, []treetest.Member{treetest.Reg("t/x", "x"), treetest.Symlink("t/a", "b"), treetest.Symlink("t/b", "a")}), Limits{}, ErrLink, 2, "t/a"},
		{"self link", treetest.RawTar(t, []treetest.Member{treetest.Reg("t/x", "x"), treetest.Symlink("t/s", "s/x")}), Limits{}, ErrLink, 2, "t/s"},
		{"link chain too deep", treetest.RawTar(t, chain), Limits{}, ErrLink, 0, ""},
		{"link bomb", treetest.RawTar(t, laughs), Limits{}, ErrLink, 0, ""},
		{"decompression bomb", treetest.Compress(t, "gz", treetest.RawTar(t, bomb)), Limits{MaxTotalSize: 4 << 20}, input.ErrTooLarge, 0, ""},
		{"member too large", treetest.Compress(t, "zst", treetest.RawTar(t, []treetest.Member{treetest.Reg("t/a", "a"), treetest.Reg("t/big", zeros)})), Limits{MaxFileSize: 1000}, input.ErrTooLarge, 2, "t/big"},
		{"too many members", treetest.RawTar(t, many), Limits{MaxFiles: 10}, input.ErrTooLarge, 11, "t/f10"},
		{"device", treetest.RawTar(t, []treetest.Member{treetest.Reg("t/a", "a"), {Hdr: tar.Header{Name: "t/null", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3}}}), Limits{}, ErrFormat, 2, "t/null"},
		{"fifo", treetest.RawTar(t, []treetest.Member{{Hdr: tar.Header{Name: "t/fifo", Typeflag: tar.TypeFifo}}}), Limits{}, ErrFormat, 1, "t/fifo"},
		{"hard link forward", treetest.RawTar(t, []treetest.Member{{Hdr: tar.Header{Name: "t/b", Typeflag: tar.TypeLink, Linkname: "t/a"}}, treetest.Reg("t/a", "a")}), Limits{}, ErrFormat, 1, "t/b"},
		{"hard link out", treetest.RawTar(t, []treetest.Member{treetest.Reg("t/a", "a"), {Hdr: tar.Header{Name: "t/b", Typeflag: tar.TypeLink, Linkname: "/etc/passwd"}}}), Limits{}, ErrFormat, 2, "t/b"},
		{"corrupt gzip", append([]byte{0x1f, 0x8b, 8, 0}, bytes.Repeat([]byte{0xff}, 100)...), Limits{}, ErrFormat, 0, ""},
		{"not a tarball", []byte(strings.Repeat("this is not a tar file\n", 40)), Limits{}, ErrFormat, 0, ""},
		{"empty", nil, Limits{}, ErrFormat, 0, ""},
		{"truncated", treetest.RawTar(t, []treetest.Member{treetest.Reg("t/a", strings.Repeat("a", 5000))})[:2000], Limits{}, ErrFormat, 1, "t/a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := memTarball(tc.name+".tar", tc.tarball, tc.lim, nil).Entries(context.Background())
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			var pe *PathError
			if !errors.As(err, &pe) || pe.Tree != tc.name+".tar" {
				t.Fatalf("err = %#v, want a *PathError naming the tarball", err)
			}
			if tc.member > 0 && pe.Member != tc.member {
				t.Errorf("member %d, want %d (%v)", pe.Member, tc.member, err)
			}
			if tc.path != "" && pe.Path != tc.path {
				t.Errorf("path %q, want %q (%v)", pe.Path, tc.path, err)
			}
			if !strings.Contains(err.Error(), tc.name+".tar") {
				t.Errorf("message %q does not name the tarball", err)
			}
			t.Log(err)
		})
	}
}

// TestDirRefuses: a directory with a FIFO, a symlink loop, or a file over
// the cap is refused with the path named; links out of the tree are kept
// as links, never followed.
func TestDirRefuses(t *testing.T) {
	d := treetest.WriteDir(t, treetest.Files{"a": {Data: "a"}, "out": {Data: "/etc/passwd", Link: true}, "up": {Data: "../../x", Link: true}})
	tr, err := Dir(d, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer Close(tr)
	es := entriesOf(t, tr)
	if len(es) != 3 || es[1].Link != "/etc/passwd" || es[2].Link != "../../x" {
		t.Fatalf("entries: %+v", es)
	}
	loop := treetest.WriteDir(t, treetest.Files{"a": {Data: "b", Link: true}, "b": {Data: "a", Link: true}})
	tr, _ = Dir(loop, Limits{})
	if _, err := tr.Entries(context.Background()); !errors.Is(err, ErrLink) || !strings.Contains(err.Error(), ": a:") {
		t.Fatalf("loop: %v", err)
	}
	big := treetest.WriteDir(t, treetest.Files{"big": {Data: strings.Repeat("x", 2000)}})
	tr, _ = Dir(big, Limits{MaxFileSize: 1000})
	if _, err := tr.Entries(context.Background()); !errors.Is(err, input.ErrTooLarge) || !strings.Contains(err.Error(), "big") {
		t.Fatalf("big: %v", err)
	}
}
