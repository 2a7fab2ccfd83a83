// Command accuracy measures how well patchtrace finds, by content alone,
// the upstream commits that RHEL-family patches cite.
//
// For each evaluation set of the manifest (a packaging branch and the
// upstream history its patches cite) it copies the packaging files,
// strips every citation from the copy (Upstream:/Upstream-commit: lines,
// "(cherry picked from commit …)", "commit … upstream", commit URLs, the
// ids of mbox From lines, and spec comments naming commits), traces the
// copy against the upstream range with provenance.Trace, and compares the
// commits the trace attributes each patch to with the citations of the
// original:
//
//   - a hit when every cited commit is reported: the commit itself, its
//     copy on another branch (same subject, author and author date, or the
//     same patch-id), an upstream duplicate of it (the same net lines in
//     the same files, anchored by a removed line that is not boilerplate or
//     by the same context), or for a cited merge a commit of the merged
//     branch, and nothing else is;
//   - a wrong when some reported commit (for the patch or one of its
//     hunks) is none of those, unless the patch holds that commit whole
//     (90% of its lines in files of the same names, at least four added
//     lines that are not boilerplate): such an uncited prerequisite is
//     listed, not judged;
//   - a miss otherwise.
//
// Not judged either: files identical to one already counted, cited
// commits outside the range, cited commits of which the patch carries
// nothing (no changed line, no documentation words, no renamed line), and
// the ids of From lines outside the range (downstream commits).
//
// It prints recall (hits over cited patches) and precision (right
// attributions over all attributions) per set, then every miss and wrong
// with a one-line diagnosis of its shape.
//
// Usage:
//
//	go run ./scripts/accuracy [-sets FILE] [-mirror DIR] [-only REGEXP] [-v] [-md FILE]
//
// scripts/accuracy.sh runs it with nice. Upstream and packaging
// repositories are read from the mirror root ($PATCHTRACE_MIRROR, default
// /work/.mirror, one OWNER+NAME/repo git directory each, as the fetch tool
// lays them out) unless the set's env variable names another clone. Corpus
// sets read $PATCHTRACE_CORPUS (default ../shared/corpus).
//
// Exit status: 0 when every set ran, 1 when a set failed, 2 for bad usage.
package main

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/patchtrace/patchtrace/patchset"
	"github.com/patchtrace/patchtrace/provenance"
	"github.com/patchtrace/patchtrace/provenance/source"
	"github.com/patchtrace/patchtrace/provenance/upstream"
	"github.com/patchtrace/patchtrace/specfile"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type config struct {
	mirror, corpus string
	verbose        bool
	keep           string            // directory for the stripped copies, "" to remove them
	dups           map[string]string // upstream + content hash -> first case
}

func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("accuracy", flag.ContinueOnError)
	fl.SetOutput(stderr)
	setsFile := fl.String("sets", "scripts/accuracy/sets.tsv", "the manifest of evaluation sets")
	mirror := fl.String("mirror", envOr("PATCHTRACE_MIRROR", "/work/.mirror"), "root of the fetched repositories (`DIR`/OWNER+NAME/repo)")
	corpus := fl.String("corpus", envOr("PATCHTRACE_CORPUS", "../shared/corpus"), "the shared corpus, for corpus: sets")
	only := fl.String("only", "", "run only the sets whose name matches `REGEXP`")
	verbose := fl.Bool("v", false, "print every case, hits included")
	mdOut := fl.String("md", "", "also write the table and every miss and wrong as markdown to `FILE`")
	keep := fl.String("keep", "", "keep the stripped copies under `DIR`/SET (to trace them by hand)")
	fl.Usage = func() {
		fmt.Fprintf(stderr, "usage: accuracy [flags]\n\nTraces each evaluation set with its citations stripped and compares the\nattributions with the citations. Example:\n\n\tgo run ./scripts/accuracy -only '^curl-'\n\nFlags:\n")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return 2
	}
	var onlyRe *regexp.Regexp
	if *only != "" {
		var err error
		if onlyRe, err = regexp.Compile(*only); err != nil {
			fmt.Fprintf(stderr, "accuracy: -only: %v\n", err)
			return 2
		}
	}
	f, err := os.Open(*setsFile)
	if err != nil {
		fmt.Fprintf(stderr, "accuracy: %v\n", err)
		return 2
	}
	sets, err := readManifest(*setsFile, f)
	f.Close()
	if err != nil {
		fmt.Fprintf(stderr, "accuracy: %v\n", err)
		return 2
	}
	cfg := &config{mirror: *mirror, corpus: *corpus, verbose: *verbose, keep: *keep, dups: map[string]string{}}
	ctx := context.Background()
	var results []*setResult
	status := 0
	for _, s := range sets {
		if onlyRe != nil && !onlyRe.MatchString(s.Name) {
			continue
		}
		start := time.Now()
		r, err := cfg.runSet(ctx, s)
		if err != nil {
			fmt.Fprintf(stderr, "accuracy: %s (line %d): %v\n", s.Name, s.Line, err)
			status = 1
			continue
		}
		r.elapsed = time.Since(start)
		fmt.Fprintf(stderr, "accuracy: %s: %d cited patches, %d hits, %d misses, %d wrong (%.1fs)\n",
			s.Name, len(r.cases), r.count("hit"), r.count("miss"), r.count("wrong"), r.elapsed.Seconds())
		results = append(results, r)
	}
	printReport(stdout, results, cfg.verbose)
	if *mdOut != "" {
		var b strings.Builder
		writeMarkdown(&b, results)
		if err := os.WriteFile(*mdOut, []byte(b.String()), 0o644); err != nil {
			fmt.Fprintf(stderr, "accuracy: %v\n", err)
			status = 1
		}
	}
	return status
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// caseResult is the judgement of one cited patch.
type caseResult struct {
	file    string
	cited   [][]string // cited commits, grouped by equivalence
	hows    []string   // how they are cited
	atts    []attribution
	outcome string   // "hit", "miss", "wrong", "dup"
	notes   []string // diagnoses
}

