// Package gitobjtest builds real git repositories on disk for tests.
package gitobjtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Run runs a command in dir with a fixed author and committer and no
// user or system configuration, failing t when it fails; it returns the
// combined output.
func Run(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=T", "GIT_AUTHOR_EMAIL=t@example.org",
		"GIT_COMMITTER_NAME=T", "GIT_COMMITTER_EMAIL=t@example.org", "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// MakeDiskRepo builds a repository with git itself: a file rewritten over
// many commits (so that packing makes long delta chains), a binary file,
// and nested directories.
func MakeDiskRepo(t *testing.T, git string) string {
	dir := t.TempDir()
	Run(t, dir, git, "init", "-q", "-b", "main")
	var body []string
	for i := 0; i < 400; i++ {
		body = append(body, fmt.Sprintf("static int value_%d = %d; /* line %d of a long file */", i, i*i, i))
	}
	for c := 0; c < 40; c++ {
		body[(c*37)%len(body)] = fmt.Sprintf("static int value_%d = %d; /* changed in %d */", c, c, c)
		body = append(body[:c+3], append([]string{fmt.Sprintf("int added_%d;", c)}, body[c+3:]...)...)
		if err := os.MkdirAll(filepath.Join(dir, "src", "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "src", "sub", "big.c"), []byte(strings.Join(body, "\n")+"\n"), 0o644)
		os.WriteFile(filepath.Join(dir, "data.bin"), []byte{0, 1, 2, byte(c), 0, 9}, 0o644)
		os.WriteFile(filepath.Join(dir, "README"), []byte(fmt.Sprintf("version %d\n", c)), 0o644)
		Run(t, dir, git, "add", "-A")
		Run(t, dir, git, "commit", "-q", "-m", fmt.Sprintf("change %d", c))
		if c == 0 {
			Run(t, dir, git, "tag", "first")
		}
	}
	return dir
}
