// Package targetflag holds the command-line flags that say what a spec is
// read for (-target PRESET, -D 'NAME VALUE'), for the example programs.
package targetflag

import (
	"flag"
	"strings"

	"github.com/patchtrace/patchtrace/internal/cli"
	"github.com/patchtrace/patchtrace/specfile"
)

// Strings is a repeatable string flag.
type Strings []string

// String joins the values with commas.
func (m *Strings) String() string { return strings.Join(*m, ",") }

// Set appends a value.
func (m *Strings) Set(v string) error { *m = append(*m, v); return nil }

// Flags are the registered target flags.
type Flags struct {
	preset  *string
	defines Strings
}

// Register adds -target and -D to fs.
func Register(fs *flag.FlagSet) *Flags {
	f := &Flags{}
	f.preset = fs.String("target", "", "read specs for the target `PRESET`: "+strings.Join(specfile.PresetNames(), ", "))
	fs.Var(&f.defines, "D", "define a macro: `'NAME VALUE'` (repeatable)")
	return f
}

// Target returns the target the flags name; an unknown preset is a usage
// error.
func (f *Flags) Target() (specfile.Target, error) {
	var tg specfile.Target
	if *f.preset != "" {
		var err error
		if tg, err = specfile.Preset(*f.preset); err != nil {
			return tg, cli.Usagef("%v", err)
		}
	}
	for _, d := range f.defines {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		tg.Define(strings.TrimPrefix(name, "%"), strings.TrimSpace(value))
	}
	return tg, nil
}
