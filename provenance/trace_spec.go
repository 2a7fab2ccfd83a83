package provenance

import (
	"bytes"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/sergi/go-diff/diffmatchpatch"

	"github.com/patchtrace/patchtrace/provenance/source"
	"github.com/patchtrace/patchtrace/specfile"
)

// specChange is one change of the target spec relative to the base origin.
type specChange struct {
	kind     string // release-suffix, tag-changed, tag-added, tag-removed, patch-added, patch-removed, patch-renamed, source-added, source-removed, changelog-added
	name     string // node name
	old, new string
	line     int
	evidence []string
}

// traceSpec compares the target spec with the base origin's spec and adds
// the spec edge and one change node per difference.
func traceSpec(g *Graph, tgt, base *pkgInfo, orgs []*pkgInfo) {
	if tgt.specID == "" {
		return
	}
	if base == nil || base.specID == "" {
		return
	}
	sim, added, removed := lineDiff(string(base.pkg.Spec), string(tgt.pkg.Spec))
	verdict, kind := VerdictModified, EdgeRebasedFrom
	if bytes.Equal(base.pkg.Spec, tgt.pkg.Spec) {
		verdict, kind, sim = VerdictIdentical, EdgeIdenticalTo, 1
	}
	ev := []string{fmt.Sprintf("line diff (go-diff): +%d -%d lines", added, removed)}
	if tgt.nevr.Name != "" && base.nevr.Name != "" {
		tn, bn := tgt.nevr, base.nevr
		switch {
		case tn == bn:
			ev = append(ev, "same NEVR "+tn.String())
		case source.SameBuild(tn, bn):
			ev = append(ev, fmt.Sprintf("same build through the rebuild suffix: %s vs %s", tn, bn))
		default:
			ev = append(ev, fmt.Sprintf("NEVR %s vs %s", tn, bn))
		}
	}
	g.AddEdge(Edge{From: tgt.specID, To: base.specID, Kind: kind, Verdict: verdict, Score: sim, Evidence: ev})
	if tgt.spec == nil || base.spec == nil {
		return
	}
	for _, c := range specChanges(tgt, base) {
		attrs := map[string]string{"change": c.kind, "old": c.old, "new": c.new, "against": base.name}
		if c.line > 0 {
			attrs["line"] = strconv.Itoa(c.line)
		}
		id := g.AddNode(Node{Kind: KindChange, Origin: tgt.name, Name: c.name, Attrs: attrs}).ID
		g.AddEdge(Edge{From: id, To: tgt.specID, Kind: EdgePartOf, Verdict: VerdictApplied, Score: 1})
		g.AddEdge(Edge{From: id, To: tgt.pkgID, Kind: EdgeNoOrigin, Verdict: VerdictOwn, Score: 1,
			Evidence: append([]string{"not in " + base.name + "'s spec"}, c.evidence...)})
	}
}

// lineDiff returns the similarity of two texts by lines (1 - changed
// lines / all lines) and the counts of added and removed lines.
func lineDiff(a, b string) (sim float64, added, removed int) {
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 5 * time.Second
	ca, cb, lines := dmp.DiffLinesToChars(a, b)
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(ca, cb, false), lines)
	total := 0
	for _, d := range diffs {
		n := strings.Count(d.Text, "\n")
		if !strings.HasSuffix(d.Text, "\n") && d.Text != "" {
			n++
		}
		switch d.Type {
		case diffmatchpatch.DiffInsert:
			added += n
		case diffmatchpatch.DiffDelete:
			removed += n
		default:
			total += 2 * n
		}
	}
	total += added + removed
	if total == 0 {
		return 1, 0, 0
	}
	return 1 - float64(added+removed)/float64(total), added, removed
}

