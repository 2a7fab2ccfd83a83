package provenance_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/patchtrace/patchtrace/internal/testenv"
	"github.com/patchtrace/patchtrace/progress"
	"github.com/patchtrace/patchtrace/provenance"
	"github.com/patchtrace/patchtrace/provenance/source"
	"github.com/patchtrace/patchtrace/provenance/upstream"
	"github.com/patchtrace/patchtrace/specfile"
)

func dirSource(t testing.TB, name, rel string) source.Source {
	t.Helper()
	s, err := source.Dir(name, testenv.CorpusFile(t, rel), source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func el9(t testing.TB) provenance.Options {
	t.Helper()
	tg, err := specfile.Preset("el9")
	if err != nil {
		t.Fatal(err)
	}
	return provenance.Options{Target: tg}
}

func logTable(t *testing.T, g *provenance.Graph) *provenance.Report {
	t.Helper()
	r := g.Report()
	var buf bytes.Buffer
	if err := r.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", buf.String())
	return r
}

func originOf(p provenance.PatchReport, origin string) *provenance.OriginMatch {
	for i := range p.Origins {
		if p.Origins[i].Origin == origin {
			return &p.Origins[i]
		}
	}
	return nil
}

// CIQ's Rocky LTS curl el-8.6 is byte-identical to OpenELA's el-8.8: every
// patch must be attributed identical, and nothing is the rebuild's own.
func TestTraceCurlLTSAgainstOpenELA(t *testing.T) {
	tgt := dirSource(t, "ciq-lts", "ciq-rocky-lts/curl/el-8.6")
	org := dirSource(t, "openela", "openela/curl/el-8.8")
	tg, _ := specfile.Preset("el8")
	g, err := provenance.Trace(context.Background(), tgt, []source.Source{org}, nil, provenance.Options{Target: tg})
	if err != nil {
		t.Fatal(err)
	}
	r := logTable(t, g)
	if len(r.Patches) != 53 {
		t.Errorf("got %d patches, want 53", len(r.Patches))
	}
	for _, p := range r.Patches {
		m := originOf(p, "openela")
		if m == nil || m.Verdict != "identical" || m.File != p.File || m.Score != 1 {
			t.Errorf("%s: got %+v, want identical to the same file", p.File, m)
		}
		if p.Own {
			t.Errorf("%s: marked as the rebuild's own", p.File)
		}
	}
	if n := g.NoOrigin(); len(n) != 0 {
		for _, x := range n {
			t.Logf("own: %s", x.ID)
		}
	}
	for _, s := range r.Sources {
		if s.Own {
			t.Errorf("source %s has no origin: %v", s.File, s.Evidence)
		}
	}
	if len(r.NotCarried) != 0 {
		t.Errorf("not carried: %+v, want none", r.NotCarried)
	}
}

// OpenELA's openssl el9 against CIQ's Rocky FIPS and Fedora rawhide.
func TestTraceOpenSSLAgainstCIQAndFedora(t *testing.T) {
	tgt := dirSource(t, "openela", "openela/openssl/el9")
	ciq := dirSource(t, "ciq", "ciq-rocky-fips/openssl/dist-git")
	fed := dirSource(t, "fedora", "fedora/openssl/rawhide")
	// Fedora's spec read for RHEL 9 (as Fedora ELN builds it): its -eln
	// patches are the ones RHEL carries. Read for its own release
	// (rawhide, the default), it applies the Fedora ones.
	opts := el9(t)
	opts.OriginTargets = map[string]specfile.Target{"fedora": opts.Target}
	g, err := provenance.Trace(context.Background(), tgt, []source.Source{ciq, fed}, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	r := logTable(t, g)
	// The JSON form reads back to the same graph (no dangling edge).
	var a, b bytes.Buffer
	if err := g.WriteJSON(&a); err != nil {
		t.Fatal(err)
	}
	g2, err := provenance.ReadJSON(bytes.NewReader(a.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := g2.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("graph JSON does not round-trip")
	}
	byFile := map[string]provenance.PatchReport{}
	identCIQ, identFed := 0, 0
	for _, p := range r.Patches {
		byFile[p.File] = p
		if m := originOf(p, "ciq"); m != nil && m.Verdict == "identical" {
			identCIQ++
		}
		if m := originOf(p, "fedora"); m != nil && m.Verdict == "identical" {
			identFed++
		}
	}
	if identCIQ < 85 {
		t.Errorf("%d patches identical in CIQ, want at least 85", identCIQ)
	}
	// 21 byte-identical with Fedora plus the renamed 0074.
	if identFed < 22 {
		t.Errorf("%d patches identical in Fedora, want at least 22", identFed)
	}
	p74 := byFile["0074-FIPS-Use-digest_sign-digest_verify-in-self-test.patch"]
	if m := originOf(p74, "fedora"); m == nil || m.Verdict != "identical" ||
		m.File != "0074-FIPS-Use-digest_sign-digest_verify-in-self-test-eln.patch" {
		t.Errorf("0074: got %+v, want identical to Fedora's -eln patch", m)
	}
	// The overlay patch is the rebuild's own.
	own := byFile["0001-remove-rhel-reference.patch"]
	if !own.Own || own.Number != 137 || len(own.Origins) != 0 {
		t.Errorf("overlay patch: got %+v, want own Patch137", own)
	}
	if ids := g.NoOrigin(); !containsID(ids, "patch:openela:0001-remove-rhel-reference.patch") {
		t.Errorf("NoOrigin lacks the overlay patch")
	}
	// Same-name patches whose content Fedora and RHEL evolved apart are
	// rebased-from Fedora's.
	evolved := 0
	for _, p := range r.Patches {
		m := originOf(p, "fedora")
		if m == nil || m.Verdict == "identical" || m.File != p.File {
			continue
		}
		if m.Kind != "rebased-from" {
			t.Errorf("%s: fedora kind %s, want rebased-from", p.File, m.Kind)
		}
		evolved++
	}
	if evolved < 13 {
		t.Errorf("%d same-name Fedora patches found evolved, want at least 13 of 15", evolved)
	}
	// CIQ's FIPS provider patches are origin changes the target lacks.
	var notCarried []string
	for _, n := range r.NotCarried {
		notCarried = append(notCarried, n.Origin+":"+n.File)
	}
	for _, want := range []string{"ciq:rocky_fips_provider.patch", "ciq:rocky_fips_provider-2.patch"} {
		if !strings.Contains(strings.Join(notCarried, " "), want) {
			t.Errorf("not carried %v lacks %s", notCarried, want)
		}
	}
	// 0025-for-tests.patch is a Source, matched by content; the tarball by
	// its lookaside hash.
	srcs := map[string]provenance.SourceReport{}
	for _, s := range r.Sources {
		srcs[s.File] = s
	}
	if s := srcs["0025-for-tests.patch"]; s.Own || len(s.Origins) == 0 {
		t.Errorf("0025-for-tests.patch source: %+v", s)
	}
	if s := srcs["openssl-3.0.7.tar.gz"]; s.Own || len(s.Origins) == 0 || s.Origins[0].Origin != "ciq" {
		t.Errorf("tarball: %+v, want matched by hash in ciq", s)
	}
	// Spec: the overlay's Patch137 line and changelog entry are the
	// rebuild's own changes.
	kinds := map[string]bool{}
	for _, c := range r.SpecChanges {
		kinds[c.Kind+":"+c.New] = true
	}
	if !kinds["patch-added:Patch137: 0001-remove-rhel-reference.patch"] {
		t.Errorf("spec changes %+v lack the added Patch137", r.SpecChanges)
	}
}

func containsID(ns []*provenance.Node, id string) bool {
	for _, n := range ns {
		if n.ID == id {
			return true
		}
	}
	return false
}

// BenchmarkTraceOpenSSL traces OpenELA's openssl el9 against CIQ and Fedora
// (packages loaded from disk each time).
func BenchmarkTraceOpenSSL(b *testing.B) {
	tgt := dirSource(b, "openela", "openela/openssl/el9")
	ciq := dirSource(b, "ciq", "ciq-rocky-fips/openssl/dist-git")
	fed := dirSource(b, "fedora", "fedora/openssl/rawhide")
	opts := el9(b)
	for b.Loop() {
		if _, err := provenance.Trace(context.Background(), tgt, []source.Source{ciq, fed}, nil, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// OpenELA curl el-8.8 against upstream curl history (gated on
// PATCHTRACE_CURL_GIT, a curl/curl git directory with tags curl-7_61_1 and
// curl-8_5_0): RHEL's backports are attributed to upstream commits, their
// Upstream-commit citations confirmed by content, and the downstream-only
// build patches (0101-0104) have no origin.
func TestTraceCurlAgainstUpstream(t *testing.T) {
	gitdir := os.Getenv("PATCHTRACE_CURL_GIT")
	if gitdir == "" {
		t.Skip("PATCHTRACE_CURL_GIT is not set")
	}
	repo, err := upstream.Open(gitdir)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	tg, _ := specfile.Preset("el8")
	tgt := dirSource(t, "openela", "openela/curl/el-8.8")
	var stages []string
	opts := provenance.Options{Target: tg, Progress: func(p progress.Report) {
		if len(stages) == 0 || stages[len(stages)-1] != p.Stage {
			stages = append(stages, p.Stage)
		}
	}}
	g, err := provenance.Trace(context.Background(), tgt, nil,
		[]provenance.Upstream{{Name: "curl", Repo: repo, Range: "curl-7_61_1..curl-8_5_0"}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	r := logTable(t, g)
	attributed, confirmed, contradicted := 0, 0, 0
	for _, p := range r.Patches {
		if p.Number >= 101 && p.Number <= 104 { // multilib, debug, python3, localhost6
			if !p.Own {
				t.Errorf("%s: downstream-only patch attributed to %+v", p.File, p.Origins)
			}
			continue
		}
		if p.Number < 100 && len(p.Origins) > 0 && p.Origins[0].Commit != "" {
			attributed++
		}
		for _, c := range p.Cites {
			switch c.Verdict {
			case "confirmed":
				confirmed++
			case "contradicted":
				contradicted++
			}
		}
	}
	t.Logf("attributed %d of 49 backports; citations confirmed %d, contradicted %d; stages %v", attributed, confirmed, contradicted, stages)
	if attributed < 45 {
		t.Errorf("only %d of 49 backports attributed to upstream commits", attributed)
	}
	if confirmed < 60 || contradicted > confirmed/10 {
		t.Errorf("citations: %d confirmed, %d contradicted", confirmed, contradicted)
	}
	if strings.Join(stages, " ") != "load index match spec sources done" {
		t.Errorf("progress stages %v", stages)
	}
}

// BenchmarkTraceCurlUpstream traces OpenELA curl el-8.8 against upstream
// curl-7_61_1..curl-8_5_0 (gated on PATCHTRACE_CURL_GIT), index included.
func BenchmarkTraceCurlUpstream(b *testing.B) {
	gitdir := os.Getenv("PATCHTRACE_CURL_GIT")
	if gitdir == "" {
		b.Skip("PATCHTRACE_CURL_GIT is not set")
	}
	repo, err := upstream.Open(gitdir)
	if err != nil {
		b.Fatal(err)
	}
	defer repo.Close()
	tg, _ := specfile.Preset("el8")
	tgt := dirSource(b, "openela", "openela/curl/el-8.8")
	for b.Loop() {
		if _, err := provenance.Trace(context.Background(), tgt, nil,
			[]provenance.Upstream{{Name: "curl", Repo: repo, Range: "curl-7_61_1..curl-8_5_0"}}, provenance.Options{Target: tg}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestTraceCancelled(t *testing.T) {
	tgt := dirSource(t, "openela", "openela/openssl/el9")
	ciq := dirSource(t, "ciq", "ciq-rocky-fips/openssl/dist-git")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := provenance.Trace(ctx, tgt, []source.Source{ciq}, nil, el9(t)); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// OpenELA expat el8 (-p2 patches against libexpat-R_2_2_5/expat/...)
// against libexpat's history (gated on PATCHTRACE_EXPAT_GIT): the two
// patches that cite upstream are attributed to those commits and every
// Red Hat squash is attributed to some upstream commit by content.
func TestTraceExpatAgainstUpstream(t *testing.T) {
	gitdir := os.Getenv("PATCHTRACE_EXPAT_GIT")
	if gitdir == "" {
		t.Skip("PATCHTRACE_EXPAT_GIT is not set")
	}
	repo, err := upstream.Open(gitdir)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	tg, _ := specfile.Preset("el8")
	g, err := provenance.Trace(context.Background(), dirSource(t, "openela", "openela/expat/el8"), nil,
		[]provenance.Upstream{{Name: "libexpat", Repo: repo, Range: "R_2_2_5..R_2_6_2"}}, provenance.Options{Target: tg})
	if err != nil {
		t.Fatal(err)
	}
	r := logTable(t, g)
	// The CVE-2019-15903 patch cites merge 6da1f196 (pull request #318):
	// the commits of the merged branch that carry it are the origins (the
	// fix and its test), not the merge.
	want := map[string][]string{
		"expat-2.2.5-CVE-2018-20843.patch": {"11f8838bf99ea0a6f0b76f9760c43704d00c4ff6"},
		"expat-2.2.5-CVE-2019-15903.patch": {"c20b758c332d9a13afbbb276d30db1d183a85d43", "438493691f1b8620a71d5aee658fe160103ff863"},
	}
	for _, p := range r.Patches {
		if len(p.Origins) == 0 {
			t.Errorf("%s: no upstream origin", p.File)
			continue
		}
		w, ok := want[p.File]
		if !ok {
			continue
		}
		var got []string
		for _, o := range p.Origins {
			if o.Commit != "" {
				got = append(got, o.Commit)
			}
		}
		for _, c := range w {
			if !slices.Contains(got, c) {
				t.Errorf("%s: origins %v, want %v among them", p.File, got, w)
			}
		}
		if len(got) != len(w) {
			t.Errorf("%s: origins %v, want exactly %v", p.File, got, w)
		}
	}
}
