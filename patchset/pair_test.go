package patchset

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/patchtrace/patchtrace/internal/testenv"
)

// loadSeries reads every .patch file of a corpus directory in file-name
// order; an mbox file counts as one patch (its parts' changes together).
func loadSeries(t testing.TB, rel string) ([]string, [][]FileChange) {
	t.Helper()
	dir := filepath.Join(testenv.Corpus(t), filepath.FromSlash(rel))
	names, err := filepath.Glob(filepath.Join(dir, "*.patch"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no patches in %s: %v", dir, err)
	}
	slices.Sort(names)
	var changes [][]FileChange
	for i, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		ps, err := ParseBytes(n, data)
		if err != nil {
			t.Fatalf("parse %s: %v", n, err)
		}
		names[i] = filepath.Base(n)
		changes = append(changes, ChangesFromPatches(ps, -1))
	}
	return names, changes
}

func pairTable(na, nb []string, pairs []Pair) string {
	var sb strings.Builder
	for _, p := range pairs {
		an, bn := "-", "-"
		if p.A >= 0 {
			an = na[p.A]
		}
		if p.B >= 0 {
			bn = nb[p.B]
		}
		fmt.Fprintf(&sb, "%-11s %-48s %-48s %-10s %-12s %.3f\n", p.Kind, an, bn, p.Verdict, p.Direction, p.Score)
	}
	return sb.String()
}

// pairOf finds the pair whose A side is named a.
func pairOf(t *testing.T, na, nb []string, pairs []Pair, a string) (Pair, string) {
	t.Helper()
	for _, p := range pairs {
		if p.A >= 0 && na[p.A] == a {
			if p.B >= 0 {
				return p, nb[p.B]
			}
			return p, ""
		}
	}
	t.Fatalf("%s not in pairing", a)
	return Pair{}, ""
}

var cveRE = regexp.MustCompile(`CVE-\d{4}-\d+`)

// checkPairs verifies invariants of any pairing: every patch appears once
// as Matched or once in another role, indices are in range, and matched
// CVE patches carry the same CVE id on both sides.
func checkPairs(t *testing.T, na, nb []string, pairs []Pair) (matched int) {
	t.Helper()
	seenA := make([]int, len(na))
	seenB := make([]int, len(nb))
	for _, p := range pairs {
		if p.A >= len(na) || p.B >= len(nb) || (p.A < 0 && p.B < 0) {
			t.Fatalf("bad pair %+v", p)
		}
		switch p.Kind {
		case Matched:
			seenA[p.A]++
			seenB[p.B]++
			matched++
			ca, cb := cveRE.FindString(na[p.A]), cveRE.FindString(nb[p.B])
			if ca != "" && cb != "" && ca != cb {
				t.Errorf("%s paired with %s", na[p.A], nb[p.B])
			}
		case Dropped, SquashPart:
			seenA[p.A]++
		case Added, SplitPart:
			seenB[p.B]++
		}
	}
	for i, n := range seenA {
		if n != 1 {
			t.Errorf("A %s appears %d times", na[i], n)
		}
	}
	for j, n := range seenB {
		if n != 1 {
			t.Errorf("B %s appears %d times", nb[j], n)
		}
	}
	return matched
}

