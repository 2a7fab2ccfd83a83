package specfile_test

import (
	"os"
	"path/filepath"
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
			specfile.ParseBytes(d, specfile.Options{Name: files[i], Target: tg})
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
		if _, err := specfile.ParseBytes(datas[big], specfile.Options{Name: files[big], Target: tg}); err != nil {
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
