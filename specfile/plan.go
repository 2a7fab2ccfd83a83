package specfile

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

var (
	// a command that applies a patch read from a file or stdin
	rePatchCmd = regexp.MustCompile(`(?:^|[;|&({]|\b(?:do|then|else|xargs|sudo)\s)\s*(?:\S*/)?(?:patch|git\s+(?:(?:-C\s+\S+|--\S+)\s+)*(?:apply|am)|quilt\s+import)(?:\s|$)`)
	reStrip    = regexp.MustCompile(`(?:^|\s)-p\s*(\d+)`)
	reFuzz     = regexp.MustCompile(`(?:--fuzz[= ]|(?:^|\s)-F\s*)(\d+)`)
	reReverse  = regexp.MustCompile(`(?:^|\s)(-R|--reverse)(\s|$)`)
	reLitPatch = regexp.MustCompile(`%\{?(?:P:|PATCH)(\d+)\}?`)
	reApplyFn  = regexp.MustCompile(`^\s*(ApplyPatch|ApplyOptionalPatch)\s+(\S+)(.*)$`)
)

// scriptLine handles one expanded line of a script section.
func (p *parser) scriptLine(text, raw string, f *srcFile, line int, firstSub bool) error {
	sec := p.section
	refs := append([]refEvent(nil), p.refs...)
	if firstSub {
		p.refs = p.refs[:0]
	} else {
		refs = nil
	}
	trim := strings.TrimLeft(text, " \t")
	if sec == "prep" {
		atStart := strings.HasPrefix(text, "%patch")
		if p.ver >= 420 {
			atStart = strings.HasPrefix(trim, "%patch")
		}
		if atStart {
			return p.patchLine(strings.TrimRight(trim, " \t"), f, line)
		}
	}
	// undeclared %{PATCHn} left literal by the expansion
	hasLit := strings.Contains(text, "%PATCH") || strings.Contains(text, "%{PATCH") || strings.Contains(text, "%{P:")
	for _, m := range litMatches(hasLit, text) {
		n, _ := strconv.Atoi(m[1])
		if _, ok := p.patchByNum[n]; !ok {
			p.spec.Undeclared = append(p.spec.Undeclared, Ref{Number: n, Section: sec, Form: "shell", File: f.name, Line: line, Text: strings.TrimSpace(text)})
		}
	}
	if strings.Contains(text, "Apply") {
		if m := reApplyFn.FindStringSubmatch(text); m != nil && !strings.HasPrefix(strings.TrimSpace(m[3]), "(") {
			return p.applyByName(m[1], m[2], m[3], text, f, line)
		}
	}
	var patchRefs []refEvent
	for _, r := range refs {
		if r.kind == "PATCH" || r.kind == "patches" {
			patchRefs = append(patchRefs, r)
		}
	}
	if len(patchRefs) == 0 {
		// a Source applied as a patch: patch -p1 < %{SOURCE14}
		var srcRefs []refEvent
		for _, r := range refs {
			if r.kind == "SOURCE" {
				srcRefs = append(srcRefs, r)
			}
		}
		if len(srcRefs) > 0 && mayApply(text) && rePatchCmd.MatchString(text) {
			p.addSourceApplies(srcRefs, text, sec, f.name, line)
			return nil
		}
	}
	rawTrim := strings.TrimLeft(raw, " \t")
	isApplyPatch := strings.HasPrefix(rawTrim, "%apply_patch") || strings.HasPrefix(rawTrim, "%{apply_patch") ||
		strings.HasPrefix(rawTrim, "%__apply_patch") || strings.HasPrefix(rawTrim, "%{__apply_patch")
	hasCmd := (len(patchRefs) > 0 || len(p.pending) > 0) && mayApply(text) && rePatchCmd.MatchString(text)
	switch {
	case len(patchRefs) > 0 && isApplyPatch:
		p.addShellApplies(patchRefs, "%apply_patch", text, sec, f.name, line, 1)
	case len(patchRefs) > 0 && hasCmd:
		p.addShellApplies(patchRefs, "shell", text, sec, f.name, line, 0)
	case len(patchRefs) > 0:
		p.pending = append(p.pending, pendingRef{refs: patchRefs, file: f.name, line: line, text: text, section: sec, ttl: 3})
	case hasCmd && len(p.pending) > 0:
		for _, pr := range p.pending {
			if pr.section == sec {
				p.addShellApplies(pr.refs, "shell", text, sec, pr.file, pr.line, 0)
			}
		}
		p.pending = nil
	default:
		if strings.TrimSpace(text) != "" {
			keep := p.pending[:0]
			for _, pr := range p.pending {
				pr.ttl--
				if pr.ttl > 0 && pr.section == sec {
					keep = append(keep, pr)
				}
			}
			p.pending = keep
		}
	}
	return nil
}

