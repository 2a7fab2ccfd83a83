package specfile

import (
	"regexp"
	"strconv"
	"strings"
)

// staticShell evaluates, without running anything, the few harmless %(...)
// idioms specs use to massage versions: `echo WORDS` or `printf FORMAT
// ARGS` piped through `sed` (s commands, -e, -E/-r), `tr SET1 SET2` /
// `tr -d SET`, `cut -d X -f LIST` / `cut -c LIST` and awk's
// `[-F SEP] '{print ...}'`. Commands may be named by path (/usr/bin/sed,
// as %{__sed} expands). Anything else reports ok=false and stays opaque.
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
	if len(first) == 0 {
		return "", false
	}
	var out string
	switch commandName(first[0]) {
	case "echo":
		words := first[1:]
		nl := true
		if len(words) > 0 && words[0] == "-n" {
			nl = false
			words = words[1:]
		}
		out = strings.Join(words, " ")
		if nl {
			out += "\n"
		}
	case "printf":
		var ok bool
		if out, ok = staticPrintf(first[1:]); !ok {
			return "", false
		}
	default:
		return "", false
	}
	for _, st := range stages[1:] {
		args := splitArgs(st)
		if len(args) == 0 {
			return "", false
		}
		var ok bool
		switch commandName(args[0]) {
		case "sed":
			out, ok = staticSed(args[1:], out)
		case "tr":
			out, ok = staticTr(args[1:], out)
		case "cut":
			out, ok = staticCut(args[1:], out)
		case "awk", "gawk", "mawk":
			out, ok = staticAwk(args[1:], out)
		default:
			return "", false
		}
		if !ok {
			return "", false
		}
	}
	return strings.TrimRight(out, "\r\n"), true
}

// commandName is the command a word names: /usr/bin/sed and /bin/sed are
// sed (the expansions of %{__sed} on the systems rpm runs on).
func commandName(w string) string {
	for _, dir := range []string{"/usr/bin/", "/bin/"} {
		if strings.HasPrefix(w, dir) && !strings.Contains(w[len(dir):], "/") {
			return w[len(dir):]
		}
	}
	return w
}

// staticPrintf is printf(1) for formats with %s, %b-free escapes and %%:
// the format is reused while arguments remain, missing ones are empty.
func staticPrintf(args []string) (string, bool) {
	if len(args) == 0 {
		return "", false
	}
	format, rest := args[0], args[1:]
	var out strings.Builder
	for {
		convs := 0
		for i := 0; i < len(format); i++ {
			c := format[i]
			switch {
			case c == '\\' && i+1 < len(format):
				i++
				switch format[i] {
				case 'n':
					out.WriteByte('\n')
				case 't':
					out.WriteByte('\t')
				case '\\':
					out.WriteByte('\\')
				default:
					return "", false
				}
			case c == '%' && i+1 < len(format):
				i++
				switch format[i] {
				case '%':
					out.WriteByte('%')
				case 's':
					convs++
					if len(rest) > 0 {
						out.WriteString(rest[0])
						rest = rest[1:]
					}
				default:
					return "", false
				}
			case c == '%' || c == '\\':
				return "", false
			default:
				out.WriteByte(c)
			}
		}
		if convs == 0 || len(rest) == 0 {
			return out.String(), true
		}
	}
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
	ere := false
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-e" && i+1 < len(args):
			i++
			scripts = append(scripts, args[i])
		case strings.HasPrefix(a, "--expression="):
			scripts = append(scripts, strings.TrimPrefix(a, "--expression="))
		case a == "-E" || a == "-r" || a == "--regexp-extended":
			ere = true
		case strings.HasPrefix(a, "-"):
			return "", false
		case len(scripts) == 0:
			scripts = append(scripts, a)
		default:
			return "", false // an input file
		}
	}
	if len(scripts) == 0 {
		return "", false
	}
	var cmds []sedCommand
	for _, sc := range scripts {
		c, ok := parseSedScript(sc, ere)
		if !ok {
			return "", false
		}
		cmds = append(cmds, c...)
	}
	lines := strings.SplitAfter(in, "\n")
	for i, l := range lines {
		body := strings.TrimSuffix(l, "\n")
		if body == "" && len(l) == 0 {
			continue
		}
		for _, c := range cmds {
			body = c.apply(body)
		}
		if len(body) > 1<<20 {
			return "", false
		}
		if len(l) != len(strings.TrimSuffix(l, "\n")) {
			body += "\n"
		}
		lines[i] = body
	}
	return strings.Join(lines, ""), true
}

