package provenance

import (
	"bytes"
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/patchtrace/patchtrace/patchset"
	"github.com/patchtrace/patchtrace/progress"
	"github.com/patchtrace/patchtrace/provenance/source"
	"github.com/patchtrace/patchtrace/provenance/upstream"
	"github.com/patchtrace/patchtrace/specfile"
)

// loadAll loads every packaging source in parallel, decides the target
// each spec is read for (the target's first: origins fall back to it),
// then parses them in parallel.
func loadAll(ctx context.Context, all []source.Source, opts Options, report func(progress.Report)) ([]*pkgInfo, error) {
	pkgs := make([]*source.Package, len(all))
	errs := make([]error, len(all))
	var mu sync.Mutex
	done := 0
	parallel(len(all), opts.Workers, func(i int) {
		pkgs[i], errs[i] = all[i].Load(ctx)
		if errs[i] != nil {
			errs[i] = fmt.Errorf("provenance: loading %q: %w", all[i].Name(), errs[i])
		}
		mu.Lock()
		done++
		d := done
		mu.Unlock()
		report(progress.Report{Stage: "load", Detail: all[i].Name(), Done: int64(d), Total: int64(len(all))})
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	infos := make([]*pkgInfo, len(all))
	for i, s := range all {
		infos[i] = &pkgInfo{name: s.Name(), pkg: pkgs[i],
			byHash: map[string][]*patchFile{}, byDiff: map[uint64][]*patchFile{}, byBase: map[string][]*patchFile{}}
	}
	targets := make([]specfile.Target, len(all))
	fallback, fallbackName, fallbackFrom := specfile.Target{}, "", ""
	if isZeroTarget(opts.Target) {
		// A target that names no distribution is read as the first
		// origin that does (a rebuild builds for its origin's release).
		for i := 1; i < len(all) && isZeroTarget(fallback); i++ {
			if t := opts.OriginTargets[all[i].Name()]; !isZeroTarget(t) {
				fallback, fallbackName, fallbackFrom = t, t.Name, "as origin "+all[i].Name()+" (-from)"
			} else if n, from := infos[i].detectTarget(); n != "" {
				fallback, _ = specfile.Preset(n)
				fallbackName, fallbackFrom = n, "as origin "+all[i].Name()+", "+from
			}
		}
	}
	targets[0] = infos[0].chooseTarget(opts.Target, fallback, "-target", fallbackName)
	if infos[0].presetFrom == presetFromFallback {
		infos[0].presetFrom = fallbackFrom + "; nothing names the target's own distribution"
	}
	for i := 1; i < len(all); i++ {
		explicit, from := opts.OriginTargets[all[i].Name()], ""
		if !isZeroTarget(explicit) {
			from = "-from " + all[i].Name() + ":" + explicit.Name
		}
		targets[i] = infos[i].chooseTarget(explicit, targets[0], from, infos[0].preset)
	}
	parallel(len(all), opts.Workers, func(i int) { infos[i].parse(targets[i]) })
	return infos, ctx.Err()
}

// parallel runs fn(0..n-1) on at most workers goroutines.
func parallel(n, workers int, fn func(int)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(1, workers))
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			fn(i)
		}()
	}
	wg.Wait()
}

// isZeroTarget reports whether t is the zero Target (nothing asked).
func isZeroTarget(t specfile.Target) bool {
	return t.Name == "" && len(t.Defines) == 0 && t.RPMVersion == "" && len(t.Macros) == 0 && len(t.With) == 0 && len(t.Without) == 0
}

// detectTarget names the preset pi's dist tag names: its SRPM release,
// then its location (a git ref, an SRPM file name, a directory path).
func (pi *pkgInfo) detectTarget() (name, from string) {
	var hints [][2]string
	if pi.pkg.NEVR != nil {
		hints = append(hints, [2]string{pi.pkg.NEVR.Release, "release " + pi.pkg.NEVR.Release})
	}
	hints = append(hints, [2]string{pi.pkg.Location, "location " + path.Base(filepath.ToSlash(pi.pkg.Location))})
	for _, h := range hints {
		if n, ok := specfile.DetectPreset(h[0]); ok {
			return n, h[1]
		}
	}
	return "", ""
}

