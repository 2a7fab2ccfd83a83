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
// REVS is A..B, one revision (its whole history), A..* (every branch and
// tag since A) or * (every branch and tag). The upstream index persists
// between traces (an SQLite file under the user cache directory, or a
// PostgreSQL server a team shares): a trace reads from git only the commits
// it does not hold yet and loads only the changes of the paths the target's
// patches touch. A default index that is unusable (damaged, or written by
// another version) is rebuilt; a -index given explicitly is refused instead.
// Progress goes to stderr: a bar on a terminal, plain lines otherwise.
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
// Command trace shows where every change of a rebuilt RPM package came
// from: each patch and hunk, the spec's own changes and the lookaside
// sources, attributed to packaging origins and upstream git histories.
//
// Usage:
//
//	trace [flags] TARGET
//
// TARGET and each SOURCE are a dist-git directory (flat or SPECS/SOURCES),
// GITDIR@REF, or a .src.rpm. GITDIR may be a bare repository; REV-RANGE is
// "A..B" or one revision (default HEAD). Flags may come before or after
// TARGET. The main ones:
//
//	-from NAME[:PRESET]=SOURCE     a packaging origin (repeatable)
//	-upstream NAME=GITDIR[@REVS]   an upstream history (repeatable, also for one NAME: several ranges)
//	-index PATH|postgres://...|off the persistent upstream index (default: $PATCHTRACE_INDEX, else the user cache)
//	-q                             no progress on stderr
//	-base NAME=SOURCE              trace a tree: TARGET and SOURCE are trees (a tarball, a directory
//	                               or GITDIR@REF); every changed line of TARGET against SOURCE is
//	                               attributed to -from patch files, -upstream commits or nobody
//	-target PRESET                 read the target's spec for a preset (el8, el9, c9s, fedora, ...)
//	-name NAME                     the target's name (default "target")
//	-basedir DIR                   record paths relative to DIR (default: the working directory)
//	-json | -graph | -export cyclonedx|spdx|dot
//	-only own|review|matched       filter the table and the picture
//	-v                             show the evidence and interdiff of each match
//	-fail-on-own, -fail-on-error, -fail-on-warning   exit 1 on such findings
//
// With no arguments it runs on the built-in example in testdata/trace (specs
// read for the c9s preset unless -target says otherwise): a
// small package "greet" rebuilt AlmaLinux-style from a CentOS-Stream-like
// dist-git directory, and greet's upstream history (kept as plain files and
// turned into an in-memory git repository at run time).
//
// The default output is a per-patch table for a maintainer, with the
// findings first and a verdict legend last. -json prints one JSON object
// with a "patches" list (each entry: file, number, origins with origin,
// commit or file, verdict and score) and the "findings"; -graph prints the
// full provenance graph (schema patchtrace/graph/v1); -export cyclonedx,
// spdx or dot prints a CycloneDX 1.6 BOM with pedigree, an SPDX 2.3
// document or a Graphviz picture. Exports are dated now, or at
// $SOURCE_DATE_EPOCH when set (reproducible documents).
//
// Warnings (findings: unreadable or missing patches, empty ranges, no
// origin, a target read for another distribution) go to standard error.
// Exit status: 0 success, 1 findings asked for with -fail-on-*, 2 usage
// error, 3 input error. -h prints the help with examples.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/patchtrace/patchtrace/internal/cli"
	"github.com/patchtrace/patchtrace/provenance"
	"github.com/patchtrace/patchtrace/provenance/source"
	"github.com/patchtrace/patchtrace/provenance/store"
	"github.com/patchtrace/patchtrace/provenance/upstream"
	"github.com/patchtrace/patchtrace/specfile"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

