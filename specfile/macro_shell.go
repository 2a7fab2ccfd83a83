package specfile

import (
	"regexp"
	"strconv"
	"strings"
)

// staticShell evaluates, without running anything, the few harmless %(...)
// idioms specs use to massage versions: `echo WORDS` optionally piped
// through `sed 's/RE/REPL/[g]'` (one or more -e scripts) and `tr SET1 SET2`
// / `tr -d SET`. Anything else reports ok=false and stays opaque.
func staticShell(cmd string) (string, bool) {
	cmd = strings.TrimSpace(cmd)
	if cmd == "" || !safeShellText(cmd) {
		return "", false
	}
	stages := splitPipe(cmd)
	if len(stages) == 0 || len(stages) > 8 {
		return "", false
	}
	first := splitArgs(stages[0])
	if len(first) == 0 || first[0] != "echo" {
		return "", false
	}
	words := first[1:]
	nl := true
	if len(words) > 0 && words[0] == "-n" {
		nl = false
		words = words[1:]
	}
	out := strings.Join(words, " ")
	if nl {
		out += "\n"
	}
	for _, st := range stages[1:] {
		args := splitArgs(st)
		if len(args) == 0 {
			return "", false
		}
		var ok bool
		switch args[0] {
		case "sed":
			out, ok = staticSed(args[1:], out)
		case "tr":
			out, ok = staticTr(args[1:], out)
		case "cut":
			out, ok = staticCut(args[1:], out)
		default:
			return "", false
		}
		if !ok {
			return "", false
		}
	}
	return strings.TrimRight(out, "\r\n"), true
}

// splitPipe splits at unquoted '|'.
func splitPipe(s string) []string {
	var out []string
	var q byte
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case q != 0:
			if c == q {
				q = 0
			}
		case c == '\'' || c == '"':
			q = c
		case c == '|':
			if i+1 < len(s) && s[i+1] == '|' {
				return nil
			}
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	if q != 0 {
		return nil
	}
	return append(out, strings.TrimSpace(s[start:]))
}

func staticSed(args []string, in string) (string, bool) {
	var scripts []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-e" && i+1 < len(args):
			i++
			scripts = append(scripts, args[i])
		case strings.HasPrefix(a, "-"):
			return "", false
		default:
			scripts = append(scripts, a)
		}
	}
	if len(scripts) == 0 {
		return "", false
	}
	for _, sc := range scripts {
		for _, one := range strings.Split(sc, ";") {
			one = strings.TrimSpace(one)
			if one == "" {
				continue
			}
			var ok bool
			in, ok = sedSubst(one, in)
			if !ok {
				return "", false
			}
		}
	}
	return in, true
}