type setResult struct {
	set     evalSet
	patches int // patch files in the packaging
	cases   []*caseResult
	outside []*caseResult // cited patches whose commits the range does not hold
	dups    int
	// downstream counts the From-line ids outside the range (and
	// without a copy in it): downstream commits, not citations.
	downstream int
	right      int // right attributions
	uncited    int // attributions to uncited commits the patch carries whole (not judged)
	wrongAtt   int // wrong attributions
	elapsed    time.Duration
}

func (r *setResult) count(outcome string) int {
	n := 0
	for _, c := range r.cases {
		if c.outcome == outcome {
			n++
		}
	}
	return n
}

func isPatchFile(name string) bool {
	return strings.HasSuffix(name, ".patch") || strings.HasSuffix(name, ".diff")
}

// loadPackaging returns the files of a set's packaging, by slash path.
func (cfg *config) loadPackaging(ctx context.Context, s evalSet) (map[string][]byte, error) {
	if dir, ok := strings.CutPrefix(s.Packaging, "corpus:"); ok {
		root := filepath.Join(cfg.corpus, filepath.FromSlash(dir))
		files := map[string][]byte{}
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			files[filepath.ToSlash(rel)] = data
			return nil
		})
		return files, err
	}
	repo, branch, _ := strings.Cut(s.Packaging, "@")
	dir := mirrorPath(cfg.mirror, repo)
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("packaging %s not fetched: %w", repo, err)
	}
	return gitRepo{dir: dir}.branchFiles(ctx, branch)
}

