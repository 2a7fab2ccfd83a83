package patchset

import (
	"bytes"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Prose: documentation compared by its words, not its lines.
//
// A man page that a maintainer translates by hand from upstream's asciidoc
// change carries the same words as the commit, but under other markup and
// wrapped at other places: no line of one is a line of the other. The
// prose fingerprint of a document change is the net multiset of its word
// shingles (ProseShingleSize consecutive words, markup stripped, lower
// case): the shingles of the new text minus those of the old. Like the
// line fingerprint it does not depend on the diff, and it does not depend
// on where lines break either.

// ProseFormat is the markup of a documentation file.
type ProseFormat int

const (
	// NotProse is any file that is not documentation (code, build files).
	NotProse ProseFormat = iota
	// Roff is a man page: man(7) or mdoc(7) macros ("ls.1", "x.8.in",
	// "sudoers.man.in", "sudo.mdoc.in", "foo.man").
	Roff
	// AsciiDoc is asciidoc or asciidoctor (".adoc", ".asciidoc", and a man
	// page source such as "dracut.8.asc").
	AsciiDoc
	// Markdown is ".md" or ".markdown".
	Markdown
	// Texinfo is ".texi", ".texinfo" or ".txi".
	Texinfo
	// ReST is reStructuredText (".rst").
	ReST
	// POD is Perl's plain old documentation (".pod").
	POD
	// DocBook is XML documentation: ".xml" files under a man/ or doc/
	// directory, ".docbook", ".dbk".
	DocBook
	// PlainText is ".txt", the usual text files (README, NEWS, ChangeLog,
	// INSTALL, ...), and the files of a documentation directory (doc/,
	// docs/, man/, Documentation/) that are neither code, build files nor
	// another format, such as the option sources a man page is generated
	// from.
	PlainText
)

var proseFormatNames = [...]string{"not prose", "roff", "asciidoc", "markdown", "texinfo", "rest", "pod", "docbook", "text"}

// String names the format in lower case ("roff", "asciidoc", ...).
func (f ProseFormat) String() string {
	if f >= 0 && int(f) < len(proseFormatNames) {
		return proseFormatNames[f]
	}
	return "format(" + strconv.Itoa(int(f)) + ")"
}

// ProseShingleSize is the number of consecutive words in one shingle of a
// prose fingerprint.
const ProseShingleSize = 4

// plainTextNames are base names (upper case, extension removed) of files
// read as plain text.
var plainTextNames = map[string]bool{"README": true, "NEWS": true, "CHANGES": true, "CHANGELOG": true, "INSTALL": true,
	"TODO": true, "AUTHORS": true, "THANKS": true, "HISTORY": true, "RELEASE-NOTES": true, "FAQ": true, "BUGS": true}

// ProseFormatOf returns the documentation format of a file by its path
// (prefixes such as a/ or pkg-1.0/ do not matter); NotProse for anything
// else. A trailing ".in" (a file configure fills in) is ignored.
func ProseFormatOf(p string) ProseFormat {
	base := path.Base(p)
	base = strings.TrimSuffix(base, ".in")
	ext := strings.ToLower(path.Ext(base))
	switch ext {
	case ".adoc", ".asciidoc":
		return AsciiDoc
	case ".md", ".markdown":
		return Markdown
	case ".texi", ".texinfo", ".txi":
		return Texinfo
	case ".rst":
		return ReST
	case ".pod":
		return POD
	case ".man", ".mdoc", ".roff":
		return Roff
	case ".docbook", ".dbk":
		return DocBook
	case ".xml":
		dir := "/" + path.Dir(p) + "/"
		if strings.Contains(dir, "/man/") || strings.Contains(dir, "/doc/") || strings.Contains(dir, "/docs/") {
			return DocBook
		}
		return NotProse
	case ".txt":
		return PlainText
	case ".asc":
		// dracut.8.asc is asciidoc; foo.tar.gz.asc a signature.
		if manSection(strings.ToLower(path.Ext(strings.TrimSuffix(base, path.Ext(base))))) {
			return AsciiDoc
		}
		return NotProse
	}
	if manSection(ext) {
		return Roff
	}
	if plainTextNames[strings.ToUpper(strings.TrimSuffix(base, path.Ext(base)))] || plainTextNames[strings.ToUpper(base)] {
		return PlainText
	}
	if inDocDir(p) && !notProseExt[ext] && !strings.HasPrefix(base, "Makefile") && base != "CMakeLists.txt" && base != "meson.build" {
		// docs/cmdline-opts/verbose.d, doc/sudo.conf.in: a documentation
		// directory's own source format, read as text.
		if ext == ".html" || ext == ".htm" || ext == ".xhtml" {
			return DocBook
		}
		return PlainText
	}
	return NotProse
}

// docDirs are directory names that hold documentation.
var docDirs = map[string]bool{"doc": true, "docs": true, "man": true, "manual": true, "Documentation": true, "documentation": true}

// inDocDir reports whether a path lies under a documentation directory.
func inDocDir(p string) bool {
	for d := path.Dir(p); d != "." && d != "/" && d != ""; d = path.Dir(d) {
		if docDirs[path.Base(d)] {
			return true
		}
	}
	return false
}

// notProseExt lists extensions of code, build and data files, which a
// documentation directory may hold too.
var notProseExt = map[string]bool{".c": true, ".h": true, ".cc": true, ".cpp": true, ".py": true, ".pl": true, ".pm": true,
	".sh": true, ".go": true, ".js": true, ".css": true, ".am": true, ".ac": true, ".mk": true, ".cmake": true,
	".json": true, ".yml": true, ".yaml": true, ".xsl": true, ".xslt": true, ".awk": true, ".sed": true, ".m4": true,
	".png": true, ".jpg": true, ".svg": true, ".gif": true, ".ico": true, ".pdf": true, ".gz": true, ".xz": true,
	".tar": true, ".zip": true, ".dtd": true, ".ent": true, ".conf": true, ".cfg": true, ".ini": true, ".toml": true,
	".rb": true, ".lua": true, ".java": true, ".rs": true, ".bat": true, ".ps1": true, ".vim": true}

// manSection reports a man page extension: a section digit and an
// optional suffix of letters (".1", ".3p", ".8ssl").
func manSection(ext string) bool {
	if len(ext) < 2 || ext[1] < '1' || ext[1] > '9' {
		return false
	}
	for i := 2; i < len(ext); i++ {
		if ext[i] < 'a' || ext[i] > 'z' {
			return false
		}
	}
	return len(ext) <= 6
}

// ProseDocName returns the name a document keeps across formats: the base
// name without markup extensions, without ".in" and without a man section,
// so that upstream's "sys-utils/lscpu.1.adoc" and a backport's
// "sys-utils/lscpu.1", or "sudoers.mdoc.in" and "sudoers.man.in", name the
// same document ("lscpu", "sudoers"). It returns "" for a file that is not
// documentation.
func ProseDocName(p string) string {
	if ProseFormatOf(p) == NotProse {
		return ""
	}
	base := strings.TrimSuffix(path.Base(p), ".in")
	for {
		ext := strings.ToLower(path.Ext(base))
		switch {
		case ext == "":
			return base
		case ext == ".adoc" || ext == ".asciidoc" || ext == ".md" || ext == ".markdown" || ext == ".texi" ||
			ext == ".texinfo" || ext == ".txi" || ext == ".rst" || ext == ".pod" || ext == ".man" || ext == ".mdoc" ||
			ext == ".roff" || ext == ".xml" || ext == ".docbook" || ext == ".dbk" || ext == ".txt" || ext == ".asc" || manSection(ext):
			base = strings.TrimSuffix(base, path.Ext(base))
		default:
			return base
		}
	}
}

// ProseWords returns the words of text written in format f: markup
// removed (roff requests and escapes, asciidoc attributes and block
// delimiters, texinfo and POD commands, XML tags, link targets), split at
// every character that is not a letter or digit, in lower case.
func ProseWords(f ProseFormat, text string) []string {
	words := make([]string, 0, len(text)/6)
	for line := range strings.SplitSeq(text, "\n") {
		words = appendWords(words, stripMarkup(f, strings.TrimRight(line, "\r")))
	}
	return words
}

// appendWords appends the lower-case letter and digit runs of s.
func appendWords(words []string, s string) []string {
	start := -1
	flush := func(end int) {
		if start >= 0 {
			words = append(words, strings.ToLower(s[start:end]))
			start = -1
		}
	}
	for i, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(s))
	return words
}

