package autopatch

import (
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sergi/go-diff/diffmatchpatch"

	"github.com/patchtrace/patchtrace/provenance"
	"github.com/patchtrace/patchtrace/provenance/source"
)

// ChangeKind says what an own change of the rebuild is.
type ChangeKind string

// The kinds of own changes Explain attributes.
const (
	// SpecAdded is a spec line the rebuild has and its origin lacks.
	SpecAdded ChangeKind = "spec-added"
	// SpecRemoved is an origin spec line the rebuild lacks.
	SpecRemoved ChangeKind = "spec-removed"
	// FileAdded is a package file (patch, source) only the rebuild has.
	FileAdded ChangeKind = "file-added"
	// FileRemoved is an origin file the rebuild lacks.
	FileRemoved ChangeKind = "file-removed"
	// FileChanged is a file both have with different content.
	FileChanged ChangeKind = "file-changed"
	// GraphNode is an own change of a provenance graph (own patch, hunk,
	// source or spec change node).
	GraphNode ChangeKind = "graph"
)

// Change is one own change of the rebuild and what explains it.
type Change struct {
	Kind ChangeKind
	// File and Line locate the change: the rebuild's spec and line for
	// added lines and graph nodes, the origin's for removed lines, the
	// file's path for files.
	File string
	Line int
	// Text is the line, the file name or the graph node's name.
	Text string
	// Node is the graph node's ID (GraphNode changes).
	Node string
	// By are the actions that explain the change, in config order; empty
	// when no action does.
	By []Action
	// Note says how the change was matched, or why it may still be
	// explained (a run_script the config runs).
	Note string
}

// Explained reports whether an action explains the change.
func (c Change) Explained() bool { return len(c.By) > 0 }

// Result is the attribution of a rebuild's own changes to config actions.
type Result struct {
	// Changes lists every own change: removed spec lines in origin order,
	// added spec lines in rebuild order, then files, then graph nodes.
	Changes []Change
	// Unused are actions that explain nothing in the rebuild: autopatch
	// fails such a run ("action not applied"), so a stale config or a
	// rebuild made otherwise.
	Unused []Action
	// NotEvaluated are actions whose effect cannot be replayed, with the
	// reason (run_script: never run; a Python-only regular expression).
	NotEvaluated map[Action]string
}

// Unexplained returns the changes no action explains.
func (r *Result) Unexplained() []Change {
	var out []Change
	for _, c := range r.Changes {
		if !c.Explained() {
			out = append(out, c)
		}
	}
	return out
}

// Explain attributes the own changes of target relative to origin (the
// package the configs were applied to) to the actions of cfgs. The spec
// actions are replayed on the origin's spec; every spec line the rebuild
// adds or drops, every file it adds, drops or changes, and every own node
// of g (when g is not nil: own patches, hunks, sources and spec changes
// of the target) gets the actions that explain it, or none.
func Explain(cfgs []*Config, origin, target *source.Package, g *provenance.Graph) *Result {
	var actions []Action
	for _, c := range cfgs {
		actions = append(actions, c.Actions...)
	}
	x := &explainer{res: &Result{NotEvaluated: map[Action]string{}}, actions: actions, used: map[Action]bool{},
		target: target, origin: origin}
	rp := newReplay(origin.Spec)
	rp.run(actions)
	if skip := x.absentDeclarations(rp.result()); len(skip) > 0 {
		// autopatch put these files elsewhere (a *.patches file): replay
		// without their declarations
		rp = newReplay(origin.Spec)
		rp.noDecl = skip
		rp.run(actions)
	}
	replayed := rp.result()
	for a, why := range rp.skipped {
		x.res.NotEvaluated[a] = why
	}
	x.spec(rp, replayed)
	x.files()
	if g != nil {
		x.graph(g)
	}
	noFiles := len(origin.Files) == 0 && len(target.Files) == 0
	autoChangelog := strings.Contains(string(target.Spec), "%autochangelog")
	for _, a := range actions {
		switch a := a.(type) {
		case *RunScript:
			x.res.NotEvaluated[a] = "run_script " + a.Script + " is never run"
			continue
		case *ModifyRelease:
			if !a.Enabled {
				continue
			}
			if rp.autoRelease[a] {
				x.used[a] = true // %autorelease: the suffix goes to the tag only
			}
		case *ChangelogEntry:
			if autoChangelog {
				x.used[a] = true // %autochangelog: the text goes to the commit message
			}
		case *Replace, *DeleteLine:
			if target := actionTarget(a); target != "spec" && noFiles {
				x.res.NotEvaluated[a] = "targets " + target + ": no package files given"
			}
		case *DeleteFile:
			if noFiles {
				x.res.NotEvaluated[a] = "no package files given"
			}
		case *AddFile:
			if noFiles && !a.ModifySpec {
				x.res.NotEvaluated[a] = "no package files given"
			}
		}
		if _, skip := x.res.NotEvaluated[a]; !x.used[a] && !skip {
			x.res.Unused = append(x.res.Unused, a)
		}
	}
	if len(x.res.NotEvaluated) > 0 {
		for i, c := range x.res.Changes {
			if !c.Explained() && c.Note == "" {
				x.res.Changes[i].Note = "possibly made by an action not evaluated here"
			}
		}
	}
	return x.res
}