// chooseTarget decides the target pi's spec is read for: explicit when
// given (with a warning when pi's dist tag names another distribution),
// else the preset pi's dist tag names, else fallback (the target's; for
// the target itself, the zero Target, with a warning when the spec uses
// %{?dist}). It records the choice in pi.preset and pi.presetFrom.
func (pi *pkgInfo) chooseTarget(explicit, fallback specfile.Target, explicitFrom, fallbackName string) specfile.Target {
	detected, detectedFrom := pi.detectTarget()
	var dt specfile.Target
	if detected != "" {
		dt, _ = specfile.Preset(detected)
	}
	switch {
	case !isZeroTarget(explicit):
		pi.preset, pi.presetFrom = explicit.Name, explicitFrom
		if detected != "" && !specfile.SameFamily(explicit, dt) {
			pi.warnings = append(pi.warnings, fmt.Sprintf("read for %s (%s), but its %s names %s (dist %s, rpm %s): its spec may read differently there",
				explicit.Name, explicitFrom, detectedFrom, detected, dt.Defines["dist"], dt.RPMVersion))
		}
		return explicit
	case detected != "":
		pi.preset, pi.presetFrom = detected, "detected from "+detectedFrom
		return dt
	case !isZeroTarget(fallback):
		pi.preset, pi.presetFrom = fallbackName, presetFromFallback
		return fallback
	}
	pi.preset, pi.presetFrom = "", "none given or detected"
	if bytes.Contains(pi.pkg.Spec, []byte("dist}")) {
		pi.warnings = append(pi.warnings, "no target preset given and none detected (no SRPM release, git ref or directory name names a distribution): "+
			"the spec is read with no distribution defines, so %{?dist} is empty in its Release; pass a preset (-target el9, -from NAME:f40=...)")
	}
	return specfile.Target{}
}

// presetFromFallback is pkgInfo.presetFrom for a package read for the
// fallback target.
const presetFromFallback = "as the target: nothing names its own distribution"

// parse reads pi's spec for tgt, then its patches and sources.
func (pi *pkgInfo) parse(tgt specfile.Target) {
	pkg := pi.pkg
	if len(pkg.Spec) > 0 {
		pi.spec, pi.specErr = specfile.Parse(pkg.SpecName, bytes.NewReader(pkg.Spec), specfile.Options{Target: tgt, FS: pkg.FS()})
		if pi.spec == nil && pi.specErr == nil {
			pi.specErr = errors.New("no spec parsed")
		}
	}
	switch {
	case pkg.NEVR != nil:
		pi.nevr = *pkg.NEVR
	case pi.spec != nil:
		pi.nevr = source.NEVR{Name: pi.spec.Name, Epoch: pi.spec.Epoch, Version: pi.spec.Version, Release: pi.spec.Release}
	}
	if pi.nevr.Name == "" {
		pi.nevr.Name = strings.TrimSuffix(path.Base(pkg.SpecName), ".spec")
	}
	if len(pkg.LookasideData) > 0 {
		if path.Base(pkg.LookasideName) == "sources" {
			pi.lookaside, pi.lookErr = specfile.ParseSources(pkg.LookasideName, bytes.NewReader(pkg.LookasideData))
		} else {
			pi.lookaside, pi.lookErr = specfile.ParseMetadata(pkg.LookasideName, bytes.NewReader(pkg.LookasideData))
		}
	}
	pi.collectPatches()
	pi.collectSources()
}

// missingPatch is a declared patch whose file the source does not hold.
type missingPatch struct {
	number, line int
	file         string
	applied      bool
}

// reason says why the patch is not there.
func (m missingPatch) reason(pi *pkgInfo) string {
	what := "declared"
	if m.applied {
		what = "declared and applied"
	}
	where := pi.pkg.SpecName
	if m.line > 0 {
		where += ":" + strconv.Itoa(m.line)
	}
	return fmt.Sprintf("%s (%s) but not in the source %q: missing, unreadable, or a link the source does not follow", what, where, pi.location)
}

// addMissingPatches adds a patch node, with its reason in the "missing"
// attribute, for every declared patch whose file the source lacks.
func addMissingPatches(g *Graph, pi *pkgInfo) {
	for _, m := range pi.missing {
		attrs := map[string]string{"path": m.file, "missing": m.reason(pi), "order": strconv.Itoa(len(pi.patches) + m.line)}
		if m.number >= 0 {
			attrs["number"] = strconv.Itoa(m.number)
		}
		id := g.AddNode(Node{Kind: KindPatch, Origin: pi.name, Name: m.file, Attrs: attrs}).ID
		to := pi.specID
		if to == "" {
			to = pi.pkgID
		}
		g.AddEdge(Edge{From: id, To: to, Kind: EdgeAppliedIn, Verdict: VerdictApplied, Score: 1,
			Evidence: []string{"declared at " + path.Base(pi.pkg.SpecName) + ":" + strconv.Itoa(m.line)}})
	}
}

// reversedRange says, for an empty "A..B" range, whether "B..A" has
// commits (the ends swapped); "" otherwise.
func reversedRange(ctx context.Context, r *upstream.Repo, rng string) string {
	a, b, ok := strings.Cut(rng, "..")
	if !ok || a == "" || b == "" || strings.HasPrefix(b, ".") {
		return ""
	}
	ix, err := r.Index(ctx, b+".."+a, nil, nil)
	if err != nil || ix.Stats().Commits == 0 {
		return ""
	}
	return fmt.Sprintf("%s..%s has %d commits: were the ends swapped?", b, a, ix.Stats().Commits)
}