var help = cli.Help{
	Name:  "trace",
	Usage: "[flags] TARGET",
	Text: `Shows where every change of a rebuilt RPM package came from: each patch and
hunk, the spec's own changes and the lookaside sources, attributed to packaging
origins (-from) and upstream git histories (-upstream). TARGET and each SOURCE
are a dist-git directory (flat or SPECS/SOURCES), GITDIR@REF, or a .src.rpm;
RANGE is "A..B" or one revision. With no arguments trace runs on its built-in
example (testdata/trace). Findings (unreadable or missing patches, empty
ranges, no origin, a target read for another distribution) are printed on
standard error and in every output form. Exports are dated now, or at
$SOURCE_DATE_EPOCH.`,
	Examples: []string{
		"trace                                            # the built-in example",
		"trace -target el8 -from openela=openela/curl/el8 curl-7.61.1-33.el8.src.rpm",
		"trace -name almalinux -target alma9 -from c9s=centos/curl@c9s -upstream curl=curl.git@curl-7_76_1..curl-8_5_0 almalinux/curl",
		"trace -from fedora:rawhide=fedora/openssl -export spdx -basedir . openela/openssl/el9 > openssl.spdx.json",
		"trace -export dot -only review DIR | dot -Tsvg > review.svg   # what needs a human",
		"trace -fail-on-own DIR                           # exit 1 when the rebuild carries its own patches",
		"trace -json -base curl=curl.git@curl-7_61_1 -from rhel=openela/curl/el8 -upstream curl=curl.git@curl-7_61_1..curl-8_5_0 curl-7.61.1-el8.tar.xz",
	},
	Findings: "-fail-on-own and the target carries own patches or sources; -fail-on-error and a patch or spec could not be read or is missing; -fail-on-warning and there is any finding",
}

// config is what the command line asks for.
type config struct {
	target    source.Source
	origins   []source.Source
	upstreams []provenance.Upstream
	opts      provenance.Options
	export    provenance.ExportOptions
	text      provenance.TextOptions
	dot       provenance.DOTOptions
	json      bool
	graph     bool
	format    string // "", "cyclonedx", "spdx", "dot"
	failOn    struct{ own, err, warning bool }
	closers   []func() error
	quiet     bool       // -q: no progress on stderr
	index     string     // the persistent index's location ("" for none)
	rebuild   bool       // the index is the default cache: rebuild it when unusable
	trees     *treeTrace // -base: a tree trace
}

// indexEnv names the environment variable that, when set, replaces the
// default location of the persistent index ("off" keeps none).
const indexEnv = "PATCHTRACE_INDEX"

// openIndex opens the persistent upstream index for the trace.
func (c *config) openIndex(ctx context.Context) error {
	db, err := store.Open(ctx, c.index, store.Options{Rebuild: c.rebuild})
	if err != nil {
		return err
	}
	ix, err := db.Index(ctx, upstream.FingerprintName)
	if err != nil {
		db.Close()
		return err
	}
	c.closers = append(c.closers, ix.Close)
	c.opts.Index = ix
	return nil
}

