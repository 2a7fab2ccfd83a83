package autopatch

import (
	"regexp"
	"strconv"
	"strings"
)

// specLine is one line of the spec being replayed and the actions that
// made it what it is (none: the origin's line as is).
type specLine struct {
	text   string // may hold newlines after a multi-line replacement
	origin int    // 0-based origin line, -1 for text an action made
	by     []Action
	was    string // the origin line's text
}

// replay applies the spec-editing actions (replace and delete_line on the
// spec, modify_release) to the origin spec's lines as autopatch-tool's
// process_lines does, and records per origin line what became of it.
type replay struct {
	lines []specLine
	// removedBy[i] is the action that removed or rewrote origin line i.
	removedBy map[int][]Action
	// made maps a line text an action produced to the actions.
	made map[string][]Action
	// applied records the actions that changed something.
	applied map[Action]bool
	// skipped are actions the replay could not evaluate (a Python-only
	// regular expression), with why.
	skipped map[Action]string
	// noDecl are add_files actions whose declaration is not replayed.
	noDecl map[Action]bool
	// autoRelease are modify_release actions met on %autorelease.
	autoRelease map[Action]bool
}

func newReplay(spec []byte) *replay {
	r := &replay{removedBy: map[int][]Action{}, made: map[string][]Action{}, applied: map[Action]bool{}, skipped: map[Action]string{}, autoRelease: map[Action]bool{}}
	for i, l := range splitLines(string(spec)) {
		r.lines = append(r.lines, specLine{text: l, origin: i, was: l})
	}
	return r
}

// splitLines splits text into lines without their newlines.
func splitLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func (r *replay) run(actions []Action) {
	for _, a := range actions {
		switch a := a.(type) {
		case *Replace:
			if a.Target != "spec" {
				continue
			}
			if a.RFind != "" {
				r.regexReplace(a)
			} else {
				r.process(a, splitBlock(a.Find), splitBlock(a.Replacement), a.Count)
			}
		case *DeleteLine:
			if a.Target != "spec" {
				continue
			}
			for _, l := range a.Lines {
				r.process(a, splitBlock(l), nil, -1)
			}
		case *ModifyRelease:
			if a.Enabled {
				r.modifyRelease(a)
			}
		case *AddFile:
			if a.ModifySpec && !r.noDecl[a] {
				r.addFile(a)
			}
		}
		r.normalize()
	}
}

// normalize splits lines that hold newlines, as autopatch-tool rereads
// the file for every entry. A piece equal to the origin line it came from
// is that line, unchanged.
func (r *replay) normalize() {
	var out []specLine
	for _, l := range r.lines {
		if !strings.Contains(l.text, "\n") {
			if l.origin >= 0 && l.text == l.was && len(l.by) > 0 {
				delete(r.removedBy, l.origin)
				l.by = nil
			}
			out = append(out, l)
			continue
		}
		kept := false
		for _, t := range strings.Split(l.text, "\n") {
			if !kept && l.origin >= 0 && t == l.was {
				kept = true
				delete(r.removedBy, l.origin)
				out = append(out, specLine{text: t, origin: l.origin, was: l.was})
				continue
			}
			out = append(out, specLine{text: t, origin: -1, by: l.by})
		}
	}
	r.lines = out
}

