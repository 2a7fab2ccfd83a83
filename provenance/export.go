package provenance

import (
	"crypto/sha256"
	"fmt"
	"io"
	"maps"
	"net/url"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// ExportOptions tune the exports.
type ExportOptions struct {
	// Time is the creation time written to CycloneDX metadata and SPDX
	// creation info; the zero Time means now. Pass a fixed time (for
	// example from SOURCE_DATE_EPOCH) for reproducible documents.
	Time time.Time
	// Namespace is the SPDX document namespace prefix (default
	// "https://patchtrace.invalid/spdx/"); the document's name and a UUID
	// follow it.
	Namespace string
	// Vendor is the purl namespace of the target package ("almalinux",
	// "rocky"); "" detects it from the Release's rebuild suffix or dist
	// tag (.alma → almalinux, .el9 → redhat, .fc40 → fedora, ...), else
	// uses the target's origin name unless that is "target".
	Vendor string
	// ToolVersion is the version recorded for patchtrace as the creating
	// tool; "" reads it from the running binary's build information.
	ToolVersion string
}

// ToolName is the tool name the exports record as their creator.
const ToolName = "patchtrace"

// modulePath is patchtrace's module path, looked up in build information.
const modulePath = "github.com/patchtrace/patchtrace"

// toolVersion returns opts.ToolVersion, else patchtrace's module version
// from the build information (the main module's, or a dependency's), else
// the VCS revision the binary was built from, else "devel".
func (opts ExportOptions) toolVersion() string {
	if opts.ToolVersion != "" {
		return opts.ToolVersion
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if bi.Main.Path == modulePath && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == modulePath && d.Version != "" {
			return d.Version
		}
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "devel-" + s.Value[:12]
		}
	}
	return "devel"
}

// created returns the creation time: opts.Time, or now.
func (opts ExportOptions) created() time.Time {
	if opts.Time.IsZero() {
		return time.Now().UTC().Truncate(time.Second)
	}
	return opts.Time.UTC()
}

// documentUUID names one export of the graph: a name-based (SHA-1) UUID
// of the graph's content and the creation time, so that every document
// made at another time or from another graph has another id, and a
// document made again from the same graph at the same time (a fixed
// ExportOptions.Time) is the same document.
func (g *Graph) documentUUID(format string, created time.Time) uuid.UUID {
	h := sha256.New()
	h.Write([]byte(format + "\n" + created.Format(time.RFC3339Nano) + "\n"))
	if err := g.WriteJSON(h); err != nil {
		// A hash never fails to write; the graph may not encode (an
		// unsupported value): fall back to a random id.
		return uuid.New()
	}
	return uuid.NewSHA1(uuid.NameSpaceURL, h.Sum(nil))
}

// vendorOf names the distribution a release comes from by its rebuild
// suffix or dist tag ("" when unknown).
func vendorOf(release string) string {
	r := strings.ToLower(release)
	for _, v := range []struct{ marker, vendor string }{
		{".alma", "almalinux"}, {".rocky", "rocky"}, {".openela", "openela"}, {"ciq", "ciq"},
		{".module+el", "redhat"}, {".fc", "fedora"}, {".el", "redhat"},
	} {
		if i := strings.Index(r, v.marker); i >= 0 {
			rest := r[i+len(v.marker):]
			if v.marker == ".fc" || v.marker == ".el" {
				if rest == "" || rest[0] < '0' || rest[0] > '9' {
					continue
				}
			}
			return v.vendor
		}
	}
	return ""
}

// targetVendor is the purl namespace of the target package.
func (g *Graph) targetVendor(opts ExportOptions) string {
	if opts.Vendor != "" {
		return opts.Vendor
	}
	if tp := g.targetPackage(); tp != nil {
		if v := vendorOf(tp.Attrs["release"]); v != "" {
			return v
		}
	}
	if g.Target != "target" {
		return g.Target
	}
	return ""
}

