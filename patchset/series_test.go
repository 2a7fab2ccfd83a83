package patchset

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/patchtrace/patchtrace/input"
)

func TestParseSeries(t *testing.T) {
	in := "# Debian-style series\n" +
		"\n" +
		"fix-build.patch\n" +
		"upstream/CVE-2023-1234.patch -p0 # from upstream 0123abc\n" +
		"revert-me.diff -R -p2\r\n" +
		"  spaced.patch\t-p 3\n" +
		"name#with-hash.patch\n"
	got, err := ParseSeries("series", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []SeriesEntry{
		{Name: "fix-build.patch", Strip: 1, Line: 3},
		{Name: "upstream/CVE-2023-1234.patch", Strip: 0, Options: []string{"-p0"}, Comment: "from upstream 0123abc", Line: 4},
		{Name: "revert-me.diff", Strip: 2, Reverse: true, Options: []string{"-R", "-p2"}, Line: 5},
		{Name: "spaced.patch", Strip: 3, Options: []string{"-p", "3"}, Line: 6},
		{Name: "name#with-hash.patch", Strip: 1, Line: 7},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ParseSeries (-want +got):\n%s", d)
	}
}

func TestParseSeriesErrors(t *testing.T) {
	for _, in := range []string{"a.patch -px\n", "ok.patch\nb.patch -p\n", "c.patch -p-1"} {
		_, err := ParseSeries("debian/patches/series", strings.NewReader(in))
		var pe *input.Error
		if !errors.As(err, &pe) || pe.Pos.File != "debian/patches/series" || pe.Pos.Line < 1 {
			t.Errorf("%q: err = %v, want an *input.Error with a position", in, err)
		}
	}
}
