package source

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/patchtrace/patchtrace/input"
)

// Overlay is one srpmproc overlay configuration (PATCHES/*.cfg,
// ROCKY/CFG/*.cfg): the directives a rebuild (Rocky, OpenELA) applies on
// top of an imported package. The file is protobuf text format of
// srpmproc's Cfg message; ParseOverlay reads it without protobuf.
type Overlay struct {
	// Path is the configuration's path inside the source.
	Path string
	// Replace, Delete, Add, Lookaside and Patch hold the top-level
	// directives in file order.
	Replace   []OverlayReplace
	Delete    []OverlayDelete
	Add       []OverlayAdd
	Lookaside []OverlayLookaside
	Patch     []OverlayPatch
	// SpecChange holds the spec_change directives (srpmproc allows one
	// block; several blocks are merged in order). Nil when absent.
	SpecChange *SpecChange
	// Unknown lists fields this parser does not know, as
	// "path.to.field (line N)", so that newer srpmproc fields are seen,
	// not lost silently.
	Unknown []string
}

// OverlayFile is a file an overlay puts into the package's SOURCES/.
type OverlayFile struct {
	// Name is the file's name in SOURCES/ (as a spec's PatchN names it).
	Name string
	// From is the file's path in the overlay tree (e.g.
	// "PATCHES/0001-x.patch"), or "" for a lookaside object.
	From string
	// Lookaside names the lookaside object, when the file comes from
	// there.
	Lookaside string
	// Replaces is true for a replace directive (the file existed).
	Replaces bool
}

// Files returns the files the overlay adds to or replaces in SOURCES/,
// in directive order (add, then replace).
func (o *Overlay) Files() []OverlayFile {
	var out []OverlayFile
	base := func(p string) string {
		if i := strings.LastIndexByte(p, '/'); i >= 0 {
			return p[i+1:]
		}
		return p
	}
	for _, a := range o.Add {
		f := OverlayFile{Name: a.Name, From: a.File, Lookaside: a.Lookaside}
		if f.Name == "" {
			f.Name = base(a.File + a.Lookaside)
		}
		out = append(out, f)
	}
	for _, r := range o.Replace {
		if r.WithInline != "" && r.WithFile == "" && r.WithLookaside == "" {
			out = append(out, OverlayFile{Name: base(r.File), Replaces: true})
			continue
		}
		out = append(out, OverlayFile{Name: base(r.File), From: r.WithFile, Lookaside: r.WithLookaside, Replaces: true})
	}
	return out
}

// OverlayReplace replaces a file of the imported package.
type OverlayReplace struct {
	File          string // the replaced file
	WithFile      string // replacement from the overlay tree
	WithInline    string // replacement content
	WithLookaside string // replacement from the lookaside cache
	Line          int    // 1-based line of the directive in the .cfg
}

// OverlayDelete deletes a file of the imported package.
type OverlayDelete struct {
	File string // the deleted file, as a path in the imported package
	Line int    // 1-based line of the directive in the .cfg
}

// OverlayAdd adds a file from the overlay tree (or the lookaside cache) to
// SOURCES/.
type OverlayAdd struct {
	File      string // path in the overlay repository, e.g. PATCHES/x.patch
	Lookaside string // lookaside object instead of File
	Name      string // file name override
	Line      int    // 1-based line of the directive in the .cfg
}

// OverlayLookaside puts files in blob storage (optionally as one tarball).
type OverlayLookaside struct {
	Files         []string // the files to upload (file directives)
	Tar           bool     // pack Files into one tarball
	ArchiveName   string   // the tarball's name, with Tar
	FromPatchTree bool     // take Files from the overlay tree, not the imported one
	Line          int      // 1-based line of the directive in the .cfg
}

// OverlayPatch applies a patch (to the imported tree, not the build).
type OverlayPatch struct {
	File   string // path from the overlay repository root
	Strict bool   // when false srpmproc prefixes SOURCES/ to bare paths
	Line   int    // 1-based line of the directive in the .cfg
}

// SpecChange edits the spec.
type SpecChange struct {
	File             []SpecFileOp         // file directives, in order
	Changelog        []ChangelogOp        // changelog directives, in order
	SearchAndReplace []SearchAndReplaceOp // search_and_replace directives, in order
	Append           []AppendOp           // append directives, in order
	NewField         []NewFieldOp         // new_field directives, in order
	DisableAutoAlign bool                 // srpmproc must not re-align the tag values it edits
	Line             int                  // 1-based line of the first spec_change block in the .cfg
}