// splitBlock is Python's `s.splitlines() if "\n" in s else [s]`.
func splitBlock(s string) []string {
	if !strings.Contains(s, "\n") {
		return []string{s}
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

func (r *replay) touch(i int, a Action, newText string) {
	l := &r.lines[i]
	if l.origin >= 0 {
		r.removedBy[l.origin] = append(r.removedBy[l.origin], a)
	}
	l.text = newText
	l.by = append(l.by, a)
	r.applied[a] = true
}

func (r *replay) remove(i, n int, a Action) {
	for k := i; k < i+n; k++ {
		if o := r.lines[k].origin; o >= 0 {
			r.removedBy[o] = append(r.removedBy[o], a)
		}
	}
	r.lines = append(r.lines[:i], r.lines[i+n:]...)
	r.applied[a] = true
}

func isChangelog(l string) bool { return strings.Trim(l, "\n \t") == "%changelog" }

// process is autopatch's process_lines for the spec: literal find (one
// line or a block compared without leading blanks), replaced at most
// count times (-1: all); replace nil deletes (delete_line). Comment lines
// are skipped unless find is one; %changelog ends the search.
func (r *replay) process(a Action, find, repl []string, count int) {
	counter := 0
	for i := 0; i < len(r.lines); i++ {
		line := r.lines[i].text
		if isChangelog(line) {
			return
		}
		if strings.HasPrefix(line, "#") && !strings.HasPrefix(find[0], "#") {
			continue
		}
		if len(find) > 1 {
			if i+len(find) > len(r.lines) || (count != -1 && counter >= count) {
				continue
			}
			match := true
			for k, f := range find {
				if strings.TrimLeft(r.lines[i+k].text, " \t\n\r\v\f") != strings.TrimLeft(f, " \t\n\r\v\f") {
					match = false
					break
				}
			}
			if !match {
				continue
			}
			counter++
			if repl == nil {
				r.remove(i, len(find), a)
				i--
				continue
			}
			indent := leadingSpace(line)
			var b []string
			for _, l := range repl {
				b = append(b, indent+l)
			}
			r.remove(i, len(find), a)
			r.insert(i, b, a)
			i += len(b) - 1
			continue
		}
		n := strings.Count(line, find[0])
		if n == 0 || find[0] == "" {
			continue
		}
		changed := false
		for ; n > 0; n-- {
			if count != -1 && counter >= count {
				break
			}
			if repl == nil {
				if strings.TrimSpace(line) == find[0] {
					r.remove(i, 1, a)
					i--
				}
				changed = false
				break
			}
			lines := repl
			if line != find[0] {
				lines = applyIndent(repl, leadingSpace(line))
			}
			line = strings.Replace(line, find[0], strings.Join(lines, "\n"), 1)
			changed = true
			counter++
		}
		if changed {
			r.touch(i, a, line)
		}
	}
}

func (r *replay) insert(i int, texts []string, a Action) {
	ins := make([]specLine, len(texts))
	for k, t := range texts {
		ins[k] = specLine{text: t, origin: -1, by: []Action{a}}
	}
	r.lines = append(r.lines[:i], append(ins, r.lines[i:]...)...)
}

func leadingSpace(s string) string { return s[:len(s)-len(strings.TrimLeft(s, " \t\n\r\v\f"))] }

// applyIndent is autopatch's _apply_indentation: the first line as is,
// later non-blank lines prefixed with indent.
func applyIndent(lines []string, indent string) []string {
	out := []string{lines[0]}
	for _, l := range lines[1:] {
		if strings.TrimSpace(l) != "" {
			l = indent + l
		}
		out = append(out, l)
	}
	return out
}

// regexReplace is autopatch's regex path: every line (before %changelog,
// comments skipped) where rfind matches gets one substitution when count
// is set, all of them when count is -1.
func (r *replay) regexReplace(a *Replace) {
	rx, err := regexp.Compile(a.RFind)
	if err != nil {
		r.skipped[a] = "rfind is not a regular expression Go reads the same way: " + err.Error()
		return
	}
	tmpl, ok := pythonTemplate(a.Replacement)
	if !ok {
		r.skipped[a] = "replacement uses Python re syntax this replay does not evaluate"
		return
	}
	for i := range r.lines {
		line := r.lines[i].text
		if isChangelog(line) {
			return
		}
		if strings.HasPrefix(line, "#") && !strings.HasPrefix(a.RFind, "#") {
			continue
		}
		locs := rx.FindAllStringSubmatchIndex(line, -1)
		if len(locs) == 0 {
			continue
		}
		if a.Count != -1 {
			locs = locs[:1]
		}
		var out []byte
		last := 0
		for _, loc := range locs {
			out = append(out, line[last:loc[0]]...)
			out = rx.ExpandString(out, tmpl, line, loc)
			last = loc[1]
		}
		r.touch(i, a, string(append(out, line[last:]...)))
	}
}

// pythonTemplate turns a Python re.sub replacement (\1, \g<1>, \g<name>,
// \n, \\) into a regexp.Expand template.
func pythonTemplate(s string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '$':
			b.WriteString("$$")
		case c != '\\':
			b.WriteByte(c)
		case i+1 >= len(s):
			return "", false
		default:
			i++
			switch n := s[i]; {
			case isDigit(n):
				b.WriteString("${" + string(n) + "}")
			case n == 'g' && i+1 < len(s) && s[i+1] == '<':
				j := strings.IndexByte(s[i:], '>')
				if j < 0 {
					return "", false
				}
				b.WriteString("${" + s[i+2:i+j] + "}")
				i += j
			case n == 'n':
				b.WriteByte('\n')
			case n == 't':
				b.WriteByte('\t')
			case n == '\\':
				b.WriteByte('\\')
			default:
				return "", false
			}
		}
	}
	return b.String(), true
}

