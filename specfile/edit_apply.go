package specfile

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

var (
	reAutoLine   = regexp.MustCompile(`^[ \t]*%\{?(autosetup|autopatch|forgeautosetup)\b`)
	reSetupLine  = regexp.MustCompile(`^[ \t]*%\{?setup\b`)
	reOtherSetup = regexp.MustCompile(`^[ \t]*%\{?[a-z0-9_]*(setup|prep)\b`)
	rePatchN     = regexp.MustCompile(`^%\{?[Pp]atch([0-9]+)\}?$`)
	rePatchPlain = regexp.MustCompile(`^%\{?patch\}?$`)
	rePatchRef   = regexp.MustCompile(`%\{?(?:PATCH|patch|P:)([0-9]+)\}?`)
)

// tokens splits a line into fields, each with the blanks before it.
func tokens(line string) (lead []string, fields []string) {
	i := 0
	for i < len(line) {
		j := i
		for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
			j++
		}
		if j >= len(line) {
			break
		}
		k := j
		for k < len(line) && line[k] != ' ' && line[k] != '\t' {
			k++
		}
		lead = append(lead, line[i:j])
		fields = append(fields, line[j:k])
		i = k
	}
	return lead, fields
}

func joinTokens(lead, fields []string) string {
	var b strings.Builder
	for i := range fields {
		b.WriteString(lead[i])
		b.WriteString(fields[i])
	}
	return b.String()
}

func isNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil && s != "" && s[0] != '-' && s[0] != '+'
}

// patchOptsWithArg are %patch options that take an argument.
var patchOptsWithArg = map[string]bool{"-P": true, "-p": true, "-b": true, "-z": true, "-F": true, "-d": true, "-o": true, "-D": true, "--suffix": true, "--fuzz": true}

// dropForNewPatch are %patch options tied to one patch, not copied.
var dropForNewPatch = map[string]bool{"-b": true, "-z": true, "-R": true, "-o": true, "--suffix": true, "--reverse": true, "-D": true}

// noPatchBetween reports whether no patch number in (lo, hi) is declared
// anywhere in the spec (any %if branch).
func (e *Editor) noPatchBetween(lo, hi int) bool {
	_, nums := e.rawTags(rePatchTag)
	for _, p := range e.spec.Patches {
		nums = append(nums, p.Number)
	}
	for _, n := range nums {
		if n > lo && n < hi {
			return false
		}
	}
	return true
}

// autoStrip returns the -p level for a new %autopatch line: strip when
// given, else the level of the %autosetup/%autopatch line, else 1.
func autoStrip(line string, strip *int) string {
	if strip != nil {
		return strconv.Itoa(*strip)
	}
	_, f := tokens(line)
	for i, t := range f {
		t = strings.TrimSuffix(t, "}")
		if t == "-p" && i+1 < len(f) && isNumber(strings.TrimSuffix(f[i+1], "}")) {
			return strings.TrimSuffix(f[i+1], "}")
		}
		if strings.HasPrefix(t, "-p") && isNumber(t[2:]) {
			return t[2:]
		}
	}
	return "1"
}

// newPatchLine rewrites a %patch line (template) so that it applies
// patch num with strip level strip (nil: keep). It returns "" when the
// template is not a %patch line.
func newPatchLine(template string, num int, strip *int) string {
	lead, f := tokens(template)
	if len(f) == 0 {
		return ""
	}
	var outLead, out []string
	numberDone := false
	stripDone := false
	push := func(l, s string) { outLead = append(outLead, l); out = append(out, s) }
	if m := rePatchN.FindStringSubmatch(f[0]); m != nil {
		w := strconv.Itoa(num)
		if len(m[1]) > len(w) && m[1][0] == '0' {
			w = strings.Repeat("0", len(m[1])-len(w)) + w
		}
		push(lead[0], strings.Replace(f[0], m[1], w, 1))
		numberDone = true
	} else if rePatchPlain.MatchString(f[0]) {
		push(lead[0], f[0])
	} else {
		return ""
	}
	for i := 1; i < len(f); i++ {
		tok := f[i]
		switch {
		case tok == "-P" || tok == "-p" || dropForNewPatch[tok] || patchOptsWithArg[tok]:
			var arg, argLead string
			if i+1 < len(f) {
				arg, argLead = f[i+1], lead[i+1]
				i++
			}
			switch {
			case dropForNewPatch[tok]:
			case tok == "-P":
				if !numberDone {
					push(lead[i-1], tok)
					push(argLead, strconv.Itoa(num))
					numberDone = true
				}
			case tok == "-p":
				push(lead[i-1], tok)
				if strip != nil {
					arg = strconv.Itoa(*strip)
				}
				push(argLead, arg)
				stripDone = true
			default:
				push(lead[i-1], tok)
				push(argLead, arg)
			}
		case strings.HasPrefix(tok, "-P") && isNumber(tok[2:]):
			if !numberDone {
				push(lead[i], "-P"+strconv.Itoa(num))
				numberDone = true
			}
		case strings.HasPrefix(tok, "-p") && isNumber(tok[2:]):
			if strip != nil {
				tok = "-p" + strconv.Itoa(*strip)
			}
			push(lead[i], tok)
			stripDone = true
		case len(tok) > 2 && (strings.HasPrefix(tok, "-b") || strings.HasPrefix(tok, "-z") || strings.HasPrefix(tok, "--suffix=")):
			// attached backup suffix: drop
		case isNumber(tok):
			if !numberDone {
				push(lead[i], strconv.Itoa(num))
				numberDone = true
			}
		default:
			push(lead[i], tok)
		}
	}
	if !stripDone && strip != nil {
		push(" ", "-p"+strconv.Itoa(*strip))
	}
	if !numberDone {
		push(" ", "-P")
		push(" ", strconv.Itoa(num))
	}
	return joinTokens(outLead, out)
}