// SpecFileOp adds a SourceN/PatchN declaration to, or deletes one from,
// the spec.
type SpecFileOp struct {
	Name      string // the file name the declaration carries
	Type      string // "Source", "Patch" or "Unknown" (as written)
	Add       bool   // add a declaration for Name
	Delete    bool   // delete the declaration of Name
	AddToPrep bool   // also add a %patch line for it to %prep
	NPath     int    // -pN for the %patch line srpmproc adds
	Line      int    // 1-based line of the directive in the .cfg
}

// ChangelogOp adds a %changelog entry.
type ChangelogOp struct {
	AuthorName  string   // the entry's author name
	AuthorEmail string   // the entry's author e-mail address
	Message     []string // the entry's lines, one per message field
	Line        int      // 1-based line of the directive in the .cfg
}

// SearchAndReplaceOp replaces text in the spec.
type SearchAndReplaceOp struct {
	Field      string // replace in this tag's value
	Any        bool   // replace in any line
	StartsWith bool   // lines starting with Find
	EndsWith   bool   // lines ending with Find
	Find       string // the text to find
	Replace    string // the text to put in its place
	N          int    // occurrences to replace; -1 for all
	Line       int    // 1-based line of the directive in the .cfg
}

// AppendOp appends Value to a tag's value (e.g. Release).
type AppendOp struct {
	Field string // the tag whose value is extended (e.g. "Release")
	Value string // the text appended
	Line  int    // 1-based line of the directive in the .cfg
}

// NewFieldOp adds a new tag.
type NewFieldOp struct {
	Key   string // the new tag's name (e.g. "Provides")
	Value string // the new tag's value
	Line  int    // 1-based line of the directive in the .cfg
}

// textField is one field of a protobuf text message.
type textField struct {
	name     string
	line     int
	value    string // scalar value (strings unquoted)
	isString bool
	msg      []textField // nested message
	nested   bool
}

// Limits of the text parser.
const (
	maxOverlaySize  = 4 << 20
	maxOverlayDepth = 32
)

// ParseOverlay parses a srpmproc .cfg file (protobuf text format of
// srpmproc's Cfg message). name is used in errors: *input.Error values
// that carry name:line and wrap ErrFormat (or input.ErrTooLarge).
func ParseOverlay(name string, data []byte) (*Overlay, error) {
	if len(data) > maxOverlaySize {
		return nil, input.Errorf(input.Position{File: name}, "%w: %d bytes (cap %d)", input.ErrTooLarge, len(data), maxOverlaySize)
	}
	p := &textParser{name: name, src: data, line: 1}
	fields, err := p.message(0, 0)
	if err != nil {
		return nil, err
	}
	o := &Overlay{Path: name}
	d := &decoder{name: name, o: o}
	d.cfg(fields)
	if d.err != nil {
		return nil, d.err
	}
	return o, nil
}

type textParser struct {
	name string
	src  []byte
	pos  int
	line int
}

func (p *textParser) errorf(format string, args ...any) error {
	return input.Errorf(input.Position{File: p.name, Line: p.line}, "%w: %s", ErrFormat, fmt.Sprintf(format, args...))
}

// skip skips white space and # comments.
func (p *textParser) skip() {
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '\n':
			p.line++
			p.pos++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			p.pos++
		case c == '#':
			for p.pos < len(p.src) && p.src[p.pos] != '\n' {
				p.pos++
			}
		default:
			return
		}
	}
}

func isIdentByte(c byte, first bool) bool {
	return c == '_' || isAlpha(c) || !first && isDigit(c)
}

// ident reads an identifier (or [extension.name]).
func (p *textParser) ident() (string, error) {
	if p.pos < len(p.src) && p.src[p.pos] == '[' {
		end := p.pos + 1
		for end < len(p.src) && p.src[end] != ']' && p.src[end] != '\n' {
			end++
		}
		if end >= len(p.src) || p.src[end] != ']' {
			return "", p.errorf("unterminated [extension] name")
		}
		s := string(p.src[p.pos : end+1])
		p.pos = end + 1
		return s, nil
	}
	start := p.pos
	for p.pos < len(p.src) && isIdentByte(p.src[p.pos], p.pos == start) {
		p.pos++
	}
	if p.pos == start {
		if p.pos >= len(p.src) {
			return "", p.errorf("unexpected end of input, want a field name")
		}
		return "", p.errorf("unexpected %q, want a field name", p.src[p.pos])
	}
	return string(p.src[start:p.pos]), nil
}