// runSet traces one evaluation set and judges every cited patch.
func (cfg *config) runSet(ctx context.Context, s evalSet) (*setResult, error) {
	files, err := cfg.loadPackaging(ctx, s)
	if err != nil {
		return nil, err
	}
	updir := s.upstreamDir(cfg.mirror)
	if _, err := os.Stat(updir); err != nil {
		return nil, fmt.Errorf("upstream %s not fetched (set %s or fetch it): %w", s.Upstream, s.Env, err)
	}
	g := gitRepo{dir: updir}
	var tgt specfile.Target
	if s.Target != "-" {
		if tgt, err = specfile.Preset(s.Target); err != nil {
			return nil, err
		}
	}

	// Candidate ids: every hex token outside the diffs and in spec
	// comments; those naming upstream commits are stripped.
	var specName string
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if strings.HasSuffix(name, ".spec") && (specName == "" || strings.HasPrefix(name, "SPECS/")) {
			specName = name
		}
	}
	var tokens []string
	pcites := map[string][]cite{}
	for name, data := range files {
		if !isPatchFile(name) {
			continue
		}
		cs, toks := patchCites(data)
		pcites[name] = cs
		tokens = append(tokens, toks...)
	}
	if specName != "" {
		tokens = append(tokens, specCommentTokens(files[specName])...)
	}
	resolved, err := g.resolveCommits(ctx, dedupe(tokens))
	if err != nil {
		return nil, err
	}

	// Spec comments above Patch lines cite too.
	if specName != "" {
		sp, _ := specfile.ParseBytes(path.Base(specName), files[specName], specfile.Options{Target: tgt})
		if sp != nil {
			byBase := map[string]string{}
			for name := range pcites {
				byBase[path.Base(name)] = name
			}
			for _, d := range sp.Patches {
				name, ok := byBase[d.File]
				if !ok || d.Comment == "" {
					continue
				}
				for _, l := range strings.Split(d.Comment, "\n") {
					cs := citesOf(l, true)
					if len(cs) == 0 {
						for _, t := range reHex.FindAllString(l, -1) {
							if _, ok := resolved[strings.ToLower(t)]; ok {
								cs = append(cs, cite{ID: strings.ToLower(t), How: "spec comment", Line: shorten(strings.TrimSpace(l), 160)})
							}
						}
					}
					for i := range cs {
						cs[i].How = "spec: " + cs[i].How
					}
					pcites[name] = append(pcites[name], cs...)
				}
			}
		}
	}

	var ranges []string
	for _, cs := range pcites {
		for _, c := range cs {
			if strings.Contains(c.ID, "..") {
				ranges = append(ranges, c.ID)
			}
		}
	}
	expanded := g.expandRanges(ctx, dedupe(ranges))

	// The stripped copy.
	var tmp string
	if cfg.keep != "" {
		tmp = filepath.Join(cfg.keep, s.Name)
		if err := os.RemoveAll(tmp); err != nil {
			return nil, err
		}
	} else {
		if tmp, err = os.MkdirTemp("", "accuracy-"+s.Name+"-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
	}
	for name, data := range files {
		switch {
		case isPatchFile(name):
			data = stripPatch(data, resolved)
		case name == specName:
			data = stripSpec(data, resolved)
		}
		p := filepath.Join(tmp, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return nil, err
		}
	}
	src, err := source.Dir(s.Name, tmp, source.Options{})
	if err != nil {
		return nil, err
	}
	repo, err := upstream.Open(updir)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	graph, err := provenance.Trace(ctx, src, nil, []provenance.Upstream{{Name: "upstream", Repo: repo, Range: s.Range}},
		provenance.Options{Target: tgt})
	if err != nil {
		return nil, err
	}

	j, err := newJudge(ctx, g, s.Range)
	if err != nil {
		return nil, err
	}
	res := &setResult{set: s}
	for _, name := range slices.Sorted(maps.Keys(pcites)) {
		res.patches++
		howsOf := map[string][]string{}
		for _, c := range pcites[name] {
			if full, ok := resolved[c.ID]; ok {
				howsOf[full] = append(howsOf[full], c.How)
			}
			for _, id := range expanded[c.ID] {
				howsOf[id] = append(howsOf[id], c.How)
			}
		}
		if err := j.load(ctx, slices.Sorted(maps.Keys(howsOf))); err != nil {
			return nil, err
		}
		var ids, hows []string
		for _, id := range slices.Sorted(maps.Keys(howsOf)) {
			// The id of a From or commit line is often the downstream
			// commit a patch was formatted from: it counts only when the
			// range holds it or a copy of it.
			if headerOnly(howsOf[id]) && len(j.landed(id)) == 0 {
				res.downstream++
				continue
			}
			ids = append(ids, id)
			hows = append(hows, howsOf[id]...)
		}
		if len(ids) == 0 {
			continue
		}
		c := &caseResult{file: name, hows: dedupe(hows)}
		sum := sha256.Sum256(files[name])
		key := s.Upstream + "\x00" + string(sum[:])
		if first, ok := cfg.dups[key]; ok {
			c.outcome = "dup"
			c.notes = []string{"same file as " + first}
			res.dups++
			continue
		}
		cfg.dups[key] = s.Name + "/" + name
		if err := cfg.judgeCase(ctx, j, graph, files[name], ids, c, res); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if c.outcome == "outside" || c.outcome == "not carried" {
			res.outside = append(res.outside, c)
			continue
		}
		res.cases = append(res.cases, c)
	}
	return res, nil
}

