package tree

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

var sample = files{
	"README":          {data: "hello\n"},
	"src/main.c":      {data: "int main(void)\n{\n\treturn 0;\n}\n"},
	"src/util.h":      {data: "#define X 1\n"},
	"tools/build.sh":  {data: "#!/bin/sh\necho build\n", exec: true},
	"include/util.h":  {data: "../src/util.h", link: true},
	"docs/empty.txt":  {data: ""},
	"docs/noeol.txt":  {data: "no newline at end"},
	"data/blob.bin":   {data: "\x00\x01\x02binary"},
	"deep/a/b/c/d.md": {data: "# d\n"},
}

// TestReadersAgree reads one tree as a directory, an fs.FS, tarballs in
// every compression (with and without a top directory) and a git commit:
// the entries, ids and contents are the same.
func TestReadersAgree(t *testing.T) {
	want := entriesOf(t, FS("map", mapFS(sample), Limits{}))
	if len(want) != len(sample) {
		t.Fatalf("FS lists %d entries, want %d", len(want), len(sample))
	}
	wantData := contents(t, FS("map", mapFS(sample), Limits{}))

	trees := map[string]Tree{}
	dir, err := Dir(writeDir(t, sample), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer Close(dir)
	trees["dir"] = dir
	for _, c := range []string{"", "gz", "xz", "zst", "bz2"} {
		for _, top := range []string{"", "pkg-1.0"} {
			name := fmt.Sprintf("tar.%s/top=%q", c, top)
			trees[name] = memTarball(name, compress(t, c, tarOf(t, top, sample)), Limits{}, nil)
		}
	}
	r := newMemRepo(t)
	r.commit("the tree", sample)
	trees["git"] = Git(r.repo, "HEAD", Limits{})

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

// mapFS turns a test tree into an fstest.MapFS (which implements
// ReadLinkFS).
func mapFS(fs files) fstest.MapFS {
	m := fstest.MapFS{}
	for p, f := range fs {
		switch {
		case f.link:
			m[p] = &fstest.MapFile{Data: []byte(f.data), Mode: 0o777 | fsModeSymlink}
		case f.exec:
			m[p] = &fstest.MapFile{Data: []byte(f.data), Mode: 0o755}
		default:
			m[p] = &fstest.MapFile{Data: []byte(f.data), Mode: 0o644}
		}
	}
	return m
}

const fsModeSymlink = fs.ModeSymlink

// TestTarballTopDirectory: one common top directory is stripped, and only
// then.
func TestTarballTopDirectory(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ms    []rawMember
		paths []string
	}{
		{"top dir stripped", []rawMember{{hdr: tar.Header{Name: "curl-7.61.1/", Typeflag: tar.TypeDir}}, reg("curl-7.61.1/lib/url.c", "x"), reg("curl-7.61.1/README", "r")}, []string{"README", "lib/url.c"}},
		{"no dir member", []rawMember{reg("./curl/lib/url.c", "x"), reg("./curl/README", "r")}, []string{"README", "lib/url.c"}},
		{"two tops kept", []rawMember{reg("a/x", "x"), reg("b/y", "y")}, []string{"a/x", "b/y"}},
		{"file at top kept", []rawMember{reg("top/x", "x"), reg("README", "r")}, []string{"README", "top/x"}},
		{"single file stripped", []rawMember{reg("top/x", "x")}, []string{"x"}},
		{"pax global header ignored", []rawMember{{hdr: tar.Header{Name: "pax_global_header", Typeflag: tar.TypeXGlobalHeader, PAXRecords: map[string]string{"comment": "0123"}, Format: tar.FormatPAX}}, reg("t/a", "a"), reg("t/b", "b")}, []string{"a", "b"}},
		{"hard link", []rawMember{reg("t/a", "a"), {hdr: tar.Header{Name: "t/b", Typeflag: tar.TypeLink, Linkname: "t/a"}}}, []string{"a", "b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := memTarball(tc.name, rawTar(t, tc.ms), Limits{}, nil)
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

func reg(name, data string) rawMember {
	return rawMember{hdr: tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644}, data: data}
}

func link(name, target string) rawMember {
	return rawMember{hdr: tar.Header{Name: name, Typeflag: tar.TypeSymlink, Linkname: target, Mode: 0o777}}
}

// TestTarballRestream: content not kept from the first pass (MaxKeep) is
// read by streaming the tarball again, hard links included.
func TestTarballRestream(t *testing.T) {
	ms := []rawMember{reg("t/a", strings.Repeat("a", 100)), reg("t/b", strings.Repeat("b", 100)),
		{hdr: tar.Header{Name: "t/c", Typeflag: tar.TypeLink, Linkname: "t/b"}}}
	opens := 0
	tr := memTarball("restream", compress(t, "gz", rawTar(t, ms)), Limits{MaxKeep: 150}, &opens)
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
	var bomb []rawMember
	for i := range 12 {
		bomb = append(bomb, reg(fmt.Sprintf("t/z%02d", i), zeros))
	}
	var chain []rawMember
	for i := range 50 {
		chain = append(chain, link(fmt.Sprintf("t/l%02d", i+1), fmt.Sprintf("l%02d", i)))
	}
	chain = append(chain, reg("t/l00", "end"))
	var laughs []rawMember
	laughs = append(laughs, reg("t/x", "x"), link("t/a0", "."))
	for i := 1; i < 10; i++ {
		p := fmt.Sprintf("a%d", i-1)
		laughs = append(laughs, link(fmt.Sprintf("t/a%d", i), p+"/"+p+"/"+p+"/"+p))
	}
	many := []rawMember{}
	for i := range 20 {
		many = append(many, reg(fmt.Sprintf("t/f%d", i), "x"))
	}
	for _, tc := range []struct {
		name    string
		tarball []byte
		lim     Limits
		want    error
		member  int    // 0: any
		path    string // "": any
	}{
		{"absolute name", rawTar(t, []rawMember{reg("t/a", "a"), reg("/etc/passwd", "x")}), Limits{}, ErrEscapes, 2, "/etc/passwd"},
		{"dot-dot name", rawTar(t, []rawMember{reg("t/a", "a"), reg("t/../../etc/passwd", "x")}), Limits{}, ErrEscapes, 2, "t/../../etc/passwd"},
		{"inner dot-dot", rawTar(t, []rawMember{reg("t/a/../b", "x")}), Limits{}, ErrEscapes, 1, ""},
		{"duplicate", rawTar(t, []rawMember{reg("t/a", "a"), reg("t/b", "b"), reg("t/./a", "c")}), Limits{}, ErrDuplicate, 3, "t/./a"},
		{"below a link", rawTar(t, []rawMember{link("t/etc", "/etc"), reg("t/etc/passwd", "x")}), Limits{}, ErrLink, 2, "t/etc/passwd"},
		{"below a file", rawTar(t, []rawMember{reg("t/a", "a"), reg("t/a/b", "x")}), Limits{}, ErrFormat, 2, "t/a/b"},
		{"link loop", rawTar(t, []rawMember{reg("t/x", "x"), link("t/a", "b"), link("t/b", "a")}), Limits{}, ErrLink, 2, "t/a"},
		{"self link", rawTar(t, []rawMember{reg("t/x", "x"), link("t/s", "s/x")}), Limits{}, ErrLink, 2, "t/s"},
		{"link chain too deep", rawTar(t, chain), Limits{}, ErrLink, 0, ""},
		{"link bomb", rawTar(t, laughs), Limits{}, ErrLink, 0, ""},
		{"decompression bomb", compress(t, "gz", rawTar(t, bomb)), Limits{MaxTotalSize: 4 << 20}, ErrTooLarge, 0, ""},
		{"member too large", compress(t, "zst", rawTar(t, []rawMember{reg("t/a", "a"), reg("t/big", zeros)})), Limits{MaxFileSize: 1000}, ErrTooLarge, 2, "t/big"},
		{"too many members", rawTar(t, many), Limits{MaxFiles: 10}, ErrTooLarge, 11, "t/f10"},
		{"device", rawTar(t, []rawMember{reg("t/a", "a"), {hdr: tar.Header{Name: "t/null", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3}}}), Limits{}, ErrFormat, 2, "t/null"},
		{"fifo", rawTar(t, []rawMember{{hdr: tar.Header{Name: "t/fifo", Typeflag: tar.TypeFifo}}}), Limits{}, ErrFormat, 1, "t/fifo"},
		{"hard link forward", rawTar(t, []rawMember{{hdr: tar.Header{Name: "t/b", Typeflag: tar.TypeLink, Linkname: "t/a"}}, reg("t/a", "a")}), Limits{}, ErrFormat, 1, "t/b"},
		{"hard link out", rawTar(t, []rawMember{reg("t/a", "a"), {hdr: tar.Header{Name: "t/b", Typeflag: tar.TypeLink, Linkname: "/etc/passwd"}}}), Limits{}, ErrFormat, 2, "t/b"},
		{"corrupt gzip", append([]byte{0x1f, 0x8b, 8, 0}, bytes.Repeat([]byte{0xff}, 100)...), Limits{}, ErrFormat, 0, ""},
		{"not a tarball", []byte(strings.Repeat("this is not a tar file\n", 40)), Limits{}, ErrFormat, 0, ""},
		{"empty", nil, Limits{}, ErrFormat, 0, ""},
		{"truncated", rawTar(t, []rawMember{reg("t/a", strings.Repeat("a", 5000))})[:2000], Limits{}, ErrFormat, 1, "t/a"},
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
	d := writeDir(t, files{"a": {data: "a"}, "out": {data: "/etc/passwd", link: true}, "up": {data: "../../x", link: true}})
	tr, err := Dir(d, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer Close(tr)
	es := entriesOf(t, tr)
	if len(es) != 3 || es[1].Link != "/etc/passwd" || es[2].Link != "../../x" {
		t.Fatalf("entries: %+v", es)
	}
	loop := writeDir(t, files{"a": {data: "b", link: true}, "b": {data: "a", link: true}})
	tr, _ = Dir(loop, Limits{})
	if _, err := tr.Entries(context.Background()); !errors.Is(err, ErrLink) || !strings.Contains(err.Error(), ": a:") {
		t.Fatalf("loop: %v", err)
	}
	big := writeDir(t, files{"big": {data: strings.Repeat("x", 2000)}})
	tr, _ = Dir(big, Limits{MaxFileSize: 1000})
	if _, err := tr.Entries(context.Background()); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "big") {
		t.Fatalf("big: %v", err)
	}
}