// stripMarkup returns the text a line of format f shows a reader.
func stripMarkup(f ProseFormat, line string) string {
	switch f {
	case Roff:
		return stripRoff(line)
	case AsciiDoc:
		return stripAsciiDoc(line)
	case Markdown:
		return stripMarkdown(line)
	case Texinfo:
		return stripTexinfo(line)
	case ReST:
		return stripReST(line)
	case POD:
		return stripPOD(line)
	case DocBook:
		return stripTags(line)
	}
	return line
}

// roffNoText lists the roff and mdoc requests whose arguments are no text
// a reader sees (numbers, names, dates, URLs, list options).
var roffNoText = map[string]bool{
	"TH": true, "de": true, "ds": true, "nr": true, "so": true, "if": true, "ie": true, "el": true, "ft": true,
	"ps": true, "sp": true, "in": true, "ti": true, "ne": true, "ta": true, "ll": true, "RS": true, "RE": true,
	"UR": true, "UE": true, "MT": true, "ME": true, "Bl": true, "El": true, "Bd": true, "Ed": true, "Dd": true,
	"Dt": true, "Os": true, "tr": true, "hy": true, "nh": true, "ad": true, "na": true, "bp": true, "br": true,
	"nf": true, "fi": true, "TP": true, "PP": true, "LP": true, "P": true, "HP": true, "EX": true, "EE": true,
	"Pp": true, "Lp": true, "PD": true, "rr": true, "rm": true, "am": true, "ig": true, "cc": true, "mso": true,
	"Ek": true, "Bk": true, "Rs": true, "Re": true, "Oo": true, "Oc": true,
}