// targetPackage returns the target's package node (nil when none).
func (g *Graph) targetPackage() *Node {
	for _, n := range g.Nodes() {
		if n.Kind == KindPackage && n.Origin == g.Target {
			return n
		}
	}
	return nil
}

// packageOf returns the package node of origin (nil when none).
func (g *Graph) packageOf(origin string) *Node {
	for _, n := range g.Nodes() {
		if n.Kind == KindPackage && n.Origin == origin {
			return n
		}
	}
	return nil
}

// purl returns the package URL of an RPM source package node.
func purl(n *Node, vendor string) string {
	if n == nil {
		return ""
	}
	evr := n.Attrs["version"] + "-" + n.Attrs["release"]
	q := "?arch=src"
	if e := n.Attrs["epoch"]; e != "" {
		q += "&epoch=" + url.QueryEscape(e)
	}
	ns := ""
	if vendor != "" {
		ns = url.PathEscape(strings.ToLower(vendor)) + "/"
	}
	return "pkg:rpm/" + ns + url.PathEscape(n.Attrs["name"]) + "@" + url.PathEscape(evr) + q
}

// ancestorOrigin is the packaging origin the target spec was compared with.
func (g *Graph) ancestorOrigin() string {
	tp := g.targetPackage()
	if tp == nil {
		return ""
	}
	for _, e := range g.edges {
		from, to := g.nodes[e.From], g.nodes[e.To]
		if from != nil && to != nil && from.Kind == KindSpec && from.Origin == g.Target && to.Kind == KindSpec &&
			(e.Kind == EdgeRebasedFrom || e.Kind == EdgeIdenticalTo) {
			return to.Origin
		}
	}
	return ""
}

// packagingOrigins lists the names of the packaging origins, sorted.
func (g *Graph) packagingOrigins() []string {
	var out []string
	for _, n := range g.Nodes() {
		if n.Kind == KindOrigin && n.Attrs["type"] == "packaging" {
			out = append(out, n.Name)
		}
	}
	return out
}

// DOTOptions tune [Graph.WriteDOT].
type DOTOptions struct {
	// Only filters what is drawn: "" (everything), "own" (the target's
	// items no origin explains), "review" (what a maintainer reviews: own
	// items and those matched only as rebased, partial or similar, with
	// their matches), "matched" (items with an origin, and their
	// matches).
	Only string
	// Origins, when not empty, draws only the matches into these origins.
	Origins []string
	// Cites draws the commits and issues patches cite, with the verdict of
	// content on them.
	Cites bool
}

// DOTFilters lists the values DOTOptions.Only accepts.
var DOTFilters = []string{"", "own", "review", "matched"}

