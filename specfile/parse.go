package specfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"sync"

	"github.com/patchtrace/patchtrace/input"
)

const (
	defaultMaxDepth   = 64
	maxIncludeDepth   = 16
	maxLogicalLineLen = 16 << 20
)

// Parse reads the spec called name (used in errors and positions; "spec"
// when empty) from r for opts.Target, the way rpm would, without running
// any code from it. Errors are *input.Error values that name file and line.
func Parse(name string, r io.Reader, opts Options) (*Spec, error) {
	limit := opts.maxSize()
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, &input.Error{Pos: input.Position{File: name}, Err: err}
	}
	if int64(len(data)) > limit {
		return nil, &input.Error{Pos: input.Position{File: name}, Err: fmt.Errorf("%w: the spec is larger than %d bytes", input.ErrTooLarge, limit)}
	}
	return ParseBytes(name, data, opts)
}

// ParseBytes is Parse on a byte slice (which the Spec keeps as its Bytes).
func ParseBytes(name string, data []byte, opts Options) (*Spec, error) {
	if limit := opts.maxSize(); int64(len(data)) > limit {
		return nil, &input.Error{Pos: input.Position{File: name}, Err: fmt.Errorf("%w: the spec is larger than %d bytes", input.ErrTooLarge, limit)}
	}
	p := newParser(name, data, opts)
	if err := p.run(); err != nil {
		return p.spec, err
	}
	return p.spec, nil
}

// srcFile is one file on the reader's stack (the spec or an %include).
type srcFile struct {
	name string
	data string
	pos  int
	line int // last physical line read
}

// condFrame is one open conditional.
type condFrame struct {
	reading, readable bool
	kind              string // "if", "ifarch", ...
	directive         string // line as written
	line              int
	branch            string
	branchLine        int
	endLine           int
	elseSeen          bool
}

type condSnap struct {
	f          *condFrame
	branch     string
	branchLine int
}

type parser struct {
	opts     Options
	spec     *Spec
	e        *engine
	files    []*srcFile
	mainFile *srcFile
	sdEntry  *macroEntry
	sdValue  string
	stack    []*condFrame
	ver      int

	section    string // current section name; "preamble" at start
	secPkg     string // package of the current section
	curPkg     string // package whose preamble is read
	mainName   string
	pkgNames   map[string]bool
	listLines  []lineInfo // %patchlist/%sourcelist lines pending
	listKind   string
	autonumP   int
	autonumS   int
	patchByNum map[int]int // number → index in spec.Patches
	srcByNum   map[int]int
	patchConds [][]condSnap
	tagConds   [][]condSnap
	srcConds   [][]condSnap

	// current logical line (for callbacks)
	curFile  string
	curLine  int
	curText  string
	curOff   int // byte offset of the current logical line in its file
	refs     []refEvent
	pending  []pendingRef
	prepSeen bool
}

type lineInfo struct {
	off  int
	text string
	file string
	line int
	raw  string
	cs   []condSnap
}

type refEvent struct {
	kind string
	num  int
}

type pendingRef struct {
	refs    []refEvent
	file    string
	line    int
	text    string
	section string
	ttl     int
}