func (p *parser) flushPending() { p.pending = nil }

// addShellApplies records patches referenced by path in a shell command.
func (p *parser) addShellApplies(refs []refEvent, form, text, sec, file string, line int, defStrip int) {
	strip := defStrip
	if m := reStrip.FindStringSubmatch(text); m != nil {
		strip, _ = strconv.Atoi(m[1])
	}
	fuzz := -1
	if m := reFuzz.FindStringSubmatch(text); m != nil {
		fuzz, _ = strconv.Atoi(m[1])
	}
	rev := reReverse.MatchString(text)
	for _, r := range refs {
		idx, ok := p.patchByNum[r.num]
		if !ok {
			continue
		}
		d := p.spec.Patches[idx]
		p.spec.Plan = append(p.spec.Plan, Apply{Number: d.Number, File: d.File, Strip: strip, Reverse: rev, Fuzz: fuzz,
			Section: sec, Form: form, ApplyFile: file, Line: line, Text: strings.TrimSpace(text)})
	}
}

// addSourceApplies records sources applied as patches by a shell command.
func (p *parser) addSourceApplies(refs []refEvent, text, sec, file string, line int) {
	strip := 0
	if m := reStrip.FindStringSubmatch(text); m != nil {
		strip, _ = strconv.Atoi(m[1])
	}
	for _, r := range refs {
		idx, ok := p.srcByNum[r.num]
		if !ok {
			continue
		}
		d := p.spec.Sources[idx]
		p.spec.Plan = append(p.spec.Plan, Apply{Number: d.Number, File: d.File, Strip: strip, Reverse: reReverse.MatchString(text), Fuzz: -1,
			Section: sec, Form: "shell", ApplyFile: file, Line: line, Text: strings.TrimSpace(text), FromSource: true})
	}
}

// applyByName handles the kernel's ApplyPatch/ApplyOptionalPatch NAME.
func (p *parser) applyByName(fn, name, rest, text string, f *srcFile, line int) error {
	name = strings.Trim(name, `"'`)
	if strings.ContainsAny(name, "$`") {
		return nil // a shell variable: the function's own body, not a use
	}
	base := name
	if i := strings.LastIndexByte(base, '/'); i >= 0 {
		base = base[i+1:]
	}
	a := Apply{Number: NoNumber, File: base, Strip: 1, Fuzz: -1, Section: p.section, Form: fn, ApplyFile: f.name, Line: line, Text: strings.TrimSpace(text)}
	if m := reStrip.FindStringSubmatch(rest); m != nil {
		a.Strip, _ = strconv.Atoi(m[1])
	}
	a.Reverse = reReverse.MatchString(rest)
	for _, d := range p.spec.Patches {
		if d.File == base {
			a.Number = d.Number
			p.spec.Plan = append(p.spec.Plan, a)
			return nil
		}
	}
	p.spec.Undeclared = append(p.spec.Undeclared, Ref{Number: NoNumber, Name: name, Section: p.section, Form: fn, File: f.name, Line: line, Text: strings.TrimSpace(text)})
	return nil
}

// autopatch receives a %autopatch call (directly or from %autosetup).
func (p *parser) autopatch(ap autopatchArgs) {
	form := "%autopatch"
	for _, n := range p.e.inCall {
		if n == "autosetup" {
			form = "%autosetup"
		}
	}
	scm := p.e.expandThis("%{?__scm}")
	nums := ap.nums
	if len(nums) == 0 && len(ap.bad) == 0 {
		for _, d := range p.spec.Patches {
			if d.Number == NoNumber {
				continue
			}
			if (!ap.hasLo || d.Number >= ap.lo) && (!ap.hasHi || d.Number <= ap.hi) {
				nums = append(nums, d.Number)
			}
		}
	}
	for _, b := range ap.bad {
		p.warn("%autopatch: no such patch " + b)
	}
	for _, n := range nums {
		if p.checkEntries() != nil {
			return // one line applying every patch many times over: the line's check reports it
		}
		idx, ok := p.patchByNum[n]
		if !ok {
			p.spec.Undeclared = append(p.spec.Undeclared, Ref{Number: n, Section: p.section, Form: form, File: p.curFile, Line: p.curLine, Text: strings.TrimSpace(p.curText)})
			continue
		}
		d := p.spec.Patches[idx]
		p.spec.Plan = append(p.spec.Plan, Apply{Number: n, File: d.File, Strip: ap.strip, Fuzz: -1, Section: p.section,
			Form: form, SCM: scm, ApplyFile: p.curFile, Line: p.curLine, Text: strings.TrimSpace(p.curText)})
	}
}