// WriteDOT writes the graph as a Graphviz DOT picture meant for people:
// the target's patches, sources and spec changes in a cluster on the
// left, each origin in a cluster of its own on the right holding the
// items the target matches, and one edge per match, coloured by verdict
// and labelled with verdict and score. Items no origin explains are
// filled red. Structural nodes and edges (packages, specs, applied-in)
// are left out; opts filters further.
func (g *Graph) WriteDOT(w io.Writer, opts DOTOptions) error {
	if !slices.Contains(DOTFilters, opts.Only) {
		return fmt.Errorf("provenance: unknown DOT filter %q (want own, review or matched)", opts.Only)
	}
	ew := &errWriter{w: w}
	title := g.Target
	if tp := g.targetPackage(); tp != nil {
		title = tp.Name + " (" + g.Target + ")"
	}
	if opts.Only != "" {
		title += ", only " + opts.Only
	}
	fmt.Fprintf(ew, "digraph provenance {\n\tgraph [rankdir=LR, newrank=true, nodesep=0.15, ranksep=1.2, fontname=Helvetica, labelloc=t, label=%s];\n",
		dotQuote(title+"\ngreen: identical or equivalent · orange: rebased or partial · grey: similar · red fill: no origin (the rebuild's own)"))
	fmt.Fprintf(ew, "\tnode [shape=box, style=rounded, fontname=Helvetica, fontsize=10];\n\tedge [fontname=Helvetica, fontsize=9];\n")
	wantOrigin := func(o string) bool { return len(opts.Origins) == 0 || slices.Contains(opts.Origins, o) }
	type match struct {
		e  *Edge
		to *Node
	}
	var items []*Node
	matches := map[string][]match{}
	for _, n := range g.Nodes() {
		if n.Origin != g.Target {
			continue
		}
		switch n.Kind {
		case KindPatch, KindSource, KindChange, KindHunk:
		default:
			continue
		}
		for _, e := range g.OriginsOf(n.ID) {
			if to := g.nodes[e.To]; to != nil && wantOrigin(to.Origin) {
				matches[n.ID] = append(matches[n.ID], match{e, to})
			}
		}
		own := len(g.Out(n.ID, EdgeNoOrigin)) > 0
		review := own
		if !own && n.Kind != KindHunk {
			review = true
			for _, m := range matches[n.ID] {
				if m.e.Verdict == VerdictIdentical || m.e.Verdict == VerdictEquivalent {
					review = false
				}
			}
		}
		keep := true
		switch opts.Only {
		case "own":
			keep = own
		case "review":
			keep = review
		case "matched":
			keep = len(matches[n.ID]) > 0
		}
		if n.Kind == KindHunk && opts.Only == "" {
			// Hunks are drawn when they carry their own attribution.
			keep = len(matches[n.ID]) > 0 || own
		}
		if keep {
			items = append(items, n)
		} else {
			delete(matches, n.ID)
		}
	}
	if opts.Only == "own" {
		matches = map[string][]match{}
	}
	// Patches in application order, each followed by its hunks, then
	// sources, then spec changes: the order a maintainer reads them in,
	// which also keeps the edges to the origins from crossing much.
	rank := func(n *Node) (int, int, string) {
		switch n.Kind {
		case KindPatch:
			o, _ := strconv.Atoi(n.Attrs["order"])
			return 0, o, n.Name
		case KindHunk:
			if p := g.nodes[NodeID(KindPatch, n.Origin, strings.Split(n.Name, "#")[0])]; p != nil {
				o, _ := strconv.Atoi(p.Attrs["order"])
				return 0, o, n.Name
			}
			return 1, 0, n.Name
		case KindSource:
			return 2, 0, n.Name
		}
		l, _ := strconv.Atoi(n.Attrs["line"])
		return 3, l, n.Name
	}
	slices.SortStableFunc(items, func(a, b *Node) int {
		ka, oa, na := rank(a)
		kb, ob, nb := rank(b)
		if ka != kb {
			return ka - kb
		}
		if oa != ob {
			return oa - ob
		}
		return strings.Compare(na, nb)
	})
	// The target's cluster.
	fmt.Fprintf(ew, "\tsubgraph cluster_target {\n\t\tlabel=%s; style=filled; fillcolor=\"#f4f4f4\"; color=\"#bbbbbb\";\n", dotQuote(g.Target+" (target)"))
	for _, n := range items {
		style := ""
		if len(g.Out(n.ID, EdgeNoOrigin)) > 0 {
			style = `, style="rounded,filled", fillcolor="#ffd7d7"`
		}
		if n.Attrs["error"] != "" {
			style += `, color=red, penwidth=2`
		}
		fmt.Fprintf(ew, "\t\t%s [label=%s%s];\n", dotQuote(n.ID), dotQuote(g.dotLabel(n)), style)
	}
	fmt.Fprintf(ew, "\t}\n")
	// One cluster per origin with the items matched in it.
	byOrigin := map[string][]*Node{}
	seen := map[string]bool{}
	var cited []*Edge
	for _, n := range items {
		for _, m := range matches[n.ID] {
			if !seen[m.to.ID] {
				seen[m.to.ID] = true
				byOrigin[m.to.Origin] = append(byOrigin[m.to.Origin], m.to)
			}
		}
		if opts.Cites {
			for _, e := range g.Out(n.ID, EdgeCites) {
				to := g.nodes[e.To]
				if to == nil || (to.Origin != "" && !wantOrigin(to.Origin)) {
					continue
				}
				cited = append(cited, e)
				if !seen[to.ID] {
					seen[to.ID] = true
					byOrigin[to.Origin] = append(byOrigin[to.Origin], to)
				}
			}
		}
	}
	origins := slices.Sorted(maps.Keys(byOrigin))
	for i, o := range origins {
		label, indent := o, "\t\t"
		if on := g.nodes[NodeID(KindOrigin, "", o)]; on != nil {
			label += " (" + on.Attrs["type"]
			if r := on.Attrs["range"]; r != "" {
				label += " " + r
			}
			label += ")"
		}
		if o == "" {
			label, indent = "", "\t"
		} else {
			fmt.Fprintf(ew, "\tsubgraph cluster_%d {\n\t\tlabel=%s; color=\"#bbbbbb\";\n", i, dotQuote(label))
		}
		for _, n := range byOrigin[o] {
			shape := "box"
			switch n.Kind {
			case KindCommit:
				shape = "ellipse"
			case KindIssue:
				shape = "hexagon"
			case KindSource:
				shape = "cylinder"
			}
			fmt.Fprintf(ew, "%s%s [label=%s, shape=%s];\n", indent, dotQuote(n.ID), dotQuote(g.dotLabel(n)), shape)
		}
		if o != "" {
			fmt.Fprintf(ew, "\t}\n")
		}
	}
	for _, n := range items {
		for _, m := range matches[n.ID] {
			fmt.Fprintf(ew, "\t%s -> %s [label=%s, color=%s, fontcolor=%s];\n", dotQuote(n.ID), dotQuote(m.to.ID),
				dotQuote(fmt.Sprintf("%s %.2f", m.e.Verdict, m.e.Score)), verdictColor(m.e.Verdict), verdictColor(m.e.Verdict))
		}
		if n.Kind == KindHunk {
			for _, e := range g.Out(n.ID, EdgePartOf) {
				if to := g.nodes[e.To]; to != nil && to.Kind == KindPatch && slices.Contains(items, to) {
					fmt.Fprintf(ew, "\t%s -> %s [color=\"#bbbbbb\", arrowhead=none, style=dotted];\n", dotQuote(to.ID), dotQuote(n.ID))
				}
			}
		}
	}
	for _, e := range cited {
		fmt.Fprintf(ew, "\t%s -> %s [label=%s, style=dashed, color=%s, fontcolor=%s];\n", dotQuote(e.From), dotQuote(e.To),
			dotQuote("cites: "+e.Verdict), verdictColor(e.Verdict), verdictColor(e.Verdict))
	}
	fmt.Fprintf(ew, "}\n")
	return ew.err
}