// autoOptsWithArg are %autosetup/%autopatch options that take an argument.
var autoOptsWithArg = map[string]bool{"-S": true, "-p": true, "-n": true, "-a": true, "-b": true}

// autoCovers reports whether an %autosetup/%autopatch line applies patch
// num, and returns the line rewritten to apply it when it does not but
// can be widened ("" otherwise), with hi such that widening takes in the
// numbers in (hi, num]: the -M bound, or num-1 for a number list.
func autoCovers(line string, num int) (covered bool, widened string, hi int) {
	lead, f := tokens(line)
	m := reAutoLine.FindStringSubmatch(line)
	if m == nil {
		return false, "", -1
	}
	isSetup := strings.HasSuffix(m[1], "autosetup")
	lo := -1
	hi = -1
	hiIdx := -1
	var positional []int
	for i := 1; i < len(f); i++ {
		tok := strings.TrimSuffix(f[i], "}")
		switch {
		case tok == "-N" && isSetup:
			return false, "", -1
		case tok == "-m" && i+1 < len(f):
			lo, _ = strconv.Atoi(f[i+1])
			i++
		case tok == "-M" && i+1 < len(f):
			hi, _ = strconv.Atoi(f[i+1])
			hiIdx = i + 1
			i++
		case strings.HasPrefix(tok, "-m") && isNumber(tok[2:]):
			lo, _ = strconv.Atoi(tok[2:])
		case strings.HasPrefix(tok, "-M") && isNumber(tok[2:]):
			hi, _ = strconv.Atoi(tok[2:])
			hiIdx = i
		case autoOptsWithArg[tok] && i+1 < len(f):
			i++ // option with argument
		case isNumber(tok) && !isSetup:
			n, _ := strconv.Atoi(tok)
			positional = append(positional, n)
		}
	}
	if len(positional) > 0 {
		for _, n := range positional {
			if n == num {
				return true, "", -1
			}
		}
		// Append the number to the list: that takes in num alone.
		return false, strings.TrimRight(line, " \t") + " " + strconv.Itoa(num), num - 1
	}
	if (lo < 0 || num >= lo) && (hi < 0 || num <= hi) {
		return true, "", hi
	}
	if hi >= 0 && num > hi && hiIdx >= 0 {
		tok := f[hiIdx]
		suffix := ""
		if strings.HasSuffix(tok, "}") {
			suffix = "}"
		}
		if strings.HasPrefix(tok, "-M") {
			f[hiIdx] = "-M" + strconv.Itoa(num) + suffix
		} else {
			f[hiIdx] = strconv.Itoa(num) + suffix
		}
		return false, joinTokens(lead, f), hi
	}
	return false, "", hi
}

// applyEdits returns the ways (edits) to make %prep apply the new patch
// num, best first. Its phases: nothing to do (no %prep, or a declarative
// build whose %prep runs %autosetup itself); the application to copy
// (applyTemplate); then %autosetup/%autopatch lines (autoApplyChoices), a
// first %patch line after %setup (afterSetupChoice), or a copy of the
// template's line (copyApplyChoice).
func (e *Editor) applyEdits(num int, file string, opts PatchOptions) ([]applyChoice, error) {
	prep := e.sectionRanges("prep")
	if len(prep) == 0 {
		return []applyChoice{{}}, nil // nothing applies patches: declaring is all
	}
	if e.declarativePrep() {
		return []applyChoice{{}}, nil
	}
	tmpl := e.applyTemplate(prep)
	if tmpl == nil || tmpl.Form == "%autosetup" || tmpl.Form == "%autopatch" {
		if autoLines := e.autoLines(prep); len(autoLines) > 0 {
			return e.autoApplyChoices(num, tmpl, autoLines, opts)
		}
		if tmpl == nil {
			return e.afterSetupChoice(prep, num, opts)
		}
	}
	return e.copyApplyChoice(tmpl, num, file, opts)
}