// splitArgs splits a command line like popt's poptParseArgvString
// (blanks separate; quotes group; backslash escapes).
func splitArgs(s string) []string {
	var out []string
	var cur strings.Builder
	in := false
	var q byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case q != 0:
			if c == q {
				q = 0
			} else if c == '\\' && q == '"' && i+1 < len(s) {
				i++
				cur.WriteByte(s[i])
			} else {
				cur.WriteByte(c)
			}
		case c == '"' || c == '\'':
			q, in = c, true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			in = true
		case isSpace(c):
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}

// patchLine handles a %patch line in %prep according to the target's rpm
// version (DESIGN §2 table).
func (p *parser) patchLine(text string, f *srcFile, line int) error {
	fail := func(format string, args ...any) error {
		return p.errAt(f.name, line, fmt.Errorf("%w: "+format, append([]any{ErrPatch}, args...)...))
	}
	rest := text[len("%patch"):]
	numbered := rest != "" && !isSpace(rest[0])
	var argv []string
	if numbered {
		// %patchN → %patch -P N
		if p.ver >= 420 {
			return fail("%%patchN is not supported by rpm %d.%d, use %%patch -P N: %s", p.ver/100, p.ver%100, text)
		}
		if p.ver == 419 {
			p.warn("%patchN is deprecated: " + text)
		}
		argv = append([]string{"-P"}, splitArgs(rest)...)
	} else {
		argv = splitArgs(rest)
	}
	var nums []string
	strip, fuzz := 0, -1
	rev := false
	var extra []string
	var pos []string
	for i := 0; i < len(argv); i++ {
		a := argv[i]
		if a == "--" {
			pos = append(pos, argv[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		if strings.HasPrefix(a, "--") {
			return fail("unknown option %s: %s", a, text)
		}
		for k := 1; k < len(a); k++ {
			c := a[k]
			switch c {
			case 'R':
				rev = true
				continue
			case 'E', 'Z':
				extra = append(extra, "-"+string(c))
				continue
			case 'P', 'p', 'b', 'z', 'F', 'd', 'o':
			default:
				return fail("unknown option -%c: %s", c, text)
			}
			val := a[k+1:]
			if val == "" {
				if i+1 >= len(argv) {
					return fail("option -%c needs an argument: %s", c, text)
				}
				i++
				val = argv[i]
			}
			switch c {
			case 'P':
				nums = append(nums, val)
			case 'p':
				n, err := strconv.Atoi(val)
				if err != nil {
					return fail("bad -p value %q: %s", val, text)
				}
				strip = n
			case 'F':
				n, err := strconv.Atoi(val)
				if err != nil {
					return fail("bad -F value %q: %s", val, text)
				}
				fuzz = n
			default:
				extra = append(extra, "-"+string(c), val)
			}
			break
		}
	}
	// rule by version for positional numbers and bare %patch
	var list []int
	addNum := func(s string) error {
		n, err := parseUnsigned(s)
		if err != nil {
			return fail("invalid patch number %s: %s", s, text)
		}
		list = append(list, n)
		return nil
	}
	switch {
	case p.ver <= 414:
		if !numbered && !strings.Contains(text[6:], " -P") {
			list = append(list, NoNumber)
		}
	case p.ver < 418:
		// rpm 4.15-4.17: without " -P" in the line, patch 0 comes first
		if !numbered && !strings.Contains(text[6:], " -P") {
			list = append(list, 0)
		}
	}
	for _, s := range nums {
		if err := addNum(s); err != nil {
			return err
		}
	}
	for _, s := range pos {
		if err := addNum(s); err != nil {
			return err
		}
	}
	if len(list) == 0 {
		if p.ver >= 419 {
			return fail("patch number not specified: %s", text)
		}
		p.warn("patch number not specified: " + text)
		list = append(list, 0)
	}
	for _, n := range list {
		idx, ok := p.patchByNum[n]
		if !ok {
			p.spec.Undeclared = append(p.spec.Undeclared, Ref{Number: n, Section: "prep", Form: "%patch", File: f.name, Line: line, Text: text})
			continue
		}
		d := p.spec.Patches[idx]
		p.spec.Plan = append(p.spec.Plan, Apply{Number: n, File: d.File, Strip: strip, Reverse: rev, Fuzz: fuzz,
			Options: extra, Section: "prep", Form: "%patch", ApplyFile: f.name, Line: line, Text: text})
	}
	return nil
}

func litMatches(has bool, text string) [][]string {
	if !has {
		return nil
	}
	return reLitPatch.FindAllStringSubmatch(text, -1)
}

// mayApply is a cheap test before rePatchCmd.
func mayApply(text string) bool {
	return strings.Contains(text, "patch") || strings.Contains(text, "git") || strings.Contains(text, "quilt")
}
