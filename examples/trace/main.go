// Command trace shows where every change of a rebuilt RPM package came
// from: each patch and hunk, the spec's own changes and the lookaside
// sources, attributed to packaging origins and upstream git histories.
//
// Usage:
//
//	trace [-from NAME=SOURCE ...] [-upstream NAME=GITDIR[@REV-RANGE] ...] [-target PRESET] [-json | -graph | -export FORMAT] TARGET
//
// TARGET and each SOURCE are a dist-git directory (flat or SPECS/SOURCES),
// GITDIR@REF, or a .src.rpm. GITDIR may be a bare repository; REV-RANGE is
// "A..B" or one revision (default HEAD). -target reads specs for a preset
// (el8, el9, el10, c9s, c10s, fedora).
//
// With no arguments it runs on the built-in example in testdata/trace (specs
// read for the c9s preset unless -target says otherwise): a
// small package "greet" rebuilt AlmaLinux-style from a CentOS-Stream-like
// dist-git directory, and greet's upstream history (kept as plain files and
// turned into an in-memory git repository at run time).
//
// The default output is a per-patch table for a maintainer. -json prints
// one JSON object with a "patches" list (each entry: file, number, origins
// with origin, commit or file, verdict and score); -graph prints the full
// provenance graph (schema patchtrace/graph/v1); -export cyclonedx, spdx or
// dot prints a CycloneDX 1.6 BOM with pedigree, an SPDX 2.3 document or a
// Graphviz picture.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/patchtrace/patchtrace/provenance"
	"github.com/patchtrace/patchtrace/provenance/source"
	"github.com/patchtrace/patchtrace/provenance/upstream"
	"github.com/patchtrace/patchtrace/specfile"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

// config is what the command line asks for.
type config struct {
	target    source.Source
	origins   []source.Source
	upstreams []provenance.Upstream
	opts      provenance.Options
	json      bool
	graph     bool
	format    string // "", "cyclonedx", "spdx", "dot"
	closers   []func() error
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "trace:", err)
		return 2
	}
	defer func() {
		for _, c := range cfg.closers {
			c()
		}
	}()
	g, err := provenance.Trace(ctx, cfg.target, cfg.origins, cfg.upstreams, cfg.opts)
	if err != nil {
		fmt.Fprintln(stderr, "trace:", err)
		return 1
	}
	if err := write(g, cfg, stdout); err != nil {
		fmt.Fprintln(stderr, "trace:", err)
		return 1
	}
	return 0
}

func write(g *provenance.Graph, cfg *config, w io.Writer) error {
	switch {
	case cfg.format == "cyclonedx":
		return g.WriteCycloneDX(w, provenance.ExportOptions{})
	case cfg.format == "spdx":
		return g.WriteSPDX(w, provenance.ExportOptions{})
	case cfg.format == "dot":
		return g.WriteDOT(w)
	case cfg.graph:
		return g.WriteJSON(w)
	case cfg.json:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(g.Report())
	}
	return g.Report().WriteTable(w)
}