func newParser(name string, data []byte, opts Options) *parser {
	if name == "" {
		name = "spec"
	}
	t := opts.Target
	ver := rpmVersionNumber(t.RPMVersion)
	// Preamble tags are an eighth to a half of a spec's lines (texlive's
	// sub-package blocks are the dense end): sizing for the sparse end up
	// front saves most of the copies (and the garbage) of growing without
	// zeroing memory that a changelog-heavy spec never uses.
	tagGuess := bytes.Count(data, []byte{'\n'})/8 + 16
	p := &parser{
		opts:       opts,
		ver:        ver,
		spec:       &Spec{File: name, Target: t, raw: data, Tags: make([]Tag, 0, tagGuess)},
		tagConds:   make([][]condSnap, 0, tagGuess),
		section:    "preamble",
		autonumP:   -1,
		autonumS:   -1,
		patchByNum: map[int]int{},
		srcByNum:   map[int]int{},
		pkgNames:   map[string]bool{},
	}
	maxDepth := opts.MaxDepth
	if maxDepth <= 0 {
		maxDepth = defaultMaxDepth
	}
	budget := opts.MaxExpansion
	if budget <= 0 {
		budget = 64<<20 + 64*len(data)
	}
	e := &engine{tab: &macroTable{m: make(map[string]*macroEntry, 32), base: baseTable(ver)}, maxDepth: maxDepth, budget: budget, rpmver: ver}
	p.e = e
	p.spec.macros = e.tab
	p.spec.eng = e
	seen := map[Unresolved]bool{}
	e.onUnresolved = func(kind, text string) {
		u := Unresolved{File: p.curFile, Line: p.curLine, Kind: kind, Text: text}
		if !seen[u] {
			seen[u] = true
			p.spec.Unresolved = append(p.spec.Unresolved, u)
		}
	}
	e.onWarning = func(msg string) { p.warn(msg) }
	e.onRef = func(kind string, num int) { p.refs = append(p.refs, refEvent{kind, num}) }
	e.onAutopatch = p.autopatch
	e.patchList = func() []declRef { return p.declRefs(p.spec.Patches) }
	e.sourceList = func() []declRef { return p.declRefs(p.spec.Sources) }
	for _, d := range t.Macros {
		if nativeMacros[d.Name] {
			continue
		}
		if old := e.tab.get(d.Name); old != nil && old.flags&mFunc != 0 {
			continue
		}
		e.define(d.Name, d.Opts, d.Parametric, d.Body, levelMacroFiles, 0)
	}
	arch, osName := t.Arch, t.OS
	if arch == "" {
		arch = "x86_64"
	}
	if osName == "" {
		osName = "linux"
	}
	// the base table already holds x86_64/linux; macro files may differ
	if arch != "x86_64" || len(t.Macros) > 0 {
		for _, n := range archMacros {
			e.define(n, "", false, arch, levelCmdline, 0)
		}
	}
	if osName != "linux" || len(t.Macros) > 0 {
		for _, n := range osMacros {
			e.define(n, "", false, osName, levelCmdline, 0)
		}
	}
	for _, w := range t.With {
		e.define("_with_"+w, "", false, "--with-"+w, levelCmdline, 0)
	}
	for _, w := range t.Without {
		e.define("_without_"+w, "", false, "--without-"+w, levelCmdline, 0)
	}
	for _, name := range sortedKeys(t.Defines) {
		e.doDefine(name+" "+t.Defines[name], levelCmdline, false, true)
	}
	p.spec.Packages = []Package{{}}
	return p
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// deterministic order
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

var (
	archMacros = []string{"_target_cpu", "_target_arch", "_arch", "_build_cpu", "_build_arch", "_host_cpu"}
	osMacros   = []string{"_target_os", "_os", "_build_os", "_host_os"}
	baseOnce   [3]sync.Once
	baseTables [3]map[string]*macroEntry
)

// baseTable returns the built-in and default macros for an rpm version,
// built once. Entries are never modified after this, so parses share them
// (a parse clones the map and pushes its own definitions on top).
func baseTable(ver int) map[string]*macroEntry {
	// one table per set of built-ins: before 4.18, 4.18 (%shescape),
	// 4.19 and later (the string built-ins)
	k := 0
	switch {
	case ver >= 419:
		k, ver = 2, 419
	case ver >= 418:
		k, ver = 1, 418
	default:
		ver = 416
	}
	baseOnce[k].Do(func() {
		e := &engine{tab: newMacroTable(), rpmver: ver}
		e.installBuiltins()
		defs, _ := ParseMacroFile("<defaults>", []byte(defaultMacros))
		for _, d := range defs {
			e.define(d.Name, d.Opts, d.Parametric, d.Body, levelMacroFiles, 0)
		}
		for _, n := range archMacros {
			e.define(n, "", false, "x86_64", levelCmdline, 0)
		}
		for _, n := range osMacros {
			e.define(n, "", false, "linux", levelCmdline, 0)
		}
		baseTables[k] = e.tab.m
	})
	return baseTables[k]
}

// rpmVersionNumber maps "4.18" to 418 (default 418; later 4.x than 4.20 →
// 420; rpm 6.x → 600+x, which reads specs as 4.20 does — measured against
// rpm 6.1 — but reports its own %{rpmversion}).
func rpmVersionNumber(v string) int {
	if v == "" {
		return 418
	}
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return 418
	}
	a, err1 := strconv.Atoi(parts[0])
	b, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return 418
	}
	n := a*100 + b
	switch {
	case n <= 414:
		return 414
	case n < 416:
		return 415
	case n > 420 && a < 6:
		return 420
	}
	return n
}

func (p *parser) warn(msg string) {
	p.spec.Warnings = append(p.spec.Warnings, Warning{File: p.curFile, Line: p.curLine, Msg: msg})
}

func (p *parser) errAt(file string, line int, err error) error {
	return &input.Error{Pos: input.Position{File: file, Line: line}, Err: err}
}

func (p *parser) reading() bool {
	if len(p.stack) == 0 {
		return true
	}
	return p.stack[len(p.stack)-1].reading
}

var contSpecial = func() (t [256]bool) {
	for _, c := range []byte("\\\n%{}()[]") {
		t[c] = true
	}
	return
}()

// contScanner tracks, over the physical lines of a logical line, whether
// it continues on the next physical line (rpm's copyNextLineFromOFI): a
// trailing backslash, or an unclosed %{, %( or %[.
type contScanner struct{ pc, bc, xc, nc int }

