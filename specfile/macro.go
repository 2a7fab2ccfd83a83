package specfile

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/patchtrace/patchtrace/input"
)

// Macro levels, as rpm's RMIL_*: definitions at a level below 1 live for
// the whole parse; levels >= 1 are scopes of parametric macro calls.
const (
	levelMacroFiles = -13
	levelCmdline    = -7
	levelSpec       = -3
	levelGlobal     = 0
)

type mflags uint8

const (
	mAuto      mflags = 1 << iota // automatic (%1, %#, %-x ...): scoped
	mLiteral                      // body is not expanded
	mParse                        // builtin that parses the rest of the line itself
	mFunc                         // builtin implemented in Go
	mRefPatch                     // a PATCHn macro: expanding it is a reference
	mRefSource                    // a SOURCEn macro
)

// builtinFunc implements a built-in macro. args[0] is the macro name. For
// mParse builtins called as `%name rest`, rest is the text after the name
// and the function returns how many bytes of it it consumed.
type builtinFunc func(e *engine, b *obuf, me *macroEntry, args []string, rest string, hasRest bool) int

type macroEntry struct {
	name       string
	opts       string
	parametric bool
	body       string
	level      int
	flags      mflags
	fn         builtinFunc
	nargs      int // -1: any; 0: none; 1: one (builtins)
	prev       *macroEntry
}

type pushRec struct {
	name  string
	level int
}

// macroTable is the set of defined macros, each a stack of definitions.
// Definitions made during a parse live in m, over a shared read-only base
// table of built-ins and defaults; a nil value in m hides a base entry.
type macroTable struct {
	m      map[string]*macroEntry
	base   map[string]*macroEntry
	scoped []pushRec
	live   int // definitions pushed and not popped (for Options.MaxEntries)
}

func newMacroTable() *macroTable { return &macroTable{m: make(map[string]*macroEntry, 64)} }

func (t *macroTable) get(name string) *macroEntry {
	if me, ok := t.m[name]; ok {
		return me
	}
	return t.base[name]
}

func (t *macroTable) push(me *macroEntry) {
	me.prev = t.get(me.name)
	t.m[me.name] = me
	t.live++
	if me.level >= 1 {
		t.scoped = append(t.scoped, pushRec{me.name, me.level})
	}
}

func (t *macroTable) pop(name string) {
	me := t.get(name)
	if me == nil {
		return
	}
	if _, own := t.m[name]; own {
		t.live--
	}
	if me.prev == nil && t.base[name] == nil {
		delete(t.m, name)
		return
	}
	t.m[name] = me.prev // nil hides a base entry
}

// popScope removes every definition made at level >= level.
func (t *macroTable) popScope(level int) {
	for len(t.scoped) > 0 {
		r := t.scoped[len(t.scoped)-1]
		if r.level < level {
			break
		}
		t.scoped = t.scoped[:len(t.scoped)-1]
		if me := t.get(r.name); me != nil && me.level >= level {
			t.pop(r.name)
		}
	}
}

// engine expands macros. It never runs shell or Lua code.
type engine struct {
	tab      *macroTable
	depth    int
	level    int
	maxDepth int
	budget   int // bytes expansion may still produce
	rpmver   int // 414, 416, 418, 419, 420
	fatal    error

	patternSteps int // Lua pattern-matching steps spent by %gsub (macro_string.go)

	// callbacks into the spec reader
	onUnresolved func(kind, text string)
	onWarning    func(msg string)
	onRef        func(kind string, num int) // PATCHn/SOURCEn/%{patches} references
	onAutopatch  func(args autopatchArgs)
	patchList    func() []declRef // declared patches so far, declaration order
	sourceList   func() []declRef

	free   []*obuf     // reusable output buffers
	frames []*argFrame // automatic macros of the parametric calls in progress
	me     *macroEntry // current macro (for %{lua:} context)
	inCall []string    // names of macros being expanded
}

type declRef struct {
	num  int
	path string
}

type autopatchArgs struct {
	strip   int
	hasP    bool
	verbose bool
	lo, hi  int
	hasLo   bool
	hasHi   bool
	nums    []int
	bad     []string
}

func (e *engine) fail(err error) {
	if e.fatal == nil {
		e.fatal = err
	}
}

func (e *engine) warn(format string, args ...any) {
	if e.onWarning != nil {
		e.onWarning(fmt.Sprintf(format, args...))
	}
}

func (e *engine) unresolved(kind, text string) {
	if e.onUnresolved != nil {
		e.onUnresolved(kind, shorten(text, 200))
	}
}