// dotLabel is a node's label in pictures: kind and name, a commit's short
// id and subject, a patch's number.
func (g *Graph) dotLabel(n *Node) string {
	switch n.Kind {
	case KindCommit:
		return shortSHA(n.Name) + "\n" + shorten(n.Attrs["subject"], 40)
	case KindPatch:
		l := n.Name
		if num := n.Attrs["number"]; num != "" {
			l = "Patch" + num + ": " + l
		}
		if e := n.Attrs["error"]; e != "" {
			l += "\n⚠ " + shorten(e, 60)
		}
		return l
	case KindHunk:
		return hunkLabel(n.Name) + "\n" + n.Attrs["path"]
	case KindChange:
		v := n.Attrs["new"]
		if v == "" {
			v = n.Attrs["old"]
		}
		return "spec " + n.Attrs["change"] + "\n" + shorten(firstLine(v), 50)
	}
	return string(n.Kind) + ": " + n.Name
}

// verdictColor is the colour a verdict is drawn in.
func verdictColor(v string) string {
	switch v {
	case VerdictIdentical, VerdictEquivalent, VerdictConfirmed:
		return `"#2e8b57"`
	case VerdictRebased, VerdictPartial:
		return `"#e07b00"`
	case VerdictContradicted:
		return "red"
	}
	return `"#888888"`
}

func dotQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