// mdocCallable lists mdoc macros that may follow other macros on a
// request line ("It Fl a Ar file"); they are markup, not words.
var mdocCallable = map[string]bool{
	"Ad": true, "An": true, "Ap": true, "Ar": true, "Bq": true, "Bro": true, "Brq": true, "Cd": true, "Cm": true,
	"Dl": true, "Dq": true, "Dv": true, "Em": true, "Er": true, "Ev": true, "Fa": true, "Fl": true, "Fn": true,
	"Ft": true, "Ic": true, "It": true, "Li": true, "Ms": true, "Nm": true, "No": true, "Ns": true, "Op": true,
	"Pa": true, "Pq": true, "Ql": true, "Qq": true, "Sq": true, "Sx": true, "Sy": true, "Tn": true, "Va": true,
	"Vt": true, "Xr": true, "Aq": true, "Pf": true, "Eo": true, "Ec": true, "Xo": true, "Xc": true, "Oo": true,
	"Oc": true, "Qo": true, "Qc": true, "Do": true, "Dc": true, "Bo": true, "Bc": true, "Po": true, "Pc": true,
	"Sh": true, "Ss": true, "Nd": true, "Ux": true, "Bx": true, "At": true, "Fx": true, "Nx": true, "Ox": true,
	"Lk": true, "Mt": true, "In": true, "Fd": true, "Fo": true, "Fc": true, "Dx": true,
}

