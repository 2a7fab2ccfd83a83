package provenance

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Report is a per-patch summary of a [Graph], for people and for simple
// JSON consumers: each target patch with the origins it matches, the spec's
// own changes, the sources and what origins carry that the target does not.
type Report struct {
	// Target is the target's origin name; Package its NEVR.
	Target  string `json:"target"`
	Package string `json:"package"`
	// Patches lists the target's patches in application order.
	Patches []PatchReport `json:"patches"`
	// SpecChanges lists the target spec's own changes.
	SpecChanges []ChangeReport `json:"spec_changes"`
	// Sources lists the target's sources and their origins.
	Sources []SourceReport `json:"sources"`
	// NotCarried lists origin patches and sources the target lacks.
	NotCarried []ItemRef `json:"not_carried"`
}

// PatchReport is one target patch and its origins.
type PatchReport struct {
	// File is the patch's file name; Number its Patch number (-1: none).
	File   string `json:"file"`
	Number int    `json:"number"`
	// Own is true when no origin matches: the rebuild's own patch.
	Own bool `json:"own"`
	// Origins are the matches, best first.
	Origins []OriginMatch `json:"origins"`
	// Cites are the commits and issues the patch names.
	Cites []Cite `json:"cites,omitempty"`
	// Hunks attributes the patch hunk by hunk when no whole-patch match
	// explains it.
	Hunks []HunkReport `json:"hunks,omitempty"`
}

// OriginMatch is one attribution of a target item to an origin.
type OriginMatch struct {
	// Origin is the origin's name.
	Origin string `json:"origin"`
	// Commit is the upstream commit (git origins); File the origin's
	// file (packaging origins).
	Commit string `json:"commit,omitempty"`
	File   string `json:"file,omitempty"`
	// Subject is the commit subject, when known.
	Subject string `json:"subject,omitempty"`
	// Kind is the edge kind (identical-to, rebased-from, backport-of, part-of).
	Kind string `json:"kind"`
	// Verdict and Score judge the match.
	Verdict string  `json:"verdict"`
	Score   float64 `json:"score"`
	// Evidence says why.
	Evidence []string `json:"evidence,omitempty"`
}

// Cite is a commit or issue a patch names, with what content says of it.
type Cite struct {
	// Ref is the commit id or issue id; Origin the upstream it was looked
	// up in ("" when none).
	Ref    string `json:"ref"`
	Origin string `json:"origin,omitempty"`
	// Verdict is confirmed, contradicted or unverified.
	Verdict string `json:"verdict"`
	// Evidence says why.
	Evidence []string `json:"evidence,omitempty"`
}

// HunkReport attributes one hunk.
type HunkReport struct {
	// Name is "FILE#N" (N counts the patch file's hunks from 1); Path
	// is the file the hunk changes.
	Name string `json:"name"`
	Path string `json:"path"`
	// Own is true when nothing carries the hunk.
	Own bool `json:"own"`
	// Origins are the origin patches and commits that carry it.
	Origins []OriginMatch `json:"origins"`
}

// ChangeReport is one change of the target spec.
type ChangeReport struct {
	// Kind is release-suffix, tag-changed, tag-added, tag-removed,
	// patch-added, patch-removed, patch-renamed, source-added,
	// source-removed or changelog-added.
	Kind string `json:"kind"`
	// Name identifies the change; Old and New are the values.
	Name string `json:"name"`
	Old  string `json:"old,omitempty"`
	New  string `json:"new,omitempty"`
	// Line is the target spec's line of the change (0 for removals).
	Line int `json:"line,omitempty"`
	// Against names the origin whose spec the target was compared with.
	Against string `json:"against"`
	// Details are the evidence.
	Details []string `json:"evidence,omitempty"`
}

// SourceReport is one target source and its origins.
type SourceReport struct {
	// File is the source's file name.
	File string `json:"file"`
	// Hash and Algo are its digest: the lookaside entry's, or the SHA-256
	// of a file kept beside the spec.
	Hash string `json:"hash,omitempty"`
	Algo string `json:"algo,omitempty"`
	// Own is true when no origin has it: the rebuild's own source.
	Own bool `json:"own"`
	// Origins are the origin sources with the same digest.
	Origins []OriginMatch `json:"origins"`
	// Evidence says why a source is the rebuild's own.
	Evidence []string `json:"evidence,omitempty"`
}

// ItemRef names an origin-side item.
type ItemRef struct {
	// Origin is the origin's name; Kind the node kind (patch, source).
	Origin string `json:"origin"`
	Kind   string `json:"kind"`
	// File is the item's file name; Number its Patch number, if any.
	File   string `json:"file"`
	Number int    `json:"number,omitempty"`
}

func round(f float64) float64 { return math.Round(f*1000) / 1000 }

