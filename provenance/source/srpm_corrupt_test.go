package source

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"

	"github.com/patchtrace/patchtrace/input"
	"github.com/patchtrace/patchtrace/internal/testenv"
)

var synthFiles = []testFile{
	{name: "pkg.spec", data: "Name: pkg\nVersion: 1.0\n", spec: true},
	{name: "fix.patch", data: "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"},
	{name: "pkg-1.0.tar.gz", data: strings.Repeat("T", 3000)},
	{name: "other.spec.in", data: "x"},
}

func readSynth(t *testing.T, b []byte, opts Options) (*Package, error) {
	t.Helper()
	return ReadSRPM(context.Background(), "synth.src.rpm", bytes.NewReader(b), int64(len(b)), opts)
}

func TestSRPMSynthetic(t *testing.T) {
	lzmaBytes := func(b []byte) []byte {
		var buf bytes.Buffer
		w, _ := lzma.NewWriter(&buf)
		w.Write(b)
		w.Close()
		return buf.Bytes()
	}
	zstdBytes := func(b []byte) []byte {
		enc, _ := zstd.NewWriter(nil)
		defer enc.Close()
		return enc.EncodeAll(b, nil)
	}
	for name, o := range map[string]srpmOptions{
		"gzip":          {},
		"xz":            {compressor: "xz", compress: xzBytes},
		"lzma":          {compressor: "lzma", compress: lzmaBytes},
		"zstd":          {compressor: "zstd", compress: zstdBytes},
		"none":          {compress: func(b []byte) []byte { return b }},
		"stripped-cpio": {stripped: true},
	} {
		t.Run(name, func(t *testing.T) {
			p, err := readSynth(t, buildSRPM(synthFiles, o), Options{MaxArchiveSize: 1000})
			if err != nil {
				t.Fatal(err)
			}
			if p.NEVR.String() != "pkg-2:1.0-1.el9" || p.SpecName != "pkg.spec" || !p.SRPM.SpecFileFlag {
				t.Errorf("nevr %v spec %s", p.NEVR, p.SpecName)
			}
			if f := p.File("fix.patch"); f == nil || string(f.Data) != synthFiles[1].data {
				t.Errorf("patch %+v", f)
			}
			if f := p.File("pkg-1.0.tar.gz"); f == nil || !f.Omitted || f.Size != 3000 || f.Data != nil || len(f.SHA256) != 64 {
				t.Errorf("tarball %+v", f)
			}
			if f := p.File("other.spec.in"); f == nil {
				t.Error("other.spec.in missing")
			}
			if len(p.SRPM.Patches) != 1 || p.SRPM.Arch != "x86_64" {
				t.Errorf("info %+v", p.SRPM)
			}
		})
	}
	// Without the SPECFILE flag, the one *.spec file is the spec.
	noFlag := append([]testFile{}, synthFiles...)
	noFlag[0].spec = false
	p, err := readSynth(t, buildSRPM(noFlag, srpmOptions{}), Options{})
	if err != nil || p.SpecName != "pkg.spec" || p.SRPM.SpecFileFlag {
		t.Errorf("no flag: %v %+v", err, p)
	}
	two := append(noFlag, testFile{name: "b.spec", data: "y"})
	if _, err := readSynth(t, buildSRPM(two, srpmOptions{}), Options{}); !errors.Is(err, ErrAmbiguousSpec) {
		t.Errorf("two specs: %v", err)
	}
	if _, err := readSynth(t, buildSRPM(synthFiles[1:], srpmOptions{}), Options{}); !errors.Is(err, ErrNoSpec) {
		t.Errorf("no spec: %v", err)
	}
	if _, err := readSynth(t, buildSRPM(synthFiles, srpmOptions{binary: true}), Options{}); !errors.Is(err, ErrFormat) {
		t.Errorf("binary rpm: %v", err)
	}
	if _, err := readSynth(t, buildSRPM(synthFiles, srpmOptions{}), Options{MaxPayloadSize: 100}); !errors.Is(err, input.ErrTooLarge) {
		t.Errorf("payload cap: %v", err)
	}
	if _, err := readSynth(t, buildSRPM(synthFiles, srpmOptions{}), Options{MaxFiles: 2}); !errors.Is(err, input.ErrTooLarge) {
		t.Errorf("member cap: %v", err)
	}
	if _, err := readSynth(t, buildSRPM(synthFiles, srpmOptions{}), Options{MaxFileSize: 5}); !errors.Is(err, input.ErrTooLarge) {
		t.Errorf("spec cap: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b := buildSRPM(synthFiles, srpmOptions{})
	if _, err := ReadSRPM(ctx, "x", bytes.NewReader(b), 0, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
}

// TestSRPMRecompressed re-packs a real SRPM's payload with every
// compressor rpm supports and checks the same files come out.
func TestSRPMRecompressed(t *testing.T) {
	orig, err := os.ReadFile(testenv.CorpusFile(t, "srpms/expat-2.2.5-11.el8.src.rpm"))
	if err != nil {
		t.Fatal(err)
	}
	off, err := payloadOffset(orig)
	if err != nil {
		t.Fatal(err)
	}
	xr, err := xz.NewReader(bytes.NewReader(orig[off:]))
	if err != nil {
		t.Fatal(err)
	}
	cpio, err := io.ReadAll(xr)
	if err != nil {
		t.Fatal(err)
	}
	want, err := ReadSRPM(context.Background(), "orig", bytes.NewReader(orig), 0, Options{})
	if err != nil {
		t.Fatal(err)
	}
	repack := map[string][]byte{"none": cpio, "gzip": gzipBytes(cpio)}
	var buf bytes.Buffer
	lw, _ := lzma.NewWriter(&buf)
	lw.Write(cpio)
	lw.Close()
	repack["lzma"] = buf.Bytes()
	if bz, err := exec.LookPath("bzip2"); err == nil {
		cmd := exec.Command(bz, "-c")
		cmd.Stdin = bytes.NewReader(cpio)
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		repack["bzip2"] = out
	} else {
		t.Log("bzip2 not on PATH: bzip2 payload not tested")
	}
	for name, payload := range repack {
		b := append(append([]byte{}, orig[:off]...), payload...)
		comp := name
		if name == "lzma" {
			// the header says xz; a raw lzma stream has no magic, so the
			// reader needs the header's word: patch it in place.
			b = bytes.Replace(b, []byte("xz\x00"), []byte("lz\x00"), 1)
			comp = "lz"
		}
		p, err := ReadSRPM(context.Background(), name, bytes.NewReader(b), 0, Options{})
		if name == "lzma" {
			// "lz" is no compressor name: the reader must refuse it.
			if err == nil {
				t.Errorf("%s: unknown compressor %q accepted", name, comp)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !bytes.Equal(p.Spec, want.Spec) || len(p.Files) != len(want.Files) {
			t.Errorf("%s: differs", name)
			continue
		}
		for i := range p.Files {
			if p.Files[i].SHA256 != want.Files[i].SHA256 || p.Files[i].Path != want.Files[i].Path {
				t.Errorf("%s: %s differs", name, p.Files[i].Path)
			}
		}
	}
}

// TestSRPMCorrupt truncates and damages the real SRPMs: always an error or
// a result, never a panic; truncation before the payload's end is an
// error.
func TestSRPMCorrupt(t *testing.T) {
	for _, tc := range corpusSRPMs {
		orig, err := os.ReadFile(testenv.CorpusFile(t, tc.file))
		if err != nil {
			t.Fatal(err)
		}
		off, err := payloadOffset(orig)
		if err != nil {
			t.Fatal(err)
		}
		var cuts []int
		for c := 0; c < int(off)+64; c += max(7, int(off)/300) {
			cuts = append(cuts, c)
		}
		for c := int(off); c < len(orig)*9/10; c += len(orig) / 50 {
			cuts = append(cuts, c)
		}
		for _, c := range cuts {
			if _, err := ReadSRPM(context.Background(), "cut", bytes.NewReader(orig[:c]), 0, Options{}); err == nil {
				t.Errorf("%s cut at %d of %d: no error", tc.file, c, len(orig))
			}
		}
		rng := rand.New(rand.NewSource(1))
		for i := 0; i < 100; i++ {
			b := append([]byte{}, orig...)
			for k := 0; k < 1+rng.Intn(4); k++ {
				// mostly in the headers, sometimes in the payload
				pos := rng.Intn(int(off) + 200)
				if pos >= len(b) {
					pos = rng.Intn(len(b))
				}
				b[pos] ^= byte(1 + rng.Intn(255))
			}
			ReadSRPM(context.Background(), "flip", bytes.NewReader(b), 0, Options{}) // must not panic
		}
	}
	// Lying sizes in the header intro.
	b := buildSRPM(synthFiles, srpmOptions{})
	bad := append([]byte{}, b...)
	copy(bad[96+8:], []byte{0xff, 0xff, 0xff, 0xff})
	if _, err := readSynth(t, bad, Options{}); !errors.Is(err, ErrFormat) {
		t.Errorf("huge tag count: %v", err)
	}
	if _, err := readSynth(t, []byte("not an rpm at all"), Options{}); !errors.Is(err, ErrFormat) {
		t.Errorf("garbage: %v", err)
	}
}

func FuzzReadSRPM(f *testing.F) {
	f.Add(buildSRPM(synthFiles, srpmOptions{}))
	f.Add(buildSRPM(synthFiles, srpmOptions{stripped: true, compress: func(b []byte) []byte { return b }}))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ReadSRPM(context.Background(), "f", bytes.NewReader(data), 0, Options{MaxPayloadSize: 1 << 20})
		if err == nil && (p.NEVR == nil || p.Spec == nil && p.SpecName == "") {
			t.Fatal("result without NEVR or spec")
		}
	})
}