// add scans one more physical line and reports whether another is needed.
func (c *contScanner) add(s string, pct bool) bool {
	if c.pc == 0 && c.bc == 0 && c.xc == 0 && !pct && strings.IndexByte(s, '\\') < 0 {
		c.nc = 0
		return false
	}
	for i := 0; i < len(s); i++ {
		for i < len(s) && !contSpecial[s[i]] {
			i++
		}
		if i >= len(s) {
			break
		}
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				if s[i+1] == '\n' {
					c.nc = 1
				}
				i++
			}
		case '\n':
			c.nc = 0
		case '%':
			if i+1 < len(s) {
				switch s[i+1] {
				case '{':
					i++
					c.bc++
				case '(':
					i++
					c.pc++
				case '[':
					i++
					c.xc++
				case '%':
					i++
				}
			}
		case '{':
			if c.bc > 0 {
				c.bc++
			}
		case '}':
			if c.bc > 0 {
				c.bc--
			}
		case '(':
			if c.pc > 0 {
				c.pc++
			}
		case ')':
			if c.pc > 0 {
				c.pc--
			}
		case '[':
			if c.xc > 0 {
				c.xc++
			}
		case ']':
			if c.xc > 0 {
				c.xc--
			}
		}
	}
	return c.pc > 0 || c.bc > 0 || c.xc > 0 || c.nc > 0
}

type lineKind int

const (
	lkNone lineKind = iota
	lkIf
	lkIfarch
	lkIfnarch
	lkIfos
	lkIfnos
	lkElif
	lkElifarch
	lkElifos
	lkElse
	lkEndif
	lkInclude
)

var lineKinds = []struct {
	text     string
	kind     lineKind
	withArgs bool
}{
	{"%endif", lkEndif, false},
	{"%else", lkElse, false},
	{"%if", lkIf, true},
	{"%ifarch", lkIfarch, true},
	{"%ifnarch", lkIfnarch, true},
	{"%ifos", lkIfos, true},
	{"%ifnos", lkIfnos, true},
	{"%include", lkInclude, true},
	{"%elifarch", lkElifarch, true},
	{"%elifos", lkElifos, true},
	{"%elif", lkElif, true},
}

// classify returns the conditional kind of a line (leading blanks skipped).
func classify(line string) (lineKind, string) {
	s := trimLeftSpace(line)
	if len(s) < 3 || s[0] != '%' || (s[1] != 'e' && s[1] != 'i') {
		return lkNone, ""
	}
	for _, k := range lineKinds {
		if !strings.HasPrefix(s, k.text) {
			continue
		}
		rest := s[len(k.text):]
		if k.withArgs {
			if rest == "" || isHSpace(rest[0]) || rest[0] == '\n' {
				return k.kind, k.text
			}
		} else if rest == "" || !isAlpha(rest[0]) {
			return k.kind, k.text
		}
	}
	return lkNone, ""
}

func (p *parser) run() error {
	main := &srcFile{name: p.spec.File, data: string(p.spec.raw)}
	p.files = []*srcFile{main}
	p.mainFile = main
	p.spec.Sections = append(p.spec.Sections, Section{Name: "preamble", File: main.name, Line: 1})
	for {
		// the file to read from: the innermost %include not yet finished
		for len(p.files) > 0 && p.files[len(p.files)-1].pos >= len(p.files[len(p.files)-1].data) {
			p.files = p.files[:len(p.files)-1]
		}
		if len(p.files) == 0 {
			break
		}
		f := p.files[len(p.files)-1]
		start, startLine := f.pos, f.line+1
		p.curOff = start
		var cont contScanner
		anyPct := false
		for f.pos < len(f.data) {
			i := strings.IndexByte(f.data[f.pos:], '\n')
			end := len(f.data)
			if i >= 0 {
				end = f.pos + i + 1
			}
			l := f.data[f.pos:end]
			f.pos = end
			f.line++
			if f.pos-start > maxLogicalLineLen {
				return p.errAt(f.name, startLine, input.ErrTooLarge)
			}
			pct := strings.IndexByte(l, '%') >= 0
			anyPct = anyPct || pct
			if !cont.add(l, pct) {
				break
			}
		}
		if err := p.logicalLine(f.data[start:f.pos], f, startLine, anyPct); err != nil {
			return err
		}
		if p.e.fatal != nil {
			return p.errAt(f.name, startLine, p.e.fatal)
		}
		if err := p.checkEntries(); err != nil {
			return p.errAt(f.name, startLine, err)
		}
	}
	if len(p.stack) > 0 {
		top := p.stack[len(p.stack)-1]
		return p.errAt(p.spec.File, top.line, fmt.Errorf("%w: unclosed %%if", ErrConditional))
	}
	p.endSection(0)
	return p.finish()
}

// entries counts what the parse has recorded so far (Options.MaxEntries).
func (p *parser) entries() int {
	s := p.spec
	return len(s.Tags) + len(s.Patches) + len(s.Sources) + len(s.Plan) + len(s.Undeclared) +
		len(s.Unresolved) + len(s.Warnings) + len(s.Sections) + p.e.tab.live
}

// checkEntries fails once the parse has recorded more than MaxEntries.
func (p *parser) checkEntries() error {
	if n, max := p.entries(), p.opts.maxEntries(); n > max {
		return fmt.Errorf("%w: more than %d entries (tags, declarations, plan steps, macros, warnings): see Options.MaxEntries", input.ErrTooLarge, max)
	}
	return nil
}

