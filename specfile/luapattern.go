package specfile

import (
	"errors"
	"fmt"
	"strings"

	"github.com/patchtrace/patchtrace/input"
)

// This file is a static re-implementation of Lua 5.4's pattern matching
// (lstrlib.c: character classes, sets, anchors, the quantifiers * + - ?,
// captures and position captures, back-references, %b and %f), used by
// rpm's %{gsub ...} built-in. It never runs Lua. Lua's matcher backtracks
// without bound; this one counts its steps and gives up with
// errPatternBudget, so a hostile pattern cannot hang a parse.

// Lua's limits (luaconf.h / lstrlib.c).
const (
	luaMaxCaptures = 32  // LUA_MAXCAPTURES
	luaMaxCCalls   = 200 // MAXCCALLS: nesting of the recursive matcher
)

// defaultPatternSteps bounds the work of one gsub call: every attempt to
// match one character or enter the matcher costs a step.
const defaultPatternSteps = 1 << 22

const (
	capUnfinished = -1
	capPosition   = -2
)

// errPatternBudget: matching needed more steps than allowed. rpm would
// have carried on (possibly for a very long time); the result is unknown.
var errPatternBudget = errors.New("pattern matching exceeds the step budget")

// luaError is an error Lua itself would raise (a malformed pattern, a bad
// capture index, ...); rpm reports it as "lua script failed".
type luaError struct{ msg string }

func (e *luaError) Error() string { return e.msg }

type luaCapture struct {
	init int // offset in src
	len  int // length, or capUnfinished / capPosition
}

// matchState is lstrlib.c's MatchState over Go strings. Offsets replace
// pointers; at(p) reads the pattern as the NUL-terminated C string Lua
// sees, so the code follows lstrlib.c line by line.
type matchState struct {
	src, pat   string
	matchdepth int
	steps      int
	level      int
	capture    [luaMaxCaptures]luaCapture
}

// abort unwinds the matcher; recovered in run.
type matchAbort struct{ err error }

func (ms *matchState) fail(format string, args ...any) {
	panic(matchAbort{&luaError{fmt.Sprintf(format, args...)}})
}

func (ms *matchState) step() {
	ms.steps--
	if ms.steps < 0 {
		panic(matchAbort{errPatternBudget})
	}
}

// at returns the pattern byte at p, or 0 at and past its end.
func (ms *matchState) at(p int) byte {
	if p < len(ms.pat) {
		return ms.pat[p]
	}
	return 0
}

// sat returns the subject byte at s, or 0 at its end.
func (ms *matchState) sat(s int) byte {
	if s < len(ms.src) {
		return ms.src[s]
	}
	return 0
}

