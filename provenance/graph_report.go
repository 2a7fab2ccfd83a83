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
	// Origins lists the target and its origins: how each was read.
	Origins []OriginReport `json:"origins"`
	// Patches lists the target's patches in application order.
	Patches []PatchReport `json:"patches"`
	// SpecChanges lists the target spec's own changes.
	SpecChanges []ChangeReport `json:"spec_changes"`
	// Sources lists the target's sources and their origins.
	Sources []SourceReport `json:"sources"`
	// NotCarried lists origin patches and sources the target lacks.
	NotCarried []ItemRef `json:"not_carried"`
	// Findings lists what is wrong with the input or the question, that
	// the trace reports rather than stops at (see [Graph.Findings]).
	Findings []Finding `json:"findings"`
	// Tree is the target tree of a tree trace ([TraceTree]): its
	// changes against the base and their origins; nil otherwise.
	Tree *TreeReport `json:"tree,omitempty"`
}

// Finding is a problem with the input or the question that a trace
// reports rather than stops at: a patch that does not parse, a declared
// patch whose file is missing or unreadable, a spec that does not parse,
// an empty upstream range, a target read for another distribution than
// its package's, no origin at all.
type Finding struct {
	// Kind is patch-error, patch-missing, spec-error, empty-range,
	// no-origin or warning.
	Kind string `json:"kind"`
	// Origin and Item say where: the origin's name and the file or range.
	Origin string `json:"origin,omitempty"`
	Item   string `json:"item,omitempty"`
	// Message says what is wrong, with file:line where known.
	Message string `json:"message"`
}

// String formats the finding on one line: "origin: item: message".
func (f Finding) String() string {
	var b strings.Builder
	if f.Origin != "" {
		b.WriteString(f.Origin + ": ")
	}
	if f.Item != "" && !strings.Contains(f.Message, f.Item) {
		b.WriteString(f.Item + ": ")
	}
	b.WriteString(f.Message)
	return b.String()
}