// sedCommand is one s/RE/REPL/FLAGS command.
type sedCommand struct {
	rx     *regexp.Regexp
	repl   string // in regexp.Expand syntax
	global bool
	nth    int // replace only the nth match (0: the first, or all when global)
}

func (c sedCommand) apply(line string) string {
	locs := c.rx.FindAllStringSubmatchIndex(line, -1)
	if len(locs) == 0 {
		return line
	}
	var out []byte
	last := 0
	for k, loc := range locs {
		n := k + 1
		if c.nth > 0 && n < c.nth {
			continue
		}
		if !c.global && n > max(c.nth, 1) {
			break
		}
		out = append(out, line[last:loc[0]]...)
		out = c.rx.ExpandString(out, c.repl, line, loc)
		last = loc[1]
	}
	return string(append(out, line[last:]...))
}

// parseSedScript reads a script of s commands separated by ';' or
// newlines. Any other command (or address) is not evaluated.
func parseSedScript(sc string, ere bool) ([]sedCommand, bool) {
	var cmds []sedCommand
	i := 0
	for {
		for i < len(sc) && (sc[i] == ';' || isSpace(sc[i])) {
			i++
		}
		if i >= len(sc) {
			return cmds, true
		}
		if sc[i] != 's' || i+1 >= len(sc) || sc[i+1] == '\\' || sc[i+1] == '\n' {
			return nil, false
		}
		d := sc[i+1]
		i += 2
		var parts [2]string
		for k := range parts {
			var cur strings.Builder
			for ; i < len(sc) && sc[i] != d; i++ {
				if sc[i] == '\\' && i+1 < len(sc) {
					i++
					if sc[i] != d {
						cur.WriteByte('\\')
					}
				}
				cur.WriteByte(sc[i])
			}
			if i >= len(sc) {
				return nil, false // unterminated s command
			}
			i++ // past the delimiter
			parts[k] = cur.String()
		}
		c := sedCommand{}
		for ; i < len(sc) && sc[i] != ';' && !isSpace(sc[i]); i++ {
			switch f := sc[i]; {
			case f == 'g':
				c.global = true
			case isDigit(f):
				c.nth = c.nth*10 + int(f-'0')
				if c.nth > 1<<16 {
					return nil, false
				}
			default:
				return nil, false
			}
		}
		re, ok := parts[0], true
		if !ere {
			re, ok = breToRegexp(parts[0])
		} else {
			ok = ereOK(re)
		}
		if !ok || re == "" {
			return nil, false
		}
		rx, err := regexp.CompilePOSIX(re)
		if err != nil {
			return nil, false
		}
		if c.repl, ok = sedRepl(parts[1]); !ok {
			return nil, false
		}
		c.rx = rx
		cmds = append(cmds, c)
	}
}