// spend charges n bytes of output against the budget.
func (e *engine) spend(n int) bool {
	e.budget -= n
	if e.budget < 0 {
		e.fail(input.ErrTooLarge)
		return false
	}
	return true
}

// define pushes a macro definition.
func (e *engine) define(name, opts string, parametric bool, body string, level int, flags mflags) {
	e.tab.push(&macroEntry{name: name, opts: opts, parametric: parametric, body: body, level: level, flags: flags})
}

// Expand expands s fully and returns the result.
func (e *engine) expand(s string) (string, error) {
	if strings.IndexByte(s, '%') < 0 {
		return s, e.fatal
	}
	return e.expandThis(s), e.fatal
}

// expandThis expands src into a new string (rpm's expandThis).
func (e *engine) expandThis(src string) string {
	b := e.getBuf()
	e.expandMacro(b, src)
	out := string(b.b)
	e.putBuf(b)
	return out
}

// obuf is an output buffer for expansions; buffers are reused through
// the engine's free list, so only the final string is allocated.
type obuf struct{ b []byte }

func (o *obuf) writeString(s string) { o.b = append(o.b, s...) }
func (o *obuf) writeByte(c byte)     { o.b = append(o.b, c) }
func (o *obuf) String() string       { return string(o.b) }
func (o *obuf) Len() int             { return len(o.b) }

func (e *engine) getBuf() *obuf {
	if n := len(e.free); n > 0 {
		b := e.free[n-1]
		e.free = e.free[:n-1]
		b.b = b.b[:0]
		return b
	}
	return &obuf{b: make([]byte, 0, 256)}
}

func (e *engine) putBuf(b *obuf) {
	if cap(b.b) <= 1<<16 && len(e.free) < 16 {
		e.free = append(e.free, b)
	}
}

func isHSpace(c byte) bool { return c == ' ' || c == '\t' }
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// matchChar returns the index just past the pr that closes the pl at
// s[i], or -1 (rpm's matchchar: backslash escapes a character).
func matchChar(s string, i int, pl, pr byte) int {
	lvl := 0
	for ; i < len(s); i++ {
		c := s[i]
		if c == '\\' {
			i++
			continue
		}
		if c == pr {
			lvl--
			if lvl <= 0 {
				return i + 1
			}
		} else if c == pl {
			lvl++
		}
	}
	return -1
}

// findMacroEnd returns the index after the macro call starting at s[i]
// (the character after '%'), or -1 when unterminated.
func findMacroEnd(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '(':
		return matchChar(s, i, '(', ')')
	case '{':
		return matchChar(s, i, '{', '}')
	case '[':
		return matchChar(s, i, '[', ']')
	}
	for i < len(s) && (s[i] == '?' || s[i] == '!') {
		i++
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	for i < len(s) && (isAlnum(s[i]) || s[i] == '_') {
		i++
	}
	if i+1 < len(s) && s[i] == '*' && s[i+1] == '*' {
		i += 2
	} else if i < len(s) && (s[i] == '*' || s[i] == '#') {
		i++
	}
	return i
}

func setNegateAndCheck(s string, i int) (int, bool, bool) {
	negate, chk := false, false
	for i < len(s) && (s[i] == '?' || s[i] == '!') {
		if s[i] == '!' {
			negate = !negate
		} else {
			chk = true
		}
		i++
	}
	return i, negate, chk
}