type explainer struct {
	res            *Result
	actions        []Action
	used           map[Action]bool
	origin, target *source.Package
	lineBy         map[int][]Action // target line → actions
}

func (x *explainer) add(c Change) {
	for _, a := range c.By {
		x.used[a] = true
	}
	x.res.Changes = append(x.res.Changes, c)
}

// absentDeclarations are the add_files actions whose replayed
// declaration line the rebuild's spec lacks.
func (x *explainer) absentDeclarations(replayed []specLine) map[Action]bool {
	have := map[string]bool{}
	for _, l := range splitLines(string(x.target.Spec)) {
		have[strings.Join(strings.Fields(l), " ")] = true
	}
	out := map[Action]bool{}
	for _, l := range replayed {
		for _, a := range l.by {
			if f, ok := a.(*AddFile); ok && strings.HasSuffix(l.text, f.Name) && !have[strings.Join(strings.Fields(l.text), " ")] {
				out[a] = true
			}
		}
	}
	return out
}

// lineOp is one line of a line diff.
type lineOp struct {
	op   diffmatchpatch.Operation
	text string
	a, b int // 1-based lines in the origin / target (0 when absent)
}

func lineDiffOps(a, b []string) []lineOp {
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 10 * time.Second
	ca, cb, lines := dmp.DiffLinesToChars(strings.Join(a, "\n")+"\n", strings.Join(b, "\n")+"\n")
	var out []lineOp
	ai, bi := 0, 0
	for _, d := range dmp.DiffCharsToLines(dmp.DiffMain(ca, cb, false), lines) {
		for _, t := range splitLines(d.Text) {
			o := lineOp{op: d.Type, text: t}
			switch d.Type {
			case diffmatchpatch.DiffEqual:
				ai++
				bi++
				o.a, o.b = ai, bi
			case diffmatchpatch.DiffDelete:
				ai++
				o.a = ai
			case diffmatchpatch.DiffInsert:
				bi++
				o.b = bi
			}
			out = append(out, o)
		}
	}
	return out
}