// message parses fields until EOF (depth 0) or the closing delimiter.
func (p *textParser) message(depth int, closing byte) ([]textField, error) {
	if depth > maxOverlayDepth {
		return nil, p.errorf("nesting deeper than %d", maxOverlayDepth)
	}
	var fields []textField
	for {
		p.skip()
		if p.pos >= len(p.src) {
			if closing != 0 {
				return nil, p.errorf("unexpected end of input, want %q", closing)
			}
			return fields, nil
		}
		if closing != 0 && p.src[p.pos] == closing {
			p.pos++
			return fields, nil
		}
		line := p.line
		name, err := p.ident()
		if err != nil {
			return nil, err
		}
		p.skip()
		colon := false
		if p.pos < len(p.src) && p.src[p.pos] == ':' {
			colon = true
			p.pos++
			p.skip()
		}
		if p.pos >= len(p.src) {
			return nil, p.errorf("unexpected end of input after %s", name)
		}
		switch c := p.src[p.pos]; {
		case c == '{' || c == '<':
			p.pos++
			end := byte('}')
			if c == '<' {
				end = '>'
			}
			sub, err := p.message(depth+1, end)
			if err != nil {
				return nil, err
			}
			fields = append(fields, textField{name: name, line: line, msg: sub, nested: true})
		case c == '[':
			if !colon {
				return nil, p.errorf("want ':' before list value of %s", name)
			}
			p.pos++
			for {
				p.skip()
				if p.pos < len(p.src) && p.src[p.pos] == ']' {
					p.pos++
					break
				}
				if p.pos < len(p.src) && (p.src[p.pos] == '{' || p.src[p.pos] == '<') {
					end := byte('}')
					if p.src[p.pos] == '<' {
						end = '>'
					}
					p.pos++
					vline := p.line
					sub, err := p.message(depth+1, end)
					if err != nil {
						return nil, err
					}
					fields = append(fields, textField{name: name, line: vline, msg: sub, nested: true})
				} else {
					vline := p.line
					v, isStr, err := p.scalar()
					if err != nil {
						return nil, err
					}
					fields = append(fields, textField{name: name, line: vline, value: v, isString: isStr})
				}
				p.skip()
				if p.pos < len(p.src) && p.src[p.pos] == ',' {
					p.pos++
					continue
				}
				p.skip()
				if p.pos < len(p.src) && p.src[p.pos] == ']' {
					p.pos++
					break
				}
				return nil, p.errorf("want ',' or ']' in list value of %s", name)
			}
		default:
			if !colon {
				return nil, p.errorf("want ':' or '{' after field name %s", name)
			}
			v, isStr, err := p.scalar()
			if err != nil {
				return nil, err
			}
			fields = append(fields, textField{name: name, line: line, value: v, isString: isStr})
		}
		p.skip()
		if p.pos < len(p.src) && (p.src[p.pos] == ',' || p.src[p.pos] == ';') {
			p.pos++
		}
	}
}

// scalar reads a string (adjacent strings concatenate), an identifier or
// a number.
func (p *textParser) scalar() (string, bool, error) {
	if p.pos >= len(p.src) {
		return "", false, p.errorf("unexpected end of input, want a value")
	}
	c := p.src[p.pos]
	if c == '"' || c == '\'' {
		var sb strings.Builder
		for p.pos < len(p.src) && (p.src[p.pos] == '"' || p.src[p.pos] == '\'') {
			s, err := p.quoted()
			if err != nil {
				return "", false, err
			}
			sb.WriteString(s)
			save, saveLine := p.pos, p.line
			p.skip()
			if p.pos >= len(p.src) || (p.src[p.pos] != '"' && p.src[p.pos] != '\'') {
				p.pos, p.line = save, saveLine
				break
			}
		}
		return sb.String(), true, nil
	}
	start := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if isAlnum(c) || c == '_' || c == '-' || c == '+' || c == '.' {
			p.pos++
			continue
		}
		break
	}
	if p.pos == start {
		return "", false, p.errorf("unexpected %q, want a value", c)
	}
	return string(p.src[start:p.pos]), false, nil
}

