// Package testenv is the one convention patchtrace's tests use for things
// that live outside the module: reference tools (git, rpmspec) and the real
// corpus in ../shared/corpus.
//
// When the thing is present the test runs. When it is missing the test is
// skipped with a message that says exactly what is missing, except under CI
// (the environment variable CI is "true"), where a missing oracle or corpus
// is a failure: CI must exercise every oracle, never skip it.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// CorpusEnv names an environment variable that, when set, overrides where
// the real corpus is looked for.
const CorpusEnv = "PATCHTRACE_CORPUS"

// InCI reports whether the tests run under CI (CI=true), where missing
// oracles and corpus fail rather than skip.
func InCI() bool { return os.Getenv("CI") == "true" }

// missing skips t outside CI and fails it under CI.
func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if InCI() {
		t.Fatalf("CI=true but %s", msg)
	}
	t.Skipf("skipped: %s", msg)
}

// Tool returns the absolute path of the command name, found on PATH.
// If it is absent, t is skipped (or failed under CI) with a message naming
// the command and, when given, how to install it.
func Tool(t testing.TB, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		hint := ""
		if install != "" {
			hint = " (install: " + install + ")"
		}
		missing(t, "the oracle %q is not on PATH%s", name, hint)
		return ""
	}
	return p
}

// Git returns the path of the git binary (see Tool).
func Git(t testing.TB) string {
	t.Helper()
	return Tool(t, "git", "apt-get install -y git")
}

// RPMSpec returns the path of rpm's rpmspec binary (see Tool).
func RPMSpec(t testing.TB) string {
	t.Helper()
	return Tool(t, "rpmspec", "apt-get install -y rpm")
}

var (
	rootOnce sync.Once
	rootDir  string
)

// ModuleRoot returns the directory that holds patchtrace's go.mod, found by
// walking up from the working directory of the test binary. It returns ""
// when there is none.
func ModuleRoot() string {
	rootOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			return
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				rootDir = dir
				return
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				return
			}
			dir = parent
		}
	})
	return rootDir
}

// CorpusPath returns where the corpus is expected: $PATCHTRACE_CORPUS when
// set, otherwise ../shared/corpus beside the module root.
func CorpusPath() string {
	if p := os.Getenv(CorpusEnv); p != "" {
		return p
	}
	root := ModuleRoot()
	if root == "" {
		return ""
	}
	return filepath.Join(filepath.Dir(root), "shared", "corpus")
}

// Corpus returns the corpus directory, or skips (fails under CI) with the
// path it looked at when the corpus is absent.
func Corpus(t testing.TB) string {
	t.Helper()
	p := CorpusPath()
	if p == "" {
		missing(t, "the corpus could not be located: no go.mod above the working directory and $%s unset", CorpusEnv)
		return ""
	}
	if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
		missing(t, "the corpus is not at %s (set $%s to point elsewhere)", p, CorpusEnv)
		return ""
	}
	return p
}

// CorpusFile returns the path of rel inside the corpus, skipping (failing
// under CI) when the corpus or that file is absent.
func CorpusFile(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(Corpus(t), filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		missing(t, "the corpus has no %s", p)
		return ""
	}
	return p
}

// PostgresEnv names the environment variable holding the connection URL of
// a PostgreSQL server the tests may create databases on
// (scripts/pg-throwaway.sh start prints it).
const PostgresEnv = "PATCHTRACE_PG_URL"

// PostgreSQL returns the URL in $PATCHTRACE_PG_URL, or skips (fails under
// CI) saying how to start a throwaway server when it is unset.
func PostgreSQL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(PostgresEnv)
	if u == "" {
		missing(t, "no PostgreSQL server: $%s is unset (start a throwaway one with: eval \"$(scripts/pg-throwaway.sh start)\")", PostgresEnv)
		return ""
	}
	return u
}
