package specfile

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/patchtrace/patchtrace/input"
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
	"el6":     func() Target { return elTarget("el6", 6, "") },
	"el7":     func() Target { return elTarget("el7", 7, "") },
	"el8":     func() Target { return elTarget("el8", 8, "") },
	"el9":     func() Target { return elTarget("el9", 9, "") },
	"el10":    func() Target { return elTarget("el10", 10, "") },
	"c8s":     func() Target { return elTarget("c8s", 8, "centos") },
	"c9s":     func() Target { return elTarget("c9s", 9, "centos") },
	"c10s":    func() Target { return elTarget("c10s", 10, "centos") },
	"alma8":   func() Target { return elTarget("alma8", 8, "almalinux") },
	"alma9":   func() Target { return elTarget("alma9", 9, "almalinux") },
	"alma10":  func() Target { return elTarget("alma10", 10, "almalinux") },
	"rocky8":  func() Target { return elTarget("rocky8", 8, "rocky") },
	"rocky9":  func() Target { return elTarget("rocky9", 9, "rocky") },
	"rocky10": func() Target { return elTarget("rocky10", 10, "rocky") },
	"ol8":     func() Target { return elTarget("ol8", 8, "oraclelinux") },
	"ol9":     func() Target { return elTarget("ol9", 9, "oraclelinux") },
	"ol10":    func() Target { return elTarget("ol10", 10, "oraclelinux") },
	"fedora":  func() Target { return fedoraTarget("fedora", 44) },
	"rawhide": func() Target { return fedoraTarget("rawhide", 46) },
}

// elRPM is the rpm each RHEL major release ships.
var elRPM = map[int]string{6: "4.8", 7: "4.11", 8: "4.14", 9: "4.16", 10: "4.19"}

// elTarget is a RHEL-family target; distro adds its own define (centos 9,
// almalinux 9, oraclelinux 9, ...).
func elTarget(name string, major int, distro string) Target {
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
	return Target{Name: name, Defines: d, Arch: "x86_64", OS: "linux", RPMVersion: elRPM[major]}
}

// fedoraRPM is the rpm a Fedora release ships: 4.16 up to 34, 4.17 in
// 35-36, 4.18 in 37-38, 4.19 in 39-40, 4.20 in 41-42, 6.0 from 43.
func fedoraRPM(release int) string {
	switch {
	case release >= 43:
		return "6.0"
	case release >= 41:
		return "4.20"
	case release >= 39:
		return "4.19"
	case release >= 37:
		return "4.18"
	case release >= 35:
		return "4.17"
	}
	return "4.16"
}

// fedoraTarget is a Fedora release with the rpm it ships.
func fedoraTarget(name string, release int) Target {
	r := strconv.Itoa(release)
	return Target{Name: name, Defines: map[string]string{
		"dist":       ".fc" + r,
		"fedora":     r,
		"fc" + r:     "1",
		"__isa_name": "x86",
		"__isa_bits": "64",
	}, Arch: "x86_64", OS: "linux", RPMVersion: fedoraRPM(release)}
}

var reFedoraPreset = regexp.MustCompile(`^fc?(\d{2})$`)

// Preset returns a ready target: "el6" to "el10" (RHEL: EuroLinux and
// CentOS 6 and 7 too), "c8s", "c9s", "c10s" (CentOS Stream: also defines
// centos), "alma8"-"alma10", "rocky8"-"rocky10", "ol8"-"ol10" (Oracle
// Linux: also defines oraclelinux), "fedora" (the current stable Fedora,
// 44), "fNN" or "fcNN" for any Fedora release (f35, f43, ...), and
// "rawhide" (46). Each sets dist, the distro defines, x86_64 and the rpm
// version that distribution ships (EL6 rpm 4.8, EL7 4.11, EL8 4.14, EL9
// 4.16, EL10 4.19; Fedora 41-42 4.20, 43+ rpm 6).
func Preset(name string) (Target, error) {
	n := strings.ToLower(name)
	if f, ok := presets[n]; ok {
		return f(), nil
	}
	if m := reFedoraPreset.FindStringSubmatch(n); m != nil {
		r, _ := strconv.Atoi(m[1])
		return fedoraTarget("f"+m[1], r), nil
	}
	return Target{}, fmt.Errorf("specfile: unknown target preset %q (known: %s, fNN)", name, strings.Join(PresetNames(), ", "))
}

