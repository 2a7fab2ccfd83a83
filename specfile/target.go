package specfile

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// Target is what a spec is read for: the macros a build system defines,
// the architecture and OS, the --with/--without switches, and the rpm
// behaviour version that decides numbering and %patch rules.
type Target struct {
	// Name is a label ("el9", "fedora", ...); informational.
	Name string
	// Defines are macros defined like rpm's --define 'NAME VALUE'. They
	// override the built-in defaults and loaded macro files.
	Defines map[string]string
	// Arch is the target CPU (%{_target_cpu}, %{_arch}); "" means x86_64.
	Arch string
	// OS is the target OS (%{_target_os}); "" means linux.
	OS string
	// With and Without are bcond switches, like rpmbuild --with/--without.
	With, Without []string
	// RPMVersion is the rpm behaviour version: "4.8" (EL6), "4.11" (EL7)
	// and "4.14" read specs alike; "4.16", "4.18", "4.19", "4.20", "6.0"
	// ("" means 4.18). rpm 6 reads specs as 4.20 does (measured: the
	// same agreement with rpm 4.20.1 and 6.1 on the corpus) but reports
	// its own %{rpmversion}.
	RPMVersion string
	// Macros are macro definitions loaded from macro files (see
	// LoadMacroFile), applied in order before Defines.
	Macros []MacroDef
}

// MacroDef is one macro definition from an rpm macros file.
type MacroDef struct {
	// Name is the macro's name without % (`%foo(ab:) ...` → "foo").
	Name string
	// Opts is the option string of a parametric macro (`%foo(ab:)` →
	// "ab:"); Parametric tells an empty option list from none.
	Opts       string
	Parametric bool
	// Body is the definition's body as rpm's %define stores it: a {...}
	// body without its braces, else the rest of the (continued) line with
	// backslash escapes removed and trailing blanks trimmed.
	Body string
	// File and Line locate the definition (its first line) in the macros
	// file.
	File string
	Line int
}

// presets maps a preset name to its target.
var presets = map[string]func() Target{
	"el8":     func() Target { return elTarget("el8", 8, "4.14", "") },
	"el9":     func() Target { return elTarget("el9", 9, "4.16", "") },
	"el10":    func() Target { return elTarget("el10", 10, "4.19", "") },
	"c8s":     func() Target { return elTarget("c8s", 8, "4.14", "centos") },
	"c9s":     func() Target { return elTarget("c9s", 9, "4.16", "centos") },
	"c10s":    func() Target { return elTarget("c10s", 10, "4.19", "centos") },
	"alma8":   func() Target { return elTarget("alma8", 8, "4.14", "almalinux") },
	"alma9":   func() Target { return elTarget("alma9", 9, "4.16", "almalinux") },
	"alma10":  func() Target { return elTarget("alma10", 10, "4.19", "almalinux") },
	"rocky8":  func() Target { return elTarget("rocky8", 8, "4.14", "rocky") },
	"rocky9":  func() Target { return elTarget("rocky9", 9, "4.16", "rocky") },
	"fedora":  func() Target { return fedoraTarget("fedora", 44) },
	"f42":     func() Target { return fedoraTarget("f42", 42) },
	"f43":     func() Target { return fedoraTarget("f43", 43) },
	"f44":     func() Target { return fedoraTarget("f44", 44) },
	"f45":     func() Target { return fedoraTarget("f45", 45) },
	"rawhide": func() Target { return fedoraTarget("rawhide", 46) },
}

// elTarget is a RHEL-family target; distro adds its own define (centos 9,
// almalinux 9, ...).
func elTarget(name string, major int, rpmver, distro string) Target {
	m := strconv.Itoa(major)
	d := map[string]string{
		"dist":       ".el" + m,
		"rhel":       m,
		"el" + m:     "1",
		"__isa_name": "x86",
		"__isa_bits": "64",
	}
	if distro != "" {
		d[distro] = m
	}
	return Target{Name: name, Defines: d, Arch: "x86_64", OS: "linux", RPMVersion: rpmver}
}

// fedoraTarget is a Fedora release: rpm 4.20 up to Fedora 42, rpm 6.0
// (which reads %patch like 4.20) from Fedora 43.
func fedoraTarget(name string, release int) Target {
	r := strconv.Itoa(release)
	rpmver := "4.20"
	if release >= 43 {
		rpmver = "6.0"
	}
	return Target{Name: name, Defines: map[string]string{
		"dist":       ".fc" + r,
		"fedora":     r,
		"fc" + r:     "1",
		"__isa_name": "x86",
		"__isa_bits": "64",
	}, Arch: "x86_64", OS: "linux", RPMVersion: rpmver}
}

