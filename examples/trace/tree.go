package main

import (
	"context"
	"strings"

	"github.com/patchtrace/patchtrace/internal/cli"
	"github.com/patchtrace/patchtrace/provenance"
	"github.com/patchtrace/patchtrace/provenance/tree"
)

// treeTrace is a tree trace's command line: -base NAME=SOURCE turns TARGET
// into a tree (a tarball, a directory or GITDIR@REF) compared with the
// base tree SOURCE.
type treeTrace struct {
	target, base provenance.NamedTree
}

// openTrees opens the base given to -base and the target tree; claim
// reserves the base's name.
func openTrees(cfg *config, baseArg, targetArg, name string, claim func(n, what string) error) error {
	bname, loc, ok := strings.Cut(baseArg, "=")
	if !ok || bname == "" || loc == "" {
		return cli.Usagef("-base %q: want NAME=SOURCE (a tarball, a directory or GITDIR@REF)", baseArg)
	}
	if err := claim(bname, "-base "+baseArg); err != nil {
		return err
	}
	bt, err := tree.Open(loc, tree.Limits{})
	if err != nil {
		return err
	}
	cfg.closers = append(cfg.closers, func() error { return tree.Close(bt) })
	tt, err := tree.Open(targetArg, tree.Limits{})
	if err != nil {
		return err
	}
	cfg.closers = append(cfg.closers, func() error { return tree.Close(tt) })
	cfg.trees = &treeTrace{target: provenance.NamedTree{Name: name, Tree: tt}, base: provenance.NamedTree{Name: bname, Tree: bt}}
	return nil
}

// trace runs the trace the command line asks for.
func (cfg *config) trace(ctx context.Context) (*provenance.Graph, error) {
	if cfg.trees != nil {
		return provenance.TraceTree(ctx, cfg.trees.target, cfg.trees.base, cfg.origins, cfg.upstreams, cfg.opts)
	}
	return provenance.Trace(ctx, cfg.target, cfg.origins, cfg.upstreams, cfg.opts)
}