// declarativePrep reports whether the spec is an rpm 4.20 declarative
// build (BuildSystem:, "%prep -a"), whose %prep runs %autosetup itself:
// declaring a patch is enough.
func (e *Editor) declarativePrep() bool {
	s := e.spec
	for _, sec := range s.Sections {
		if sec.Name == "prep" && (hasFlag(sec.Args, "-a") || hasFlag(sec.Args, "-p")) {
			return true
		}
	}
	for _, t := range s.Tags {
		if t.Name == "BuildSystem" && t.Package == "" {
			return true
		}
	}
	return false
}

// applyTemplate returns the application in %prep (prep's ranges) that a
// new patch's should copy: the last declared patch's, else the last
// application, else (nothing is applied for this target) the last %patch
// line of %prep; nil when there is none.
func (e *Editor) applyTemplate(prep [][2]int) *Apply {
	s := e.spec
	inMain := func(a Apply) bool { return a.ApplyFile == "" || a.ApplyFile == s.File }
	// Patches as declared by position, to find the last sibling's
	// application.
	var lastDeclNum = -2
	lastDeclLine := 0
	for _, p := range s.Patches {
		if p.Line > lastDeclLine && (p.DeclFile == "" || p.DeclFile == s.File) {
			lastDeclLine, lastDeclNum = p.Line, p.Number
		}
	}
	var prepPlan []Apply
	for _, a := range s.Plan {
		if a.Section == "prep" && inMain(a) {
			prepPlan = append(prepPlan, a)
		}
	}
	var tmpl *Apply
	for i := len(prepPlan) - 1; i >= 0; i-- {
		if prepPlan[i].Number == lastDeclNum {
			tmpl = &prepPlan[i]
			break
		}
	}
	if tmpl == nil && len(prepPlan) > 0 {
		// The last declared patch is not applied: copy the last application.
		last := prepPlan[0]
		for _, a := range prepPlan {
			if a.Line > last.Line {
				last = a
			}
		}
		tmpl = &last
	}
	if tmpl == nil {
		// Nothing is applied for this target (the %patch lines may all
		// sit in false %if branches): copy the last %patch line of %prep.
		for _, r := range prep {
			for n := r[0] + 1; n <= r[1]; n++ {
				if _, f := tokens(e.text(n)); len(f) > 0 && (rePatchN.MatchString(f[0]) || rePatchPlain.MatchString(f[0])) {
					tmpl = &Apply{Form: "%patch", Line: n, Number: NoNumber, Section: "prep"}
				}
			}
		}
	}
	return tmpl
}

// autoLines returns the %autosetup / %autopatch lines in %prep.
func (e *Editor) autoLines(prep [][2]int) []int {
	var autoLines []int
	for _, r := range prep {
		for n := r[0]; n <= r[1]; n++ {
			if reAutoLine.MatchString(e.text(n)) {
				autoLines = append(autoLines, n)
			}
		}
	}
	return autoLines
}

// autoApplyChoices returns the ways to apply patch num when %prep applies
// patches with %autosetup/%autopatch (autoLines; tmpl is the application
// to copy, or nil): as is when a line already covers it, by widening the
// line, or with an %autopatch line of its own.
func (e *Editor) autoApplyChoices(num int, tmpl *Apply, autoLines []int, opts PatchOptions) ([]applyChoice, error) {
	// When the plan did not see the spec's own patches applied
	// by these lines (an option the parser does not know, a
	// wrapper macro), it cannot confirm the new one either.
	planned := tmpl != nil
	var choices []applyChoice
	covered := false
	for _, n := range autoLines {
		if ok, _, _ := autoCovers(e.text(n), num); ok {
			covered = true
		}
	}
	if covered || planned {
		choices = append(choices, applyChoice{nil, planned})
	}
	// Else widen the line that applies the last sibling (or the
	// last line), when that takes in no other declared patch...
	target := autoLines[len(autoLines)-1]
	if tmpl != nil {
		target = tmpl.Line
	}
	if _, w, hi := autoCovers(e.text(target), num); w != "" && e.noPatchBetween(hi, num) {
		choices = append(choices, applyChoice{[]edit{{from: target, to: target, repl: []string{w}}}, planned})
	}
	// ... or add an %autopatch line for the new patch alone.
	line := "%autopatch -p" + autoStrip(e.text(target), opts.Strip) + " " + strconv.Itoa(num)
	comments, err := commentLines(opts.ApplyComment)
	if err != nil {
		return nil, err
	}
	after := e.placeAfter(target, e.sectionStart(target), opts.InsideCondition)
	choices = append(choices, applyChoice{[]edit{{from: after + 1, to: after, repl: append(comments, line)}}, planned})
	return choices, nil
}

