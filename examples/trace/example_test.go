package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
)

// Run the command on its built-in example with -json and list, for each
// patch of the rebuild, what the CentOS Stream-like origin says of it.
func Example() {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"-json"}, &out, os.Stderr); code != 0 {
		fmt.Println("exit", code)
		return
	}
	var r struct {
		Package string
		Patches []struct {
			File    string
			Own     bool
			Origins []struct{ Origin, File, Kind string }
		}
	}
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Package)
	for _, p := range r.Patches {
		verdict := "not in c9s"
		if p.Own {
			verdict = "the rebuild's own"
		}
		for _, o := range p.Origins {
			if o.Origin == "c9s" {
				verdict = o.Kind + " " + o.File
			}
		}
		fmt.Printf("%s: %s\n", p.File, verdict)
	}
	// Output:
	// greet-1.0-3.el9.alma.1
	// greet-1.0-bug-reports.patch: identical-to greet-1.0-bug-reports.patch
	// greet-config-path.patch: identical-to greet-1.0-config-path.patch
	// greet-1.0-CVE-2024-12345.patch: identical-to greet-1.0-CVE-2024-12345.patch
	// greet-1.0-leak-fix.patch: identical-to greet-1.0-leak-fix.patch
	// greet-1.0-bug-url.patch: rebased-from greet-1.0-bug-url.patch
	// greet-1.0-debrand.patch: the rebuild's own
}