func (g *Graph) originMatches(id string) []OriginMatch {
	var out []OriginMatch
	for _, e := range g.OriginsOf(id) {
		to := g.nodes[e.To]
		if to == nil {
			continue
		}
		m := OriginMatch{Origin: to.Origin, Kind: string(e.Kind), Verdict: e.Verdict, Score: round(e.Score), Evidence: e.Evidence}
		if to.Kind == KindCommit {
			m.Commit, m.Subject = to.Name, to.Attrs["subject"]
		} else {
			m.File = to.Name
		}
		out = append(out, m)
	}
	slices.SortStableFunc(out, func(a, b OriginMatch) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		return verdictRank(a.Verdict) - verdictRank(b.Verdict)
	})
	return out
}

// Report summarises the graph per target patch.
func (g *Graph) Report() *Report {
	r := &Report{Target: g.Target, Patches: []PatchReport{}, SpecChanges: []ChangeReport{}, Sources: []SourceReport{}, NotCarried: []ItemRef{}}
	for _, n := range g.Nodes() {
		if n.Kind == KindPackage && n.Origin == g.Target {
			r.Package = n.Name
		}
	}
	for _, p := range g.Patches() {
		pr := PatchReport{File: p.Name, Number: -1, Origins: g.originMatches(p.ID)}
		if s, ok := p.Attrs["number"]; ok {
			pr.Number, _ = strconv.Atoi(s)
		}
		if pr.Origins == nil {
			pr.Origins = []OriginMatch{}
		}
		pr.Own = len(g.Out(p.ID, EdgeNoOrigin)) > 0
		for _, e := range g.Out(p.ID, EdgeCites) {
			to := g.nodes[e.To]
			if to == nil {
				continue
			}
			pr.Cites = append(pr.Cites, Cite{Ref: to.Name, Origin: to.Origin, Verdict: e.Verdict, Evidence: e.Evidence})
		}
		slices.SortStableFunc(pr.Cites, func(a, b Cite) int { return strings.Compare(a.Ref, b.Ref) })
		for _, e := range g.In(p.ID, EdgePartOf) {
			h := g.nodes[e.From]
			if h == nil || h.Kind != KindHunk {
				continue
			}
			hr := HunkReport{Name: h.Name, Path: h.Attrs["path"], Origins: g.originMatches(h.ID)}
			hr.Own = len(g.Out(h.ID, EdgeNoOrigin)) > 0
			if hr.Origins == nil {
				hr.Origins = []OriginMatch{}
			}
			pr.Hunks = append(pr.Hunks, hr)
		}
		slices.SortFunc(pr.Hunks, func(a, b HunkReport) int { return hunkOrder(a.Name) - hunkOrder(b.Name) })
		r.Patches = append(r.Patches, pr)
	}
	for _, n := range g.Nodes() {
		switch {
		case n.Kind == KindChange && n.Origin == g.Target:
			c := ChangeReport{Kind: n.Attrs["change"], Name: n.Name, Old: n.Attrs["old"], New: n.Attrs["new"], Against: n.Attrs["against"]}
			c.Line, _ = strconv.Atoi(n.Attrs["line"])
			for _, e := range g.Out(n.ID, EdgeNoOrigin) {
				c.Details = e.Evidence
			}
			r.SpecChanges = append(r.SpecChanges, c)
		case n.Kind == KindSource && n.Origin == g.Target:
			s := SourceReport{File: n.Name, Hash: n.Attrs["hash"], Algo: n.Attrs["lookaside"], Origins: g.originMatches(n.ID)}
			if s.Hash == "" {
				s.Hash, s.Algo = n.Attrs["sha256"], "sha256"
			}
			if s.Origins == nil {
				s.Origins = []OriginMatch{}
			}
			for _, e := range g.Out(n.ID, EdgeNoOrigin) {
				s.Own, s.Evidence = true, e.Evidence
			}
			r.Sources = append(r.Sources, s)
		}
	}
	slices.SortStableFunc(r.SpecChanges, func(a, b ChangeReport) int { return lineOrLast(a.Line) - lineOrLast(b.Line) })
	for _, n := range g.NotCarried() {
		ir := ItemRef{Origin: n.Origin, Kind: string(n.Kind), File: n.Name}
		if s, ok := n.Attrs["number"]; ok {
			ir.Number, _ = strconv.Atoi(s)
		}
		r.NotCarried = append(r.NotCarried, ir)
	}
	return r
}

func lineOrLast(n int) int {
	if n <= 0 {
		return math.MaxInt32
	}
	return n
}

func hunkLabel(name string) string {
	if i := strings.LastIndexByte(name, '#'); i >= 0 {
		return "hunk " + name[i:]
	}
	return "hunk " + name
}

func hunkOrder(name string) int {
	i := strings.LastIndexByte(name, '#')
	n, _ := strconv.Atoi(name[i+1:])
	return n
}