// quoted reads one quoted string with C-style escapes.
func (p *textParser) quoted() (string, error) {
	q := p.src[p.pos]
	p.pos++
	var sb strings.Builder
	for {
		if p.pos >= len(p.src) {
			return "", p.errorf("unterminated string")
		}
		c := p.src[p.pos]
		switch {
		case c == q:
			p.pos++
			return sb.String(), nil
		case c == '\n':
			return "", p.errorf("newline in string")
		case c != '\\':
			sb.WriteByte(c)
			p.pos++
			continue
		}
		p.pos++
		if p.pos >= len(p.src) {
			return "", p.errorf("unterminated string")
		}
		e := p.src[p.pos]
		p.pos++
		switch e {
		case 'n':
			sb.WriteByte('\n')
		case 't':
			sb.WriteByte('\t')
		case 'r':
			sb.WriteByte('\r')
		case 'a':
			sb.WriteByte('\a')
		case 'b':
			sb.WriteByte('\b')
		case 'f':
			sb.WriteByte('\f')
		case 'v':
			sb.WriteByte('\v')
		case '\\', '\'', '"', '?':
			sb.WriteByte(e)
		case 'x', 'X':
			n, v := 0, 0
			for n < 2 && p.pos < len(p.src) && isHex(p.src[p.pos]) {
				v = v*16 + hexVal(p.src[p.pos])
				p.pos++
				n++
			}
			if n == 0 {
				return "", p.errorf("bad \\x escape")
			}
			sb.WriteByte(byte(v))
		case 'u', 'U':
			want := 4
			if e == 'U' {
				want = 8
			}
			v := 0
			for i := 0; i < want; i++ {
				if p.pos >= len(p.src) || !isHex(p.src[p.pos]) {
					return "", p.errorf("bad \\%c escape", e)
				}
				v = v*16 + hexVal(p.src[p.pos])
				p.pos++
			}
			if v > utf8.MaxRune {
				return "", p.errorf("bad \\%c escape", e)
			}
			sb.WriteRune(rune(v))
		default:
			if e >= '0' && e <= '7' {
				v := int(e - '0')
				for n := 1; n < 3 && p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '7'; n++ {
					v = v*8 + int(p.src[p.pos]-'0')
					p.pos++
				}
				if v > 255 {
					return "", p.errorf("bad octal escape")
				}
				sb.WriteByte(byte(v))
				continue
			}
			return "", p.errorf("unknown escape \\%c", e)
		}
	}
}

