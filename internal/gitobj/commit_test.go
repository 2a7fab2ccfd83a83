package gitobj

import (
	"errors"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

func TestParseCommit(t *testing.T) {
	raw := "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n" +
		"parent 1111111111111111111111111111111111111111\n" +
		"parent 2222222222222222222222222222222222222222\n" +
		"author A U Thor <a@example.org> 1700000000 +0130\n" +
		"committer C O Mitter <c@example.org> 1700000100 -0500\n" +
		"gpgsig -----BEGIN PGP SIGNATURE-----\n \n -----END PGP SIGNATURE-----\n" +
		"\n\n  Subject line  \n\nbody\n"
	c, err := ParseCommit([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if c.Tree != plumbing.NewHash("4b825dc642cb6eb9a060e54bf8d69288fbee4904") || len(c.Parents) != 2 ||
		c.Parents[1] != plumbing.NewHash("2222222222222222222222222222222222222222") {
		t.Errorf("ids: %+v", c)
	}
	if c.Author.Name != "A U Thor" || c.Author.Email != "a@example.org" || c.Author.When != 1700000000 || c.Author.Zone != 5400 {
		t.Errorf("author %+v", c.Author)
	}
	if c.Committer.When != 1700000100 || c.Committer.Zone != -5*3600 || c.Committer.Time().Unix() != 1700000100 {
		t.Errorf("committer %+v", c.Committer)
	}
	if c.Subject != "Subject line" {
		t.Errorf("subject %q", c.Subject)
	}
	for _, bad := range []string{"", "author x <y> 1 +0000\n\nmsg", "tree 123\n", "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nparent xyz\n"} {
		if _, err := ParseCommit([]byte(bad)); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseCommit(%q) = %v, want ErrMalformed", bad, err)
		}
	}
}

func TestScanTreeMalformed(t *testing.T) {
	for _, bad := range []string{"100644", "100644 name", "100644 name\x00short"} {
		if err := ScanTree([]byte(bad), func(_, _ []byte, _ plumbing.Hash) bool { return true }); !errors.Is(err, ErrMalformed) {
			t.Errorf("ScanTree(%q) = %v, want ErrMalformed", bad, err)
		}
	}
	for mode, k := range map[string]Kind{"40000": Tree, "100644": Blob, "100755": Blob, "120000": Other, "160000": Other} {
		if KindOf([]byte(mode)) != k {
			t.Errorf("KindOf(%s) = %d, want %d", mode, KindOf([]byte(mode)), k)
		}
	}
}
