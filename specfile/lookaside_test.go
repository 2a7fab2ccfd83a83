package specfile

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/patchtrace/patchtrace/input"
	"github.com/patchtrace/patchtrace/internal/testenv"
)

var (
	md5a    = strings.Repeat("a", 32)
	sha1a   = strings.Repeat("b", 40)
	sha256a = strings.Repeat("c", 64)
	sha512a = strings.Repeat("d", 128)
)

func TestParseSources(t *testing.T) {
	in := "SHA512 (openssl-3.0.7-hobbled.tar.gz) = " + strings.ToUpper(sha512a) + "\n\n" +
		"SHA512 (file with (parens).tar.gz) = " + sha512a + "\r\n"
	got, err := ParseSources("sources", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []LookasideEntry{
		{File: "openssl-3.0.7-hobbled.tar.gz", Path: "openssl-3.0.7-hobbled.tar.gz", Algo: "sha512", Hash: sha512a, Line: 1},
		{File: "file with (parens).tar.gz", Path: "file with (parens).tar.gz", Algo: "sha512", Hash: sha512a, Line: 3},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}

	got, err = ParseSources("sources", strings.NewReader(md5a+"  foo-1.0.tar.gz\n"+md5a+"  bar.tar.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].Algo != "md5" || got[1].File != "bar.tar.gz" || got[1].Line != 2 {
		t.Errorf("legacy: %+v", got)
	}
	for _, algo := range []string{"MD5", "SHA1", "SHA224", "SHA256", "SHA384", "SHA512"} {
		h := strings.Repeat("0", digestLen(strings.ToLower(algo)))
		got, err := ParseSources("s", strings.NewReader(algo+" (x) = "+h+"\n"))
		if err != nil || len(got) != 1 || got[0].Algo != strings.ToLower(algo) {
			t.Errorf("%s: %+v %v", algo, got, err)
		}
	}
}

func TestParseSourcesErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SHA512 (a) = " + sha512a + "\nSHA256 (b) = " + sha256a + "\n", "sources:2: bad lookaside list: SHA256 entry in a list that uses SHA512 (line 1)"},
		{"SHA512 (a) = " + sha512a + "\n" + md5a + "  b\n", "sources:2: bad lookaside list: MD5 entry in a list that uses SHA512"},
		{"SHA512 (a) = " + sha256a + "\n", "sources:1: bad lookaside list: SHA512 digest has 64 hex digits, want 128"},
		{"BLAKE2 (a) = " + sha256a + "\n", "unknown digest algorithm"},
		{"SHA256 (a) = " + strings.Repeat("g", 64) + "\n", "is not hex"},
		{"\n\nnonsense\n", "sources:3: bad lookaside list: want"},
		{sha256a + "  a\n", "want 32 (md5)"},
		{"SHA512 (../../etc/passwd) = " + sha512a + "\n", "unsafe path"},
		{"SHA512 (/etc/passwd) = " + sha512a + "\n", "unsafe path"},
		{"SHA512 (a) = " + sha512a + "\nSHA512 (a) = " + sha512a + "\n", "sources:2: bad lookaside list: a is listed twice (line 1)"},
		{strings.Repeat("x", maxLookasideLine+10), "sources:1: bad lookaside list: line longer than"},
	}
	for _, tt := range tests {
		_, err := ParseSources("sources", strings.NewReader(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrLookaside) {
			t.Errorf("%.60q: err = %v, want %q", tt.in, err, tt.want)
		}
		var pe *input.Error
		if !errors.As(err, &pe) || pe.Pos.File != "sources" || pe.Pos.Line == 0 {
			t.Errorf("%.60q: err %v is not an *Error with a line", tt.in, err)
		}
	}
}

func TestParseMetadata(t *testing.T) {
	in := sha1a + " SOURCES/curl-7.61.1.tar.xz\n" +
		sha256a + "    SOURCES/expat-2.2.5.tar.gz\n\n" +
		strings.ToUpper(sha512a) + "\tSOURCES/sub dir/x.tar.gz"
	got, err := ParseMetadata(".curl.metadata", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []LookasideEntry{
		{File: "curl-7.61.1.tar.xz", Path: "SOURCES/curl-7.61.1.tar.xz", Algo: "sha1", Hash: sha1a, Line: 1},
		{File: "expat-2.2.5.tar.gz", Path: "SOURCES/expat-2.2.5.tar.gz", Algo: "sha256", Hash: sha256a, Line: 2},
		{File: "x.tar.gz", Path: "SOURCES/sub dir/x.tar.gz", Algo: "sha512", Hash: sha512a, Line: 4},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
	for _, tt := range []struct{ in, want string }{
		{sha1a + "\n", ".m:1: bad lookaside list: want"},
		{"\n" + strings.Repeat("a", 33) + " SOURCES/x\n", ".m:2: bad lookaside list: digest has 33 hex digits"},
		{"zz SOURCES/x\n", "is not hex"},
		{sha1a + " SOURCES/../../x\n", "unsafe path"},
		{sha1a + " SOURCES/x\n" + sha256a + " SOURCES/x\n", ".m:2: bad lookaside list: SOURCES/x is listed twice (line 1)"},
	} {
		_, err := ParseMetadata(".m", strings.NewReader(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrLookaside) {
			t.Errorf("%.60q: err = %v, want %q", tt.in, err, tt.want)
		}
	}
}

// TestLookasideCorpus parses every lookaside list of the corpus and checks
// each entry against the spec beside it: the file is one the spec's
// Source tags name.
func TestLookasideCorpus(t *testing.T) {
	root := testenv.Corpus(t)
	var n, entries int
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		isSources := name == "sources"
		isMeta := strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".metadata")
		if d.IsDir() || !isSources && !isMeta {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		rel, _ := filepath.Rel(root, p)
		var es []LookasideEntry
		if isSources {
			es, err = ParseSources(rel, f)
		} else {
			es, err = ParseMetadata(rel, f)
		}
		if err != nil {
			t.Errorf("%v", err)
			return nil
		}
		n++
		entries += len(es)
		if len(es) == 0 {
			t.Errorf("%s: no entries", rel)
		}
		specs, _ := filepath.Glob(filepath.Join(filepath.Dir(p), "*.spec"))
		if len(specs) != 1 {
			return nil
		}
		spec, err := os.ReadFile(specs[0])
		if err != nil {
			return err
		}
		for _, e := range es {
			if e.Hash == "" || e.Algo == "" || e.Line == 0 {
				t.Errorf("%s:%d: incomplete entry %+v", rel, e.Line, e)
			}
			// The spec names the tarball, often through macros; its
			// extension and first dash-separated word are literal.
			stem := e.File[:strings.IndexAny(e.File+"-", "-")]
			if !strings.Contains(string(spec), stem) {
				t.Errorf("%s: %s not named by %s", rel, e.File, filepath.Base(specs[0]))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Errorf("only %d lookaside lists found", n)
	}
	t.Logf("%d lookaside lists, %d entries", n, entries)
}

func BenchmarkParseSources(b *testing.B) {
	var sb strings.Builder
	for i := range 1000 {
		sb.WriteString("SHA512 (file-" + strings.Repeat("x", i%20) + string(rune('a'+i%26)) + "-" + strings.Repeat("1", i%7) + "-" + itoa(i) + ".tar.gz) = " + sha512a + "\n")
	}
	in := sb.String()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := ParseSources("sources", strings.NewReader(in)); err != nil {
			b.Fatal(err)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestLookasideFixtures parses testdata/lookaside: *.ok files must parse
// with one entry per non-blank line, *.bad files must fail.
func TestLookasideFixtures(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "lookaside", "*"))
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		parse := ParseSources
		if strings.Contains(name, "metadata") {
			parse = ParseMetadata
		}
		es, err := parse(name, strings.NewReader(string(data)))
		switch {
		case strings.HasSuffix(name, ".bad"):
			if err == nil {
				t.Errorf("%s: no error", name)
			}
		case err != nil:
			t.Errorf("%s: %v", name, err)
		case len(es) != len(strings.Fields(strings.ReplaceAll(strings.TrimSpace(string(data)), " ", ""))):
			t.Errorf("%s: %d entries", name, len(es))
		}
	}
}