// WriteTable writes the report as a table for a maintainer: one block per
// patch (its best origins, citations and hunks), then the spec's own
// changes, the sources and what the origins carry that the target lacks.
func (r *Report) WriteTable(w io.Writer) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "target %s (%s)\n\n", r.Package, r.Target)
	tw := tabwriter.NewWriter(ew, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "PATCH\tNO\tORIGIN\tVERDICT\tSCORE\tMATCH")
	for _, p := range r.Patches {
		num := "-"
		if p.Number >= 0 {
			num = strconv.Itoa(p.Number)
		}
		if p.Own || len(p.Origins) == 0 {
			fmt.Fprintf(tw, "%s\t%s\t-\town\t-\tno origin: the rebuild's own patch\n", p.File, num)
		}
		for i, o := range p.Origins {
			file, no := "", ""
			if i == 0 {
				file, no = p.File, num
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.2f\t%s\n", file, no, o.Origin, o.Verdict, o.Score, matchLabel(o))
		}
		if line := citeLine(p.Cites); line != "" {
			fmt.Fprintf(tw, "\t\t\tcites\t\t%s\n", line)
		}
		for _, h := range p.Hunks {
			if h.Own {
				fmt.Fprintf(tw, "  %s\t\t-\town\t-\t%s: no origin\n", hunkLabel(h.Name), h.Path)
				continue
			}
			for _, o := range h.Origins {
				fmt.Fprintf(tw, "  %s\t\t%s\t%s\t%.2f\t%s\n", hunkLabel(h.Name), o.Origin, o.Verdict, o.Score, matchLabel(o))
			}
		}
	}
	tw.Flush()
	if len(r.SpecChanges) > 0 {
		fmt.Fprintf(ew, "\nspec changes (against %s):\n", r.SpecChanges[0].Against)
		tw = tabwriter.NewWriter(ew, 2, 8, 2, ' ', 0)
		for _, c := range r.SpecChanges {
			fmt.Fprintf(tw, "  %s\t%s\n", c.Kind, changeLabel(c))
		}
		tw.Flush()
	}
	if len(r.Sources) > 0 {
		fmt.Fprintln(ew, "\nsources:")
		tw = tabwriter.NewWriter(ew, 2, 8, 2, ' ', 0)
		for _, s := range r.Sources {
			if s.Own {
				fmt.Fprintf(tw, "  %s\t%s\town\t%s\n", s.File, s.Algo, strings.Join(s.Evidence, "; "))
				continue
			}
			var names []string
			for _, o := range s.Origins {
				names = append(names, o.Origin+":"+o.File)
			}
			fmt.Fprintf(tw, "  %s\t%s\tidentical\t%s\n", s.File, s.Algo, strings.Join(names, ", "))
		}
		tw.Flush()
	}
	if len(r.NotCarried) > 0 {
		fmt.Fprintln(ew, "\nin origins, not in the target:")
		for _, n := range r.NotCarried {
			fmt.Fprintf(ew, "  %s: %s %s\n", n.Origin, n.Kind, n.File)
		}
	}
	return ew.err
}

// citeLine summarises a patch's citations on one line: commits grouped by
// verdict, then issues.
func citeLine(cs []Cite) string {
	groups := map[string][]string{}
	var issues []string
	for _, c := range cs {
		if !isHex(c.Ref) {
			issues = append(issues, c.Ref)
			continue
		}
		ref := shortSHA(c.Ref)
		if c.Origin != "" {
			ref = c.Origin + "@" + ref
		}
		groups[c.Verdict] = append(groups[c.Verdict], ref)
	}
	var parts []string
	for _, v := range []string{VerdictConfirmed, VerdictContradicted, VerdictUnverified} {
		if len(groups[v]) > 0 {
			parts = append(parts, v+" "+shortList(groups[v], 4))
		}
	}
	if len(issues) > 0 {
		parts = append(parts, shortList(issues, 4))
	}
	return strings.Join(parts, "; ")
}

func shortList(xs []string, n int) string {
	if len(xs) <= n {
		return strings.Join(xs, " ")
	}
	return strings.Join(xs[:n], " ") + fmt.Sprintf(" (+%d)", len(xs)-n)
}

func matchLabel(o OriginMatch) string {
	if o.Commit != "" {
		return shortSHA(o.Commit) + " " + shorten(o.Subject, 60)
	}
	s := o.File
	for _, e := range o.Evidence {
		if strings.HasPrefix(e, "renamed") {
			s += " (renamed)"
			break
		}
	}
	return s
}

func changeLabel(c ChangeReport) string {
	switch {
	case c.Old != "" && c.New != "":
		if c.Kind == "tag-changed" {
			return fmt.Sprintf("%s: %s → %s", strings.TrimPrefix(c.Name, "tag:"), c.Old, c.New)
		}
		return fmt.Sprintf("%s → %s", firstLine(c.Old), firstLine(c.New))
	case c.New != "":
		if c.Kind == "changelog-added" && len(c.Details) > 1 {
			return c.Details[1] + ": " + firstLine(c.New)
		}
		return firstLine(c.New)
	}
	return firstLine(c.Old)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