func parseArgs(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("trace", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var from, ups multi
	fs.Var(&from, "from", "a packaging origin `NAME=SOURCE` (directory, GITDIR@REF or .src.rpm); repeatable")
	fs.Var(&ups, "upstream", "an upstream history `NAME=GITDIR[@REV-RANGE]`; repeatable")
	preset := fs.String("target", "", "read specs for this `PRESET` ("+strings.Join(specfile.PresetNames(), ", ")+")")
	jsonOut := fs.Bool("json", false, "print one JSON object with a patches list")
	graphOut := fs.Bool("graph", false, "print the full provenance graph as JSON (patchtrace/graph/v1)")
	format := fs.String("export", "", "print the graph as `FORMAT`: cyclonedx (1.6 JSON), spdx (2.3 JSON) or dot")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: trace [-from NAME=SOURCE ...] [-upstream NAME=GITDIR[@REV-RANGE] ...] [-target PRESET] [-json | -graph | -export FORMAT] TARGET")
		fmt.Fprintln(stderr, "With no arguments, trace runs on the built-in example in testdata/trace.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	cfg := &config{json: *jsonOut, graph: *graphOut, format: *format}
	if wd, err := os.Getwd(); err == nil {
		cfg.opts.BaseDir = wd
	}
	switch cfg.format {
	case "", "cyclonedx", "spdx", "dot":
	default:
		return nil, fmt.Errorf("-export %q: want cyclonedx, spdx or dot", cfg.format)
	}
	if *preset != "" {
		t, err := specfile.Preset(*preset)
		if err != nil {
			return nil, err
		}
		cfg.opts.Target = t
	}
	if fs.NArg() == 0 && len(from) == 0 && len(ups) == 0 {
		if *preset == "" {
			// The built-in example's origin is CentOS Stream 9-like.
			t, err := specfile.Preset("c9s")
			if err != nil {
				return nil, err
			}
			cfg.opts.Target = t
		}
		return builtin(cfg)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return nil, errors.New("want exactly one TARGET")
	}
	var err error
	if cfg.target, err = source.Open("target", fs.Arg(0)); err != nil {
		return nil, err
	}
	for _, f := range from {
		name, loc, ok := strings.Cut(f, "=")
		if !ok || name == "" || loc == "" {
			return nil, fmt.Errorf("-from %q: want NAME=SOURCE", f)
		}
		s, err := source.Open(name, loc)
		if err != nil {
			return nil, err
		}
		cfg.origins = append(cfg.origins, s)
	}
	for _, u := range ups {
		name, loc, ok := strings.Cut(u, "=")
		if !ok || name == "" || loc == "" {
			return nil, fmt.Errorf("-upstream %q: want NAME=GITDIR[@REV-RANGE]", u)
		}
		dir, rng := loc, ""
		if _, err := os.Stat(loc); err != nil {
			if i := strings.LastIndexByte(loc, '@'); i > 0 {
				dir, rng = loc[:i], loc[i+1:]
			}
		}
		r, err := upstream.Open(dir)
		if err != nil {
			return nil, err
		}
		cfg.closers = append(cfg.closers, r.Close)
		cfg.upstreams = append(cfg.upstreams, provenance.Upstream{Name: name, Repo: r, Range: rng})
	}
	return cfg, nil
}

// builtin configures the built-in example.
func builtin(cfg *config) (*config, error) {
	dir, err := exampleDir()
	if err != nil {
		return nil, err
	}
	if cfg.target, err = source.Dir("target", filepath.Join(dir, "target")); err != nil {
		return nil, err
	}
	c9s, err := source.Dir("c9s", filepath.Join(dir, "c9s"))
	if err != nil {
		return nil, err
	}
	cfg.origins = []source.Source{c9s}
	repo, err := loadHistory(os.DirFS(filepath.Join(dir, "upstream")))
	if err != nil {
		return nil, err
	}
	cfg.upstreams = []provenance.Upstream{{Name: "greet", Repo: upstream.FromRepository(repo), Range: "v1.0..main"}}
	// Record locations relative to the module root, the same on every machine.
	cfg.opts.BaseDir = filepath.Join(dir, "..", "..")
	return cfg, nil
}

// exampleDir finds testdata/trace: above the working directory (go run
// from anywhere in the module), else beside this source file.
func exampleDir() (string, error) {
	rel := filepath.Join("testdata", "trace")
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			if fi, err := os.Stat(filepath.Join(d, rel, "target")); err == nil && fi.IsDir() {
				// A path relative to the working directory keeps the
				// output free of machine-specific paths.
				if r, err := filepath.Rel(wd, filepath.Join(d, rel)); err == nil {
					return r, nil
				}
				return filepath.Join(d, rel), nil
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		d := filepath.Join(filepath.Dir(file), "..", "..", rel)
		if fi, err := os.Stat(filepath.Join(d, "target")); err == nil && fi.IsDir() {
			return d, nil
		}
	}
	return "", errors.New("cannot find the built-in example (testdata/trace); run from the patchtrace module")
}