// spec attributes the spec's changes. The replay says exactly what the
// actions do to the origin's spec; a line diff of the replayed spec and
// the rebuild's then shows what the actions do not explain (diffing the
// origin's spec directly would pair repeated lines arbitrarily).
func (x *explainer) spec(rp *replay, replayed []specLine) {
	texts := make([]string, len(replayed))
	made, missing := map[Action]int{}, map[Action]int{}
	for i, l := range replayed {
		texts[i] = l.text
		for _, a := range l.by {
			made[a]++
		}
	}
	ops := lineDiffOps(texts, splitLines(string(x.target.Spec)))
	inserts := x.insertions()
	x.lineBy = map[int][]Action{}
	var removed, added []Change
	for _, o := range ops {
		switch o.op {
		case diffmatchpatch.DiffEqual:
			if l := replayed[o.a-1]; len(l.by) > 0 {
				added = append(added, Change{Kind: SpecAdded, File: x.target.SpecName, Line: o.b, Text: o.text, By: l.by,
					Note: "replayed: the action produces this line"})
			}
		case diffmatchpatch.DiffDelete:
			l := replayed[o.a-1]
			if len(l.by) == 0 {
				removed = append(removed, Change{Kind: SpecRemoved, File: x.origin.SpecName, Line: l.origin + 1, Text: o.text})
			}
			for _, a := range l.by {
				missing[a]++
			}
		case diffmatchpatch.DiffInsert:
			c := Change{Kind: SpecAdded, File: x.target.SpecName, Line: o.b, Text: o.text}
			for _, in := range inserts {
				if in.match(o.text) {
					c.By, c.Note = []Action{in.by}, in.note
					break
				}
			}
			added = append(added, c)
		}
	}
	// Origin lines the actions remove or rewrite, when the rebuild shows
	// the action's result.
	for o := range splitLines(string(x.origin.Spec)) {
		var by []Action
		for _, a := range rp.removedBy[o] {
			if made[a] == 0 || missing[a] < made[a] {
				by = appendUnique(by, a)
			}
		}
		if len(by) > 0 {
			removed = append(removed, Change{Kind: SpecRemoved, File: x.origin.SpecName, Line: o + 1,
				Text: splitLines(string(x.origin.Spec))[o], By: by, Note: "replayed: the action removes or rewrites this line"})
		}
	}
	// An unexplained removal and addition of the same text is a line the
	// actions' insertions moved, not a change.
	moved := map[string]int{}
	for _, c := range removed {
		if !c.Explained() {
			moved[c.Text]++
		}
	}
	keep := added[:0]
	for _, c := range added {
		if !c.Explained() && moved[c.Text] > 0 {
			moved[c.Text]--
			moved["\x00"+c.Text]++
			continue
		}
		keep = append(keep, c)
	}
	added = keep
	keepR := removed[:0]
	for _, c := range removed {
		if !c.Explained() && moved["\x00"+c.Text] > 0 {
			moved["\x00"+c.Text]--
			continue
		}
		keepR = append(keepR, c)
	}
	removed = keepR
	slices.SortStableFunc(removed, func(a, b Change) int { return a.Line - b.Line })
	slices.SortStableFunc(added, func(a, b Change) int { return a.Line - b.Line })
	// A blank line added next to lines one action explains comes with them.
	for i := range added {
		if added[i].Explained() || strings.TrimSpace(added[i].Text) != "" {
			continue
		}
		for _, j := range []int{i - 1, i + 1} {
			if j >= 0 && j < len(added) && added[j].Explained() && absInt(added[j].Line-added[i].Line) == 1 {
				added[i].By, added[i].Note = added[j].By, "blank line beside the action's lines"
				break
			}
		}
	}
	for _, c := range removed {
		x.add(c)
	}
	for _, c := range added {
		x.lineBy[c.Line] = c.By
		x.add(c)
	}
}