// afterSetupChoice applies patch num when nothing applies patches yet: a
// %patch line after %setup. After the last %setup, or else after the
// first line of a macro that sets the sources up (%goprep, %forgesetup).
func (e *Editor) afterSetupChoice(prep [][2]int, num int, opts PatchOptions) ([]applyChoice, error) {
	setup, other := 0, 0
	for _, r := range prep {
		for n := r[0] + 1; n <= r[1]; n++ {
			if reSetupLine.MatchString(e.text(n)) {
				setup = n
			} else if other == 0 && reOtherSetup.MatchString(e.text(n)) {
				other = n
			}
		}
	}
	if setup == 0 {
		setup = other
	}
	if setup == 0 {
		return nil, fmt.Errorf("%w: %%prep has no %%setup, %%autosetup or %%patch to follow", ErrEdit)
	}
	strip := 1
	if opts.Strip != nil {
		strip = *opts.Strip
	}
	comments, err := commentLines(opts.ApplyComment)
	if err != nil {
		return nil, err
	}
	repl := append(comments, fmt.Sprintf("%%patch -P %d -p%d", num, strip))
	return []applyChoice{{[]edit{{from: setup + 1, to: setup, repl: repl}}, true}}, nil
}

// copyApplyChoice applies patch num (file) with a copy of the line that
// makes application tmpl, put after it: a %patch line with the new number,
// or a line that names the template's patch by %{PATCHn} or by file.
func (e *Editor) copyApplyChoice(tmpl *Apply, num int, file string, opts PatchOptions) ([]applyChoice, error) {
	s := e.spec
	if tmpl.ApplyFile != "" && tmpl.ApplyFile != s.File {
		return nil, fmt.Errorf("%w: patches are applied in %s, an included file", ErrEdit, tmpl.ApplyFile)
	}
	raw := e.text(tmpl.Line)
	if tmpl.Form != "%patch" && (strings.Contains(raw, "%{patches}") || strings.Contains(raw, "%patches")) {
		// A loop over every declared patch: declaring is enough.
		return []applyChoice{{nil, true}}, nil
	}
	var line string
	switch tmpl.Form {
	case "%patch":
		line = newPatchLine(strings.TrimLeft(raw, " \t"), num, opts.Strip)
		if line != "" {
			line = raw[:len(raw)-len(strings.TrimLeft(raw, " \t"))] + line
		}
	default:
		if m := rePatchRef.FindStringSubmatch(raw); m != nil && tmpl.Number >= 0 && m[1] == strconv.Itoa(tmpl.Number) {
			line = strings.Replace(raw, m[0], strings.Replace(m[0], m[1], strconv.Itoa(num), 1), 1)
		} else if tmpl.File != "" && strings.Contains(raw, tmpl.File) {
			line = strings.Replace(raw, tmpl.File, patchBase(file), 1)
		}
		if line != "" && opts.Strip != nil {
			line = regexp.MustCompile(`(^|[ \t])-p ?[0-9]+\b`).ReplaceAllString(line, "${1}-p"+strconv.Itoa(*opts.Strip))
		}
	}
	if line == "" {
		return nil, fmt.Errorf("%w: cannot copy the way line %d applies patches (%s): %q", ErrEdit, tmpl.Line, tmpl.Form, raw)
	}
	after := e.placeAfter(tmpl.Line, e.sectionStart(tmpl.Line), opts.InsideCondition)
	comments, err := commentLines(opts.ApplyComment)
	if err != nil {
		return nil, err
	}
	var repl []string
	start := e.commentBlockStart(tmpl.Line)
	if len(comments) > 0 && start > 1 && start < tmpl.Line && isBlank(e.text(start-1)) {
		repl = append(repl, "")
	}
	repl = append(repl, comments...)
	repl = append(repl, line)
	return []applyChoice{{[]edit{{from: after + 1, to: after, repl: repl}}, true}}, nil
}
