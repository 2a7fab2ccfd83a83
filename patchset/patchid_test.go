package patchset

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/patchtrace/patchtrace/internal/testenv"
)

// gitForPatchID returns the git binary if its patch-id is the one this
// package reproduces (git 2.39 to 2.45; git 2.46 stopped taking hash-like
// lines of a commit message for the start of the next patch). Other
// versions skip the comparison, saying why.
func gitForPatchID(t testing.TB) string {
	t.Helper()
	git := testenv.Git(t)
	out, err := exec.Command(git, "version").Output()
	if err != nil {
		t.Fatalf("git version: %v", err)
	}
	var major, minor int
	if _, err := fmt.Sscanf(string(out), "git version %d.%d", &major, &minor); err != nil {
		t.Fatalf("cannot read %q: %v", out, err)
	}
	if major != 2 || minor < 39 || minor > 45 {
		t.Skipf("%s: patch-id here reproduces git 2.39-2.45 (git 2.46 changed how message lines that look like hashes are read)", strings.TrimSpace(string(out)))
	}
	return git
}

// gitPatchID runs `git patch-id <mode>` on input and returns its output.
func gitPatchID(t testing.TB, input []byte, mode PatchIDMode) []byte {
	t.Helper()
	git := gitForPatchID(t)
	cmd := exec.Command(git, "patch-id", mode.String())
	dir := t.TempDir()
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
	cmd.Stdin = bytes.NewReader(input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git patch-id %s: %v: %s", mode, err, stderr.String())
	}
	return out
}