// C-locale ctype, as Lua's classes are in rpm's C/UTF-8 locales (bytes
// above 0x7f are in no class).
func cIsAlpha(c byte) bool  { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func cIsDigit(c byte) bool  { return c >= '0' && c <= '9' }
func cIsLower(c byte) bool  { return c >= 'a' && c <= 'z' }
func cIsUpper(c byte) bool  { return c >= 'A' && c <= 'Z' }
func cIsSpace(c byte) bool  { return c == ' ' || c >= '\t' && c <= '\r' }
func cIsCntrl(c byte) bool  { return c < 0x20 || c == 0x7f }
func cIsGraph(c byte) bool  { return c > 0x20 && c < 0x7f }
func cIsPunct(c byte) bool  { return cIsGraph(c) && !cIsAlpha(c) && !cIsDigit(c) }
func cIsXDigit(c byte) bool { return cIsDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
func cToLower(c byte) byte {
	if cIsUpper(c) {
		return c + 'a' - 'A'
	}
	return c
}
func cToUpper(c byte) byte {
	if cIsLower(c) {
		return c - ('a' - 'A')
	}
	return c
}

func (ms *matchState) classEnd(p int) int {
	c := ms.at(p)
	p++
	switch c {
	case '%':
		if p >= len(ms.pat) {
			ms.fail("malformed pattern (ends with '%%')")
		}
		return p + 1
	case '[':
		if ms.at(p) == '^' {
			p++
		}
		for { // look for a ']'
			if p >= len(ms.pat) {
				ms.fail("malformed pattern (missing ']')")
			}
			c := ms.at(p)
			p++
			if c == '%' && p < len(ms.pat) {
				p++ // skip escapes (e.g. '%]')
			}
			if ms.at(p) == ']' {
				break
			}
		}
		return p + 1
	}
	return p
}

func matchClass(c, cl byte) bool {
	var res bool
	switch cToLower(cl) {
	case 'a':
		res = cIsAlpha(c)
	case 'c':
		res = cIsCntrl(c)
	case 'd':
		res = cIsDigit(c)
	case 'g':
		res = cIsGraph(c)
	case 'l':
		res = cIsLower(c)
	case 'p':
		res = cIsPunct(c)
	case 's':
		res = cIsSpace(c)
	case 'u':
		res = cIsUpper(c)
	case 'w':
		res = cIsAlpha(c) || cIsDigit(c)
	case 'x':
		res = cIsXDigit(c)
	default:
		return cl == c
	}
	if cIsUpper(cl) {
		return !res
	}
	return res
}

// matchBracketClass tests c against the set [ at p whose ']' is at ec.
func (ms *matchState) matchBracketClass(c byte, p, ec int) bool {
	sig := true
	if ms.at(p+1) == '^' {
		sig = false
		p++
	}
	for p++; p < ec; p++ {
		switch {
		case ms.at(p) == '%':
			p++
			if matchClass(c, ms.at(p)) {
				return sig
			}
		case ms.at(p+1) == '-' && p+2 < ec:
			p += 2
			if ms.at(p-2) <= c && c <= ms.at(p) {
				return sig
			}
		case ms.at(p) == c:
			return sig
		}
	}
	return !sig
}

func (ms *matchState) singleMatch(s, p, ep int) bool {
	ms.step()
	if s >= len(ms.src) {
		return false
	}
	c := ms.src[s]
	switch ms.at(p) {
	case '.':
		return true
	case '%':
		return matchClass(c, ms.at(p+1))
	case '[':
		return ms.matchBracketClass(c, p, ep-1)
	}
	return ms.at(p) == c
}

func (ms *matchState) matchBalance(s, p int) int {
	if p+1 >= len(ms.pat) {
		ms.fail("malformed pattern (missing arguments to '%%b')")
	}
	if ms.sat(s) != ms.at(p) {
		return -1
	}
	b, e := ms.at(p), ms.at(p+1)
	cont := 1
	for s++; s < len(ms.src); s++ {
		ms.step()
		switch ms.src[s] {
		case e:
			cont--
			if cont == 0 {
				return s + 1
			}
		case b:
			cont++
		}
	}
	return -1
}

func (ms *matchState) maxExpand(s, p, ep int) int {
	i := 0
	for ms.singleMatch(s+i, p, ep) {
		i++
	}
	for ; i >= 0; i-- { // try with the longest run first
		if res := ms.match(s+i, ep+1); res >= 0 {
			return res
		}
	}
	return -1
}

func (ms *matchState) minExpand(s, p, ep int) int {
	for {
		if res := ms.match(s, ep+1); res >= 0 {
			return res
		}
		if !ms.singleMatch(s, p, ep) {
			return -1
		}
		s++
	}
}

func (ms *matchState) startCapture(s, p, what int) int {
	if ms.level >= luaMaxCaptures {
		ms.fail("too many captures")
	}
	ms.capture[ms.level] = luaCapture{init: s, len: what}
	ms.level++
	res := ms.match(s, p)
	if res < 0 {
		ms.level--
	}
	return res
}

func (ms *matchState) endCapture(s, p int) int {
	l := ms.captureToClose()
	ms.capture[l].len = s - ms.capture[l].init
	res := ms.match(s, p)
	if res < 0 {
		ms.capture[l].len = capUnfinished
	}
	return res
}

func (ms *matchState) captureToClose() int {
	for l := ms.level - 1; l >= 0; l-- {
		if ms.capture[l].len == capUnfinished {
			return l
		}
	}
	ms.fail("invalid pattern capture")
	return 0
}

func (ms *matchState) checkCapture(c byte) int {
	l := int(c) - '1'
	if l < 0 || l >= ms.level || ms.capture[l].len == capUnfinished {
		ms.fail("invalid capture index %%%d", l+1)
	}
	return l
}

func (ms *matchState) matchCapture(s int, c byte) int {
	l := ms.checkCapture(c)
	n := ms.capture[l].len
	if n < 0 { // a position capture: Lua compares (size_t)-2 bytes
		return -1
	}
	ms.step()
	init := ms.capture[l].init
	if len(ms.src)-s >= n && ms.src[init:init+n] == ms.src[s:s+n] {
		return s + n
	}
	return -1
}

// match is lstrlib.c's match: the end of the match of pat[p:] at src[s:],
// or -1.
func (ms *matchState) match(s, p int) int {
	ms.matchdepth--
	if ms.matchdepth < 0 {
		ms.fail("pattern too complex")
	}
	ms.step()
	r := ms.doMatch(s, p)
	ms.matchdepth++
	return r
}

func (ms *matchState) doMatch(s, p int) int {
	for p < len(ms.pat) {
		switch ms.pat[p] {
		case '(':
			if ms.at(p+1) == ')' {
				return ms.startCapture(s, p+2, capPosition)
			}
			return ms.startCapture(s, p+1, capUnfinished)
		case ')':
			return ms.endCapture(s, p+1)
		case '$':
			if p+1 == len(ms.pat) {
				if s == len(ms.src) {
					return s
				}
				return -1
			}
		case '%':
			switch c := ms.at(p + 1); {
			case c == 'b':
				s = ms.matchBalance(s, p+2)
				if s < 0 {
					return -1
				}
				p += 4
				continue
			case c == 'f':
				p += 2
				if ms.at(p) != '[' {
					ms.fail("missing '[' after '%%f' in pattern")
				}
				ep := ms.classEnd(p)
				var prev byte
				if s > 0 {
					prev = ms.src[s-1]
				}
				if !ms.matchBracketClass(prev, p, ep-1) && ms.matchBracketClass(ms.sat(s), p, ep-1) {
					p = ep
					continue
				}
				return -1
			case cIsDigit(c):
				s = ms.matchCapture(s, c)
				if s < 0 {
					return -1
				}
				p += 2
				continue
			}
		}
		// default: a single-character class with an optional suffix
		ep := ms.classEnd(p)
		if !ms.singleMatch(s, p, ep) {
			if e := ms.at(ep); e == '*' || e == '?' || e == '-' {
				p = ep + 1 // accept empty
				continue
			}
			return -1 // '+' or no suffix
		}
		switch ms.at(ep) {
		case '?':
			if res := ms.match(s+1, ep+1); res >= 0 {
				return res
			}
			p = ep + 1
			continue
		case '+':
			return ms.maxExpand(s+1, p, ep)
		case '*':
			return ms.maxExpand(s, p, ep)
		case '-':
			return ms.minExpand(s, p, ep)
		}
		s++
		p = ep
	}
	return s
}

// run calls f, turning the matcher's aborts into errors.
func (ms *matchState) run(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			a, ok := r.(matchAbort)
			if !ok {
				panic(r)
			}
			err = a.err
		}
	}()
	f()
	return nil
}

