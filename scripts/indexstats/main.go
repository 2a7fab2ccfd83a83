// Command indexstats prints what a patchtrace upstream index holds:
// commits known, commits indexed, changes, bytes on disk and bytes per
// indexed commit (scripts/bench-index.sh reports it).
//
//	go run ./scripts/indexstats LOCATION
//	go run ./scripts/indexstats -createdb URL NAME   (creates database NAME on the server of URL, prints its URL)
package main

import (
	"context"
	"fmt"
	"net/url"
	"os"

	"github.com/patchtrace/patchtrace/provenance/store"
	"github.com/patchtrace/patchtrace/provenance/upstream"
)

func main() {
	if len(os.Args) == 4 && os.Args[1] == "-createdb" {
		createDB(os.Args[2], os.Args[3])
		return
	}
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: indexstats LOCATION (a file or a postgres:// URL)")
		os.Exit(2)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, os.Args[1], store.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "indexstats:", err)
		os.Exit(1)
	}
	ix, err := db.Index(ctx, upstream.FingerprintName)
	if err != nil {
		fmt.Fprintln(os.Stderr, "indexstats:", err)
		os.Exit(1)
	}
	defer ix.Close()
	st, err := ix.Stats(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "indexstats:", err)
		os.Exit(1)
	}
	per := 0.0
	if st.Indexed > 0 {
		per = float64(st.Bytes) / float64(st.Indexed)
	}
	fmt.Printf("commits %d indexed %d changes %d bytes %d bytes/indexed-commit %.0f\n", st.Commits, st.Indexed, st.Changes, st.Bytes, per)
}

// createDB creates the database name on the PostgreSQL server of base and
// prints its URL.
func createDB(base, name string) {
	ctx := context.Background()
	db, err := store.Open(ctx, base, store.Options{})
	if err == nil {
		_, err = db.SQL().ExecContext(ctx, "CREATE DATABASE "+name)
		db.Close()
	}
	u, perr := url.Parse(base)
	if err == nil {
		err = perr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "indexstats:", err)
		os.Exit(1)
	}
	u.Path = "/" + name
	fmt.Println(u.String())
}