// Preset returns a ready target: "el8", "el9", "el10" (RHEL), "c8s",
// "c9s", "c10s" (CentOS Stream: also defines centos), "alma8", "alma9",
// "alma10", "rocky8", "rocky9", and "fedora" (the current stable Fedora,
// 44; "f42" to "f45" name a release, "rawhide" is 46). Each sets dist, the
// distro defines, x86_64 and the rpm version that distribution ships.
func Preset(name string) (Target, error) {
	f, ok := presets[strings.ToLower(name)]
	if !ok {
		return Target{}, fmt.Errorf("specfile: unknown target preset %q (known: %s)", name, strings.Join(PresetNames(), ", "))
	}
	return f(), nil
}

// PresetNames lists the names Preset accepts, sorted.
func PresetNames() []string {
	var names []string
	for n := range presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Define sets a define on t (like rpm's --define 'name value').
func (t *Target) Define(name, value string) {
	if t.Defines == nil {
		t.Defines = map[string]string{}
	}
	t.Defines[name] = value
}

// LoadMacroFile reads an rpm macros file (`%name body`, `%name(opts)
// body`, backslash continuation lines) from fsys and appends its
// definitions to t.Macros. Lines that do not start with % are ignored, as
// rpm does. Nothing in the file is executed or expanded here.
func (t *Target) LoadMacroFile(fsys fs.FS, name string) error {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return &Error{File: name, Err: err}
	}
	defs, err := ParseMacroFile(name, data)
	t.Macros = append(t.Macros, defs...)
	return err
}

// ParseMacroFile parses the text of an rpm macros file into definitions,
// following rpm's reader: a definition continues over lines that end in a
// backslash or while a %{, %( or %[ is open.
func ParseMacroFile(name string, data []byte) ([]MacroDef, error) {
	var defs []MacroDef
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	lineNo := 0
	var firstErr error
	for sc.Scan() {
		lineNo++
		start := lineNo
		line := strings.TrimRight(sc.Text(), "\r")
		t := strings.TrimLeft(line, " \t")
		if !strings.HasPrefix(t, "%") {
			continue
		}
		buf := t
		for needMore(buf) && sc.Scan() {
			lineNo++
			buf += "\n" + strings.TrimRight(sc.Text(), "\r")
		}
		d, ok := splitDefinition(buf[1:])
		if !ok {
			if firstErr == nil {
				firstErr = &Error{File: name, Line: start, Err: fmt.Errorf("bad macro definition %q", shorten(buf, 60))}
			}
			continue
		}
		d.File, d.Line = name, start
		defs = append(defs, d)
	}
	if err := sc.Err(); err != nil && firstErr == nil {
		firstErr = &Error{File: name, Line: lineNo, Err: err}
	}
	return defs, firstErr
}

// needMore reports whether a macros-file definition continues on the next
// line: it ends in a backslash or leaves %{, %( or %[ open (rpm's rdcl).
func needMore(s string) bool {
	var n nesting
	for i := 0; i < len(s); {
		i = n.step(s, i)
	}
	return strings.HasSuffix(s, "\\") || n.open()
}

// splitDefinition splits "name(opts) body" (the text after %) of a macro
// file line. The body is processed as rpm's %define does: {...} grouping,
// backslash escapes removed, trailing blanks trimmed.
func splitDefinition(s string) (MacroDef, bool) {
	i := 0
	for i < len(s) && (isAlnum(s[i]) || s[i] == '_') {
		i++
	}
	if i == 0 {
		return MacroDef{}, false
	}
	d := MacroDef{Name: s[:i]}
	if i < len(s) && s[i] == '(' {
		j := strings.IndexByte(s[i:], ')')
		if j < 0 {
			return MacroDef{}, false
		}
		d.Opts, d.Parametric = s[i+1:i+j], true
		i += j + 1
	}
	body, _, ok := defineBody(s, i, true)
	if !ok {
		return MacroDef{}, false
	}
	d.Body = body
	return d, true
}

// shorten cuts s to at most n bytes, marking the cut with "...".
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