// expandMacro is rpm's expandMacro: it appends the expansion of src to b.
func (e *engine) expandMacro(b *obuf, src string) {
	if e.fatal != nil {
		return
	}
	if e.depth+1 > e.maxDepth {
		e.fail(ErrRecursion)
		return
	}
	e.depth++
	defer func() { e.depth-- }()

	s := 0
	for s < len(src) && e.fatal == nil {
		// copy plain text up to the next '%'
		j := strings.IndexByte(src[s:], '%')
		if j < 0 {
			if !e.spend(len(src) - s) {
				return
			}
			b.writeString(src[s:])
			return
		}
		if j > 0 {
			if !e.spend(j) {
				return
			}
			b.writeString(src[s : s+j])
			s += j
		}
		s++ // past '%'
		if s >= len(src) {
			b.writeByte('%')
			e.spend(1)
			continue
		}
		if src[s] == '%' {
			b.writeByte('%')
			e.spend(1)
			s++
			continue
		}
		se := findMacroEnd(src, s)
		if se < 0 {
			e.warn("unterminated %c: %s", src[s], shorten(src[s:], 40))
			b.writeByte('%')
			continue
		}
		f, fe, g, ge, lastc := -1, -1, -1, -1, -1
		negate, chkexist := false, false
		switch src[s] {
		default:
			f, negate, chkexist = setNegateAndCheck(src, s)
			fe = se
			if fe < len(src) && isHSpace(src[fe]) {
				if k := strings.IndexByte(src[fe:], '\n'); k >= 0 {
					lastc = fe + k
				} else {
					lastc = len(src)
				}
			}
		case '(':
			e.doShell(b, src[s+1:se-1], src[s-1:se])
			s = se
			continue
		case '[':
			e.doExpression(b, src[s+1:se-1], true)
			s = se
			continue
		case '{':
			f, negate, chkexist = setNegateAndCheck(src, s+1)
			fe = f
			for fe < len(src) && src[fe] != ' ' && src[fe] != ':' && src[fe] != '}' {
				fe++
			}
			if fe < len(src) {
				switch src[fe] {
				case ':':
					g, ge = fe+1, se-1
				case ' ':
					lastc = se - 1
				}
			}
		}
		if fe-f <= 0 {
			b.writeByte('%')
			e.spend(1)
			continue
		}
		name := src[f:fe]
		me := e.lookup(name)
		if me != nil && me.flags&mAuto != 0 && e.level > me.level {
			me = nil
		}
		if name[0] == '-' || chkexist {
			if (me == nil && !negate) || (me != nil && negate) {
				s = se
				continue
			}
			if g >= 0 && g < ge {
				e.expandMacro(b, src[g:ge])
			} else if me != nil {
				e.doMacro(b, me, nil)
			}
			s = se
			continue
		}
		if me == nil {
			e.noteUnknown(name, src[s-1:se])
			b.writeByte('%')
			e.spend(1)
			continue
		}
		if !me.parametric && me.flags&mFunc == 0 {
			e.doMacro(b, me, nil)
			s = se
			continue
		}
		if !me.parametric && fe == se {
			lastc = -1
		}
		args := []string{me.name}
		if me.flags&mParse != 0 && fe == se {
			fwd := me.fn(e, b, me, args, src[se:], true)
			se += fwd
		} else {
			if g >= 0 {
				args, se = e.grabArgs(me, args, src, g, ge, false)
			} else if lastc >= 0 {
				args, se = e.grabArgs(me, args, src, fe, lastc, true)
			}
			e.doMacro(b, me, args)
		}
		s = se
	}
}

// noteUnknown reports an unknown macro that rpm would leave literal when
// it is a Lua-only built-in of newer rpm.
func (e *engine) noteUnknown(name, call string) {
	if name == "gsub" || name == "lua" {
		e.unresolved("lua", call)
	}
}

func (e *engine) grabArgs(me *macroEntry, args []string, src string, from, to int, split bool) ([]string, int) {
	text := src[from:to]
	if me.flags&mParse != 0 {
		args = append(args, text)
	} else {
		s := e.expandThis(text)
		if split {
			args = splitQuoted(args, s)
		} else {
			args = append(args, s)
		}
	}
	if to >= len(src) || (src[to] == '\n' && (to == 0 || src[to-1] != '\\')) {
		return args, to
	}
	return args, to + 1
}