// Findings lists the graph's findings, target first: patches that do not
// parse or whose declared file is missing (node attributes "error",
// "missing"), specs that do not parse, upstream ranges with no commit
// (origin attribute "commits" of "0"), warnings recorded on nodes
// (attribute "warnings", one per line), and a graph with no origin at all.
func (g *Graph) Findings() []Finding {
	var out []Finding
	origins := 0
	for _, n := range g.Nodes() {
		for _, w := range strings.Split(n.Attrs["warnings"], "\n") {
			switch {
			case w == "":
			case n.Kind == KindOrigin:
				out = append(out, Finding{Kind: "warning", Origin: n.Name, Message: w})
			default:
				out = append(out, Finding{Kind: "warning", Origin: n.Origin, Item: n.Name, Message: w})
			}
		}
		switch n.Kind {
		case KindPatch:
			if m := n.Attrs["missing"]; m != "" {
				out = append(out, Finding{Kind: "patch-missing", Origin: n.Origin, Item: n.Name, Message: m})
			} else if e := n.Attrs["error"]; e != "" {
				out = append(out, Finding{Kind: "patch-error", Origin: n.Origin, Item: n.Name, Message: e})
			}
		case KindSpec:
			if e := n.Attrs["error"]; e != "" {
				out = append(out, Finding{Kind: "spec-error", Origin: n.Origin, Item: n.Name, Message: e})
			}
		case KindOrigin:
			if n.Name != g.Target {
				origins++
			}
			if n.Attrs["type"] == "upstream" && n.Attrs["commits"] == "0" {
				msg := "range " + n.Attrs["range"] + " has no commit: nothing can match it"
				if r := n.Attrs["reversed"]; r != "" {
					msg += "; the reversed range " + r
				}
				out = append(out, Finding{Kind: "empty-range", Origin: n.Name, Item: n.Attrs["range"], Message: msg})
			}
		}
	}
	if origins == 0 && g.targetPackage() != nil {
		out = append(out, Finding{Kind: "no-origin", Origin: g.Target,
			Message: "no packaging origin or upstream given: every patch and source is reported as the rebuild's own"})
	}
	slices.SortStableFunc(out, func(a, b Finding) int {
		if (a.Origin == g.Target) != (b.Origin == g.Target) {
			if a.Origin == g.Target {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Origin, b.Origin)
	})
	return out
}

// OriginReport is the target or one origin: what it is and how its spec
// was read.
type OriginReport struct {
	// Name is the origin's name; Type "target", "packaging" or "upstream".
	Name string `json:"name"`
	Type string `json:"type"`
	// Package is its NEVR (packaging origins), Range its revision range
	// and Commits how many commits it holds (upstreams).
	Package string `json:"package,omitempty"`
	Range   string `json:"range,omitempty"`
	Commits string `json:"commits,omitempty"`
	// Preset is the target preset its spec was read for; PresetFrom says
	// why (-target, detected from its dist tag, the target's).
	Preset     string `json:"preset,omitempty"`
	PresetFrom string `json:"preset_from,omitempty"`
	// Location is where it was read from (relative to the base dir).
	Location string `json:"location,omitempty"`
}

// PatchReport is one target patch and its origins.
type PatchReport struct {
	// File is the patch's file name; Number its Patch number (-1: none).
	File   string `json:"file"`
	Number int    `json:"number"`
	// Own is true when no origin matches: the rebuild's own patch.
	Own bool `json:"own"`
	// Error says why the patch could not be read fully (a parse error
	// with file:line, content not kept), Missing why its declared file is
	// absent; a patch with either is not attributed, or only in part.
	Error   string `json:"error,omitempty"`
	Missing string `json:"missing,omitempty"`
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
	r := &Report{Target: g.Target, Patches: []PatchReport{}, SpecChanges: []ChangeReport{}, Sources: []SourceReport{}, NotCarried: []ItemRef{},
		Findings: g.Findings()}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	for _, n := range g.Nodes() {
		if n.Kind != KindOrigin {
			continue
		}
		o := OriginReport{Name: n.Name, Type: n.Attrs["type"], Range: n.Attrs["range"], Commits: n.Attrs["commits"],
			Preset: n.Attrs["preset"], PresetFrom: n.Attrs["preset-from"], Location: n.Attrs["location"]}
		if p := g.packageOf(n.Name); p != nil {
			o.Package = p.Name
		}
		r.Origins = append(r.Origins, o)
	}
	slices.SortStableFunc(r.Origins, func(a, b OriginReport) int {
		if (a.Type == "target") != (b.Type == "target") {
			if a.Type == "target" {
				return -1
			}
			return 1
		}
		return 0
	})
	for _, n := range g.Nodes() {
		if n.Kind == KindPackage && n.Origin == g.Target {
			r.Package = n.Name
		}
	}
	for _, p := range g.Patches() {
		pr := PatchReport{File: p.Name, Number: -1, Origins: g.originMatches(p.ID), Error: p.Attrs["error"], Missing: p.Attrs["missing"]}
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
	if trs := g.treeReports(NodeID(KindOrigin, "", g.Target)); len(trs) > 0 {
		r.Tree = trs[0]
	}
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

// TextOptions tune [Report.WriteText].
type TextOptions struct {
	// Verbose adds, under each match, the evidence behind its verdict
	// (and the interdiff lines of rebased and partial matches, when the
	// trace recorded them: Options.Interdiff).
	Verbose bool
	// NoLegend leaves out the legend that explains verdicts and scores.
	NoLegend bool
	// Only keeps the patches a filter selects: "own" (no origin),
	// "review" (own, or matched only as rebased, partial or similar, or
	// with a finding); "" keeps all.
	Only string
}

// Legend explains the verdicts and scores of the text report.
const Legend = `verdicts (best first; SCORE is the confidence in the verdict, 0 to 1, not a measure of similarity):
  identical    the same bytes, or the same diff under other headers or another file name
  equivalent   the same change once whitespace is ignored
  rebased      the same change adapted to other context or lines (a backport or rebase);
               "rebased 1.00" is a certain rebase, not an identical patch
  partial      only part of the patch, or of the origin, matches (a reduced backport, a squash)
  similar      related lines, but much differs: review by hand
  own          no origin carries it: the rebuild's own change (debranding, early fixes)
  error        the patch could not be read (see findings): attribution incomplete
cites: commits or issues a patch names; confirmed/contradicted = content does (not) match
the cited commit; unverified = nothing to check it against.`

// WriteTable writes the report as a table for a maintainer (see
// [Report.WriteText] with zero options).
func (r *Report) WriteTable(w io.Writer) error { return r.WriteText(w, TextOptions{}) }

// WriteText writes the report as a table for a maintainer: the findings,
// one block per patch (its best origins, citations and hunks), then the
// spec's own changes, the sources, what the origins carry that the target
// lacks, and the verdict legend.
func (r *Report) WriteText(w io.Writer, opts TextOptions) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "target %s (origin %q)\n", r.Package, r.Target)
	for _, o := range r.Origins {
		switch {
		case o.Type == "upstream":
			fmt.Fprintf(ew, "  upstream %s: %s, %s commits\n", o.Name, o.Range, o.Commits)
		case o.Preset != "" || o.PresetFrom != "":
			what := "origin " + o.Name + " " + o.Package
			if o.Type == "target" {
				what = "target"
			}
			if o.Preset == "" {
				fmt.Fprintf(ew, "  %s: read with no preset (%s)\n", what, o.PresetFrom)
			} else {
				fmt.Fprintf(ew, "  %s: read for %s (%s)\n", what, o.Preset, o.PresetFrom)
			}
		}
	}
	if r.Tree != nil {
		fmt.Fprintln(ew)
		if err := r.Tree.WriteText(ew); err != nil {
			return err
		}
	}
	if len(r.Findings) > 0 {
		fmt.Fprintf(ew, "\nfindings (%d):\n", len(r.Findings))
		for _, f := range r.Findings {
			fmt.Fprintf(ew, "  %s: %s\n", f.Kind, f.String())
		}
	}
	fmt.Fprintln(ew)
	tw := tabwriter.NewWriter(ew, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "PATCH\tNO\tORIGIN\tVERDICT\tSCORE\tMATCH")
	shown := 0
	for _, p := range r.Patches {
		if !keepPatch(p, opts.Only) {
			continue
		}
		shown++
		num := "-"
		if p.Number >= 0 {
			num = strconv.Itoa(p.Number)
		}
		switch {
		case p.Missing != "":
			fmt.Fprintf(tw, "%s\t%s\t-\terror\t-\tmissing: %s\n", p.File, num, shorten(p.Missing, 100))
		case p.Error != "" && len(p.Origins) == 0:
			fmt.Fprintf(tw, "%s\t%s\t-\terror\t-\tunreadable: %s\n", p.File, num, shorten(p.Error, 100))
		case p.Own || len(p.Origins) == 0:
			fmt.Fprintf(tw, "%s\t%s\t-\town\t-\tno origin: the rebuild's own patch\n", p.File, num)
		}
		for i, o := range p.Origins {
			file, no := "", ""
			if i == 0 {
				file, no = p.File, num
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.2f\t%s\n", file, no, o.Origin, o.Verdict, o.Score, matchLabel(o))
			if opts.Verbose {
				writeEvidence(tw, "\t\t\t\t\t", o.Evidence)
			}
		}
		if p.Error != "" && len(p.Origins) > 0 {
			fmt.Fprintf(tw, "\t\t\terror\t\tonly partly read: %s\n", shorten(p.Error, 100))
		}
		if line := citeLine(p.Cites); line != "" {
			fmt.Fprintf(tw, "\t\t\tcites\t\t%s\n", line)
		}
		if opts.Verbose {
			for _, c := range p.Cites {
				ref := c.Ref
				if isHex(ref) {
					ref = shortSHA(ref)
				}
				fmt.Fprintf(tw, "\t\t\t\t\t%s %s: %s\n", c.Verdict, ref, strings.Join(c.Evidence, "; "))
			}
		}
		for _, h := range p.Hunks {
			if h.Own {
				fmt.Fprintf(tw, "  %s\t\t-\town\t-\t%s: no origin\n", hunkLabel(h.Name), h.Path)
				continue
			}
			for _, o := range h.Origins {
				fmt.Fprintf(tw, "  %s\t\t%s\t%s\t%.2f\t%s\n", hunkLabel(h.Name), o.Origin, o.Verdict, o.Score, matchLabel(o))
				if opts.Verbose {
					writeEvidence(tw, "\t\t\t\t\t", o.Evidence)
				}
			}
		}
	}
	tw.Flush()
	if opts.Only != "" {
		fmt.Fprintf(ew, "(%d of %d patches shown: -only %s)\n", shown, len(r.Patches), opts.Only)
	}
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
	if !opts.NoLegend {
		fmt.Fprintf(ew, "\n%s\n", Legend)
	}
	return ew.err
}

// writeEvidence writes evidence lines under a match; interdiff lines
// (recorded as "interdiff ...") keep their own indentation.
func writeEvidence(w io.Writer, indent string, ev []string) {
	for _, e := range ev {
		for _, l := range strings.Split(e, "\n") {
			fmt.Fprintf(w, "%s  %s\n", indent, l)
		}
	}
}

// keepPatch applies a TextOptions.Only filter.
func keepPatch(p PatchReport, only string) bool {
	switch only {
	case "own":
		return p.Own || p.Missing != ""
	case "review":
		if p.Own || p.Error != "" || p.Missing != "" || len(p.Origins) == 0 {
			return true
		}
		for _, o := range p.Origins {
			if o.Verdict == VerdictIdentical || o.Verdict == VerdictEquivalent {
				return false
			}
		}
		return true
	}
	return true
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
