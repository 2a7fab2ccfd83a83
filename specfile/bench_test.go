package specfile_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/patchtrace/patchtrace/internal/testenv"
	"github.com/patchtrace/patchtrace/specfile"
)

func loadSpecs(b *testing.B, pattern string) ([][]byte, []string) {
	b.Helper()
	files, err := filepath.Glob(filepath.Join(testenv.Corpus(b), pattern))
	if err != nil || len(files) == 0 {
		b.Skipf("no specs match %s", pattern)
	}
	var datas [][]byte
	for _, f := range files {
		d, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		datas = append(datas, d)
	}
	return datas, files
}

// BenchmarkParseFedoraSpecs parses all specs of fedora-specs/ once per
// iteration, for the Fedora preset.
func BenchmarkParseFedoraSpecs(b *testing.B) {
	datas, files := loadSpecs(b, "fedora-specs/*.spec")
	tg, _ := specfile.Preset("fedora")
	var size int64
	for _, d := range datas {
		size += int64(len(d))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	cpu0 := cpuTime()
	n := 0
	for b.Loop() {
		n++
		for i, d := range datas {
			// errors are expected on a few specs (missing Fedora macros)
			specfile.ParseBytes(files[i], d, specfile.Options{Target: tg})
		}
	}
	b.ReportMetric(float64(len(datas)), "specs/op")
	if c := cpuTime() - cpu0; c > 0 && n > 0 {
		// CPU time is steadier than wall time on a shared machine.
		b.ReportMetric(float64(c.Nanoseconds())/float64(n), "cpu-ns/op")
	}
}

// BenchmarkParseLargest parses the largest corpus spec (texlive).
func BenchmarkParseLargest(b *testing.B) {
	datas, files := loadSpecs(b, "fedora-specs/texlive*.spec")
	big := 0
	for i := range datas {
		if len(datas[i]) > len(datas[big]) {
			big = i
		}
	}
	tg, _ := specfile.Preset("fedora")
	b.SetBytes(int64(len(datas[big])))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := specfile.ParseBytes(files[big], datas[big], specfile.Options{Target: tg}); err != nil {
			b.Fatal(err)
		}
	}
}

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// texliveLike writes a spec shaped like Fedora's texlive-collection-*
// specs (one Source and one sub-package per TeX package, with tex(...)
// requirements, %description and %files sections, %{SOURCEn} in %prep) of
// at least size bytes. Fedora's texlive-collection-latexextra is about
// 2 MB of this; the corpus has only smaller texlive specs.
func texliveLike(size int) []byte {
	var b strings.Builder
	b.WriteString("%global tl_version 2025\n%global _texmf_main %{_datadir}/texlive/texmf-dist\n" +
		"Name: texlive-collection-latexextra\nEpoch: 12\nVersion: svn77682\nRelease: %autorelease\n" +
		"Summary: LaTeX additional packages\nLicense: LPPL-1.3c\nURL: http://tug.org/texlive/\nBuildArch: noarch\n" +
		"Source0: https://ctan.example/archive/collection-latexextra.tar.xz\n")
	var pkgs, files, prep strings.Builder
	for i := 1; b.Len()+pkgs.Len()+files.Len()+prep.Len() < size; i++ {
		name := fmt.Sprintf("pkg%04d", i)
		fmt.Fprintf(&b, "Source%d: https://ctan.example/archive/%s.tar.xz\n", i, name)
		fmt.Fprintf(&pkgs, "%%package -n texlive-%s\nSummary: The %s package for LaTeX\nVersion: svn%d\n"+
			"License: LPPL-1.3c AND %%{?with_gpl:GPL-2.0-or-later}%%{!?with_gpl:MIT}\nRequires: texlive-base\nRequires: texlive-kpathsea\n"+
			"Requires: tex(graphicx.sty)\nRequires: tex(xcolor.sty)\nRequires: tex(kvoptions.sty)\n"+
			"Provides: tex(%s.sty) = %%{epoch}:%%{version}-%%{release}\nProvides: texlive-%s-doc = %%{epoch}:%%{version}-%%{release}\n"+
			"Obsoletes: texlive-%s-doc <= 11:%%{version}\n\n%%description -n texlive-%s\n"+
			"The %s package provides commands and environments for typesetting\nthings that LaTeX does not do out of the box, with options\n"+
			"to tune spacing, fonts and colours, and a manual with examples.\n\n",
			name, name, 60000+i, name, name, name, name, name)
		fmt.Fprintf(&files, "%%files -n texlive-%s\n%%license lppl1.3c.txt\n%%{_texmf_main}/tex/latex/%s/\n%%doc %%{_texmf_main}/doc/latex/%s/\n\n", name, name, name)
		fmt.Fprintf(&prep, "xz -dc %%{SOURCE%d} | tar x\n", i)
	}
	b.WriteString("BuildRequires: texlive-base\n\n%description\nAdditional LaTeX packages.\n\n")
	b.WriteString(pkgs.String())
	b.WriteString("%prep\n%setup -q -c -T\nxz -dc %{SOURCE0} | tar x\n")
	b.WriteString(prep.String())
	b.WriteString("\n%build\n\n%install\nmkdir -p %{buildroot}%{_texmf_main}\n\n%files\n\n")
	b.WriteString(files.String())
	b.WriteString("%changelog\n%autochangelog\n")
	return []byte(b.String())
}

// BenchmarkParseTexliveLike2MB parses a generated 2 MB texlive-shaped spec
// (the size of Fedora's largest, texlive-collection-latexextra).
func BenchmarkParseTexliveLike2MB(b *testing.B) {
	data := texliveLike(2 << 20)
	tg, _ := specfile.Preset("fedora")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		s, err := specfile.ParseBytes("texlive-like.spec", data, specfile.Options{Target: tg})
		if err != nil {
			b.Fatal(err)
		}
		if len(s.Sources) < 1000 || s.Name != "texlive-collection-latexextra" {
			b.Fatalf("parsed %d sources, name %q", len(s.Sources), s.Name)
		}
	}
}
