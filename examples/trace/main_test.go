package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
	git "github.com/go-git/go-git/v5"
	spdxjson "github.com/spdx/tools-golang/json"

	"github.com/patchtrace/patchtrace/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func runTrace(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(context.Background(), args, &out, &errb); code != 0 {
		t.Fatalf("trace %v: exit %d: %s", args, code, errb.String())
	}
	return out.String()
}

// jsonReport mirrors the documented -json shape.
type jsonReport struct {
	Package string `json:"package"`
	Patches []struct {
		File    string `json:"file"`
		Number  int    `json:"number"`
		Own     bool   `json:"own"`
		Origins []struct {
			Origin   string   `json:"origin"`
			Commit   string   `json:"commit"`
			File     string   `json:"file"`
			Verdict  string   `json:"verdict"`
			Score    float64  `json:"score"`
			Kind     string   `json:"kind"`
			Evidence []string `json:"evidence"`
		} `json:"origins"`
		Cites []struct {
			Ref, Verdict string
		} `json:"cites"`
		Hunks []struct {
			Name    string `json:"name"`
			Own     bool   `json:"own"`
			Origins []struct {
				Origin  string `json:"origin"`
				File    string `json:"file"`
				Verdict string `json:"verdict"`
			} `json:"origins"`
		} `json:"hunks"`
	} `json:"patches"`
	SpecChanges []struct {
		Kind, Old, New string
	} `json:"spec_changes"`
	Sources []struct {
		File    string `json:"file"`
		Own     bool   `json:"own"`
		Origins []struct {
			Origin string `json:"origin"`
		} `json:"origins"`
	} `json:"sources"`
	NotCarried []struct {
		Origin, File string
	} `json:"not_carried"`
}

func decode(t *testing.T, s string) *jsonReport {
	t.Helper()
	var r jsonReport
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("decoding -json output: %v\n%s", err, s)
	}
	return &r
}

// The built-in example shows every verdict the README promises.
func TestBuiltinExample(t *testing.T) {
	table := runTrace(t)
	t.Logf("\n%s", table)
	r := decode(t, runTrace(t, "-json"))
	if r.Package != "greet-1.0-3.el9.alma.1" {
		t.Errorf("package %q", r.Package)
	}
	type want struct {
		number          int
		origin, verdict string
		file, commit    string
		evidence        string
	}
	wants := map[string][]want{
		"greet-1.0-bug-reports.patch": {{0, "c9s", "identical", "greet-1.0-bug-reports.patch", "", "byte-identical"}},
		"greet-config-path.patch":     {{1, "c9s", "identical", "greet-1.0-config-path.patch", "", "renamed: greet-1.0-config-path.patch → greet-config-path.patch"}},
		"greet-1.0-CVE-2024-12345.patch": {
			{2, "c9s", "identical", "greet-1.0-CVE-2024-12345.patch", "", ""},
			{2, "greet", "rebased", "", "6e776262e2131f4349c4b23025c0b582f5645254", ""},
		},
		"greet-1.0-leak-fix.patch": {
			{3, "c9s", "identical", "greet-1.0-leak-fix.patch", "", ""},
			{3, "greet", "partial", "", "c041436d48b0d0e1a8f141a050d72c64c02800e3", ""},
		},
	}
	seen := map[string]bool{}
	for _, p := range r.Patches {
		seen[p.File] = true
		if p.File == "greet-1.0-bug-url.patch" {
			// AlmaLinux edited the origin's patch: one hunk as is, one
			// changed, attributed hunk by hunk.
			if p.Own || len(p.Origins) != 1 || p.Origins[0].Kind != "rebased-from" || p.Origins[0].File != p.File {
				t.Errorf("bug-url patch: %+v, want rebased-from the origin's", p.Origins)
			}
			if len(p.Hunks) != 2 || p.Hunks[0].Own || len(p.Hunks[0].Origins) != 1 ||
				p.Hunks[0].Origins[0].Verdict != "identical" || !p.Hunks[1].Own {
				t.Errorf("bug-url hunks: %+v, want #1 identical in c9s, #2 own", p.Hunks)
			}
			continue
		}
		if p.File == "greet-1.0-debrand.patch" {
			if !p.Own || len(p.Origins) != 0 || p.Number != 1000 {
				t.Errorf("debrand patch: %+v, want own Patch1000", p)
			}
			continue
		}
		ws, ok := wants[p.File]
		if !ok {
			t.Errorf("unexpected patch %s", p.File)
			continue
		}
		for _, w := range ws {
			if p.Number != w.number {
				t.Errorf("%s: number %d, want %d", p.File, p.Number, w.number)
			}
			found := false
			for _, o := range p.Origins {
				if o.Origin != w.origin {
					continue
				}
				found = true
				if o.Verdict != w.verdict || o.File != w.file || o.Commit != w.commit || o.Score <= 0 {
					t.Errorf("%s: %s match %+v, want %s %s%s", p.File, w.origin, o, w.verdict, w.file, w.commit)
				}
				if w.evidence != "" && !strings.Contains(strings.Join(o.Evidence, "\n"), w.evidence) {
					t.Errorf("%s: evidence %q lacks %q", p.File, o.Evidence, w.evidence)
				}
			}
			if !found {
				t.Errorf("%s: no match in %s", p.File, w.origin)
			}
		}
		if p.File == "greet-1.0-leak-fix.patch" || p.File == "greet-1.0-CVE-2024-12345.patch" {
			confirmed := false
			for _, c := range p.Cites {
				if len(c.Ref) == 40 && c.Verdict == "confirmed" {
					confirmed = true
				}
			}
			if !confirmed {
				t.Errorf("%s: cites %+v, want a confirmed commit", p.File, p.Cites)
			}
		}
	}
	if len(seen) != 6 {
		t.Errorf("got %d patches, want 6", len(seen))
	}
	changes := map[string]bool{}
	for _, c := range r.SpecChanges {
		changes[c.Kind+" "+c.Old+" "+c.New] = true
	}
	for _, c := range []string{
		"release-suffix 3.el9 3.el9.alma.1",
		"patch-added  Patch1000: greet-1.0-debrand.patch",
		"patch-renamed greet-1.0-config-path.patch Patch1: greet-config-path.patch",
		"patch-removed Patch4: greet-1.0-fips-mode.patch ",
	} {
		if !changes[c] {
			t.Errorf("spec changes lack %q: %v", c, changes)
		}
	}
	if len(r.Sources) != 1 || r.Sources[0].File != "greet-1.0.tar.gz" || r.Sources[0].Own || len(r.Sources[0].Origins) != 1 {
		t.Errorf("sources %+v, want the tarball matched by hash in c9s", r.Sources)
	}
	if len(r.NotCarried) != 1 || r.NotCarried[0].File != "greet-1.0-fips-mode.patch" {
		t.Errorf("not carried %+v", r.NotCarried)
	}
	for _, s := range []string{"greet-1.0-debrand.patch", "own", "release-suffix", "in origins, not in the target"} {
		if !strings.Contains(table, s) {
			t.Errorf("table lacks %q", s)
		}
	}
}

