package patchset

import (
	"bytes"
	"context"
	"io"
	"testing"
)

// benchStream is a generated stream of about 16 MB.
func benchStream() []byte {
	g := newPatchGen(42)
	for g.b.Len() < 16<<20 {
		g.patch()
	}
	return bytes.Clone(g.b.Bytes())
}

func BenchmarkPatchIDs(b *testing.B) {
	data := benchStream()
	for _, mode := range allModes {
		b.Run(mode.String()[2:], func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if err := PatchIDs(bytes.NewReader(data), mode, func(id, commit [20]byte) {}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseBytes(b *testing.B) {
	g := newPatchGen(42)
	g.honest = true
	for g.b.Len() < 16<<20 {
		g.patch()
	}
	data := g.b.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseBytes("bench", data); err != nil {
			b.Fatal(err)
		}
	}
}

// repeatReader yields data n times without holding the copies.
type repeatReader struct {
	data []byte
	n    int
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := copy(p, r.data[r.off:])
	r.off += k
	if r.off == len(r.data) {
		r.off = 0
		r.n--
	}
	return k, nil
}

// TestPatchIDMemoryDoesNotGrow: the number of allocations of a whole
// PatchIDs run is the same for an input 1 and 40 times as long (the line
// buffer, the staging buffer and the SHA-1 state are allocated once).
func TestPatchIDMemoryDoesNotGrow(t *testing.T) {
	g := newPatchGen(3)
	for i := 0; i < 300; i++ {
		g.patch()
	}
	data := bytes.Clone(g.b.Bytes())
	run := func(n int) float64 {
		return testing.AllocsPerRun(3, func() {
			PatchIDs(&repeatReader{data: data, n: n}, PatchIDStable, func(id, commit [20]byte) {})
		})
	}
	small, large := run(1), run(40)
	if large > small+2 || small > 12 {
		t.Errorf("allocations: %v for %d bytes, %v for %d bytes", small, len(data), large, 40*len(data))
	}
	t.Logf("%v allocations for %d bytes and for %d bytes", small, len(data), 40*len(data))

	// The parallel path (AllocsPerRun runs with GOMAXPROCS 1, so PatchIDs
	// would take the sequential one): a fixed set of segment buffers
	// circulates, so 3 times the input costs no more allocations.
	par := func(n int) float64 {
		return testing.AllocsPerRun(3, func() {
			err := parallelPatchIDs(context.Background(), &repeatReader{data: data, n: n}, PatchIDStable, func(id, commit [20]byte) {}, parallelConfig{block: 64 << 10, workers: 2, scanBuf: patchIDBufSize})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
	mid, large := par(40), par(120)
	if large > mid+mid/10 || mid > 200 {
		t.Errorf("parallel allocations: %v for %d bytes, %v for %d bytes", mid, 40*len(data), large, 120*len(data))
	}
	t.Logf("parallel: %v allocations for %d bytes, %v for %d bytes", mid, 40*len(data), large, 120*len(data))
}