func absInt(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// insertion is a line an inserting action (add_files, add_line,
// changelog_entry) may put into the spec.
type insertion struct {
	by    Action
	note  string
	match func(line string) bool
}

func (x *explainer) insertions() []insertion {
	var out []insertion
	for _, a := range x.actions {
		switch a := a.(type) {
		case *AddFile:
			if !a.ModifySpec {
				continue
			}
			tag := "Patch"
			if a.Type == "source" {
				tag = "Source"
			}
			decl := regexp.MustCompile(`^` + tag + `(\d*):\s*` + regexp.QuoteMeta(a.Name) + `\s*$`)
			num := ""
			for _, l := range splitLines(string(x.target.Spec)) {
				if m := decl.FindStringSubmatch(l); m != nil {
					num = m[1]
					break
				}
			}
			out = append(out, insertion{a, "declares the added " + a.Type, decl.MatchString})
			if a.InsertAlmaLinuxLine {
				marker := regexp.MustCompile(`(?i)^# (Applying )?AlmaLinux ` + tag + `s?$`)
				out = append(out, insertion{a, "autopatch's AlmaLinux marker", marker.MatchString})
			}
			if a.Type == "patch" {
				// by number, by the backup suffix autopatch gives it, or
				// by name (kernel's ApplyPatch)
				stem := strings.TrimSuffix(a.Name, path.Ext(a.Name))
				alt := `-b\s+\.` + regexp.QuoteMeta(stem) + `(\s|$)|^\s*ApplyPatch\s+` + regexp.QuoteMeta(a.Name)
				if num != "" {
					alt += `|^\s*(%patch\s*-P\s*` + num + `\b|%patch` + num + `\b)`
				}
				apply := regexp.MustCompile(alt)
				out = append(out, insertion{a, "applies the added patch", func(l string) bool {
					return (strings.Contains(l, "%patch") || strings.Contains(l, "ApplyPatch")) && apply.MatchString(l)
				}})
			}
		case *AddLine:
			set := map[string]bool{}
			for _, l := range splitBlock(a.Content) {
				set[strings.TrimSpace(l)] = true
			}
			out = append(out, insertion{a, "content of the added lines", func(l string) bool { return set[strings.TrimSpace(l)] }})
		case *ChangelogEntry:
			head := regexp.MustCompile(`^\*\s.*` + regexp.QuoteMeta(a.Name) + `\s*<` + regexp.QuoteMeta(a.Email) + `>`)
			text := squash(strings.Join(a.Lines, " "))
			out = append(out, insertion{a, "changelog header with the entry's author", head.MatchString},
				insertion{a, "changelog text of the entry", func(l string) bool {
					t := strings.TrimSpace(l)
					t = strings.TrimSpace(strings.TrimPrefix(t, "- "))
					return t != "" && strings.Contains(text, squash(t))
				}})
		}
	}
	return out
}

// squash drops all whitespace (changelog text is wrapped at 80 columns).
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' {
			return -1
		}
		return r
	}, s)
}

// fileName is the base name a package file is known by in the spec.
func fileName(p string) string { return path.Base(p) }

func (x *explainer) files() {
	tf, of := map[string]*source.File{}, map[string]*source.File{}
	for i := range x.target.Files {
		tf[fileName(x.target.Files[i].Path)] = &x.target.Files[i]
	}
	for i := range x.origin.Files {
		of[fileName(x.origin.Files[i].Path)] = &x.origin.Files[i]
	}
	for _, f := range x.target.Files {
		n := fileName(f.Path)
		o, ok := of[n]
		switch {
		case !ok:
			x.add(Change{Kind: FileAdded, File: f.Path, Text: n, By: x.fileAdders(n)})
		case o.SHA256 != "" && f.SHA256 != "" && o.SHA256 != f.SHA256:
			x.add(Change{Kind: FileChanged, File: f.Path, Text: n, By: x.fileEditors(n)})
		}
	}
	for _, f := range x.origin.Files {
		n := fileName(f.Path)
		if _, ok := tf[n]; ok {
			continue
		}
		var by []Action
		for _, a := range x.actions {
			if d, ok := a.(*DeleteFile); ok && d.FileName == n {
				by = append(by, d)
			}
		}
		x.add(Change{Kind: FileRemoved, File: f.Path, Text: n, By: by})
	}
}

// fileAdders are the add_files actions that add the file name.
func (x *explainer) fileAdders(name string) []Action {
	var by []Action
	for _, a := range x.actions {
		if f, ok := a.(*AddFile); ok && f.Name == name {
			by = append(by, f)
		}
	}
	return by
}

// actionTarget is the target of a replace or delete_line action, else "".
func actionTarget(a Action) string {
	switch a := a.(type) {
	case *Replace:
		return a.Target
	case *DeleteLine:
		return a.Target
	}
	return ""
}