// judgeCase compares the trace's attributions of one patch with its
// citations.
func (cfg *config) judgeCase(ctx context.Context, j *judge, graph *provenance.Graph, orig []byte, ids []string, c *caseResult, res *setResult) error {
	atts, ok := attributionsOf(graph, path.Base(c.file))
	var reported []string
	for _, a := range atts {
		reported = append(reported, a.Commit)
	}
	if err := j.load(ctx, append(append([]string(nil), ids...), reported...)); err != nil {
		return err
	}
	// Group the cited commits that carry the same change.
	for _, id := range ids {
		placed := false
		for gi, grp := range c.cited {
			if j.same(ctx, id, grp[0]) || j.same(ctx, grp[0], id) {
				c.cited[gi] = append(grp, id)
				placed = true
				break
			}
		}
		if !placed {
			c.cited = append(c.cited, []string{id})
		}
	}
	c.atts = atts
	// Cited commits the range holds no copy of cannot be found in it: they
	// are noted, not judged.
	var inRange [][]string
	for _, grp := range c.cited {
		found := false
		for _, id := range grp {
			if len(j.landed(id)) > 0 {
				found = true
			}
		}
		if found {
			inRange = append(inRange, grp)
		} else {
			c.notes = append(c.notes, "outside the range: "+short(grp[0])+" "+shorten(j.meta[grp[0]].Subject, 60))
		}
	}
	if len(inRange) == 0 {
		c.outcome = "outside"
		return nil
	}
	// Cited commits of which the patch carries nothing (no changed line,
	// no documentation words, no renamed line) cannot be found by
	// content: noted, not judged.
	parsed, _ := patchset.ParseBytes(c.file, orig)
	var carried [][]string
	for _, grp := range inRange {
		id := j.landed(grp[0])
		if len(id) > 0 && !j.carried(ctx, id[0], parsed) {
			c.notes = append(c.notes, "not carried: the patch shares no changed line, documentation words or renamed line with "+
				short(id[0])+" "+shorten(j.meta[id[0]].Subject, 60))
			continue
		}
		carried = append(carried, grp)
	}
	if len(carried) == 0 {
		c.outcome = "not carried"
		return nil
	}
	c.cited = carried
	if !ok {
		c.outcome = "miss"
		c.notes = append(c.notes, "not traced: the spec does not declare this patch")
		return nil
	}
	matches := func(a attribution, grp []string) bool {
		for _, id := range grp {
			if j.same(ctx, a.Commit, id) {
				return true
			}
			for _, l := range j.landed(id) {
				if l == a.Commit || j.duplicate(ctx, a.Commit, l) {
					return true
				}
			}
		}
		return false
	}
	wrong := false
	for _, a := range atts {
		right := false
		for _, grp := range c.cited {
			if matches(a, grp) {
				right = true
				break
			}
		}
		if right {
			res.right++
			continue
		}
		if j.carriedWhole(ctx, a.Commit, parsed) {
			res.uncited++
			c.notes = append(c.notes, "uncited but carried (not judged): "+short(a.Commit)+" "+shorten(j.meta[a.Commit].Subject, 60))
			continue
		}
		res.wrongAtt++
		wrong = true
		c.notes = append(c.notes, "wrong: "+j.diagnoseWrong(ctx, a, parsed, c.cited))
	}
	missing := false
	for _, grp := range c.cited {
		found := false
		for _, a := range atts {
			if matches(a, grp) {
				found = true
				break
			}
		}
		if !found {
			missing = true
			c.notes = append(c.notes, "miss: "+j.diagnoseMiss(ctx, grp[0], parsed, len(c.cited), atts))
		}
	}
	switch {
	case wrong:
		c.outcome = "wrong"
	case missing:
		c.outcome = "miss"
	default:
		c.outcome = "hit"
	}
	return nil
}

// headerOnly reports ids named only by a From or commit line.
func headerOnly(hows []string) bool {
	for _, h := range hows {
		if h != "From" && h != "commit line" {
			return false
		}
	}
	return true
}

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

type totals struct{ patches, cases, hits, misses, wrong, right, wrongAtt, dups, downstream, outside, uncited int }

func (t *totals) add(r *setResult) {
	t.patches += r.patches
	t.cases += len(r.cases)
	t.hits += r.count("hit")
	t.misses += r.count("miss")
	t.wrong += r.count("wrong")
	t.right += r.right
	t.wrongAtt += r.wrongAtt
	t.dups += r.dups
	t.downstream += r.downstream
	t.outside += len(r.outside)
	t.uncited += r.uncited
}

func (t totals) recall() float64 {
	if t.cases == 0 {
		return 0
	}
	return 100 * float64(t.hits) / float64(t.cases)
}