// stripRoff removes a roff line's request name (and the arguments of
// requests that carry no text), mdoc macro names, comments and escapes.
func stripRoff(line string) string {
	if strings.HasPrefix(line, `.\"`) || strings.HasPrefix(line, `'\"`) || strings.HasPrefix(line, `\"`) {
		return ""
	}
	if len(line) > 0 && (line[0] == '.' || line[0] == '\'') {
		fields := strings.Fields(line[1:])
		if len(fields) == 0 {
			return ""
		}
		name := fields[0]
		if roffNoText[name] {
			return ""
		}
		args := fields[1:]
		if name == "IP" && len(args) > 1 {
			args = args[:1] // the tag, not the indent
		}
		kept := args[:0:0]
		for _, a := range args {
			if !mdocCallable[a] {
				kept = append(kept, a)
			}
		}
		line = strings.Join(kept, " ")
	}
	return roffEscapes(line)
}

// roffEscapes replaces roff escapes by what they print: \- and \(hy a
// hyphen, \e a backslash, character names a space; font, size, string and
// zero-width escapes print nothing, \" starts a comment.
func roffEscapes(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch e := s[i]; e {
		case '"', '#':
			return b.String()
		case '-', 'e', '\\':
			if e == '-' {
				b.WriteByte('-')
			} else {
				b.WriteByte('\\')
			}
		case '&', '%', '|', '^', 'c', ')', '/', ',', ':', '{', '}':
		case ' ', '0', '~':
			b.WriteByte(' ')
		case '(':
			i += min(2, len(s)-i-1) // \(em: a named character
			b.WriteByte(' ')
		case '[':
			if j := strings.IndexByte(s[i:], ']'); j >= 0 {
				i += j
			}
			b.WriteByte(' ')
		case 'f', 's', '*', 'n', 'F', 'm', 'M', 'k', 'g', 'Y', 'V':
			// \fB, \f(CW, \f[BI], \s-1, \s+2, \*(lq, \*[name], \nx, \n(xx
			i = skipEscapeArg(s, i+1)
		default:
			// \w'..', \h'..', \v'..' and others: skip a quoted argument.
			if i+1 < len(s) && s[i+1] == '\'' {
				if j := strings.IndexByte(s[i+2:], '\''); j >= 0 {
					i += j + 2
				}
			}
		}
	}
	return b.String()
}

// skipEscapeArg skips the argument of an escape starting at i (one
// character, "(xx", "[name]" or a signed number) and returns the index of
// its last byte.
func skipEscapeArg(s string, i int) int {
	if i >= len(s) {
		return len(s) - 1
	}
	switch s[i] {
	case '(':
		return min(i+2, len(s)-1)
	case '[':
		if j := strings.IndexByte(s[i:], ']'); j >= 0 {
			return i + j
		}
		return len(s) - 1
	case '+', '-':
		i++
	}
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		if i < len(s) && (s[i] < '0' || s[i] > '9') {
			return i - 1
		}
	}
	return min(i, len(s)-1)
}

// stripAsciiDoc drops comment, attribute, block-attribute and directive
// lines and the targets of links and attribute references.
func stripAsciiDoc(line string) string {
	t := strings.TrimSpace(line)
	switch {
	case strings.HasPrefix(t, "//"):
		return ""
	case len(t) > 1 && t[0] == ':' && strings.IndexByte(t[1:], ':') > 0 && !strings.ContainsAny(t[1:strings.IndexByte(t[1:], ':')+1], " \t"):
		return "" // :attribute: value
	case strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]"):
		return "" // [source,c], [[anchor]], [NOTE]
	case isDirective(t, "include", "ifdef", "ifndef", "ifeval", "endif", "image", "toc"):
		return ""
	}
	line = replaceLinks(line)
	return dropBetween(line, '{', '}') // {attribute} references
}

// isDirective reports an asciidoc block macro line "name::target[...]".
func isDirective(t string, names ...string) bool {
	for _, n := range names {
		if strings.HasPrefix(t, n+"::") {
			return true
		}
	}
	return false
}