func specChanges(tgt, base *pkgInfo) []specChange {
	var out []specChange
	ts, bs := tgt.spec, base.spec
	// Release: a rebuild suffix (seen through with source.BaseRelease) and
	// a change of the base release are told apart.
	if tr, br := ts.Release, bs.Release; tr != br {
		line := tagLine(ts, "Release")
		tSuf := source.NEVR{Release: tr}.RebuildSuffix()
		bSuf := source.NEVR{Release: br}.RebuildSuffix()
		switch {
		case strings.HasPrefix(tr, br):
			out = append(out, specChange{kind: "release-suffix", name: "release-suffix", old: br, new: tr, line: line,
				evidence: []string{fmt.Sprintf("Release %s adds the rebuild suffix %q to %s", tr, tr[len(br):], br)}})
		default:
			if source.BaseRelease(tr) != source.BaseRelease(br) {
				out = append(out, specChange{kind: "tag-changed", name: "tag:Release", old: br, new: tr, line: line,
					evidence: []string{fmt.Sprintf("base release %s vs %s", source.BaseRelease(tr), source.BaseRelease(br))}})
			}
			if tSuf != "" && tSuf != bSuf {
				out = append(out, specChange{kind: "release-suffix", name: "release-suffix", old: bSuf, new: tSuf, line: line,
					evidence: []string{fmt.Sprintf("Release %s carries the rebuild suffix %q (%s's: %q)", tr, tSuf, base.name, bSuf)}})
			}
		}
	}
	// Other tags of the main package and sub-packages, as multisets.
	skip := map[string]bool{"Patch": true, "Source": true, "Release": true}
	type key struct{ pkg, name string }
	collect := func(s *specfile.Spec) (map[key][]specfile.Tag, []key) {
		m := map[key][]specfile.Tag{}
		var order []key
		for _, t := range s.Tags {
			if skip[t.Name] {
				continue
			}
			k := key{t.Package, t.Name}
			if _, ok := m[k]; !ok {
				order = append(order, k)
			}
			m[k] = append(m[k], t)
		}
		return m, order
	}
	tm, torder := collect(ts)
	bm, border := collect(bs)
	// Values that embed the package's own EVR (Requires: %{name}-libs =
	// %{epoch}:%{version}-%{release}) change with every release: compare
	// them with the EVR replaced.
	normEVR(tm, ts)
	normEVR(bm, bs)
	label := func(k key) string {
		if k.pkg != "" {
			return k.pkg + ":" + k.name
		}
		return k.name
	}
	for _, k := range torder {
		tv, bv := tm[k], bm[k]
		if len(tv) == 1 && len(bv) == 1 {
			if tv[0].Value != bv[0].Value {
				out = append(out, specChange{kind: "tag-changed", name: "tag:" + label(k), old: bv[0].Value, new: tv[0].Value, line: tv[0].Line})
			}
			continue
		}
		for _, t := range minus(tv, bv) {
			out = append(out, specChange{kind: "tag-added", name: "tag-added:" + label(k) + ":" + t.Value, new: t.Value, line: t.Line})
		}
		for _, t := range minus(bv, tv) {
			out = append(out, specChange{kind: "tag-removed", name: "tag-removed:" + label(k) + ":" + t.Value, old: t.Value})
		}
	}
	for _, k := range border {
		if _, ok := tm[k]; ok {
			continue
		}
		for _, t := range bm[k] {
			out = append(out, specChange{kind: "tag-removed", name: "tag-removed:" + label(k) + ":" + t.Value, old: t.Value})
		}
	}
	// Patch and Source lines.
	out = append(out, declChanges("patch", ts.Patches, bs.Patches, tgt, base)...)
	out = append(out, declChanges("source", ts.Sources, bs.Sources, tgt, base)...)
	// Changelog entries the target adds.
	bset := map[string]bool{}
	for _, e := range changelog(bs) {
		bset[clKey(e)] = true
	}
	for _, e := range changelog(ts) {
		if bset[clKey(e)] {
			continue
		}
		name := "changelog:" + e.Date.Format("2006-01-02") + ":" + e.EVR
		c := specChange{kind: "changelog-added", name: name, new: shorten(e.Text, 300), line: e.Line,
			evidence: []string{fmt.Sprintf("%s %s <%s> - %s", e.Date.Format("Mon Jan 02 2006"), e.Author, e.Email, e.EVR)}}
		out = append(out, c)
	}
	return out
}

