package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

func TestModuleRoot(t *testing.T) {
	root := ModuleRoot()
	if root == "" {
		t.Fatal("ModuleRoot found no go.mod above the test's directory")
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("ModuleRoot = %s, which has no go.mod: %v", root, err)
	}
}

func TestCorpusOverride(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(CorpusEnv, dir)
	if got := Corpus(t); got != dir {
		t.Fatalf("Corpus() = %q with $%s=%q", got, CorpusEnv, dir)
	}
}

func TestOraclesPresent(t *testing.T) {
	// Under CI these must all be there; outside CI each skips on its own.
	t.Run("git", func(t *testing.T) { Git(t) })
	t.Run("rpmspec", func(t *testing.T) { RPMSpec(t) })
	t.Run("corpus", func(t *testing.T) { CorpusFile(t, "MANIFEST.tsv") })
}