// replaceLinks turns "link:URL[text]", "xref:id[text]", "URL[text]" and
// "<<id,text>>" into their text, and drops bare URLs' schemes.
func replaceLinks(s string) string {
	for _, p := range []string{"link:", "xref:", "mailto:", "https://", "http://", "ftp://"} {
		for {
			i := strings.Index(s, p)
			if i < 0 {
				break
			}
			j := i + strings.IndexFunc(s[i:], func(r rune) bool { return r == '[' || r == ' ' || r == '\t' })
			if j < i || s[j] != '[' {
				// A bare URL: drop it.
				end := len(s)
				if j >= i {
					end = j
				}
				s = s[:i] + s[end:]
				continue
			}
			s = s[:i] + s[j+1:]
			if k := strings.IndexByte(s[i:], ']'); k >= 0 {
				s = s[:i+k] + s[i+k+1:]
			}
		}
	}
	for {
		i := strings.Index(s, "<<")
		j := strings.Index(s, ">>")
		if i < 0 || j < i {
			break
		}
		ref := s[i+2 : j]
		if k := strings.IndexByte(ref, ','); k >= 0 {
			ref = ref[k+1:]
		}
		s = s[:i] + ref + s[j+2:]
	}
	return s
}

// dropBetween removes every run from open to the next close, both
// included.
func dropBetween(s string, open, close byte) string {
	for {
		i := strings.IndexByte(s, open)
		if i < 0 {
			return s
		}
		j := strings.IndexByte(s[i:], close)
		if j < 0 {
			return s
		}
		s = s[:i] + " " + s[i+j+1:]
	}
}

// stripMarkdown drops link targets, images' URLs, reference definitions
// and HTML tags.
func stripMarkdown(line string) string {
	t := strings.TrimSpace(line)
	if strings.HasPrefix(t, "[") && strings.Contains(t, "]:") {
		return "" // [id]: https://...
	}
	var b strings.Builder
	for i := 0; i < len(line); i++ {
		if line[i] == ']' && i+1 < len(line) && line[i+1] == '(' {
			if j := strings.IndexByte(line[i:], ')'); j >= 0 {
				i += j
				continue
			}
		}
		b.WriteByte(line[i])
	}
	return stripTags(b.String())
}

// stripTags removes XML/HTML tags and entities.
func stripTags(s string) string {
	s = dropBetween(s, '<', '>')
	if !strings.Contains(s, "&") {
		return s
	}
	return dropBetween(s, '&', ';')
}

// texinfoNoText lists texinfo commands whose line carries no reader text.
var texinfoNoText = map[string]bool{"c": true, "comment": true, "end": true, "node": true, "cindex": true, "findex": true,
	"kindex": true, "vindex": true, "pindex": true, "tindex": true, "set": true, "clear": true, "include": true,
	"setfilename": true, "settitle": true, "ifinfo": true, "iftex": true, "ifhtml": true, "ifnottex": true,
	"menu": true, "example": true, "smallexample": true, "display": true, "format": true, "table": true,
	"ftable": true, "vtable": true, "itemize": true, "enumerate": true, "group": true, "page": true, "sp": true,
	"noindent": true, "printindex": true, "bye": true, "top": true, "macro": true, "quotation": true}

// stripTexinfo removes @commands (keeping the text of their braces) and
// the lines of commands that carry no text.
func stripTexinfo(line string) string {
	t := strings.TrimSpace(line)
	if strings.HasPrefix(t, "@") {
		name := t[1:]
		if i := strings.IndexFunc(name, func(r rune) bool { return !unicode.IsLetter(r) }); i >= 0 {
			name = name[:i]
		}
		if texinfoNoText[name] {
			return ""
		}
	}
	var b strings.Builder
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c != '@' {
			b.WriteByte(c)
			continue
		}
		if i+1 < len(line) && strings.IndexByte("@{}", line[i+1]) >= 0 {
			b.WriteByte(line[i+1])
			i++
			continue
		}
		j := i + 1
		for j < len(line) && (line[j] >= 'a' && line[j] <= 'z' || line[j] >= 'A' && line[j] <= 'Z') {
			j++
		}
		b.WriteByte(' ')
		i = j - 1
	}
	return b.String()
}