// luaGsub is Lua 5.4's string.gsub(src, pat, repl, maxN) with a string
// replacement (Lua's default maxN is len(src)+1). It returns the new
// string and the steps it used, or a *luaError when Lua would raise one,
// errPatternBudget when matching needs more than steps steps, or
// input.ErrTooLarge when the result would be longer than maxOut bytes.
func luaGsub(src, pat, repl string, maxN, steps, maxOut int) (out string, used int, err error) {
	ms := &matchState{src: src, steps: steps}
	defer func() { used = steps - max(ms.steps, 0) }()
	anchor := strings.HasPrefix(pat, "^")
	if anchor {
		pat = pat[1:]
	}
	ms.pat = pat
	var b strings.Builder
	err = ms.run(func() {
		s, last, n := 0, -1, 0
		for n < maxN {
			ms.level, ms.matchdepth = 0, luaMaxCCalls
			e := ms.match(s, 0)
			switch {
			case e >= 0 && e != last:
				n++
				ms.addReplacement(&b, s, e, repl)
				s, last = e, e
			case s < len(src):
				b.WriteByte(src[s])
				s++
			default:
				n = maxN // end of subject
				continue
			}
			if b.Len() > maxOut {
				panic(matchAbort{input.ErrTooLarge})
			}
			if anchor {
				break
			}
		}
		if s < len(src) {
			b.WriteString(src[s:])
		}
	})
	if err != nil {
		return "", 0, err
	}
	if b.Len() > maxOut {
		return "", 0, input.ErrTooLarge
	}
	return b.String(), 0, nil
}

// addReplacement is lstrlib.c's add_s: repl with %0-%9 and %% expanded
// for the match src[s:e].
func (ms *matchState) addReplacement(b *strings.Builder, s, e int, repl string) {
	for {
		i := strings.IndexByte(repl, '%')
		if i < 0 {
			b.WriteString(repl)
			return
		}
		b.WriteString(repl[:i])
		var c byte
		if i+1 < len(repl) {
			c = repl[i+1]
		}
		switch {
		case c == '%':
			b.WriteByte('%')
		case c == '0':
			b.WriteString(ms.src[s:e])
		case cIsDigit(c):
			ms.addCapture(b, int(c-'1'), s, e)
		default:
			ms.fail("invalid use of '%%' in replacement string")
		}
		repl = repl[i+2:]
	}
}

// addCapture is get_onecapture: capture i, or the whole match when the
// pattern has no captures and i is 0.
func (ms *matchState) addCapture(b *strings.Builder, i, s, e int) {
	if i >= ms.level {
		if i != 0 {
			ms.fail("invalid capture index %%%d", i+1)
		}
		b.WriteString(ms.src[s:e])
		return
	}
	c := ms.capture[i]
	switch c.len {
	case capUnfinished:
		ms.fail("unfinished capture")
	case capPosition:
		fmt.Fprintf(b, "%d", c.init+1)
	default:
		b.WriteString(ms.src[c.init : c.init+c.len])
	}
}