func (pi *pkgInfo) collectPatches() {
	used := map[string]bool{}
	if pi.spec != nil && len(pi.spec.Patches) > 0 {
		plan := map[int]specfile.Apply{}
		planOrder := map[int]int{}
		planByFile := map[string]specfile.Apply{}
		for i, a := range pi.spec.Plan {
			if _, ok := plan[a.Number]; !ok {
				plan[a.Number] = a
				planOrder[a.Number] = i
			}
			if _, ok := planByFile[a.File]; !ok {
				planByFile[a.File] = a
			}
		}
		for di, d := range pi.spec.Patches {
			f := pi.pkg.File(d.File)
			if f == nil {
				_, applied := plan[d.Number]
				if _, ok := planByFile[d.File]; ok {
					applied = true
				}
				pi.missing = append(pi.missing, missingPatch{number: d.Number, line: d.Line, file: d.File, applied: applied})
				continue
			}
			if used[f.Path] {
				continue
			}
			used[f.Path] = true
			strip, order := -1, len(pi.spec.Plan)+di
			applied := false
			if a, ok := plan[d.Number]; ok && d.Number >= 0 {
				strip, order, applied = applyStrip(a), planOrder[d.Number], true
			} else if a, ok := planByFile[d.File]; ok {
				strip, applied = applyStrip(a), true
			}
			pf := pi.newPatch(f, d.Number, order, strip)
			pf.comment = d.Comment
			pf.applied = applied
			pf.declLine = d.Line
		}
	} else {
		// No spec, or a spec that declares nothing: every patch-like file.
		n := 0
		for i := range pi.pkg.Files {
			f := &pi.pkg.Files[i]
			if !isPatchName(f.Name) || f.Data == nil {
				continue
			}
			pi.newPatch(f, -1, n, -1)
			n++
		}
	}
	for _, pf := range pi.patches {
		pi.byHash[pf.sha256] = append(pi.byHash[pf.sha256], pf)
		pi.byDiff[pf.diffKey] = append(pi.byDiff[pf.diffKey], pf)
		bases := map[string]bool{}
		for _, p := range pf.paths() {
			b := path.Base(p)
			if !bases[b] {
				bases[b] = true
				pi.byBase[b] = append(pi.byBase[b], pf)
			}
		}
	}
}

// applyStrip returns the -p level a plan entry applies with. %autosetup
// and %autopatch with a git backend (-S git, -S git_am) and no -p option run
// git apply / git am, whose default is -p1, not patch(1)'s -p0.
func applyStrip(a specfile.Apply) int {
	switch a.SCM {
	case "git", "git_am":
		if a.Strip == 0 && !hasStripOption(a.Text) {
			return 1
		}
	}
	return a.Strip
}

// hasStripOption reports whether an applying line states -p.
func hasStripOption(line string) bool {
	for _, f := range strings.Fields(line) {
		if strings.HasPrefix(f, "-p") {
			return true
		}
	}
	return false
}

func isPatchName(n string) bool {
	n = strings.ToLower(n)
	for _, s := range []string{".patch", ".diff", ".patch.gz", ".diff.gz", ".patch.xz", ".patch.bz2"} {
		if strings.HasSuffix(n, s) {
			return true
		}
	}
	return false
}

func (pi *pkgInfo) newPatch(f *source.File, number, order, strip int) *patchFile {
	pf := &patchFile{origin: pi.name, name: f.Name, path: f.Path, number: number, order: order, strip: strip,
		sha256: f.SHA256, size: f.Size, overlay: f.Overlay}
	if f.Data != nil {
		pf.sha1 = fmt.Sprintf("%x", sha1.Sum(f.Data))
		pf.parts, pf.parseErr = patchset.ParseBytes(f.Path, f.Data)
	} else {
		pf.parseErr = fmt.Errorf("%s: content not kept (%d bytes)", f.Path, f.Size)
	}
	pf.fingerprint()
	pi.patches = append(pi.patches, pf)
	return pf
}

func (pi *pkgInfo) collectSources() {
	if pi.spec == nil {
		return
	}
	for _, d := range pi.spec.Sources {
		f := pi.pkg.File(d.File)
		if f == nil {
			continue
		}
		sf := srcFile{number: d.Number, name: d.File, sha256: f.SHA256, size: f.Size}
		if f.Data != nil {
			sf.sha1 = fmt.Sprintf("%x", sha1.Sum(f.Data))
		}
		pi.sources = append(pi.sources, sf)
	}
}
