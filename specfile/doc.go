// Package specfile reads RPM spec files the way rpm would for a named
// target, without ever running code from them.
//
// Parse builds a lossless model of a spec: the input bytes are kept as they
// are (Spec.Bytes returns them unchanged), and every preamble tag, section
// header, patch declaration and patch application carries its 1-based line
// so that an editor can change a spec with a minimal diff.
//
// Macros are expanded by a small engine that follows rpm's rules
// (%define/%global/%undefine, parametric macros, %{?x:y}, %{expr:...},
// %[...], built-ins such as %{sub:...} or %{basename:...}), with limits on
// recursion depth and expansion size. Shell expansions %(...) and Lua
// %{lua:...} are never executed: they stay opaque and are reported in
// Spec.Unresolved with their file and line. A few harmless shell idioms
// (echo X | sed 's/a/b/g', tr) are recognised statically.
//
// Conditionals (%if/%elif/%else/%endif with rpm's expression language,
// %ifarch, %ifos, %bcond...) are evaluated for a Target: its defines, arch,
// --with/--without switches and the rpm behaviour version (4.14, 4.16,
// 4.18, 4.19, 4.20) that selects how patches are numbered and how %patch
// is read. Preset returns targets for el8, el9, el10, c9s, c10s and Fedora.
//
// The result lists the declared patches and sources (number, file name,
// line, comment block above, condition, sub-package) and the %prep
// application plan: which patch is applied, in which order, and how.
//
// Agreement with rpm is tested against rpm 4.18's rpmspec on about 1,500
// real specs (see oracle_test.go): given the same macro files and defines
// (Target.LoadMacroFile can read the very /usr/lib/rpm/macros rpmspec
// uses), the NEVR and the numbered patch list agree on 99.9% of the specs
// rpmspec can read. Where rpm would stop, the reader is more lenient and
// says so in Spec.Warnings: an unknown or empty preamble tag (usually a
// macro package the caller did not load) is skipped; an %if condition that
// cannot be read after an opaque expansion is taken as false and listed in
// Spec.Unresolved. Built-ins that would look at the machine (%{getenv:},
// %{exists:}, %{load:}) are inert, and %{getncpus} is 1.
//
// Every error is an *input.Error that names the file and line.
package specfile