func TestPairSeriesCurlEl88El8(t *testing.T) {
	na, a := loadSeries(t, "openela/curl/el-8.8")
	nb, b := loadSeries(t, "openela/curl/el8")
	pairs, err := PairChanges(context.Background(), a, b, PairOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("openela curl el-8.8 -> el8:\n%s", pairTable(na, nb, pairs))
	if m := checkPairs(t, na, nb, pairs); m != 53 {
		t.Errorf("%d matched, want all 53", m)
	}
	for _, w := range []struct{ a, b string }{
		{"0053-curl-7.61.1-CVE-2023-28321.patch", "0051-curl-7.61.1-CVE-2023-28321.patch"},
		{"0052-curl-7.61.1-rebuilt-certs.patch", "0052-curl-7.61.1-certs.patch"},
		{"0051-curl-7.61.1-CVE-2023-27536.patch", "0049-curl-7.61.1-CVE-2023-27536.patch"},
	} {
		p, got := pairOf(t, na, nb, pairs, w.a)
		if got != w.b || p.Kind != Matched {
			t.Errorf("%s -> %q (%s), want %s", w.a, got, p.Kind, w.b)
		}
	}
	if p, _ := pairOf(t, na, nb, pairs, "0053-curl-7.61.1-CVE-2023-28321.patch"); p.Verdict != Identical {
		t.Errorf("CVE-2023-28321: %s, want identical", p.Verdict)
	}
	// The header changed (Upstream-commit trailer added), the diff did not.
	if p, _ := pairOf(t, na, nb, pairs, "0052-curl-7.61.1-rebuilt-certs.patch"); p.Verdict != Identical {
		t.Errorf("certs: %s, want identical", p.Verdict)
	}
	// 59% similar by bytes: the same fix re-based, a line moved.
	if p, _ := pairOf(t, na, nb, pairs, "0051-curl-7.61.1-CVE-2023-27536.patch"); p.Verdict == Identical || p.Verdict < Similar {
		t.Errorf("CVE-2023-27536: %s, want changed but related", p.Verdict)
	}
	// Same-named files are all identical.
	for _, p := range pairs {
		if p.Kind == Matched && na[p.A] == nb[p.B] && p.Verdict != Identical {
			t.Errorf("%s: %s, want identical", na[p.A], p.Verdict)
		}
	}
}

func TestPairSeriesCurlEl92El9(t *testing.T) {
	na, a := loadSeries(t, "openela/curl/el-9.2")
	nb, b := loadSeries(t, "openela/curl/el9")
	pairs, err := PairChanges(context.Background(), a, b, PairOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("openela curl el-9.2 -> el9:\n%s", pairTable(na, nb, pairs))
	checkPairs(t, na, nb, pairs)
	for _, w := range []struct{ a, b string }{
		{"0028-curl-7.76.1-CVE-2023-28321.patch", "0031-curl-7.76.1-CVE-2023-28321.patch"},
		{"0029-curl-7.76.1-CVE-2023-28322.patch", "0030-curl-7.76.1-CVE-2023-28322.patch"},
		{"0030-curl-7.76.1-CVE-2023-38545.patch", "0032-curl-7.76.1-CVE-2023-38545.patch"},
		{"0031-curl-7.61.1-CVE-2023-38546.patch", "0033-curl-7.61.1-CVE-2023-38546.patch"},
	} {
		p, got := pairOf(t, na, nb, pairs, w.a)
		if got != w.b || p.Kind != Matched || p.Verdict < Rebased {
			t.Errorf("%s -> %q (%s %s), want %s", w.a, got, p.Kind, p.Verdict, w.b)
		}
	}
	// el9 adds patches el-9.2 does not have.
	for _, n := range []string{"0025-curl-7.76.1-CVE-2023-27533.patch", "0035-curl-7.76.1-CVE-2023-46218.patch"} {
		for _, p := range pairs {
			if p.B >= 0 && nb[p.B] == n && p.Kind == Matched {
				t.Errorf("%s should be new in el9, got matched with %s", n, na[p.A])
			}
		}
	}
}

func TestPairSeriesCurlEl8El9(t *testing.T) {
	na, a := loadSeries(t, "openela/curl/el8")
	nb, b := loadSeries(t, "openela/curl/el9")
	pairs, err := PairChanges(context.Background(), a, b, PairOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("openela curl el8 (7.61.1) -> el9 (7.76.1):\n%s", pairTable(na, nb, pairs))
	m := checkPairs(t, na, nb, pairs)
	p, got := pairOf(t, na, nb, pairs, "0051-curl-7.61.1-CVE-2023-28321.patch")
	if got != "0031-curl-7.76.1-CVE-2023-28321.patch" || p.Verdict != Rebased {
		t.Errorf("CVE-2023-28321 el8 -> %q %s, want el9 0031 rebased", got, p.Verdict)
	}
	// Upstream moved the code of lib/security.c into lib/krb5.c between
	// the two versions: the pairing must see through the move.
	p, got = pairOf(t, na, nb, pairs, "0040-curl-7.61.1-CVE-2022-32208.patch")
	if got != "0016-curl-7.76.1-CVE-2022-32208.patch" {
		t.Errorf("CVE-2022-32208 el8 -> %q, want el9 0016", got)
	}
	// The same CVE fixed on both branches should mostly pair up.
	same := 0
	for _, p := range pairs {
		if p.Kind == Matched {
			if c := cveRE.FindString(na[p.A]); c != "" && c == cveRE.FindString(nb[p.B]) {
				same++
			}
		}
	}
	t.Logf("%d matched, %d of them by the same CVE id", m, same)
	if same < 10 {
		t.Errorf("only %d same-CVE pairs", same)
	}
}

func TestPairSeriesSplitSquash(t *testing.T) {
	mk := func(name, file string, lines ...string) []FileChange {
		var sb strings.Builder
		fmt.Fprintf(&sb, "--- a/%s\n+++ b/%s\n@@ -1,%d +1,%d @@\n", file, file, len(lines), len(lines))
		for _, l := range lines {
			fmt.Fprintf(&sb, "-old %s\n", l)
		}
		for _, l := range lines {
			fmt.Fprintf(&sb, "+new %s\n", l)
		}
		return ChangesFromPatch(mustParse(t, name, sb.String())[0], -1)
	}
	big := mk("big", "x.c", "a1", "a2", "a3", "a4", "b1", "b2", "b3")
	partA := mk("pa", "x.c", "a1", "a2", "a3", "a4")
	partB := mk("pb", "x.c", "b1", "b2", "b3")
	other := mk("o", "y.c", "z1", "z2")
	newer := mk("n", "w.c", "q1")
	a := [][]FileChange{other, big}
	b := [][]FileChange{partA, other, partB, newer}
	pairs, err := PairChanges(context.Background(), a, b, PairOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Pair{
		{A: 0, B: 1, Kind: Matched, Verdict: Identical, Score: 1},
		{A: 1, B: 0, Kind: Matched, Verdict: Partial, Direction: AContainsB},
		{A: 1, B: 2, Kind: SplitPart, Verdict: Partial, Direction: AContainsB},
		{A: -1, B: 3, Kind: Added},
	}
	if len(pairs) != len(want) {
		t.Fatalf("got %+v", pairs)
	}
	for k := range want {
		g := pairs[k]
		g.Score = want[k].Score
		if g != want[k] {
			t.Errorf("pair %d: got %+v, want %+v", k, pairs[k], want[k])
		}
	}
	// Reversed: the two parts are squashed into big.
	pairs, _ = PairChanges(context.Background(), b, a, PairOptions{})
	kinds := map[PairKind]int{}
	for _, p := range pairs {
		kinds[p.Kind]++
	}
	if kinds[Matched] != 2 || kinds[SquashPart] != 1 || kinds[Dropped] != 1 {
		t.Errorf("reversed: %+v", pairs)
	}
}

func TestPairChangesCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	x := ChangesFromPatch(mustParse(t, "x", "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n")[0], -1)
	if _, err := PairChanges(ctx, [][]FileChange{x}, [][]FileChange{x}, PairOptions{}); err == nil {
		t.Error("no error from a cancelled context")
	}
}

func TestSolveAssignment(t *testing.T) {
	// Brute force over all permutations of small random matrices.
	rng := uint64(42)
	next := func() float64 {
		rng ^= rng << 13
		rng ^= rng >> 7
		rng ^= rng << 17
		return float64(rng%100) - 50
	}
	for n := 1; n <= 6; n++ {
		for trial := 0; trial < 20; trial++ {
			cost := make([]float64, n*n)
			for k := range cost {
				cost[k] = next()
			}
			as, err := solveAssignment(context.Background(), n, cost)
			if err != nil {
				t.Fatal(err)
			}
			got := 0.0
			for r, c := range as {
				got += cost[r*n+c]
			}
			perm := make([]int, n)
			for k := range perm {
				perm[k] = k
			}
			best := 1e18
			var rec func(k int)
			rec = func(k int) {
				if k == n {
					s := 0.0
					for r, c := range perm {
						s += cost[r*n+c]
					}
					best = min(best, s)
					return
				}
				for x := k; x < n; x++ {
					perm[k], perm[x] = perm[x], perm[k]
					rec(k + 1)
					perm[k], perm[x] = perm[x], perm[k]
				}
			}
			rec(0)
			if got != best {
				t.Fatalf("n=%d: assignment cost %v, optimum %v", n, got, best)
			}
		}
	}
}

// TestPairSeriesOpenSSL checks the corpus README's counts: OpenELA el9 vs
// Fedora rawhide share 21 byte-identical patches plus one renamed (0074
// -eln), and 15 same-named patches that RHEL evolved; OpenELA el9 vs CIQ's
// FIPS branch share 86 identical patches, CIQ adds its two FIPS provider
// patches.
func TestPairSeriesOpenSSL(t *testing.T) {
	type want struct {
		a, b                 string
		identical, sameNamed int // identical pairs; same-named non-identical pairs (at least)
		onlyB                []string
	}
	for _, w := range []want{
		{"openela/openssl/el9", "fedora/openssl/rawhide", 22, 13, nil},
		{"openela/openssl/el9", "ciq-rocky-fips/openssl/dist-git", 86, 0, []string{"rocky_fips_provider.patch", "rocky_fips_provider-2.patch"}},
		{"openela/openssl/el8", "fedora/openssl/f35", 25, 6, nil},
	} {
		na, a := loadSeries(t, w.a)
		nb, b := loadSeries(t, w.b)
		pairs, err := PairChanges(context.Background(), a, b, PairOptions{})
		if err != nil {
			t.Fatal(err)
		}
		checkPairs(t, na, nb, pairs)
		identical, sameNamed, renamedIdentical := 0, 0, 0
		for _, p := range pairs {
			if p.Kind != Matched {
				continue
			}
			switch {
			case p.Verdict == Identical:
				identical++
				if na[p.A] != nb[p.B] {
					renamedIdentical++
					t.Logf("%s vs %s: identical under another name: %s -> %s", w.a, w.b, na[p.A], nb[p.B])
				}
			case na[p.A] == nb[p.B]:
				sameNamed++
				if p.Verdict < Similar {
					t.Errorf("%s vs %s: same-named %s paired as %s", w.a, w.b, na[p.A], p.Verdict)
				}
			}
		}
		t.Logf("%s vs %s: %d identical (%d renamed), %d same-named evolved", w.a, w.b, identical, renamedIdentical, sameNamed)
		if identical != w.identical {
			t.Errorf("%s vs %s: %d identical, want %d", w.a, w.b, identical, w.identical)
		}
		if sameNamed < w.sameNamed {
			t.Errorf("%s vs %s: %d same-named evolved pairs, want at least %d", w.a, w.b, sameNamed, w.sameNamed)
		}
		for _, n := range w.onlyB {
			for _, p := range pairs {
				if p.B >= 0 && nb[p.B] == n && p.Kind == Matched {
					t.Errorf("%s only in %s, but matched with %s", n, w.b, na[p.A])
				}
			}
		}
	}
}

func TestPairTrivialNotPart(t *testing.T) {
	// A patch of braces only is never a part of another patch.
	mk := func(name, body string) []FileChange {
		return ChangesFromPatch(mustParse(t, name, body)[0], -1)
	}
	big := mk("big", "--- a/x.c\n+++ b/x.c\n@@ -1,3 +1 @@\n-}\n-int a;\n-int b;\n+int c;\n")
	braces := mk("braces", "--- a/y.c\n+++ b/y.c\n@@ -1 +0,0 @@\n-}\n")
	pairs, err := PairChanges(context.Background(), [][]FileChange{big}, [][]FileChange{big, braces}, PairOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pairs) != 2 || pairs[1].Kind != Added {
		t.Errorf("%+v", pairs)
	}
}