// stripReST drops directive and comment lines and interpreted-text roles.
func stripReST(line string) string {
	t := strings.TrimSpace(line)
	if strings.HasPrefix(t, "..") {
		return ""
	}
	for {
		i := strings.Index(line, ":`")
		if i < 0 {
			return line
		}
		j := strings.LastIndexByte(line[:i], ':')
		if j < 0 {
			return line
		}
		line = line[:j] + " " + line[i+1:]
	}
}

// stripPOD drops POD command words and formatting-code letters.
func stripPOD(line string) string {
	if strings.HasPrefix(line, "=") {
		f := strings.Fields(line)
		switch f[0] {
		case "=over", "=back", "=cut", "=pod", "=begin", "=end", "=for", "=encoding":
			return ""
		}
		line = strings.Join(f[1:], " ")
	}
	var b strings.Builder
	for i := 0; i < len(line); i++ {
		if i+1 < len(line) && line[i] >= 'A' && line[i] <= 'Z' && line[i+1] == '<' && (i == 0 || !isWordByte(line[i-1])) {
			continue // B<, I<, C<, L<, F<, E<
		}
		b.WriteByte(line[i])
	}
	return b.String()
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c >= utf8.RuneSelf
}

// ProseChange returns the prose fingerprint of a document change given
// its old and new text (whole files, or the same region of both): the
// net multiset of word shingles, sorted by Hash, with Text the shingle's
// words joined by spaces. Shingles of the new text count +1, those of the
// old text -1; equal shingles cancel, so what remains is the wording the
// change adds and removes, wherever the lines break.
func ProseChange(f ProseFormat, old, new string) []LineCount {
	lines, _, _ := aggregate(appendShingleDiff(nil, ProseWords(f, old), ProseWords(f, new)))
	return lines
}

// appendShingleDiff appends the shingles of new (+1) and old (-1),
// leaving out those that lie wholly in the words both texts begin or end
// with: they would cancel.
func appendShingleDiff(es []entry, old, new []string) []entry {
	n := ProseShingleSize
	if len(old) >= n && len(new) >= n {
		p := 0
		for p < len(old) && p < len(new) && old[p] == new[p] {
			p++
		}
		q := 0
		for q < len(old)-p && q < len(new)-p && old[len(old)-1-q] == new[len(new)-1-q] {
			q++
		}
		// Keep n-1 common words on each side, and n words in all.
		room := min(len(old), len(new)) - n
		cut := min(max(0, p-(n-1)), room)
		cutEnd := min(max(0, q-(n-1)), room-cut)
		old, new = old[cut:len(old)-cutEnd], new[cut:len(new)-cutEnd]
	}
	es = appendShingles(es, old, -1)
	return appendShingles(es, new, +1)
}

// appendShingles appends one entry per shingle of words with the given
// sign; fewer words than a shingle make one short shingle.
func appendShingles(es []entry, words []string, sign int) []entry {
	if len(words) == 0 {
		return es
	}
	n := min(ProseShingleSize, len(words))
	// One string holds every shingle's text: word i starts at off[i].
	joined := strings.Join(words, " ")
	off := make([]int, len(words)+1)
	for i, w := range words {
		off[i+1] = off[i] + len(w) + 1
	}
	for i := 0; i+n <= len(words); i++ {
		es = append(es, entry{hash: shingleHash(words[i : i+n]), sign: sign, text: joined[off[i] : off[i+n]-1]})
	}
	return es
}

// shingleHash is FNV-1a over the words, each followed by a separator, so
// that "ab c" and "a bc" differ.
func shingleHash(words []string) uint64 {
	h := uint64(fnvOffset64)
	for _, w := range words {
		for i := 0; i < len(w); i++ {
			h ^= uint64(w[i])
			h *= fnvPrime64
		}
		h ^= 0x1f
		h *= fnvPrime64
	}
	return h
}

