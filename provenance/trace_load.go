package provenance

import (
	"bytes"
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"path"
	"strings"
	"sync"

	"github.com/patchtrace/patchtrace/patchset"
	"github.com/patchtrace/patchtrace/provenance/source"
	"github.com/patchtrace/patchtrace/specfile"
)

// loadAll loads and parses every packaging source in parallel.
func loadAll(ctx context.Context, all []source.Source, opts Options, report func(Progress)) ([]*pkgInfo, error) {
	infos := make([]*pkgInfo, len(all))
	errs := make([]error, len(all))
	var wg sync.WaitGroup
	var mu sync.Mutex
	sem := make(chan struct{}, opts.Workers)
	done := 0
	for i, s := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			infos[i], errs[i] = loadPackage(ctx, s, opts.Target)
			mu.Lock()
			done++
			d := done
			mu.Unlock()
			report(Progress{Stage: "load", Detail: s.Name(), Done: d, Total: len(all)})
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return infos, nil
}

// loadPackage loads a source and parses its spec and patches.
func loadPackage(ctx context.Context, s source.Source, tgt specfile.Target) (*pkgInfo, error) {
	pkg, err := s.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("provenance: loading %q: %w", s.Name(), err)
	}
	pi := &pkgInfo{name: s.Name(), pkg: pkg,
		byHash: map[string][]*patchFile{}, byDiff: map[uint64][]*patchFile{}, byBase: map[string][]*patchFile{}}
	if len(pkg.Spec) > 0 {
		pi.spec, pi.specErr = specfile.Parse(bytes.NewReader(pkg.Spec), specfile.Options{Name: pkg.SpecName, Target: tgt})
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
			pi.lookaside, pi.lookErr = specfile.ParseSources(bytes.NewReader(pkg.LookasideData), pkg.LookasideName)
		} else {
			pi.lookaside, pi.lookErr = specfile.ParseMetadata(bytes.NewReader(pkg.LookasideData), pkg.LookasideName)
		}
	}
	pi.collectPatches()
	pi.collectSources()
	return pi, ctx.Err()
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