// fileEditors are the replace and delete_line actions whose target names
// (or globs) the file.
func (x *explainer) fileEditors(name string) []Action {
	var by []Action
	for _, a := range x.actions {
		target := actionTarget(a)
		if target == "" || target == "spec" {
			continue
		}
		if ok, _ := path.Match(target, name); ok || fileName(target) == name {
			by = append(by, a)
		}
	}
	return by
}

// graph attributes the graph's own nodes of the target.
func (x *explainer) graph(g *provenance.Graph) {
	for _, n := range g.NoOrigin() {
		if n.Origin != g.Target {
			continue
		}
		c := Change{Kind: GraphNode, Node: n.ID, Text: n.Name, File: x.target.SpecName}
		switch n.Kind {
		case provenance.KindPatch, provenance.KindSource:
			c.File = n.Name
			c.By = append(x.fileAdders(fileName(n.Name)), x.fileEditors(fileName(n.Name))...)
		case provenance.KindHunk:
			for _, e := range g.Out(n.ID, provenance.EdgePartOf) {
				if p := g.Node(e.To); p != nil && p.Kind == provenance.KindPatch && p.Origin == g.Target {
					c.File = p.Name
					c.By = append(x.fileAdders(fileName(p.Name)), x.fileEditors(fileName(p.Name))...)
					c.Note = "hunk of " + p.Name
				}
			}
		case provenance.KindChange:
			c.By, c.Note = x.specChange(n)
		}
		if n.Attrs["line"] != "" {
			c.Line, _ = strconv.Atoi(n.Attrs["line"])
		}
		x.add(c)
	}
}

// specChange explains a spec change node: through the line it names, or
// by what it says changed.
func (x *explainer) specChange(n *provenance.Node) ([]Action, string) {
	kind, old, nw := n.Attrs["change"], n.Attrs["old"], n.Attrs["new"]
	if line, err := strconv.Atoi(n.Attrs["line"]); err == nil && len(x.lineBy[line]) > 0 {
		return x.lineBy[line], "the changed line is explained"
	}
	var by []Action
	switch kind {
	case "release-suffix":
		for _, a := range x.actions {
			if m, ok := a.(*ModifyRelease); ok && m.Enabled && m.Suffix != "" && strings.Contains(nw, m.Suffix) {
				by = append(by, m)
			}
		}
		return by, "the Release suffix comes from modify_release"
	case "changelog-added":
		for _, a := range x.actions {
			if c, ok := a.(*ChangelogEntry); ok && strings.Contains(squash(strings.Join(c.Lines, " ")), squash(firstLine(nw))) {
				by = append(by, c)
			}
		}
		return by, "the changelog text comes from changelog_entry"
	}
	name := n.Name
	if i := strings.IndexByte(name, ':'); i >= 0 {
		name = name[i+1:]
	}
	switch {
	case strings.HasPrefix(kind, "patch-added"), strings.HasPrefix(kind, "source-added"):
		by = x.fileAdders(fileName(name))
	case strings.HasSuffix(kind, "-removed"), kind == "tag-changed":
		// the removed declaration or old value, blanks normalized
		o := strings.Join(strings.Fields(old), " ")
		file := ""
		if strings.HasPrefix(kind, "patch-") || strings.HasPrefix(kind, "source-") {
			file = fileName(name)
		}
		hit := func(text string) bool {
			t := strings.Join(strings.Fields(text), " ")
			return t != "" && (strings.Contains(o, t) || file != "" && strings.Contains(t, file))
		}
		for _, a := range x.actions {
			switch a := a.(type) {
			case *Replace:
				if a.Target == "spec" && (a.Find != "" && hit(firstLine(a.Find)) || a.RFind != "" && matchesRegexp(a.RFind, old)) {
					by = append(by, a)
				}
			case *DeleteLine:
				if a.Target != "spec" {
					continue
				}
				for _, l := range a.Lines {
					if hit(l) {
						by = append(by, a)
						break
					}
				}
			}
		}
	}
	return by, ""
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func matchesRegexp(re, s string) bool {
	rx, err := regexp.Compile(re)
	return err == nil && rx.MatchString(s)
}
