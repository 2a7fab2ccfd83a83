package specfile_test

import (
	"fmt"
	"strings"

	"github.com/patchtrace/patchtrace/specfile"
)

// Parse a spec for RHEL 9 and list its patches and how %prep applies them.
func ExampleParse() {
	const spec = `Name:    hello
Version: 2.12
Release: 3%{?dist}
Summary: Hello
License: GPLv3+
Source0: https://ftp.gnu.org/gnu/hello/hello-%{version}.tar.gz
# https://example.org/hello/commit/0123abc
Patch0:  hello-fix-typo.patch
%if 0%{?rhel}
Patch1:  hello-rhel-defaults.patch
%endif
Patch2:  hello-%(echo 2_12 | sed 's/_/./g')-cve.patch

%description
Hello.

%prep
%autosetup -p1
`
	el9, _ := specfile.Preset("el9")
	s, err := specfile.Parse("hello.spec", strings.NewReader(spec), specfile.Options{Target: el9})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s-%s-%s\n", s.Name, s.Version, s.Release)
	for _, p := range s.Patches {
		fmt.Printf("Patch%d %s (line %d) %q %q\n", p.Number, p.File, p.Line, p.Comment, p.Condition)
	}
	for _, a := range s.Plan {
		fmt.Printf("apply %d with %s -p%d (line %d)\n", a.Number, a.Form, a.Strip, a.Line)
	}
	// Output:
	// hello-2.12-3.el9
	// Patch0 hello-fix-typo.patch (line 8) "https://example.org/hello/commit/0123abc" ""
	// Patch1 hello-rhel-defaults.patch (line 10) "" "%if 0%{?rhel}"
	// Patch2 hello-2.12-cve.patch (line 12) "" ""
	// apply 0 with %autosetup -p1 (line 18)
	// apply 1 with %autosetup -p1 (line 18)
	// apply 2 with %autosetup -p1 (line 18)
}

// Presets name the targets rebuilders care about.
func ExamplePreset() {
	t, _ := specfile.Preset("c9s")
	fmt.Println(t.Defines["dist"], t.Defines["rhel"], t.Defines["centos"], t.RPMVersion)
	// Output: .el9 9 9 4.16
}

// Shell and Lua in a spec are never run: they are reported instead.
func ExampleSpec_Unresolved() {
	s, _ := specfile.Parse("x.spec", strings.NewReader("Name: x\nVersion: %(git describe)\nRelease: 1\n"), specfile.Options{})
	for _, u := range s.Unresolved {
		fmt.Printf("%s:%d: %s %s\n", u.File, u.Line, u.Kind, u.Text)
	}
	fmt.Printf("version %q\n", s.Version)
	// Output:
	// x.spec:2: shell %(git describe)
	// version ""
}