// PresetNames lists the names Preset accepts, sorted ("fNN" for any
// Fedora release is accepted besides).
func PresetNames() []string {
	var names []string
	for n := range presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

var (
	// A RHEL-family dist tag or branch: .el8, el8_8, el-9.2, module+el8.4.0.
	reELDist = regexp.MustCompile(`(?:^|[^a-z0-9])(?:module\+)?el-?(\d{1,2})(?:[^0-9]|$)`)
	// A Fedora dist tag or branch: .fc38, f35.
	reFCDist = regexp.MustCompile(`(?:^|[^a-z0-9])fc?(\d{2})(?:[^0-9]|$)`)
	// A CentOS Stream branch: c9s.
	reStream = regexp.MustCompile(`(?:^|[^a-z0-9])c(\d{1,2})s(?:[^a-z0-9]|$)`)
	// A RHEL import branch: imports/c8/..., c9.
	reImport = regexp.MustCompile(`(?:^|/)c(\d{1,2})(?:/|$)`)
	// An Oracle Linux branch or dist: ol8, ol9_u2.
	reOL = regexp.MustCompile(`(?:^|[^a-z0-9])ol(\d{1,2})(?:[^0-9]|$)`)
)

// DetectPreset names the preset a dist tag, release, branch, tag or
// path names: "33.el8" and ".el8_8" → el8, "3.0.7-1.fc38" and "f35" →
// f38 and f35, "rawhide" → rawhide, "c9s" → c9s, "imports/c8/curl-…"
// → el8, "ol9" → ol9; a rebuild suffix picks the rebuild's preset
// ("9.el9.alma.1" → alma9, ".el8.rocky" → rocky8). In a path, the last
// element that names one wins. ok is false when nothing names a preset
// this package has.
func DetectPreset(hint string) (name string, ok bool) {
	parts := strings.Split(strings.ToLower(hint), "/")
	for i := len(parts) - 1; i >= 0; i-- {
		if n := detectIn(parts[i], strings.Join(parts[max(0, i-1):i+1], "/")); n != "" {
			if _, err := Preset(n); err == nil {
				return n, true
			}
		}
	}
	return "", false
}

// detectIn detects a preset in one path element s (pair is s with the
// element before it, for import branches such as imports/c8).
func detectIn(s, pair string) string {
	if s == "rawhide" || strings.Contains(s, "rawhide") {
		return "rawhide"
	}
	if m := reStream.FindStringSubmatch(s); m != nil {
		return "c" + m[1] + "s"
	}
	if m := reOL.FindStringSubmatch(s); m != nil {
		return "ol" + m[1]
	}
	if m := reELDist.FindStringSubmatch(s); m != nil {
		switch {
		case strings.Contains(s, "alma"):
			return "alma" + m[1]
		case strings.Contains(s, "rocky"):
			return "rocky" + m[1]
		}
		return "el" + m[1]
	}
	if m := reFCDist.FindStringSubmatch(s); m != nil {
		return "f" + m[1]
	}
	if m := reImport.FindStringSubmatch(pair); m != nil && strings.Contains(pair, "imports/") {
		return "el" + m[1]
	}
	return ""
}

// SameFamily reports whether two presets read specs for the same
// distribution release: the same dist tag and rpm version (el9 and c9s
// do; el8 and el9 do not).
func SameFamily(a, b Target) bool {
	return a.Defines["dist"] == b.Defines["dist"] && a.RPMVersion == b.RPMVersion
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
		return &input.Error{Pos: input.Position{File: name}, Err: err}
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
				firstErr = &input.Error{Pos: input.Position{File: name, Line: start}, Err: fmt.Errorf("bad macro definition %q", shorten(buf, 60))}
			}
			continue
		}
		d.File, d.Line = name, start
		defs = append(defs, d)
	}
	if err := sc.Err(); err != nil && firstErr == nil {
		firstErr = &input.Error{Pos: input.Position{File: name, Line: lineNo}, Err: err}
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