func (t totals) precision() float64 {
	if t.right+t.wrongAtt == 0 {
		return 100
	}
	return 100 * float64(t.right) / float64(t.right+t.wrongAtt)
}

func setTotals(r *setResult) totals {
	var t totals
	t.add(r)
	return t
}

func printReport(w io.Writer, results []*setResult, verbose bool) {
	fmt.Fprintf(w, "%-16s %7s %5s %5s %5s %5s %8s %9s %8s %4s %6s\n", "set", "patches", "cited", "hit", "miss", "wrong", "recall", "precision", "unjudged", "dup", "time")
	var all totals
	for _, r := range results {
		t := setTotals(r)
		all.add(r)
		fmt.Fprintf(w, "%-16s %7d %5d %5d %5d %5d %7.1f%% %8.1f%% %8d %4d %5.0fs\n", r.set.Name, t.patches, t.cases, t.hits, t.misses, t.wrong,
			t.recall(), t.precision(), t.outside, t.dups, r.elapsed.Seconds())
	}
	fmt.Fprintf(w, "%-16s %7d %5d %5d %5d %5d %7.1f%% %8.1f%% %8d %4d\n", "TOTAL", all.patches, all.cases, all.hits, all.misses, all.wrong,
		all.recall(), all.precision(), all.outside, all.dups)
	fmt.Fprintf(w, "attributions: %d right, %d wrong; not judged: %d to uncited commits the patch carries whole, %d duplicate cited files, %d patches citing only commits outside the range or not carried, %d From-line ids outside the range\n",
		all.right, all.wrongAtt, all.uncited, all.dups, all.outside, all.downstream)
	for _, r := range results {
		for _, c := range append(r.cases, r.outside...) {
			if c.outcome == "hit" && !verbose {
				continue
			}
			fmt.Fprintf(w, "%-5s %s/%s [%s] cites %s\n", strings.ToUpper(c.outcome), r.set.Name, c.file, strings.Join(c.hows, ","), groupsString(c.cited))
			for _, n := range c.notes {
				fmt.Fprintf(w, "      %s\n", n)
			}
			if verbose && c.outcome == "hit" {
				fmt.Fprintf(w, "      reported %s\n", describe(c.atts, 8))
			}
		}
	}
}

func groupsString(gs [][]string) string {
	var s []string
	for _, g := range gs {
		var ids []string
		for _, id := range g {
			ids = append(ids, short(id))
		}
		s = append(s, strings.Join(ids, "="))
	}
	return strings.Join(s, " ")
}

// writeMarkdown writes the table and the list of misses and wrongs.
func writeMarkdown(w io.Writer, results []*setResult) {
	fmt.Fprintln(w, "| set | packaging | upstream range | cited patches | hits | misses | wrong | recall | precision | not judged (outside the range, not carried) | duplicates |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|")
	var all totals
	for _, r := range results {
		t := setTotals(r)
		all.add(r)
		fmt.Fprintf(w, "| %s | %s | %s `%s` | %d | %d | %d | %d | %.1f%% | %.1f%% | %d | %d |\n", r.set.Name, r.set.Packaging, r.set.Upstream, r.set.Range,
			t.cases, t.hits, t.misses, t.wrong, t.recall(), t.precision(), t.outside, t.dups)
	}
	fmt.Fprintf(w, "| **total** | | | **%d** | **%d** | **%d** | **%d** | **%.1f%%** | **%.1f%%** | %d | %d |\n\n", all.cases, all.hits, all.misses, all.wrong,
		all.recall(), all.precision(), all.outside, all.dups)
	fmt.Fprintf(w, "Attributions: %d right, %d wrong. Not judged: %d attributions to uncited commits the patch carries whole, %d From-line ids outside the range (downstream commits).\n",
		all.right, all.wrongAtt, all.uncited, all.downstream)
	for _, r := range results {
		first := true
		for _, c := range append(r.cases, r.outside...) {
			if c.outcome == "hit" {
				continue
			}
			if first {
				fmt.Fprintf(w, "\n### %s\n\n", r.set.Name)
				first = false
			}
			fmt.Fprintf(w, "- **%s** `%s` (%s; cites %s)\n", c.outcome, c.file, strings.Join(c.hows, ", "), groupsString(c.cited))
			for _, n := range c.notes {
				fmt.Fprintf(w, "  - %s\n", n)
			}
		}
	}
}