// ourPatchID returns what PatchIDs prints for input, in git's format.
func ourPatchID(t testing.TB, input []byte, mode PatchIDMode) []byte {
	t.Helper()
	var out []byte
	err := PatchIDs(bytes.NewReader(input), mode, func(id, commit [20]byte) {
		out = AppendPatchIDLine(out, id, commit)
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var allModes = []PatchIDMode{PatchIDUnstable, PatchIDStable, PatchIDVerbatim}

// comparePatchIDs checks that our output equals git's for every mode.
func comparePatchIDs(t *testing.T, name string, input []byte) {
	t.Helper()
	for _, mode := range allModes {
		want := gitPatchID(t, input, mode)
		got := ourPatchID(t, input, mode)
		if !bytes.Equal(got, want) {
			t.Errorf("%s %s: output differs from git\n%s", name, mode, firstDiff(got, want))
		}
		// The same with the synchronous scanner.
		got, err := scanAll(bytes.NewReader(input), mode, patchIDBufSize)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s %s (PatchIDScanner): output differs from git\n%s", name, mode, firstDiff(got, want))
		}
		// The parallel path with block sizes that put cut points
		// everywhere (inside long lines, right at patch starts).
		for _, cfg := range parallelConfigs {
			got, err := parallelAll(bytes.NewReader(input), mode, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s %s (parallel %+v): output differs from git\n%s", name, mode, cfg, firstDiff(got, want))
			}
		}
	}
}

// parallelConfigs are the parallel runs every comparison makes.
var parallelConfigs = []parallelConfig{
	{block: 64, workers: 2, scanBuf: 128},
	{block: 257, workers: 3, scanBuf: 300},
	{block: 4096, workers: 2, scanBuf: patchIDBufSize},
	{block: defaultBlockSize, workers: 2, scanBuf: patchIDBufSize},
}

// parallelAll runs the parallel path with cfg over r.
func parallelAll(r io.Reader, mode PatchIDMode, cfg parallelConfig) ([]byte, error) {
	var out []byte
	err := parallelPatchIDs(context.Background(), r, mode, func(id, commit [20]byte) {
		out = AppendPatchIDLine(out, id, commit)
	}, cfg)
	return out, err
}

func firstDiff(got, want []byte) string {
	g := strings.Split(string(got), "\n")
	w := strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var a, b string
		if i < len(g) {
			a = g[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			return fmt.Sprintf("line %d (of %d ours, %d git's):\n ours: %s\n  git: %s", i+1, len(g)-1, len(w)-1, a, b)
		}
	}
	return "(equal?)"
}

// patchGen writes random but deterministic patch streams that exercise
// git patch-id's corners.
type patchGen struct {
	r      *rand.Rand
	b      bytes.Buffer
	honest bool // no lying hunk counts, no NUL bytes
}

func newPatchGen(seed uint64) *patchGen {
	return &patchGen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (g *patchGen) chance(p float64) bool { return g.r.Float64() < p }

func (g *patchGen) sha() string {
	const hexd = "0123456789abcdef"
	var b [40]byte
	for i := range b {
		b[i] = hexd[g.r.IntN(16)]
	}
	s := string(b[:])
	if g.chance(0.05) {
		s = strings.ToUpper(s)
	}
	return s
}

func (g *patchGen) word() string {
	words := []string{"foo", "bar", "baz", "int", "return", "x", "{", "}", "if", "(a", "b)", ";", "//", "patch", "id", "é", "\x01", "Ω"}
	return words[g.r.IntN(len(words))]
}

// text returns line content with odd whitespace.
func (g *patchGen) text() string {
	var sb strings.Builder
	n := g.r.IntN(8)
	if g.chance(0.3) {
		sb.WriteString("\t")
	}
	for i := 0; i < n; i++ {
		if i > 0 {
			switch g.r.IntN(10) {
			case 0:
				sb.WriteString("\t")
			case 1:
				sb.WriteString("  ")
			case 2:
				sb.WriteString("\v")
			case 3:
				sb.WriteString("\f")
			default:
				sb.WriteString(" ")
			}
		}
		sb.WriteString(g.word())
	}
	if g.chance(0.1) {
		sb.WriteString("  ")
	}
	if g.chance(0.02) && !g.honest {
		sb.WriteString("\x00after nul")
	}
	return sb.String()
}

func (g *patchGen) eol() string {
	if g.chance(0.05) {
		return "\r\n"
	}
	return "\n"
}

func (g *patchGen) path() string {
	dirs := []string{"lib", "src", "lib/vtls", "tests/data", "doc", "dir with space"}
	return dirs[g.r.IntN(len(dirs))] + "/" + g.word() + fmt.Sprint(g.r.IntN(100)) + ".c"
}

func (g *patchGen) hunks(lie bool) {
	nh := 1 + g.r.IntN(3)
	start := 1 + g.r.IntN(50)
	for h := 0; h < nh; h++ {
		var lines []string
		oldN, newN := 0, 0
		n := 1 + g.r.IntN(8)
		for i := 0; i < n; i++ {
			switch g.r.IntN(4) {
			case 0:
				lines = append(lines, "-"+g.text()+g.eol())
				oldN++
			case 1:
				lines = append(lines, "+"+g.text()+g.eol())
				newN++
			default:
				if g.chance(0.03) {
					lines = append(lines, "\n") // an empty context line, mangled
				} else {
					lines = append(lines, " "+g.text()+g.eol())
				}
				oldN++
				newN++
			}
		}
		if lie && g.chance(0.5) {
			oldN += g.r.IntN(3) - 1
			newN += g.r.IntN(3) - 1
		}
		count := func(n int) string {
			if n == 1 && g.chance(0.5) {
				return ""
			}
			return fmt.Sprintf(",%d", n)
		}
		fmt.Fprintf(&g.b, "@@ -%d%s +%d%s @@", start, count(oldN), start, count(newN))
		if g.chance(0.5) {
			fmt.Fprintf(&g.b, " static int %s(void)", g.word())
		}
		g.b.WriteString("\n")
		for _, l := range lines {
			g.b.WriteString(l)
		}
		if g.chance(0.1) {
			g.b.WriteString("\\ No newline at end of file\n")
		}
		if g.chance(0.01) {
			g.b.WriteString("\\ short\n")
		}
		start += 10 + g.r.IntN(100)
	}
}

func (g *patchGen) abbrev() string {
	n := 7 + g.r.IntN(34)
	return strings.ToLower(g.sha()[:n])
}

func (g *patchGen) fileSection(lie bool) {
	p := g.path()
	a, b := "a/"+p, "b/"+p
	if g.chance(0.03) {
		a, b = p, p // --no-prefix
	}
	switch k := g.r.IntN(12); k {
	case 0: // new file
		fmt.Fprintf(&g.b, "diff --git %s %s\nnew file mode 100644\nindex 0000000..%s\n--- /dev/null\n+++ %s\n", a, b, g.abbrev(), b)
		g.hunks(lie)
	case 1: // deleted
		fmt.Fprintf(&g.b, "diff --git %s %s\ndeleted file mode 100755\nindex %s..0000000\n--- %s\n+++ /dev/null\n", a, b, g.abbrev(), a)
		g.hunks(lie)
	case 2: // pure rename: no hunks
		q := g.path()
		fmt.Fprintf(&g.b, "diff --git %s b/%s\nsimilarity index 100%%\nrename from %s\nrename to %s\n", a, q, p, q)
	case 3: // rename with changes
		q := g.path()
		fmt.Fprintf(&g.b, "diff --git %s b/%s\nsimilarity index 87%%\nrename from %s\nrename to %s\nindex %s..%s 100644\n--- %s\n+++ b/%s\n", a, q, p, q, g.abbrev(), g.abbrev(), a, q)
		g.hunks(lie)
	case 4: // mode only
		fmt.Fprintf(&g.b, "diff --git %s %s\nold mode 100644\nnew mode 100755\n", a, b)
	case 5: // binary, "Binary files"
		fmt.Fprintf(&g.b, "diff --git %s %s\nindex %s..%s 100644\nBinary files %s and %s differ\n", a, b, g.abbrev(), g.abbrev(), a, b)
	case 6: // GIT binary patch
		fmt.Fprintf(&g.b, "diff --git %s %s\nindex %s..%s\nGIT binary patch\nliteral 12\nTcmZ?l%s\n\nliteral 0\nHcmV?d00001\n\n", a, b, g.abbrev(), g.abbrev(), g.word())
	case 7: // copy with mode change
		q := g.path()
		fmt.Fprintf(&g.b, "diff --git %s b/%s\nold mode 100644\nnew mode 100755\nsimilarity index 90%%\ncopy from %s\ncopy to %s\nindex %s..%s\n--- %s\n+++ b/%s\n", a, q, p, q, g.abbrev(), g.abbrev(), a, q)
		g.hunks(lie)
	case 8: // plain diff -Naur with timestamps
		fmt.Fprintf(&g.b, "diff -Naur %s %s\n--- %s\t2019-01-01 10:00:00.000000000 +0100\n+++ %s\t2019-01-02 10:00:00.000000000 +0100\n", a, b, a, b)
		g.hunks(lie)
	default:
		mode := ""
		if g.chance(0.8) {
			mode = " 100644"
		}
		fmt.Fprintf(&g.b, "diff --git %s %s\nindex %s..%s%s\n--- %s\n+++ %s\n", a, b, g.abbrev(), g.abbrev(), mode, a, b)
		g.hunks(lie)
	}
}

// patch writes one patch with a header.
func (g *patchGen) patch() {
	switch g.r.IntN(6) {
	case 0, 1, 2: // format-patch
		fmt.Fprintf(&g.b, "From %s Mon Sep 17 00:00:00 2001\nFrom: A U Thor <a@example.com>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nSubject: [PATCH] %s %s\n\n", g.sha(), g.word(), g.word())
		for i := g.r.IntN(4); i > 0; i-- {
			g.b.WriteString(g.text() + "\n")
		}
		if g.chance(0.1) {
			// A message line that looks like a hash starts a new patch.
			fmt.Fprintf(&g.b, "%s is the upstream commit\n", g.sha())
		}
		if g.chance(0.05) {
			fmt.Fprintf(&g.b, "commit %s upstream.\n", g.sha())
		}
		if g.chance(0.03) {
			g.b.WriteString("diff in the message is a patch start\n")
		}
		g.b.WriteString("---\n foo.c | 2 +-\n 1 file changed\n\n")
	case 3: // git log -p
		fmt.Fprintf(&g.b, "commit %s\nAuthor: A U Thor <a@example.com>\nDate:   Mon Jan 1 00:00:00 2024 +0000\n\n    %s\n\n", g.sha(), g.text())
	case 4: // bare diff
	case 5: // DEP-3 header
		fmt.Fprintf(&g.b, "Description: %s\nOrigin: upstream, commit:%s\n\n", g.text(), g.sha()[:12])
	}
	lie := g.chance(0.05) && !g.honest
	for n := 1 + g.r.IntN(4); n > 0; n-- {
		if g.chance(0.03) {
			g.b.WriteString("Only in a: junk\n")
		}
		g.fileSection(lie)
	}
	if g.chance(0.3) {
		g.b.WriteString("-- \n2.39.0\n\n")
	}
	if g.chance(0.02) {
		// A plain diff without a diff line: nothing to hash.
		g.b.WriteString("--- x.orig\n+++ x\n@@ -1 +1 @@\n-a\n+b\n")
	}
}

func (g *patchGen) stream(n int) []byte {
	g.b.Reset()
	for i := 0; i < n; i++ {
		g.patch()
	}
	if g.chance(0.5) && g.b.Len() > 0 {
		// No final newline.
		g.b.Truncate(g.b.Len() - 1)
	}
	return bytes.Clone(g.b.Bytes())
}

func TestPatchIDGeneratedAgainstGit(t *testing.T) {
	g := newPatchGen(1)
	var all bytes.Buffer
	for i := 0; i < 3000; i++ {
		g.patch()
	}
	all.Write(g.b.Bytes())
	input := all.Bytes()
	comparePatchIDs(t, "generated stream", input)
	n := bytes.Count(ourPatchID(t, input, PatchIDStable), []byte("\n"))
	if n < 2000 {
		t.Errorf("only %d ids from 3000 generated patches", n)
	}
	t.Logf("%d bytes, %d ids", len(input), n)
}

func TestPatchIDGeneratedSmallStreams(t *testing.T) {
	// Many small streams, each its own git run: covers how streams end.
	for seed := uint64(100); seed < 130; seed++ {
		g := newPatchGen(seed)
		in := g.stream(1 + int(seed%4))
		comparePatchIDs(t, fmt.Sprintf("seed %d", seed), in)
	}
}

func TestPatchIDCorpusAgainstGit(t *testing.T) {
	var all bytes.Buffer
	for _, path := range corpusPatches(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(data)
	}
	comparePatchIDs(t, "corpus", all.Bytes())
}

func TestPatchIDEdgeCasesAgainstGit(t *testing.T) {
	long := strings.Repeat("x y\t", patchIDBufSize/2) // 2 MiB, longer than the buffer
	hdr := "From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001\nSubject: x\n\n---\n"
	cases := map[string]string{
		"empty":            "",
		"no diff line":     "--- a\n+++ b\n@@ -1 +1 @@\n-a\n+b\n",
		"long hunk line":   hdr + "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-" + long + "\n+b\n",
		"long nul line":    hdr + "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-" + long[:100] + "\x00" + long + "\n+b\n",
		"long backslash":   hdr + "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n\\ " + long + "\n+b\n",
		"long message":     hdr[:len(hdr)-4] + long + "\n---\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n",
		"100k hunk line":   hdr + "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1 @@\n-" + long[:100000] + "\n " + long[:200000] + "\n",
		"long final":       hdr + "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+" + long,
		"long header":      hdr + "diff --git a/x b/x\nsimilarity index " + long + "\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n",
		"nul in diff line": "diff --git a/x\x00 b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n",
		"huge counts":      "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,99999999999999999999 +1,4294967297 @@\n-a\n+b\n",
		"negative counts":  "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,-1 +1, +2 @@\n-a\n+b\n",
		"bad hunk header":  "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -a +1 @@\n-a\n+b\n@@ -1,1 +x @@\n-c\n",
		"binary no index":  "diff --git a/x b/x\nBinary files a/x and b/x differ\ndiff --git a/y b/y\n--- a/y\n+++ b/y\n@@ -1 +1 @@\n-a\n+b\n",
		"index no dots":    "diff --git a/x b/x\nindex abc\nindex abc..\nBinary files a/x and b/x differ\n",
		"index at eof":     "diff --git a/x b/x\nGIT binary patch\nliteral 0\n\ndiff --git a/y b/y\nindex 1234..5678",
		"crlf stream":      strings.ReplaceAll(hdr+"diff --git a/x b/x\r\n--- a/x\r\n+++ b/x\r\n@@ -1 +1 @@\r\n-a\r\n+b\r\n", "\n", "\r\n"),
		"hex in hunk":      "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-a\n0123456789abcdef0123456789abcdef01234567\n+b\n c\n",
		"commit uppercase": "commit 0123456789ABCDEF0123456789ABCDEF01234567\n\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n",
	}
	for name, in := range cases {
		comparePatchIDs(t, name, []byte(in))
	}
}

// scanAll runs a scanner with the given buffer size over r.
func scanAll(r io.Reader, mode PatchIDMode, bufSize int) ([]byte, error) {
	s := newPatchIDScanner(r, mode, bufSize)
	var out []byte
	for s.Scan() {
		out = AppendPatchIDLine(out, s.ID(), s.Commit())
	}
	return out, s.Err()
}

// TestPatchIDSmallBufferAgainstGit drives the long-line path (lines longer
// than the buffer) on the generated stream with a 128-byte buffer and
// reads of one byte.
func TestPatchIDSmallBufferAgainstGit(t *testing.T) {
	g := newPatchGen(7)
	for i := 0; i < 400; i++ {
		g.patch()
		if g.chance(0.2) {
			fmt.Fprintf(&g.b, "diff --git a/long b/long\n--- a/long\n+++ b/long\n@@ -1,2 +1 @@\n-%s\n %s\n", strings.Repeat("lo ng\t", 40+g.r.IntN(200)), strings.Repeat("x", 100+g.r.IntN(300)))
		}
	}
	input := g.b.Bytes()
	for _, mode := range allModes {
		want := gitPatchID(t, input, mode)
		got, err := scanAll(iotest.OneByteReader(bytes.NewReader(input)), mode, 128)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s with a 128-byte buffer:\n%s", mode, firstDiff(got, want))
		}
	}
}

func TestPatchIDReadError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("diff --git a/x b/x\n--- a/x\n"), iotest.ErrReader(boom))
	if err := PatchIDs(r, PatchIDStable, func(id, commit [20]byte) {}); !errors.Is(err, boom) {
		t.Errorf("err = %v, want %v", err, boom)
	}
}