func (c *config) close() {
	for _, f := range c.closers {
		f()
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseArgs(args, stdout)
	if err != nil {
		return cli.Fail(stderr, "trace", err)
	}
	defer cfg.close()
	if !cfg.quiet {
		pr := newProgress(stderr)
		cfg.opts.Progress = pr.report
		defer pr.finish()
	}
	if cfg.index != "" {
		if err := cfg.openIndex(ctx); err != nil {
			return cli.Fail(stderr, "trace", err)
		}
	}
	g, err := cfg.trace(ctx)
	if err != nil {
		return cli.Fail(stderr, "trace", err)
	}
	findings := g.Findings()
	for _, f := range findings {
		cli.Warn(stderr, "trace", "%s", f)
	}
	if err := write(g, cfg, stdout); err != nil {
		return cli.Fail(stderr, "trace", err)
	}
	return cfg.exitCode(g, findings)
}

// exitCode is ExitFindings when a finding the user asked to fail on is
// there, else ExitOK.
func (c *config) exitCode(g *provenance.Graph, findings []provenance.Finding) int {
	if c.failOn.warning && len(findings) > 0 {
		return cli.ExitFindings
	}
	if c.failOn.err {
		for _, f := range findings {
			switch f.Kind {
			case "patch-error", "patch-missing", "spec-error":
				return cli.ExitFindings
			}
		}
	}
	if c.failOn.own {
		for _, n := range g.NoOrigin() {
			if n.Origin == g.Target && (n.Kind == provenance.KindPatch || n.Kind == provenance.KindSource) {
				return cli.ExitFindings
			}
		}
	}
	return cli.ExitOK
}

func write(g *provenance.Graph, cfg *config, w io.Writer) error {
	switch {
	case cfg.format == "cyclonedx":
		return g.WriteCycloneDX(w, cfg.export)
	case cfg.format == "spdx":
		return g.WriteSPDX(w, cfg.export)
	case cfg.format == "dot":
		return g.WriteDOT(w, cfg.dot)
	case cfg.graph:
		return g.WriteJSON(w)
	case cfg.json:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(g.Report())
	}
	return g.Report().WriteText(w, cfg.text)
}

func parseArgs(args []string, stdout io.Writer) (*config, error) {
	fs := flag.NewFlagSet("trace", flag.ContinueOnError)
	var from, ups multi
	fs.Var(&from, "from", "a packaging origin `NAME[:PRESET]=SOURCE` (directory, GITDIR@REF or .src.rpm); PRESET reads its spec for that target (default: detected from its dist tag); repeatable")
	fs.Var(&ups, "upstream", "an upstream history `NAME=GITDIR[@REVS]`: REVS is A..B, one revision (its whole history), A..* (every branch and tag since A) or *; repeat it with one NAME for several ranges of one history (stable branches beside mainline)")
	indexLoc := fs.String("index", "", "keep the upstream index in `PATH` (a file) or a postgres:// URL, so later traces read only new commits; \"off\" keeps none (default: $"+indexEnv+", else the user cache directory's patchtrace/index.db)")
	quiet := fs.Bool("q", false, "quiet: no progress on stderr")
	preset := fs.String("target", "", "read the target's spec for this `PRESET` ("+strings.Join(specfile.PresetNames(), ", ")+", fNN for any Fedora release); default: detected from its dist tag")
	base := fs.String("base", "", "trace a tree: compare TARGET (a tarball, directory or GITDIR@REF) with the pristine tree `NAME=SOURCE` (same forms) and attribute every changed line")
	name := fs.String("name", "target", "the target's `NAME` (in the report, the graph and the purl namespace of exports)")
	basedir := fs.String("basedir", "", "record source locations relative to `DIR` (default: the working directory); locations outside it keep only their last element")
	jsonOut := fs.Bool("json", false, "print one JSON object with the patches list and the findings")
	graphOut := fs.Bool("graph", false, "print the full provenance graph as JSON (patchtrace/graph/v1)")
	format := fs.String("export", "", "print the graph as `FORMAT`: cyclonedx (1.6 JSON), spdx (2.3 JSON) or dot (Graphviz)")
	only := fs.String("only", "", "show only `WHAT` in the table and the dot picture: own (no origin), review (own, rebased, partial, similar or unreadable), matched (dot only)")
	verbose := fs.Bool("v", false, "show the evidence behind each verdict, and the interdiff of rebased and partial matches")
	failOwn := fs.Bool("fail-on-own", false, "exit 1 when the target carries patches or sources no origin has")
	failErr := fs.Bool("fail-on-error", false, "exit 1 when a patch or spec could not be read, or a declared patch is missing")
	failWarn := fs.Bool("fail-on-warning", false, "exit 1 on any finding (also empty ranges, no origin, a mismatched target)")
	pos, err := cli.Parse(fs, args, help, stdout)
	if err != nil {
		return nil, err
	}
	cfg := &config{json: *jsonOut, graph: *graphOut, format: *format, quiet: *quiet}
	cfg.failOn.err, cfg.failOn.warning = *failErr, *failWarn
	cfg.failOn.own = *failOwn
	cfg.text = provenance.TextOptions{Verbose: *verbose, Only: *only}
	cfg.opts.Interdiff = *verbose
	cfg.dot = provenance.DOTOptions{Only: *only, Cites: *verbose}
	switch cfg.format {
	case "", "cyclonedx", "spdx", "dot":
	default:
		return nil, cli.Usagef("-export %q: want cyclonedx, spdx or dot", cfg.format)
	}
	var outputs []string
	for _, o := range []struct {
		on   bool
		name string
	}{{*jsonOut, "-json"}, {*graphOut, "-graph"}, {*format != "", "-export " + *format}} {
		if o.on {
			outputs = append(outputs, o.name)
		}
	}
	if len(outputs) > 1 {
		return nil, cli.Usagef("%s cannot be used together: choose one output", strings.Join(outputs, " and "))
	}
	switch *only {
	case "", "own", "review":
	case "matched":
		if cfg.format != "dot" {
			return nil, cli.Usagef("-only matched is for -export dot")
		}
	default:
		return nil, cli.Usagef("-only %q: want own, review or matched", *only)
	}
	if *only != "" && (cfg.json || cfg.graph || cfg.format == "spdx" || cfg.format == "cyclonedx") {
		return nil, cli.Usagef("-only filters the table and -export dot, not %s: the documents stay complete", outputs[0])
	}
	if cfg.export.Time, err = sourceDateEpoch(); err != nil {
		return nil, cli.Usagef("%v", err)
	}
	if *preset != "" {
		t, err := specfile.Preset(*preset)
		if err != nil {
			return nil, &cli.UsageError{Err: err}
		}
		cfg.opts.Target = t
	}
	if *basedir != "" {
		cfg.opts.BaseDir = *basedir
	} else if wd, err := os.Getwd(); err == nil {
		cfg.opts.BaseDir = wd
	}
	if len(pos) == 0 && len(from) == 0 && len(ups) == 0 {
		if *preset == "" {
			// The built-in example's origin is CentOS Stream 9-like.
			t, err := specfile.Preset("c9s")
			if err != nil {
				return nil, err
			}
			cfg.opts.Target = t
		}
		return builtin(cfg, *name, *basedir)
	}
	switch {
	case len(pos) == 0:
		return nil, cli.Usagef("no TARGET given (flags may come before or after it)")
	case len(pos) > 1:
		return nil, cli.Usagef("want exactly one TARGET, got %d: %s (only -from and -upstream take more sources)", len(pos), strings.Join(pos, " "))
	}
	if *name == "" {
		return nil, cli.Usagef("-name must not be empty")
	}
	names := map[string]string{*name: "the target (-name)"}
	claim := func(n, what string) error {
		if old, ok := names[n]; ok {
			return cli.Usagef("%s and %s are both named %q: names must differ", old, what, n)
		}
		names[n] = what
		return nil
	}
	if *base != "" {
		err = openTrees(cfg, *base, pos[0], *name, claim)
	} else {
		cfg.target, err = source.Open(*name, pos[0], source.Options{})
	}
	if err != nil {
		return nil, err
	}
	for _, f := range from {
		spec, loc, ok := strings.Cut(f, "=")
		oname, opreset, hasPreset := strings.Cut(spec, ":")
		if !ok || oname == "" || loc == "" || hasPreset && opreset == "" {
			return nil, cli.Usagef("-from %q: want NAME=SOURCE or NAME:PRESET=SOURCE", f)
		}
		if hasPreset {
			t, err := specfile.Preset(opreset)
			if err != nil {
				return nil, cli.Usagef("-from %q: %v", f, err)
			}
			if cfg.opts.OriginTargets == nil {
				cfg.opts.OriginTargets = map[string]specfile.Target{}
			}
			cfg.opts.OriginTargets[oname] = t
		}
		if err := claim(oname, "-from "+f); err != nil {
			return nil, err
		}
		s, err := source.Open(oname, loc, source.Options{})
		if err != nil {
			return nil, err
		}
		cfg.origins = append(cfg.origins, s)
	}
	upDirs := map[string]string{} // name -> GITDIR
	for _, u := range ups {
		uname, loc, ok := strings.Cut(u, "=")
		if !ok || uname == "" || loc == "" {
			return nil, cli.Usagef("-upstream %q: want NAME=GITDIR[@REV-RANGE]", u)
		}
		dir, rng := loc, ""
		if _, err := os.Stat(loc); err != nil {
			if i := strings.LastIndexByte(loc, '@'); i > 0 {
				dir, rng = loc[:i], loc[i+1:]
			}
		}
		if prev, ok := upDirs[uname]; ok {
			// One more range of the same history.
			if filepath.Clean(prev) != filepath.Clean(dir) {
				return nil, cli.Usagef("-upstream %s names two histories (%s and %s): one NAME, one GITDIR", uname, prev, dir)
			}
			if rng == "" {
				rng = "HEAD"
			}
			for i := range cfg.upstreams {
				if cfg.upstreams[i].Name == uname {
					cfg.upstreams[i].Ranges = append(cfg.upstreams[i].Ranges, rng)
				}
			}
			continue
		}
		if err := claim(uname, "-upstream "+u); err != nil {
			return nil, err
		}
		upDirs[uname] = dir
		r, err := upstream.Open(dir)
		if err != nil {
			return nil, err
		}
		cfg.closers = append(cfg.closers, r.Close)
		cfg.upstreams = append(cfg.upstreams, provenance.Upstream{Name: uname, Repo: r, Range: rng})
	}
	switch loc := cmp.Or(*indexLoc, os.Getenv(indexEnv)); loc {
	case "off":
	case "":
		if len(cfg.upstreams) > 0 {
			if cfg.index, err = store.DefaultPath(); err != nil {
				return nil, err
			}
			cfg.rebuild = true // a cache: rebuilt when unusable
		}
	default:
		cfg.index = loc
	}
	for _, u := range cfg.upstreams {
		if len(u.Ranges) > 0 && cfg.index == "" {
			return nil, cli.Usagef("-upstream %s is given several ranges: that needs an index (-index is off)", u.Name)
		}
	}
	return cfg, nil
}

// sourceDateEpoch reads $SOURCE_DATE_EPOCH (reproducible-builds.org): the
// time exports are dated, or the zero time (now) when unset.
func sourceDateEpoch() (time.Time, error) {
	v := os.Getenv("SOURCE_DATE_EPOCH")
	if v == "" {
		return time.Time{}, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q: want seconds since 1970", v)
	}
	return time.Unix(n, 0).UTC(), nil
}

// builtin configures the built-in example.
func builtin(cfg *config, name, basedir string) (*config, error) {
	dir, err := exampleDir()
	if err != nil {
		return nil, err
	}
	if name == "c9s" || name == "greet" {
		return nil, cli.Usagef("-name %q: the built-in example's origins are named c9s and greet", name)
	}
	if cfg.target, err = source.Dir(name, filepath.Join(dir, "target"), source.Options{}); err != nil {
		return nil, err
	}
	c9s, err := source.Dir("c9s", filepath.Join(dir, "c9s"), source.Options{})
	if err != nil {
		return nil, err
	}
	cfg.origins = []source.Source{c9s}
	repo, err := loadHistory(os.DirFS(filepath.Join(dir, "upstream")))
	if err != nil {
		return nil, err
	}
	cfg.upstreams = []provenance.Upstream{{Name: "greet", Repo: upstream.FromRepository(repo), Range: "v1.0..main"}}
	// Record locations relative to the module root, the same on every
	// machine, unless -basedir says otherwise.
	if basedir == "" {
		cfg.opts.BaseDir = filepath.Join(dir, "..", "..")
	}
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