func isHex(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func hexVal(c byte) int {
	switch {
	case isDigit(c):
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return int(c-'A') + 10
}

// decoder maps text fields onto the typed Overlay.
type decoder struct {
	name string
	o    *Overlay
	err  error
}

func (d *decoder) fail(f textField, format string, args ...any) {
	if d.err == nil {
		d.err = input.Errorf(input.Position{File: d.name, Line: f.line}, "%w: %s", ErrFormat, fmt.Sprintf(format, args...))
	}
}

func (d *decoder) unknown(prefix string, f textField) {
	d.o.Unknown = append(d.o.Unknown, fmt.Sprintf("%s%s (line %d)", prefix, f.name, f.line))
}

func (d *decoder) str(f textField) string {
	if f.nested {
		d.fail(f, "%s: want a string, have a message", f.name)
		return ""
	}
	if !f.isString {
		d.fail(f, "%s: want a quoted string, have %s", f.name, f.value)
	}
	return f.value
}

func (d *decoder) boolean(f textField) bool {
	if f.nested || f.isString {
		d.fail(f, "%s: want true or false", f.name)
		return false
	}
	switch f.value {
	case "true", "True", "t", "1":
		return true
	case "false", "False", "f", "0":
		return false
	}
	d.fail(f, "%s: want true or false, have %s", f.name, f.value)
	return false
}

func (d *decoder) integer(f textField) int {
	if f.nested || f.isString {
		d.fail(f, "%s: want an integer", f.name)
		return 0
	}
	v, err := strconv.ParseInt(f.value, 0, 32)
	if err != nil {
		d.fail(f, "%s: want an integer, have %s", f.name, f.value)
	}
	return int(v)
}

func (d *decoder) enum(f textField) string {
	if f.nested {
		d.fail(f, "%s: want an enum value", f.name)
		return ""
	}
	return f.value
}

func (d *decoder) msg(f textField) []textField {
	if !f.nested {
		d.fail(f, "%s: want a message { ... }", f.name)
		return nil
	}
	return f.msg
}

func (d *decoder) cfg(fields []textField) {
	for _, f := range fields {
		switch f.name {
		case "replace":
			r := OverlayReplace{Line: f.line}
			for _, g := range d.msg(f) {
				switch g.name {
				case "file":
					r.File = d.str(g)
				case "with_file":
					r.WithFile = d.str(g)
				case "with_inline":
					r.WithInline = d.str(g)
				case "with_lookaside":
					r.WithLookaside = d.str(g)
				default:
					d.unknown("replace.", g)
				}
			}
			d.o.Replace = append(d.o.Replace, r)
		case "delete":
			r := OverlayDelete{Line: f.line}
			for _, g := range d.msg(f) {
				switch g.name {
				case "file":
					r.File = d.str(g)
				default:
					d.unknown("delete.", g)
				}
			}
			d.o.Delete = append(d.o.Delete, r)
		case "add":
			r := OverlayAdd{Line: f.line}
			for _, g := range d.msg(f) {
				switch g.name {
				case "file":
					r.File = d.str(g)
				case "lookaside":
					r.Lookaside = d.str(g)
				case "name":
					r.Name = d.str(g)
				default:
					d.unknown("add.", g)
				}
			}
			d.o.Add = append(d.o.Add, r)
		case "lookaside":
			r := OverlayLookaside{Line: f.line}
			for _, g := range d.msg(f) {
				switch g.name {
				case "file", "files":
					r.Files = append(r.Files, d.str(g))
				case "tar":
					r.Tar = d.boolean(g)
				case "archive_name":
					r.ArchiveName = d.str(g)
				case "from_patch_tree":
					r.FromPatchTree = d.boolean(g)
				default:
					d.unknown("lookaside.", g)
				}
			}
			d.o.Lookaside = append(d.o.Lookaside, r)
		case "patch":
			r := OverlayPatch{Line: f.line}
			for _, g := range d.msg(f) {
				switch g.name {
				case "file":
					r.File = d.str(g)
				case "strict":
					r.Strict = d.boolean(g)
				default:
					d.unknown("patch.", g)
				}
			}
			d.o.Patch = append(d.o.Patch, r)
		case "spec_change":
			if d.o.SpecChange == nil {
				d.o.SpecChange = &SpecChange{Line: f.line}
			}
			d.specChange(d.o.SpecChange, d.msg(f))
		default:
			d.unknown("", f)
		}
	}
}

func (d *decoder) specChange(sc *SpecChange, fields []textField) {
	for _, f := range fields {
		switch f.name {
		case "file":
			r := SpecFileOp{Line: f.line}
			for _, g := range d.msg(f) {
				switch g.name {
				case "name":
					r.Name = d.str(g)
				case "type":
					r.Type = d.enum(g)
				case "add":
					r.Add = d.boolean(g)
				case "delete":
					r.Delete = d.boolean(g)
				case "add_to_prep":
					r.AddToPrep = d.boolean(g)
				case "n_path":
					r.NPath = d.integer(g)
				default:
					d.unknown("spec_change.file.", g)
				}
			}
			sc.File = append(sc.File, r)
		case "changelog":
			r := ChangelogOp{Line: f.line}
			for _, g := range d.msg(f) {
				switch g.name {
				case "author_name":
					r.AuthorName = d.str(g)
				case "author_email":
					r.AuthorEmail = d.str(g)
				case "message":
					r.Message = append(r.Message, d.str(g))
				default:
					d.unknown("spec_change.changelog.", g)
				}
			}
			sc.Changelog = append(sc.Changelog, r)
		case "search_and_replace":
			r := SearchAndReplaceOp{Line: f.line}
			for _, g := range d.msg(f) {
				switch g.name {
				case "field":
					r.Field = d.str(g)
				case "any":
					r.Any = d.boolean(g)
				case "starts_with":
					r.StartsWith = d.boolean(g)
				case "ends_with":
					r.EndsWith = d.boolean(g)
				case "find":
					r.Find = d.str(g)
				case "replace":
					r.Replace = d.str(g)
				case "n":
					r.N = d.integer(g)
				default:
					d.unknown("spec_change.search_and_replace.", g)
				}
			}
			sc.SearchAndReplace = append(sc.SearchAndReplace, r)
		case "append":
			r := AppendOp{Line: f.line}
			for _, g := range d.msg(f) {
				switch g.name {
				case "field":
					r.Field = d.str(g)
				case "value":
					r.Value = d.str(g)
				default:
					d.unknown("spec_change.append.", g)
				}
			}
			sc.Append = append(sc.Append, r)
		case "new_field":
			r := NewFieldOp{Line: f.line}
			for _, g := range d.msg(f) {
				switch g.name {
				case "key":
					r.Key = d.str(g)
				case "value":
					r.Value = d.str(g)
				default:
					d.unknown("spec_change.new_field.", g)
				}
			}
			sc.NewField = append(sc.NewField, r)
		case "disable_auto_align":
			sc.DisableAutoAlign = d.boolean(f)
		default:
			d.unknown("spec_change.", f)
		}
	}
}
