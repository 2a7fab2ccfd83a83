package store_test

import (
	"context"
	"crypto/sha1"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/patchtrace/patchtrace/provenance/store"
)

// Open the embedded store (a file; a postgres:// URL works the same way),
// record two commits and the change of the second, then read back a range
// and the changes to one path.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "store-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := store.Open(ctx, filepath.Join(dir, "index.db"), store.Options{})
	if err != nil {
		log.Fatal(err)
	}
	ix, err := db.Index(ctx, "example-lines/1")
	if err != nil {
		log.Fatal(err)
	}
	defer ix.Close()

	base := store.Commit{ID: sha1.Sum([]byte("base")), Subject: "initial import"}
	fix := store.Commit{ID: sha1.Sum([]byte("fix")), Parents: []store.ID{base.ID}, Subject: "lib: fix overflow"}
	if err := ix.PutCommits(ctx, []store.Commit{base, fix}); err != nil {
		log.Fatal(err)
	}
	change := store.Change{Commit: fix.ID, Path: "lib/url.c", Old: sha1.Sum([]byte("v1")), New: sha1.Sum([]byte("v2")),
		Lines: []store.Line{{Hash: 42, Count: -1}, {Hash: 77, Count: 1}}}
	if err := ix.PutChanges(ctx, []store.ID{fix.ID}, []store.Change{change}); err != nil {
		log.Fatal(err)
	}

	// The range base..fix, as git would say it.
	commits, err := ix.Reachable(ctx, []store.ID{fix.ID}, []store.ID{base.ID})
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range commits {
		fmt.Println(c.Subject, "indexed:", c.Indexed)
	}
	err = ix.Changes(ctx, []string{"lib/url.c"}, func(c *store.Change) error {
		fmt.Println(c.Path, c.Lines)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// lib: fix overflow indexed: true
	// lib/url.c [{42 -1} {77 1}]
}