// modifyRelease appends the suffix to every Release: line, except
// %autorelease ones, whose template's final line takes it when the spec
// defines autorelease itself.
func (r *replay) modifyRelease(a *ModifyRelease) {
	auto, defined := false, false
	for i := range r.lines {
		line := r.lines[i].text
		if definesAutorelease.MatchString(line) {
			defined = true
		}
		if !strings.HasPrefix(line, "Release:") {
			continue
		}
		if usesAutorelease.MatchString(strings.TrimSpace(line[len("Release:"):])) {
			auto = true
			r.autoRelease[a] = true // autopatch counts it applied: the suffix goes to the git tag
			continue
		}
		r.touch(i, a, line+a.Suffix)
	}
	if auto && defined {
		for i := range r.lines {
			if strings.Contains(r.lines[i].text, autoreleaseFinal) {
				r.touch(i, a, autoreleaseFinal+a.Suffix)
				break
			}
		}
	}
}

// addFile declares the added file after the last declaration of its kind
// (a patch after the last Source when there is no Patch), under an
// "# AlmaLinux Patch" marker, as autopatch-tool's apply_patch. Where the
// file is applied is not replayed: explain matches apply lines by content.
func (r *replay) addFile(a *AddFile) {
	tag := "Patch"
	if a.Type == "source" {
		tag = "Source"
	}
	last, num := -1, 0
	numbered := true
	for _, t := range []string{tag, "Source"} {
		for i := len(r.lines) - 1; i >= 0; i-- {
			if m := declLine.FindStringSubmatch(r.lines[i].text); m != nil && m[1] == t {
				last = i
				if m[2] == "" {
					numbered = false
				} else {
					num, _ = strconv.Atoi(m[2])
				}
				break
			}
		}
		if last >= 0 {
			break
		}
	}
	if last < 0 {
		return
	}
	var ins []string
	if a.InsertAlmaLinuxLine {
		marker := "# AlmaLinux " + tag
		has := false
		for _, l := range r.lines {
			if strings.EqualFold(strings.TrimSpace(l.text), marker) {
				has = true
				break
			}
		}
		if !has {
			ins = append(ins, "", marker)
		}
	}
	n := ""
	switch {
	case !numbered:
	case a.Number > 0:
		n = strconv.Itoa(a.Number)
	default:
		n = strconv.Itoa(num + 1)
	}
	ins = append(ins, tag+n+": "+a.Name)
	r.insert(last+1, ins, a)
	r.applied[a] = true
}

var declLine = regexp.MustCompile(`^(Patch|Source)([0-9]*):`)

var (
	definesAutorelease = regexp.MustCompile(`%(?:define|global)\s+autorelease`)
	usesAutorelease    = regexp.MustCompile(`%\{?autorelease\}?`)
)

// autoreleaseFinal is the last line of the %autorelease template rpmautospec
// writes into specs.
const autoreleaseFinal = "}%{?-e:.%{-e*}}%{?-s:.%{-s*}}%{!?-n:%{?dist}}"

// result returns the replayed spec's lines.
func (r *replay) result() []specLine {
	r.normalize()
	for _, l := range r.lines {
		if len(l.by) > 0 {
			r.made[l.text] = appendUnique(r.made[l.text], l.by...)
		}
	}
	return r.lines
}

func appendUnique(list []Action, as ...Action) []Action {
	for _, a := range as {
		found := false
		for _, b := range list {
			if a == b {
				found = true
				break
			}
		}
		if !found {
			list = append(list, a)
		}
	}
	return list
}