// splitQuoted splits s at blanks like rpm's splitQuoted: text between
// 0x1f marks (from %{quote:...}) is one argument, kept even when empty.
func splitQuoted(args []string, s string) []string {
	const q = 0x1f
	if strings.IndexByte(s, q) < 0 {
		return append(args, strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' })...)
	}
	var cur strings.Builder
	quoted, had := false, false
	for i := 0; i <= len(s); i++ {
		if i == len(s) || (!quoted && (s[i] == ' ' || s[i] == '\t')) {
			if cur.Len() > 0 || had {
				args = append(args, cur.String())
			}
			cur.Reset()
			had = false
			continue
		}
		if s[i] == q {
			quoted = !quoted
			had = true
			continue
		}
		cur.WriteByte(s[i])
	}
	return args
}

func (e *engine) doMacro(b *obuf, me *macroEntry, args []string) {
	prev := e.me
	defer func() { e.me = prev }()
	if me.flags&mFunc != 0 {
		nargs := 0
		if len(args) > 0 {
			nargs = len(args) - 1
		}
		needarg := me.nargs != 0
		if me.nargs >= 0 && needarg != (nargs > 0) {
			if needarg {
				e.warn("%%%s: argument expected", me.name)
			} else {
				e.warn("%%%s: unexpected argument", me.name)
			}
			return
		}
		me.fn(e, b, me, args, "", false)
		return
	}
	if me.flags&(mRefPatch|mRefSource) != 0 && e.onRef != nil {
		if me.flags&mRefPatch != 0 {
			e.onRef("PATCH", me.nargs)
		} else {
			e.onRef("SOURCE", me.nargs)
		}
	}
	if me.flags&mLiteral != 0 {
		if e.spend(len(me.body)) {
			b.writeString(me.body)
		}
		return
	}
	if me.body == "" {
		return
	}
	e.inCall = append(e.inCall, me.name)
	defer func() { e.inCall = e.inCall[:len(e.inCall)-1] }()
	if args != nil {
		if !e.setupArgs(me, args) {
			e.freeArgs()
			return
		}
		e.me = me
		e.expandMacro(b, me.body)
		e.freeArgs()
		return
	}
	e.expandMacro(b, me.body)
}

// setupArgs defines %0, %**, %#, %1..., %*, %-x and %-x* for a call of a
// parametric macro (rpm's setupArgs, with glibc's permuting getopt).
func (e *engine) setupArgs(me *macroEntry, args []string) bool {
	e.level++
	lv := e.level
	fr := &argFrame{level: lv, ents: make([]macroEntry, 0, 5+len(args))}
	e.frames = append(e.frames, fr)
	def := func(name, body string) {
		fr.ents = append(fr.ents, macroEntry{name: name, body: body, level: lv, flags: mAuto | mLiteral})
	}
	def("0", me.name)
	def("**", strings.Join(args[1:], " "))
	var pos []string
	ok := true
	if me.opts == "-" {
		pos = args[1:]
	} else {
		for i := 1; i < len(args); i++ {
			a := args[i]
			if a == "--" {
				pos = append(pos, args[i+1:]...)
				break
			}
			if len(a) < 2 || a[0] != '-' {
				pos = append(pos, a)
				continue
			}
			for k := 1; k < len(a); k++ {
				c := a[k]
				idx := strings.IndexByte(me.opts, c)
				if idx < 0 || c == ':' {
					e.warn("unknown option %c in %s(%s)", c, me.name, me.opts)
					ok = false
					break
				}
				takes := idx+1 < len(me.opts) && me.opts[idx+1] == ':'
				if !takes {
					def("-"+string(c), "-"+string(c))
					continue
				}
				var val string
				if k+1 < len(a) {
					val = a[k+1:]
				} else if i+1 < len(args) {
					i++
					val = args[i]
				} else {
					e.warn("option requires an argument -- %c in %s", c, me.name)
					ok = false
					break
				}
				def("-"+string(c), "-"+string(c)+" "+val)
				def("-"+string(c)+"*", val)
				break
			}
			if !ok {
				break
			}
		}
	}
	if !ok {
		return false
	}
	def("#", strconv.Itoa(len(pos)))
	for i, p := range pos {
		def(strconv.Itoa(i+1), p)
	}
	def("*", strings.Join(pos, " "))
	return true
}

// argFrame holds the automatic macros (%0, %1, %#, %-x ...) of one call
// of a parametric macro; they are visible only at that call's level.
type argFrame struct {
	level int
	ents  []macroEntry
}

func (e *engine) freeArgs() {
	e.tab.popScope(e.level)
	if n := len(e.frames); n > 0 && e.frames[n-1].level == e.level {
		e.frames = e.frames[:n-1]
	}
	e.level--
}

// lookup finds a macro: automatic names (which user macros cannot have)
// in the current call's frame, others in the table.
func (e *engine) lookup(name string) *macroEntry {
	c := name[0]
	if isDigit(c) || c == '*' || c == '#' || c == '-' {
		n := len(e.frames)
		if n == 0 || e.frames[n-1].level != e.level {
			return nil
		}
		ents := e.frames[n-1].ents
		for i := len(ents) - 1; i >= 0; i-- {
			if ents[i].name == name {
				return &ents[i]
			}
		}
		return nil
	}
	return e.tab.get(name)
}

// doShell handles %(...): never run. A few harmless idioms are evaluated
// statically; everything else expands to nothing and is reported.
func (e *engine) doShell(b *obuf, cmd, call string) {
	expanded := e.expandThis(cmd)
	if out, ok := staticShell(expanded); ok {
		if e.spend(len(out)) {
			b.writeString(out)
		}
		return
	}
	e.unresolved("shell", call)
}

// doExpression appends the value of an rpm expression.
func (e *engine) doExpression(b *obuf, expr string, expand bool) {
	v, err := evalExpr(expr, e, expand)
	if err != nil {
		// rpm fails the parse on a bad %[...] ("can't parse")
		e.fail(err)
		return
	}
	s := v.String()
	if e.spend(len(s)) {
		b.writeString(s)
	}
}

// doDefine parses a %define/%global body (rpm's doDefine). text is what
// follows the macro name ("name(opts) body..."). When free is true the body
// runs to the end of the line (honouring open braces), as for `%define` in
// running text; it returns the number of bytes of text consumed.
func (e *engine) doDefine(text string, level int, expandBody bool, free bool) int {
	s := 0
	// name
	for s < len(text) && isHSpace(text[s]) {
		s++
	}
	ns := s
	for s < len(text) && (isAlnum(text[s]) || text[s] == '_') {
		s++
	}
	name := text[ns:s]
	opts, parametric := "", false
	if s < len(text) && text[s] == '(' {
		k := strings.IndexByte(text[s:], ')')
		if k < 0 {
			e.warn("macro %%%s has unterminated opts", name)
			return len(text)
		}
		opts, parametric = text[s+1:s+k], true
		s += k + 1
	}
	body, end, ok := defineBody(text, s, free)
	if !ok {
		e.warn("macro %%%s has unterminated body", name)
		return end
	}
	if !validMacroName(name) {
		e.warn("macro %%%s has illegal name (%%define)", name)
		return end
	}
	if old := e.tab.get(name); old != nil && old.flags&(mFunc|mAuto) != 0 {
		e.warn("macro %%%s is a built-in (%%define)", name)
		return end
	}
	if body == "" {
		e.warn("macro %%%s has empty body", name)
		return end
	}
	if expandBody {
		body = e.expandThis(body)
	}
	e.define(name, opts, parametric, body, level, 0)
	return end
}

func validMacroName(n string) bool {
	if n == "" {
		return false
	}
	c := n[0]
	return isAlpha(c) || (c == '_' && len(n) > 1)
}

// nesting counts the %{...}, %(...) and %[...] groups left open while
// scanning a macro body, the way rpm's doDefine and rdcl do.
type nesting struct{ bc, pc, xc int }

// open reports whether a group is still open.
func (n *nesting) open() bool { return n.bc > 0 || n.pc > 0 || n.xc > 0 }

// step scans the token at s[i]: a backslash and the byte it escapes, a
// group opener (%{, %( or %[), %%, or a single byte (a brace, parenthesis
// or bracket closes or nests a group of its kind only inside one). It
// updates the counts and returns the index after the token.
func (n *nesting) step(s string, i int) int {
	switch s[i] {
	case '\\':
		if i+1 < len(s) {
			return i + 2
		}
	case '%':
		if i+1 < len(s) {
			switch s[i+1] {
			case '{':
				n.bc++
				return i + 2
			case '(':
				n.pc++
				return i + 2
			case '[':
				n.xc++
				return i + 2
			case '%':
				return i + 2
			}
		}
	case '{':
		if n.bc > 0 {
			n.bc++
		}
	case '}':
		if n.bc > 0 {
			n.bc--
		}
	case '(':
		if n.pc > 0 {
			n.pc++
		}
	case ')':
		if n.pc > 0 {
			n.pc--
		}
	case '[':
		if n.xc > 0 {
			n.xc++
		}
	case ']':
		if n.xc > 0 {
			n.xc--
		}
	}
	return i + 1
}

// defineBody extracts a macro body starting at text[s] (rpm's doDefine):
// `{...}` grouping, or a free field up to an unescaped end of line with
// backslashes removed and trailing blanks trimmed. It returns the body and
// the index where scanning stopped (after trailing newlines).
func defineBody(text string, s int, free bool) (string, int, bool) {
	for s < len(text) && isHSpace(text[s]) {
		s++
	}
	var body string
	switch {
	case !free:
		body = text[s:]
		s = len(text)
	case s < len(text) && text[s] == '{':
		se := matchChar(text, s, '{', '}')
		if se < 0 {
			return "", len(text), false
		}
		body = text[s+1 : se-1]
		s = se
	default:
		var bb strings.Builder
		var n nesting
		for s < len(text) && (n.bc > 0 || n.pc > 0 || (text[s] != '\n' && text[s] != '\r')) {
			next := n.step(text, s)
			if text[s] == '\\' && next > s+1 {
				s++ // drop the escaping backslash
			}
			bb.WriteString(text[s:next])
			s = next
		}
		if n.open() {
			return "", s, false
		}
		body = strings.TrimRight(bb.String(), " \t\r\n")
	}
	for s < len(text) && (text[s] == '\n' || text[s] == '\r') {
		s++
	}
	return body, s, true
}