// ereOK accepts the POSIX extended regular expressions Go reads the same
// way: no backslash before a letter or digit (GNU's \w, \b, back
// references).
func ereOK(re string) bool {
	for i := 0; i < len(re); i++ {
		if re[i] == '\\' {
			if i+1 >= len(re) || isAlnum(re[i+1]) {
				return false
			}
			i++
		}
	}
	return true
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

// sedRepl translates a sed replacement (&, \1-\9, \n, \& ...) to
// regexp.Expand syntax; GNU's case conversions (\U \L \u \l \E) are
// not evaluated.
func sedRepl(r string) (string, bool) {
	var out strings.Builder
	for i := 0; i < len(r); i++ {
		c := r[i]
		switch {
		case c == '\\' && i+1 < len(r):
			i++
			switch n := r[i]; {
			case isDigit(n):
				out.WriteString("${" + string(n) + "}")
			case n == 'n':
				out.WriteByte('\n')
			case n == 't':
				out.WriteByte('\t')
			case isAlpha(n):
				return "", false
			case n == '$':
				out.WriteString("$$")
			default:
				out.WriteByte(n)
			}
		case c == '\\':
			return "", false
		case c == '&':
			out.WriteString("${0}")
		case c == '$':
			out.WriteString("$$")
		default:
			out.WriteByte(c)
		}
	}
	return out.String(), true
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

// staticAwk runs awk programs of the one shape specs use on versions:
// `awk [-F SEP] '{print ITEM...}'` where an item is $N, $NF or a "string",
// juxtaposed (concatenated) or separated by commas (joined by a blank).
func staticAwk(args []string, in string) (string, bool) {
	fs, prog := " ", ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-F" && i+1 < len(args):
			i++
			fs = args[i]
		case strings.HasPrefix(a, "-F") && len(a) > 2:
			fs = a[2:]
		case strings.HasPrefix(a, "-") || prog != "":
			return "", false
		default:
			prog = a
		}
	}
	switch fs {
	case "t", `\t`:
		fs = "\t"
	case "":
		return "", false
	}
	items, ok := parseAwkPrint(prog)
	if !ok {
		return "", false
	}
	var split func(string) []string
	switch {
	case fs == " ":
		split = func(l string) []string {
			return strings.FieldsFunc(l, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' })
		}
	case len(fs) == 1:
		split = func(l string) []string { return strings.Split(l, fs) }
	default:
		if !ereOK(fs) {
			return "", false
		}
		rx, err := regexp.CompilePOSIX(fs)
		if err != nil {
			return "", false
		}
		split = func(l string) []string { return rx.Split(l, -1) }
	}
	var out strings.Builder
	for _, line := range strings.SplitAfter(in, "\n") {
		if line == "" {
			continue
		}
		line = strings.TrimSuffix(line, "\n")
		fields := split(line)
		if line == "" {
			fields = nil
		}
		for _, it := range items {
			switch {
			case it.sep:
				out.WriteByte(' ')
			case it.field >= 0 || it.nf:
				n := it.field
				if it.nf {
					n = len(fields)
				}
				if n >= 1 && n <= len(fields) {
					out.WriteString(fields[n-1])
				} else if n == 0 {
					out.WriteString(line)
				}
			default:
				out.WriteString(it.lit)
			}
		}
		out.WriteByte('\n')
	}
	return out.String(), true
}

// awkItem is one item of a print statement.
type awkItem struct {
	field int    // $N (0 with lit "" and !nf: $0)
	nf    bool   // $NF
	lit   string // a string literal (field -1)
	sep   bool   // a comma: the output field separator
}

// parseAwkPrint reads `{print ITEMS}` (optionally `{ print ITEMS; }`).
func parseAwkPrint(prog string) ([]awkItem, bool) {
	p := strings.TrimSpace(prog)
	if !strings.HasPrefix(p, "{") || !strings.HasSuffix(p, "}") {
		return nil, false
	}
	p = strings.TrimSpace(p[1 : len(p)-1])
	p = strings.TrimSpace(strings.TrimSuffix(p, ";"))
	if !strings.HasPrefix(p, "print") {
		return nil, false
	}
	p = p[len("print"):]
	if p != "" && !isSpace(p[0]) && p[0] != '$' && p[0] != '"' {
		return nil, false
	}
	var items []awkItem
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case isSpace(c):
			i++
		case c == ',':
			items = append(items, awkItem{sep: true})
			i++
		case c == '$':
			i++
			if strings.HasPrefix(p[i:], "NF") {
				items = append(items, awkItem{nf: true})
				i += 2
				continue
			}
			j := i
			for j < len(p) && isDigit(p[j]) {
				j++
			}
			if j == i || j-i > 4 {
				return nil, false
			}
			n, _ := strconv.Atoi(p[i:j])
			items = append(items, awkItem{field: n})
			i = j
		case c == '"':
			var lit strings.Builder
			j := i + 1
			for ; j < len(p) && p[j] != '"'; j++ {
				if p[j] == '\\' && j+1 < len(p) {
					j++
					switch p[j] {
					case 'n':
						lit.WriteByte('\n')
					case 't':
						lit.WriteByte('\t')
					case '"', '\\', '/':
						lit.WriteByte(p[j])
					default:
						return nil, false
					}
					continue
				}
				lit.WriteByte(p[j])
			}
			if j >= len(p) {
				return nil, false
			}
			items = append(items, awkItem{field: -1, lit: lit.String()})
			i = j + 1
		default:
			return nil, false
		}
	}
	if len(items) == 0 {
		items = []awkItem{{}} // print alone prints $0
	}
	return items, true
}
