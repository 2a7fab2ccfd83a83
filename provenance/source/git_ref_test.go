package source

import (
	"context"
	"strings"
	"testing"
)

// TestGitRefErrors: a ref that names no commit is an error naming the
// ref and why (issue 14 item 7: "@HEAD~99999" said only "EOF").
func TestGitRefErrors(t *testing.T) {
	repo, b := memRepo(t)
	buildHistory(t, b)
	for ref, want := range map[string]string{
		"HEAD~99999":   `ref "HEAD~99999": the history has no commit that far back`,
		"HEAD^3":       `ref "HEAD^3"`,
		"nosuchbranch": `ref "nosuchbranch": reference not found`,
		"0123456789":   `ref "0123456789"`,
	} {
		_, err := FromRepository("x", repo, ref, Options{}).Load(context.Background())
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error saying %q", ref, err, want)
		}
	}
	if _, err := FromRepository("x", repo, "HEAD~5", Options{}).Load(context.Background()); err != nil {
		t.Errorf("HEAD~5 (the first commit): %v", err)
	}
}