// sedSubst applies one s<d>re<d>repl<d>[g] command line by line.
func sedSubst(sc, in string) (string, bool) {
	if len(sc) < 4 || sc[0] != 's' {
		return "", false
	}
	d := sc[1]
	parts := []string{}
	var cur strings.Builder
	for i := 2; i < len(sc); i++ {
		c := sc[i]
		if c == '\\' && i+1 < len(sc) {
			if sc[i+1] == d {
				cur.WriteByte(d)
			} else {
				cur.WriteByte(c)
				cur.WriteByte(sc[i+1])
			}
			i++
			continue
		}
		if c == d {
			parts = append(parts, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteByte(c)
	}
	if len(parts) != 2 {
		return "", false
	}
	flags := cur.String()
	global := false
	for _, f := range flags {
		if f != 'g' {
			return "", false
		}
		global = true
	}
	re, ok := breToRegexp(parts[0])
	if !ok {
		return "", false
	}
	rx, err := regexp.Compile(re)
	if err != nil {
		return "", false
	}
	repl := sedRepl(parts[1])
	lines := strings.SplitAfter(in, "\n")
	for i, l := range lines {
		body := strings.TrimSuffix(l, "\n")
		nl := len(body) != len(l)
		if global {
			body = rx.ReplaceAllString(body, repl)
		} else if loc := rx.FindStringSubmatchIndex(body); loc != nil {
			var dst []byte
			dst = rx.ExpandString(dst, repl, body, loc)
			body = body[:loc[0]] + string(dst) + body[loc[1]:]
		}
		if nl {
			body += "\n"
		}
		lines[i] = body
	}
	return strings.Join(lines, ""), true
}

// breToRegexp translates a POSIX basic regular expression to Go syntax.
func breToRegexp(b string) (string, bool) {
	var out strings.Builder
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch c {
		case '\\':
			if i+1 >= len(b) {
				return "", false
			}
			i++
			n := b[i]
			switch n {
			case '(', ')', '{', '}', '|', '+', '?':
				out.WriteByte(n)
			case '.', '*', '[', ']', '^', '$', '\\', '/':
				out.WriteByte('\\')
				out.WriteByte(n)
			default:
				if isAlnum(n) {
					return "", false
				}
				out.WriteString(regexp.QuoteMeta(string(n)))
			}
		case '+', '?', '(', ')', '{', '}', '|':
			out.WriteByte('\\')
			out.WriteByte(c)
		default:
			out.WriteByte(c)
		}
	}
	return out.String(), true
}

func sedRepl(r string) string {
	var out strings.Builder
	for i := 0; i < len(r); i++ {
		c := r[i]
		switch {
		case c == '\\' && i+1 < len(r):
			i++
			if isDigit(r[i]) {
				out.WriteString("${" + string(r[i]) + "}")
			} else if r[i] == 'n' {
				out.WriteByte('\n')
			} else {
				out.WriteByte(r[i])
			}
		case c == '&':
			out.WriteString("${0}")
		case c == '$':
			out.WriteString("$$")
		default:
			out.WriteByte(c)
		}
	}
	return out.String()
}

func expandTrSet(s string) []byte {
	var out []byte
	for i := 0; i < len(s); i++ {
		if i+2 < len(s) && s[i+1] == '-' && s[i] <= s[i+2] {
			for c := int(s[i]); c <= int(s[i+2]); c++ {
				out = append(out, byte(c))
			}
			i += 2
			continue
		}
		out = append(out, s[i])
	}
	return out
}

func staticTr(args []string, in string) (string, bool) {
	if len(args) == 2 && args[0] == "-d" {
		del := expandTrSet(args[1])
		return strings.Map(func(r rune) rune {
			if r < 256 && strings.IndexByte(string(del), byte(r)) >= 0 {
				return -1
			}
			return r
		}, in), true
	}
	if len(args) != 2 || (len(args[0]) > 1 && args[0][0] == '-') || strings.Contains(args[0]+args[1], "[") {
		return "", false
	}
	a, b := expandTrSet(args[0]), expandTrSet(args[1])
	if len(b) == 0 {
		return "", false
	}
	m := map[byte]byte{}
	for i, c := range a {
		if i < len(b) {
			m[c] = b[i]
		} else {
			m[c] = b[len(b)-1]
		}
	}
	bs := []byte(in)
	for i, c := range bs {
		if r, ok := m[c]; ok {
			bs[i] = r
		}
	}
	return string(bs), true
}

// safeShellText accepts only text without command substitution,
// redirection, sequencing or variables outside single quotes.
func safeShellText(s string) bool {
	var q byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case q == '\'':
			if c == '\'' {
				q = 0
			}
		case q == '"':
			if c == '"' {
				q = 0
			} else if c == '$' || c == '`' || c == '\\' {
				return false
			}
		case c == '\'' || c == '"':
			q = c
		case strings.IndexByte("`$;&<>(){}\n\\*?[", c) >= 0:
			return false
		}
	}
	return q == 0
}

// staticCut implements `cut -d X -f LIST` and `cut -c LIST` per line.
func staticCut(args []string, in string) (string, bool) {
	delim, fields, chars := "\t", "", ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		val := func(flag string) (string, bool) {
			if len(a) > 2 {
				return a[2:], true
			}
			if i+1 < len(args) {
				i++
				return args[i], true
			}
			return "", false
		}
		var ok bool
		switch {
		case strings.HasPrefix(a, "-d"):
			delim, ok = val("-d")
		case strings.HasPrefix(a, "-f"):
			fields, ok = val("-f")
		case strings.HasPrefix(a, "-c"):
			chars, ok = val("-c")
		default:
			return "", false
		}
		if !ok {
			return "", false
		}
	}
	if (fields == "") == (chars == "") || len(delim) != 1 {
		return "", false
	}
	list := fields + chars
	sel, ok := cutList(list)
	if !ok {
		return "", false
	}
	lines := strings.SplitAfter(in, "\n")
	for i, l := range lines {
		body := strings.TrimSuffix(l, "\n")
		nl := len(body) != len(l)
		if body == "" && !nl {
			continue
		}
		var parts []string
		if chars != "" {
			for k := 0; k < len(body); k++ {
				if sel(k + 1) {
					parts = append(parts, body[k:k+1])
				}
			}
			body = strings.Join(parts, "")
		} else if strings.Contains(body, delim) {
			for k, f := range strings.Split(body, delim) {
				if sel(k + 1) {
					parts = append(parts, f)
				}
			}
			body = strings.Join(parts, delim)
		}
		if nl {
			body += "\n"
		}
		lines[i] = body
	}
	return strings.Join(lines, ""), true
}

// cutList parses cut's LIST (N, N-M, N-, -M, comma separated).
func cutList(list string) (func(int) bool, bool) {
	type rng struct{ lo, hi int }
	var rs []rng
	for _, part := range strings.Split(list, ",") {
		lo, hi := 1, 1<<30
		var err error
		switch i := strings.IndexByte(part, '-'); {
		case i < 0:
			lo, err = strconv.Atoi(part)
			hi = lo
		default:
			if i > 0 {
				if lo, err = strconv.Atoi(part[:i]); err != nil {
					return nil, false
				}
			}
			if i+1 < len(part) {
				hi, err = strconv.Atoi(part[i+1:])
			}
		}
		if err != nil || lo < 1 || hi < lo {
			return nil, false
		}
		rs = append(rs, rng{lo, hi})
	}
	return func(n int) bool {
		for _, r := range rs {
			if n >= r.lo && n <= r.hi {
				return true
			}
		}
		return false
	}, true
}
