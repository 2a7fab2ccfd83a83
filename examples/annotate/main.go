// Command annotate writes the provenance a trace found into the target's
// spec: a comment above each PatchN names the origin file or the upstream
// commit the patch matches, and the verdict, or marks it as the rebuild's
// own change.
//
// Usage:
//
//	annotate -graph GRAPH.json [-target PRESET] [-D 'NAME VALUE']... [-w] [-check] [-q] SPEC
//
// GRAPH.json is the provenance graph of the target, as `trace -graph`
// prints it. The annotated spec goes to stdout, or back into SPEC with -w.
// Only annotate's own comment lines are written or replaced; every other
// line stays byte-identical, so running it again after a new trace
// updates the annotations and nothing else. -check writes nothing and
// exits 1 when the spec's annotations are not those of the graph (for CI).
//
// Exit status: 0 success, 1 annotations out of date with -check, 2 usage
// error, 3 input error (unreadable graph or spec, a spec edit that would
// change what rpm reads).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/patchtrace/patchtrace/internal/cli"
	"github.com/patchtrace/patchtrace/internal/targetflag"
	"github.com/patchtrace/patchtrace/provenance"
	"github.com/patchtrace/patchtrace/provenance/annotate"
	"github.com/patchtrace/patchtrace/specfile"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

var help = cli.Help{
	Name:  "annotate",
	Usage: "-graph GRAPH.json [flags] SPEC",
	Text: `Writes a provenance comment above each PatchN of SPEC from a trace's graph:
  # Upstream: curl@5a3e2b1c0d9f (rebased)
  # Origin: c9s 0051-curl-CVE-2023-27533.patch (identical)
  # Own change (no origin)
Only these comment lines are written or replaced; every other line stays
byte-identical. The result goes to stdout, or back into SPEC with -w.`,
	Examples: []string{
		"trace -from c9s=rpms/curl -graph alma/curl > curl.graph.json",
		"annotate -graph curl.graph.json -target alma9 -w alma/curl/SPECS/curl.spec",
		"annotate -graph curl.graph.json -check alma/curl/SPECS/curl.spec   # exit 1 when out of date",
	},
	Findings: "-check and the annotations are out of date",
}

func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("annotate", flag.ContinueOnError)
	graphPath := fl.String("graph", "", "the target's provenance graph `FILE` (trace -graph)")
	target := targetflag.Register(fl)
	write := fl.Bool("w", false, "write the result back into SPEC")
	check := fl.Bool("check", false, "write nothing; exit 1 when the annotations are out of date")
	quiet := fl.Bool("q", false, "no summary on stderr")
	pos, err := cli.Parse(fl, args, help, stdout)
	if err != nil {
		return cli.Fail(stderr, "annotate", err)
	}
	if len(pos) != 1 || *graphPath == "" {
		return cli.Fail(stderr, "annotate", cli.Usagef("want -graph FILE and one SPEC"))
	}
	if *write && *check {
		return cli.Fail(stderr, "annotate", cli.Usagef("-w and -check exclude each other"))
	}
	tg, err := target.Target()
	if err != nil {
		return cli.Fail(stderr, "annotate", err)
	}
	gf, err := os.Open(*graphPath)
	if err != nil {
		return cli.Fail(stderr, "annotate", err)
	}
	g, err := provenance.ReadJSON(gf)
	gf.Close()
	if err != nil {
		return cli.Fail(stderr, "annotate", fmt.Errorf("%s: %w", *graphPath, err))
	}
	specPath := pos[0]
	data, err := os.ReadFile(specPath)
	if err != nil {
		return cli.Fail(stderr, "annotate", err)
	}
	res, err := annotate.Annotate(filepath.Base(specPath), data, specfile.Options{Target: tg}, g)
	if err != nil {
		return cli.Fail(stderr, "annotate", err)
	}
	for _, s := range res.Skipped {
		cli.Warn(stderr, "annotate", "not annotated: %s", s)
	}
	if res.Annotated == 0 {
		cli.Warn(stderr, "annotate", "the graph annotates no patch of %s (is it the graph of this target?)", specPath)
	}
	if !*quiet {
		fmt.Fprintf(stderr, "annotate: %d patches annotated, %d changed\n", res.Annotated, res.Changed)
	}
	switch {
	case *check:
		if !bytes.Equal(res.Spec, data) {
			return cli.ExitFindings
		}
	case *write:
		if !bytes.Equal(res.Spec, data) {
			fi, err := os.Stat(specPath)
			if err != nil {
				return cli.Fail(stderr, "annotate", err)
			}
			if err := os.WriteFile(specPath, res.Spec, fi.Mode().Perm()); err != nil {
				return cli.Fail(stderr, "annotate", err)
			}
		}
	default:
		if _, err := stdout.Write(res.Spec); err != nil {
			return cli.Fail(stderr, "annotate", err)
		}
	}
	return cli.ExitOK
}