// The graph JSON is deterministic and matches the golden file.
func TestBuiltinGraphGolden(t *testing.T) {
	a := runTrace(t, "-graph")
	b := runTrace(t, "-graph")
	if a != b {
		t.Fatal("two runs gave different graph JSON")
	}
	golden := filepath.Join("testdata", "greet.graph.json")
	if *update {
		if err := os.WriteFile(golden, []byte(a), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	// Scores and evidence texts follow the tuning of the matchers; the
	// structure (nodes, and edges with their kinds and verdicts) must not
	// drift unnoticed.
	if got, exp := skeleton(t, a), skeleton(t, string(want)); got != exp {
		t.Errorf("graph structure differs from %s (run go test -update to accept):\n got:\n%s\nwant:\n%s", golden, got, exp)
	}
}

// skeleton lists a graph JSON's node ids and kinds and its edges with
// kinds and verdicts, one per line.
func skeleton(t *testing.T, doc string) string {
	t.Helper()
	var g struct {
		Schema string
		Nodes  []struct{ ID, Kind string }
		Edges  []struct{ From, To, Kind, Verdict string }
	}
	if err := json.Unmarshal([]byte(doc), &g); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(g.Schema + "\n")
	for _, n := range g.Nodes {
		b.WriteString("node " + n.Kind + " " + n.ID + "\n")
	}
	for _, e := range g.Edges {
		b.WriteString("edge " + e.From + " " + e.Kind + " " + e.To + " " + e.Verdict + "\n")
	}
	return b.String()
}

// The exports of the built-in example: CycloneDX 1.6 pedigree and SPDX 2.3
// relationships, read back with their official modules.
func TestBuiltinExports(t *testing.T) {
	bom := new(cdx.BOM)
	if err := cdx.NewBOMDecoder(strings.NewReader(runTrace(t, "-export", "cyclonedx")), cdx.BOMFileFormatJSON).Decode(bom); err != nil {
		t.Fatal(err)
	}
	if bom.SpecVersion != cdx.SpecVersion1_6 || bom.Metadata == nil || bom.Metadata.Component == nil {
		t.Fatalf("bom: %+v", bom)
	}
	ped := bom.Metadata.Component.Pedigree
	if ped == nil || ped.Patches == nil || ped.Commits == nil || ped.Ancestors == nil {
		t.Fatalf("pedigree: %+v", ped)
	}
	types := map[cdx.PatchType]int{}
	security := false
	for _, p := range *ped.Patches {
		types[p.Type]++
		if p.Resolves != nil {
			for _, i := range *p.Resolves {
				if i.ID == "CVE-2024-12345" && i.Type == cdx.IssueTypeSecurity {
					security = true
				}
			}
		}
	}
	if types[cdx.PatchTypeBackport] != 2 || types[cdx.PatchTypeUnofficial] != 4 || !security {
		t.Errorf("patch types %v, CVE resolved %v", types, security)
	}
	if len(*ped.Commits) != 2 || (*ped.Ancestors)[0].Version != "1.0-3.el9" {
		t.Errorf("commits %+v ancestors %+v", *ped.Commits, *ped.Ancestors)
	}

	doc, err := spdxjson.Read(strings.NewReader(runTrace(t, "-export", "spdx")))
	if err != nil {
		t.Fatal(err)
	}
	rels := map[string]int{}
	for _, r := range doc.Relationships {
		rels[r.Relationship]++
	}
	if rels["PATCH_APPLIED"] != 6 || rels["DESCENDANT_OF"] != 2 || rels["PATCH_FOR"] != 2 || rels["COPY_OF"] != 5 {
		t.Errorf("relationships %v", rels)
	}
	if dot := runTrace(t, "-export", "dot"); !strings.HasPrefix(dot, "digraph provenance {") || !strings.Contains(dot, "subgraph cluster_target") ||
		!strings.Contains(dot, `fillcolor="#ffd7d7"`) || strings.Contains(dot, `\\n`) {
		t.Errorf("dot output:\n%s", dot)
	}
}

// The in-memory history has the commit ids git gives the same history.
func TestHistoryCommitIDs(t *testing.T) {
	repo := exampleHistory(t)
	iter, err := repo.Log(&git.LogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		c, err := iter.Next()
		if err != nil {
			break
		}
		got = append(got, c.Hash.String())
	}
	want := []string{
		"3a6f41ec65bc2525b83b083f5f929b6da6122c45",
		"c041436d48b0d0e1a8f141a050d72c64c02800e3",
		"6e776262e2131f4349c4b23025c0b582f5645254",
		"cc6738a13ed27c82883a4918d556b3fb182b48f8",
		"a850dce111aa6773463956082d2ddad3572553ae",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("commits %v, want %v", got, want)
	}
	for tag, id := range map[string]string{"v1.0": want[4], "v1.1": want[0]} {
		ref, err := repo.Tag(tag)
		if err != nil || ref.Hash().String() != id {
			t.Errorf("tag %s: %v %v", tag, ref, err)
		}
	}
}

func TestHistoryRejectsBadInput(t *testing.T) {
	for _, data := range []string{
		"Author: x\nDate: 2024-01-01T00:00:00Z\n\nmsg\n",
		"Author: A <a@b>\nDate: yesterday\n\nmsg\n",
		"Author: A <a@b>\nColour: red\n\nmsg\n",
		"\nmsg\n",
	} {
		if _, _, _, err := parseCommitFile("COMMIT", []byte(data)); err == nil {
			t.Errorf("parseCommitFile(%q) succeeded", data)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-from", "noequals", "dir"},
		{"-upstream", "x=/nonexistent", "dir"},
		{"-target", "nosuchpreset"},
		{"a", "b"},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, &out, &errb); code == 0 {
			t.Errorf("trace %v: exit 0", args)
		}
	}
}

// main's logic on the corpus: OpenELA openssl against CIQ and Fedora.
func TestCorpusOpenSSL(t *testing.T) {
	c := testenv.Corpus(t)
	out := runTrace(t, "-json", "-target", "el9",
		"-from", "ciq="+filepath.Join(c, "ciq-rocky-fips/openssl/dist-git"),
		"-from", "fedora="+filepath.Join(c, "fedora/openssl/rawhide"),
		filepath.Join(c, "openela/openssl/el9"))
	r := decode(t, out)
	ciq, own := 0, 0
	for _, p := range r.Patches {
		if p.Own {
			own++
			if p.File != "0001-remove-rhel-reference.patch" || p.Number != 137 {
				t.Errorf("unexpected own patch %s", p.File)
			}
		}
		for _, o := range p.Origins {
			if o.Origin == "ciq" && o.Verdict == "identical" {
				ciq++
			}
		}
	}
	if ciq < 85 || own != 1 {
		t.Errorf("%d identical in ciq, %d own; want >= 85 and 1", ciq, own)
	}
}

// main's logic on an SRPM target.
func TestCorpusSRPM(t *testing.T) {
	srpm := testenv.CorpusFile(t, "srpms/curl-7.61.1-33.el8.src.rpm")
	dir := testenv.CorpusFile(t, "openela/curl/el8")
	r := decode(t, runTrace(t, "-json", "-target", "el8", "-from", "openela="+dir, srpm))
	if len(r.Patches) != 53 {
		t.Fatalf("%d patches, want 53", len(r.Patches))
	}
	for _, p := range r.Patches {
		if len(p.Origins) == 0 || p.Origins[0].Verdict != "identical" || p.Origins[0].File != p.File {
			t.Errorf("%s: %+v", p.File, p.Origins)
		}
	}
}

// BenchmarkBuiltin runs the command on its built-in example (history
// loading, indexing and tracing included).
func BenchmarkBuiltin(b *testing.B) {
	for b.Loop() {
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{"-json"}, &out, &errb); code != 0 {
			b.Fatal(errb.String())
		}
	}
}
