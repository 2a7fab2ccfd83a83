// Command specinfo reads one RPM spec file for a target, the way rpm would
// but without running anything from it, and prints its NEVR, the declared
// patches and the %prep application plan.
//
// Usage:
//
//	specinfo [-target PRESET] [-D 'NAME VALUE']... [-with X]... [-without X]...
//	         [-rpm VERSION] [-macros FILE]... [-json] FILE.spec
//
// -target names a preset (el8, el9, el10, c9s, c10s, fedora, ...); -D
// defines a macro like rpm's --define; -with/-without set bconds; -rpm
// overrides the rpm behaviour version; -macros loads an rpm macros file
// (for example /usr/lib/rpm/macros). %include files are read from the
// spec's directory only. With -json one JSON object is printed.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/patchtrace/patchtrace/specfile"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "specinfo:", err)
		os.Exit(1)
	}
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

func run(args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("specinfo", flag.ContinueOnError)
	fl.SetOutput(stderr)
	var defines, with, without, macros multi
	target := fl.String("target", "", "target preset: "+strings.Join(specfile.PresetNames(), ", "))
	rpmver := fl.String("rpm", "", "rpm behaviour version (4.14, 4.16, 4.18, 4.19, 4.20)")
	asJSON := fl.Bool("json", false, "print one JSON object")
	fl.Var(&defines, "D", "define a macro: 'NAME VALUE' (repeatable)")
	fl.Var(&with, "with", "enable bcond X (repeatable)")
	fl.Var(&without, "without", "disable bcond X (repeatable)")
	fl.Var(&macros, "macros", "load an rpm macros file (repeatable)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() != 1 {
		return errors.New("usage: specinfo [options] FILE.spec")
	}
	var tg specfile.Target
	if *target != "" {
		var err error
		if tg, err = specfile.Preset(*target); err != nil {
			return err
		}
	}
	for _, m := range macros {
		abs, err := filepath.Abs(m)
		if err != nil {
			return err
		}
		if err := tg.LoadMacroFile(os.DirFS(filepath.Dir(abs)), filepath.Base(abs)); err != nil {
			return err
		}
	}
	for _, d := range defines {
		d = strings.TrimSpace(d)
		name, value, _ := strings.Cut(d, " ")
		if name == "" {
			return fmt.Errorf("bad -D %q: want 'NAME VALUE'", d)
		}
		tg.Define(name, strings.TrimSpace(value))
	}
	tg.With = append(tg.With, with...)
	tg.Without = append(tg.Without, without...)
	if *rpmver != "" {
		tg.RPMVersion = *rpmver
	}
	path := fl.Arg(0)
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	spec, err := specfile.ParseBytes(data, specfile.Options{Name: filepath.Base(path), Target: tg, FS: os.DirFS(filepath.Dir(path))})
	if err != nil {
		return err
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
		return enc.Encode(out)
	}
	return printText(stdout, out)
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
	return nil
}
