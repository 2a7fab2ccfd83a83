// Package annotate writes provenance into a spec: above each PatchN of the
// target spec, a comment names where the patch came from, as a trace
// found it:
//
//	# Upstream: curl@5a3e2b1c0d9f (rebased)
//	# Origin: c9s 0051-curl-7.76.1-CVE-2023-27533.patch (identical)
//	# Own change (no origin)
//
// The edit goes through specfile's Editor: lines it does not write stay
// byte-identical, and running it again replaces only its own comment lines
// (recognised by their exact shape), keeping every other comment.
package annotate

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/patchtrace/patchtrace/provenance"
	"github.com/patchtrace/patchtrace/specfile"
)

// MaxLines caps the annotation lines of one patch (the best matches are
// kept).
const MaxLines = 4

// own matches the comment lines Annotate writes.
var own = regexp.MustCompile(`^# (Upstream: \S+@[0-9a-f]{7,40}|Origin: \S+ \S+|Own change) \((identical|equivalent|rebased|partial|similar|confirmed|no origin)(, [^()]*)?\)$`)

// Own reports whether a spec line is one Annotate writes (and replaces).
func Own(line string) bool { return own.MatchString(strings.TrimRight(line, "\r")) }

// Lines returns the annotation of the target patch node id of g: one line
// per origin the patch matches (packaging origins first, then upstream
// commits, best first, at most MaxLines), or the own-change line.
func Lines(g *provenance.Graph, id string) []string {
	var pack, up []string
	for _, e := range g.OriginsOf(id) {
		to := g.Node(e.To)
		if to == nil || e.Verdict == provenance.VerdictOwn {
			continue
		}
		v := e.Verdict
		if e.Kind == provenance.EdgePartOf && v != provenance.VerdictPartial {
			v = provenance.VerdictPartial
		}
		switch to.Kind {
		case provenance.KindCommit:
			sha := to.Name
			if len(sha) > 12 {
				sha = sha[:12]
			}
			up = append(up, fmt.Sprintf("# Upstream: %s@%s (%s)", safeWord(to.Origin), sha, v))
		case provenance.KindPatch, provenance.KindHunk:
			pack = append(pack, fmt.Sprintf("# Origin: %s %s (%s)", safeWord(to.Origin), safeWord(to.Name), v))
		}
	}
	out := append(pack, up...)
	out = dedupe(out)
	if len(out) > MaxLines {
		out = out[:MaxLines]
	}
	if len(out) == 0 && len(g.Out(id, provenance.EdgeNoOrigin)) > 0 {
		return []string{"# Own change (no origin)"}
	}
	return out
}

// safeWord keeps a name on one line and one word, and escapes % (rpm
// expands macros in comments): names come from packages and repositories.
func safeWord(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '(' || r == ')' || r < 0x20 || r == 0x7f {
			return '_'
		}
		return r
	}, s)
	s = strings.ReplaceAll(s, "%", "%%")
	if s == "" {
		return "?"
	}
	return s
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	out := s[:0]
	for _, l := range s {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

// Result says what Annotate wrote.
type Result struct {
	// Spec is the annotated spec.
	Spec []byte
	// Annotated is the number of patches that carry an annotation.
	Annotated int
	// Changed is the number of patches whose annotation was written or
	// rewritten (0 on a second run over the same trace).
	Changed int
	// Skipped lists patches of the graph the spec does not declare in the
	// spec file itself (an %include), or that the spec lacks, as
	// "PatchN file: reason".
	Skipped []string
}

// Annotate writes the annotations of the graph's target patches into
// data, the target's spec called name, read with opts (the target the
// trace used).
func Annotate(name string, data []byte, opts specfile.Options, g *provenance.Graph) (*Result, error) {
	ed, err := specfile.NewEditor(name, data, opts)
	if err != nil {
		return nil, err
	}
	spec := ed.Spec()
	comments := map[int][]string{}
	res := &Result{}
	for _, n := range g.Patches() {
		num, err := strconv.Atoi(n.Attrs["number"])
		if err != nil {
			res.Skipped = append(res.Skipped, n.Name+": no patch number")
			continue
		}
		d, ok := spec.Patch(num)
		switch {
		case !ok:
			res.Skipped = append(res.Skipped, fmt.Sprintf("Patch%d %s: not declared for this target", num, n.Name))
			continue
		case d.DeclFile != spec.File:
			res.Skipped = append(res.Skipped, fmt.Sprintf("Patch%d %s: declared in %s", num, n.Name, d.DeclFile))
			continue
		}
		lines := Lines(g, n.ID)
		if len(lines) == 0 {
			continue
		}
		comments[num] = lines
	}
	// patches annotated earlier that the graph no longer covers keep
	// nothing of ours
	for _, d := range spec.Patches {
		if _, ok := comments[d.Number]; !ok && d.DeclFile == spec.File && d.CommentLine > 0 && hasOwn(d.Comment) {
			comments[d.Number] = nil
		}
	}
	before := ed.Bytes()
	changed := 0
	for n, c := range comments {
		if len(c) > 0 {
			res.Annotated++
		}
		if !sameOwn(spec, n, c) {
			changed++
		}
	}
	if err := ed.SetPatchComments(comments, Own); err != nil {
		return nil, err
	}
	res.Spec = ed.Bytes()
	if string(before) == string(res.Spec) {
		changed = 0
	}
	res.Changed = changed
	sort.Strings(res.Skipped)
	return res, nil
}

func hasOwn(comment string) bool {
	for _, l := range strings.Split(comment, "\n") {
		if Own("# " + l) {
			return true
		}
	}
	return false
}

// sameOwn reports whether patch n's own comment lines already read c.
func sameOwn(spec *specfile.Spec, n int, c []string) bool {
	d, ok := spec.Patch(n)
	if !ok {
		return false
	}
	var have []string
	if d.Comment != "" {
		for _, l := range strings.Split(d.Comment, "\n") {
			if Own("# " + l) {
				have = append(have, "# "+l)
			}
		}
	}
	if len(have) != len(c) {
		return false
	}
	for i := range c {
		if have[i] != c[i] {
			return false
		}
	}
	return true
}