// logicalLine processes one logical line (one or more physical lines).
func (p *parser) logicalLine(raw string, f *srcFile, line int, hasPct bool) error {
	p.curFile, p.curLine = f.name, line
	if !hasPct {
		// no macro, no directive, no section header: only the section's
		// own reading of the line is left
		if !p.reading() || p.inertSection() {
			return nil
		}
		p.refs = p.refs[:0]
		return p.subLine(trimLineEnd(raw), trimRightSpace(raw), f, line, true)
	}
	kind, _ := classify(raw)
	expand := p.reading()
	if kind == lkElif || kind == lkElifarch || kind == lkElifos {
		expand = len(p.stack) > 0 && p.stack[len(p.stack)-1].readable
	}
	text := raw
	p.refs = p.refs[:0]
	if expand {
		p.curText = raw
		var err error
		text, err = p.e.expand(raw)
		if err != nil {
			return p.errAt(f.name, line, err)
		}
	}
	rawTrim := trimRightSpace(raw)
	// the expanded buffer may hold several lines
	body := strings.TrimSuffix(text, "\n")
	if strings.IndexByte(body, '\n') < 0 {
		return p.subLine(strings.TrimSuffix(body, "\r"), rawTrim, f, line, true)
	}
	subs := strings.Split(body, "\n")
	for i, sub := range subs {
		sub = strings.TrimSuffix(sub, "\r")
		if err := p.subLine(sub, rawTrim, f, line, i == 0); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) snapConds() []condSnap {
	if len(p.stack) == 0 {
		return nil
	}
	cs := make([]condSnap, len(p.stack))
	for i, fr := range p.stack {
		cs[i] = condSnap{f: fr, branch: fr.branch, branchLine: fr.branchLine}
	}
	return cs
}

// inertSection reports whether lines of the current section only matter
// through their macros and directives (text sections and scriptlets that
// cannot apply patches).
func (p *parser) inertSection() bool {
	switch p.section {
	case "preamble", "package", "patchlist", "sourcelist", "prep", "build", "install", "check", "conf", "clean", "generate_buildrequires":
		return false
	}
	return true
}

// trimLineEnd removes one trailing "\n" or "\r\n".
func trimLineEnd(s string) string {
	s = strings.TrimSuffix(s, "\n")
	return strings.TrimSuffix(s, "\r")
}

func (p *parser) subLine(text, raw string, f *srcFile, line int, firstSub bool) error {
	kind, word := classify(text)
	if kind != lkNone {
		return p.conditional(kind, word, text, raw, f, line)
	}
	if !p.reading() {
		return nil
	}
	t := trimRightSpace(text)
	if part, args, ok := isPart(t); ok {
		return p.startSection(part, args, f, line)
	}
	switch p.section {
	case "preamble", "package":
		return p.preambleLine(t, raw, f, line)
	case "patchlist", "sourcelist":
		s := strings.TrimSpace(t)
		if s != "" && !strings.HasPrefix(s, "#") {
			p.listLines = append(p.listLines, lineInfo{off: p.curOff, text: s, file: f.name, line: line, raw: raw, cs: p.snapConds()})
		}
		return nil
	case "prep", "build", "install", "check", "conf", "clean", "generate_buildrequires":
		return p.scriptLine(text, raw, f, line, firstSub)
	}
	return nil
}

func (p *parser) conditional(kind lineKind, word, text, raw string, f *srcFile, line int) error {
	top := func() *condFrame {
		if len(p.stack) == 0 {
			return nil
		}
		return p.stack[len(p.stack)-1]
	}
	rest := strings.TrimSpace(trimLeftSpace(text)[len(word):])
	switch kind {
	case lkInclude:
		if !p.reading() {
			return nil
		}
		return p.include(rest, f, line)
	case lkEndif:
		t := top()
		if t == nil {
			return p.errAt(f.name, line, fmt.Errorf("%w: %%endif with no %%if", ErrConditional))
		}
		t.endLine = line
		p.stack = p.stack[:len(p.stack)-1]
		return nil
	case lkElse:
		t := top()
		if t == nil || t.elseSeen {
			return p.errAt(f.name, line, fmt.Errorf("%w: %%else with no %%if", ErrConditional))
		}
		parent := len(p.stack) < 2 || p.stack[len(p.stack)-2].reading
		t.reading = parent && t.readable
		t.elseSeen = true
		t.branch, t.branchLine = raw, line
		return nil
	}
	isElif := kind == lkElif || kind == lkElifarch || kind == lkElifos
	var check bool
	if isElif {
		t := top()
		if t == nil || t.elseSeen {
			return p.errAt(f.name, line, fmt.Errorf("%w: %s with no %%if", ErrConditional, word))
		}
		check = t.readable
	} else {
		check = p.reading()
	}
	match := false
	if check {
		switch kind {
		case lkIf, lkElif:
			ok, err := EvalCondition(rest)
			if err != nil {
				if len(p.spec.Unresolved) == 0 {
					return p.errAt(f.name, line, fmt.Errorf("%w: %s condition: %v", ErrConditional, word, err))
				}
				// The condition likely depends on an expansion we refused
				// to run: read it as false and say so.
				p.warn(fmt.Sprintf("%s condition unreadable after an opaque expansion, taken as false: %v", word, err))
				p.spec.Unresolved = append(p.spec.Unresolved, Unresolved{File: f.name, Line: line, Kind: "condition", Text: shorten(strings.TrimSpace(raw), 200)})
				ok = false
			}
			match = ok
		case lkIfarch, lkIfnarch, lkElifarch:
			if rest == "" {
				return p.errAt(f.name, line, fmt.Errorf("%w: argument expected for %s", ErrConditional, word))
			}
			match = matchTok(p.e.expandThis("%{_target_cpu}"), rest)
			if kind == lkIfnarch {
				match = !match
			}
		case lkIfos, lkIfnos, lkElifos:
			if rest == "" {
				return p.errAt(f.name, line, fmt.Errorf("%w: argument expected for %s", ErrConditional, word))
			}
			match = matchTok(p.e.expandThis("%{_target_os}"), rest)
			if kind == lkIfnos {
				match = !match
			}
		}
	}
	if isElif {
		t := top()
		t.reading = t.readable && match
		if t.reading {
			t.readable = false
		}
		t.branch, t.branchLine = raw, line
		return nil
	}
	parent := p.reading()
	fr := &condFrame{reading: parent && match, kind: word, directive: raw, line: line}
	fr.readable = !fr.reading && parent
	if len(p.stack) > 10000 {
		return p.errAt(f.name, line, fmt.Errorf("%w: nesting too deep", ErrConditional))
	}
	p.stack = append(p.stack, fr)
	return nil
}

// matchTok reports whether token is one of the blank-separated words of
// line, case-insensitively (rpm's matchTok).
func matchTok(token, line string) bool {
	for _, w := range strings.Fields(line) {
		if strings.EqualFold(w, token) {
			return true
		}
	}
	return false
}

func (p *parser) include(name string, f *srcFile, line int) error {
	if name == "" {
		return p.errAt(f.name, line, fmt.Errorf("%w: malformed %%include statement", ErrInclude))
	}
	if p.opts.FS == nil {
		return p.errAt(f.name, line, fmt.Errorf("%w %s: no file system given", ErrInclude, name))
	}
	if len(p.files) > maxIncludeDepth {
		return p.errAt(f.name, line, fmt.Errorf("%w %s: %%include nested too deep", ErrInclude, name))
	}
	rel := name
	if sd := p.e.expandThis("%{_sourcedir}"); sd != "" && strings.HasPrefix(rel, sd+"/") {
		rel = rel[len(sd)+1:]
	}
	rel = path.Clean(rel)
	if !fs.ValidPath(rel) {
		return p.errAt(f.name, line, fmt.Errorf("%w %s: not a path inside the given file system", ErrInclude, name))
	}
	// Only a regular file, refused before reading when over the cap (a
	// FIFO is never opened when the FS can stat, as input.Root does).
	data, err := input.ReadFile(p.opts.FS, rel, p.opts.maxSize())
	if err != nil {
		return p.errAt(f.name, line, fmt.Errorf("%w %s: %w", ErrInclude, name, err))
	}
	p.files = append(p.files, &srcFile{name: rel, data: string(data)})
	return nil
}

var partList = []string{
	"package", "prep", "generate_buildrequires", "conf", "build", "install", "check", "clean",
	"preun", "postun", "pretrans", "posttrans", "pre", "post", "files", "changelog", "description",
	"triggerpostun", "triggerprein", "triggerun", "triggerin", "trigger", "verifyscript", "sepolicy",
	"filetriggerin", "filetrigger", "filetriggerun", "filetriggerpostun", "transfiletriggerin",
	"transfiletrigger", "transfiletriggerun", "transfiletriggerpostun", "end", "patchlist", "sourcelist",
}

// isPart recognises a section header (rpm's isPart: case-insensitive
// keyword followed by the end of the line or a space).
func isPart(line string) (string, string, bool) {
	if len(line) < 2 || line[0] != '%' {
		return "", "", false
	}
	n := 1
	for n < len(line) && !isSpace(line[n]) {
		n++
	}
	word := line[1:n]
	if len(word) > 25 {
		return "", "", false
	}
	var buf [25]byte
	for i := 0; i < len(word); i++ {
		c := word[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	if name, ok := partSet[string(buf[:len(word)])]; ok {
		return name, strings.TrimSpace(line[n:]), true
	}
	return "", "", false
}

var partSet = func() map[string]string {
	m := make(map[string]string, len(partList))
	for _, n := range partList {
		m[n] = n
	}
	return m
}()

func (p *parser) endSection(int) {
	secs := p.spec.Sections
	if len(secs) == 0 {
		return
	}
	if last := &secs[len(secs)-1]; last.EndLine == 0 {
		d := p.mainFile.data
		n := strings.Count(d, "\n")
		if d != "" && d[len(d)-1] != '\n' {
			n++
		}
		last.EndLine = n
	}
}

// subPackageName returns the name a %package/%description/%files header
// names ("" for the main package).
func (p *parser) subPackageName(args string) (string, bool) {
	words := strings.Fields(args)
	name, explicit := "", false
	for i := 0; i < len(words); i++ {
		w := words[i]
		if w == "-n" && i+1 < len(words) {
			name, explicit = words[i+1], true
			i++
			continue
		}
		if strings.HasPrefix(w, "-") {
			if (w == "-f" || w == "-l" || w == "-p" || w == "-P" || w == "-q") && i+1 < len(words) {
				i++
			}
			continue
		}
		if name == "" {
			name = w
		}
	}
	if name == "" {
		return "", false
	}
	if explicit {
		return name, true
	}
	return p.mainName + "-" + name, true
}

func (p *parser) startSection(part, args string, f *srcFile, line int) error {
	if err := p.flushList(); err != nil {
		return err
	}
	p.flushPending()
	secs := p.spec.Sections
	if len(secs) > 0 && secs[len(secs)-1].EndLine == 0 && f == p.mainFile {
		secs[len(secs)-1].EndLine = line - 1
	}
	pkg := ""
	switch part {
	case "package", "description", "files", "pre", "post", "preun", "postun", "pretrans", "posttrans",
		"verifyscript", "triggerin", "triggerun", "triggerpostun", "triggerprein", "trigger":
		if n, ok := p.subPackageName(args); ok {
			pkg = n
		}
	}
	if part == "package" {
		if pkg == "" {
			return p.errAt(f.name, line, errors.New("bad package specification: "+args))
		}
		if p.pkgNames[pkg] {
			return p.errAt(f.name, line, fmt.Errorf("package already exists: %s", pkg))
		}
		p.pkgNames[pkg] = true
		p.spec.Packages = append(p.spec.Packages, Package{Name: pkg, Line: line})
		p.curPkg = pkg
	}
	if part == "prep" {
		p.prepSeen = true
	}
	p.section = part
	p.secPkg = pkg
	p.spec.Sections = append(p.spec.Sections, Section{Name: part, Args: args, Package: pkg, File: f.name, Line: line})
	if part == "patchlist" || part == "sourcelist" {
		p.listKind = part
	}
	return nil
}

// tagDef describes a preamble tag (rpm's preambleList).
type tagDef struct {
	name  string // canonical
	typ   int    // 0 plain, 1 optional (lang), 2 optional (qualifier)
	macro bool
}

var tagDefs = []tagDef{
	{"Name", 0, true}, {"Version", 0, true}, {"Release", 0, true}, {"Epoch", 0, true},
	{"Summary", 1, true}, {"License", 0, true}, {"SourceLicense", 0, true}, {"Distribution", 0, true},
	{"DistURL", 0, true}, {"Vendor", 0, true}, {"Group", 1, true}, {"Packager", 0, true},
	{"URL", 0, true}, {"VCS", 0, true}, {"Source", 0, false}, {"Patch", 0, false},
	{"NoSource", 0, false}, {"NoPatch", 0, false}, {"ExcludeArch", 0, false}, {"ExclusiveArch", 0, false},
	{"ExcludeOS", 0, false}, {"ExclusiveOS", 0, false}, {"Icon", 0, false}, {"Provides", 0, false},
	{"Requires", 2, false}, {"Recommends", 0, false}, {"Suggests", 0, false}, {"Supplements", 0, false},
	{"Enhances", 0, false}, {"PreReq", 2, false}, {"Conflicts", 0, false}, {"Obsoletes", 0, false},
	{"Prefixes", 0, true}, {"Prefix", 0, true}, {"BuildRoot", 0, false}, {"BuildArchitectures", 0, false},
	{"BuildArch", 0, false}, {"BuildConflicts", 0, false}, {"BuildPreReq", 0, false},
	{"BuildRequires", 0, false}, {"AutoReqProv", 0, false}, {"AutoReq", 0, false}, {"AutoProv", 0, false},
	{"DocDir", 0, false}, {"DistTag", 0, true}, {"BugURL", 0, true}, {"TranslationURL", 0, true},
	{"UpstreamReleases", 0, true}, {"OrderWithRequires", 2, false}, {"RemovePathPostfixes", 0, true},
	{"ModularityLabel", 0, true},
}

// tagIndex maps a lower-case tag name to its index in tagDefs.
var tagIndex = func() map[string]int {
	m := make(map[string]int, len(tagDefs))
	for i, d := range tagDefs {
		m[strings.ToLower(d.name)] = i
	}
	return m
}()

// findTag matches a preamble line to a tag (rpm's findPreambleTag). It
// returns the tag, the written name, the qualifier and the value.
func findTag(line string) (td tagDef, written, qual, num string, value string, ok bool) {
	k := 0
	for k < len(line) && isAlpha(line[k]) && k < 24 {
		k++
	}
	var buf [24]byte
	for i := 0; i < k; i++ {
		c := line[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	idx, found := tagIndex[string(buf[:k])]
	if !found {
		return td, "", "", "", "", false
	}
	for _, d := range tagDefs[idx : idx+1] {
		n := len(d.name)
		s := strings.TrimLeft(line[n:], " \t")
		if d.name == "Source" || d.name == "Patch" {
			k := 0
			for k < len(line[n:]) && line[n+k] != ':' && line[n+k] != ' ' && line[n+k] != '\t' {
				k++
			}
			num = line[n : n+k]
			i := strings.IndexByte(line, ':')
			if i < 0 {
				return td, "", "", "", "", false
			}
			return d, strings.TrimSpace(line[:i]), "", num, strings.TrimSpace(line[i+1:]), true
		}
		switch d.typ {
		case 0:
			if !strings.HasPrefix(s, ":") {
				continue
			}
		default:
			if strings.HasPrefix(s, "(") {
				j := strings.IndexByte(s, ')')
				if j < 0 {
					continue
				}
				qual = strings.TrimSpace(s[1:j])
				s = strings.TrimLeft(s[j+1:], " \t")
			}
			if !strings.HasPrefix(s, ":") {
				continue
			}
		}
		i := strings.IndexByte(line, ':')
		return d, strings.TrimSpace(line[:n]), qual, "", strings.TrimSpace(line[i+1:]), true
	}
	return td, "", "", "", "", false
}

func (p *parser) preambleLine(t, raw string, f *srcFile, line int) error {
	s := trimLeftSpace(t)
	if s == "" || s[0] == '#' {
		return nil
	}
	td, written, qual, num, value, ok := findTag(s)
	if !ok {
		p.warn("unknown tag: " + shorten(s, 80))
		return nil
	}
	tag := Tag{Name: td.name, Written: written, Number: NoNumber, Qualifier: qual, Value: value,
		Raw: raw, File: f.name, Line: line, Package: p.curPkg}
	cs := p.snapConds()
	switch td.name {
	case "Source", "Patch":
		if strings.TrimSpace(num) != "" {
			n, err := parseUnsigned(strings.TrimSpace(num))
			if err != nil {
				return p.errAt(f.name, line, fmt.Errorf("bad %s number: %s", strings.ToLower(td.name), s))
			}
			tag.Number = n
		}
		if value == "" {
			// rpm stops here; usually a macro package we lack
			p.warn("empty tag: " + shorten(s, 80))
			return nil
		}
		p.spec.Tags = append(p.spec.Tags, tag)
		p.tagConds = append(p.tagConds, cs)
		return p.addSource(td.name == "Patch", tag.Number, strings.TrimSpace(num) == "", value, false, f.name, line, cs)
	}
	if value == "" {
		p.warn("empty tag: " + shorten(s, 80))
		return nil
	}
	p.spec.Tags = append(p.spec.Tags, tag)
	p.tagConds = append(p.tagConds, cs)
	main := p.curPkg == ""
	switch td.name {
	case "Name":
		if main {
			p.spec.Name = value
			p.mainName = value
			p.spec.Packages[0].Name = value
		}
	case "Version":
		if main {
			p.spec.Version = value
		}
	case "Release":
		if main {
			p.spec.Release = value
		}
	case "Epoch":
		if _, err := parseUnsigned(value); err != nil {
			return p.errAt(f.name, line, fmt.Errorf("epoch field must be an unsigned number: %s", value))
		}
		if main {
			p.spec.Epoch = value
		}
	}
	if td.macro {
		lower := strings.ToLower(td.name)
		p.e.define(lower, "", false, value, levelSpec, 0)
		if main {
			p.e.define(strings.ToUpper(td.name), "", false, value, levelSpec, 0)
		}
	}
	return nil
}

func parseUnsigned(s string) (int, error) {
	if s == "" {
		return 0, errors.New("empty")
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, errors.New("not a number")
		}
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, err
	}
	return int(n), nil
}

// sourceBase is rpm's file name of a source: after the last '/', and
// after a '=' that follows it.
func sourceBase(v string) string {
	i := strings.LastIndexByte(v, '/')
	if i < 0 {
		return v
	}
	b := v[i:]
	if j := strings.LastIndexByte(b, '='); j >= 0 {
		return b[j+1:]
	}
	return b[1:]
}

func (p *parser) addSource(isPatch bool, num int, nonum bool, value string, fromList bool, file string, line int, cs []condSnap) error {
	auto := &p.autonumS
	byNum := p.srcByNum
	kind := "Source"
	if isPatch {
		auto = &p.autonumP
		byNum = p.patchByNum
		kind = "Patch"
	}
	if p.ver <= 414 {
		if nonum {
			if isPatch {
				num = NoNumber
			} else {
				num = 0
			}
		}
	} else if nonum {
		*auto++
		num = *auto
	} else if num > *auto {
		*auto = num
	}
	if _, dup := byNum[num]; dup {
		what := strconv.Itoa(num)
		if num == NoNumber {
			what = "(numberless)"
		}
		return p.errAt(file, line, fmt.Errorf("%w: %s %s defined multiple times", ErrDuplicatePatch, strings.ToLower(kind), what))
	}
	d := PatchDecl{Number: num, File: sourceBase(value), Value: value, FromList: fromList, DeclFile: file, Line: line, Package: p.curPkg}
	if p.mainFile != nil && file == p.mainFile.name {
		d.Comment, d.CommentLine = commentBefore(p.mainFile.data, p.curOff, line)
	}
	full := p.sourceDir() + "/" + d.File
	if isPatch {
		byNum[num] = len(p.spec.Patches)
		p.spec.Patches = append(p.spec.Patches, d)
		p.patchConds = append(p.patchConds, cs)
	} else {
		byNum[num] = len(p.spec.Sources)
		p.spec.Sources = append(p.spec.Sources, d)
		p.srcConds = append(p.srcConds, cs)
	}
	up := strings.ToUpper(kind)
	if num != NoNumber {
		p.e.tab.push(&macroEntry{name: up + strconv.Itoa(num), body: full, level: levelSpec, flags: refFlag(isPatch), nargs: num})
		p.e.define(up+"URL"+strconv.Itoa(num), "", false, value, levelSpec, 0)
	} else if p.ver <= 414 {
		p.e.tab.push(&macroEntry{name: up, body: full, level: levelSpec, flags: refFlag(isPatch), nargs: NoNumber})
	}
	return nil
}

func refFlag(isPatch bool) mflags {
	if isPatch {
		return mRefPatch
	}
	return mRefSource
}

// commentBefore returns the block of '#' lines that ends right before the
// line starting at byte off (line number line) of data.
func commentBefore(data string, off, line int) (string, int) {
	var rev []string
	end := off
	for end > 0 {
		// the previous physical line is data[st:end-1] (end-1 is its '\n')
		st := strings.LastIndexByte(data[:end-1], '\n') + 1
		l := strings.TrimSpace(data[st : end-1])
		if !strings.HasPrefix(l, "#") {
			break
		}
		l = strings.TrimPrefix(strings.TrimPrefix(l, "#"), " ")
		rev = append(rev, l)
		end = st
	}
	if len(rev) == 0 {
		return "", 0
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return strings.Join(rev, "\n"), line - len(rev)
}

func (p *parser) flushList() error {
	if p.listKind == "" {
		return nil
	}
	isPatch := p.listKind == "patchlist"
	lines := p.listLines
	p.listLines, p.listKind = nil, ""
	for _, l := range lines {
		p.curOff = l.off
		if err := p.addSource(isPatch, 0, true, l.text, true, l.file, l.line, l.cs); err != nil {
			return err
		}
	}
	return nil
}

// sourceDir is %{_sourcedir}, expanded again only when its definition
// changed.
func (p *parser) sourceDir() string {
	me := p.e.tab.get("_sourcedir")
	if me != p.sdEntry || p.sdValue == "" {
		p.sdEntry, p.sdValue = me, p.e.expandThis("%{_sourcedir}")
	}
	return p.sdValue
}

func (p *parser) declRefs(ds []PatchDecl) []declRef {
	sd := p.sourceDir()
	out := make([]declRef, 0, len(ds))
	for _, d := range ds {
		out = append(out, declRef{num: d.Number, path: sd + "/" + d.File})
	}
	return out
}

func (p *parser) finish() error {
	if err := p.flushList(); err != nil {
		return err
	}
	p.flushPending()
	mk := func(cs []condSnap) ([]Cond, string) {
		if len(cs) == 0 {
			return nil, ""
		}
		out := make([]Cond, len(cs))
		var parts []string
		for i, c := range cs {
			out[i] = Cond{Directive: strings.TrimSpace(c.f.directive), Line: c.f.line, Branch: strings.TrimSpace(c.branch), BranchLine: c.branchLine, EndLine: c.f.endLine}
			d := strings.TrimSpace(c.f.directive)
			switch {
			case c.branch == "":
				parts = append(parts, d)
			case strings.HasPrefix(strings.TrimSpace(c.branch), "%else"):
				parts = append(parts, "!("+d+")")
			default:
				parts = append(parts, strings.TrimSpace(c.branch))
			}
		}
		return out, strings.Join(parts, " && ")
	}
	for i := range p.spec.Patches {
		p.spec.Patches[i].Conds, p.spec.Patches[i].Condition = mk(p.patchConds[i])
	}
	for i := range p.spec.Sources {
		p.spec.Sources[i].Conds, p.spec.Sources[i].Condition = mk(p.srcConds[i])
	}
	for i := range p.spec.Tags {
		p.spec.Tags[i].Conds, _ = mk(p.tagConds[i])
	}
	applied := map[int]bool{}
	for _, a := range p.spec.Plan {
		if !a.FromSource {
			applied[a.Number] = true
		}
	}
	for _, d := range p.spec.Patches {
		if !applied[d.Number] {
			p.spec.Unapplied = append(p.spec.Unapplied, d)
		}
	}
	return nil
}

// trimLeftSpace removes leading blanks (space, tab, CR, FF, VT).
func trimLeftSpace(s string) string {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\f' || s[i] == '\v') {
		i++
	}
	return s[i:]
}

// trimRightSpace removes trailing white space (including newlines).
func trimRightSpace(s string) string {
	i := len(s)
	for i > 0 && isSpace(s[i-1]) {
		i--
	}
	return s[:i]
}