func normEVR[K comparable](m map[K][]specfile.Tag, s *specfile.Spec) {
	if s.Release == "" {
		return
	}
	for _, ts := range m {
		for i := range ts {
			ts[i].Value = strings.ReplaceAll(ts[i].Value, s.Version+"-"+s.Release, "%{version}-%{release}")
			ts[i].Value = strings.ReplaceAll(ts[i].Value, s.Release, "%{release}")
		}
	}
}

func tagLine(s *specfile.Spec, name string) int {
	for _, t := range s.Tags {
		if t.Name == name && t.Package == "" {
			return t.Line
		}
	}
	return 0
}

func minus(a, b []specfile.Tag) []specfile.Tag {
	n := map[string]int{}
	for _, t := range b {
		n[t.Value]++
	}
	var out []specfile.Tag
	for _, t := range a {
		if n[t.Value] > 0 {
			n[t.Value]--
			continue
		}
		out = append(out, t)
	}
	return out
}

func declChanges(kind string, td, bd []specfile.PatchDecl, tgt, base *pkgInfo) []specChange {
	tag := "Patch"
	if kind == "source" {
		tag = "Source"
	}
	has := func(list []specfile.PatchDecl, file string) bool {
		for _, d := range list {
			if d.File == file {
				return true
			}
		}
		return false
	}
	hashOf := func(pi *pkgInfo, file string) string {
		if f := pi.pkg.File(file); f != nil {
			return f.SHA256
		}
		return ""
	}
	var out []specChange
	renamedFrom := map[string]bool{}
	for _, d := range td {
		if has(bd, d.File) {
			continue
		}
		c := specChange{kind: kind + "-added", name: kind + "-added:" + d.File, new: tag + strconv.Itoa(d.Number) + ": " + d.Value, line: d.Line}
		if h := hashOf(tgt, d.File); h != "" {
			for _, b := range bd {
				if !has(td, b.File) && hashOf(base, b.File) == h {
					c.kind, c.name, c.old = kind+"-renamed", kind+"-renamed:"+d.File, b.File
					c.evidence = []string{"same content as " + b.File}
					renamedFrom[b.File] = true
					break
				}
			}
		}
		if c.kind == kind+"-added" && d.Comment != "" {
			c.evidence = []string{"spec comment: " + shorten(strings.ReplaceAll(d.Comment, "\n", " "), 120)}
		}
		out = append(out, c)
	}
	for _, b := range bd {
		if has(td, b.File) || renamedFrom[b.File] {
			continue
		}
		out = append(out, specChange{kind: kind + "-removed", name: kind + "-removed:" + b.File, old: tag + strconv.Itoa(b.Number) + ": " + b.Value})
	}
	return out
}

// changelog returns the spec's %changelog entries (nil when none).
func changelog(s *specfile.Spec) []specfile.ChangelogEntry {
	for _, sec := range s.Sections {
		if sec.Name != "changelog" || sec.Package != "" {
			continue
		}
		lines := strings.SplitAfter(string(s.Bytes()), "\n")
		if sec.Line < 1 || sec.Line > len(lines) {
			return nil
		}
		end := sec.EndLine
		if end > len(lines) || end < sec.Line {
			end = len(lines)
		}
		text := strings.Join(lines[sec.Line:end], "")
		es, _ := specfile.ParseChangelog(path.Base(s.File), text, sec.Line+1)
		return es
	}
	return nil
}

func clKey(e specfile.ChangelogEntry) string {
	return e.Date.Format("2006-01-02") + "\x00" + e.Author + "\x00" + e.EVR + "\x00" + strings.TrimSpace(e.Text)
}