func TestPatchOfParsedPatchMatchesStream(t *testing.T) {
	for _, path := range corpusPatches(t)[:60] {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		ps, err := ParseBytes(path, data)
		if err != nil {
			t.Fatal(err)
		}
		var want [][20]byte
		PatchIDs(bytes.NewReader(data), PatchIDStable, func(id, _ [20]byte) { want = append(want, id) })
		var got [][20]byte
		for _, p := range ps {
			if id, ok := p.PatchID(PatchIDStable); ok {
				got = append(got, id)
			}
		}
		// Each patch's id is one of the stream's, in order (git may find
		// more ids than patches: a diff after a format-patch signature is
		// a patch of its own to git).
		k := 0
		for _, id := range got {
			for k < len(want) && want[k] != id {
				k++
			}
			if k == len(want) {
				t.Errorf("%s: per-patch ids %x are not among the stream's ids %x", path, got, want)
				break
			}
		}
		if len(got) != len(ps) {
			t.Errorf("%s: %d patches but %d ids", path, len(ps), len(got))
		}
	}
}

func TestPatchIDsContextCancel(t *testing.T) {
	g := newPatchGen(9)
	for g.b.Len() < 4<<20 {
		g.patch()
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	err := PatchIDsContext(ctx, bytes.NewReader(g.b.Bytes()), PatchIDStable, func(id, commit [20]byte) {
		n++
		if n == 10 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v after %d ids, want context.Canceled", err, n)
	}
}

// TestPatchIDHexLinesAgainstGit mixes lines that start a new patch in git
// 2.39 (40 hex digits, optionally after "commit " or "From ") or nearly
// do into messages, file headers and hunks, with long lines, NULs, CRs
// and binary files without an index line (git keeps the previous patch's
// index object names for them): each stream runs through the parallel
// path with cut points everywhere (comparePatchIDs).
func TestPatchIDHexLinesAgainstGit(t *testing.T) {
	const hex40 = "0123456789abcdef0123456789ABCDEF01234567"
	long := strings.Repeat("ab c\t", 3000) // longer than the small buffers and blocks
	frags := []string{
		"commit " + hex40 + "\nAuthor: A <a@b>\n\n    subject\n\n",
		"From " + hex40 + " Mon Sep 17 00:00:00 2001\nSubject: [PATCH] x\n\n" + hex40 + " in a message\n---\n",
		hex40 + "\n",
		hex40 + "\r\n",
		"commit " + hex40 + "\x00 nul after\n",
		"commit 0123456789abcdef\x000123456789abcdef01234567 nul inside\n",
		"commit " + hex40[:39] + "g\n",
		"commit  " + hex40 + "\n",
		"diff-tree " + hex40 + "\n", // a prefix in older gits, not in 2.39
		"    " + hex40 + " indented\n",
		"commit " + hex40 + " " + long + "\n",
		"From " + hex40 + long + "\n",
		"diff --git a/x b/x\nindex 1234567..89abcde 100644\n--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n-a\n+b\n " + hex40 + "\n-" + hex40 + "\n+" + hex40 + "\n",
		"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,4 +1,4 @@\n-a\n" + hex40 + "\n+b\n c\n",
		"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n-a\ncommit " + hex40 + "\n+b\n",
		"diff --git a/y b/y\n--- a/y\n+++ b/y\n@@ -1,2 +1,2 @@\n-" + long + "\n+" + long + "\n-x\n+y\n",
		"diff --git a/b b/b\nindex 89abcde..1234567\nBinary files a/b and b/b differ\n",
		"diff --git a/b b/b\nindex fedcba9876..0123456789 100644\nGIT binary patch\nliteral 1\nIcmZo*0{{R30RR91\n\n",
		"diff --git a/c b/c\nBinary files a/c and b/c differ\n",
		"diff --git a/c b/c\nGIT binary patch\nliteral 0\n\n",
		"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n\\ short\n",
		"some text after a hunk\n",
		"\n",
		"diff --git a/z b/z\n--- a/z\n+++ b/z\n@@ -1 +1 @@\n-a\x00" + hex40 + "\n+b\r\n",
	}
	for seed := uint64(0); seed < 12; seed++ {
		r := rand.New(rand.NewPCG(seed, 99))
		var b strings.Builder
		for i := 0; i < 60; i++ {
			b.WriteString(frags[r.IntN(len(frags))])
		}
		if seed%3 == 0 {
			b.WriteString("commit " + hex40) // a final line without newline
		} else if seed%3 == 1 {
			b.WriteString(hex40[:30])
		}
		comparePatchIDs(t, fmt.Sprintf("hex lines seed %d", seed), []byte(b.String()))
	}
	// The binary file in the second patch takes the first's index names.
	comparePatchIDs(t, "binary inherits index", []byte("commit 1111111111111111111111111111111111111111\n\ndiff --git a/x b/x\nindex 1234567..89abcde 100644\nBinary files a/x and b/x differ\n"+
		"commit 2222222222222222222222222222222222222222\n\n"+strings.Repeat("message line\n", 200)+"diff --git a/y b/y\nBinary files a/y and b/y differ\n"))
}

// TestPatchIDParallelReadError: a read error in the middle of the input
// gives, on the parallel path, the ids the sequential scanner gives before
// it and then the error; short reads and data returned with io.EOF change
// nothing.
func TestPatchIDParallelReadError(t *testing.T) {
	g := newPatchGen(11)
	for g.b.Len() < 200<<10 {
		g.patch()
	}
	input := g.b.Bytes()
	boom := errors.New("boom")
	for _, cut := range []int{5000, 70001, len(input) - 3} {
		want, err := scanAll(io.MultiReader(bytes.NewReader(input[:cut]), iotest.ErrReader(boom)), PatchIDStable, patchIDBufSize)
		if !errors.Is(err, boom) {
			t.Fatalf("sequential: err = %v", err)
		}
		for _, cfg := range parallelConfigs {
			got, err := parallelAll(io.MultiReader(bytes.NewReader(input[:cut]), iotest.ErrReader(boom)), PatchIDStable, cfg)
			if !errors.Is(err, boom) {
				t.Errorf("cut %d %+v: err = %v, want boom", cut, cfg, err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("cut %d %+v: ids before the error differ\n%s", cut, cfg, firstDiff(got, want))
			}
		}
	}
	want, _ := scanAll(bytes.NewReader(input), PatchIDStable, patchIDBufSize)
	for _, cfg := range parallelConfigs[:2] {
		for name, r := range map[string]io.Reader{
			"half":     iotest.HalfReader(bytes.NewReader(input)),
			"one byte": iotest.OneByteReader(bytes.NewReader(input)),
			"data+EOF": iotest.DataErrReader(bytes.NewReader(input)),
		} {
			got, err := parallelAll(r, PatchIDStable, cfg)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s reader %+v: err = %v\n%s", name, cfg, err, firstDiff(got, want))
			}
		}
	}
}

// TestPatchIDParallelCancelStops: after a cancelled run the reader and the
// workers end, wherever they were (tiny blocks: many segments in flight,
// long segments streamed).
func TestPatchIDParallelCancelStops(t *testing.T) {
	g := newPatchGen(12)
	for g.b.Len() < 1<<20 {
		g.patch()
	}
	before := runtime.NumGoroutine()
	for _, cfg := range parallelConfigs[:3] {
		for _, stopAt := range []int{1, 10, 200} {
			ctx, cancel := context.WithCancel(context.Background())
			n := 0
			err := parallelPatchIDs(ctx, bytes.NewReader(g.b.Bytes()), PatchIDStable, func(id, commit [20]byte) {
				if n++; n == stopAt {
					cancel()
				}
			}, cfg)
			if !errors.Is(err, context.Canceled) || n != stopAt {
				t.Errorf("%+v: err = %v after %d ids, want context.Canceled after %d", cfg, err, n, stopAt)
			}
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines left running (%d before)", n-before, n)
	}
}