// ProseFromFile returns the prose fingerprint of the changes a patch makes
// to one documentation file: for each hunk, the shingles of its new side
// (context and added lines) minus those of its old side (context and
// removed lines), summed over the hunks. The format comes from the file's
// path; nil when it is not documentation.
func ProseFromFile(f *File) []LineCount {
	if f == nil {
		return nil
	}
	format := ProseFormatOf(f.Path(-1))
	if format == NotProse {
		return nil
	}
	var es []entry
	var old, new strings.Builder
	for _, h := range f.Hunks {
		old.Reset()
		new.Reset()
		for _, l := range h.Lines {
			if l.Op != '+' {
				old.WriteString(l.Text)
				old.WriteByte('\n')
			}
			if l.Op != '-' {
				new.WriteString(l.Text)
				new.WriteByte('\n')
			}
		}
		es = appendShingleDiff(es, ProseWords(format, old.String()), ProseWords(format, new.String()))
	}
	lines, _, _ := aggregate(es)
	return lines
}

// ProseFromBlobs returns the prose fingerprint of the change between two
// versions of a documentation file at path (nil when path is not
// documentation). Only the region between the blobs' common leading and
// trailing lines is read, widened by enough lines on each side to hold a
// shingle's worth of words, so that a one-word change in a large manual
// costs a few lines.
func ProseFromBlobs(p string, old, new []byte) []LineCount {
	format := ProseFormatOf(p)
	if format == NotProse || bytes.Equal(old, new) {
		return nil
	}
	// The common leading and trailing lines.
	const chunk = 64 // compared with bytes.Equal before byte by byte
	pre := 0
	for pre+chunk <= min(len(old), len(new)) && bytes.Equal(old[pre:pre+chunk], new[pre:pre+chunk]) {
		pre += chunk
	}
	for pre < len(old) && pre < len(new) && old[pre] == new[pre] {
		pre++
	}
	pre = bytes.LastIndexByte(old[:pre], '\n') + 1
	suf := 0
	for n := min(len(old), len(new)) - pre; suf+chunk <= n &&
		bytes.Equal(old[len(old)-suf-chunk:len(old)-suf], new[len(new)-suf-chunk:len(new)-suf]); {
		suf += chunk
	}
	for suf < len(old)-pre && suf < len(new)-pre && old[len(old)-1-suf] == new[len(new)-1-suf] {
		suf++
	}
	for suf > 0 && !(atLineStart(old, len(old)-suf) && atLineStart(new, len(new)-suf)) {
		suf--
	}
	// Widen the region by lines holding at least a shingle of words.
	lo := pre
	for words := 0; lo > 0 && words < ProseShingleSize; {
		start := bytes.LastIndexByte(old[:lo-1], '\n') + 1
		words += lineWords(format, old[start:lo])
		lo = start
	}
	hiO, hiN := len(old)-suf, len(new)-suf
	for words := 0; hiO < len(old) && words < ProseShingleSize; {
		end := len(old)
		if k := bytes.IndexByte(old[hiO:], '\n'); k >= 0 {
			end = hiO + k + 1
		}
		words += lineWords(format, old[hiO:end])
		hiN += end - hiO
		hiO = end
	}
	return ProseChange(format, string(old[lo:hiO]), string(new[lo:hiN]))
}

// atLineStart reports whether offset i of data starts a line.
func atLineStart(data []byte, i int) bool { return i == 0 || data[i-1] == '\n' }

// lineWords counts the words of one line of format f.
func lineWords(f ProseFormat, line []byte) int {
	return len(appendWords(nil, stripMarkup(f, string(chomp(line)))))
}

// IsProse reports whether every changed file of a patch section list is
// documentation (at least one file).
func IsProse(files []FileChange) bool {
	return len(files) > 0 && !slices.ContainsFunc(files, func(f FileChange) bool { return ProseFormatOf(f.Path) == NotProse })
}
