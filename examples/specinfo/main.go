// Command specinfo reads one RPM spec file for a target, the way rpm would
// but without running anything from it, and prints its NEVR, the declared
// patches, the %prep application plan and the warnings of the parse.
//
// Usage:
//
//	specinfo [-target PRESET] [-D 'NAME VALUE']... [-with X]... [-without X]...
//	         [-rpm VERSION] [-macros FILE]... [-json] [-fail-on-warning] SPEC|DIR
//
// SPEC is a spec file; DIR a packaging directory (flat dist-git, or
// SPECS/SOURCES) holding one spec. -target names a preset (el8, el9, el10,
// c9s, c10s, fedora, ...); -D defines a macro like rpm's --define;
// -with/-without set bconds; -rpm overrides the rpm behaviour version;
// -macros loads an rpm macros file (for example /usr/lib/rpm/macros).
// %include files are read from the spec's directory (SOURCES/ for a
// SPECS/SOURCES directory) only, never through a symlink out of it. With
// -json one JSON object is printed.
//
// Exit status: 0 success, 1 warnings with -fail-on-warning, 2 usage error,
// 3 input error (unreadable or malformed spec). -h prints the help with
// examples.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/patchtrace/patchtrace/input"
	"github.com/patchtrace/patchtrace/internal/cli"
	"github.com/patchtrace/patchtrace/specfile"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

