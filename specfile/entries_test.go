package specfile

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/patchtrace/patchtrace/input"
)

// TestMaxEntries: what a parse records is capped, so that its memory is
// bounded whatever the spec (issue 14 item 4: a 26 MB spec of 1e6
// PatchN: lines took 2.58 GB). The error names the line that crossed the
// cap; the parse allocates a bounded amount on the way.
func TestMaxEntries(t *testing.T) {
	var b strings.Builder
	b.WriteString("Name: big\nVersion: 1\nRelease: 1\n")
	for i := 1; i <= 20000; i++ {
		fmt.Fprintf(&b, "Patch%d: %d.patch\n", i, i)
	}
	b.WriteString("%description\nd\n%prep\n%autosetup -p1\n")
	spec := []byte(b.String())
	if s, err := ParseBytes("big.spec", spec, Options{}); err != nil || len(s.Plan) != 20000 {
		t.Fatalf("under the default cap: %v", err)
	}
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	_, err := ParseBytes("big.spec", spec, Options{MaxEntries: 10000})
	runtime.ReadMemStats(&m1)
	// 4 entries per PatchN line (tag, declaration and two macros) after
	// the preamble's few: line 2501, Patch2498, crosses 10000.
	if !errors.Is(err, input.ErrTooLarge) || !strings.HasPrefix(err.Error(), "big.spec:2501: ") {
		t.Errorf("error %v", err)
	}
	if n := m1.TotalAlloc - m0.TotalAlloc; n > 16<<20 {
		t.Errorf("allocated %d MB before refusing", n>>20)
	}
	// One line may not blow the cap either: %autopatch applies every
	// patch, here 50 times over.
	var c strings.Builder
	c.WriteString("Name: a\nVersion: 1\nRelease: 1\n")
	for i := 1; i <= 1000; i++ {
		fmt.Fprintf(&c, "Patch%d: %d.patch\n", i, i)
	}
	c.WriteString("%description\nd\n%prep\n" + strings.Repeat("%autopatch ", 50) + "\n")
	s, err := ParseBytes("a.spec", []byte(c.String()), Options{MaxEntries: 20000})
	if !errors.Is(err, input.ErrTooLarge) || len(s.Plan) > 20000 {
		t.Errorf("%%autopatch x50: %v, %d plan steps", err, len(s.Plan))
	}
}