var help = cli.Help{
	Name:  "specinfo",
	Usage: "[flags] SPEC|DIR",
	Text: `Reads one RPM spec for a target, as rpm would but without running anything
from it (no shell, no Lua), and prints its NEVR, the declared patches, the %prep
application plan, what it could not evaluate and its warnings. DIR is a
packaging directory (flat dist-git or SPECS/SOURCES) holding one spec.`,
	Examples: []string{
		"specinfo -target el9 SPECS/curl.spec        # read for RHEL 9 (rpm 4.16, dist .el9)",
		"specinfo -target el8 openela/curl/el8       # a directory: its one spec",
		"specinfo -target fedora -with bootstrap -json foo.spec",
		"specinfo -macros /usr/lib/rpm/macros -D 'dist .el9' foo.spec",
	},
	Findings: "-fail-on-warning and the spec has warnings",
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

// Output is the JSON form of the result.
type Output struct {
	File       string                `json:"file"`
	Target     string                `json:"target,omitempty"`
	Name       string                `json:"name"`
	Epoch      string                `json:"epoch"`
	Version    string                `json:"version"`
	Release    string                `json:"release"`
	Patches    []Patch               `json:"patches"`
	Plan       []Apply               `json:"plan"`
	Unapplied  []int                 `json:"unapplied"`
	Undeclared []specfile.Ref        `json:"undeclared"`
	Unresolved []specfile.Unresolved `json:"unresolved"`
	Warnings   []string              `json:"warnings"`
}

// Patch is one declared patch.
type Patch struct {
	Number    int    `json:"number"`
	File      string `json:"file"`
	Line      int    `json:"line"`
	Comment   string `json:"comment,omitempty"`
	Condition string `json:"condition,omitempty"`
	Package   string `json:"package,omitempty"`
}

// Apply is one step of the application plan.
type Apply struct {
	Number  int    `json:"number"`
	File    string `json:"file"`
	Strip   int    `json:"strip"`
	Reverse bool   `json:"reverse,omitempty"`
	Fuzz    int    `json:"fuzz"`
	Section string `json:"section"`
	Form    string `json:"form"`
	SCM     string `json:"scm,omitempty"`
	Line    int    `json:"line"`
	// FromSource: a Source file applied as a patch.
	FromSource bool `json:"from_source,omitempty"`
}

func run(args []string, stdout, stderr io.Writer) int {
	out, err := specInfo(args, stdout)
	if err != nil {
		return cli.Fail(stderr, "specinfo", err)
	}
	if out.failOnWarning && len(out.Warnings) > 0 {
		return cli.ExitFindings
	}
	return cli.ExitOK
}

type result struct {
	Output
	failOnWarning bool
}

func specInfo(args []string, stdout io.Writer) (*result, error) {
	fl := flag.NewFlagSet("specinfo", flag.ContinueOnError)
	var defines, with, without, macros multi
	target := fl.String("target", "", "read for the target `PRESET`: "+strings.Join(specfile.PresetNames(), ", ")+", fNN for any Fedora release")
	rpmver := fl.String("rpm", "", "rpm behaviour `VERSION` (4.8, 4.11, 4.14, 4.16, 4.18, 4.19, 4.20, 6.0)")
	asJSON := fl.Bool("json", false, "print one JSON object")
	failOnWarning := fl.Bool("fail-on-warning", false, "exit 1 when the spec has warnings")
	fl.Var(&defines, "D", "define a macro: `'NAME VALUE'` (repeatable)")
	fl.Var(&with, "with", "enable bcond `X` (repeatable)")
	fl.Var(&without, "without", "disable bcond `X` (repeatable)")
	fl.Var(&macros, "macros", "load an rpm macros `FILE` (repeatable)")
	pos, err := cli.Parse(fl, args, help, stdout)
	if err != nil {
		return nil, err
	}
	if len(pos) != 1 {
		return nil, cli.Usagef("want one SPEC or DIR, got %d arguments", len(pos))
	}
	var tg specfile.Target
	if *target != "" {
		if tg, err = specfile.Preset(*target); err != nil {
			return nil, &cli.UsageError{Err: err}
		}
	}
	for _, m := range macros {
		abs, err := filepath.Abs(m)
		if err != nil {
			return nil, err
		}
		if err := tg.LoadMacroFile(os.DirFS(filepath.Dir(abs)), filepath.Base(abs)); err != nil {
			return nil, err
		}
	}
	for _, d := range defines {
		d = strings.TrimSpace(d)
		name, value, _ := strings.Cut(d, " ")
		if name == "" {
			return nil, cli.Usagef("bad -D %q: want 'NAME VALUE'", d)
		}
		tg.Define(name, strings.TrimSpace(value))
	}
	tg.With = append(tg.With, with...)
	tg.Without = append(tg.Without, without...)
	if *rpmver != "" {
		tg.RPMVersion = *rpmver
	}
	path, incDir, err := findSpec(pos[0])
	if err != nil {
		return nil, err
	}
	// The spec and its %include files are read through input.Root: a
	// symbolic link out of the directory, a FIFO or a device is refused
	// (never followed, never opened), and sizes are capped before reading.
	specDir, err := input.OpenRoot(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	defer specDir.Close()
	data, err := input.ReadFile(specDir, filepath.Base(path), specfile.DefaultMaxSize)
	if err != nil {
		return nil, err
	}
	root, err := input.OpenRoot(incDir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	spec, err := specfile.ParseBytes(filepath.Base(path), data, specfile.Options{Target: tg, FS: root})
	if err != nil {
		return nil, err
	}
	out := Output{File: path, Target: tg.Name, Name: spec.Name, Epoch: spec.Epoch, Version: spec.Version, Release: spec.Release,
		Patches: []Patch{}, Plan: []Apply{}, Unapplied: []int{}, Undeclared: spec.Undeclared, Unresolved: spec.Unresolved, Warnings: []string{}}
	for _, p := range spec.Patches {
		out.Patches = append(out.Patches, Patch{p.Number, p.File, p.Line, p.Comment, p.Condition, p.Package})
	}
	for _, a := range spec.Plan {
		out.Plan = append(out.Plan, Apply{a.Number, a.File, a.Strip, a.Reverse, a.Fuzz, a.Section, a.Form, a.SCM, a.Line, a.FromSource})
	}
	for _, p := range spec.Unapplied {
		out.Unapplied = append(out.Unapplied, p.Number)
	}
	for _, w := range spec.Warnings {
		out.Warnings = append(out.Warnings, w.String())
	}
	if out.Undeclared == nil {
		out.Undeclared = []specfile.Ref{}
	}
	if out.Unresolved == nil {
		out.Unresolved = []specfile.Unresolved{}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(out)
	} else {
		err = printText(stdout, out)
	}
	return &result{Output: out, failOnWarning: *failOnWarning}, err
}

// findSpec resolves the argument to a spec file and the directory its
// %include files are read from: the spec's own directory, or SOURCES/ of
// a SPECS/SOURCES directory. A directory must hold exactly one spec, at
// its top or in SPECS/.
func findSpec(arg string) (spec, incDir string, err error) {
	fi, err := os.Stat(arg)
	if err != nil {
		return "", "", err
	}
	if !fi.IsDir() {
		return arg, filepath.Dir(arg), nil
	}
	var found []string
	for _, pat := range []string{"*.spec", filepath.Join("SPECS", "*.spec")} {
		m, _ := filepath.Glob(filepath.Join(arg, pat))
		found = append(found, m...)
	}
	switch len(found) {
	case 0:
		return "", "", fmt.Errorf("%s: no spec file (looked for *.spec and SPECS/*.spec)", arg)
	case 1:
	default:
		return "", "", fmt.Errorf("%s: %d spec files (%s): name one", arg, len(found), strings.Join(found, ", "))
	}
	incDir = filepath.Dir(found[0])
	if filepath.Base(incDir) == "SPECS" {
		if fi, err := os.Stat(filepath.Join(arg, "SOURCES")); err == nil && fi.IsDir() {
			incDir = filepath.Join(arg, "SOURCES")
		}
	}
	return found[0], incDir, nil
}

func printText(w io.Writer, o Output) error {
	epoch := ""
	if o.Epoch != "" {
		epoch = o.Epoch + ":"
	}
	fmt.Fprintf(w, "%s-%s%s-%s\n", o.Name, epoch, o.Version, o.Release)
	fmt.Fprintf(w, "\npatches (%d, declaration order):\n", len(o.Patches))
	for _, p := range o.Patches {
		fmt.Fprintf(w, "  %5d  %s  (line %d", p.Number, p.File, p.Line)
		if p.Condition != "" {
			fmt.Fprintf(w, ", if %s", p.Condition)
		}
		if p.Package != "" {
			fmt.Fprintf(w, ", package %s", p.Package)
		}
		fmt.Fprintln(w, ")")
	}
	fmt.Fprintf(w, "\nplan (%d, application order):\n", len(o.Plan))
	for _, a := range o.Plan {
		flags := fmt.Sprintf("-p%d", a.Strip)
		if a.Reverse {
			flags += " -R"
		}
		if a.Fuzz >= 0 {
			flags += fmt.Sprintf(" -F%d", a.Fuzz)
		}
		scm := ""
		if a.SCM != "" {
			scm = " -S " + a.SCM
		}
		src := ""
		if a.FromSource {
			src = " [Source]"
		}
		fmt.Fprintf(w, "  %5d  %s%s  %s%s %s  (%%%s line %d)\n", a.Number, a.File, src, a.Form, scm, flags, a.Section, a.Line)
	}
	if len(o.Unapplied) > 0 {
		fmt.Fprintf(w, "\ndeclared but never applied: %v\n", o.Unapplied)
	}
	for _, u := range o.Undeclared {
		what := fmt.Sprint(u.Number)
		if u.Name != "" {
			what = u.Name
		}
		fmt.Fprintf(w, "undeclared patch %s applied by %s at %s:%d\n", what, u.Form, u.File, u.Line)
	}
	for _, u := range o.Unresolved {
		fmt.Fprintf(w, "not run (%s) at %s:%d: %s\n", u.Kind, u.File, u.Line, strings.ReplaceAll(u.Text, "\n", " "))
	}
	if len(o.Warnings) > 0 {
		fmt.Fprintf(w, "\nwarnings (%d):\n", len(o.Warnings))
		for _, m := range o.Warnings {
			fmt.Fprintf(w, "  %s\n", oneLine(m, 160))
		}
	}
	return nil
}

// oneLine puts a message on one line of at most n bytes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + " ..."
	}
	return s
}
